"""Hostile and strange workbooks: a clear message naming the file (and cell), never a traceback."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from factories import write_unit

from pipeline.edition import load_edition
from pipeline.validate import validate_unit

EDITION = load_edition("2020")


@pytest.fixture
def unit(tmp_path: Path) -> Path:
    return write_unit(tmp_path / "gmina", EDITION)


def rewrite_zip(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    change(parts)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    path.write_bytes(buffer.getvalue())


def test_a_formula_without_a_saved_result_is_an_error_at_its_cell(unit: Path) -> None:
    book = openpyxl.load_workbook(unit / "3_hdr.xlsx")
    book["Działania"]["J5"] = "=1000+500"
    book.save(unit / "3_hdr.xlsx")
    errors = [(p.sheet, p.cell, p.message.split(".")[0]) for p in validate_unit(unit, EDITION).errors]
    assert ("Działania", "J5", "Komórka zawiera formułę bez zapisanego wyniku") in errors


def test_a_formula_with_a_saved_result_is_read_with_a_warning(unit: Path) -> None:
    book = openpyxl.load_workbook(unit / "3_hdr.xlsx")
    book["Działania"]["J5"] = "=1000+500"
    book.save(unit / "3_hdr.xlsx")
    rewrite_zip(unit / "3_hdr.xlsx", lambda parts: parts.update({
        name: data.replace(b"<f>1000+500</f><v></v>", b"<f>1000+500</f><v>1500</v>").replace(
            b"<f>1000+500</f></c>", b"<f>1000+500</f><v>1500</v></c>")
        for name, data in parts.items() if name.startswith("xl/worksheets/")}))
    result = validate_unit(unit, EDITION)
    assert result.errors == []
    assert result.unit.hdr.actions[0].cost == 1500
    assert [(w.sheet, w.cell) for w in result.warnings] == [("Działania", "J5")]


def test_a_zip_bomb_is_refused_before_it_is_unpacked(unit: Path) -> None:
    path = unit / "3_hdr.xlsx"
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive, archive.open("xl/media/zeros.bin", "w") as entry:
        block = b"\0" * (1 << 20)
        for _ in range(210):
            entry.write(block)
    assert path.stat().st_size < 2_000_000
    [error] = [p for p in validate_unit(unit, EDITION).errors if p.file.endswith("3_hdr.xlsx")]
    assert "odrzucono go jako podejrzany" in error.message


def test_extra_sheets_and_external_links_are_warnings_and_the_data_still_reads(unit: Path) -> None:
    book = openpyxl.load_workbook(unit / "3_hdr.xlsx")
    book.create_sheet("Moje notatki")["A1"] = "roboczo"
    book.save(unit / "3_hdr.xlsx")
    rewrite_zip(unit / "3_hdr.xlsx", lambda parts: parts.update({"xl/externalLinks/externalLink1.xml": b"<x/>"}))
    result = validate_unit(unit, EDITION)
    assert result.errors == [] and result.unit.hdr is not None
    messages = [w.message for w in result.warnings]
    assert "Arkusz „Moje notatki” nie należy do formularza — pominięto go." in messages
    assert any(m.startswith("Skoroszyt zawiera łącza do innych plików") for m in messages)


def test_hidden_rows_are_still_read(unit: Path) -> None:
    book = openpyxl.load_workbook(unit / "3_hdr.xlsx")
    book["Działania"].row_dimensions[5].hidden = True
    book.save(unit / "3_hdr.xlsx")
    assert validate_unit(unit, EDITION).unit.hdr.actions[0].name == "Zebranie danych"


def test_a_cell_at_excels_limit_is_accepted(unit: Path) -> None:
    book = openpyxl.load_workbook(unit / "3_hdr.xlsx")
    book["Działania"]["C5"] = "ż" * 32_767
    book.save(unit / "3_hdr.xlsx")
    result = validate_unit(unit, EDITION)
    assert result.errors == [] and len(result.unit.hdr.actions[0].name) == 32_767


def test_a_symlinked_unit_folder_is_not_followed(unit: Path, tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(unit, target_is_directory=True)
    result = validate_unit(link, EDITION)
    assert result.sources == [] and "dowiązaniem symbolicznym" in result.errors[0].message


def test_a_symlinked_form_is_not_followed(unit: Path, tmp_path: Path) -> None:
    outside = tmp_path / "tajne.xlsx"
    outside.write_bytes((unit / "3_hdr.xlsx").read_bytes())
    (unit / "3_hdr.xlsx").unlink()
    (unit / "3_hdr.xlsx").symlink_to(outside)
    result = validate_unit(unit, EDITION)
    assert result.unit.hdr is None
    assert any("dowiązanie symboliczne" in p.message for p in result.errors)
