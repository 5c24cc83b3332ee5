"""Write workbooks from the layout: blank forms for the JST teams, or forms filled from data.

The same declarations the reader uses decide every label, cell, format, dropdown and help
text here. Filled forms (sample data, synthetic data, tests) go through the same writer, so a
round trip write → read → validate gives back the model.
"""

from __future__ import annotations

import io
from copy import copy
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from pipeline import __version__, layout, rules
from pipeline.edition import Edition
from pipeline.files import XLSX_FONT, first_sheet, fit_to_page_width, normalize_ooxml
from pipeline.polish import count, format_date_numeric

FIXED_TIME = datetime(2020, 1, 1)
INPUT_FILL = PatternFill("solid", fgColor="FFF8DC")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_HEADER_FONT = Font(name=XLSX_FONT, bold=True, color="FFFFFF")
_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_HELP_FONT = Font(name=XLSX_FONT, italic=True, color="595959")
_NUMBER_FORMATS = {"date": "DD.MM.YYYY", "time": "HH:MM", "amount": "#,##0.00", "integer": "0",
                   "text": "@", "long_text": "@"}
_KIND_HINTS = {"date": "data, np. 5.07.2020", "time": "godzina, np. 9:30", "amount": "kwota w zł",
               "integer": "liczba całkowita"}


def build_workbook(form: layout.FormLayout, edition: Edition, values: dict[str, Any] | None = None) -> bytes:
    """The .xlsx bytes of a form: blank when ``values`` is None, else filled from a model dump."""
    book = Workbook()
    _instructions(first_sheet(book), form, edition)
    lists = _lists_sheet(book, edition)
    for sheet in form.sheets:
        ws = book.create_sheet(sheet.title)
        data = (values or {}).get(sheet.attr)
        if sheet.kind == "record":
            _record_sheet(ws, form, sheet, edition, lists, data)
        else:
            _table_sheet(ws, form, sheet, edition, lists, data or [])
    _stamp_sheet(book, form, edition)
    book.properties.creator = "Teczka JST"
    book.properties.title = form.title
    book.properties.created = book.properties.modified = FIXED_TIME
    book.properties.lastModifiedBy = "Teczka JST"
    buffer = io.BytesIO()
    book.save(buffer)
    return normalize_ooxml(buffer.getvalue(), modified=FIXED_TIME)


INSTRUCTION_WIDTH = 88  # the instruction sheet's one column (Excel width units)
INSTRUCTION_LINE = 100  # characters that fit on one printed line of it (measured in LibreOffice)


