"""The file-system edge: deterministic ZIPs, atomic writes, safe paths, checksums, a run lock.

Everything the pipeline writes goes through here, so that the same input gives byte-identical
output (fixed ZIP times and attributes, normalised .docx metadata) and an interrupted run never
leaves a half-written file or folder behind. Standard library only, apart from lxml (installed
with python-docx) for the .docx core properties.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import io
import os
import re
import shutil
import struct
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from lxml import etree  # installed with python-docx
from openpyxl.cell.cell import Cell
from openpyxl.workbook import Workbook
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.errors import LockedError, UnsafePathError  # raised here; importable from here too

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
ZIP_CREATE_SYSTEM = 3  # Unix, so that external_attr carries the file mode
ZIP_FILE_MODE = 0o644 << 16
ZIP_COMPRESS_LEVEL = 6
CONTENT_TYPES = "[Content_Types].xml"
CORE_PROPERTIES = "docProps/core.xml"
LOCK_FILE_NAME = ".teczka.lock"
_CHUNK = 1 << 20

_NS_CP = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
_NS_DCTERMS = "http://purl.org/dc/terms/"
_NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"


# --- deterministic ZIP ----------------------------------------------------------------------


_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_VERSION = 20  # 2.0: DEFLATE
_MADE_BY = ZIP_CREATE_SYSTEM << 8 | _VERSION


@dataclass(frozen=True, slots=True)
class ZipEntry:
    """One member, compressed and ready to be laid out: name, method, CRC, sizes, data. Made
    once, an entry can go into many archives (the renderer keeps a template's unchanged parts
    this way and never compresses them again)."""

    name: bytes
    method: int
    crc: int
    size: int
    data: bytes

    @classmethod
    def of(cls, name: str, raw: bytes, *, compress: bool = True, level: int = ZIP_COMPRESS_LEVEL) -> ZipEntry:
        if not compress:
            return cls(name.encode("utf-8"), zipfile.ZIP_STORED, zlib.crc32(raw), len(raw), raw)
        compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
        data = compressor.compress(raw) + compressor.flush()
        return cls(name.encode("utf-8"), zipfile.ZIP_DEFLATED, zlib.crc32(raw), len(raw), data)


def _dos_stamp(date_time: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    year, month, day, hour, minute, second = date_time
    return (year - 1980) << 9 | month << 5 | day, hour << 11 | minute << 5 | second // 2


def zip_bytes(entries: Iterable[ZipEntry], *, date_time: tuple[int, int, int, int, int, int] = FIXED_ZIP_TIME) -> bytes:
    """The one deterministic ZIP writer: the bytes depend only on the entries and their order.

    Every member gets the same time, mode (0644) and creator system (Unix), no extra fields and
    no comments; names are UTF-8 (flagged when not ASCII)."""
    dos_date, dos_time = _dos_stamp(date_time)
    chunks: list[bytes] = []
    central: list[bytes] = []
    offset = count = 0
    for entry in entries:
        flags = 0x800 if not entry.name.isascii() else 0
        header = _LOCAL.pack(0x04034B50, _VERSION, flags, entry.method, dos_time, dos_date, entry.crc,
                             len(entry.data), entry.size, len(entry.name), 0)
        chunks += (header, entry.name, entry.data)
        central.append(_CENTRAL.pack(0x02014B50, _MADE_BY, _VERSION, flags, entry.method, dos_time, dos_date,
                                     entry.crc, len(entry.data), entry.size, len(entry.name), 0, 0, 0, 0,
                                     ZIP_FILE_MODE, offset) + entry.name)
        offset += len(header) + len(entry.name) + len(entry.data)
        count += 1
    directory = b"".join(central)
    chunks.append(directory)
    chunks.append(_END.pack(0x06054B50, 0, 0, count, count, len(directory), offset, 0))
    return b"".join(chunks)


def write_zip(
    target: Path | BinaryIO,
    entries: Iterable[tuple[str, bytes]],
    *,
    date_time: tuple[int, int, int, int, int, int] = FIXED_ZIP_TIME,
    compress: bool = True,
) -> None:
    """Write a ZIP whose bytes depend only on the entries (``zip_bytes``): same entries, same
    archive. Entries are stored in the order given, DEFLATE at a fixed level (or STORED); a name
    given twice is an error. A ``Path`` target is written atomically.
    """
    seen: set[str] = set()
    members = []
    for name, data in entries:
        if name in seen:
            raise ValueError(f"Plik „{name}” występuje w archiwum dwukrotnie.")
        seen.add(name)
        members.append(ZipEntry.of(name, data, compress=compress))
    data = zip_bytes(members, date_time=date_time)
    if isinstance(target, Path):
        atomic_write_bytes(target, data)
    else:
        target.write(data)


def normalize_docx(data: bytes, *, modified: datetime) -> bytes:
    """Rewrite a .docx so that identical documents give identical bytes.

    "[Content_Types].xml" comes first, the other parts keep their order; ZIP times are fixed;
    ``dcterms:created`` and ``dcterms:modified`` become ``modified`` (UTC, ISO 8601 with "Z";
    a naive ``modified`` is taken as UTC)
    and ``cp:lastPrinted`` (a run-time timestamp) is removed. Other parts are copied unchanged.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        names = [info.filename for info in source.infolist()]
        parts = {name: source.read(name) for name in names}
    if CONTENT_TYPES in names:
        names.remove(CONTENT_TYPES)
        names.insert(0, CONTENT_TYPES)
    if CORE_PROPERTIES in parts:
        parts[CORE_PROPERTIES] = _normalize_core(parts[CORE_PROPERTIES], modified)
    out = io.BytesIO()
    write_zip(out, ((name, parts[name]) for name in names))
    return out.getvalue()


