"""Rendering Word documents from docxtpl templates, fast and byte-reproducible.

Each template is compiled once per process: its XML parts (body, headers, footers) are
patched with docxtpl's own ``patch_xml`` and compiled into Jinja templates; the other package
parts are compressed once. Rendering a document then only renders those XML strings, applies
docxtpl's post-processing (``resolve_listing``) and lays out a ZIP with fixed times and order,
with docProps/core.xml written from the document's own metadata. The core is pure (compiled
template and context in, bytes out); nothing here writes files.

Jinja runs with autoescape and StrictUndefined: user text is escaped data, never template code,
and a variable the context lacks stops the render with a Polish message naming the template,
the part and the variable.
"""

from __future__ import annotations

import hashlib
import io
import re
import traceback
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from docxtpl import DocxTemplate
from lxml import etree

from pipeline import ooxml
from pipeline.documents import DocumentSpec, build_context, document_plan
from pipeline.errors import RenderError
from pipeline.files import ZipEntry, zip_bytes
from pipeline.polish import JINJA_FILTERS, JINJA_GLOBALS

_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_RENDERED_RELS = {"officeDocument": "treść", "header": "nagłówek", "footer": "stopka", "footnotes": "przypisy"}
_CORE = "docProps/core.xml"
_STYLES = "word/styles.xml"
_TAGS = re.compile(r"<[^>]+>")
_SPECIAL = re.compile("[\t\n\a\f]")
_PARAGRAPH = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", re.DOTALL)  # as in docxtpl's resolve_listing
_DOCPR_ID = re.compile(r'(<wp:docPr\b[^>]*?\bid=")\d+(")')
_PATCHER = DocxTemplate(None)  # patch_xml / resolve_listing / fix_tables use no instance state
LOGO_FILE = Path("logo") / "pasek.png"  # the coordinator's logo strip, beside the templates (templates/README.md)


@dataclass(frozen=True, slots=True)
class RenderedDocument:
    spec: DocumentSpec  # output name, template, title
    data: bytes  # the .docx

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def title(self) -> str:
        return self.spec.title


def make_environment(logo: bytes | None = None) -> jinja2.Environment:
    """The one Jinja environment of every document: autoescape, strict, Polish filters, and the
    ``pasek_logo(opis)`` global that draws the logo strip when one is installed."""
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, finalize=ooxml.finalize)
    env.filters.update(JINJA_FILTERS)
    env.filters.update({"akapity": ooxml.paragraphs, "tabela_harmonogramu": ooxml.timeline_table})
    env.globals.update(JINJA_GLOBALS)
    extent = ooxml.logo_extent(logo) if logo else None
    env.globals["pasek_logo"] = lambda description="": ooxml.logo_paragraph(extent, description)
    return env


def paragraph_text(xml_line: str, needle: str = "", limit: int = 160) -> str:
    """The text of the paragraph on one line of a prepared part (the one holding ``needle``,
    else the last one with a tag): what the user sees in Word around a failing tag."""
    segments = [" ".join(_TAGS.sub("", seg).split()) for seg in xml_line.split("</w:p>")]
    segments = [seg for seg in segments if seg]
    best = [seg for seg in segments if needle and needle in seg] or [seg for seg in segments if "{" in seg]
    text = (best or segments or [""])[-1]
    return text if len(text) <= limit else text[: limit - 1] + "…"


_TAG_SPAN = re.compile(r"\{[{%#].*?[}%#]\}", re.DOTALL)
_MARKUP = re.compile(r"(<[^>]*>)")
_QUOTE_REFERENCES = re.compile(r"&(?:apos|quot|#39|#34|#[xX]27|#[xX]22);")
_QUOTES = {"&apos;": "'", "&quot;": '"', "&#39;": "'", "&#34;": '"', "&#x27;": "'", "&#X27;": "'",
           "&#x22;": '"', "&#X22;": '"'}


def unescape_tags(xml: str) -> str:
    """A template part's XML with the quotes inside its Jinja tags written as characters.

    LibreOffice Writer saves ' and " in text as ``&apos;`` and ``&quot;``; inside a tag
    (``{{ x|data(&apos;długa&apos;) }}``) Jinja would read the references, not the quotes. Only
    the text between the markup of a tag is changed (a tag may span several runs); quotes are
    legal there as characters, so the XML stays well-formed. The renderer and the template
    check both read templates through this function."""
    if "&" not in xml:
        return xml

    def tag(match: re.Match[str]) -> str:
        pieces = _MARKUP.split(match[0])
        return "".join(piece if piece.startswith("<") else _QUOTE_REFERENCES.sub(lambda m: _QUOTES[m[0]], piece)
                       for piece in pieces)

    return _TAG_SPAN.sub(tag, xml)


