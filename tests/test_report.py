"""The run report model, report.json, the programme overview and the coordinator's raport.xlsx."""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
import zipfile

import pytest
from built_run import INVALID, BuiltRun
from openpyxl import load_workbook
from pydantic import ValidationError

from pipeline.polish import count, format_decimal, polish_sort_key
from pipeline.report import (
    Report,
    build_coordinator_workbook,
    compute_overview,
    report_json_bytes,
    validate_report,
)
from pipeline.report.model import as_of_text

HOSTILE = ["=1+2", "+SUM(A1:A2)", "-2+3", "@SUM(A1)", "\t=1+2", "=cmd|' /C calc'!A0", "#N/A"]


@pytest.fixture
def report(built_run: BuiltRun) -> dict:
    """report.json of a real small run (tests/built_run.py), a copy each test may change."""
    return copy.deepcopy(built_run.report)


def unit_of(report: dict, unit_id: str) -> dict:
    return next(u for u in report["units"] if u["id"] == unit_id)


def hostile_report(report: dict) -> dict:
    unit = unit_of(report, INVALID)
    unit["name"] = HOSTILE[0]
    unit["id"] = HOSTILE[5]
    unit["errors"][0]["value"] = HOSTILE[1]
    unit["errors"][0]["message"] = HOSTILE[2]
    unit["errors"][1]["sheet"] = HOSTILE[3]
    unit["errors"][1]["field"] = HOSTILE[4]
    unit["errors"][1]["value"] = HOSTILE[6]
    return report


# ---------------------------------------------------------------- model and report.json
def test_the_report_of_a_run_validates_and_holds_every_status(report):
    model = validate_report(report)
    assert isinstance(model, Report)
    assert len(model.units) == 12
    assert {u.status for u in model.units} == {"ok", "incomplete", "invalid", "failed"}
    assert model.units[0].area is not None and model.units[0].area.id == 10


def test_report_json_round_trips_through_the_model(built_run: BuiltRun):
    data = (built_run.output / "report.json").read_bytes()
    assert report_json_bytes(validate_report(json.loads(data))) == data


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("units", 0, "colour"), "zielony"),  # unknown key: the model is closed
        (("units", 0, "status"), "done"),
        (("units", 0, "stage"), 6),
        (("units", 9, "errors", 0, "unknown"), 1),
        (("stages",), ["jeden"]),
    ],
)
def test_model_rejects_wrong_shapes(report, path, value):
    target = report
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValidationError):
        validate_report(report)


def test_file_level_error_may_lack_sheet_cell_field_value(report):
    report["units"][0]["errors"] = [
        {
            "file": "forms/x/1_karta.xlsx",
            "sheet": None,
            "cell": None,
            "field": None,
            "message": "Brak pliku.",
            "value": None,
        }
    ]
    validate_report(report)


def test_report_json_is_utf8_indented_and_stable(report):
    data = report_json_bytes(report)
    text = data.decode("utf-8")
    assert "Gmina Żółkiewka" in text  # not \u escapes
    assert text.startswith('{\n  "edition": {\n    "id": "2020",')
    assert text.endswith("}\n")
    # The key order does not depend on the order the dict was built in.
    shuffled = {k: report[k] for k in reversed(list(report))}
    shuffled["units"] = [{k: u[k] for k in sorted(u)} for u in report["units"]]
    assert report_json_bytes(shuffled) == data
    unit = json.loads(text)["units"][0]
    assert list(unit)[:3] == ["id", "name", "teryt"]


