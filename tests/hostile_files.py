"""Damaged and strange files built in code, for the tests of the reader and the build.

Each helper takes a good form (written by ``factories.write_unit``) and spoils it the way a
broken disk, a hostile sender or a careless copy would; no third-party files are needed.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
from pathlib import Path

from openpyxl.utils import get_column_letter

SHEET = "xl/worksheets/sheet1.xml"
_CENTRAL = b"PK\x01\x02"
_LOCAL = b"PK\x03\x04"


def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info.filename) for info in archive.infolist()}


def rezip(path: Path, parts: dict[str, bytes], stored: frozenset[str] = frozenset()) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data, compress_type=zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED)
    path.write_bytes(buffer.getvalue())


def _data_offset(raw: bytes, member: str) -> tuple[int, zipfile.ZipInfo]:
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        info = archive.getinfo(member)
    name_length, extra_length = struct.unpack_from("<HH", raw, info.header_offset + 26)
    return info.header_offset + 30 + name_length + extra_length, info


def with_bad_checksum(path: Path, member: str = SHEET) -> None:
    """The member stored uncompressed, one byte of it changed: only its CRC-32 tells."""
    rezip(path, parts_of(path), stored=frozenset({member}))
    raw = bytearray(path.read_bytes())
    start, info = _data_offset(bytes(raw), member)
    middle = start + info.compress_size // 2
    raw[middle] = ord("x") if raw[middle] != ord("x") else ord("y")
    path.write_bytes(bytes(raw))


def with_corrupt_stream(path: Path, member: str = SHEET) -> None:
    """The member's compressed data overwritten in the middle, as by a bad sector."""
    raw = bytearray(path.read_bytes())
    start, info = _data_offset(bytes(raw), member)
    middle = start + info.compress_size // 2
    raw[middle:middle + 16] = b"\xff" * 16
    path.write_bytes(bytes(raw))


def with_lying_size(path: Path, unpacked_mb: int, member: str = SHEET) -> None:
    """The member padded with ``unpacked_mb`` MB of spaces, but declared as 1 KB (a few MB on disk)."""
    parts = parts_of(path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            if name != member:
                target.writestr(name, data)
                continue
            with target.open(name, "w", force_zip64=False) as entry:
                entry.write(data)
                block = b" " * (1 << 20)
                for _ in range(unpacked_mb):
                    entry.write(block)
    raw = bytearray(buffer.getvalue())
    declared = struct.pack("<I", 1024)
    position = 0
    while (position := raw.find(_CENTRAL, position)) >= 0:  # the central directory's entry
        name_length = struct.unpack_from("<H", raw, position + 28)[0]
        if raw[position + 46:position + 46 + name_length] == member.encode():
            raw[position + 24:position + 28] = declared
        position += 4
    start, info = _data_offset(bytes(raw), member)
    raw[info.header_offset + 22:info.header_offset + 26] = declared  # and the local header's
    path.write_bytes(bytes(raw))


def far_cell(path: Path, reference: str = "ZZ200000", member: str = SHEET) -> None:
    """One filled cell far away: a 1 KB change that asks for a grid of 140 million cells."""
    parts = parts_of(path)
    row = "".join(ch for ch in reference if ch.isdigit())
    parts[member] = parts[member].replace(
        b"</sheetData>",
        f'<row r="{row}"><c r="{reference}" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'.encode())
    rezip(path, parts)


def slow_sheet_xml(sheet: bytes, cells: int) -> tuple[bytes, str]:
    """``cells`` empty self-closing cells (no "</c>" among them), then a filled cell and a
    formula: the pattern that made the old regular-expression scan quadratic (every empty
    cell started a search running to the next "</c>"). About 22 bytes a cell unpacked.
    Returns the sheet's XML and the formula's cell."""
    rows, first = [], 1000
    for start in range(0, cells, 10_000):
        row = first + start // 10_000
        rows.append(f'<row r="{row}">' + "".join(
            f'<c r="{get_column_letter(column + 1)}{row}" s="0"/>' for column in range(min(10_000, cells - start))) + "</row>")
    last = first + len(rows)
    rows.append(f'<row r="{last}"><c r="A{last}"><v>1</v></c><c r="B{last}"><f>1+1</f><v>2</v></c></row>')
    return sheet.replace(b"</sheetData>", "".join(rows).encode() + b"</sheetData>"), f"B{last}"


def slow_formula_sheet(path: Path, cells: int, member: str = SHEET) -> str:
    """The workbook at ``path`` with its sheet made slow (``slow_sheet_xml``); returns the formula's cell."""
    parts = parts_of(path)
    parts[member], formula_cell = slow_sheet_xml(parts[member], cells)
    rezip(path, parts)
    return formula_cell


def named_pipe(path: Path) -> None:
    """A FIFO in place of a form: opening it for reading would wait forever for a writer."""
    path.unlink(missing_ok=True)
    os.mkfifo(path)


def folder_named_like_a_form(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.mkdir()
    (path / "inside.txt").write_text("nie formularz", encoding="utf-8")


def non_utf8_name(path: Path) -> Path:
    """Rename a file or folder so that its name holds a byte that is not UTF-8 (Latin-2 "ł")."""
    raw = os.fsencode(path)
    target = os.fsdecode(raw[: -len(os.fsencode(path.name))] + b"gmina-\xb3" + os.fsencode(path.suffix))
    os.rename(path, target)
    return Path(target)


def repeated_ods(path: Path, rows: int = 20_000, columns: int = 2_000) -> None:
    """A 1 KB .ods: one filled cell repeated ``columns`` times in a row repeated ``rows`` times."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
        '<office:spreadsheet><table:table table:name="Działania">'
        f'<table:table-row table:number-rows-repeated="{rows}"><table:table-cell table:number-columns-repeated='
        f'"{columns}" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>'
        '</table:table></office:spreadsheet></office:body></office:document-content>')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", '<manifest:manifest xmlns:manifest='
                         '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>')
