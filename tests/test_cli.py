"""The command line as a coordinator meets it: paths, editions, Polish words, the end summary."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from factories import unit_data, write_unit

from pipeline.cli import main
from pipeline.edition import DEFAULT_EDITION, load_edition

EDITION = load_edition("2020")
TEMPLATES = Path(__file__).parent.parent / "templates"


def teczka(*args: str, cwd: Path | None = None) -> tuple[int, str]:
    runner = CliRunner()
    if cwd is None:
        result = runner.invoke(main, list(args), prog_name="teczka")
    else:
        with runner.isolated_filesystem(temp_dir=cwd):
            result = runner.invoke(main, list(args), prog_name="teczka")
    return result.exit_code, result.output


def edit(path: Path, sheet: str, cell: str, value: object) -> None:
    book = openpyxl.load_workbook(path)
    book[sheet][cell] = value
    book.save(path)


@pytest.fixture
def forms(tmp_path: Path) -> Path:
    root = tmp_path / "forms"
    data = unit_data()
    data["card"]["jst"]["terc"] = "06 06 11 2"
    write_unit(root / "gmina-a", EDITION, data)
    broken = write_unit(root / "gmina-zla", EDITION, unit_data(meetings=None, summary=None) | {
        "card": unit_data()["card"] | {"jst": unit_data()["card"]["jst"] | {"terc": "0613022"}}})
    edit(broken / "3_hdr.xlsx", "Działania", "F5", "01.09.2020")
    return root


def test_validate_takes_a_unit_folder_or_one_workbook(forms: Path) -> None:
    code, out = teczka("validate", str(forms / "gmina-a"))
    assert (code, out.splitlines()[0]) == (0, "gmina-a: Gmina Żółkiewka (0606112), etap 5 z 5, kompletna")
    assert "Jednostek: 1; z błędami: 0." in out
    code, out = teczka("validate", str(forms / "gmina-zla"))
    assert code == 1 and out.startswith("gmina-zla: Gmina Żółkiewka (0613022), etap 2 z 5, błędy w formularzach\n")
    assert ("  błąd: " + str(forms / "gmina-zla" / "3_hdr.xlsx") + ": Arkusz Działania, komórka F5 (Data zakończenia): "
            "Data zakończenia jest wcześniejsza niż data rozpoczęcia. [wartość: 01.09.2020]") in out.splitlines()
    code, out = teczka("validate", str(forms / "gmina-zla" / "3_hdr.xlsx"))
    assert code == 1 and "komórka F5" in out and "1_karta_jst.xlsx" not in out
    code, out = teczka("validate", str(forms / "gmina-a" / "1_karta_jst.xlsx"))
    assert code == 0 and out.startswith("gmina-a: Gmina Żółkiewka (0606112), etap 1 z 5, w toku")


def test_a_path_with_no_forms_is_a_clear_usage_error(tmp_path: Path) -> None:
    (tmp_path / "pusty").mkdir()
    assert teczka("validate", str(tmp_path / "pusty")) == (
        2, f"Błąd: W katalogu {tmp_path / 'pusty'} nie ma formularzy ani katalogów jednostek z formularzami.\n")
    assert teczka("validate", str(tmp_path / "brak")) == (2, f"Błąd: Nie ma pliku ani katalogu {tmp_path / 'brak'}.\n")


def test_the_terc_code_has_one_format_in_validate_and_json(forms: Path) -> None:
    code, out = teczka("validate", "--json", str(forms))
    units = {unit["id"]: unit for unit in json.loads(out)}
    assert (units["gmina-a"]["name"], units["gmina-a"]["teryt"]) == ("Gmina Żółkiewka", "0606112")
    assert units["gmina-zla"]["teryt"] == "0613022"


@pytest.mark.parametrize("args", [("--edition", "2022", "validate", "U"), ("validate", "U", "--edition", "2022")],
                         ids=["before", "after"])
def test_the_edition_is_accepted_before_or_after_the_command_and_points_at_its_blank_forms(
        forms: Path, args: tuple[str, ...]) -> None:
    code, out = teczka(*[str(forms / "gmina-a") if a == "U" else a for a in args])
    assert code == 1
    assert ("Formularz przygotowano dla edycji 2020, a teczka działa dla edycji 2022 (doradztwo dla JST 2022–2023). "
            "Przenieś dane do pustego formularza edycji 2022 — utworzy je polecenie „teczka forms --edition 2022 "
            "--out puste-2022” albo uruchom teczkę dla edycji 2020 (opcja --edition 2020).") in out


def test_help_and_the_command_lines_own_errors_are_in_polish_with_the_option_names_kept(tmp_path: Path) -> None:
    code, out = teczka("--help")
    assert code == 0 and out.startswith("Użycie: teczka [OPCJE] POLECENIE [ARGUMENTY]...\n")
    assert "Pokaż tę pomoc i zakończ." in out and "Polecenia:" in out and "Sprawdź formularze" in out
    code, out = teczka("validate", "--nope")
    assert (code, out.splitlines()[-1]) == (2, "Błąd: Nie ma opcji '--nope'.")
    assert "Pomoc: teczka validate --help" in out
    code, out = teczka("verify", str(tmp_path / "brak.zip"))
    assert (code, out.splitlines()[-1]) == (
        2, f"Błąd: Niepoprawna wartość 'PACZKA.zip...': Plik '{tmp_path / 'brak.zip'}' nie istnieje.")
    code, out = teczka("build", "--jobs", "0")
    assert code == 2 and "Błąd: Niepoprawna wartość '--jobs': 0 nie mieści się w zakresie 1<=x<=64." in out


def test_demo_writes_the_default_edition_so_build_with_no_edition_builds_all_of_them(tmp_path: Path) -> None:
    code, out = teczka("demo", "--count", "4", "--out", str(tmp_path / "demo"))
    assert (code, out) == (0, f"zapisano formularze 4 jednostek w {tmp_path / 'demo'} (edycja {DEFAULT_EDITION})\n")
    code, out = teczka("build", "--forms", str(tmp_path / "demo"), "--out", str(tmp_path / "out"), "--no-pdf", "--no-html",
                       "--templates", str(TEMPLATES))
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert code == 0
    assert [unit["status"] for unit in report["units"]] == ["ok"] * 4
    assert f"  {'kompletne':<24}{4:>6}" in out.splitlines()


def test_the_end_summary_counts_what_was_made_and_says_what_to_do_next(forms: Path, tmp_path: Path) -> None:
    write_unit(forms / "gmina-pusta", EDITION, {"id": "x"})  # a folder without forms
    edit(forms / "gmina-zla" / "1_karta_jst.xlsx", "Zespół JST", "C6", "zły adres")  # no valid form left with docs
    edit(forms / "gmina-zla" / "2_diagnoza.xlsx", "Diagnoza", "B5", "31.02.2020")
    code, out = teczka("build", "--forms", str(forms), "--out", str(tmp_path / "out"), "--no-pdf",
                       "--templates", str(TEMPLATES))
    lines = out.splitlines()
    assert code == 1
    assert "  przebudowano gmina-a: nowa jednostka" in lines
    assert "  sprawdzono gmina-zla (nowa jednostka): bez dokumentów — błędy w formularzach" in lines
    assert "  sprawdzono gmina-pusta (nowa jednostka): bez dokumentów — brak poprawnych formularzy" in lines
    assert any(line.startswith("Wyniki: dokumenty Word 4, PDF/A 0, HTML 1, paczki dla ORE 1 (nowe lub zmienione "
                               "dokumenty Word: 4), czas: ") for line in lines)
    out_dir = tmp_path / "out"
    assert lines[-1] == (f"Co dalej: błędy każdej jednostki są opisane w {out_dir / 'index.html'}; odeślij zespołom JST "
                         f"kopie formularzy z zaznaczonymi błędami z {out_dir}/<jednostka>/uwagi/, a poprawione pliki "
                         "zapisz w miejsce oryginałów w forms/<jednostka>/ i uruchom budowanie ponownie.")


@pytest.mark.slow
def test_demo_then_a_full_build_with_pdf_builds_all_twenty(tmp_path: Path) -> None:
    assert teczka("demo", "--count", "20", "--out", str(tmp_path / "demo"))[0] == 0
    code, out = teczka("build", "--forms", str(tmp_path / "demo"), "--out", str(tmp_path / "out"),
                       "--templates", str(TEMPLATES))
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert (code, [unit["status"] for unit in report["units"]]) == (0, ["ok"] * 20)
    assert any(line.startswith("Wyniki: dokumenty Word 80, PDF/A 80, HTML 20, paczki dla ORE 20 ")
               for line in out.splitlines())


def test_a_terc_code_typed_with_spaces_reaches_the_documents_digits_only(forms: Path, tmp_path: Path) -> None:
    import zipfile

    teczka("build", "--forms", str(forms), "--out", str(tmp_path / "out"), "--no-pdf", "--templates", str(TEMPLATES))
    for name in ("karta_jst.docx", "hdr.docx", "spotkania.docx", "podsumowanie.docx"):
        with zipfile.ZipFile(tmp_path / "out" / "gmina-a" / name) as docx:
            text = "".join(docx.read(part).decode() for part in docx.namelist()
                           if part.startswith(("word/document", "word/header", "word/footer", "docProps/core")))
        assert "0606112" in text and "06 06 11 2" not in text, name
