"""The feedback copy: the team's own workbook with problem cells marked and commented.

The coordinator sends it back to the JST team. Everything openpyxl can keep is kept (values,
styles, data validations, comments, defined names); a first sheet "Uwagi do poprawy" lists
every problem with a link to its cell. Values from the form are always written as text.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Iterable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook import Workbook
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineWorkbook, SheetVisibleEnum

from pipeline.errors import FeedbackSourceError, Problem
from pipeline.files import XLSX_FONT, cell_at
from pipeline.layout import FEEDBACK_SHEET
from pipeline.layout import HEADER_ROW as FORM_HEADER_ROW
from pipeline.report.xlsx import (
    deterministic_xlsx,
    finish_list_sheet,
    fixed_datetime,
    set_text,
    write_table,
)
from pipeline.writer import HEADER_FILL, INPUT_FILL

SUMMARY_SHEET = FEEDBACK_SHEET
AUTHOR = "Teczka JST"
ERROR_FILL = PatternFill("solid", fgColor="FFFFC7CE")  # light red
WARNING_FILL = PatternFill("solid", fgColor="FFFFD8A8")  # light orange
MAX_MARKED_CELLS = 500  # a problem naming a huge range marks only its first cells
HEADERS = ["Lp.", "Arkusz", "Komórka", "Pole", "Opis problemu", "Wartość", "Rodzaj"]
WIDTHS: list[float] = [6, 24, 11, 26, 64, 28, 13]
HEADER_ROW = 4
ODS_NOTE = (" Formularz przysłano jako .ods, a ta kopia jest skoroszytem .xlsx: poprawiony plik zapisz jako "
            "{name}.xlsx, a dotychczasowy plik .ods usuń z katalogu jednostki.")
RETURN_NOTE = (
    "Po poprawieniu wszystkich błędów zapisz plik i odeślij go koordynatorowi — ten arkusz, zaznaczenia "
    "i komentarze możesz zostawić, Teczka JST je pominie. Koordynator zapisuje poprawiony plik w miejsce "
    "dotychczasowego: {where} (pod tą samą nazwą, nie obok niego), a do paczki dla ORE trafi jego czysta "
    "kopia, bez uwag."
)


def sheet_link(sheet: str, cell: str) -> str:
    """An internal reference, always quoted: 'Plan działań'!F7, 'Dane O''Neil'!A1."""
    return "'" + sheet.replace("'", "''") + "'!" + cell


def _is_warning(problem: dict[str, Any]) -> bool:
    return str(problem.get("severity") or problem.get("kind") or "").lower() in (
        "warning",
        "ostrzeżenie",
    )


def _locate(
    wb: Workbook, problem: dict[str, Any]
) -> tuple[Worksheet, tuple[int, int, int, int]] | None:
    """The sheet and cell range a problem points at, if both exist in this workbook."""
    sheet, ref = problem.get("sheet"), problem.get("cell")
    if not sheet or not ref or sheet not in wb.sheetnames or sheet == SUMMARY_SHEET:
        return None
    try:
        min_col, min_row, max_col, max_row = range_boundaries(
            str(ref).replace("$", "").strip().upper()
        )
    except (TypeError, ValueError):
        return None
    if min_col is None or min_row is None or max_col is None or max_row is None:
        return None
    if max_row > 1_048_576 or max_col > 16_384:
        return None
    ws = wb[sheet]
    if not isinstance(ws, Worksheet):  # a chart sheet has no cells
        return None
    return ws, (min_col, min_row, max_col, max_row)


def _anchor_cell(ws: Worksheet, row: int, col: int) -> Cell:
    """The cell that can hold a comment: the top-left one of a merged range."""
    cell = ws.cell(row=row, column=col)
    if isinstance(cell, MergedCell):
        for merged in ws.merged_cells.ranges:
            if cell.coordinate in merged:
                return cell_at(ws, merged.min_row, merged.min_col)
    return cell_at(ws, row, col)


def _comment_text(problem: dict[str, Any]) -> str:
    head = "Ostrzeżenie" if _is_warning(problem) else "Do poprawy"
    field = f" ({problem['field']})" if problem.get("field") else ""
    return f"{head}{field}: {problem.get('message') or ''}"


def _add_comment(cell: Cell, text: str) -> None:
    old = cell.comment
    if old is not None and old.text:
        author = old.author or AUTHOR
        text = (
            f"{old.text.rstrip()}\n\n{AUTHOR}: {text}"
            if author != AUTHOR
            else f"{old.text.rstrip()}\n\n{text}"
        )
    else:
        author = AUTHOR
    lines = sum(max(1, math.ceil(len(line) / 48)) for line in text.splitlines() or [""])
    cell.comment = Comment(text, author, height=min(400, 24 + 16 * lines), width=320)


def _mark(wb: Workbook, problem: dict[str, Any]) -> str | None:
    """Fill and comment the problem's cells; return the link target, or None if not found."""
    found = _locate(wb, problem)
    if found is None:
        return None
    ws, (min_col, min_row, max_col, max_row) = found
    fill = WARNING_FILL if _is_warning(problem) else ERROR_FILL
    marked = 0
    for row in range(min_row, max_row + 1):
        for col in range(min_col, max_col + 1):
            if marked >= MAX_MARKED_CELLS:
                break
            cell = ws.cell(row=row, column=col)
            if not isinstance(cell, MergedCell):
                cell.fill = fill
                marked += 1
    _add_comment(_anchor_cell(ws, min_row, min_col), _comment_text(problem))
    return sheet_link(ws.title, ws.cell(row=min_row, column=min_col).coordinate)


