"""The public surface (pipeline/api.py) the command line and the web stand on: it returns the
report models, and the CLI, report.json and the library tell the same story."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from documents_fixtures import TEST_TEMPLATES
from factories import unit_data, write_unit

from pipeline import api
from pipeline.cli import main
from pipeline.edition import load_edition
from pipeline.report.model import ReportUnit

EDITION = load_edition("2020")
TEMPLATES = TEST_TEMPLATES
BUILT_ONLY = {"documents", "bundle", "feedback", "publication_omitted"}  # known only after a build


@pytest.fixture
def forms_with_a_valid_and_an_invalid_unit(tmp_path: Path) -> Path:
    forms = tmp_path / "forms"
    write_unit(forms / "gmina-a", EDITION)
    data = unit_data()
    data["card"]["jst"]["terc"] = "06 14 01 1"  # typed with spaces: the report shows it normalised
    data["card"]["jst"]["name"] = "Gmina Miasto Puławy"
    data["card"]["jst"]["unit_type"] = "gmina miejska"
    write_unit(forms / "gmina-b", EDITION, data)
    book = openpyxl.load_workbook(forms / "gmina-b" / "3_hdr.xlsx")
    book["Działania"]["F5"] = "2020-09-01"  # ends before it starts
    book.save(forms / "gmina-b" / "3_hdr.xlsx")
    return forms


def test_validate_unit_returns_the_report_entry_the_build_writes(forms_with_a_valid_and_an_invalid_unit: Path,
                                                                 tmp_path: Path) -> None:
    forms = forms_with_a_valid_and_an_invalid_unit
    reports = api.validate_forms(forms, EDITION, tmp_path)
    assert [(r.id, r.status) for r in reports] == [("gmina-a", "ok"), ("gmina-b", "invalid")]
    assert all(isinstance(r, ReportUnit) for r in reports)
    assert reports[1].teryt == "0614011"
    assert [p.cell for p in reports[1].problems if p.severity == "error"] == [e.cell for e in reports[1].errors]
    summary = api.build(api.BuildOptions(forms_dir=forms, out_dir=tmp_path / "output", edition=EDITION,
                                         templates_dir=TEMPLATES, repo_root=tmp_path, pdf=False, html=False,
                                         jobs=1), echo=lambda _: None)
    written = json.loads((tmp_path / "output" / "report.json").read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(summary.report.model_dump(mode="json")))
    for report, entry in zip(reports, written["units"], strict=True):
        mine = report.model_dump(mode="json")
        assert {k: v for k, v in mine.items() if k not in BUILT_ONLY} == \
               {k: v for k, v in entry.items() if k not in BUILT_ONLY}


def test_validate_json_of_the_cli_is_the_library_report_with_contacts_masked(
        forms_with_a_valid_and_an_invalid_unit: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["validate", "forms", "--json", "--edition", "2020"])
    assert result.exit_code == 1, result.output
    printed = json.loads(result.output)
    reports = api.validate_forms(Path("forms"), EDITION, tmp_path)
    assert [ReportUnit.model_validate(unit).id for unit in printed] == ["gmina-a", "gmina-b"]
    for unit, report in zip(printed, reports, strict=True):
        assert unit == {**report.model_dump(mode="json"), "errors": unit["errors"], "warnings": unit["warnings"]}
    assert printed[1]["teryt"] == "0614011"
    assert printed[1]["errors"][0]["cell"] == "F5"


def test_render_unit_gives_each_planned_document_in_memory(tmp_path: Path) -> None:
    report, documents = api.render_unit(write_unit(tmp_path / "gmina", EDITION), EDITION, TEMPLATES)
    assert report.status == "ok"
    assert [d.spec.name for d in documents] == ["karta_jst.docx", "hdr.docx", "spotkania.docx", "podsumowanie.docx"]
    for document in documents:
        with zipfile.ZipFile(io.BytesIO(document.data)) as archive:
            assert "Gmina Żółkiewka" in archive.read("word/document.xml").decode()


def test_feedback_workbooks_mark_the_faulty_workbook_only(forms_with_a_valid_and_an_invalid_unit: Path) -> None:
    report = api.validate_unit(forms_with_a_valid_and_an_invalid_unit / "gmina-b", EDITION)
    copies = api.feedback_workbooks(report)
    assert list(copies) == ["3_hdr_uwagi.xlsx"]
    book = openpyxl.load_workbook(io.BytesIO(copies["3_hdr_uwagi.xlsx"]))
    assert book.sheetnames[0] == "Uwagi do poprawy"
    assert api.feedback_workbooks(api.validate_unit(forms_with_a_valid_and_an_invalid_unit / "gmina-a", EDITION)) == {}
