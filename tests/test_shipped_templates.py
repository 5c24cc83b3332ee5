"""The shipped templates belong to the coordinator: only what must hold whatever they write is tested.

Every template passes `teczka templates check`, renders every sample unit, opens in LibreOffice,
and keeps what the pipeline promises: the programme's identification, page numbers, and each
section of the summary form with the data the form (and the edition) gives it. Wording, layout
and styles are the coordinator's: the pipeline's own behaviour is tested on tests/data/templates/.
A coordinator's edit in Word (simulated with python-docx) keeps all of this true.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from documents_fixtures import unit_from_data
from docx import Document

from pipeline.documents import SUMMARY_CODES, build_context, document_plan
from pipeline.edition import load_edition
from pipeline.render import TemplateSet, render_document
from pipeline.template_check import check_templates, example_unit

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "templates"
SAMPLES = Path(__file__).parent / "data" / "sample_units"
EDITION = load_edition("2020")
_TEXT = re.compile(r"<w:t(?: [^>]*)?>([^<]*)</w:t>")
_PAGE_FIELD = re.compile(r'w:instr="\s*PAGE\b|<w:instrText[^>]*>\s*PAGE\b')


def _units():
    units = [unit_from_data(json.loads(p.read_text(encoding="utf-8")), EDITION, p.stem) for p in sorted(SAMPLES.glob("*.json"))]
    return units + [example_unit(EDITION, code) for code in SUMMARY_CODES]  # every summary form at least once


def _documents(templates_dir: Path):
    """(unit, spec, context, .docx bytes) for every document of every sample unit."""
    templates = TemplateSet(templates_dir)
    for unit in _units():
        for spec in document_plan(unit, EDITION):
            context = build_context(spec, unit, EDITION)
            yield unit, spec, context, render_document(templates, spec, context)


def _parts_text(data: bytes) -> dict[str, str]:
    """Part name -> its text, paragraph by paragraph (body, headers, footers)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    texts = {}
    for name in archive.namelist():
        if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", name):
            xml = archive.read(name).decode("utf-8")
            paragraphs = re.findall(r"<w:p[ >].*?</w:p>", xml, re.S)
            texts[name] = "\n".join("".join(_TEXT.findall(p)) for p in paragraphs)
    # no-break spaces (polish.typography) read as spaces: the promise is the words, not the line breaks
    return {name: text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("\u00a0", " ")
            for name, text in texts.items()}


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != "code" and not key.endswith("_consent"):  # flags for conditions and publication, not text
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def assert_the_templates_keep_their_promises(templates_dir: Path) -> dict[str, str]:
    """Everything the pipeline promises whatever the coordinator writes; returns template -> a document's text."""
    errors = [issue.message for issue in check_templates(templates_dir, EDITION) if issue.severity == "error"]
    assert errors == []
    seen: dict[str, str] = {}
    for unit, spec, context, data in _documents(templates_dir):
        where = f"{unit.id}: {spec.template}"
        parts = _parts_text(data)
        everything = "\n".join(parts.values())
        for key in ("project_title", "organiser", "cofinancing"):
            assert context["programme"][key] in everything, (where, key)
        archive = zipfile.ZipFile(io.BytesIO(data))
        assert any(_PAGE_FIELD.search(archive.read(name).decode("utf-8")) for name in archive.namelist()
                   if re.fullmatch(r"word/(header|footer)\d*\.xml", name)), (where, "no PAGE field in a header or footer")
        form = spec.document.summary_code
        if form:  # every section of the summary form carries its data (stage labels: the edition's)
            body = parts["word/document.xml"].replace("\xa0", " ")  # typography may bind "r." to its date
            for value in _strings(context[form]):
                first = value.split("\n", 1)[0].strip().replace("\xa0", " ")
                assert not first or first in body, (where, first)
            if form == "reflection":
                assert all(stage.label in body for stage in EDITION.reflection_stages), where
        seen.setdefault(spec.template, everything)
    assert set(seen) == {p.name for p in SHIPPED.glob("*.docx")}  # every template was rendered
    return seen


