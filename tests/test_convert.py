"""PDF stage: LibreOffice conversion (pipeline.convert) and reproducible PDF/A (pipeline.pdfpin).

Tests marked ``slow`` run the real LibreOffice; the others use the stand-in programs in
``tests/fake_soffice/`` to inject hangs, crashes and failures quickly.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
import pytest
from docx import Document

from pipeline.convert import (
    ConversionJob,
    ConversionResult,
    ConverterUnavailable,
    PdfConverter,
    find_soffice,
)
from pipeline.pdfpin import pdf_info, pin_pdf

FAKES = Path(__file__).parent / "fake_soffice"
POLISH = "Zażółć gęślą jaźń"
TIMEOUT_REASON = "Przekroczono limit czasu konwersji (1 s) — LibreOffice zatrzymany."
needs_soffice = pytest.mark.slow  # real LibreOffice: installed by `make system-deps`, never skipped


def make_docx(path: Path, title: str, author: str = "Gmina Żółkiewka", marker: str = "") -> Path:
    """A small .docx with Polish text; ``marker`` adds a zip member the fake soffice looks for."""
    document = Document()
    document.add_heading(f"{title}: {POLISH}", level=1)
    document.add_paragraph(f"{POLISH} — ĄĆĘŁŃÓŚŹŻ ąćęłńóśźż. Dokument „{title}”.")
    document.core_properties.title = title
    document.core_properties.author = author
    document.save(path)
    if marker:
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr(marker, "x")
    return path


def ours_running(marker: str) -> list[str]:
    """Command lines of live (non-zombie) processes mentioning ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmdline and state != "Z":
            found.append(cmdline)
    return found


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (not gone, not a zombie)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def assert_dead(pid_file: Path) -> None:
    pids = [int(pid) for pid in pid_file.read_text().split()]
    assert pids, "the fake soffice did not start"
    for pid in pids:
        assert not running(pid), f"process {pid} left running"


# -- fault injection with stand-in programs (fast) --------------------------------------------


def test_hanging_soffice_times_out_and_is_killed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pid_file = tmp_path / "pids"
    monkeypatch.setenv("FAKE_SOFFICE_PIDS", str(pid_file))
    jobs = [ConversionJob(make_docx(tmp_path / f"d{i}.docx", f"D{i}"), tmp_path / f"d{i}.pdf")
            for i in range(3)]
    started = time.monotonic()
    with PdfConverter(workers=2, timeout_per_document=1, soffice=str(FAKES / "hang"),
                      profile_root=tmp_path / "profiles") as converter:
        results = converter.convert(jobs)
    elapsed = time.monotonic() - started
    assert [r.job for r in results] == jobs
    assert all(not r.ok and r.error == TIMEOUT_REASON for r in results)
    assert elapsed < 6  # two workers: 2 + 1 documents, ~1 s each
    assert not any(job.target.exists() for job in jobs)
    assert_dead(pid_file)
    assert ours_running(str(tmp_path)) == []


def test_failing_soffice_reports_exit_code(tmp_path: Path) -> None:
    jobs = [ConversionJob(make_docx(tmp_path / f"d{i}.docx", f"D{i}"), tmp_path / f"d{i}.pdf")
            for i in range(2)]
    with PdfConverter(workers=2, soffice=str(FAKES / "fail"), profile_root=tmp_path) as converter:
        results = converter.convert(jobs)
    assert [(r.ok, r.error) for r in results] == [
        (False, "LibreOffice zakończył pracę z błędem (kod 1).")] * 2


