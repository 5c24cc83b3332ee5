"""Read filled workbooks into raw values with their cell positions.

The reader never validates meaning: it finds each declared field by its label (so moved rows
and columns still work), cleans what spreadsheets do to text, and remembers the A1 cell of
every value so a validation error can point at it. Files that cannot be read at all raise
``FormFileError`` with one clear Polish message naming the file.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import threading
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from defusedxml import ElementTree
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from pipeline import layout, workbook_scan
from pipeline.errors import FormFileError, Problem, short_value

MAX_FORM_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = workbook_scan.MAX_UNPACKED_BYTES
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")  # C0 and C1 controls
_EXCEL_ESCAPE = re.compile(r"_x000[bB]_")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class FormRead:
    """One workbook read: raw values for the model, and where each came from."""

    form: layout.FormLayout
    path: Path
    display_path: str
    edition_id: str
    data: dict[str, Any] = field(default_factory=dict)
    cells: dict[tuple[str | int, ...], str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def locate(self, loc: tuple[str | int, ...]) -> tuple[str | None, str | None]:
        """Sheet title and A1 cell for a model location such as ``("actions", 3, "end")``."""
        if not loc or not isinstance(loc[0], str):
            return None, None
        try:
            sheet = self.form.sheet(loc[0])
        except StopIteration:
            return None, None
        for length in range(len(loc), 0, -1):
            if (cell := self.cells.get(tuple(loc[:length]))) is not None:
                return sheet.title, cell
        return sheet.title, None

    def problem(self, message: str, loc: tuple[str | int, ...] = (), value: Any = None,
                severity: str = "error") -> Problem:
        sheet_title, cell = self.locate(loc)
        label = None
        if len(loc) >= 2 and isinstance(loc[-1], str):
            try:
                label = self.form.sheet(str(loc[0])).field(loc[-1]).spec.label
            except StopIteration:
                label = None
        if value is not None:  # the value as the team typed it, when the problem is about one cell
            value = self.raw_at(loc, value)
        return Problem(message, file=self.display_path, sheet=sheet_title, cell=cell, field=label,
                       value=short_value(as_typed(value)), severity=severity)  # type: ignore[arg-type]

    def raw_at(self, loc: tuple[str | int, ...], default: Any = None) -> Any:
        """The value read from the cell of a model location, as it was in the workbook."""
        node: Any = self.data
        for key in loc:
            if isinstance(node, dict) and isinstance(key, str) and key in node:
                node = node[key]
            elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
                node = node[key]
            else:
                return default
        return default if isinstance(node, dict | list) else node


def as_typed(value: Any) -> Any:
    """A cell value as the team sees it in the form: 30.09.2020, 9:30, 3 (not 2020-09-30, 3.0)."""
    if isinstance(value, datetime):
        return f"{value:%d.%m.%Y}" if value.time() == time(0, 0) else f"{value:%d.%m.%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, time):
        return f"{value.hour}:{value.minute:02d}"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


NOT_A_FILE = ("to nie jest zwykły plik (to katalog, potok lub urządzenie) — formularzem może być tylko plik .xlsx. "
              "Usuń go z katalogu jednostki albo zmień jego nazwę.")


def is_regular_file(path: Path) -> bool:
    """A regular file (never opened: a named pipe would block the reader forever)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


# Container checks remembered by content: SHA-256 of the file -> the warnings, or the refusal's
# message, written for a stand-in file name that is replaced by the caller's. The checks read
# nothing but the file's bytes, so the same bytes get the same answer: a server checks each
# upload twice (to tell which form it is, then to validate it with the unit's other forms), and
# teams re-send their unchanged workbooks with the one they fixed.
_CHECKED: dict[bytes, tuple[Problem, ...] | str] = {}
_CHECKED_LOCK = threading.Lock()
_CHECKED_MAX = 512
_STAND_IN = "\u2063plik\u2063"  # invisible separators around a word: never a real name


