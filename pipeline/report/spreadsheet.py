"""output/raport.xlsx: the coordinator's workbook — units, problems, programme overview."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.files import XLSX_FONT, cell_at, first_sheet
from pipeline.report.model import STAGE_COUNT, as_of_text
from pipeline.report.overview import Overview, compute_overview
from pipeline.report.xlsx import (
    HEADER_FONT,
    deterministic_xlsx,
    finish_list_sheet,
    fixed_datetime,
    landscape,
    set_text,
    write_table,
)
from pipeline.statuses import status_label

UNITS_SHEET = "Jednostki"
PROBLEMS_SHEET = "Błędy"
OVERVIEW_SHEET = "Przegląd programu"

UNIT_COLUMNS: list[tuple[str, float]] = [
    ("Folder", 24),
    ("Nazwa JST", 26),
    ("Kod TERC", 11),
    ("Typ JST", 18),
    ("Województwo", 16),
    ("Status", 20),
    ("Etap cyklu", 10),
    ("Obszar wsparcia", 38),
    ("Forma podsumowania", 22),
    ("Błędy", 9),
    ("Ostrzeżenia", 15),
    ("Dokumenty", 14),
    ("Spotkania w siedzibie JST", 14),
    ("Godziny w siedzibie JST", 14),
    ("Spotkania on-line", 13),
    ("Godziny on-line", 12),
    ("Paczka dokumentów", 36),
    ("Przyczyna błędu generowania", 40),
]
UNIT_WRAP = {1, 2, 4, 8, 9, 17, 18}

PROBLEM_COLUMNS: list[tuple[str, float]] = [
    ("Jednostka", 26),
    ("Folder", 22),
    ("Rodzaj", 14),
    ("Plik", 34),
    ("Arkusz", 18),
    ("Komórka", 9),
    ("Pole", 22),
    ("Opis problemu", 60),
    ("Wartość", 24),
]
PROBLEM_WRAP = {1, 4, 7, 8, 9}

ROW_CM = 0.53  # default row height (15 pt) in centimetres, to place charts below each other
KIND_ERROR = "błąd"
KIND_WARNING = "ostrzeżenie"
KIND_FAILURE = "błąd generowania"


def area_text(area: Any) -> str | None:
    if not area:
        return None
    label = area.get("label") or ""
    return f"{area['id']}. {label}" if area.get("id") is not None else label


def _unit_row(unit: dict[str, Any]) -> list[Any]:
    meetings = unit.get("meetings") or {}
    return [
        unit.get("id"),
        unit.get("name"),
        unit.get("teryt"),
        unit.get("unit_type"),
        unit.get("voivodeship"),
        status_label(unit.get("status")),
        f"{int(unit.get('stage') or 0)} z {STAGE_COUNT}",
        area_text(unit.get("area")),
        unit.get("summary_form"),
        len(unit.get("errors") or []),
        len(unit.get("warnings") or []),
        len(unit.get("documents") or []),
        meetings.get("on_site", 0),
        meetings.get("hours_on_site", 0),
        meetings.get("online", 0),
        meetings.get("hours_online", 0),
        unit.get("bundle"),
        unit.get("failure"),
    ]


def problem_rows(units: Iterable[dict[str, Any]]) -> list[list[Any]]:
    """Every error and warning of every unit, plus build failures, one row each."""
    rows: list[list[Any]] = []
    for unit in units:
        head = [unit.get("name"), unit.get("id")]
        if unit.get("failure"):
            rows.append([*head, KIND_FAILURE, None, None, None, None, unit["failure"], None])
        for kind, key in ((KIND_ERROR, "errors"), (KIND_WARNING, "warnings")):
            for p in unit.get(key) or []:
                rows.append([
                    *head, kind, p.get("file"), p.get("sheet"), p.get("cell"),
                    p.get("field"), p.get("message"), p.get("value"),
                ])  # fmt: skip
    return rows


def _fill_units(ws: Worksheet, units: list[dict[str, Any]]) -> None:
    last = write_table(
        ws, 1, [h for h, _ in UNIT_COLUMNS], [_unit_row(u) for u in units],
        [w for _, w in UNIT_COLUMNS], UNIT_WRAP,
    )  # fmt: skip
    for r in range(2, last + 1):
        for col in (14, 16):
            ws.cell(row=r, column=col).number_format = "0.0#"
    finish_list_sheet(ws, 1, len(UNIT_COLUMNS), last)


def _fill_problems(ws: Worksheet, units: list[dict[str, Any]]) -> None:
    last = write_table(
        ws, 1, [h for h, _ in PROBLEM_COLUMNS], problem_rows(units),
        [w for _, w in PROBLEM_COLUMNS], PROBLEM_WRAP,
    )  # fmt: skip
    finish_list_sheet(ws, 1, len(PROBLEM_COLUMNS), last)


def _section(
    ws: Worksheet, top: int, title: str, headers: list[str], rows: list[list[Any]]
) -> tuple[int, int]:
    """A titled table on the overview sheet; returns its first and last data rows."""
    cell = set_text(cell_at(ws, top, 1), title)
    cell.font = Font(name=XLSX_FONT, bold=True, size=12)
    last = write_table(ws, top + 1, headers, rows, wrap={2})
    return top + 2, last


def _bar_chart(ws: Worksheet, title: str, first: int, last: int, anchor_row: int) -> int:
    """A horizontal bar chart of column C (counts) against column B (labels), placed in
    column F at ``anchor_row``; returns the first row below it."""
    chart = BarChart()
    chart.type = "bar"
    chart.style = 10
    chart.title = title
    chart.legend = None
    chart.varyColors = False
    chart.gapWidth = 60
    chart.y_axis.title = "Liczba JST"
    chart.y_axis.majorGridlines = None
    chart.y_axis.numFmt = "0"
    chart.y_axis.majorUnit = 1
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.x_axis.scaling.orientation = "maxMin"  # first row on top, as in the table
    chart.add_data(Reference(ws, min_col=3, min_row=first - 1, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=2, min_row=first, max_row=last))
    chart.series[0].graphicalProperties.solidFill = "2F5597"
    labels = DataLabelList()
    labels.showVal = True
    for flag in ("showSerName", "showCatName", "showLegendKey", "showPercent", "showLeaderLines"):
        setattr(labels, flag, False)
    chart.dataLabels = labels
    chart.width = 24
    chart.height = max(6.0, 1.0 * (last - first + 1) + 3)
    ws.add_chart(chart, f"F{anchor_row}")
    return anchor_row + int(chart.height / ROW_CM) + 2


def _fill_overview(ws: Worksheet, report: dict[str, Any], ov: Overview) -> None:
    edition = report.get("edition") or {}
    title = set_text(cell_at(ws, 1, 1), f"Przegląd programu — {edition.get('name') or ''}")
    title.font = Font(name=XLSX_FONT, bold=True, size=14)
    set_text(cell_at(ws, 2, 1), f"Liczba jednostek w raporcie: {ov.units}. {as_of_text(report)}")
    for letter, width in zip("ABCD", (8, 62, 14, 14), strict=True):
        ws.column_dimensions[letter].width = width
    count = "Liczba JST"

    area_rows: list[list[Any]] = [[int(c.key), c.label, c.count] for c in ov.areas]
    if ov.no_area:
        area_rows.append([None, "obszar jeszcze niewybrany", ov.no_area])
    first, last = _section(
        ws, 4, "Wybrane obszary wsparcia", ["Nr", "Obszar wsparcia", count], area_rows
    )
    chart_row = first - 1
    if ov.areas:
        chart_row = _bar_chart(
            ws, "Wybrane obszary wsparcia", first, first + len(ov.areas) - 1, chart_row
        )

    stage_rows = [[int(c.key), c.label.split(" — ", 1)[1], c.count] for c in ov.stages]
    first, last = _section(
        ws,
        last + 2,
        "Jednostki według ukończonego etapu cyklu",
        ["Etap", "Ostatni ukończony etap", count],
        stage_rows,
    )
    _bar_chart(
        ws, "Jednostki według ukończonego etapu cyklu", first, last, max(first - 1, chart_row)
    )

    m = ov.meetings
    meeting_rows = [
        [None, "w siedzibie JST", m.on_site, m.hours_on_site],
        [None, "on-line", m.online, m.hours_online],
        [None, "razem", m.total, m.hours_total],
    ]
    headers = ["", "Forma spotkań", "Liczba spotkań", "Liczba godzin"]
    first, last = _section(ws, last + 2, "Spotkania doradcze", headers, meeting_rows)
    for col in (2, 3, 4):
        ws.cell(row=last, column=col).font = HEADER_FONT  # the "razem" row
    for r in range(first, last + 1):
        ws.cell(row=r, column=4).number_format = "0.0#"

    form_rows: list[list[Any]] = [[None, c.label, c.count] for c in ov.summary_forms]
    if ov.no_summary_form:
        form_rows.append([None, "forma jeszcze niewybrana", ov.no_summary_form])
    _, last = _section(
        ws, last + 2, "Forma podsumowania", ["", "Forma podsumowania", count], form_rows
    )
    status_rows: list[list[Any]] = [[None, c.label, c.count] for c in ov.statuses]
    _, last = _section(ws, last + 2, "Status jednostek", ["", "Status", count], status_rows)
    region_rows: list[list[Any]] = [[None, c.label, c.count] for c in ov.voivodeships]
    _section(ws, last + 2, "Jednostki według województw", ["", "Województwo", count], region_rows)
    for r in range(1, ws.max_row + 1):
        ws.cell(row=r, column=1).alignment = Alignment(horizontal="left", vertical="top")
    landscape(ws)


def _print_on_a4(ws: Worksheet, as_of: str) -> None:
    """Legible on A4: landscape, the used range as print area, at most as narrow as 80 % (a wide
    list continues on the next page across, with its header row and first two columns repeated),
    and "Stan na …" with the page number in the page header."""
    ws.print_area = f"A1:{ws.cell(row=max(ws.max_row, 1), column=max(ws.max_column, 1)).coordinate}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    if ws.title != OVERVIEW_SHEET:  # the lists: repeat the names, never shrink below 80 %
        if ws.sheet_properties.pageSetUpPr is not None:
            ws.sheet_properties.pageSetUpPr.fitToPage = False
        ws.page_setup.scale = 80
        ws.print_title_cols = "A:B"
    ws.print_options.horizontalCentered = False
    ws.page_margins.left = ws.page_margins.right = 0.5
    header = ws.oddHeader
    left, right = (header.left, header.right) if header is not None else (None, None)
    if left is not None and right is not None:  # openpyxl always makes both; the stubs allow None
        left.text, left.size = f"{ws.title} — {as_of}", 9
        right.text, right.size = "Strona &P z &N", 9


def build_coordinator_workbook(
    report: dict[str, Any], *, areas: Iterable[Any] | None = None
) -> bytes:
    """The coordinator's raport.xlsx as bytes; the same report gives byte-identical output.

    ``areas`` (default: ``report["areas"]``) lists all areas of the edition for zero counts.
    """
    units = list(report.get("units") or [])
    overview = compute_overview(report, areas)
    wb = Workbook()
    units_ws = first_sheet(wb)
    units_ws.title = UNITS_SHEET
    _fill_units(units_ws, units)
    _fill_problems(wb.create_sheet(PROBLEMS_SHEET), units)
    _fill_overview(wb.create_sheet(OVERVIEW_SHEET), report, overview)
    wb.move_sheet(OVERVIEW_SHEET, offset=-2)  # the overview opens and prints first
    wb.active = 0
    as_of = as_of_text(report)
    for ws in wb.worksheets:
        _print_on_a4(ws, as_of)
    edition = report.get("edition") or {}
    when = fixed_datetime(edition.get("start"))
    return deterministic_xlsx(wb, when, title=f"Raport koordynatora — {edition.get('name') or ''}")