normalize_ooxml = normalize_docx
"""The same normalisation for any OOXML package (.xlsx workbooks too)."""

XLSX_FONT = "Calibri"  # openpyxl's default; a Font without a name prints in a serif fallback font


# --- workbooks (openpyxl) -------------------------------------------------------------------


def cell_at(ws: Worksheet, row: int, column: int) -> Cell:
    """A cell that can hold a value (inside a merged range only the top-left one can)."""
    cell = ws.cell(row=row, column=column)
    if not isinstance(cell, Cell):
        raise ValueError(f"Komórka {cell.coordinate} należy do scalonego zakresu.")
    return cell


def first_sheet(wb: Workbook) -> Worksheet:
    """The sheet a new workbook opens with."""
    ws = wb.active
    if not isinstance(ws, Worksheet):
        raise ValueError("Skoroszyt nie ma arkusza.")
    return ws


def fit_to_page_width(ws: Worksheet) -> None:
    """Printed pages as wide as the sheet, as many pages down as needed."""
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if ws.sheet_properties.pageSetUpPr is None:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties()
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _normalize_core(xml: bytes, modified: datetime) -> bytes:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.fromstring(xml, parser)
    if modified.tzinfo is not None:
        modified = modified.astimezone(UTC)
    stamp = modified.strftime("%Y-%m-%dT%H:%M:%SZ")
    for local in ("created", "modified"):
        element = root.find(f"{{{_NS_DCTERMS}}}{local}")
        if element is None:
            element = etree.SubElement(root, f"{{{_NS_DCTERMS}}}{local}")
            element.set(f"{{{_NS_XSI}}}type", "dcterms:W3CDTF")
        element.text = stamp
    for element in root.findall(f"{{{_NS_CP}}}lastPrinted"):
        root.remove(element)
    standalone = root.getroottree().docinfo.standalone
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=standalone)


# --- atomic writes --------------------------------------------------------------------------


HALF_WRITTEN = re.compile(r"^\..+\.tmp$")  # what atomic_write_bytes leaves when it is interrupted


