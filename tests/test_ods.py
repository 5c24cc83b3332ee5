"""Forms saved by LibreOffice Calc as .ods: read like .xlsx, same messages, bundled as sent."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from pipeline.build import BuildOptions, build
from pipeline.convert import find_soffice
from pipeline.edition import load_edition
from pipeline.validate import validate_unit

ROOT = Path(__file__).parent.parent
EDITION = load_edition("2020")
SAMPLE = ROOT / "forms" / "lubelskie-zolkiewka"


def to_ods(sources: list[Path], out_dir: Path, profile: Path) -> None:
    """Convert with LibreOffice itself, as a Calc user's "Save as .ods" would."""
    subprocess.run([find_soffice() or "soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--convert-to", "ods", "--outdir", str(out_dir), *map(str, sources)],
                   check=True, capture_output=True, timeout=300)


def build_docs(forms: Path, out: Path) -> dict:
    build(BuildOptions(forms_dir=forms, out_dir=out, edition=EDITION, repo_root=forms.parent, pdf=False, jobs=1,
                       templates_dir=ROOT / "templates"), echo=lambda _: None)
    return json.loads((out / "report.json").read_text(encoding="utf-8"))["units"][0]


def document_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as docx:
        return docx.read("word/document.xml")


@pytest.mark.slow
def test_a_sample_unit_saved_as_ods_by_libreoffice_gives_the_same_documents_and_messages(tmp_path: Path) -> None:
    xlsx_forms, ods_forms = tmp_path / "xlsx" / "forms", tmp_path / "ods" / "forms"
    shutil.copytree(SAMPLE, xlsx_forms / "gmina")
    broken = tmp_path / "broken"
    shutil.copytree(SAMPLE, broken)
    book = openpyxl.load_workbook(broken / "3_hdr.xlsx")
    book["Działania"]["F5"] = "01.01.2020"  # ends before it starts, outside the HDR period
    book["Działania"]["N6"] = "w trakcie"  # not on the list
    book.save(broken / "3_hdr.xlsx")
    (ods_forms / "gmina").mkdir(parents=True)
    (tmp_path / "ods-broken").mkdir()
    to_ods(sorted(SAMPLE.glob("*.xlsx")), ods_forms / "gmina", tmp_path / "profile")
    to_ods([broken / "3_hdr.xlsx"], tmp_path / "ods-broken", tmp_path / "profile")
    assert sorted(p.name for p in (ods_forms / "gmina").iterdir()) == [
        "1_karta_jst.ods", "2_diagnoza.ods", "3_hdr.ods", "4_spotkania.ods", "5_podsumowanie.ods"]

    from_xlsx = build_docs(xlsx_forms, tmp_path / "xlsx" / "output")
    from_ods = build_docs(ods_forms, tmp_path / "ods" / "output")
    assert (from_ods["status"], from_ods["errors"], from_ods["warnings"]) == ("ok", [], [])
    docx = sorted(name for name in from_xlsx["documents"] if name.endswith(".docx"))
    assert docx and docx == sorted(name for name in from_ods["documents"] if name.endswith(".docx"))
    for name in docx:
        assert document_xml(tmp_path / "ods" / name) == document_xml(tmp_path / "xlsx" / name), name
    with zipfile.ZipFile(tmp_path / "ods" / from_ods["bundle"]) as bundle:
        prefix = Path(from_ods["bundle"]).stem  # bundle file names say whose they are
        assert bundle.read(f"formularze/{prefix}_3_hdr.ods") == (ods_forms / "gmina" / "3_hdr.ods").read_bytes()

    (broken / "3_hdr.xlsx").unlink()
    shutil.copy(tmp_path / "ods-broken" / "3_hdr.ods", broken)
    xlsx_broken = tmp_path / "xlsx-broken"
    shutil.copytree(SAMPLE, xlsx_broken)
    book = openpyxl.load_workbook(xlsx_broken / "3_hdr.xlsx")
    book["Działania"]["F5"] = "01.01.2020"
    book["Działania"]["N6"] = "w trakcie"
    book.save(xlsx_broken / "3_hdr.xlsx")

    def located(folder: Path) -> list[tuple]:
        return [(Path(p.file).stem, p.sheet, p.cell, p.field, p.message, p.value)
                for p in validate_unit(folder, EDITION).problems]

    expected = located(xlsx_broken)
    assert len(expected) >= 2 and ("3_hdr", "Działania", "N6") in [e[:3] for e in expected]
    assert located(broken) == expected