def test_batch_recovers_from_hang_crash_and_skip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One worker, one batch: the hung, crashing and skipped documents fail, the rest succeed."""
    pid_file = tmp_path / "pids"
    monkeypatch.setenv("FAKE_SOFFICE_PIDS", str(pid_file))
    markers = ["", "teczka-test-hang", "", "teczka-test-crash", "teczka-test-skip", ""]
    jobs = [ConversionJob(make_docx(tmp_path / f"plik {i} łąka.docx", f"D{i}", marker=m),
                          tmp_path / "wyniki" / f"plik {i} łąka.pdf")
            for i, m in enumerate(markers)]
    seen: list[ConversionResult] = []
    with PdfConverter(workers=1, timeout_per_document=1, soffice=str(FAKES / "scripted"),
                      profile_root=tmp_path / "profiles") as converter:
        results = converter.convert(jobs, on_done=seen.append)
    assert [r.job for r in results] == jobs
    assert sorted(seen, key=lambda r: jobs.index(r.job)) == results
    assert [r.ok for r in results] == [True, False, True, False, False, True]
    assert results[1].error == TIMEOUT_REASON
    assert results[3].error == "LibreOffice został przerwany sygnałem 11."
    assert "nie utworzył pliku PDF" in (results[4].error or "")
    for result in results:
        assert result.job.target.exists() == result.ok
        if result.ok:
            assert result.job.target.read_bytes().startswith(b"%PDF-")
    assert not list((tmp_path / "wyniki").glob(".*"))  # no temporary leftovers
    assert_dead(pid_file)


def test_interrupt_kills_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C (here raised from on_done) stops at once and leaves no process behind."""
    pid_file = tmp_path / "pids"
    monkeypatch.setenv("FAKE_SOFFICE_PIDS", str(pid_file))
    jobs = [ConversionJob(make_docx(tmp_path / "ok.docx", "OK"), tmp_path / "ok.pdf"),
            ConversionJob(make_docx(tmp_path / "hang.docx", "H", marker="teczka-test-hang"),
                          tmp_path / "hang.pdf")]

    def interrupt(result: ConversionResult) -> None:
        while not pid_file.exists():  # let the other worker get stuck first
            time.sleep(0.01)
        raise KeyboardInterrupt

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt), PdfConverter(
            workers=2, timeout_per_document=60, soffice=str(FAKES / "scripted"),
            profile_root=tmp_path / "profiles") as converter:
        converter.convert(jobs, on_done=interrupt)
    assert time.monotonic() - started < 10
    assert_dead(pid_file)


# An owner keeping LibreOffice warm (resident=True, as the server does) that is killed with
# SIGKILL right after starting an instance, before telling the guard its process group: here
# each profile gets a second, untold copy of its idle instance.
_KILLED_OWNER = """
import subprocess, sys, time
from pathlib import Path
from pipeline.convert import PdfConverter
root, soffice = sys.argv[1], sys.argv[2]
converter = PdfConverter(workers=2, soffice=soffice, profile_root=Path(root), resident=True)
converter.warm()
while True:
    lines = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\\0")[:-1]
        except OSError:
            continue
        if any(arg.startswith(b"-env:UserInstallation=") and root.encode() in arg for arg in args):
            lines.append(args[1:])  # the stand-in is a shell script: drop the shell
    if len(lines) == 2:
        break
    time.sleep(0.02)
for args in lines:
    subprocess.Popen(args, start_new_session=True)
print("ready", flush=True)
time.sleep(600)
"""