def remove_half_written(folder: Path) -> None:
    """Remove the temporary files an interrupted ``atomic_write_bytes`` left in ``folder``."""
    if folder.is_symlink() or not folder.is_dir():
        return
    for path in folder.iterdir():
        if path.is_file() and not path.is_symlink() and HALF_WRITTEN.match(path.name):
            path.unlink(missing_ok=True)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see either the old file or the new one."""
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def atomic_replace_dir(staging: Path, final: Path) -> None:
    """Put a completed ``staging`` folder in place of ``final`` (same file system).

    An existing ``final`` is renamed aside first and removed only after ``staging`` has taken
    its name; if that rename fails, the old folder is put back. ``final`` is therefore always
    either the complete old folder or the complete new one, never a mix.
    """
    staging, final = Path(staging), Path(final)
    if not staging.is_dir():
        raise FileNotFoundError(errno.ENOENT, "Brak katalogu roboczego", str(staging))
    old: Path | None = None
    if final.exists() or final.is_symlink():
        old = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.old-"))
        old.rmdir()  # only the unique name is wanted
        os.rename(final, old)
    try:
        os.rename(staging, final)
    except BaseException:
        if old is not None:
            os.rename(old, final)
        raise
    _fsync_dir(final.parent)
    if old is not None:
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- paths and checksums --------------------------------------------------------------------


def safe_child(root: Path, *parts: str) -> Path:
    """``root`` joined with ``parts``, resolved; raises ``UnsafePathError`` if it leaves root.

    Rejects absolute parts, ``..`` that climbs out and symlinks that point outside root.
    """
    root = Path(root)
    name = "/".join(str(part) for part in parts)

    def unsafe() -> UnsafePathError:
        return UnsafePathError(f"Niedozwolona ścieżka: „{name}” wychodzi poza katalog {root}.")

    if any(os.path.isabs(part) or "\x00" in str(part) for part in parts):
        raise unsafe()
    base = root.resolve(strict=False)
    candidate = root.joinpath(*parts).resolve(strict=False)
    if not candidate.is_relative_to(base):
        raise unsafe()
    return candidate


def is_text_name(name: str) -> bool:
    """Whether a file-system name is valid UTF-8 text (Python decodes other bytes as lone
    surrogates, which cannot be printed, written to JSON or compared with what a user typed)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def text_name(name: str) -> str:
    """A file-system name as printable text: bytes that are not UTF-8 shown as ``\\xff``."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


# A folder or entry that is not there to list: missing, not a folder, or a loop of symbolic links.
_NOT_THERE = frozenset({errno.ENOENT, errno.ENOTDIR, errno.ELOOP})


def folder_entries(folder: Path, keep: Callable[[os.DirEntry[str]], bool]) -> list[Path]:
    """The entries of ``folder`` that ``keep`` accepts, sorted by name; [] when there is no such
    folder. ``keep`` reads the directory entry (``is_dir()``, ``is_file()`` need no stat of their
    own), so a listing asked for on every web request stays cheap. An entry that cannot be looked
    at (a link to nothing, a loop of links) is left out, as ``Path.is_dir()`` leaves it out."""

    def kept(entry: os.DirEntry[str]) -> bool:
        try:
            return keep(entry)
        except OSError as exc:
            if exc.errno in _NOT_THERE:
                return False
            raise

    try:
        with os.scandir(folder) as entries:
            return sorted(folder / entry.name for entry in entries if kept(entry))
    except OSError as exc:
        if exc.errno in _NOT_THERE:
            return []
        raise


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- run lock -------------------------------------------------------------------------------


class RunLock:
    """Exclusive lock on ``<directory>/.teczka.lock`` for the duration of a run.

    Uses ``flock``, so the kernel releases it when the holder exits or dies. If another run
    holds it, waits up to ``wait`` seconds (polling every ``poll`` seconds), then raises
    ``LockedError``. The lock file holds the holder's pid, for information only.
    """

    def __init__(self, directory: Path, *, wait: float = 0.0, poll: float = 0.1) -> None:
        self.directory = Path(directory)
        self.lockfile = self.directory / LOCK_FILE_NAME
        self.wait = wait
        self.poll = poll
        self._fd: int | None = None

    def acquire(self) -> None:
        if self._fd is not None:
            raise RuntimeError("RunLock is already held by this object")
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lockfile, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        deadline = time.monotonic() + max(self.wait, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    pid = _read_pid(fd)
                    os.close(fd)
                    raise LockedError(self.directory, self.lockfile, pid) from None
                time.sleep(min(self.poll, max(deadline - time.monotonic(), 0.0)) or 0.01)
            except BaseException:
                os.close(fd)
                raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *_: object) -> None:
        self.release()


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None
