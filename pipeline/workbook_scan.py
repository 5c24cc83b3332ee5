"""A workbook's ZIP container checked before any spreadsheet parser sees it, and its sheets
scanned once, in linear time.

Two things a hostile or damaged .xlsx can do to a reader: make it unpack far more than the
archive declares (memory), or make it work far longer than the file's size suggests (time).
Here every member is decompressed in bounded chunks, its size counted *while* decompressing
and its checksum compared, so a damaged member (bad CRC, a corrupt compressed stream) and a
member larger than declared are refused before python-calamine is given the file. Each
worksheet is then read once with a streaming XML parser: formula cells are located by their
own reference (``r="A8"``), and a sheet whose filled cells span more than ``MAX_SHEET_CELLS``
— python-calamine builds a dense grid of that size — is refused. The work of reading one
file is therefore bounded by ``MAX_UNPACKED_BYTES``, ``MAX_PARSED_ELEMENTS`` and
``MAX_SHEET_CELLS``, and grows linearly with the file up to them.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

from lxml import etree  # installed with python-docx
from openpyxl.utils import column_index_from_string, get_column_letter

from pipeline.errors import FormFileError, Problem
from pipeline.polish import format_number

MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # a form unpacks to well under 1 MB
MAX_SHEET_CELLS = 500_000  # the filled area of one sheet (rows × columns); a form uses a few thousand
MAX_PARSED_ELEMENTS = 300_000  # XML elements parsed in one workbook (~2 s); a form with formulas has ~10 000
_CHUNK = 1 << 16
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, …, file name length, extra field length
_LOCAL_SIGNATURE = b"PK\x03\x04"
_SHEET_NAMESPACES = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                     "http://purl.oclc.org/ooxml/spreadsheetml/main")  # transitional and strict
_REFERENCE = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")

DAMAGED = ("plik jest uszkodzony (część archiwum jest nieczytelna albo większa, niż deklaruje). Jeśli otwiera się "
           "w Excelu lub Calc, zapisz go ponownie jako .xlsx; jeśli nie — użyj kopii zapasowej.")
FORMULA_WITH_RESULT = ("Komórka zawiera formułę; odczytano jej ostatni zapisany wynik. "
                       "Najlepiej wpisz wartość bezpośrednio.")
FORMULA_WITHOUT_RESULT = ("Komórka zawiera formułę bez zapisanego wyniku. Otwórz formularz w Excelu lub Calc "
                          "i zapisz go ponownie albo wpisz wartość bezpośrednio.")


def unpacked_members(archive: zipfile.ZipFile, path: Path, display: str, wanted: Iterable[str]) -> dict[str, bytes]:
    """Decompress every member of the archive (opened from ``path``), checking each as it
    unpacks; return the ``wanted`` ones. Raises ``FormFileError`` for a damaged member, one
    larger than the archive declares, or more than ``MAX_UNPACKED_BYTES`` in all."""
    wanted = set(wanted)
    kept: dict[str, bytes] = {}
    budget = MAX_UNPACKED_BYTES
    try:
        with path.open("rb") as raw:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                parts: list[bytes] | None = [] if info.filename in wanted else None
                budget -= _unpack_member(raw, info, display, budget, parts)
                if parts is not None:
                    kept[info.filename] = b"".join(parts)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, struct.error, OSError):
        raise FormFileError(f"{display}: {DAMAGED}") from None
    return kept


def _unpack_member(raw: io.BufferedReader, info: zipfile.ZipInfo, display: str, budget: int,
                   parts: list[bytes] | None) -> int:
    """Stream one member's data through zlib in bounded pieces; return its unpacked size."""
    if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise FormFileError(f"{display}: {DAMAGED}")  # encrypted, or a method Excel never writes
    raw.seek(info.header_offset)
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(raw.read(_LOCAL_HEADER.size))
    if signature != _LOCAL_SIGNATURE:
        raise FormFileError(f"{display}: {DAMAGED}")
    raw.seek(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if info.compress_type == zipfile.ZIP_DEFLATED else None
    limit = min(info.file_size, budget)
    size, crc, left = 0, 0, info.compress_size
    while left > 0:
        chunk = raw.read(min(_CHUNK, left))
        if not chunk:
            raise FormFileError(f"{display}: {DAMAGED}")  # the archive ends inside this member
        left -= len(chunk)
        while chunk:
            if inflater is None:
                piece, chunk = chunk, b""
            else:
                piece = inflater.decompress(chunk, _CHUNK)  # never more than _CHUNK at once
                chunk = inflater.unconsumed_tail
            size += len(piece)
            if size > limit:
                if size > info.file_size:  # the archive lied about this member: stop at once
                    raise FormFileError(f"{display}: {DAMAGED}")
                raise FormFileError(f"{display}: po rozpakowaniu plik miałby ponad "
                                    f"{MAX_UNPACKED_BYTES // 1_048_576} MB — odrzucono go jako podejrzany.")
            crc = zlib.crc32(piece, crc)
            if parts is not None:
                parts.append(piece)
    if inflater is not None and not inflater.eof:
        raise FormFileError(f"{display}: {DAMAGED}")  # a truncated or corrupt compressed stream
    if size != info.file_size or crc != info.CRC:
        raise FormFileError(f"{display}: {DAMAGED}")
    return size


def scan_sheets(sheets: dict[str, bytes], titles: dict[str, str], display: str) -> list[Problem]:
    """A problem at each formula cell of the worksheets, located by the cell's own reference.
    Raises ``FormFileError`` when the sheets have more than ``MAX_PARSED_ELEMENTS`` elements
    to parse or a sheet's filled cells span more than ``MAX_SHEET_CELLS``: the work of reading
    one file is bounded whatever the file holds.

    A plain sheet — every cell with its reference, no formula, no comment, entity or DTD that
    could hide one — is measured without parsing (substring searches and one linear regular
    expression); anything else is read by a streaming parser."""
    budget = _Budget(MAX_PARSED_ELEMENTS)
    problems: list[Problem] = []
    for name, data in sheets.items():
        if _plain_extent(data) > MAX_SHEET_CELLS:
            problems += _parse_sheet(data, display, titles.get(name), budget)
    return problems


class _Budget:
    def __init__(self, elements: int) -> None:
        self.left = elements


_CELL_OPENINGS = tuple(b"<c" + end for end in (b" ", b">", b"/", b"\t", b"\n", b"\r"))
# A formula, a DTD, comment or CDATA, or a namespace prefix on a cell or formula: the parser
# reads such a sheet (one pattern anchored at "<": a few times faster than separate searches).
_NOT_PLAIN = re.compile(rb"<(?:f[\s/>]|!|[\w.-]+:[cf][\s/>])")
# Every "r" attribute, however spaced or quoted (python-calamine reads its raw bytes, and of
# two in one cell the last): "r" of a row or a cell, and a few false friends ("error=") too.
_ANY_REFERENCE = re.compile(rb"r\s*=\s*[\"']([A-Za-z]*)([0-9]*)")


def _plain_extent(data: bytes) -> int:
    """An upper bound of the rows × columns a plain sheet's cells can span: the largest row and
    the largest column named by any "r" attribute in it. More than ``MAX_SHEET_CELLS`` when the
    sheet is not plain and must be parsed. Substring counts and two regular expressions anchored
    at a literal: linear, and cheaper than python-calamine's own read of the sheet."""
    if _NOT_PLAIN.search(data) or data.count(b"<?") > 1:
        return MAX_SHEET_CELLS + 1
    if data.count(b'<c r="') != sum(data.count(opening) for opening in _CELL_OPENINGS):
        return MAX_SHEET_CELLS + 1  # a cell whose first attribute is not its reference: parse it
    references = _ANY_REFERENCE.findall(data)
    # "error=\"Wpisz", "operator=\"between": python-calamine refuses such a reference anyway
    letters = {found for found, _ in references if found.isupper()}
    digits = {found for _, found in references}
    if any(len(found) > 3 for found in letters) or any(len(found) > 7 for found in digits):
        return MAX_SHEET_CELLS + 1
    rows = max((int(found) for found in digits if found), default=0)
    columns = max((column_index_from_string(found.decode()) for found in letters), default=0)
    return rows * columns


def _parse_sheet(data: bytes, display: str, title: str | None, budget: _Budget) -> list[Problem]:
    """The whole sheet through a streaming parser that builds no tree (memory stays flat)."""
    scan = _SheetScan(display, title, budget)
    _stream(scan, data, display)
    return scan.problems


def _stream(target: object, data: bytes, display: str) -> None:
    """Feed ``data`` in pieces to a streaming parser calling ``target`` (no tree, no entities,
    no network); XML that does not parse is the file's "damaged" error."""
    parser = etree.XMLParser(target=target, resolve_entities=False, no_network=True, huge_tree=False,
                             load_dtd=False)
    try:
        for start in range(0, len(data), _CHUNK):
            parser.feed(data[start:start + _CHUNK])
        parser.close()
    except etree.XMLSyntaxError:
        raise FormFileError(f"{display}: {DAMAGED}") from None


def _tags(local: str) -> frozenset[str]:
    return frozenset(f"{{{namespace}}}{local}" for namespace in _SHEET_NAMESPACES)


_ROW, _CELL, _FORMULA, _VALUE, _INLINE = (_tags(local) for local in ("row", "c", "f", "v", "is"))


class _SheetScan:
    """Parser target (lxml calls start, end and data as it reads): where the filled cells
    reach, and which cells hold formulas."""

    def __init__(self, display: str, title: str | None, budget: _Budget) -> None:
        self.display, self.title, self.budget = display, title, budget
        self.problems: list[Problem] = []
        self.row = self.column = self.last_row = self.last_column = 0
        self.in_cell = self.filled = self.formula = self.cached = self.in_value = False

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        self.budget.left -= 1
        if self.budget.left < 0:
            raise self._too_large(MAX_PARSED_ELEMENTS)
        if tag in _CELL:
            reference = _REFERENCE.fullmatch(attributes.get("r") or "")
            if reference:  # the cell's own reference; counting is only for cells without one
                self.column, self.row = column_index_from_string(reference[1]), int(reference[2])
            else:
                self.column += 1
            self.in_cell, self.filled, self.formula, self.cached = True, False, False, False
        elif tag in _ROW:
            number = attributes.get("r") or ""
            self.row = int(number) if number.isascii() and number.isdigit() and len(number) <= 7 else self.row + 1
            self.column = 0
        elif self.in_cell:
            self.filled = True
            if tag in _FORMULA:
                self.formula = True
            elif tag in _VALUE:
                self.in_value = True
            elif tag in _INLINE:
                self.cached = True

    def data(self, text: str) -> None:
        if self.in_value and text.strip():
            self.cached = True

    def end(self, tag: str) -> None:
        if tag in _VALUE:
            self.in_value = False
        elif tag in _CELL:
            self.in_cell = False
            if self.filled:  # python-calamine will place it in its grid
                self.last_row, self.last_column = max(self.last_row, self.row), max(self.last_column, self.column)
                if self.last_row * self.last_column > MAX_SHEET_CELLS:
                    raise self._too_large(MAX_SHEET_CELLS)
            if self.formula:
                self.problems.append(Problem(
                    FORMULA_WITH_RESULT if self.cached else FORMULA_WITHOUT_RESULT, file=self.display,
                    sheet=self.title, cell=f"{get_column_letter(max(self.column, 1))}{self.row}",
                    severity="warning" if self.cached else "error"))

    def close(self) -> None:
        return None

    def _too_large(self, limit: int) -> FormFileError:
        return FormFileError(f"{self.display}: arkusz „{self.title or '?'}” jest za duży jak na formularz (ponad "
                             f"{format_number(limit)} komórek) — odrzucono go jako podejrzany. "
                             "Usuń zbędne wiersze i kolumny z końca arkusza.")


# -- OpenDocument (.ods): repeated rows and cells ------------------------------------------------

_ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODS_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_ODS_CELLS = {f"{{{_ODS_TABLE}}}table-cell", f"{{{_ODS_TABLE}}}covered-table-cell"}


def scan_opendocument(content: bytes, display: str) -> None:
    """Refuse an .ods whose filled cells span more than ``MAX_SHEET_CELLS`` in one table: one
    cell repeated 2 000 times in a row repeated 20 000 times is 1 KB on disk, and
    python-calamine would build the 40 million cells. Bounded by ``MAX_PARSED_ELEMENTS``."""
    _stream(_OpenDocumentScan(display, _Budget(MAX_PARSED_ELEMENTS)), content, display)


class _OpenDocumentScan(_SheetScan):
    """Parser target over content.xml: the filled extent of each table, repeats counted."""

    def __init__(self, display: str, budget: _Budget) -> None:
        super().__init__(display, None, budget)
        self.rows_repeated = 1
        self.row_filled = False

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        self.budget.left -= 1
        if self.budget.left < 0:
            raise self._too_large(MAX_PARSED_ELEMENTS)
        if tag == f"{{{_ODS_TABLE}}}table":
            self.title, self.row, self.last_row, self.last_column = attributes.get(f"{{{_ODS_TABLE}}}name"), 0, 0, 0
        elif tag == f"{{{_ODS_TABLE}}}table-row":
            self.rows_repeated = _repeat(attributes.get(f"{{{_ODS_TABLE}}}number-rows-repeated"))
            self.column, self.row_filled = 0, False
        elif tag in _ODS_CELLS:
            repeated = _repeat(attributes.get(f"{{{_ODS_TABLE}}}number-columns-repeated"))
            self.column += repeated
            self.in_cell, self.filled = True, f"{{{_ODS_OFFICE}}}value-type" in attributes
        elif self.in_cell:
            self.filled = True  # text or an annotation inside the cell

    def data(self, text: str) -> None:
        return None

    def end(self, tag: str) -> None:
        if tag in _ODS_CELLS:
            self.in_cell = False
            if self.filled:
                self.row_filled, self.last_column = True, max(self.last_column, self.column)
        elif tag == f"{{{_ODS_TABLE}}}table-row":
            self.row += self.rows_repeated
            if self.row_filled:
                self.last_row = self.row
                if self.last_row * self.last_column > MAX_SHEET_CELLS:
                    raise self._too_large(MAX_SHEET_CELLS)


def _repeat(text: str | None) -> int:
    return int(text) if text and text.isascii() and text.isdigit() and len(text) <= 9 else 1