def _is_feedback_note(text: str) -> bool:
    return text.removeprefix(f"{AUTHOR}: ").startswith(("Do poprawy", "Ostrzeżenie"))


def _unmark(wb: Workbook) -> None:
    """Take out what a feedback copy added: the "Uwagi do poprawy" sheet, the red and orange
    fills (an input cell gets its yellow back) and the problem comments; values stay as typed."""
    if SUMMARY_SHEET in wb.sheetnames:
        wb.remove(wb[SUMMARY_SHEET])
    marks = {ERROR_FILL.fgColor.rgb, WARNING_FILL.fgColor.rgb}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell, MergedCell):
                    continue
                if cell.fill is not None and cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb in marks:
                    if not cell.protection.locked:
                        cell.fill = INPUT_FILL
                    elif cell.row == FORM_HEADER_ROW:
                        cell.fill = HEADER_FILL
                    else:
                        cell.fill = PatternFill(fill_type=None)
                if cell.comment is not None:
                    kept = [part for part in cell.comment.text.split("\n\n") if not _is_feedback_note(part)]
                    if not kept:
                        cell.comment = None
                    elif len(kept) != len(cell.comment.text.split("\n\n")):
                        old = cell.comment
                        cell.comment = Comment("\n\n".join(kept), old.author, height=old.height, width=old.width)
    if wb.worksheets:
        for sheet in wb.worksheets:
            sheet.sheet_view.tabSelected = sheet is wb.worksheets[0]
        wb.active = 0


def is_marked(source: Path) -> bool:
    """Whether a workbook is (or was) a feedback copy: it has the feedback sheet or problem comments."""
    try:
        with zipfile.ZipFile(source) as archive:
            names = archive.namelist()
            if SUMMARY_SHEET.encode() in archive.read("xl/workbook.xml"):
                return True
            return any(b"Do poprawy" in archive.read(name) or "Ostrzeżenie".encode() in archive.read(name)
                       for name in names if name.startswith("xl/comments"))
    except (OSError, KeyError, zipfile.BadZipFile):
        return False


def clean_copy(source: Path) -> bytes:
    """A returned feedback copy as the team's own form: no feedback sheet, marks or problem comments.

    Raises ``FeedbackSourceError`` if openpyxl cannot open ``source``.
    """
    wb = _open(Path(source))
    _unmark(wb)
    return deterministic_xlsx(wb, _modified(wb, Path(source)))


def _summary(
    wb: Workbook, source: Path, problems: list[dict[str, Any]], links: list[str | None],
    return_to: str | None = None,
) -> None:
    if SUMMARY_SHEET in wb.sheetnames:  # left from an earlier round of feedback
        wb.remove(wb[SUMMARY_SHEET])
    ws = wb.create_sheet(SUMMARY_SHEET, 0)
    ws.sheet_properties.tabColor = "FFC00000"
    title = set_text(ws.cell(row=1, column=1), f"Uwagi do poprawy — {source.name}")
    title.font = Font(name=XLSX_FONT, bold=True, size=14)
    note = set_text(
        ws.cell(row=2, column=1),
        "Komórki z błędami są zaznaczone na czerwono, a z ostrzeżeniami na pomarańczowo; w każdej jest "
        "komentarz z opisem problemu. Kliknij adres w kolumnie „Komórka”, aby przejść do niej. "
        + RETURN_NOTE.format(where=return_to or source.name)
        + (ODS_NOTE.format(name=Path(return_to or source.name).stem) if source.suffix.lower() == ".ods" else ""),
    )
    note.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(HEADERS))
    ws.row_dimensions[2].height = 96
    rows = []
    for number, problem in enumerate(problems, start=1):
        sheet = problem.get("sheet")
        rows.append([
            number, sheet if sheet else "(cały plik)", problem.get("cell"), problem.get("field"),
            problem.get("message"), problem.get("value"), "ostrzeżenie" if _is_warning(problem) else "błąd",
        ])  # fmt: skip
    last = write_table(ws, HEADER_ROW, HEADERS, rows, WIDTHS, wrap={2, 4, 5, 6})
    for r in range(HEADER_ROW + 1, last + 1):
        ws.cell(row=r, column=1).alignment = Alignment(horizontal="center", vertical="top")
    for offset, link in enumerate(links):
        if link is not None:
            cell = ws.cell(row=HEADER_ROW + 1 + offset, column=3)
            cell.hyperlink = Hyperlink(
                ref=cell.coordinate, location=link, tooltip="Przejdź do komórki"
            )
            cell.style = "Hyperlink"
            cell.alignment = Alignment(vertical="top")
    if not problems:
        set_text(ws.cell(row=HEADER_ROW + 1, column=5), "Brak uwag.")
    finish_list_sheet(ws, HEADER_ROW, len(HEADERS), last)
    for sheet in wb.worksheets:
        sheet.sheet_view.tabSelected = sheet is ws
    wb.active = 0