def _instructions(ws: Worksheet, form: layout.FormLayout, edition: Edition) -> None:
    ws.title = layout.INSTRUCTIONS_SHEET
    ws.column_dimensions["A"].width = INSTRUCTION_WIDTH  # narrower than an A4 portrait page: wrapped lines print whole
    _print_setup(ws, landscape=False)
    lines: list[tuple[str, Font | None]] = [
        (form.title, Font(name=XLSX_FONT, bold=True, size=14)),
        (f"{edition.name}. {edition.organiser}.", Font(name=XLSX_FONT, italic=True)),
        ("", None),
        (form.purpose, None),
        ("", None),
        ("Jak wypełnić formularz", Font(name=XLSX_FONT, bold=True, size=12)),
        ("1. Wpisuj dane tylko w żółte komórki. Pozostałe komórki są chronione.", None),
        ("2. Pola oznaczone gwiazdką (*) są obowiązkowe. Wskazówka do pola pojawia się po kliknięciu komórki.", None),
        ("3. Daty wpisuj jako dzień.miesiąc.rok, np. 5.07.2020; godziny jako gg:mm, np. 9:30.", None),
        ("4. Wartości z listy rozwijanej wybieraj strzałką przy komórce — nie przepisuj ich ręcznie.", None),
        ("5. W dłuższych tekstach nowy akapit zaczynaj klawiszami Alt+Enter.", None),
        ("6. Nie zmieniaj nazw arkuszy ani nagłówków kolumn; nie usuwaj arkuszy. W tabelach jeden wiersz to jedna pozycja.", None),
        ("7. Zapisz plik jako skoroszyt programu Excel (.xlsx) albo arkusz LibreOffice Calc (.ods), bez makr i bez hasła, i przekaż koordynatorowi.", None),
        ("", None),
        ("Arkusze formularza", Font(name=XLSX_FONT, bold=True, size=12)),
    ]
    lines += [(f"• {sheet.title} — {sheet.instruction}", None) for sheet in form.sheets]
    rules_of_edition = edition_rules(form, edition)
    if rules_of_edition:
        lines += [("", None), (f"Zasady edycji ({edition.short_name})", Font(name=XLSX_FONT, bold=True, size=12))]
        lines += [(f"• {line}", None) for line in rules_of_edition]
    lines += [("", None), (f"Okres edycji: od {edition.start:%d.%m.%Y} do {edition.end:%d.%m.%Y}. "
                           f"Formularz: {form.file_name}, wersja {form.version}.", _HELP_FONT)]
    for row, (text, font) in enumerate(lines, start=1):
        cell = ws.cell(row=row, column=1, value=text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if font:
            cell.font = font
        if len(text) > INSTRUCTION_LINE:  # LibreOffice does not grow a wrapped row by itself
            ws.row_dimensions[row].height = 15 * -(-len(text) // INSTRUCTION_LINE)
    ws.protection.sheet = True


def _rows_text(fewest: int, most: int) -> str:
    if fewest == most:
        return f"dokładnie {count(most, 'osoba', 'osoby', 'osób')}"
    return f"od {fewest} do {most} osób"


def _window_text(window: tuple[date, date]) -> str:
    return f"od {format_date_numeric(window[0])} do {format_date_numeric(window[1])}"


def sheet_limit(form: layout.FormLayout, sheet: layout.SheetLayout, edition: Edition) -> str | None:
    """The edition's limit on a table's rows, as the form says it ("od 2 do 4 osób"), if any."""
    limit = rules.row_limits(edition).get((form.key, sheet.attr))
    if limit is None:
        return None
    text = _rows_text(*limit)
    if (form.key, sheet.attr) == ("card", "advisers"):
        text += " — po jednej w każdej roli: " + ", ".join(role.label for role in edition.adviser_roles)
    return text


def edition_rules(form: layout.FormLayout, edition: Edition) -> list[str]:
    """The limits a team could break without knowing it, as the instruction sheet lists them."""
    lines = []
    for sheet in form.sheets:
        if limit := sheet_limit(form, sheet, edition):
            lines.append(f"{sheet.title}: {limit}.")
        for f in sheet.fields:
            if window := rules.date_window(form.key, sheet.attr, f.name, edition):
                lines.append(f"{f.spec.label} (arkusz {sheet.title}): {_window_text(window)}.")
    return lines


def _prompt(form: layout.FormLayout, sheet: layout.SheetLayout, f: layout.FieldLayout, edition: Edition) -> str:
    """The input message shown when the cell is selected: help, obligation and the edition's limits."""
    parts = [f.spec.help or _KIND_HINTS.get(f.kind, "")]
    if window := rules.date_window(form.key, sheet.attr, f.name, edition):
        parts.append(f"Data {_window_text(window)}.")
    if sheet.kind == "table" and f.name == sheet.fields[0].name and (limit := sheet_limit(form, sheet, edition)):
        parts.append(f"W tabeli {limit}.")
    if f.required:
        parts.append("Pole obowiązkowe.")
    return " ".join(part for part in parts if part)[:255]


def _lists_sheet(book: Workbook, edition: Edition) -> dict[str, str]:
    """Dropdown vocabularies on a hidden sheet; returns list name -> range formula."""
    ws = book.create_sheet(layout.LISTS_SHEET)
    ranges = {}
    names = sorted({f.spec.choices for form in layout.FORMS for s in form.sheets for f in s.fields if f.spec.choices})
    for column, name in enumerate(names, start=1):
        values = edition.choices(name)
        letter = get_column_letter(column)
        ws.cell(row=1, column=column, value=name)
        for row, value in enumerate(values, start=2):
            ws.cell(row=row, column=column, value=value).data_type = "s"
        ranges[name] = f"'{layout.LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}"
    ws.sheet_state = "hidden"
    ws.protection.sheet = True
    return ranges


def _stamp_sheet(book: Workbook, form: layout.FormLayout, edition: Edition) -> None:
    ws = book.create_sheet(layout.STAMP_SHEET)
    for row, (key, value) in enumerate([("znacznik", layout.STAMP_MARK), ("formularz", form.key),
                                        ("wersja", form.version), ("edycja", edition.id),
                                        ("program", f"Teczka JST {__version__}")], start=1):
        ws.cell(row=row, column=1, value=key)
        ws.cell(row=row, column=2, value=value).data_type = "s"
    ws.sheet_state = "hidden"
    ws.protection.sheet = True


def _print_setup(ws: Worksheet, landscape: bool = True) -> None:
    """A4, fitted to the page width, so a printed or PDF form shows whole rows."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    fit_to_page_width(ws)


def _heading(ws: Worksheet, form: layout.FormLayout, sheet: layout.SheetLayout, edition: Edition) -> None:
    _print_setup(ws)
    ws.cell(row=layout.TITLE_ROW, column=1, value=f"{form.title} — {sheet.title}").font = Font(name=XLSX_FONT, bold=True, size=13)
    limit = sheet_limit(form, sheet, edition)
    text = f"{sheet.instruction} W edycji {edition.short_name}: {limit}." if limit else sheet.instruction
    ws.cell(row=layout.INSTRUCTION_ROW, column=1, value=text).font = _HELP_FONT


def _excel_day(day: date) -> str:
    return str((day - date(1899, 12, 30)).days)


def _validation(ws: Worksheet, form: layout.FormLayout, sheet: layout.SheetLayout, f: layout.FieldLayout,
                edition: Edition, lists: dict[str, str], target: str) -> None:
    prompt = _prompt(form, sheet, f, edition)
    window = rules.date_window(form.key, sheet.attr, f.name, edition)
    if f.spec.choices:
        dv = DataValidation(type="list", formula1=lists[f.spec.choices], allow_blank=True)
        dv.error, dv.errorTitle = "Wybierz wartość z listy rozwijanej.", "Wartość spoza listy"
    elif f.kind == "date" and window:
        dv = DataValidation(type="date", operator="between", formula1=_excel_day(window[0]),
                            formula2=_excel_day(window[1]), allow_blank=True)
        dv.errorStyle, dv.error = "warning", f"Data powinna przypadać {_window_text(window)}. Wpisz ją jako dzień.miesiąc.rok."
    elif f.kind == "date":
        dv = DataValidation(type="date", operator="between", formula1="36526", formula2="73051", allow_blank=True)
        dv.errorStyle, dv.error = "warning", "Wpisz datę jako dzień.miesiąc.rok, np. 5.07.2020."
    elif f.kind == "time":
        dv = DataValidation(type="time", operator="between", formula1="0", formula2="0.999305555555556", allow_blank=True)
        dv.errorStyle, dv.error = "warning", "Wpisz godzinę jako gg:mm, np. 9:30."
    elif f.kind == "integer":
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="1", allow_blank=True)
        dv.errorStyle, dv.error = "warning", "Wpisz liczbę całkowitą."
    elif f.kind == "amount":
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
        dv.errorStyle, dv.error = "warning", "Wpisz kwotę w złotych, np. 1500,00."
    else:
        dv = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="32767", allow_blank=True)
    dv.promptTitle = f.spec.label[:32]
    dv.prompt = prompt
    dv.showInputMessage = bool(prompt)
    dv.showErrorMessage = True
    ws.add_data_validation(dv)
    dv.add(target)


def _input_cell(ws: Worksheet, row: int, column: int, f: layout.FieldLayout, value: Any,
                like: Cell | MergedCell | None = None) -> Cell | MergedCell:
    """A cell the team types into; ``like``: a cell of the same field already styled, whose
    style is copied as it is (openpyxl hashes every style object on each assignment, which
    made styling a table's thousands of input cells most of the time a form took)."""
    cell = ws.cell(row=row, column=column)
    if value is not None:
        cell.value = _cell_value(value)
        if isinstance(cell.value, str):
            cell.data_type = "s"  # never a formula, whatever the text starts with
    if like is not None:
        cell._style = copy(like._style)  # type: ignore[union-attr]  # the stubs omit the style array
        return cell
    cell.number_format = _NUMBER_FORMATS[f.kind]
    cell.protection = Protection(locked=False)
    cell.fill = INPUT_FILL
    cell.border = _BORDER
    cell.alignment = _WRAP_TOP
    return cell


def _cell_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (date, time, datetime, int, float, str)):
        return value
    return str(value)


def _label(f: layout.FieldLayout) -> str:
    return f.spec.label + (" *" if f.required else "")


def _record_sheet(ws: Worksheet, form: layout.FormLayout, sheet: layout.SheetLayout, edition: Edition,
                  lists: dict[str, str], data: dict[str, Any] | None) -> None:
    _heading(ws, form, sheet, edition)
    for column, text in ((layout.RECORD_LABEL, "Pole"), (layout.RECORD_VALUE, "Wartość"),
                         (layout.RECORD_HELP, "Wskazówka")):
        cell = ws.cell(row=layout.HEADER_ROW, column=column, value=text)
        cell.font, cell.fill, cell.border = _HEADER_FONT, HEADER_FILL, _BORDER
    widest = max(f.spec.width for f in sheet.fields)
    ws.column_dimensions[layout.RECORD_LABEL_COLUMN].width = 44
    ws.column_dimensions[layout.RECORD_VALUE_COLUMN].width = max(40, min(widest, 70))
    ws.column_dimensions[layout.RECORD_HELP_COLUMN].width = 60
    for f in sheet.fields:
        row = sheet.row_of(f.name)
        label = ws.cell(row=row, column=layout.RECORD_LABEL, value=_label(f))
        label.font, label.alignment, label.border = Font(name=XLSX_FONT, bold=f.required), _WRAP_TOP, _BORDER
        _input_cell(ws, row, layout.RECORD_VALUE, f, (data or {}).get(f.name))
        _validation(ws, form, sheet, f, edition, lists, sheet.cell_of(f.name))
        help_cell = ws.cell(row=row, column=layout.RECORD_HELP, value=f.spec.help or _KIND_HINTS.get(f.kind, ""))
        help_cell.font, help_cell.alignment = _HELP_FONT, _WRAP_TOP
        help_lines = -(-len(str(help_cell.value or "")) // 55)
        ws.row_dimensions[row].height = 75 if f.kind == "long_text" else max(20, 15 * help_lines)
    ws.freeze_panes = f"A{layout.FIRST_DATA_ROW}"
    ws.protection.sheet = True
    ws.protection.formatColumns = ws.protection.formatRows = False


def _table_sheet(ws: Worksheet, form: layout.FormLayout, sheet: layout.SheetLayout, edition: Edition,
                 lists: dict[str, str], items: list[dict[str, Any]]) -> None:
    _heading(ws, form, sheet, edition)
    limit = rules.row_limits(edition).get((form.key, sheet.attr))
    rows = max(limit[1], len(items)) if limit else max(sheet.rows, len(items) + 5)  # as many rows as allowed
    last_row = layout.FIRST_DATA_ROW + rows - 1
    for column, f in enumerate(sheet.fields, start=1):
        letter = get_column_letter(column)
        header = ws.cell(row=layout.HEADER_ROW, column=column, value=_label(f))
        header.font, header.fill, header.border = _HEADER_FONT, HEADER_FILL, _BORDER
        header.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        if f.spec.help:
            header.comment = Comment(f.spec.help, "Teczka JST", width=260, height=90)
        ws.column_dimensions[letter].width = f.spec.width
        first = None
        for index in range(rows):
            value = items[index].get(f.name) if index < len(items) else None
            styled = _input_cell(ws, layout.FIRST_DATA_ROW + index, column, f, value, like=first)
            first = first or styled
        _validation(ws, form, sheet, f, edition, lists, f"{letter}{layout.FIRST_DATA_ROW}:{letter}{last_row}")
    ws.row_dimensions[layout.HEADER_ROW].height = 45
    ws.print_title_rows = f"{layout.HEADER_ROW}:{layout.HEADER_ROW}"
    ws.freeze_panes = f"B{layout.FIRST_DATA_ROW}"
    ws.protection.sheet = True
    ws.protection.formatColumns = ws.protection.formatRows = False