def check_container(path: Path, display: str) -> list[Problem]:
    """Refuse what is not a plain .xlsx before any parser sees it; return warnings."""
    if not is_regular_file(path):
        raise FormFileError(f"{display}: {NOT_A_FILE}")
    size = path.stat().st_size
    if size > MAX_FORM_BYTES:
        raise FormFileError(f"{display}: plik ma {size // 1_048_576} MB — to za dużo jak na formularz (limit 20 MB).")
    digest = hashlib.sha256(path.read_bytes()).digest()
    with _CHECKED_LOCK:
        known = _CHECKED.get(digest)
    if known is None:
        try:
            known = tuple(_check_content(path, _STAND_IN))
        except FormFileError as exc:
            known = exc.message
        with _CHECKED_LOCK:
            if len(_CHECKED) >= _CHECKED_MAX:
                del _CHECKED[next(iter(_CHECKED))]  # the oldest
            _CHECKED[digest] = known
    if isinstance(known, str):
        raise FormFileError(known.replace(_STAND_IN, display))
    return [replace(p, message=p.message.replace(_STAND_IN, display),
                    file=display if p.file == _STAND_IN else p.file) for p in known]


def _check_content(path: Path, display: str) -> list[Problem]:
    with path.open("rb") as handle:
        head = handle.read(8)
    if head == OLE2_MAGIC:
        raise FormFileError(
            f"{display}: plik jest chroniony hasłem albo zapisany w starym formacie .xls. "
            "Usuń hasło i zapisz go jako skoroszyt programu Excel (.xlsx)."
        )
    if not zipfile.is_zipfile(path):
        raise FormFileError(f"{display}: to nie jest skoroszyt programu Excel (.xlsx) albo plik jest uszkodzony.")
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, EOFError, OSError):
        raise FormFileError(f"{display}: {workbook_scan.DAMAGED}") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise FormFileError(f"{display}: po rozpakowaniu plik miałby {unpacked // 1_048_576} MB — odrzucono go jako podejrzany.")
    if "xl/workbook.bin" in names:
        raise FormFileError(f"{display}: to skoroszyt binarny programu Excel (.xlsb). Zapisz go jako skoroszyt "
                            "programu Excel (.xlsx).")
    if "content.xml" in names and "mimetype" in names:
        content = _unpack_checked(path, display, {"content.xml"})  # damaged or lying members: as for .xlsx
        workbook_scan.scan_opendocument(content.get("content.xml", b""), display)
        return _check_opendocument(path, display, names)
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise FormFileError(f"{display}: skoroszyt zawiera makra. Zapisz go bez makr jako zwykły skoroszyt (.xlsx).")
    if "xl/workbook.xml" not in names:
        raise FormFileError(f"{display}: to nie jest skoroszyt programu Excel (.xlsx) albo plik jest uszkodzony.")
    warnings = _formula_problems(path, display, names)
    if any(name.startswith("xl/externalLinks/") for name in names):
        warnings.append(Problem(
            "Skoroszyt zawiera łącza do innych plików; odczytano ostatnio zapisane wartości. "
            "Najlepiej wpisz wartości bezpośrednio.", file=display, severity="warning"))
    return warnings


ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def _check_opendocument(path: Path, display: str, names: list[str]) -> list[Problem]:
    """A LibreOffice Calc spreadsheet (.ods) is read like a workbook; macros are refused."""
    with zipfile.ZipFile(path) as archive:
        mimetype = archive.read("mimetype").strip()
    if mimetype != ODS_MIMETYPE:
        raise FormFileError(f"{display}: to dokument OpenDocument, ale nie arkusz kalkulacyjny. "
                            "Zapisz formularz jako skoroszyt programu Excel (.xlsx) albo arkusz Calc (.ods).")
    if any(name.startswith(("Basic/", "Scripts/")) for name in names):
        raise FormFileError(f"{display}: arkusz zawiera makra. Zapisz go bez makr jako zwykły arkusz (.ods lub .xlsx).")
    return []