def prepare_source(xml: str) -> str:
    """docxtpl's source preparation: patched XML with every paragraph on its own line."""
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", _PATCHER.patch_xml(xml))


def finish_part(xml: str, unescape: bool = True) -> str:
    """docxtpl's post-processing of a rendered part (render_xml_part after the Jinja step),
    in as few passes as possible: it runs for every part of every document. ``unescape`` (the
    {_{ → {{ rule) is needed only if the template itself holds "{_" and the like: printed
    values never do, braces in them are character references."""
    xml = xml.replace("\n<w:p", "<w:p")  # only the line starts prepare_source inserted
    if unescape:
        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
    if "\n" in xml or "\a" in xml or "\t" in xml or "\f" in xml:  # single characters: memchr-fast
        xml = _PARAGRAPH.sub(_resolve_paragraph, xml)
    return xml


def _resolve_paragraph(match: re.Match) -> str:
    """docxtpl's resolve_listing, run only on the paragraphs that need it (same regex, same result)."""
    paragraph = match[0]
    if _SPECIAL.search(paragraph):
        return _PATCHER.resolve_listing(paragraph)
    return paragraph


def rendered_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Part name -> Polish label for the parts docxtpl renders: body, headers, footers, footnotes."""
    found: dict[str, str] = {}
    for rels_name, base in (("_rels/.rels", ""), ("word/_rels/document.xml.rels", "word/")):
        if rels_name not in archive.namelist():
            continue
        for rel in etree.fromstring(archive.read(rels_name)).iter(f"{_REL_NS}Relationship"):
            kind = rel.get("Type", "").rsplit("/", 1)[-1]
            if kind in _RENDERED_RELS and rel.get("TargetMode") != "External":
                target = rel.get("Target", "").lstrip("/")
                found[target if target.startswith("word/") or not base else base + target] = _RENDERED_RELS[kind]
    return found


_DROPPED_PARTS = {"word/stylesWithEffects.xml"}  # Word 2010 legacy copy of styles.xml (~440 KB), never read back
_LATENT_STYLES = re.compile(rb"<w:latentStyles\b.*?</w:latentStyles>", re.S)
_STYLES_WITH_EFFECTS = re.compile(rb"<(?:Relationship|Override)\b[^>]*stylesWithEffects[^>]*/>")


def _slim(name: str, data: bytes) -> bytes:
    """Drop what every reader re-parses for nothing: the legacy styles copy and latent-style defaults.

    Halves the package, and pandoc and LibreOffice read each document that much faster.
    """
    if name == _STYLES:
        return _LATENT_STYLES.sub(b"", data)
    if name in ("word/_rels/document.xml.rels", "[Content_Types].xml"):
        return _STYLES_WITH_EFFECTS.sub(b"", data)
    return data


def _pruned_styles(parts: dict[str, bytes]) -> bytes:
    """The template's styles.xml without the styles neither the template nor the code uses
    (unchanged when a style reference is itself a template tag)."""
    referenced = set(ooxml.GENERATED_STYLES)
    for name, content in parts.items():
        if name != _STYLES and name.endswith(".xml"):
            found = ooxml.referenced_styles(content.decode("utf-8", "replace"))
            if found is None:
                return parts[_STYLES]
            referenced |= found
    return ooxml.prune_styles(parts[_STYLES], referenced)


def _add_logo(data: dict[str, bytes], rendered: dict[str, str], logo: bytes) -> None:
    """Put the logo image into the package, with a relationship from every rendered part to it,
    so ``pasek_logo`` may be used in the body, a header or a footer."""
    data[ooxml.LOGO_MEDIA] = logo
    for name in rendered:
        folder, _, base = name.rpartition("/")
        rels = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
        data[rels] = ooxml.with_logo_relationship(data.get(rels))
    data["[Content_Types].xml"] = ooxml.with_png_content_type(data["[Content_Types].xml"])


@dataclass(slots=True)
class _Part:
    name: str
    label: str
    prolog: str  # the XML declaration, kept out of Jinja and of lxml's unicode parser
    template: jinja2.Template
    lines: list[str]
    fix_tables: bool
    unescape: bool


class CompiledTemplate:
    """One .docx template, compiled: Jinja templates for its XML parts, the rest pre-compressed."""

    def __init__(self, path: Path, env: jinja2.Environment, logo: bytes | None = None) -> None:
        self.path, self.name = path, path.name
        raw = path.read_bytes()
        self.sha256 = hashlib.sha256(raw).hexdigest()
        self.order: list[str] = []
        self.static: dict[str, ZipEntry] = {}
        self.parts: dict[str, _Part] = {}
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            labels = rendered_parts(archive)
            names = [info.filename for info in archive.infolist() if not info.is_dir()]
            names.sort(key=lambda n: n != "[Content_Types].xml")
            data = {name: _slim(name, archive.read(name)) for name in names if name not in _DROPPED_PARTS}
        if _STYLES in data:
            data[_STYLES] = _pruned_styles(data)
        if logo:
            _add_logo(data, labels, logo)
        for name, content in data.items():
            self.order.append(name)
            if name in labels:
                self.parts[name] = self._compile(name, labels[name], unescape_tags(content.decode("utf-8")), env)
            elif name != _CORE:
                self.static[name] = ZipEntry.of(name, content)

    def _compile(self, name: str, label: str, xml: str, env: jinja2.Environment) -> _Part:
        prolog = ""
        if xml.startswith("<?xml"):
            end = xml.index("?>") + 2
            prolog, xml = xml[:end] + "\n", xml[end:].lstrip()
        source = ooxml.mark_loop_headers(prepare_source(xml))  # before the split: it adds no lines
        lines = source.split("\n")
        try:
            template = env.from_string(source)
        except jinja2.TemplateSyntaxError as exc:
            where = paragraph_text(lines[exc.lineno - 1]) if exc.lineno and exc.lineno <= len(lines) else ""
            raise RenderError(f"Szablon {self.name} ({label}): błąd składni znacznika ({exc.message}) "
                              f"w akapicie: „{where}”.", template=self.name, part=label, paragraph=where) from None
        unescape = any(mark in xml for mark in ("{_{", "}_}", "{_%", "%_}"))
        return _Part(name, label, prolog, template, lines, "{%tc" in xml or "{%-tc" in xml, unescape)

    def render(self, context: dict[str, Any], spec: Any) -> bytes:
        entries = []
        for name in self.order:
            if name in self.static:
                entries.append(self.static[name])
            elif name == _CORE:
                entries.append(ZipEntry.of(name, core_xml(spec, context)))
            else:
                entries.append(ZipEntry.of(name, self._render_part(self.parts[name], context).encode("utf-8")))
        return zip_bytes(entries)

    def _render_part(self, part: _Part, context: dict[str, Any]) -> str:
        try:
            xml = part.template.render(context)
        except Exception as exc:
            raise self._error(part, exc) from None
        xml = finish_part(xml, part.unescape)
        if part.fix_tables:  # {%tc %} loops change the column count: docxtpl's table fix
            xml = etree.tostring(_PATCHER.fix_tables(xml), encoding="unicode")
        xml = ooxml.hold_table_rows(xml)  # page breaks in tables: the one place of the rule
        if "<wp:docPr" in xml:  # images repeated by loops need unique ids, as docxtpl does
            numbers = iter(range(1001, 10**9))
            xml = _DOCPR_ID.sub(lambda m: f"{m[1]}{next(numbers)}{m[2]}", xml)
        return part.prolog + xml

    def _error(self, part: _Part, exc: Exception) -> RenderError:
        lineno = None
        for frame in traceback.extract_tb(exc.__traceback__):
            if frame.filename == "<template>":
                lineno = frame.lineno
        text = str(exc)
        variable = _missing_name(text) if isinstance(exc, jinja2.UndefinedError) else ""
        where = paragraph_text(part.lines[lineno - 1], variable) if lineno and lineno <= len(part.lines) else ""
        head = f"Szablon {self.name} ({part.label})"
        if isinstance(exc, jinja2.UndefinedError):
            message = f"{head}: nieznana zmienna „{variable}” w akapicie: „{where}”."
            return RenderError(message, template=self.name, part=part.label, variable=variable, paragraph=where)
        message = f"{head}: błąd podczas wypełniania ({type(exc).__name__}: {text}) w akapicie: „{where}”."
        return RenderError(message, template=self.name, part=part.label, paragraph=where)


def _missing_name(message: str) -> str:
    if m := re.match(r"^'(.+?)' is undefined$", message):
        return m[1]
    if m := re.search(r"has no attribute '(.+?)'", message):
        return m[1]
    return message


def core_xml(spec: Any, context: dict[str, Any]) -> bytes:
    programme = context.get("programme", {})
    return ooxml.core_properties_xml(
        title=spec.title, subject=spec.subject, creator=spec.author, keywords="; ".join(spec.keywords),
        description=programme.get("project_title", ""), category=programme.get("edition_name", ""), when=spec.date)


class TemplateSet:
    """Every .docx template of a folder, compiled once. A broken template fails only when used."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.templates: dict[str, CompiledTemplate] = {}
        self.errors: dict[str, RenderError] = {}
        logo_path = self.directory / LOGO_FILE
        self.logo = logo_path.read_bytes() if logo_path.is_file() else None
        try:
            self.env = make_environment(self.logo)
        except ooxml.LogoError as exc:
            self.logo, self.env = None, make_environment()
            error = RenderError(f"Pasek logotypów {logo_path} nie nadaje się do dokumentów ({exc}). "
                                "Zapisz go jako obraz PNG.", template=str(LOGO_FILE))
            self.errors = {p.name: error for p in sorted(self.directory.glob("*.docx"))}
        for path in sorted(self.directory.glob("*.docx")):
            if path.name.startswith(("~$", ".~lock")) or path.name in self.errors:
                continue
            try:
                self.templates[path.name] = CompiledTemplate(path, self.env, self.logo)
            except RenderError as exc:
                self.errors[path.name] = exc
            except (zipfile.BadZipFile, KeyError, UnicodeDecodeError, etree.XMLSyntaxError) as exc:
                self.errors[path.name] = RenderError(f"Szablon {path.name} nie jest poprawnym plikiem .docx ({exc}).",
                                                     template=path.name)

    def get(self, name: str) -> CompiledTemplate:
        if name in self.errors:
            raise self.errors[name]
        if name not in self.templates:
            raise RenderError(f"Brak szablonu {name} w katalogu {self.directory}.", template=name)
        return self.templates[name]



