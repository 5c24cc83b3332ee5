"""Any text typed into a text field renders literally, or is refused at its cell.

The property, for any Unicode string typed into a cell: the unit either gets a document that
opens and shows the string after the documented normalisation, or a validation error naming
the file, sheet and cell. The documented normalisation (pipeline/reader.py, fields.py,
ooxml.py): a vertical tab becomes a line break, other control characters (C0 and C1) are removed
when the cell is read (pipeline/reader.py), runs of spaces, tabs and no-break spaces
become one space (one no-break space when the run held only no-break spaces), the text (in paragraph fields: each line) loses the spaces at its ends, and
line breaks are kept (more than one blank line becomes one); in the document, polish.typography
binds "2020 r.", "5 marca" and digit groups with no-break spaces. A Word paragraph may end a line
where the text had a blank line, so line ends and blank lines are compared loosely.

Examples run in-process: the workbook is read once, the typed value replaces one field of
what was read, and the document is rendered in memory. One slow variant converts a few such
documents with the real LibreOffice.
"""

from __future__ import annotations

import copy
import dataclasses
import io
import re
from typing import Any

import pytest
from documents_fixtures import TEST_TEMPLATES
from docx import Document
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from factories import write_unit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import models, reader
from pipeline.documents import build_context, document_plan
from pipeline.edition import load_edition
from pipeline.polish import typography
from pipeline.render import render_document, template_set
from pipeline.validate import parse_form

EDITION = load_edition("2020")
TEMPLATES = TEST_TEMPLATES

# field -> (form, location in the form's data, sheet, cell, paragraphs?, document)
FIELDS = {
    "action name": ("hdr", ("actions", 0, "name"), "Działania", "C5", True, "hdr.docx"),
    "HDR main goal": ("hdr", ("info", "main_goal"), "HDR", "B8", True, "hdr.docx"),
    "meeting findings": ("meetings", ("meetings", 0, "findings"), "Spotkania", "M5", True, "spotkania.docx"),
    "JST name": ("card", ("jst", "name"), "Karta JST", "B5", False, "karta_jst.docx"),
}
PIECES = ["&", "<", ">", '"', "'", "{{ 7*7 }}", "{%", "%}", "{#", "]]>", "\n", "\n\n\n", "\r\n", "\r", " ",
          "  ", "\t", "\u00a0", "\u202f", "\x0b", "\x01", "\x0c", "\x85", "\u2028", "\u200f", "\u202e", "🎓",
          "👩‍🏫", "ż", "e\u0301", "مدرسة", "עברית", "\ufeff", "\ufffe"]
TYPED = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=200),  # a cell cannot hold surrogates
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)), max_size=30).map("".join),
)

_C0 = re.compile("[\x00-\x08\x0c\x0e-\x1f\ufffe\uffff]")
_C1 = re.compile("[\x7f-\x9f]")
_SPACES = re.compile("[ \t\u00a0\u2007\u202f]+")


def _space(match: re.Match) -> str:
    return "\u00a0" if set(match[0]) <= set("\u00a0\u2007\u202f") else " "


def documented(typed: str, paragraphs: bool) -> str | None:
    """The normalisation the module docstring describes, written out independently: the text
    as it ends up in the document, or None when nothing is left to show."""
    text = _C1.sub("", _C0.sub("", typed.replace("\x0b", "\n")))
    if paragraphs:
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(_SPACES.sub(_space, line).strip() for line in lines).strip("\n"))
    else:
        text = _SPACES.sub(_space, text).strip()
    text = typography(text.replace("\r\n", "\n").replace("\r", "\n"))
    return text if text.strip() else None  # "\x7f\r\x7f": only a line break is left, nothing to show


def loose(text: str) -> str:
    """Lines without the spaces at their ends, blank lines dropped."""
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    return "\n".join(Paragraph(p, document).text for p in document.element.body.iter(qn("w:p")))


