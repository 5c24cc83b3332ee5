"""See a template edit before the batch: sample documents as PDF and PNG pages, and what changed.

``make_preview`` renders the chosen templates with sample data (by default the example units of
``template_check``: every optional field filled, two rows in every list, one unit per summary
form; or the coordinator's own units from forms/), converts them with LibreOffice as the build
does, rasterises each page (poppler's ``pdftoppm``) and writes a small HTML page showing the
pages side by side::

    output/podglad/index.html            the page to open
    output/podglad/aktualny/<doc>/       dokument.docx, dokument.pdf, strona-1.png, …
    output/podglad/wzorzec/<doc>/        the last accepted preview (--accept; the one it replaced: poprzedni-wzorzec/)

With ``compare`` each page is shown before (the accepted preview) and after (this one), and the
pages that differ beyond LibreOffice's run-to-run noise are marked. Only this module writes there.
"""

from __future__ import annotations

import html
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageChops

from pipeline.convert import ConversionJob, PdfConverter
from pipeline.documents import SUMMARY_CODES, build_context, document_plan
from pipeline.edition import Edition
from pipeline.errors import SetupError, UsageError
from pipeline.models import Unit
from pipeline.processes import run
from pipeline.render import TemplateSet, render_document
from pipeline.template_check import example_unit  # the check's example data is the preview's too
from pipeline.validate import validate_unit

CURRENT = "aktualny"
REFERENCE = "wzorzec"
PREVIOUS_REFERENCE = "poprzedni-wzorzec"
RESOLUTION = 60  # dpi of the PNG pages: a readable thumbnail, a few kB per page
# A page differs when more than this share of its pixels changed by more than PIXEL_THRESHOLD
# (of 255) in a channel. Measured on this machine (tests/data/visual/README.md): LibreOffice's
# run-to-run noise is 0 (the same document gives byte-identical pages at 60 dpi, 10 runs of 9
# pages); one letter changed in a heading changes 3.2e-5 to 1.3e-4 of an A4 page (11–45 pixels).
PIXEL_THRESHOLD = 48
PAGE_TOLERANCE = 0.00001


@dataclass
class PreviewPage:
    number: int
    image: Path | None  # this preview's PNG (None: the page exists only in the reference)
    reference: Path | None = None
    difference: float | None = None  # share of pixels changed; None when there is nothing to compare

    @property
    def changed(self) -> bool:
        return self.image is None or self.reference is None or (self.difference or 0.0) > PAGE_TOLERANCE


@dataclass
class PreviewDocument:
    key: str  # folder name: "hdr" or "hdr--gmina-x"
    template: str
    label: str  # what the coordinator reads: "hdr.docx — przykładowe dane"
    pages: list[PreviewPage] = field(default_factory=list)
    error: str | None = None


@dataclass
class Preview:
    folder: Path
    documents: list[PreviewDocument]
    compared: bool
    has_reference: bool
    accepted: bool

    @property
    def index(self) -> Path:
        return self.folder / "index.html"

    def changed_pages(self) -> dict[str, list[int]]:
        return {doc.label: [p.number for p in doc.pages if p.changed] for doc in self.documents
                if any(p.changed for p in doc.pages)}


def sample_documents(templates: TemplateSet, edition: Edition, names: list[str] | None,
                     units: list[Unit] | None) -> list[tuple[PreviewDocument, bytes]]:
    """The documents to preview, rendered: one per template (example data) or per template and unit."""
    wanted = [_template_name(name, templates) for name in names] if names else None
    sources = units if units is not None else [example_unit(edition, code) for code in SUMMARY_CODES]
    documents: dict[str, tuple[PreviewDocument, bytes]] = {}
    for unit in sources:
        for spec in document_plan(unit, edition):
            if spec.template not in (wanted if wanted is not None else {*templates.templates, *templates.errors}):
                continue
            stem = spec.template.removesuffix(".docx")
            key, label = ((stem, f"{spec.template} — przykładowe dane") if units is None
                          else (f"{stem}--{unit.id}", f"{spec.template} — {unit.id} ({unit.card.jst.name if unit.card else '—'})"))
            if key not in documents:
                data = render_document(templates, spec, build_context(spec, unit, edition))
                documents[key] = (PreviewDocument(key, spec.template, label), data)
    missing = sorted(set(wanted or ()) - {doc.template for doc, _ in documents.values()})
    if missing:
        raise UsageError(f"Żadna z wybranych jednostek nie ma dokumentu z szablonu {', '.join(missing)} "
                         "(brakuje formularzy, których ten dokument potrzebuje).")
    order = {name: i for i, name in enumerate(sorted(templates.templates))}
    return sorted(documents.values(), key=lambda item: (order.get(item[0].template, 0), item[0].key))