@lru_cache(maxsize=4)
def _cached(directory: str, stamp: tuple) -> TemplateSet:
    return TemplateSet(Path(directory))


def template_set(directory: Path) -> TemplateSet:
    """The process-wide compiled set for a folder; recompiled when a template file changes."""
    directory = Path(directory).resolve()
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in _sources(directory))
    return _cached(str(directory), stamp)


def _sources(directory: Path) -> list[Path]:
    """The files documents are made from: the templates and, when installed, the logo strip."""
    found = [p for p in sorted(Path(directory).glob("*.docx")) if not p.name.startswith(("~$", ".~lock"))]
    logo = Path(directory) / LOGO_FILE
    return found + [logo] if logo.is_file() else found


def template_hashes(directory: Path) -> dict[str, str]:
    """Template file name (and "logo/pasek.png") -> sha256 of its bytes, for incremental rebuilds."""
    return {p.relative_to(directory).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in _sources(Path(directory))}


def render_document(templates: TemplateSet, spec: Any, context: dict[str, Any]) -> bytes:
    """The .docx bytes of one document: same template, spec and context give the same bytes."""
    return templates.get(spec.template).render(context, spec)


def render_unit(unit: Any, edition: Any, templates: TemplateSet,
                plan: list[DocumentSpec] | None = None) -> list[RenderedDocument]:
    """Every document the unit's valid forms allow (``plan``, when the caller has it already),
    rendered in memory."""
    return [RenderedDocument(spec, render_document(templates, spec, build_context(spec, unit, edition)))
            for spec in (document_plan(unit, edition) if plan is None else plan)]


def render_naive(template_path: Path, context: dict[str, Any], spec: Any = None) -> bytes:
    """Plain docxtpl (load, render, save) with the same environment: the reference and baseline."""
    template = DocxTemplate(str(template_path))
    template.render(context, jinja_env=make_environment(), autoescape=True)
    if spec is not None:
        props = template.docx.core_properties
        props.title, props.subject, props.author = spec.title, spec.subject, spec.author
        props.keywords, props.language = "; ".join(spec.keywords), "pl-PL"
    buffer = io.BytesIO()
    template.save(buffer)
    return buffer.getvalue()
