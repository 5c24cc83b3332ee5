"""Forms: blank workbooks, reading what people type, and errors that point at the cell."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import zipfile
from datetime import date, time
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from factories import unit_data, write_unit
from pydantic_core import PydanticCustomError

from pipeline import layout, reader, writer
from pipeline.edition import load_edition
from pipeline.fields import parse_date, parse_decimal, parse_time
from pipeline.validate import validate_unit

EDITION = load_edition("2020")


def edit(path: Path, sheet: str, cell: str, value: object) -> None:
    """Type a value into a cell, as a person would in Excel."""
    book = openpyxl.load_workbook(path)
    book[sheet][cell] = value
    book.save(path)


def problems_of(folder: Path, edition=EDITION) -> list[tuple[str | None, str | None, str]]:
    return [(p.sheet, p.cell, p.message) for p in validate_unit(folder, edition).errors]


@pytest.fixture
def valid_unit(tmp_path: Path) -> Path:
    return write_unit(tmp_path / "gmina-zolkiewka", EDITION)


# ----------------------------------------------------------------------------- round trip
@pytest.mark.parametrize("form", layout.FORMS, ids=lambda f: f.key)
def test_every_form_round_trips_through_a_workbook(form: layout.FormLayout, tmp_path: Path) -> None:
    raw = unit_data()[form.key]
    model = form.model.model_validate(raw, context={"edition": EDITION})
    path = tmp_path / form.file_name
    path.write_bytes(writer.build_workbook(form, EDITION, model.model_dump()))
    read = reader.read_form(path, form.file_name)
    assert read.problems == []
    assert form.model.model_validate(read.data, context={"edition": EDITION}) == model


def test_a_complete_valid_unit_is_ok_at_stage_five(valid_unit: Path) -> None:
    result = validate_unit(valid_unit, EDITION)
    assert result.problems == []
    assert (result.status, result.stage) == ("ok", 5)


def test_missing_forms_are_not_errors_and_set_the_stage(tmp_path: Path) -> None:
    folder = write_unit(tmp_path / "u", EDITION, unit_data(hdr=None, meetings=None, summary=None))
    result = validate_unit(folder, EDITION)
    assert result.errors == []
    assert (result.status, result.stage) == ("incomplete", 2)


def test_a_folder_without_forms_is_incomplete_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "pusty").mkdir()
    result = validate_unit(tmp_path / "pusty", EDITION)
    assert (result.status, result.stage) == ("incomplete", 0)
    assert "nie ma formularzy" in result.warnings[0].message


# ----------------------------------------------------------------------------- blank forms
def test_blank_forms_have_instructions_dropdowns_dates_and_a_hidden_stamp(tmp_path: Path) -> None:
    path = tmp_path / "3_hdr.xlsx"
    path.write_bytes(writer.build_workbook(layout.FORMS_BY_KEY["hdr"], EDITION))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == "Instrukcja"
    assert book["Wersja"].sheet_state == "hidden" and book["Listy"].sheet_state == "hidden"
    actions = book["Działania"]
    assert actions["E4"].value == "Data rozpoczęcia *"
    assert actions["E5"].number_format == "DD.MM.YYYY"
    assert actions.freeze_panes == "B5"
    assert actions.protection.sheet and not actions["C5"].protection.locked and actions["C4"].protection.locked
    lists = [dv for dv in actions.data_validations.dataValidation if dv.type == "list"]
    assert lists and all(dv.formula1.startswith("'Listy'!") for dv in lists)  # long lists never inline
    dates = [dv for dv in actions.data_validations.dataValidation if dv.type == "date"]
    assert dates and dates[0].prompt


@pytest.mark.parametrize("form", layout.FORMS, ids=lambda f: f.key)
def test_every_styled_font_in_a_blank_form_is_named(form: layout.FormLayout, tmp_path: Path) -> None:
    # a font without a name prints in a serif fallback in LibreOffice and overflows the page
    path = tmp_path / form.file_name
    path.write_bytes(writer.build_workbook(form, EDITION))
    fonts = zipfile.ZipFile(path).read("xl/styles.xml").decode().split("<fonts", 1)[1].split("</fonts>", 1)[0]
    assert fonts.count("<font>") + fonts.count("<font ") == fonts.count("<name ")


def test_blank_forms_are_byte_identical_for_the_same_edition_in_another_process() -> None:
    code = ("import hashlib; from pipeline import layout, writer; from pipeline.edition import load_edition;"
            "print([hashlib.sha256(writer.build_workbook(f, load_edition('2020'))).hexdigest() for f in layout.FORMS])")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("7",)}  # another hash seed
    here = str([hashlib.sha256(writer.build_workbook(f, EDITION)).hexdigest() for f in layout.FORMS])
    assert runs == {here + "\n"}


def test_text_that_looks_like_a_formula_is_written_as_text(tmp_path: Path) -> None:
    data = unit_data()
    data["hdr"]["actions"][0]["name"] = "=HYPERLINK(\"http://x\")"
    folder = write_unit(tmp_path / "u", EDITION, data)
    with zipfile.ZipFile(folder / "3_hdr.xlsx") as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in archive.read(n) for n in sheets)
    assert validate_unit(folder, EDITION).unit.hdr.actions[0].name == "=HYPERLINK(\"http://x\")"


# ----------------------------------------------------------------------------- what people type
@pytest.mark.parametrize("typed", ["5.07.2020", "05.07.2020", "05.07.2020 r.", "5.07.2020r.", "2020-07-05",
                                   "5 .07.2020", "05-07-2020", "5/7/2020", " 5.07.2020 roku"])
def test_dates_typed_in_polish_usage_are_read_day_first(typed: str) -> None:
    assert parse_date(typed) == date(2020, 7, 5)


@pytest.mark.parametrize("typed", ["7/5/20", "31.02.2020", "lipiec 2020", "2020.07.05", "45000"])
def test_unreadable_dates_are_rejected_not_guessed(typed: str) -> None:
    with pytest.raises(PydanticCustomError):
        parse_date(typed)


def test_times_and_numbers_typed_as_text_are_read() -> None:
    assert parse_time("9.30") == time(9, 30) and parse_time(0.375) == time(9, 0)
    assert parse_decimal("1 234,50 zł") == Decimal("1234.50")


def test_dates_typed_as_text_in_cells_are_accepted(valid_unit: Path) -> None:
    edit(valid_unit / "3_hdr.xlsx", "Działania", "E5", "15.09.2020 r.")
    result = validate_unit(valid_unit, EDITION)
    assert result.errors == []
    assert result.unit.hdr.actions[0].start == date(2020, 9, 15)


def test_alt_enter_line_breaks_are_kept_and_stray_spaces_removed(valid_unit: Path) -> None:
    edit(valid_unit / "3_hdr.xlsx", "Działania", "C5", "  Pierwszy  wiersz \nDrugi wiersz  ")
    result = validate_unit(valid_unit, EDITION)
    assert result.unit.hdr.actions[0].name == "Pierwszy wiersz\nDrugi wiersz"


def test_control_characters_become_line_breaks_with_a_warning_at_the_cell(valid_unit: Path) -> None:
    edit(valid_unit / "3_hdr.xlsx", "Działania", "C5", "Jeden_x000B_Dwa")
    result = validate_unit(valid_unit, EDITION)
    assert result.unit.hdr.actions[0].name == "Jeden\nDwa"
    assert [(w.sheet, w.cell) for w in result.warnings] == [("Działania", "C5")]


# ----------------------------------------------------------------------------- validation rules
RULES = [
    ("3_hdr.xlsx", "Działania", "F5", "2020-09-01",
     ("Działania", "F5", "Data zakończenia jest wcześniejsza niż data rozpoczęcia.")),
    ("3_hdr.xlsx", "Działania", "E5", "2020-08-01",
     ("Działania", "E5", "Data 1 sierpnia 2020 r. wypada poza okresem HDR (1 września 2020 r. – 28 lutego 2021 r.).")),
    ("3_hdr.xlsx", "Działania", "B5", "9.9",
     ("Działania", "B5", "Celu nr 9.9 nie ma w arkuszu Cele.")),
    ("3_hdr.xlsx", "Działania", "G5", "Jan Kowalski",
     ("Działania", "G5", "Odpowiedzialny to członek zespołu JST (imię i nazwisko jak w karcie JST) albo komórka organizacyjna, np. Wydział Edukacji.")),
    ("3_hdr.xlsx", "Działania", "N5", "w trakcie",
     ("Działania", "N5", "Tej wartości nie ma na liście. Wybierz wartość z listy rozwijanej. Dozwolone: planowane, w realizacji, zrealizowane, zaniechane.")),
    ("3_hdr.xlsx", "Działania", "J5", "dużo",
     ("Działania", "J5", "Wpisz liczbę, np. 1 234,50.")),
    ("3_hdr.xlsx", "Działania", "E5", "połowa września",
     ("Działania", "E5", "Nie rozpoznano daty. Wpisz datę jako dzień.miesiąc.rok, np. 5.07.2020.")),
    ("3_hdr.xlsx", "Działania", "E5", "31.09.2020",
     ("Działania", "E5", "Taka data nie istnieje w kalendarzu: wrzesień 2020 ma 30 dni. Wpisz dzień od 1 do 30, np. 30.09.2020.")),
    ("3_hdr.xlsx", "HDR", "B5", "2020-06-01",
     ("HDR", "B5", "Data 1 czerwca 2020 r. wypada poza okresem edycji programu (1 lipca 2020 r. – 28 lutego 2021 r.).")),
    ("3_hdr.xlsx", "Cele", "B5", 3,
     ("Cele", "B5", "Priorytetu o randze 3 nie ma w diagnozie (arkusz Priorytety).")),
    ("3_hdr.xlsx", "HDR", "B8", None,
     ("HDR", "B8", "Pole obowiązkowe — uzupełnij je.")),
    ("1_karta_jst.xlsx", "Karta JST", "B6", "0613089",
     ("Karta JST", "B6", "Ostatnia cyfra kodu TERC to rodzaj gminy: 1 (miejska), 2 (wiejska) lub 3 (miejsko-wiejska); „9” oznacza część gminy, a nie JST.")),
    ("1_karta_jst.xlsx", "Karta JST", "B6", "0613081",
     ("Karta JST", "B6", "Typ JST to „gmina wiejska”, a ostatnia cyfra kodu TERC (1) jest kodem gminy miejskiej.")),
    ("1_karta_jst.xlsx", "Karta JST", "B6", "2413082",
     ("Karta JST", "B8", "Kod TERC wskazuje województwo śląskie, a wybrano lubelskie.")),
    ("1_karta_jst.xlsx", "Karta JST", "B8", "mazowieckie",
     ("Karta JST", "B8", "Tej wartości nie ma na liście. Wybierz wartość z listy rozwijanej. Dozwolone: lubelskie, śląskie, wielkopolskie.")),
    ("1_karta_jst.xlsx", "Zespół JST", "C6", "p.wisniewski(at)zolkiewka",
     ("Zespół JST", "C6", "Niepoprawny adres e-mail (oczekiwano np. jan.kowalski@gmina.pl).")),
    ("1_karta_jst.xlsx", "Zespół doradczy", "A6", "ekspert ds. rozwoju oświaty samorządowej (ROS)",
     ("Zespół doradczy", "A6", "Rola „ekspert ds. rozwoju oświaty samorządowej (ROS)” występuje więcej niż raz — team doradczy ma po jednej osobie w każdej roli.")),
    ("4_spotkania.xlsx", "Spotkania", "D5", "8:00",
     ("Spotkania", "D5", "Godzina zakończenia nie jest późniejsza niż godzina rozpoczęcia.")),
    ("4_spotkania.xlsx", "Spotkania", "G6", "Anna Nowak\nJan Obcy",
     ("Spotkania", "G6", "Spoza zespołu JST (karta JST): Jan Obcy. Innych uczestników wpisz w kolumnie „Inni uczestnicy”.")),
    ("4_spotkania.xlsx", "Spotkania", "J5", 6,
     ("Spotkania", "J5", "Wartość może wynosić najwyżej 5.")),
    ("4_spotkania.xlsx", "Zadania", "A5", 7,
     ("Zadania", "A5", "Spotkania nr 7 nie ma w arkuszu Spotkania.")),
    ("5_podsumowanie.xlsx", "Podsumowanie", "B7", "2020-09-01",
     ("Podsumowanie", "B7", "Podsumowanie nie może być wcześniejsze niż przyjęcie HDR (10 września 2020 r.).")),
    ("5_podsumowanie.xlsx", "Podsumowanie", "B5", "studium refleksji",
     ("Studium refleksji", "B5", "Wybrano formę „studium refleksji”, ale arkusz „Studium refleksji” jest pusty.")),
    ("2_diagnoza.xlsx", "Priorytety", "A5", 2,
     ("Priorytety", "A5", "Rangi priorytetów to kolejne liczby 1, 2, 3…; brakuje rangi 1.")),
    ("2_diagnoza.xlsx", "Diagnoza", "B6", "2020-07-01",
     ("Diagnoza", "B6", "Data zakończenia diagnozy jest wcześniejsza niż data jej rozpoczęcia.")),
]


@pytest.mark.parametrize(("file", "sheet", "cell", "typed", "expected"), RULES,
                         ids=[f"{r[1]}!{r[2]}={r[3]}" for r in RULES])
def test_each_mistake_gets_one_precise_polish_message_at_its_cell(
        valid_unit: Path, file: str, sheet: str, cell: str, typed: object, expected: tuple) -> None:
    edit(valid_unit / file, sheet, cell, typed)
    assert expected in problems_of(valid_unit)


def test_all_mistakes_of_all_forms_are_reported_at_once(valid_unit: Path) -> None:
    edit(valid_unit / "3_hdr.xlsx", "Działania", "F5", "2020-09-01")
    edit(valid_unit / "1_karta_jst.xlsx", "Zespół JST", "C6", "zły-adres")
    edit(valid_unit / "4_spotkania.xlsx", "Spotkania", "D5", "8:00")
    result = validate_unit(valid_unit, EDITION)
    assert {(p.file.split("/")[-1], p.cell) for p in result.errors} == {
        ("3_hdr.xlsx", "F5"), ("1_karta_jst.xlsx", "C6"), ("4_spotkania.xlsx", "D5")}
    assert result.status == "invalid"
    error = next(p for p in result.errors if p.cell == "F5")
    assert (error.field, error.value) == ("Data zakończenia", "2020-09-01")
    assert error.describe() == "Arkusz Działania, komórka F5 (Data zakończenia): Data zakończenia jest wcześniejsza niż data rozpoczęcia."


def test_team_size_follows_the_edition(tmp_path: Path) -> None:
    small_team = write_unit(tmp_path / "u", EDITION)
    assert validate_unit(small_team, EDITION).errors == []
    edition_2022 = load_edition("2022")
    data = unit_data()
    data["card"]["advisers"] = [{"role": r.label, "name": f"Doradca {i}"} for i, r in enumerate(edition_2022.adviser_roles)]
    for key in ("diagnosis", "hdr", "meetings", "summary"):
        data.pop(key)
    data["card"]["area_choice"]["chosen_on"] = "2022-10-05"
    folder = write_unit(tmp_path / "u2022", edition_2022, data)
    messages = [p.message for p in validate_unit(folder, edition_2022).errors]
    assert messages == ["Zespół JST liczy 2 osoby, a w edycji doradztwo dla JST 2022–2023 powinien liczyć od 3 do 5 osób."]


def test_a_form_of_one_edition_is_refused_by_another(valid_unit: Path) -> None:
    result = validate_unit(valid_unit, load_edition("2022"))
    assert {p.message.split(",")[0] for p in result.errors} == {"Formularz przygotowano dla edycji 2020"}


def test_voivodeships_switch_with_the_edition() -> None:
    assert load_edition("2020").choices("voivodeships") == ("lubelskie", "śląskie", "wielkopolskie")
    assert len(load_edition("2022").choices("voivodeships")) == 16
    assert [r.code for r in load_edition("2022").adviser_roles] == ["PRE", "RZ"]


# ----------------------------------------------------------------------------- bad files
def _bad(folder: Path, name: str, data: bytes) -> str:
    (folder / name).write_bytes(data)
    [problem] = [p for p in validate_unit(folder, EDITION).errors if p.file.endswith(name)]
    assert problem.file.endswith(name)
    return problem.message


def test_a_file_that_is_not_a_workbook_gets_one_clear_message(tmp_path: Path) -> None:
    (tmp_path / "u").mkdir()
    assert _bad(tmp_path / "u", "3_hdr.xlsx", b"Hello, this is text") == \
        "to nie jest skoroszyt programu Excel (.xlsx) albo plik jest uszkodzony."


def test_a_password_protected_or_old_xls_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "u").mkdir()
    message = _bad(tmp_path / "u", "stary.xls", reader.OLE2_MAGIC + b"\0" * 600)
    assert "chroniony hasłem albo zapisany w starym formacie .xls" in message


def test_a_macro_enabled_workbook_is_refused(tmp_path: Path) -> None:
    (tmp_path / "u").mkdir()
    source = tmp_path / "m.xlsx"
    source.write_bytes(writer.build_workbook(layout.FORMS_BY_KEY["hdr"], EDITION))
    with zipfile.ZipFile(source, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"macro")
    assert "zawiera makra" in _bad(tmp_path / "u", "3_hdr.xlsm", source.read_bytes())


def test_an_out_of_date_form_is_recognised(tmp_path: Path) -> None:
    (tmp_path / "u").mkdir()
    source = tmp_path / "old.xlsx"
    source.write_bytes(writer.build_workbook(layout.FORMS_BY_KEY["hdr"], EDITION))
    edit(source, "Wersja", "B3", "0123456789ab")
    message = _bad(tmp_path / "u", "3_hdr.xlsx", source.read_bytes())
    assert message.startswith("formularz „Harmonogram działań rozwojowych (HDR)” jest nieaktualny (wersja 0123456789ab")


def test_a_workbook_that_is_not_our_form_is_named(tmp_path: Path) -> None:
    (tmp_path / "u").mkdir()
    book = openpyxl.Workbook()
    source = tmp_path / "other.xlsx"
    book.save(source)
    assert "to nie jest formularz Teczki JST" in _bad(tmp_path / "u", "budzet.xlsx", source.read_bytes())


def test_two_copies_of_the_same_form_are_reported(valid_unit: Path) -> None:
    (valid_unit / "3_hdr (kopia).xlsx").write_bytes((valid_unit / "3_hdr.xlsx").read_bytes())
    messages = [p.message for p in validate_unit(valid_unit, EDITION).errors]
    assert any(m.startswith("Drugi formularz „Harmonogram działań rozwojowych (HDR)”") for m in messages)


def test_a_renamed_column_is_named_and_moved_columns_still_read(valid_unit: Path) -> None:
    path = valid_unit / "3_hdr.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book["Działania"]
    sheet.move_range("C4:C5", cols=20)  # "Działanie" moves to column W
    book.save(path)
    result = validate_unit(valid_unit, EDITION)
    assert result.errors == [] and result.unit.hdr.actions[0].name == "Zebranie danych"
    edit(path, "Działania", "W4", "Dzialanie")
    messages = {(p.cell, p.message) for p in validate_unit(valid_unit, EDITION).errors}
    assert ("W4", "Nieznana kolumna „Dzialanie” — formularz jej nie przewiduje.") in messages
    assert (None, "Brak kolumny „Działanie”. Nie usuwaj kolumn formularza.") in messages


# ----------------------------------------------------------------------------- contradictions caught by eye
def warnings_of(folder: Path) -> list[tuple[str | None, str | None, str]]:
    return [(w.sheet, w.cell, w.message) for w in validate_unit(folder, EDITION).warnings]


def test_a_summary_dated_before_the_edition_ends_is_a_warning_at_its_date(valid_unit: Path) -> None:
    assert warnings_of(valid_unit) == []
    edit(valid_unit / "5_podsumowanie.xlsx", "Podsumowanie", "B7", "20.02.2021")
    assert warnings_of(valid_unit) == [
        ("Podsumowanie", "B7", "Podsumowanie ORE przyjmuje po zakończeniu edycji (28 lutego 2021 r.), a ta data "
                               "jest wcześniejsza. Sprawdź datę przekazania.")]


@pytest.mark.parametrize("stated", ["stan na 10 marca 2021 r.", "stan na dzień 10.03.2021"])
def test_a_state_reported_later_than_the_summarys_own_date_is_a_warning_at_its_cell(valid_unit: Path, stated) -> None:
    edit(valid_unit / "5_podsumowanie.xlsx", "Dobra praktyka", "B9", f"10 rozmów z dyrektorami ({stated}).")
    [(sheet, cell, message)] = warnings_of(valid_unit)
    assert (sheet, cell) == ("Dobra praktyka", "B9")
    assert message.endswith("a podsumowanie ma datę 5 marca 2021 r.: stan nie może być późniejszy niż data dokumentu.")
    edit(valid_unit / "5_podsumowanie.xlsx", "Dobra praktyka", "B9", "10 rozmów (stan na 1 marca 2021 r.).")
    assert warnings_of(valid_unit) == []


@pytest.mark.parametrize("sheet, section", [("risks", "5. Ryzyka i sposoby przeciwdziałania"),
                                            ("directions", "6. Kierunki wdrożenia oraz narzędzia i rozwiązania zarządcze")])
def test_an_empty_hdr_section_is_a_warning_and_the_document_says_not_specified(tmp_path: Path, sheet, section) -> None:
    data = unit_data()
    data["hdr"][sheet] = []
    folder = write_unit(tmp_path / "gmina", EDITION, data)
    [(_, _, message)] = warnings_of(folder)
    assert message == f"Arkusz jest pusty: w HDR sekcja „{section}” będzie miała treść „Nie określono.”."


def test_an_interviewee_from_outside_the_team_without_a_consent_answer_is_a_warning(tmp_path: Path) -> None:
    from documents_fixtures import full_unit_data

    data = unit_data()
    data["summary"] = full_unit_data("reportage")["summary"]
    data["summary"]["info"]["submitted_on"] = "2021-03-05"
    data["summary"]["reportage"]["interviewee"] = "Jan Kowalczyk"
    folder = write_unit(tmp_path / "gmina", EDITION, data)
    [(sheet, _, message)] = warnings_of(folder)
    assert sheet == "Minireportaż"
    assert message == ("Rozmówca Jan Kowalczyk nie należy do zespołu JST: wpisz, czy zgodził(a) się na podanie imienia "
                       "i nazwiska w publikacji. Bez zgody publikacja je pominie.")
    data["summary"]["reportage"]["interviewee_consent"] = "tak"
    assert warnings_of(write_unit(tmp_path / "gmina2", EDITION, data)) == []


# ----------------------------------------------------------------------------- the form states the rules
@pytest.mark.parametrize(("edition_id", "rows", "limit"), [("2020", 4, "od 2 do 4 osób"), ("2022", 5, "od 3 do 5 osób")])
def test_the_blank_card_offers_as_many_team_rows_as_the_edition_allows_and_says_the_limit(
        edition_id: str, rows: int, limit: str, tmp_path: Path) -> None:
    edition = load_edition(edition_id)
    path = tmp_path / "1_karta_jst.xlsx"
    path.write_bytes(writer.build_workbook(layout.FORMS_BY_KEY["card"], edition))
    book = openpyxl.load_workbook(path)
    team = book["Zespół JST"]
    input_rows = [row for row in range(layout.FIRST_DATA_ROW, team.max_row + 1) if not team[f"A{row}"].protection.locked]
    assert len(input_rows) == rows
    assert team["A2"].value == f"Jeden wiersz = jedna osoba z zespołu JST. W edycji {edition.short_name}: {limit}."
    prompts = {str(dv.sqref): dv.prompt for dv in team.data_validations.dataValidation}
    assert prompts[f"A5:A{4 + rows}"] == f"Członek zespołu JST. W tabeli {limit}. Pole obowiązkowe."
    advisers = book["Zespół doradczy"]
    roles = ", ".join(role.label for role in edition.adviser_roles)
    assert advisers.max_row == 4 + len(edition.adviser_roles)
    instructions = [row[0] for row in book["Instrukcja"].iter_rows(values_only=True) if row[0]]
    assert f"• Zespół JST: {limit}." in instructions
    assert any(line.startswith("• Zespół doradczy: dokładnie ") and line.endswith(f"po jednej w każdej roli: {roles}.")
               for line in instructions)


def test_dates_limited_to_the_edition_say_so_in_the_prompt_the_check_and_the_instructions(tmp_path: Path) -> None:
    path = tmp_path / "3_hdr.xlsx"
    path.write_bytes(writer.build_workbook(layout.FORMS_BY_KEY["hdr"], EDITION))
    book = openpyxl.load_workbook(path)
    checks = {str(dv.sqref): dv for dv in book["HDR"].data_validations.dataValidation}
    adopted = checks["B7"]
    assert (adopted.type, adopted.formula1, adopted.formula2) == ("date", "44013", "44255")  # 1.07.2020–28.02.2021
    assert adopted.prompt == ("Dzień, w którym zespół przyjął harmonogram. Data od 1.07.2020 do 28.02.2021. "
                              "Pole obowiązkowe.")
    assert adopted.error == "Data powinna przypadać od 1.07.2020 do 28.02.2021. Wpisz ją jako dzień.miesiąc.rok."
    instructions = [row[0] for row in book["Instrukcja"].iter_rows(values_only=True) if row[0]]
    assert "• Data rozpoczęcia (arkusz Działania): od 1.07.2020 do 28.02.2021." in instructions
    summary = openpyxl.load_workbook(io.BytesIO(writer.build_workbook(layout.FORMS_BY_KEY["summary"], EDITION)))
    submitted = {str(dv.sqref): dv for dv in summary["Podsumowanie"].data_validations.dataValidation}["B7"]
    assert "Data od 1.07.2020 do 29.04.2021." in submitted.prompt  # 60 days after the edition
