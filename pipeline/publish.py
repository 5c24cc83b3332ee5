"""The summary as HTML for publication: pandoc from the rendered document, accessible, no contact data.

The page's source is the coordinator's Word template: the summary is rendered as for the
archive (with contact data replaced), pandoc reads it (``docx+styles``) and writes HTML, and
``accessible`` maps what Word expresses with styles to what HTML expresses with elements:

- the document's Title and Subtitle paragraphs become the page's ``<h1>`` and its subtitle
  (``<hgroup>``); the headings below follow without a skipped level;
- a "Lead" paragraph becomes ``<p class="lead">``; an "Etykieta" paragraph (a label such as
  "Pytania kluczowe") becomes a heading one level below the section it is in;
- a "Podpis tabeli" paragraph becomes the following table's ``<caption>``; a table whose first
  Word row is a header row (``tblLook firstRow``) gets ``<th scope="col">``, one whose first
  column holds the labels gets ``<th scope="row">``;
- an omitted contact reads "(pominięto w publikacji)" for the e-mail and for the phone alike.

pandoc runs as one warm ``pandoc lua`` process per worker (``data/publikacja.lua``): pandoc's
start-up, not the conversion, was most of the cost of one process per unit (bench/RESULTS.md).
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import html
import os
import select
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from pipeline import models
from pipeline.contact import replace_contacts
from pipeline.documents import build_context, document_plan
from pipeline.edition import Edition
from pipeline.polish import NB_HYPHEN
from pipeline.processes import die_with_parent, spawn
from pipeline.render import render_document

OMITTED = "(pominięto w publikacji)"
LUA_SCRIPT = Path(__file__).parent / "data" / "publikacja.lua"
PANDOC_TIMEOUT = 60.0  # seconds for one document
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_STYLE = """
body { font-family: "Liberation Sans", Arial, sans-serif; max-width: 46em; margin: 2em auto; padding: 0 1em;
       line-height: 1.5; color: #1a1a1a; }
h1, h2, h3, h4 { color: #1f4e79; line-height: 1.25; }
h4 { font-size: 1em; margin-bottom: .2em; }
hgroup .subtitle { font-size: 1.2em; color: #4a4a4a; margin-top: -.4em; }
.lead { font-size: 1.1em; font-weight: bold; font-style: italic; color: #1f3864; }
.logo { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: 1em 0; }
caption { text-align: left; font-weight: bold; color: #4a4a4a; padding: .2em 0; }
td, th { border: 1px solid #bbb; padding: .3em .6em; vertical-align: top; text-align: left; }
th { background: #f2f5f9; }
td p, th p { margin: 0; }
.omitted { color: #595959; font-style: italic; }
@media (max-width: 30em) { body { margin: 1em auto; } td, th { padding: .2em .3em; } }
"""


NAME_OMITTED = "(imię i nazwisko pominięto w publikacji)"


def publication_unit(unit: models.Unit) -> models.Unit:
    """The unit as it may be published: the e-mail and the phone of the contact person read
    "(pominięto w publikacji)" alike (a "—" would say "no phone"), and the name of a reportage's
    interviewee from outside the JST team is left out wherever it appears unless the form records
    their consent ("tak")."""
    summary = unit.summary
    if summary is None:
        return unit
    update: dict[str, Any] = {}
    if summary.good_practice is not None:
        update["good_practice"] = summary.good_practice.model_copy(
            update={"contact_email": OMITTED, "contact_phone": OMITTED})
    reportage = summary.reportage
    if reportage is not None and not may_publish_name(unit):
        name = reportage.interviewee

        def hide(text: str | None) -> str | None:
            return text.replace(name, NAME_OMITTED) if text else text

        update["reportage"] = reportage.model_copy(update={
            key: hide(value) for key, value in reportage.model_dump().items()
            if isinstance(value, str) and key != "interviewee_consent"})
        update["interview"] = [item.model_copy(update={"question": hide(item.question), "answer": hide(item.answer)})
                               for item in summary.interview]
    if not update:
        return unit
    return unit.model_copy(update={"summary": summary.model_copy(update=update)})


def may_publish_name(unit: models.Unit) -> bool:
    """Whether the reportage's interviewee may be named in publication: a JST team member, or
    someone whose consent the form records."""
    reportage = unit.summary.reportage if unit.summary else None
    if reportage is None:
        return True
    team = {member.name.casefold() for member in unit.card.team} if unit.card else set()
    return reportage.interviewee.casefold() in team or (reportage.interviewee_consent or "").strip() == "tak"


def mask_contact_data(text: str) -> str:
    """``text`` with every e-mail address and phone number replaced by ``OMITTED``."""
    return replace_contacts(text, lambda _: OMITTED)


# ----------------------------------------------------------------------------- warm pandoc
class PandocError(RuntimeError):
    """pandoc could not convert a document (the message says why, in Polish)."""


class Pandoc:
    """One warm ``pandoc lua`` process that converts .docx files to HTML fragments one by one.

    Started on first use and killed with ``close`` (or with the process that started it)."""

    def __init__(self, timeout: float = PANDOC_TIMEOUT) -> None:
        self.timeout = timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._buffer = b""
        self._tmp = tempfile.TemporaryDirectory(prefix="teczka-html-")
        self._count = 0

    def _start(self) -> subprocess.Popen[bytes]:
        import pypandoc  # here, not at the top: 70 ms of import (-X importtime) only the HTML step needs

        self._proc = spawn([pypandoc.get_pandoc_path(), "lua", str(LUA_SCRIPT)], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, preexec_fn=die_with_parent)
        self._buffer = b""
        return self._proc

    def to_html(self, docx: bytes) -> str:
        """The HTML fragment (hgroup with the title, then the body) of one Word document."""
        proc = self._proc if self._proc is not None and self._proc.poll() is None else self._start()
        self._count += 1
        source = Path(self._tmp.name) / f"{self._count}.docx"
        source.write_bytes(docx)
        try:
            assert proc.stdin is not None
            proc.stdin.write(f"{source}\n".encode())
            proc.stdin.flush()
            status, _, size = self._read_line(proc).partition(b" ")
            text = self._read(proc, int(size)).decode("utf-8")
        except (OSError, ValueError, TimeoutError) as exc:
            self.close(keep_folder=True)
            raise PandocError(f"pandoc nie przekształcił dokumentu ({exc or type(exc).__name__})") from None
        finally:
            source.unlink(missing_ok=True)
        if status != b"ok":
            raise PandocError(f"pandoc nie przekształcił dokumentu ({text.strip()})")
        return text

    def _fill(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], self.timeout)
        if not ready:
            raise TimeoutError(f"przekroczono limit czasu {self.timeout:g} s")
        chunk = os.read(proc.stdout.fileno(), 1 << 16)
        if not chunk:
            raise OSError("pandoc zakończył pracę")
        self._buffer += chunk

    def _read_line(self, proc: subprocess.Popen[bytes]) -> bytes:
        while b"\n" not in self._buffer:
            self._fill(proc)
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _read(self, proc: subprocess.Popen[bytes], size: int) -> bytes:
        while len(self._buffer) < size:
            self._fill(proc)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def close(self, keep_folder: bool = False) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            with contextlib.suppress(OSError):
                proc.kill()
            proc.wait()
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
        if not keep_folder:
            self._tmp.cleanup()


_shared: tuple[int, Pandoc] | None = None


def shared_pandoc() -> Pandoc:
    """This process's warm pandoc (a forked worker starts its own)."""
    global _shared
    if _shared is None or _shared[0] != os.getpid():
        _shared = (os.getpid(), Pandoc())
        atexit.register(_shared[1].close)
    return _shared[1]


# ----------------------------------------------------------------------------- HTML for everyone
def _heading_level(element: Any) -> int:
    return int(element.tag[1])


def accessible(fragment: str, fallback_title: str) -> str:
    """pandoc's HTML of a summary with Word's styles mapped to HTML elements (module docstring)."""
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    hgroup = root.find("hgroup")
    title = hgroup.find("h1") if hgroup is not None else None
    if title is None or not (title.text_content() or "").strip():
        if hgroup is not None:
            root.remove(hgroup)
        hgroup = etree.SubElement(root, "hgroup")
        root.insert(0, hgroup)
        title = etree.SubElement(hgroup, "h1")
        title.text = fallback_title
    body_headings = [h for h in root.iter(*_HEADINGS) if h.getparent() is not hgroup]
    levels = {level: rank for rank, level in enumerate(sorted({_heading_level(h) for h in body_headings}), start=2)}
    for heading in body_headings:
        heading.tag = f"h{min(levels[_heading_level(heading)], 6)}"
    current = 1
    for element in list(root.iter()):
        if element.tag in _HEADINGS and element.getparent() is not hgroup and element.get("class") != "label":
            current = _heading_level(element)
        elif element.tag == "div" and element.get("data-custom-style") is not None:
            _map_style(element, element.get("data-custom-style"), current)
    for span in list(root.iter("span")):
        if span.get("data-custom-style") is not None:
            span.drop_tag()
    for table in root.iter("table"):
        _table_headers(table)
    return "".join(lxml_html.tostring(child, encoding="unicode") for child in root)


def _map_style(div: Any, style: str, current: int) -> None:
    paragraphs = [p for p in div if p.tag == "p"]
    in_cell = any(a.tag in ("td", "th") for a in div.iterancestors())
    if style == "Lead":
        for p in paragraphs:
            p.set("class", "lead")
    elif style == "Etykieta" and not in_cell:
        for p in paragraphs:
            p.tag, p.attrib["class"] = f"h{min(current + 1, 6)}", "label"
    elif style == "Podpis tabeli" and not in_cell:
        following = div.getnext()
        if following is not None and following.tag == "table" and paragraphs:
            caption = etree.Element("caption")
            caption.text = paragraphs[0].text_content()
            following.insert(0, caption)
            div.getparent().remove(div)
            return
    if in_cell and len(paragraphs) == 1 and len(div) == 1:  # a cell's single paragraph: just its text
        paragraphs[0].drop_tag()
    div.drop_tag()


def _table_headers(table: Any) -> None:
    """Header cells are headers of their column (a real header row) or of their row (labels)."""
    head = table.find("thead")
    if head is not None:
        for cell in head.iter("th", "td"):
            cell.tag = "th"
            cell.set("scope", "col")
        return
    body = table.find("tbody")
    for row in (body if body is not None else table).iter("tr"):
        cells = [c for c in row if c.tag in ("td", "th")]
        if len(cells) >= 2:
            cells[0].tag = "th"
            cells[0].set("scope", "row")


def _mark_omitted(text: str) -> str:
    return text.replace(OMITTED, f'<span class="omitted">{OMITTED}</span>')


def summary_html(unit: models.Unit, edition: Edition, templates: Any, pandoc: Pandoc | None = None) -> str | None:
    """Standalone HTML (lang="pl") of the unit's summary, or None when it has none."""
    public = publication_unit(unit)
    specs = [spec for spec in document_plan(public, edition) if spec.document.summary_code]
    if not specs:
        return None
    spec = specs[0]
    data = render_document(templates, spec, build_context(spec, public, edition))
    fragment = (pandoc or shared_pandoc()).to_html(data)
    # The documents' non-breaking hyphens (typography) are plain ones on a page that reflows:
    # searching and copying then find what the team typed.
    body = _mark_omitted(mask_contact_data(accessible(fragment, spec.title))).replace(NB_HYPHEN, "-")
    logo = getattr(templates, "logo", None)
    strip = (f'<img class="logo" src="data:image/png;base64,{base64.b64encode(logo).decode()}" '
             f'alt="{html.escape(edition.logo_alt)}">\n' if logo else "")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="pl">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(spec.title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<header>\n{strip}<p>{html.escape(edition.project_title)}<br>{html.escape(edition.organiser)}</p>\n</header>\n"
        f"<main>\n{body}\n</main>\n"
        f'<footer><p class="omitted">Dane kontaktowe (adresy e-mail, numery telefonów) pominięto w publikacji.</p>'
        f"<p>{html.escape(edition.cofinancing)}</p></footer>\n</body>\n</html>\n"
    )