@pytest.fixture(scope="module")
def reads(tmp_path_factory: pytest.TempPathFactory) -> dict[str, reader.FormRead]:
    """The factory unit's workbooks, read once (values and their cells)."""
    folder = write_unit(tmp_path_factory.mktemp("forms") / "gmina", EDITION)
    return {read.form.key: read for read in (reader.read_form(path, f"forms/gmina/{path.name}")
                                             for path in sorted(folder.glob("*.xlsx")))}


@pytest.fixture(scope="module")
def base_unit(reads: dict[str, reader.FormRead]) -> models.Unit:
    forms = {key: parse_form(read, EDITION)[0] for key, read in reads.items()}
    assert all(forms.values())
    return models.Unit(id="gmina", **forms)


def type_into(reads: dict[str, reader.FormRead], base: models.Unit, field: str,
              typed: str) -> tuple[Any, list[Any], dict[str, Any]]:
    """The typed text as the reader would pass it on, validated: (unit or None, problems, spec)."""
    form, location, *_ = FIELDS[field]
    value, _ = reader.without_control_characters(typed)  # what the reader does to every cell
    read = reads[form]
    data = copy.deepcopy(read.data)
    target = data
    for key in location[:-1]:
        target = target[key]
    if value is None or (isinstance(value, str) and not value.strip()):
        target.pop(location[-1], None)  # an empty cell is not read at all
    else:
        target[location[-1]] = value
    model, _, problems = parse_form(dataclasses.replace(read, data=data, problems=[]), EDITION)
    return (None if model is None else base.model_copy(update={form: model})), problems, FIELDS[field]


def render(unit: models.Unit, name: str) -> bytes:
    [spec] = [spec for spec in document_plan(unit, EDITION) if spec.name == name]
    return render_document(template_set(TEMPLATES), spec, build_context(spec, unit, EDITION))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=st.sampled_from(sorted(FIELDS)), typed=TYPED)
def test_any_text_in_a_text_field_renders_literally_or_is_refused_at_its_cell(
        reads: dict[str, reader.FormRead], base_unit: models.Unit, field: str, typed: str) -> None:
    unit, problems, (form, _, sheet, cell, paragraphs, document) = type_into(reads, base_unit, field, typed)
    expected = documented(typed, paragraphs)
    if unit is None:
        assert expected is None, (expected, problems)
        assert [(p.file, p.sheet, p.cell, p.message) for p in problems] == [
            (reads[form].display_path, sheet, cell, "Pole obowiązkowe — uzupełnij je.")]
        return
    assert problems == []
    assert expected is not None
    text = docx_text(render(unit, document))
    assert loose(expected) in loose(text)


def test_a_required_cell_holding_only_c1_controls_is_refused_at_its_cell(
        reads: dict[str, reader.FormRead], base_unit: models.Unit) -> None:
    unit, problems, (form, _, sheet, cell, *_) = type_into(reads, base_unit, "HDR main goal", "\x7f\x85")
    assert unit is None
    assert [(p.sheet, p.cell) for p in problems] == [(sheet, cell)]


@pytest.fixture(scope="module")
def converter(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from pipeline.convert import PdfConverter

    with PdfConverter(workers=1, timeout_per_document=60,
                      profile_root=tmp_path_factory.mktemp("lo-profiles")) as pool:
        yield pool


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=st.sampled_from(sorted(FIELDS)), typed=TYPED.filter(lambda t: documented(t, True) is not None))
def test_documents_with_any_text_open_in_libreoffice(reads: dict[str, reader.FormRead], base_unit: models.Unit,
                                                     converter: Any, tmp_path_factory: pytest.TempPathFactory,
                                                     field: str, typed: str) -> None:
    from pipeline.convert import ConversionJob

    unit, _, (*_, document) = type_into(reads, base_unit, field, typed)
    if unit is None:  # a one-line field may still be empty once cleaned
        return
    folder = tmp_path_factory.mktemp("pdf")
    source = folder / document
    source.write_bytes(render(unit, document))
    [result] = converter.convert([ConversionJob(source, source.with_suffix(".pdf"))])
    assert result.ok, result.error
    assert source.with_suffix(".pdf").read_bytes().startswith(b"%PDF-")