# ---------------------------------------------------------------- overview
def test_overview_counts(report):
    ov = compute_overview(report)
    assert ov.units == 12
    chosen = [u["area"]["id"] for u in report["units"] if u["area"]]
    assert {c.key: c.count for c in ov.areas} == {str(i): chosen.count(i) for i in range(1, 13)}  # the run lists every area
    assert ov.no_area == 0
    assert [c.count for c in ov.stages] == [0, 1, 2, 1, 0, 8]
    assert ov.stages[3].label == "3 — Opracowanie harmonogramu działań rozwojowych (HDR)" == f"3 — {report['stages'][2]}"
    assert {c.key: c.count for c in ov.statuses} == {"ok": 7, "incomplete": 3, "invalid": 1, "failed": 1}
    assert [c.label for c in ov.statuses] == ["kompletna", "w toku", "błędy w formularzach", "błąd generowania"]
    assert {c.label: c.count for c in ov.summary_forms} == {
        "opis dobrej praktyki samorządowej": 4,
        "studium refleksji": 2,
        "minireportaż z wywiadem": 3,
    }
    assert ov.no_summary_form == 3
    assert [(c.label, c.count) for c in ov.voivodeships] == [
        ("lubelskie", 4),
        ("śląskie", 4),
        ("wielkopolskie", 4),
    ]
    m = ov.meetings
    meetings = [u["meetings"] for u in report["units"]]
    assert (m.on_site, m.online) == (sum(x["on_site"] for x in meetings), sum(x["online"] for x in meetings))
    assert m.hours_on_site == round(sum(x["hours_on_site"] for x in meetings), 2)
    assert m.total == m.on_site + m.online == 72


def test_overview_lists_areas_nobody_chose(report):
    areas = report.pop("areas")
    chosen = {u["area"]["id"] for u in report["units"] if u["area"]}
    assert 8 not in chosen and len(compute_overview(report).areas) == len(chosen)  # only the chosen ones
    ov = compute_overview(report, areas=areas)
    assert [int(c.key) for c in ov.areas] == list(range(1, 13))
    assert {c.key: c.count for c in ov.areas}["8"] == 0
    # Areas can also come from the report itself, or as (id, label) pairs.
    assert len(compute_overview(report | {"areas": areas}).areas) == 12
    assert len(compute_overview(report, areas=[(8, "System wspomagania")]).areas) == len(chosen) + 1


def test_overview_of_an_empty_report():
    ov = compute_overview({"units": [], "stages": []})
    assert ov.units == 0 and ov.areas == () and [c.count for c in ov.stages] == [0] * 6
    assert [c.count for c in ov.statuses] == [0, 0, 0, 0]


def test_polish_helpers():
    assert sorted(["śląskie", "łódzkie", "lubelskie", "zachodniopomorskie"], key=polish_sort_key) == [
        "lubelskie", "łódzkie", "śląskie", "zachodniopomorskie",
    ]  # fmt: skip
    assert [count(n, "jednostka", "jednostki", "jednostek") for n in (1, 2, 5, 12, 22, 25)] == [
        "1 jednostka", "2 jednostki", "5 jednostek", "12 jednostek", "22 jednostki", "25 jednostek",
    ]  # fmt: skip
    assert (format_decimal(10.5), format_decimal(4.0), format_decimal(0.25)) == ("10,5", "4", "0,25")


# ---------------------------------------------------------------- raport.xlsx
def load(data: bytes):
    return load_workbook(io.BytesIO(data))


def test_workbook_sheets_and_rows(report):
    wb = load(build_coordinator_workbook(report))
    assert wb.sheetnames == ["Przegląd programu", "Jednostki", "Błędy"]  # the overview opens and prints first
    units = wb["Jednostki"]
    header = [c.value for c in units[1]]
    assert header[:7] == [
        "Folder",
        "Nazwa JST",
        "Kod TERC",
        "Typ JST",
        "Województwo",
        "Status",
        "Etap cyklu",
    ]
    assert units.max_row == 1 + len(report["units"])
    assert units.freeze_panes == "A2"
    assert units.auto_filter.ref.startswith("A1:")
    assert all(c.font.bold for c in units[1])
    rows = {row[0]: row for row in units.iter_rows(min_row=2, values_only=True)}
    zolkiewka = rows["lubelskie-zolkiewka"]
    assert zolkiewka[1:7] == (
        "Gmina Żółkiewka",
        "0606112",
        "gmina wiejska",
        "lubelskie",
        "kompletna",
        "5 z 5",
    )
    assert zolkiewka[7] == "1. Analizowanie potrzeb i planowanie rozwoju oświaty"
    assert rows[INVALID][5] == "błędy w formularzach" and rows[INVALID][9] == 2
    assert rows["zz-niepowodzenie"][5] == "błąd generowania"
    assert rows["slaskie-pszczyna"][5] == "w toku"
    assert units["C2"].data_type == "s"  # the leading zero of the TERC code survives


