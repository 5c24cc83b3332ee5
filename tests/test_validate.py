"""Validating a unit: untouched forms, the unit's name whatever its card holds, the order of problems."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
from factories import unit_data, write_unit

from pipeline.blank_forms import write_blank_forms
from pipeline.build import BuildOptions, build
from pipeline.edition import load_edition
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
    sheet = openpyxl.load_workbook(out / "raport.xlsx").worksheets[0]
    assert any(row[:3] == ("gmina-x", "Gmina Żółkiewka", "0606112") for row in sheet.iter_rows(values_only=True))