def _template_name(name: str, templates: TemplateSet) -> str:
    file_name = name if name.endswith(".docx") else f"{name}.docx"
    file_name = Path(file_name).name
    if file_name not in templates.templates and file_name not in templates.errors:
        known = ", ".join(sorted(templates.templates)) or "żadnego"
        raise UsageError(f"Nie ma szablonu {file_name} w katalogu {templates.directory} (są: {known}).")
    return file_name


def make_preview(templates_dir: Path, edition: Edition, out_dir: Path, *, names: list[str] | None = None,
                 units: list[Unit] | None = None, compare: bool = False, accept: bool = False,
                 soffice: str | None = None) -> Preview:
    """Render, convert and rasterise the preview into ``out_dir``; compare and accept on request."""
    if not shutil.which("pdftoppm"):
        raise SetupError("Nie znaleziono programu pdftoppm (pakiet poppler-utils), który zamienia strony PDF na "
                         "obrazy. Zainstaluj go poleceniem: apt-get install -y --no-install-recommends poppler-utils")
    templates = TemplateSet(templates_dir)
    rendered = sample_documents(templates, edition, names, units)
    if not rendered:
        raise UsageError(f"W katalogu {templates_dir} nie ma szablonów dokumentów do podglądu.")
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".nowy-", dir=out_dir))
    try:
        jobs = []
        for document, data in rendered:
            folder = staging / document.key
            folder.mkdir()
            (folder / "dokument.docx").write_bytes(data)
            jobs.append(ConversionJob(folder / "dokument.docx", folder / "dokument.pdf"))
        with PdfConverter(workers=min(2, len(jobs)), soffice=soffice) as converter:
            results = converter.convert(jobs)
        for (document, _), result in zip(rendered, results, strict=True):
            if result.ok:
                _rasterise(staging / document.key)
            else:
                document.error = result.error
        current = out_dir / CURRENT
        if current.exists():
            shutil.rmtree(current)
        staging.rename(current)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    documents = [document for document, _ in rendered]
    reference = out_dir / REFERENCE
    has_reference = reference.is_dir()
    for document in documents:
        _collect_pages(document, current / document.key, reference / document.key if compare else None)
    if accept:
        accepted = Path(tempfile.mkdtemp(prefix=".wzorzec-", dir=out_dir))
        shutil.rmtree(accepted)
        shutil.copytree(current, accepted)
        previous = out_dir / PREVIOUS_REFERENCE  # what "before" shows on this page, compared and accepted at once
        shutil.rmtree(previous, ignore_errors=True)
        if reference.exists():
            reference.rename(previous)
        accepted.rename(reference)
        for page in (page for document in documents for page in document.pages):
            if page.reference is not None:
                page.reference = previous / page.reference.relative_to(reference)
    preview = Preview(out_dir, documents, compare, has_reference, accept)
    preview.index.write_text(preview_html(preview), encoding="utf-8")
    return preview


def _rasterise(folder: Path) -> None:
    run(["pdftoppm", "-png", "-r", str(RESOLUTION), str(folder / "dokument.pdf"), str(folder / "p")],
        check=True, timeout=300)
    for image in folder.glob("p-*.png"):
        image.rename(folder / f"strona-{int(image.stem.rsplit('-', 1)[1])}.png")


def _pages(folder: Path) -> dict[int, Path]:
    found = {}
    for image in folder.glob("strona-*.png") if folder.is_dir() else ():
        if m := re.fullmatch(r"strona-(\d+)\.png", image.name):
            found[int(m[1])] = image
    return found


def _collect_pages(document: PreviewDocument, folder: Path, reference: Path | None) -> None:
    now, before = _pages(folder), _pages(reference) if reference is not None else {}
    for number in sorted(set(now) | set(before)):
        page = PreviewPage(number, now.get(number), before.get(number))
        if page.image and page.reference:
            page.difference = page_difference(page.image, page.reference)
        document.pages.append(page)


def page_difference(a: Path, b: Path) -> float:
    """Share of pixels that differ by more than PIXEL_THRESHOLD in a channel (1.0 when sizes differ)."""
    with Image.open(a) as first, Image.open(b) as second:
        if first.size != second.size:
            return 1.0
        diff = ImageChops.difference(first.convert("RGB"), second.convert("RGB")).convert("L")
        changed = sum(diff.point(lambda v: 255 if v > PIXEL_THRESHOLD else 0).histogram()[255:])
        return changed / (first.size[0] * first.size[1])