def test_the_shipped_templates_pass_the_check_render_every_sample_unit_and_keep_their_promises():
    assert_the_templates_keep_their_promises(SHIPPED)


def _set_text(paragraph, text: str) -> None:
    runs = paragraph.runs
    if not runs:
        paragraph.add_run(text)
        return
    runs[0].text = text
    for run in runs[1:]:
        run.text = ""


def _edit_in_word(path: Path) -> tuple[str, str]:
    """A coordinator's edit: a heading reworded and a sentence rewritten, saved by python-docx as Word would."""
    document = Document(path)
    paragraphs = list(document.paragraphs)
    heading = next(p for p in paragraphs if p.style.name.startswith(("Heading", "Title")) and "{" not in p.text)
    new_heading = f"Nagłówek zmieniony przez koordynatora ({path.stem})"
    sentence, depth = None, 0
    for paragraph in paragraphs:  # a sentence printed in every document: outside {%p if/for %} blocks
        depth += bool(re.search(r"\{%-?p\s+(if|for)\b", paragraph.text)) - bool(re.search(r"\{%-?p\s+end", paragraph.text))
        if (sentence is None and depth == 0 and "{" not in paragraph.text and paragraph.text.strip()
                and not paragraph.style.name.startswith(("Heading", "Title"))):
            sentence = paragraph
    new_sentence = f"Zdanie napisane na nowo w Wordzie ({path.stem})."
    _set_text(heading, new_heading)
    if sentence is None:  # no tag-free sentence in the body: the coordinator writes one under the heading
        sentence = heading.insert_paragraph_before()
        heading._p.addnext(sentence._p)
    _set_text(sentence, new_sentence)
    document.save(path)
    return new_heading, new_sentence


def _edited_copies(folder: Path) -> dict[str, tuple[str, str]]:
    folder.mkdir(exist_ok=True)
    edited = {}
    for path in SHIPPED.glob("*.docx"):
        shutil.copy(path, folder / path.name)
        edited[path.name] = _edit_in_word(folder / path.name)
    return edited


def test_a_coordinators_word_edit_of_every_shipped_template_keeps_the_promises_and_reaches_the_documents(tmp_path):
    edited = _edited_copies(tmp_path)
    texts = assert_the_templates_keep_their_promises(tmp_path)
    for name, (heading, sentence) in edited.items():
        assert heading in texts[name] and sentence in texts[name], name


@pytest.mark.slow
@pytest.mark.parametrize("edited", [False, True], ids=["shipped", "edited-in-word"])
def test_the_shipped_templates_open_in_libreoffice(tmp_path, edited):
    templates = SHIPPED
    if edited:
        templates = tmp_path / "szablony"
        _edited_copies(templates)
    docs = {}
    for _unit, spec, _context, data in _documents(templates):
        if spec.template not in docs:
            docs[spec.template] = tmp_path / spec.template
            docs[spec.template].write_bytes(data)
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), *map(str, docs.values())],
                   check=True, capture_output=True, timeout=300)
    for name, doc in docs.items():
        pdf = doc.with_suffix(".pdf")
        assert pdf.exists(), name
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert EDITION.organiser in " ".join(text.split()), name


@pytest.mark.slow
def test_shipped_templates_edited_and_saved_again_by_writer_keep_their_promises(tmp_path):
    edited = _edited_copies(tmp_path / "word")
    writer = tmp_path / "writer"
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(writer),
                    *map(str, sorted((tmp_path / "word").glob("*.docx")))], check=True, capture_output=True, timeout=300)
    texts = assert_the_templates_keep_their_promises(writer)
    for name, (heading, sentence) in edited.items():
        assert heading in texts[name] and sentence in texts[name], name