def _opendocument(path: Path, mimetype: str, extra: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", mimetype)
        archive.writestr("content.xml", "<office:document-content/>")
        for name, text in (extra or {}).items():
            archive.writestr(name, text)
    return path


@pytest.mark.parametrize(("mimetype", "extra", "message"), [
    ("application/vnd.oasis.opendocument.text", None,
     "to dokument OpenDocument, ale nie arkusz kalkulacyjny. Zapisz formularz jako skoroszyt programu Excel (.xlsx) "
     "albo arkusz Calc (.ods)."),
    ("application/vnd.oasis.opendocument.spreadsheet", {"Basic/Standard/Module1.xml": "<x/>"},
     "arkusz zawiera makra. Zapisz go bez makr jako zwykły arkusz (.ods lub .xlsx)."),
])
def test_an_opendocument_file_that_is_not_a_plain_spreadsheet_is_named(
        tmp_path: Path, mimetype: str, extra: dict | None, message: str) -> None:
    folder = tmp_path / "forms" / "gmina"
    folder.mkdir(parents=True)
    _opendocument(folder / "3_hdr.ods", mimetype, extra)
    result = validate_unit(folder, EDITION, tmp_path)
    assert [(p.file, p.message) for p in result.errors] == [("forms/gmina/3_hdr.ods", message)]


@pytest.mark.slow
def test_an_ods_form_with_errors_gets_an_xlsx_marked_copy_that_can_come_back_in_its_place(tmp_path: Path) -> None:
    from pipeline.report.feedback import SUMMARY_SHEET, feedback_copies

    unit = tmp_path / "forms" / "gmina"
    shutil.copytree(SAMPLE, unit)
    book = openpyxl.load_workbook(unit / "3_hdr.xlsx")
    book["Działania"]["N6"] = "w trakcie"  # not on the list
    book.save(unit / "3_hdr.xlsx")
    to_ods([unit / "3_hdr.xlsx"], unit, tmp_path / "profile")
    (unit / "3_hdr.xlsx").unlink()
    result = validate_unit(unit, EDITION, tmp_path)
    assert [(p.file, p.sheet, p.cell) for p in result.errors] == [("forms/gmina/3_hdr.ods", "Działania", "N6")]
    copies = feedback_copies(result.problems, {"forms/gmina/3_hdr.ods": unit / "3_hdr.ods"})
    assert list(copies) == ["3_hdr_uwagi.xlsx"]
    marked = tmp_path / "3_hdr_uwagi.xlsx"
    marked.write_bytes(copies["3_hdr_uwagi.xlsx"])
    returned = openpyxl.load_workbook(marked)
    assert returned["Działania"]["N6"].fill.fgColor.rgb == "FFFFC7CE"
    assert returned["Działania"]["N6"].comment.text.startswith("Do poprawy (Status): Tej wartości nie ma na liście.")
    assert returned[SUMMARY_SHEET]["A2"].value.endswith(
        "Formularz przysłano jako .ods, a ta kopia jest skoroszytem .xlsx: poprawiony plik zapisz jako 3_hdr.xlsx, "
        "a dotychczasowy plik .ods usuń z katalogu jednostki.")
    returned["Działania"]["N6"] = "w realizacji"
    returned.save(unit / "3_hdr.xlsx")
    (unit / "3_hdr.ods").unlink()
    result = validate_unit(unit, EDITION, tmp_path)
    assert (result.status, result.errors) == ("ok", [])