def _formula_problems(path: Path, display: str, names: list[str]) -> list[Problem]:
    """Unpack the archive with its checks, then scan each worksheet once: formula cells with a
    saved result are read (a warning), without one they cannot be read (an error)."""
    try:
        with zipfile.ZipFile(path) as archive:
            titles = _sheet_titles(archive)
    except (zipfile.BadZipFile, ValueError, EOFError, OSError):
        raise FormFileError(f"{display}: {workbook_scan.DAMAGED}") from None
    sheets = set(titles) | {n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")}
    return workbook_scan.scan_sheets(_unpack_checked(path, display, sheets), titles, display)


def _unpack_checked(path: Path, display: str, wanted: Any) -> dict[str, bytes]:
    """Every member unpacked with its checks (workbook_scan.unpacked_members); the ``wanted`` ones returned."""
    try:
        with zipfile.ZipFile(path) as archive:
            return workbook_scan.unpacked_members(archive, path, display, wanted)
    except (zipfile.BadZipFile, ValueError, EOFError, OSError):
        raise FormFileError(f"{display}: {workbook_scan.DAMAGED}") from None


def _sheet_titles(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part name -> sheet title, from the workbook and its relationships."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
          "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError, ValueError, zipfile.BadZipFile, zlib.error, EOFError, OSError):
        return {}  # unreadable: the member check that follows names the file as damaged
    targets = {r.get("Id"): r.get("Target", "").lstrip("/").removeprefix("xl/") for r in rels.findall("p:Relationship", ns)}
    titles = {}
    for sheet in workbook.findall("m:sheets/m:sheet", ns):
        target = targets.get(sheet.get(f"{{{ns['r']}}}id"))
        if target:
            titles[f"xl/{target}"] = sheet.get("name", "")
    return titles


def without_control_characters(value: Any) -> tuple[Any, bool]:
    """Remove XML-illegal control characters (vertical tab becomes a line break)."""
    if not isinstance(value, str):
        return value, False
    text = _EXCEL_ESCAPE.sub("\n", value).replace("\x0b", "\n")
    cleaned = _ILLEGAL_XML.sub("", text)
    return cleaned, cleaned != value


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _normalize_label(text: Any) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().rstrip("*").strip().casefold()


class WorkbookGrid:
    """All sheets of one workbook as rows of Python values (python-calamine)."""

    def __init__(self, path: Path, display: str) -> None:
        try:
            self._book = CalamineWorkbook.from_path(str(path))
            self.sheet_names = list(self._book.sheet_names)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: B036 — calamine's errors, and a Rust panic (a BaseException)
            raise FormFileError(f"{display}: nie udało się odczytać skoroszytu ({exc.__class__.__name__}). "
                                "Otwórz go w Excelu lub Calc i zapisz ponownie jako .xlsx.") from None
        self._display = display

    def rows(self, sheet: str) -> list[list[Any]]:
        try:
            return self._book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: B036 — as above
            raise FormFileError(f"{self._display}: nie udało się odczytać arkusza „{sheet}” ({exc.__class__.__name__}).") from None


def read_stamp(grid: WorkbookGrid, display: str) -> tuple[str, str, str]:
    """(form key, layout version, edition id) from the hidden stamp sheet."""
    if layout.STAMP_SHEET not in grid.sheet_names:
        raise FormFileError(
            f"{display}: to nie jest formularz Teczki JST (brak ukrytego arkusza „{layout.STAMP_SHEET}”). "
            "Użyj pustego formularza z katalogu forms/puste/."
        )
    values = {str(row[0]).strip(): str(row[1]).strip() for row in grid.rows(layout.STAMP_SHEET) if len(row) >= 2 and row[0]}
    if values.get("znacznik") != layout.STAMP_MARK or "formularz" not in values:
        raise FormFileError(f"{display}: arkusz „{layout.STAMP_SHEET}” jest uszkodzony — użyj pustego formularza z forms/puste/.")
    return values["formularz"], values.get("wersja", ""), values.get("edycja", "")


def identify(path: Path, display: str) -> tuple[WorkbookGrid, layout.FormLayout, str, list[Problem]]:
    """Open a workbook, check its container and stamp, and tell which form it is."""
    warnings = check_container(path, display)
    grid = WorkbookGrid(path, display)
    key, version, edition_id = read_stamp(grid, display)
    form = layout.FORMS_BY_KEY.get(key)
    if form is None:
        raise FormFileError(f"{display}: nieznany rodzaj formularza „{key}”.")
    if version != form.version:
        raise FormFileError(
            f"{display}: formularz „{form.title}” jest nieaktualny (wersja {version or 'nieznana'}, "
            f"obecna {form.version}). Przenieś dane do nowego pustego formularza {form.file_name} z forms/puste/."
        )
    return grid, form, edition_id, warnings


def read_form(path: Path, display: str) -> FormRead:
    grid, form, edition_id, warnings = identify(path, display)
    result = FormRead(form=form, path=path, display_path=display, edition_id=edition_id, problems=list(warnings))
    known = {s.title for s in form.sheets} | {layout.INSTRUCTIONS_SHEET, layout.LISTS_SHEET, layout.STAMP_SHEET,
                                              layout.FEEDBACK_SHEET}
    for extra in grid.sheet_names:
        if extra not in known:
            result.problems.append(Problem(f"Arkusz „{extra}” nie należy do formularza — pominięto go.",
                                           file=display, sheet=extra, severity="warning"))
    for sheet in form.sheets:
        if sheet.title not in grid.sheet_names:
            result.problems.append(Problem(
                f"Brak arkusza „{sheet.title}”. Nie zmieniaj nazw arkuszy formularza.", file=display, sheet=sheet.title))
            continue
        rows = grid.rows(sheet.title)
        if sheet.kind == "record":
            _read_record(result, sheet, rows)
        else:
            _read_table(result, sheet, rows)
    return result


def _value(result: FormRead, sheet: layout.SheetLayout, row: list[Any], col: int, cell: str, label: str) -> Any:
    value = row[col] if col < len(row) else None
    value, changed = without_control_characters(value)
    if changed:
        result.problems.append(Problem(
            "Usunięto znaki sterujące niedozwolone w dokumentach (pionowy tabulator zamieniono na nowy wiersz).",
            file=result.display_path, sheet=sheet.title, cell=cell, field=label, value=short_value(value),
            severity="warning"))
    return None if _is_empty(value) else value


def _read_record(result: FormRead, sheet: layout.SheetLayout, rows: list[list[Any]]) -> None:
    by_label = {_normalize_label(f.spec.label): f for f in sheet.fields}
    values: dict[str, Any] = {}
    for index in range(layout.FIRST_DATA_ROW - 1, len(rows)):
        row = rows[index]
        label = row[layout.RECORD_LABEL - 1] if len(row) >= layout.RECORD_LABEL else None
        if _is_empty(label):
            continue
        excel_row = index + 1
        found = by_label.get(_normalize_label(label))
        cell = f"{layout.RECORD_VALUE_COLUMN}{excel_row}"
        if found is None:
            if len(row) >= layout.RECORD_VALUE and not _is_empty(row[layout.RECORD_VALUE - 1]):
                result.problems.append(Problem(f"Nieznane pole „{label}” — formularz go nie przewiduje.",
                                               file=result.display_path, sheet=sheet.title,
                                               cell=f"{layout.RECORD_LABEL_COLUMN}{excel_row}"))
            continue
        result.cells[(sheet.attr, found.name)] = cell
        value = _value(result, sheet, row, layout.RECORD_VALUE - 1, cell, found.spec.label)
        if value is not None:
            values[found.name] = value
    for f in sheet.fields:
        result.cells.setdefault((sheet.attr, f.name), f"{layout.RECORD_VALUE_COLUMN}{sheet.row_of(f.name)}")
    result.cells[(sheet.attr,)] = f"{layout.RECORD_VALUE_COLUMN}{layout.FIRST_DATA_ROW}"
    if values or not sheet.optional:
        result.data[sheet.attr] = values


def _read_table(result: FormRead, sheet: layout.SheetLayout, rows: list[list[Any]]) -> None:
    by_label = {_normalize_label(f.spec.label): f for f in sheet.fields}
    header = rows[layout.HEADER_ROW - 1] if len(rows) >= layout.HEADER_ROW else []
    columns: dict[int, layout.FieldLayout] = {}
    for col, text in enumerate(header):
        if _is_empty(text):
            continue
        found = by_label.get(_normalize_label(text))
        if found is None:
            result.problems.append(Problem(f"Nieznana kolumna „{text}” — formularz jej nie przewiduje.",
                                           file=result.display_path, sheet=sheet.title,
                                           cell=f"{get_column_letter(col + 1)}{layout.HEADER_ROW}"))
        else:
            columns[col] = found
    letters = {f.name: get_column_letter(col + 1) for col, f in columns.items()}
    for f in sheet.fields:
        if f.name not in letters:
            result.problems.append(Problem(f"Brak kolumny „{f.spec.label}”. Nie usuwaj kolumn formularza.",
                                           file=result.display_path, sheet=sheet.title))
    items: list[dict[str, Any]] = []
    result.cells[(sheet.attr,)] = f"A{layout.FIRST_DATA_ROW}"
    for index in range(layout.FIRST_DATA_ROW - 1, len(rows)):
        row = rows[index]
        excel_row = index + 1
        item: dict[str, Any] = {}
        for col, f in columns.items():
            cell = f"{letters[f.name]}{excel_row}"
            value = _value(result, sheet, row, col, cell, f.spec.label)
            if value is not None:
                item[f.name] = value
        if not item:
            continue
        position = len(items)
        items.append(item)
        result.cells[(sheet.attr, position)] = f"A{excel_row}"
        for f in sheet.fields:
            result.cells[(sheet.attr, position, f.name)] = f"{letters.get(f.name, 'A')}{excel_row}"
    result.data[sheet.attr] = items
