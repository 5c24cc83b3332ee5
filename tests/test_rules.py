"""Rules run on whatever parsed: every problem of a unit in one round."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from factories import unit_data, write_unit

from pipeline.edition import load_edition
from pipeline.validate import validate_unit

EDITION = load_edition("2020")


def edit(path: Path, sheet: str, cell: str, value: object) -> None:
    book = openpyxl.load_workbook(path)
    book[sheet][cell] = value
    book.save(path)


def located(problems: list) -> list[tuple[str | None, str | None, str]]:
    return [(p.sheet, p.cell, p.message) for p in problems]


def test_a_bad_email_and_a_team_of_six_give_both_errors_in_one_run(tmp_path: Path) -> None:
    data = unit_data()
    data["card"]["team"] += [{"name": f"Osoba {i}", "position": "Nauczyciel", "email": f"osoba{i}@gmina.example.pl"}
                             for i in range(4)]
    folder = write_unit(tmp_path / "gmina-x", EDITION, data)
    edit(folder / "1_karta_jst.xlsx", "Zespół JST", "C6", "p.wisniewski(at)zolkiewka")
    assert located(validate_unit(folder, EDITION).errors) == [
        ("Zespół JST", "A5", "Zespół JST liczy 6 osób, a w edycji pilotaż 2020–2021 powinien liczyć od 2 do 4 osób."),
        ("Zespół JST", "C6", "Niepoprawny adres e-mail (oczekiwano np. jan.kowalski@gmina.pl)."),
    ]


def test_an_impossible_date_gives_its_error_and_the_warning_about_the_other_dates(tmp_path: Path) -> None:
    folder = write_unit(tmp_path / "gmina-x", EDITION)
    edit(folder / "2_diagnoza.xlsx", "Diagnoza", "B5", "31.02.2020")
    edit(folder / "3_hdr.xlsx", "HDR", "B7", "15.08.2020")
    result = validate_unit(folder, EDITION)
    assert [(p.file.rsplit("/", 1)[-1], p.sheet, p.cell) for p in result.errors] == [
        ("2_diagnoza.xlsx", "Diagnoza", "B5")]
    assert ("HDR", "B7", "HDR przyjęto przed zakończeniem diagnozy (31 sierpnia 2020 r.).") in located(result.warnings)
    assert ("Diagnoza", "B5", "Nie sprawdzono jeszcze: data rozpoczęcia diagnozy w okresie edycji; kolejność dat "
                              "diagnozy — najpierw popraw tę komórkę.") in located(result.warnings)


def test_a_check_that_needs_an_unreadable_cell_names_it_and_draws_no_false_conclusion(tmp_path: Path) -> None:
    folder = write_unit(tmp_path / "gmina-x", EDITION)
    edit(folder / "3_hdr.xlsx", "Cele", "A5", None)  # goal number missing: actions cannot be matched to goals
    edit(folder / "3_hdr.xlsx", "Działania", "F5", "2020-09-01")  # ends before it starts: still found
    result = validate_unit(folder, EDITION)
    assert located(result.errors) == [
        ("Cele", "A5", "Pole obowiązkowe — uzupełnij je."),
        ("Działania", "F5", "Data zakończenia jest wcześniejsza niż data rozpoczęcia."),
    ]
    assert ("Cele", "A5", "Nie sprawdzono jeszcze: numery celów; numery celów a rangi priorytetów; cele działań "
                          "— najpierw popraw tę komórkę.") in located(result.warnings)


def test_a_unit_with_every_kind_of_mistake_gets_all_of_them_in_one_run_in_reading_order(tmp_path: Path) -> None:
    from pipeline.blank_forms import write_blank_forms

    data = unit_data(summary=None)
    data["card"]["team"] += [{"name": f"Osoba {i}", "position": "Nauczyciel", "email": f"osoba{i}@gmina.example.pl"}
                             for i in range(4)]
    folder = write_unit(tmp_path / "gmina-x", EDITION, data)
    write_blank_forms(tmp_path / "puste", EDITION)
    (folder / "5_podsumowanie.xlsx").write_bytes((tmp_path / "puste" / "5_podsumowanie.xlsx").read_bytes())
    edit(folder / "4_spotkania.xlsx", "Spotkania", "E5", "na żywo")
    edit(folder / "1_karta_jst.xlsx", "Zespół JST", "C6", "p.wisniewski(at)zolkiewka")
    edit(folder / "2_diagnoza.xlsx", "Diagnoza", "B5", "31.02.2020")
    edit(folder / "3_hdr.xlsx", "HDR", "B7", "15.08.2020")
    result = validate_unit(folder, EDITION)
    assert [(p.file.rsplit("/", 1)[-1], p.sheet, p.cell, p.message) for p in result.errors] == [
        ("1_karta_jst.xlsx", "Zespół JST", "A5",
         "Zespół JST liczy 6 osób, a w edycji pilotaż 2020–2021 powinien liczyć od 2 do 4 osób."),
        ("1_karta_jst.xlsx", "Zespół JST", "C6", "Niepoprawny adres e-mail (oczekiwano np. jan.kowalski@gmina.pl)."),
        ("2_diagnoza.xlsx", "Diagnoza", "B5",
         "Taka data nie istnieje w kalendarzu: luty 2020 ma 29 dni. Wpisz dzień od 1 do 29, np. 29.02.2020."),
        ("4_spotkania.xlsx", "Spotkania", "E5", "Tej wartości nie ma na liście. Wybierz wartość z listy rozwijanej. "
                                                "Dozwolone: w siedzibie JST, zdalnie (on-line)."),
    ]
    warnings = [(p.file.rsplit("/", 1)[-1], p.sheet, p.cell, p.message) for p in result.warnings]
    assert ("3_hdr.xlsx", "HDR", "B7", "HDR przyjęto przed zakończeniem diagnozy (31 sierpnia 2020 r.).") in warnings
    assert warnings[-1][:3] == ("5_podsumowanie.xlsx", None, None) and warnings[-1][3].startswith("Formularz jest pusty — ")
    assert (result.status, result.name) == ("invalid", "Gmina Żółkiewka")
