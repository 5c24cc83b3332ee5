"""Hostile and strange workbooks: a clear message naming the file (and cell), never a traceback."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import hostile_files
import openpyxl
import pytest
from factories import write_unit

from pipeline.edition import load_edition
from pipeline.errors import FormFileError
from pipeline.reader import check_container
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


# -- damaged archives, strange files, sheets built to be slow (issue 11) ------------------------

DAMAGED = ("plik jest uszkodzony (część archiwum jest nieczytelna albo większa, niż deklaruje). Jeśli otwiera się "
           "w Excelu lub Calc, zapisz go ponownie jako .xlsx; jeśli nie — użyj kopii zapasowej.")


def file_errors(unit: Path, name: str = "3_hdr.xlsx") -> list[str]:
    return [p.message for p in validate_unit(unit, EDITION).errors if p.file == f"gmina/{name}"]


@pytest.mark.parametrize("damage", ["bad_checksum", "corrupt_stream", "lying_size"])
def test_a_damaged_archive_member_is_that_files_error_and_the_other_forms_are_read(damage: str, unit: Path) -> None:
    spoil = {"bad_checksum": hostile_files.with_bad_checksum, "corrupt_stream": hostile_files.with_corrupt_stream,
             "lying_size": lambda path: hostile_files.with_lying_size(path, 20)}[damage]
    spoil(unit / "3_hdr.xlsx")
    result = validate_unit(unit, EDITION)
    assert [(p.file, p.message) for p in result.errors] == [("gmina/3_hdr.xlsx", DAMAGED)]
    assert result.unit.card is not None and result.unit.meetings is not None and result.unit.hdr is None


def test_a_member_larger_than_declared_is_refused_with_memory_bounded(unit: Path, tmp_path: Path) -> None:
    """200 MB of spaces declared as 1 KB (a file of about 0.3 MB): refused after at most one
    chunk past the declared size; the reading process stays far below the 200 MB."""
    hostile_files.with_lying_size(unit / "3_hdr.xlsx", 200)
    assert (unit / "3_hdr.xlsx").stat().st_size < 2_000_000
    probe = ("import json, re, sys; from pathlib import Path; from pipeline.reader import read_form; "
             "from pipeline.errors import FormFileError\n"
             "try:\n    read_form(Path(sys.argv[1]), '3_hdr.xlsx'); message = None\n"
             "except FormFileError as exc:\n    message = exc.message\n"
             "peak = int(re.search(r'VmHWM:\\s+(\\d+) kB', Path('/proc/self/status').read_text())[1]) // 1024\n"
             "print(json.dumps([message, peak]))")  # VmHWM, unlike ru_maxrss, does not inherit pytest's peak
    done = subprocess.run([sys.executable, "-c", probe, str(unit / "3_hdr.xlsx")], capture_output=True, text=True,
                          timeout=120, check=True)
    message, peak_mb = json.loads(done.stdout)
    assert message == f"3_hdr.xlsx: {DAMAGED}"
    assert peak_mb < 150


def test_a_sheet_whose_filled_cells_span_too_far_is_refused_before_it_is_read(unit: Path) -> None:
    hostile_files.far_cell(unit / "3_hdr.xlsx", "ZZ200000", member="xl/worksheets/sheet5.xml")
    assert file_errors(unit) == ["arkusz „Działania” jest za duży jak na formularz (ponad 500\u00a0000 komórek) — "
                                 "odrzucono go jako podejrzany. Usuń zbędne wiersze i kolumny z końca arkusza."]


def test_a_sheet_built_to_make_the_formula_scan_slow_is_read_within_the_work_bound(unit: Path) -> None:
    """The pattern that took the old scan minutes (empty cells, then a formula) in 4 MB of XML
    is read with its warning at the right cell; 1 000 000 such cells exceed the parser's work
    bound and are refused. The subprocess's time limit only guards against a hang."""
    read_cell = hostile_files.slow_formula_sheet(unit / "3_hdr.xlsx", 200_000, member="xl/worksheets/sheet5.xml")
    result = validate_cli(unit)
    assert "  uwaga: gmina/3_hdr.xlsx: Arkusz Działania, komórka " + read_cell + (
        ": Komórka zawiera formułę; odczytano jej ostatni zapisany wynik. Najlepiej wpisz wartość bezpośrednio.") \
        in result.stdout.splitlines()
    write_unit(unit, EDITION)
    hostile_files.slow_formula_sheet(unit / "3_hdr.xlsx", 1_000_000, member="xl/worksheets/sheet5.xml")
    result = validate_cli(unit)
    assert ("  błąd: gmina/3_hdr.xlsx: arkusz „Działania” jest za duży jak na formularz (ponad 300\u00a0000 komórek) — "
            "odrzucono go jako podejrzany. Usuń zbędne wiersze i kolumny z końca arkusza.") in result.stdout.splitlines()