def test_a_killed_owner_leaves_no_process_on_any_profile_even_one_the_guard_was_not_told_of(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every profile's processes die, with their children (before, the guard compared a command
    line with its first profile only, so one profile's untold instance outlived the owner)."""
    pid_file = tmp_path / "pids"
    monkeypatch.setenv("FAKE_SOFFICE_PIDS", str(pid_file))
    root = tmp_path / "profiles"
    owner = subprocess.Popen([sys.executable, "-c", _KILLED_OWNER, str(root), str(FAKES / "hang")],
                             stdout=subprocess.PIPE)
    deadline = time.monotonic() + 60
    try:
        assert owner.stdout is not None and owner.stdout.readline() == b"ready\n"
        while len(pid_file.read_text().split()) < 8 and time.monotonic() < deadline:
            time.sleep(0.02)  # 2 idle instances + 2 untold copies, each with its child
        assert len(pid_file.read_text().split()) == 8
    finally:
        owner.kill()
        owner.wait()
    while time.monotonic() < deadline and (ours_running(str(root)) or any(
            running(int(pid)) for pid in pid_file.read_text().split())):
        time.sleep(0.05)
    assert ours_running(str(root)) == []
    assert_dead(pid_file)


def test_bad_sources_fail_before_conversion(tmp_path: Path) -> None:
    junk = tmp_path / "zepsuty.docx"
    junk.write_bytes(os.urandom(4000))
    jobs = [ConversionJob(junk, tmp_path / "a.pdf"), ConversionJob(tmp_path / "brak.docx", tmp_path / "b.pdf")]
    with PdfConverter(soffice=str(FAKES / "fail"), profile_root=tmp_path) as converter:
        results = converter.convert(jobs)
    assert results[0].error == "Plik „zepsuty.docx” jest uszkodzony albo nie jest dokumentem Word (.docx)."
    assert results[1].error == "Nie znaleziono pliku źródłowego „brak.docx”."


def test_missing_soffice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TECZKA_SOFFICE", str(tmp_path / "nie-ma"))
    assert find_soffice() is None
    with pytest.raises(ConverterUnavailable, match="libreoffice-writer-nogui"):
        PdfConverter()
    monkeypatch.delenv("TECZKA_SOFFICE")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_soffice() is None
    with pytest.raises(ConverterUnavailable, match="apt-get install"):
        PdfConverter(soffice="soffice")
    monkeypatch.setenv("TECZKA_SOFFICE", str(FAKES / "fail"))
    assert find_soffice() == str(FAKES / "fail")


# -- pinning without LibreOffice (fast) -------------------------------------------------------


def fake_libreoffice_pdf(path: Path, stamp: str) -> Path:
    """A PDF with the run-dependent parts LibreOffice writes: /ID, /DocChecksum, dates, ICC."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Title"] = POLISH
    pdf.docinfo["/CreationDate"] = f"D:{stamp}Z"
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"
        meta["xmp:CreateDate"] = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[8:10]}:00:00Z"
    icc = bytearray(i % 251 for i in range(200))
    icc[84:100] = bytes(16)
    intent = pikepdf.Dictionary(Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFA1,
                                DestOutputProfile=pdf.make_stream(bytes(icc[:24]) + stamp.encode()[:12]
                                                                  + bytes(icc[36:]), N=3))
    pdf.Root.OutputIntents = pikepdf.Array([intent])
    pdf.trailer.DocChecksum = pikepdf.Name("/" + stamp)
    pdf.save(path)
    return path


def test_pin_pdf_is_deterministic_without_libreoffice(tmp_path: Path) -> None:
    when = datetime(2025, 3, 1, 13, 30, 15, tzinfo=UTC)
    first = fake_libreoffice_pdf(tmp_path / "a.pdf", "20250101101010")
    second = fake_libreoffice_pdf(tmp_path / "b.pdf", "20260202202020")
    for path in (first, second):
        pin_pdf(path, timestamp=when, seed=b"teczka")
    assert first.read_bytes() == second.read_bytes()
    with pikepdf.open(first) as pdf:
        assert pdf.docinfo["/CreationDate"] == "D:20250301133015Z"
        assert pdf.docinfo["/ModDate"] == "D:20250301133015Z"
        assert "/DocChecksum" not in pdf.trailer
        assert bytes(pdf.trailer.ID[0]) == bytes(pdf.trailer.ID[1]) == hashlib.md5(b"teczka").digest()
        icc = pdf.Root.OutputIntents[0].DestOutputProfile.read_bytes()
        assert icc[24:36] == bytes.fromhex("07e900030001000d001e000f")
        meta = pdf.open_metadata()
        assert meta["xmp:CreateDate"] == meta["xmp:ModifyDate"] == "2025-03-01T13:30:15Z"
    assert pdf_info(first)["pdfa_part"] == "2"


# -- real LibreOffice (slow) ------------------------------------------------------------------


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One run over 6 documents (one with Polish letters and spaces in its name, one corrupt)."""
    root = tmp_path_factory.mktemp("lo")
    sources = [make_docx(root / f"doc{i}.docx", f"Tytuł {i}") for i in range(4)]
    sources.insert(2, make_docx(root / f"{POLISH} – wniosek.docx", "Wniosek ŁÓDŹ", "Wójt Gminy Ząbki"))
    corrupt = root / "uszkodzony.docx"
    with zipfile.ZipFile(corrupt, "w") as archive:  # a zip LibreOffice cannot load
        archive.writestr("[Content_Types].xml", "<nie-xml")
        archive.writestr("word/document.xml", os.urandom(300))
    sources.insert(4, corrupt)
    jobs = [ConversionJob(s, root / "pdf" / f"{s.stem}.pdf") for s in sources]
    with PdfConverter(workers=2, timeout_per_document=60, profile_root=root / "profiles") as converter:
        results = converter.convert(jobs)
    return {"root": root, "jobs": jobs, "results": results,
            "after": ours_running(str(root / "profiles"))}


@pytest.mark.slow
@needs_soffice
def test_batch_converts_in_order_and_reports_corrupt(batch: dict) -> None:
    results, jobs = batch["results"], batch["jobs"]
    assert [r.job for r in results] == jobs
    assert [r.ok for r in results] == [True, True, True, True, False, True]
    assert "LibreOffice" in (results[4].error or "")
    assert batch["after"] == []


@pytest.mark.slow
@needs_soffice
def test_pdfa_fonts_and_metadata(batch: dict) -> None:
    titles = ["Tytuł 0", "Tytuł 1", "Wniosek ŁÓDŹ", "Tytuł 2", None, "Tytuł 3"]
    for result, title in zip(batch["results"], titles, strict=True):
        if title is None:
            continue
        info = pdf_info(result.job.target)
        assert info["pdfa_part"] == "2" and info["pdfa_conformance"] == "B"
        assert info["title"] == title
        assert info["fonts_all_embedded"] and info["pages"] == 1
        fonts = subprocess.run(["pdffonts", str(result.job.target)], capture_output=True,
                               text=True, check=True).stdout.splitlines()[2:]
        assert fonts and all(line.split()[-5] == "yes" for line in fonts)  # "emb" column
    polish = pdf_info(batch["results"][2].job.target)
    assert polish["author"] == "Wójt Gminy Ząbki"
    assert batch["results"][2].job.target.name == f"{POLISH} – wniosek.pdf"


@pytest.mark.slow
@needs_soffice
def test_pinned_pdfs_are_byte_identical_across_runs(batch: dict, tmp_path: Path) -> None:
    first = batch["results"][2].job
    job = ConversionJob(first.source, tmp_path / "again.pdf")
    with PdfConverter(workers=1, profile_root=batch["root"] / "profiles") as converter:
        assert converter.convert([job])[0].ok
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    shutil.copyfile(first.target, a)
    shutil.copyfile(job.target, b)
    assert a.read_bytes() != b.read_bytes()  # /ID and /DocChecksum differ per run
    when = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)
    for path in (a, b):
        pin_pdf(path, timestamp=when, seed=b"JST 1234567 / wniosek")
    assert a.read_bytes() == b.read_bytes()
    subprocess.run(["qpdf", "--check", str(a)], check=True, capture_output=True)
    info = pdf_info(a)
    assert (info["pdfa_part"], info["pdfa_conformance"], info["title"]) == ("2", "B", "Wniosek ŁÓDŹ")


