"""Tests for pipeline.files: deterministic ZIPs and .docx, atomic writes, safe paths, run lock."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import docx
import pytest
from lxml import etree

from pipeline.files import (
    FIXED_ZIP_TIME,
    LockedError,
    RunLock,
    UnsafePathError,
    atomic_replace_dir,
    atomic_write_bytes,
    folder_entries,
    normalize_docx,
    safe_child,
    sha256_bytes,
    sha256_file,
    write_zip,
)

ENTRIES = [("b.txt", b"bravo" * 100), ("a/ż.txt", "żółć".encode()), ("empty", b"")]
REPO = Path(__file__).resolve().parents[1]


def _zip_bytes(entries, **kwargs) -> bytes:
    out = io.BytesIO()
    write_zip(out, entries, **kwargs)
    return out.getvalue()


# --- write_zip ------------------------------------------------------------------------------


def test_write_zip_is_byte_identical_across_time():
    first = _zip_bytes(ENTRIES)
    time.sleep(1.1)  # ZIP times have a 2-second resolution; a real clock would show up here
    assert _zip_bytes(ENTRIES) == first
    assert _zip_bytes(ENTRIES, compress=False) == _zip_bytes(ENTRIES, compress=False)


def test_write_zip_keeps_order_and_fixes_metadata(tmp_path):
    target = tmp_path / "out.zip"
    write_zip(target, ENTRIES)
    with zipfile.ZipFile(target) as archive:
        assert archive.namelist() == [name for name, _ in ENTRIES]
        assert archive.comment == b""
        for info, (_, data) in zip(archive.infolist(), ENTRIES, strict=True):
            assert info.date_time == FIXED_ZIP_TIME
            assert info.external_attr == 0o644 << 16
            assert info.create_system == 3
            assert info.compress_type == zipfile.ZIP_DEFLATED
            assert info.extra == b""
            assert archive.read(info) == data
    assert target.read_bytes() == _zip_bytes(ENTRIES)
    assert [p.name for p in tmp_path.iterdir()] == ["out.zip"]


def test_write_zip_stored_and_duplicate_names():
    with zipfile.ZipFile(io.BytesIO(_zip_bytes(ENTRIES, compress=False))) as archive:
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}
    with pytest.raises(ValueError, match="dwukrotnie"):
        _zip_bytes([("a", b"1"), ("a", b"2")])


# --- normalize_docx -------------------------------------------------------------------------


def _make_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("Zażółć gęślą jaźń")
    document.core_properties.last_printed = datetime.now()
    document.core_properties.modified = datetime.now()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_normalize_docx_is_deterministic_and_opens():
    modified = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    first_raw = _make_docx()
    time.sleep(2.1)
    second_raw = _make_docx()
    assert first_raw != second_raw  # python-docx stamps the clock: that is the point
    first = normalize_docx(first_raw, modified=modified)
    assert normalize_docx(second_raw, modified=modified) == first
    assert normalize_docx(first, modified=modified) == first  # idempotent

    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        names = archive.namelist()
        assert names[0] == "[Content_Types].xml"
        with zipfile.ZipFile(io.BytesIO(first_raw)) as raw:
            raw_names = raw.namelist()
            assert sorted(names) == sorted(raw_names)
            for name in names:  # every part but the core properties is untouched
                if name != "docProps/core.xml":
                    assert archive.read(name) == raw.read(name)
        assert {i.date_time for i in archive.infolist()} == {FIXED_ZIP_TIME}
        core = archive.read("docProps/core.xml")
    assert core.startswith(b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>")
    assert b"lastPrinted" not in core
    root = etree.fromstring(core)
    ns = {"dcterms": "http://purl.org/dc/terms/"}
    assert root.findtext("dcterms:created", namespaces=ns) == "2024-05-06T07:08:09Z"
    assert root.findtext("dcterms:modified", namespaces=ns) == "2024-05-06T07:08:09Z"

    reopened = docx.Document(io.BytesIO(first))
    assert reopened.paragraphs[-1].text == "Zażółć gęślą jaźń"
    assert reopened.core_properties.modified == modified
    assert reopened.core_properties.last_printed is None


def test_normalize_docx_converts_to_utc_and_adds_missing_dates():
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as archive:
        archive.writestr("word/document.xml", b"<w/>")
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr(
            "docProps/core.xml",
            b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            b'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            b"<dc:title>T</dc:title></cp:coreProperties>",
        )
    warsaw = timezone(timedelta(hours=2))
    data = normalize_docx(raw.getvalue(), modified=datetime(2024, 1, 1, 2, 0, tzinfo=warsaw))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == [
            "[Content_Types].xml",
            "word/document.xml",
            "docProps/core.xml",
        ]
        core = archive.read("docProps/core.xml")
    assert core.count(b"2024-01-01T00:00:00Z") == 2
    assert b'xsi:type="dcterms:W3CDTF"' in core
    assert b"<dc:title>T</dc:title>" in core


# --- atomic writes --------------------------------------------------------------------------


def test_atomic_write_bytes_replaces_and_leaves_no_temp(tmp_path):
    target = tmp_path / "plik.pdf"
    atomic_write_bytes(target, b"stare")
    atomic_write_bytes(target, b"nowe")
    assert target.read_bytes() == b"nowe"
    assert [p.name for p in tmp_path.iterdir()] == ["plik.pdf"]
    assert target.stat().st_mode & 0o777 == 0o644


def test_atomic_write_bytes_cleans_up_on_failure(tmp_path):
    (tmp_path / "katalog").mkdir()
    with pytest.raises(OSError):
        atomic_write_bytes(tmp_path / "katalog", b"x")  # cannot replace a directory by a file
    assert [p.name for p in tmp_path.iterdir()] == ["katalog"]


def test_atomic_replace_dir(tmp_path):
    final = tmp_path / "wynik"
    final.mkdir()
    (final / "stary.txt").write_text("stary")
    staging = tmp_path / ".wynik.staging"
    staging.mkdir()
    (staging / "nowy.txt").write_text("nowy")
    atomic_replace_dir(staging, final)
    assert [p.name for p in final.iterdir()] == ["nowy.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["wynik"]

    fresh = tmp_path / ".staging2"
    fresh.mkdir()
    atomic_replace_dir(fresh, tmp_path / "inny")  # no previous folder
    assert (tmp_path / "inny").is_dir() and not fresh.exists()


def test_atomic_replace_dir_restores_old_on_failure(tmp_path):
    final = tmp_path / "wynik"
    final.mkdir()
    (final / "stary.txt").write_text("stary")
    with pytest.raises(FileNotFoundError):
        atomic_replace_dir(tmp_path / "brak", final)
    assert (final / "stary.txt").read_text() == "stary"
    assert [p.name for p in tmp_path.iterdir()] == ["wynik"]


# --- safe_child and checksums ---------------------------------------------------------------


def test_safe_child_accepts_children(tmp_path):
    assert safe_child(tmp_path, "a", "b.pdf") == tmp_path.resolve() / "a" / "b.pdf"
    assert safe_child(tmp_path, "a/../b") == tmp_path.resolve() / "b"


@pytest.mark.parametrize("parts", [("..",), ("a", "..", ".."), ("../x",), ("/etc/passwd",)])
def test_safe_child_rejects_escapes(tmp_path, parts):
    with pytest.raises(UnsafePathError) as info:
        safe_child(tmp_path, *parts)
    assert str(info.value) == (
        f"Niedozwolona ścieżka: „{'/'.join(parts)}” wychodzi poza katalog {tmp_path}."
    )


def test_safe_child_rejects_symlink_outside(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "link").symlink_to(tmp_path)
    (root / "inside").symlink_to(root / "sub")
    with pytest.raises(UnsafePathError, match="wychodzi poza katalog"):
        safe_child(root, "link", "x.txt")
    assert safe_child(root, "inside", "x") == root.resolve() / "sub" / "x"


def test_folder_entries_leave_out_links_to_nothing_and_loops_and_a_missing_folder_is_empty(tmp_path):
    (tmp_path / "b-folder").mkdir()
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "to-nothing").symlink_to(tmp_path / "nothing")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    (tmp_path / "to-folder").symlink_to(tmp_path / "b-folder")
    assert folder_entries(tmp_path, lambda entry: entry.is_dir()) == [tmp_path / "b-folder", tmp_path / "to-folder"]
    assert folder_entries(tmp_path, lambda entry: entry.is_file()) == [tmp_path / "a-file"]
    assert folder_entries(tmp_path / "nothing", lambda entry: True) == []
    assert folder_entries(tmp_path / "a-file", lambda entry: True) == []
    assert folder_entries(tmp_path / "loop", lambda entry: True) == []


def test_sha256(tmp_path):
    data = os.urandom(3 * 1024 * 1024 + 7)
    path = tmp_path / "f"
    path.write_bytes(data)
    assert sha256_file(path) == sha256_bytes(data) == hashlib.sha256(data).hexdigest()


# --- RunLock --------------------------------------------------------------------------------

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from pipeline.files import RunLock
    with RunLock(Path(sys.argv[1])):
        print("held", flush=True)
        time.sleep(60)
    """
)