def validate_cli(unit: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline", "validate", "."], cwd=unit.parent,
                          capture_output=True, text=True, timeout=300)


def test_a_formula_is_reported_at_its_own_cell_not_at_an_empty_cell_before_it(unit: Path) -> None:
    """As LibreOffice saves it: an empty styled cell (D7) closes itself ("<c r="D7" s="3"/>"),
    the formula is in A8; the old scan ran from D7's tag to the formula and reported D7."""
    book = openpyxl.load_workbook(unit / "1_karta_jst.xlsx")
    book["Zespół JST"]["D7"].font = openpyxl.styles.Font(bold=True)
    book["Zespół JST"]["A8"] = "=1+1"
    book.save(unit / "1_karta_jst.xlsx")
    parts = hostile_files.parts_of(unit / "1_karta_jst.xlsx")
    for name, data in parts.items():
        if name.startswith("xl/worksheets/") and b"<f>1+1</f>" in data:
            parts[name] = re.sub(rb'<c r="D7"([^>]*)></c>', rb'<c r="D7"\1/>', data)
            assert b'<c r="D7" s="' in parts[name] and b"></c>" in parts[name]
    hostile_files.rezip(unit / "1_karta_jst.xlsx", parts)
    errors = [(p.sheet, p.cell, p.message) for p in validate_unit(unit, EDITION).errors]
    assert ("Zespół JST", "A8", "Komórka zawiera formułę bez zapisanego wyniku. Otwórz formularz w Excelu lub Calc i "
            "zapisz go ponownie albo wpisz wartość bezpośrednio.") in errors
    assert not any(cell == "D7" for _, cell, _ in errors)


@pytest.mark.parametrize("kind", ["folder", "named_pipe"])
def test_a_folder_or_a_named_pipe_named_like_a_form_is_that_files_error_and_is_never_opened(
        kind: str, unit: Path) -> None:
    {"folder": hostile_files.folder_named_like_a_form, "named_pipe": hostile_files.named_pipe}[kind](unit / "3_hdr.xlsx")
    result = validate_cli(unit)  # a pipe opened for reading would block: the time limit guards the test
    assert result.returncode == 1
    assert ("  błąd: gmina/3_hdr.xlsx: to nie jest zwykły plik (to katalog, potok lub urządzenie) — formularzem może "
            "być tylko plik .xlsx. Usuń go z katalogu jednostki albo zmień jego nazwę.") in result.stdout.splitlines()
    assert "Traceback" not in result.stderr


def test_a_file_name_that_is_not_utf8_is_that_files_error_in_validate(unit: Path) -> None:
    hostile_files.non_utf8_name(unit / "3_hdr.xlsx")
    result = validate_cli(unit)
    assert result.returncode == 1, result.stderr
    assert ("  błąd: gmina/gmina-\\xb3.xlsx: nazwa pliku nie jest poprawnym tekstem (UTF-8) — pliku nie odczytano. "
            "Zmień jego nazwę, np. na 3_hdr.xlsx.") in result.stdout.splitlines()
    assert "Traceback" not in result.stderr


