"""Small openpyxl helpers shared by the coordinator workbook and the feedback copy.

``set_text``/``set_value`` never let user data become a formula, an error code or an
illegal-character crash; ``deterministic_xlsx`` pins document dates and zip timestamps.
"""

from __future__ import annotations

import io
import math
from datetime import date, datetime
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.files import XLSX_FONT, cell_at, fit_to_page_width, normalize_ooxml

MAX_CELL_CHARS = 32767
# Text Excel, LibreOffice or a CSV export might read as a formula or a command.
RISKY_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
DEFAULT_DATE_TIME = (2020, 1, 1, 0, 0, 0)

HEADER_FONT = Font(name=XLSX_FONT, bold=True, size=11)
HEADER_FILL = PatternFill("solid", fgColor="FFDCE6F1")
HEADER_ALIGNMENT = Alignment(vertical="center", wrap_text=True)
TOP_ALIGNMENT = Alignment(vertical="top")
WRAP_ALIGNMENT = Alignment(vertical="top", wrap_text=True)


def cell_text(value: Any) -> str:
    """Text fit for a cell: illegal control characters dropped, cut at Excel's limit."""
    text = value.isoformat() if isinstance(value, date | datetime) else str(value)
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:MAX_CELL_CHARS]


def set_text(cell: Cell, value: Any) -> Cell:
    """Store user data as a literal text cell, never a formula (None leaves the cell empty)."""
    if value is None:
        cell.value = None
        return cell
    text = cell_text(value)
    cell.value = text
    cell.data_type = "s"  # also undoes openpyxl's "=…" -> formula and "#N/A" -> error guesses
    if text.startswith(RISKY_PREFIXES):
        cell.quotePrefix = True  # Excel keeps it text even when someone edits the cell
    return cell


def set_value(cell: Cell, value: Any) -> Cell:
    """Numbers (not booleans) stay numbers; everything else goes through ``set_text``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        cell.value = value
        return cell
    return set_text(cell, value)


def write_table(
    ws: Worksheet,
    top: int,
    headers: list[str],
    rows: list[list[Any]],
    widths: list[float] | None = None,
    wrap: set[int] | None = None,
) -> int:
    """Write a header row at ``top`` and the rows under it; return the last row written."""
    for col, title in enumerate(headers, start=1):
        cell = set_text(cell_at(ws, top, col), title)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = HEADER_ALIGNMENT
    for r, values in enumerate(rows, start=top + 1):
        for col, value in enumerate(values, start=1):
            cell = set_value(cell_at(ws, r, col), value)
            cell.alignment = WRAP_ALIGNMENT if wrap and col in wrap else TOP_ALIGNMENT
    for col, width in enumerate(widths or [], start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    fit_row_height(ws, top, len(headers), set(range(1, len(headers) + 1)), reserve=3)
    for r in range(top + 1, top + len(rows) + 1):
        fit_row_height(ws, r, len(headers), wrap or set())
    return top + len(rows)


def fit_row_height(
    ws: Worksheet, row: int, columns: int, wrapped: set[int], reserve: float = 0
) -> None:
    """Set a row tall enough for its wrapped text (LibreOffice does not re-measure on load)."""
    lines = 1
    for col in wrapped:
        value = ws.cell(row=row, column=col).value
        if value is None:
            continue
        width = ws.column_dimensions[get_column_letter(col)].width or 8.43
        per_line = max(4.0, (width - reserve) * 1.1)
        count = sum(max(1, math.ceil(len(part) / per_line)) for part in str(value).split("\n"))
        lines = max(lines, count)
    if lines > 1:
        ws.row_dimensions[row].height = 15 * lines + 1


def finish_list_sheet(ws: Worksheet, header_row: int, columns: int, last_row: int) -> None:
    """Frozen header, autofilter over the table, header repeated on printed pages."""
    ws.freeze_panes = cell_at(ws, header_row + 1, 1)
    last = get_column_letter(columns)
    ws.auto_filter.ref = f"A{header_row}:{last}{max(last_row, header_row)}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    landscape(ws)


def landscape(ws: Worksheet) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    fit_to_page_width(ws)
    ws.print_options.gridLines = False


def pin_properties(wb: Workbook, when: datetime, title: str | None = None) -> None:
    """Fixed creation/modification dates: openpyxl stamps the current time otherwise."""
    wb.properties.created = when
    wb.properties.modified = when
    wb.properties.creator = "Teczka JST"
    wb.properties.lastModifiedBy = "Teczka JST"
    if title is not None:
        wb.properties.title = title


def deterministic_xlsx(wb: Workbook, when: datetime, title: str | None = None) -> bytes:
    """Save with pinned document properties and zip timestamps: same input, same bytes."""
    pin_properties(wb, when, title)
    buffer = io.BytesIO()
    wb.save(buffer)
    return normalize_ooxml(buffer.getvalue(), modified=when)


def fixed_datetime(value: Any) -> datetime:
    """A datetime from an ISO date/datetime (e.g. the edition start); 2020-01-01 if unusable."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    try:
        return fixed_datetime(datetime.fromisoformat(str(value)))
    except (TypeError, ValueError):
        return datetime(*DEFAULT_DATE_TIME)