@pytest.mark.slow
@needs_soffice
def test_real_soffice_killed_on_timeout(tmp_path: Path) -> None:
    """A long document under a tiny limit: soffice.bin is killed mid-conversion with oosplash."""
    long_doc = Document()
    for _ in range(3000):
        long_doc.add_paragraph(POLISH * 10)
    long_doc.save(tmp_path / "long.docx")
    jobs = [ConversionJob(tmp_path / "long.docx", tmp_path / "long.pdf")]
    profiles = tmp_path / "profiles"
    seen: set[str] = set()
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen.update(cmd.split()[0].rsplit("/", 1)[-1] for cmd in ours_running(str(profiles)))
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with PdfConverter(workers=1, timeout_per_document=0.5, profile_root=profiles) as converter:
            results = converter.convert(jobs)
            # killed already, before close(): SIGKILL is delivered at once, but a grandchild
            # (soffice.bin under oosplash) may need a moment to leave /proc on a busy machine
            deadline = time.monotonic() + 5
            while ours_running(str(profiles)) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert ours_running(str(profiles)) == []
    finally:
        stop.set()
        watcher.join()
    assert "soffice.bin" in seen  # the real worker process was running when the limit hit
    assert [r.error for r in results] == [
        "Przekroczono limit czasu konwersji (0.5 s) — LibreOffice zatrzymany."]
    assert not jobs[0].target.exists()
