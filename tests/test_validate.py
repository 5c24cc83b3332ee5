"""Validating a unit: untouched forms, the unit's name whatever its card holds, the order of problems."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from factories import unit_data, write_unit
from pydantic_core import PydanticCustomError

from pipeline.blank_forms import write_blank_forms
from pipeline.build import BuildOptions, build
from pipeline.edition import load_edition
from pipeline.fields import parse_date
from pipeline.validate import EMPTY_FORM, validate_unit

EDITION = load_edition("2020")
TEMPLATES = Path(__file__).parent.parent / "templates"


def edit(path: Path, sheet: str, cell: str, value: object) -> None:
    book = openpyxl.load_workbook(path)
    book[sheet][cell] = value
    book.save(path)


def test_the_five_untouched_blank_forms_mean_not_started_with_a_warning_at_each_file(tmp_path: Path) -> None:
    folder = tmp_path / "forms" / "gmina-x"
    write_blank_forms(folder, EDITION)
    result = validate_unit(folder, EDITION, tmp_path)
    assert (result.status, result.stage, result.errors) == ("incomplete", 0, [])
    assert [(p.file, p.message) for p in result.warnings] == [
        (f"forms/gmina-x/{name}", EMPTY_FORM) for name in
        ("1_karta_jst.xlsx", "2_diagnoza.xlsx", "3_hdr.xlsx", "4_spotkania.xlsx", "5_podsumowanie.xlsx")]
    assert EMPTY_FORM.startswith("Formularz jest pusty — ")


def test_a_blank_form_next_to_filled_ones_is_not_started_and_a_form_with_some_input_is_validated(tmp_path: Path) -> None:
    folder = write_unit(tmp_path / "gmina-x", EDITION, unit_data(meetings=None, summary=None))
    write_blank_forms(tmp_path / "puste", EDITION)
    shutil.copy(tmp_path / "puste" / "4_spotkania.xlsx", folder)
    shutil.copy(tmp_path / "puste" / "5_podsumowanie.xlsx", folder)
    result = validate_unit(folder, EDITION)
    assert (result.status, result.stage, result.errors) == ("incomplete", 4, [])
    edit(folder / "5_podsumowanie.xlsx", "Podsumowanie", "B6", "Tytuł")
    result = validate_unit(folder, EDITION)
    assert result.status == "invalid"
    assert ("Podsumowanie", "B5", "Pole obowiązkowe — uzupełnij je.") in [(p.sheet, p.cell, p.message) for p in result.errors]


def test_a_unit_whose_card_has_mistakes_is_named_by_what_parsed_or_by_its_folder(tmp_path: Path) -> None:
    data = unit_data()
    data["card"]["jst"]["terc"] = "06 06 11 2"
    folder = write_unit(tmp_path / "gmina-x", EDITION, data)
    edit(folder / "1_karta_jst.xlsx", "Zespół JST", "C6", "zły adres")
    result = validate_unit(folder, EDITION)
    assert (result.status, result.name, result.terc) == ("invalid", "Gmina Żółkiewka", "0606112")
    edit(folder / "1_karta_jst.xlsx", "Karta JST", "B5", None)
    edit(folder / "1_karta_jst.xlsx", "Karta JST", "B6", None)
    result = validate_unit(folder, EDITION)
    assert (result.name, result.terc) == ("gmina-x", None)


def test_the_status_page_and_the_workbook_name_and_link_a_unit_whose_card_has_errors(tmp_path: Path) -> None:
    forms = tmp_path / "forms"
    folder = write_unit(forms / "gmina-x", EDITION)
    edit(folder / "1_karta_jst.xlsx", "Zespół JST", "C6", "zły adres")
    out = tmp_path / "output"
    build(BuildOptions(forms_dir=forms, out_dir=out, edition=EDITION, repo_root=tmp_path, pdf=False, jobs=1,
                       templates_dir=TEMPLATES), echo=lambda _: None)
    unit = json.loads((out / "report.json").read_text(encoding="utf-8"))["units"][0]
    assert (unit["status"], unit["name"], unit["teryt"]) == ("invalid", "Gmina Żółkiewka", "0606112")
    page = (out / "index.html").read_text(encoding="utf-8")
    assert '<th scope="row"><a href="#' in page and '">Gmina Żółkiewka</a></th><td>0606112</td>' in page
    sheet = openpyxl.load_workbook(out / "raport.xlsx")["Jednostki"]
    assert any(row[:3] == ("gmina-x", "Gmina Żółkiewka", "0606112") for row in sheet.iter_rows(values_only=True))


def test_values_are_echoed_as_typed_and_errors_come_in_file_sheet_row_order(tmp_path: Path) -> None:
    folder = write_unit(tmp_path / "gmina-x", EDITION)
    edit(folder / "4_spotkania.xlsx", "Spotkania", "D5", "8:00")
    edit(folder / "3_hdr.xlsx", "Działania", "E5", datetime(2020, 10, 1))
    edit(folder / "3_hdr.xlsx", "Działania", "F5", datetime(2020, 9, 30))  # a real date cell, shown DD.MM.YYYY
    edit(folder / "3_hdr.xlsx", "Cele", "B5", 3)
    edit(folder / "1_karta_jst.xlsx", "Zespół JST", "C6", "zły adres")
    edit(folder / "1_karta_jst.xlsx", "Karta JST", "B8", "mazowieckie")
    errors = validate_unit(folder, EDITION).errors
    assert [(p.file.rsplit("/", 1)[-1], p.sheet, p.cell, p.value) for p in errors] == [
        ("1_karta_jst.xlsx", "Karta JST", "B8", "mazowieckie"),
        ("1_karta_jst.xlsx", "Zespół JST", "C6", "zły adres"),
        ("3_hdr.xlsx", "Cele", "B5", "3"),
        ("3_hdr.xlsx", "Działania", "F5", "30.09.2020"),
        ("4_spotkania.xlsx", "Spotkania", "D5", "8:00"),
    ]
    assert errors[0].message == ("Tej wartości nie ma na liście. Wybierz wartość z listy rozwijanej. "
                                 "Dozwolone: lubelskie, śląskie, wielkopolskie.")


@pytest.mark.parametrize(("typed", "message"), [
    ("31.02.2021", "Taka data nie istnieje w kalendarzu: luty 2021 ma 28 dni. Wpisz dzień od 1 do 28, np. 28.02.2021."),
    ("29.02.2020 r.", None),
    ("30.13.2020", "Taka data nie istnieje w kalendarzu: miesiące mają numery od 1 do 12. "
                   "Wpisz datę jako dzień.miesiąc.rok, np. 5.07.2020."),
    ("09.30.2020", "Taka data nie istnieje w kalendarzu: nie ma miesiąca 30. Daty wpisuj jako dzień.miesiąc.rok — "
                   "jeśli chodziło o 30 dzień miesiąca 9, wpisz 30.09.2020."),
])
def test_an_impossible_date_says_what_to_type_instead(typed: str, message: str | None) -> None:
    if message is None:
        assert parse_date(typed) == date(2020, 2, 29)
        return
    with pytest.raises(PydanticCustomError) as caught:
        parse_date(typed)
    assert str(caught.value) == message