def _start_holder(directory: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(directory)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_run_lock_refuses_while_held_and_frees_when_holder_dies(tmp_path):
    output = tmp_path / "output"
    holder = _start_holder(output)
    try:
        lockfile = output / ".teczka.lock"
        assert lockfile.read_text().strip() == str(holder.pid)
        started = time.monotonic()
        with pytest.raises(LockedError) as info:
            with RunLock(output, wait=0.5, poll=0.05):
                pass
        assert time.monotonic() - started >= 0.5
        assert str(info.value) == (
            f"Inne uruchomienie teczki zapisuje już do katalogu {output} "
            f"(blokada {lockfile}). Poczekaj, aż się zakończy."
        )
        assert info.value.pid == holder.pid
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with RunLock(output) as lock:  # the kernel released the dead holder's lock
        assert lock.lockfile.read_text().strip() == str(os.getpid())


def test_run_lock_waits_for_release(tmp_path):
    holder = _start_holder(tmp_path)
    try:
        with pytest.raises(LockedError):  # held when the wait starts
            RunLock(tmp_path, wait=0).acquire()
        ending = threading.Timer(0.3, holder.send_signal, (signal.SIGTERM,))  # dies during our wait
        ending.start()
        with RunLock(tmp_path, wait=10, poll=0.05) as lock:
            assert holder.poll() is not None  # acquired only once the holder was gone
            assert lock.lockfile.read_text().strip() == str(os.getpid())
        ending.join()
    finally:
        holder.kill()
        holder.wait()


def test_run_lock_is_reusable_in_process(tmp_path):
    lock = RunLock(tmp_path)
    with lock:
        with pytest.raises(LockedError):
            RunLock(tmp_path).acquire()
    with lock:
        pass
    assert (tmp_path / ".teczka.lock").read_text() == ""