def _modified(wb: Workbook, source: Path) -> datetime:
    stamp = wb.properties.modified or wb.properties.created
    if stamp is None or stamp.year < 1980:
        stamp = datetime.fromtimestamp(int(source.stat().st_mtime))
    return fixed_datetime(stamp)


def _reason(exc: Exception, source: Path) -> str:
    """Why openpyxl could not open the file, in Polish (the exception stays as the cause)."""
    if isinstance(exc, FileNotFoundError):
        return "plik nie istnieje"
    if isinstance(exc, OSError):
        return "nie można odczytać pliku"
    if source.suffix.lower() not in (".xlsx", ".xlsm", ".xltx", ".xltm"):
        return "to nie jest plik .xlsx (np. starszy format .xls)"
    if isinstance(exc, zipfile.BadZipFile):
        return "plik jest uszkodzony albo zabezpieczony hasłem"
    return "plik jest uszkodzony albo ma nieobsługiwaną zawartość"


_CELL_FORMATS = {date: "DD.MM.YYYY", time: "HH:MM"}


def _workbook_from_opendocument(source: Path) -> Workbook:
    """A form saved as .ods, as a plain workbook holding every value at its own cell (hidden
    sheets stay hidden), so the marks land where the messages point; the copy is .xlsx."""
    book = CalamineWorkbook.from_path(str(source))
    wb = Workbook()
    wb.remove(wb.worksheets[0])
    for meta in book.sheets_metadata:
        ws = wb.create_sheet(meta.name)
        if meta.visible != SheetVisibleEnum.Visible:
            ws.sheet_state = "hidden"
        for r, row in enumerate(book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False), start=1):
            for c, value in enumerate(row, start=1):
                if value is None or value == "":
                    continue
                cell = ws.cell(row=r, column=c)
                if isinstance(value, str):
                    set_text(cell, value)
                    continue
                cell.value = int(value) if isinstance(value, float) and value.is_integer() else value
                if isinstance(value, datetime):
                    cell.number_format = "DD.MM.YYYY HH:MM"
                elif type(value) in _CELL_FORMATS:
                    cell.number_format = _CELL_FORMATS[type(value)]
    return wb


def _open(source: Path) -> Workbook:
    try:
        if source.suffix.lower() == ".ods":
            return _workbook_from_opendocument(source)
        return load_workbook(source, rich_text=True, keep_vba=source.suffix.lower() == ".xlsm")
    except Exception as exc:  # openpyxl fails in many ways on damaged or foreign files
        raise FeedbackSourceError(
            f"Nie udało się otworzyć pliku {source.name} do oznaczenia uwag: {_reason(exc, source)}. "
            "Uwagi można przekazać tylko jako listę."
        ) from exc


def build_feedback_workbook(source: Path, problems: list[dict[str, Any]], return_to: str | None = None) -> bytes:
    """The team's workbook with problem cells filled and commented, plus "Uwagi do poprawy".

    ``problems`` have the report's error shape (file, sheet, cell, field, message, value) and
    may say ``"severity": "warning"``. Problems without a usable sheet and cell are only
    listed. ``return_to`` names where the corrected file goes (the original's path). Raises ``FeedbackSourceError`` if openpyxl cannot open ``source``.
    """
    source = Path(source)
    wb = _open(source)
    _unmark(wb)  # a copy sent back with new mistakes: only this round's marks
    links = [_mark(wb, problem) for problem in problems]
    _summary(wb, source, problems, links, return_to)
    return deterministic_xlsx(wb, _modified(wb, source))


def feedback_copies(problems: Iterable[Problem], sources: dict[str, Path]) -> dict[str, bytes]:
    """For each workbook with errors: its marked copy, ``<form>_uwagi.xlsx`` → bytes.

    ``sources`` maps a problem's ``file`` (as shown) to the workbook read. A workbook that
    cannot be opened gets no copy: its problems are still in the report."""
    by_file: dict[str, list[Problem]] = {}
    for problem in problems:
        if problem.file:
            by_file.setdefault(problem.file, []).append(problem)
    copies = {}
    for display, found in sorted(by_file.items()):
        if display not in sources or not any(p.severity == "error" for p in found):
            continue
        try:
            copies[Path(display).stem + "_uwagi.xlsx"] = build_feedback_workbook(
                sources[display], [p.as_dict() for p in found], return_to=display)
        except Exception:  # openpyxl fails in many ways on damaged or foreign files
            continue
    return copies