def test_an_xlsb_form_is_named_at_the_file(unit: Path) -> None:
    """Excel's binary workbook: a zip whose workbook part is xl/workbook.bin (built here)."""
    (unit / "3_hdr.xlsx").unlink()
    hostile_files.rezip(unit / "3_hdr.xlsb", {"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\x83\x01\x00"})
    result = validate_unit(unit, EDITION)
    assert [(p.file, p.message) for p in result.errors] == [(
        "gmina/3_hdr.xlsb", "to skoroszyt binarny programu Excel (.xlsb). Zapisz go jako skoroszyt programu Excel (.xlsx).")]


def test_forms_in_a_subfolder_of_a_unit_are_named_at_each_file(unit: Path) -> None:
    (unit / "stare" / "2019").mkdir(parents=True)
    (unit / "3_hdr.xlsx").rename(unit / "stare" / "3_hdr.xlsx")
    (unit / "stare" / "2019" / "notatki.txt").write_text("nie formularz", encoding="utf-8")
    (unit / "stare" / "2019" / "4_spotkania.XLSX").write_bytes((unit / "4_spotkania.xlsx").read_bytes())
    result = validate_unit(unit, EDITION)
    message = ("Plik leży w podkatalogu, więc nie jest czytany — formularze muszą leżeć bezpośrednio w katalogu "
               "jednostki. Przenieś go tam, jeśli to aktualny formularz.")
    assert [(p.file, p.message) for p in result.warnings] == [("gmina/stare/3_hdr.xlsx", message),
                                                            ("gmina/stare/2019/4_spotkania.XLSX", message)]
    assert result.unit.hdr is None and result.unit.meetings is not None


def test_an_ods_whose_repeated_cells_span_too_far_is_refused_before_it_is_read(unit: Path) -> None:
    """1 KB on disk, 40 million cells for the spreadsheet reader (22 s and 5 GB before the check)."""
    (unit / "3_hdr.xlsx").unlink()
    hostile_files.repeated_ods(unit / "3_hdr.ods")
    assert (unit / "3_hdr.ods").stat().st_size < 2_000
    assert file_errors(unit, "3_hdr.ods") == [
        "arkusz „Działania” jest za duży jak na formularz (ponad 500\u00a0000 komórek) — odrzucono go jako podejrzany. "
        "Usuń zbędne wiersze i kolumny z końca arkusza."]


def test_the_same_bytes_under_another_name_get_the_same_answer_with_their_own_name(unit: Path, tmp_path: Path) -> None:
    """Container checks are remembered by content (the server checks each upload twice): a
    warning and a refusal both name the file they were asked about, never the first one."""
    book = openpyxl.load_workbook(unit / "3_hdr.xlsx")
    book["Działania"]["J5"] = "=1000+500"
    book.save(tmp_path / "pierwszy.xlsx")
    (tmp_path / "drugi.xlsx").write_bytes((tmp_path / "pierwszy.xlsx").read_bytes())
    first, second = (check_container(tmp_path / name, f"gmina/{name}") for name in ("pierwszy.xlsx", "drugi.xlsx"))
    assert [(p.file, p.sheet, p.cell) for p in first] == [("gmina/pierwszy.xlsx", "Działania", "J5")]
    assert [(p.file, p.sheet, p.cell, p.message) for p in second] == [
        ("gmina/drugi.xlsx", "Działania", "J5", first[0].message)]
    for name in ("stary.xlsx", "kopia.xlsx"):
        (tmp_path / name).write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))  # an old .xls
        with pytest.raises(FormFileError) as refused:
            check_container(tmp_path / name, f"gmina/{name}")
        assert refused.value.message.startswith(f"gmina/{name}: plik jest chroniony hasłem albo zapisany w starym")