# ----------------------------------------------------------------------------- the page
_STYLE = """
body{font-family:"Liberation Sans",Arial,sans-serif;margin:1.5rem;background:#f4f5f7;color:#1d2733}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
.strony{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}
figure{margin:0;background:#fff;padding:.5rem;border:2px solid #c9d1db}
figure.zmieniona{border:3px solid #c62828}
figure img{display:block;max-width:100%;height:auto;border:1px solid #dde3ea}
figcaption{font-size:.85rem;margin-bottom:.4rem}
.para{display:flex;gap:.5rem}.para div{flex:1}
.znak{font-weight:bold;color:#c62828}.blad{color:#c62828}
"""


def preview_html(preview: Preview) -> str:
    """The side-by-side page: every document's pages, before and after when compared."""
    esc = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="pl"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             "<title>Podgląd szablonów</title>", f"<style>{_STYLE}</style></head><body><main>",
             "<h1>Podgląd szablonów</h1>"]
    if preview.compared:
        changed = preview.changed_pages()
        if not preview.has_reference:
            parts.append("<p>Nie ma jeszcze zaakceptowanego podglądu do porównania. Zaakceptuj ten podgląd "
                         "poleceniem <code>teczka templates preview --accept</code>.</p>")
        else:
            total = sum(len(pages) for pages in changed.values())
            parts.append(f"<p>Porównanie z ostatnim zaakceptowanym podglądem: zmienione strony: {total}. "
                         "Strony zmienione są obramowane na czerwono.</p>")
    if preview.accepted:
        parts.append("<p>Ten podgląd jest teraz wzorcem do porównań.</p>")
    for document in preview.documents:
        parts.append(f"<section><h2>{esc(document.label)}</h2>")
        folder = f"{CURRENT}/{document.key}"
        parts.append(f'<p><a href="{esc(folder)}/dokument.pdf">PDF</a> · <a href="{esc(folder)}/dokument.docx">'
                     "dokument Word</a></p>")
        if document.error:
            parts.append(f'<p class="blad">Nie udało się utworzyć PDF: {esc(document.error)}</p>')
        parts.append('<div class="strony">')
        for page in document.pages:
            parts.append(_figure(preview, document, page))
        parts.append("</div></section>")
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def _figure(preview: Preview, document: PreviewDocument, page: PreviewPage) -> str:
    esc = html.escape

    def img(path: Path | None, alt: str) -> str:
        if path is None:
            return f"<p>{esc(alt)}: brak tej strony</p>"
        src = esc(path.relative_to(preview.folder).as_posix())
        return f'<a href="{src}"><img src="{src}" alt="{esc(alt)}" loading="lazy"></a>'

    name = f"{document.label}, strona {page.number}"
    if not preview.compared or not preview.has_reference:
        return f"<figure><figcaption>Strona {page.number}</figcaption>{img(page.image, name)}</figure>"
    mark = '<span class="znak">zmieniona</span>' if page.changed else "bez zmian"
    return (f'<figure class="{"zmieniona" if page.changed else "bez-zmian"}"><figcaption>Strona {page.number}: '
            f'{mark}</figcaption><div class="para"><div>Przed{img(page.reference, name + ", przed")}</div>'
            f"<div>Po{img(page.image, name + ', po')}</div></div></figure>")


def preview_summary(preview: Preview) -> list[str]:
    """What the command prints, in Polish."""
    pages = sum(1 for doc in preview.documents for page in doc.pages if page.image)
    lines = [f"Podgląd: {preview.index} (dokumenty: {len(preview.documents)}, strony: {pages})."]
    lines += [f"Błąd: {doc.label}: {doc.error}" for doc in preview.documents if doc.error]
    if preview.compared and not preview.has_reference:
        lines.append("Nie ma jeszcze zaakceptowanego podglądu: zaakceptuj go opcją --accept.")
    elif preview.compared:
        changed = preview.changed_pages()
        lines += [f"Zmienione: {label}: strony {', '.join(map(str, numbers))}." for label, numbers in changed.items()]
        if not changed:
            lines.append("Żadna strona nie zmieniła się od ostatniego zaakceptowanego podglądu.")
    if preview.accepted:
        lines.append(f"Zaakceptowano: ten podgląd jest teraz wzorcem ({preview.folder / REFERENCE}).")
    return lines


def load_units(forms_dir: Path, unit_ids: list[str], edition: Edition) -> list[Unit]:
    """The coordinator's own units by folder name; a unit with errors cannot be previewed."""
    units = []
    for unit_id in unit_ids:
        folder = forms_dir / unit_id
        if not folder.is_dir() or Path(unit_id).name != unit_id:
            raise UsageError(f"Nie ma jednostki {unit_id} w katalogu {forms_dir}.")
        result = validate_unit(folder, edition, forms_dir.parent)
        if result.errors or result.unit.card is None:
            raise UsageError(f"Jednostka {unit_id} ma błędy w formularzach albo nie ma karty JST — popraw je "
                             f"(teczka validate {forms_dir}) albo wybierz inną jednostkę.")
        units.append(result.unit)
    return units

