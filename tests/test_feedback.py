"""The feedback copy of a team's workbook: marked cells, comments and "Uwagi do poprawy"."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.worksheet.datavalidation import DataValidation

from pipeline.report import FeedbackSourceError, build_feedback_workbook
from pipeline.report.feedback import SUMMARY_SHEET, sheet_link

F7_MESSAGE = "Data zakończenia jest wcześniejsza niż data rozpoczęcia."


def make_form(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Działania"
    ws.append(
        [
            "Lp.",
            "Nazwa działania",
            "Osoba odpowiedzialna",
            "Status",
            "Data rozpoczęcia",
            "Data zakończenia",
        ]
    )
    ws.append([1, "Szkolenie dyrektorów", "Anna Nowak", "planowane", "2020-09-01", "2020-06-01"])
    ws.append([2, "Analiza wyników", None, "planowane", "2020-10-01", "2020-12-01"])
    ws["B3"].comment = Comment("Uzupełnić po naradzie.", "Anna Nowak")
    statuses = DataValidation(
        type="list", formula1='"planowane,w realizacji,zrealizowane"', allow_blank=True
    )
    ws.add_data_validation(statuses)
    statuses.add("D2:D50")
    plan = wb.create_sheet("Plan działań")
    plan["A1"] = "Priorytet"
    plan["B2"] = "Rozwój kompetencji"
    quoted = wb.create_sheet("Dane O'Neil")
    quoted["C3"] = 5
    wb.save(path)
    return path


def problems() -> list[dict]:
    return [
        {"file": "forms/x/3_hdr.xlsx", "sheet": "Działania", "cell": "F2", "field": "Data zakończenia",
         "message": F7_MESSAGE, "value": "2020-06-01"},
        {"file": "forms/x/3_hdr.xlsx", "sheet": "Działania", "cell": "B3", "field": "Nazwa działania",
         "message": "Popraw nazwę działania.", "value": "=HYPERLINK(\"http://example.invalid\")",
         "severity": "warning"},
    ]  # fmt: skip


def build(tmp_path: Path, items: list[dict]):
    data = build_feedback_workbook(make_form(tmp_path / "3_hdr.xlsx"), items)
    return data, load_workbook(io.BytesIO(data))


def test_cells_are_filled_and_commented(tmp_path: Path):
    _, wb = build(tmp_path, problems())
    ws = wb["Działania"]
    assert ws["F2"].fill.fgColor.rgb == "FFFFC7CE"  # light red: an error
    assert ws["B3"].fill.fgColor.rgb == "FFFFD8A8"  # light orange: a warning
    assert ws["A2"].fill.fill_type is None
    assert F7_MESSAGE in ws["F2"].comment.text
    assert ws["F2"].comment.author == "Teczka JST"
    # An existing comment is kept and our text appended.
    assert ws["B3"].comment.text.startswith("Uzupełnić po naradzie.")
    assert "Popraw nazwę działania." in ws["B3"].comment.text
    # The team's data and its dropdowns survive.
    assert ws["B2"].value == "Szkolenie dyrektorów"
    assert [str(dv.sqref) for dv in ws.data_validations.dataValidation] == ["D2:D50"]


def test_summary_sheet_is_first_and_active(tmp_path: Path):
    _, wb = build(tmp_path, problems())
    assert wb.sheetnames[0] == SUMMARY_SHEET
    assert wb.active.title == SUMMARY_SHEET
    assert [ws.sheet_view.tabSelected for ws in wb.worksheets] == [True, False, False, False]
    ws = wb[SUMMARY_SHEET]
    header = [c.value for c in ws[4]]
    assert header == ["Lp.", "Arkusz", "Komórka", "Pole", "Opis problemu", "Wartość", "Rodzaj"]
    assert [c.value for c in ws[5]] == [
        1,
        "Działania",
        "F2",
        "Data zakończenia",
        F7_MESSAGE,
        "2020-06-01",
        "błąd",
    ]
    assert ws["G6"].value == "ostrzeżenie"
    link = ws["C5"].hyperlink
    assert link.location == "'Działania'!F2" and not link.target
    assert ws["C5"].style == "Hyperlink"
    assert ws["A1"].value == "Uwagi do poprawy — 3_hdr.xlsx"


def test_formula_like_value_stays_text(tmp_path: Path):
    data, wb = build(tmp_path, problems())
    cell = wb[SUMMARY_SHEET]["F6"]
    assert cell.value == '=HYPERLINK("http://example.invalid")' and cell.data_type == "s"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert all(b"<f>" not in archive.read(n) for n in names)


def test_sheet_names_with_spaces_and_apostrophes_are_quoted(tmp_path: Path):
    items = [
        {
            "sheet": "Plan działań",
            "cell": "B2",
            "field": None,
            "message": "Sprawdź priorytet.",
            "value": None,
        },
        {
            "sheet": "Dane O'Neil",
            "cell": "$C$3",
            "field": None,
            "message": "Za duża liczba.",
            "value": "5",
        },
    ]
    _, wb = build(tmp_path, items)
    ws = wb[SUMMARY_SHEET]
    assert ws["C5"].hyperlink.location == "'Plan działań'!B2"
    assert ws["C6"].hyperlink.location == "'Dane O''Neil'!C3"
    assert wb["Plan działań"]["B2"].comment.text.endswith("Sprawdź priorytet.")
    assert sheet_link("A'B C", "A1") == "'A''B C'!A1"


def test_file_level_and_unknown_sheet_problems_are_only_listed(tmp_path: Path):
    items = [
        {"file": "forms/x/3_hdr.xlsx", "sheet": None, "cell": None, "field": None,
         "message": "Formularz pochodzi ze starszej wersji wzoru.", "value": None},
        {"sheet": "Nie ma takiego", "cell": "A1", "field": "Pole", "message": "Brak arkusza.", "value": None},
        {"sheet": "Działania", "cell": "nie-komórka", "field": None, "message": "Zły adres.", "value": None},
    ]  # fmt: skip
    _, wb = build(tmp_path, items)
    ws = wb[SUMMARY_SHEET]
    assert ws.max_row == 7
    assert ws["B5"].value == "(cały plik)" and ws["E5"].value == items[0]["message"]
    assert ws["B6"].value == "Nie ma takiego" and ws["C6"].hyperlink is None
    assert ws["C7"].hyperlink is None
    assert "Nie ma takiego" not in wb.sheetnames
    assert all(
        c.comment is None
        for row in wb["Działania"].iter_rows()
        for c in row
        if c.coordinate != "B3"
    )


def test_merged_cell_problem_goes_to_the_top_left_cell(tmp_path: Path):
    path = tmp_path / "merged.xlsx"
    wb = Workbook()
    wb.active.title = "Karta"
    wb.active["A1"] = "Nazwa"
    wb.active.merge_cells("A1:C1")
    wb.save(path)
    out = load_workbook(
        io.BytesIO(
            build_feedback_workbook(
                path, [{"sheet": "Karta", "cell": "B1", "message": "Za długa nazwa."}]
            )
        )
    )
    assert "Za długa nazwa." in out["Karta"]["A1"].comment.text


def test_rebuilding_from_a_feedback_copy_replaces_the_summary(tmp_path: Path):
    data, _ = build(tmp_path, problems())
    again = tmp_path / "again.xlsx"
    again.write_bytes(data)
    wb = load_workbook(io.BytesIO(build_feedback_workbook(again, problems()[:1])))
    assert wb.sheetnames.count(SUMMARY_SHEET) == 1 and wb.sheetnames[0] == SUMMARY_SHEET
    assert wb[SUMMARY_SHEET].max_row == 5


def test_output_is_deterministic(tmp_path: Path):
    path = make_form(tmp_path / "3_hdr.xlsx")
    assert build_feedback_workbook(path, problems()) == build_feedback_workbook(path, problems())


def test_unreadable_source_raises_a_clear_error(tmp_path: Path):
    broken = tmp_path / "zepsuty.xlsx"
    broken.write_bytes(b"to nie jest arkusz")
    with pytest.raises(FeedbackSourceError, match="zepsuty.xlsx"):
        build_feedback_workbook(broken, problems())
    with pytest.raises(FeedbackSourceError):
        build_feedback_workbook(tmp_path / "brak.xlsx", problems())


def test_old_excel_format_raises_a_clear_error(tmp_path: Path):
    old = tmp_path / "stary.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    with pytest.raises(FeedbackSourceError, match="stary.xls"):
        build_feedback_workbook(old, problems())


# ----------------------------------------------------------------------------- the round trip of a marked copy
def test_a_returned_marked_copy_is_read_like_the_original_and_the_bundle_gets_a_clean_copy(tmp_path: Path):
    import json
    import shutil

    from factories import write_unit

    from pipeline.build import BuildOptions, build
    from pipeline.edition import load_edition
    from pipeline.reader import read_form
    from pipeline.validate import validate_unit

    edition = load_edition("2020")
    forms, out = tmp_path / "forms", tmp_path / "output"
    unit = write_unit(forms / "gmina-x", edition)
    original = read_form(unit / "3_hdr.xlsx", "3_hdr.xlsx").data
    book = load_workbook(unit / "3_hdr.xlsx")
    book["Działania"]["F5"] = "01.09.2020"  # ends before it starts
    book.save(unit / "3_hdr.xlsx")

    def run() -> dict:
        build(BuildOptions(forms_dir=forms, out_dir=out, edition=edition, repo_root=tmp_path, pdf=False, jobs=1,
                           templates_dir=Path(__file__).parent.parent / "templates"), echo=lambda _: None)
        return json.loads((out / "report.json").read_text(encoding="utf-8"))["units"][0]

    assert run()["feedback"] == ["output/gmina-x/uwagi/3_hdr_uwagi.xlsx"]
    marked = out / "gmina-x" / "uwagi" / "3_hdr_uwagi.xlsx"
    note = load_workbook(marked)[SUMMARY_SHEET]["A2"].value
    assert ("Koordynator zapisuje poprawiony plik w miejsce dotychczasowego: forms/gmina-x/3_hdr.xlsx "
            "(pod tą samą nazwą, nie obok niego)") in note

    # The team corrects the cell in the marked copy and sends it back; it replaces the original.
    returned = load_workbook(marked)
    assert returned["Działania"]["F5"].fill.fgColor.rgb == "FFFFC7CE"
    returned["Działania"]["F5"] = "30.10.2020 r."
    returned.save(marked)
    shutil.copy(marked, unit / "3_hdr.xlsx")
    read = read_form(unit / "3_hdr.xlsx", "3_hdr.xlsx")
    assert read.problems == []
    expected = json.loads(json.dumps(original, default=str))
    expected["actions"][0]["end"] = "30.10.2020 r."
    assert json.loads(json.dumps(read.data, default=str)) == expected
    result = validate_unit(unit, edition)
    assert (result.status, result.problems) == ("ok", [])

    entry = run()
    assert (entry["status"], entry["feedback"]) == ("ok", [])
    with zipfile.ZipFile(tmp_path / entry["bundle"]) as bundle:
        prefix = Path(entry["bundle"]).stem  # bundle file names say whose they are
        sent = load_workbook(io.BytesIO(bundle.read(f"formularze/{prefix}_3_hdr.xlsx")))
    assert SUMMARY_SHEET not in sent.sheetnames
    assert sent["Działania"]["F5"].value == "30.10.2020 r."  # as the team typed it
    assert sent["Działania"]["F5"].fill.fgColor.rgb == "00FFF8DC"  # the yellow of an input cell again
    comments = [c.comment.text for ws in sent.worksheets for row in ws.iter_rows() for c in row if c.comment]
    assert comments and not [text for text in comments if "Do poprawy" in text or "Ostrzeżenie" in text]


def test_a_marked_copy_returned_with_new_mistakes_carries_only_this_rounds_marks(tmp_path: Path):
    first = tmp_path / "first.xlsx"
    first.write_bytes(build_feedback_workbook(make_form(tmp_path / "3_hdr.xlsx"), problems()))
    again = load_workbook(io.BytesIO(build_feedback_workbook(first, problems()[:1])))
    ws = again["Działania"]
    assert ws["B3"].fill.fill_type is None and ws["B3"].comment.text == "Uzupełnić po naradzie."
    assert ws["F2"].fill.fgColor.rgb == "FFFFC7CE"
    assert again.sheetnames.count(SUMMARY_SHEET) == 1