def test_problems_sheet_lists_errors_warnings_and_failures(report):
    unit_of(report, "slaskie-mikolow")["warnings"] = [{"file": None, "sheet": None, "cell": None, "field": None,
                                                      "message": "Uwaga.", "value": None}]
    ws = load(build_coordinator_workbook(report))["Błędy"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    expected = sum(
        len(u["errors"]) + len(u["warnings"]) + bool(u["failure"]) for u in report["units"]
    )
    assert len(rows) == expected == 5  # with Pszczyna's empty "Kierunki wdrożenia" sheet (a warning)
    kinds = {r[2] for r in rows}
    assert kinds == {"błąd", "ostrzeżenie", "błąd generowania"}
    f5 = next(r for r in rows if r[5] == "F5")
    assert f5 == (
        "Gmina Wąwolnica", INVALID, "błąd", f"forms/{INVALID}/3_hdr.xlsx", "Działania", "F5",
        "Data zakończenia", "Data zakończenia jest wcześniejsza niż data rozpoczęcia.", "2019-01-01",
    )  # fmt: skip
    assert ws["H1"].value == "Opis problemu" and ws["H2"].alignment.wrap_text


def test_overview_sheet_has_tables_and_charts(built_run: BuiltRun):
    ws = load((built_run.output / "raport.xlsx").read_bytes())["Przegląd programu"]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    for title in ("Wybrane obszary wsparcia", "Spotkania doradcze", "Forma podsumowania", "Status jednostek",
                  "Jednostki według województw", "Jednostki według ukończonego etapu cyklu"):  # fmt: skip
        assert title in texts
    assert "System wspomagania szkół i placówek" in texts  # an area nobody chose, with 0
    assert len(ws._charts) == 2


def test_formula_like_values_stay_text(report):
    data = build_coordinator_workbook(hostile_report(report))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name
    wb = load(data)
    found = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value in HOSTILE:
                    found[cell.value] = cell
                    assert cell.data_type == "s", (ws.title, cell.coordinate)
    assert set(found) == set(HOSTILE)


def test_workbook_bytes_are_deterministic(built_run: BuiltRun):
    first = (built_run.output / "raport.xlsx").read_bytes()  # made by the run's process
    code = (
        "import json, sys; from pipeline.report import build_coordinator_workbook;"
        "sys.stdout.buffer.write(build_coordinator_workbook(json.load(open(sys.argv[1], encoding='utf-8'))))"
    )
    other = subprocess.run([sys.executable, "-c", code, str(built_run.output / "report.json")],
                           capture_output=True, check=True).stdout
    assert other == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}  # files.FIXED_ZIP_TIME
        assert b"2020-07-01T00:00:00Z" in archive.read("docProps/core.xml")


def test_workbook_of_an_empty_report():
    wb = load(build_coordinator_workbook({"edition": {}, "stages": [], "units": []}))
    assert wb["Jednostki"].max_row == 1


def test_the_reports_say_when_they_describe_from_the_data_and_print_on_a4(report):
    for unit, day in zip(report["units"], ("2021-03-05", "2021-02-10", None), strict=False):
        unit["as_of"] = day
    assert as_of_text(report) == "Stan na 5 marca 2021 r. (najpóźniejsza data w formularzach jednostek)."
    from pipeline.report import build_status_page

    page = build_status_page(report)
    assert as_of_text(report) in page
    wb = load(build_coordinator_workbook(report))
    assert as_of_text(report) in wb["Przegląd programu"]["A2"].value
    for ws in wb.worksheets:
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) and ws.page_setup.orientation == "landscape"
        assert ws.print_area and ws.oddHeader.left.text.endswith(as_of_text(report))
    for name in ("Jednostki", "Błędy"):
        ws = wb[name]
        assert ws.print_title_rows == "$1:$1" and ws.print_title_cols == "$A:$B"
        assert int(ws.page_setup.scale) >= 80 and not ws.sheet_properties.pageSetUpPr.fitToPage
    for unit in report["units"]:
        unit.pop("as_of", None)
    assert as_of_text(report) == "Stan na: brak dat w danych jednostek."
