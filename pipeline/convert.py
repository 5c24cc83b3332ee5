"""Warm, robust .docx -> PDF/A-2b conversion with LibreOffice.

One ``soffice`` per document costs ~1 s; one ``soffice`` converting a list costs ~0.1 s per
document. ``PdfConverter`` runs ``workers`` such processes side by side, each with its own user
profile (reused across batches), each converting its share of the jobs in batches::

    with PdfConverter(workers=2, profile_root=cache / "lo-profiles") as converter:
        results = converter.convert([ConversionJob(docx, pdf) for docx, pdf in pairs])

Reliability rules:

* A time limit per document, even in a batch: soffice converts in order and writes each PDF
  when done, so when no new PDF or log line appears for ``timeout_per_document`` seconds the
  process group is killed, the document being converted fails and a fresh process goes on.
* After a crash or a silently skipped document, documents without output are retried once,
  each alone; one that fails alone is reported failed, the others go on.
* Sources are copied in as ``0001.docx``, ``0002.docx``, … (Polish letters and spaces in names
  never reach soffice); outputs are checked (``%PDF-`` … ``%%EOF``) and renamed atomically.
* No LibreOffice process is left behind: process groups are killed on close, on exceptions,
  on KeyboardInterrupt and at interpreter exit; stale processes using our profiles are swept;
  and a guard process kills them when we die without a chance to (SIGKILL).
* ``resident=True`` (the server, between builds): each worker keeps one LibreOffice started and
  idle beside its profile; a conversion started on that profile hands its documents to it
  (soffice passes its command line to the running instance of the same profile and waits) and
  skips the start (~3 s on a busy 2-core machine). LibreOffice ends such an instance after the
  handed-over conversion, so a fresh one is started in the background after each ``convert``.
  Idle instances are in the guard's list like any other; a hang kills them with the run.
* A full disk (or any file-system failure) is not one document's failure: ``convert`` raises
  the ``OSError`` and the caller stops the run with a clear message.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import fcntl
import itertools
import math
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import ConverterUnavailable, SetupError
from pipeline.processes import spawn

__all__ = ["PDFA_FILTER", "ConversionJob", "ConversionResult", "ConverterUnavailable",
           "PdfConverter", "find_soffice"]

#: ``--convert-to`` argument giving PDF/A-2b (JSON filter options, LibreOffice >= 7.4).
PDFA_FILTER = ('pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"},'
               '"PDFUACompliance":{"type":"boolean","value":"true"},'
               '"UseTaggedPDF":{"type":"boolean","value":"true"}}')  # PDF/A-2b and PDF/UA-1, tagged
INSTALL_COMMAND = ("apt-get install -y --no-install-recommends "
                   "libreoffice-writer-nogui fonts-liberation2 fonts-crosextra-carlito")
BATCH_SIZE = 50
_POLL_SECONDS = 0.05
_EXIT_GRACE = 10.0  # seconds soffice may linger after writing its last PDF
_FLAGS = ("--headless", "--invisible", "--nologo", "--norestore", "--nolockcheck",
          "--nodefault", "--nofirststartwizard")
_OOXML_SUFFIXES = {".docx", ".docm", ".dotx", ".dotm"}
_LOADED = re.compile(r"^convert .*?[/\\](\d{4})\.\w+ -> ")  # printed once a document loaded
_LOAD_FAILED = "Error: source file could not be loaded"


@dataclass(frozen=True)
class ConversionJob:
    """Convert ``source`` (.docx) into the PDF/A file ``target``."""

    source: Path
    target: Path


@dataclass
class ConversionResult:
    """Outcome of one job; ``error`` is a Polish reason when ``ok`` is false."""

    job: ConversionJob
    ok: bool
    error: str | None = None


class _Cancelled(Exception):
    """The converter is shutting down; workers stop at once."""


def find_soffice() -> str | None:
    """Path of LibreOffice's ``soffice``: ``$TECZKA_SOFFICE`` if set, else a PATH lookup."""
    override = os.environ.get("TECZKA_SOFFICE")
    if override:
        return shutil.which(override)
    return shutil.which("soffice") or shutil.which("libreoffice")


def _unavailable(detail: str) -> ConverterUnavailable:
    return ConverterUnavailable(
        f"{detail} Do tworzenia plików PDF potrzebny jest LibreOffice. Zainstaluj go poleceniem: "
        f"{INSTALL_COMMAND} (albo wskaż program zmienną środowiskową TECZKA_SOFFICE)."
    )


def _source_problem(path: Path) -> str | None:
    """A Polish reason why ``path`` cannot be converted, or None if it looks fine."""
    if not path.is_file():
        return f"Nie znaleziono pliku źródłowego „{path.name}”."
    if path.stat().st_size == 0:
        return f"Plik źródłowy „{path.name}” jest pusty."
    if path.suffix.lower() in _OOXML_SUFFIXES:  # LibreOffice would import junk as plain text
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            names = set()
        if not {"[Content_Types].xml", "word/document.xml"} <= names:
            return f"Plik „{path.name}” jest uszkodzony albo nie jest dokumentem Word (.docx)."
    return None


def _is_complete_pdf(path: Path) -> bool:
    """Non-empty, starts with ``%PDF-`` and has ``%%EOF`` near its end."""
    try:
        with path.open("rb") as handle:
            if handle.read(5) != b"%PDF-":
                return False
            handle.seek(max(0, path.stat().st_size - 1024))
            return b"%%EOF" in handle.read()
    except OSError:
        return False


def _publish(output: Path, target: Path) -> None:
    """Move ``output`` to ``target`` atomically (via a temporary name beside the target)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        shutil.move(output, part)
        os.replace(part, target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


MIN_FREE_BYTES = 1 << 20


def _require_space(*folders: Path) -> None:
    """Raise ENOSPC when a folder's disk is (almost) full: LibreOffice then fails without saying
    why, and the user must read "brak miejsca na dysku", not a conversion error."""
    for folder in folders:
        try:
            info = os.statvfs(folder)
        except OSError:
            continue
        if info.f_bavail * info.f_frsize < MIN_FREE_BYTES:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder))


# The guard: a small process of its own session that outlives us. We tell it, through a pipe,
# each LibreOffice process group we start and end; when the pipe closes — our close(), or our
# death, even by SIGKILL, which no handler of ours would see — it kills the groups still open.
# It also knows our profiles ("p" lines) and, unless we closed cleanly ("c"), kills every process
# using one of them (with its process group, where it leads one: LibreOffice's soffice.bin under
# oosplash) until none has been seen for a few seconds: a LibreOffice we were starting when we
# were killed, before we could tell the guard its group. A command line is read once and then
# compared with every profile (a second read() of the same /proc file would be empty).
_GUARD = """
import os, signal, sys, time
groups, profiles = set(), set()
for line in sys.stdin.buffer:
    sign, rest = line[:1], line[1:].rstrip(b"\\n")
    if sign == b"c":
        profiles.clear()
    elif sign == b"p":
        profiles.add(b"\\0" + rest + b"\\0")
    else:
        (groups.add if sign == b"+" else groups.discard)(int(rest))
for group in groups:
    try:
        os.killpg(group, signal.SIGKILL)
    except OSError:
        pass
quiet = 0
for _ in range(600 if profiles else 0):  # until 5 s pass without one (2 min at most)
    if quiet == 25:
        break
    quiet += 1
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                cmdline = b"\\0" + handle.read()
            if any(needle in cmdline for needle in profiles):
                quiet = 0
                if os.getpgid(int(pid)) == int(pid):
                    os.killpg(int(pid), signal.SIGKILL)
                os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass
    time.sleep(0.2)
"""


def _pids_with_arg(argument: str) -> list[int]:
    """Pids of processes (other than us) having ``argument`` as one of their arguments."""
    needle = b"\0" + argument.encode() + b"\0"
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            with contextlib.suppress(OSError):
                if needle in b"\0" + Path(entry.path, "cmdline").read_bytes():
                    found.append(int(entry.name))
    return found


def _has_exited(pid: int) -> bool:
    """Whether our child ``pid`` has exited, without reaping it (its group id stays ours)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _exit_reason(code: int) -> str:
    if code < 0:
        return f"LibreOffice został przerwany sygnałem {-code}."
    if code > 0:
        return f"LibreOffice zakończył pracę z błędem (kod {code})."
    return "LibreOffice nie utworzył pliku PDF — dokument jest uszkodzony lub nieobsługiwany."


class PdfConverter:
    """A pool of warm LibreOffice workers; use as a context manager (or call ``close()``).

    ``profile_root`` keeps the per-worker user profiles between runs (a fresh profile makes the
    first start slow); profiles are locked, so concurrent converters never share one.
    Without it, profiles live in a temporary folder removed on close.
    """

    def __init__(self, workers: int = 2, timeout_per_document: float = 120,
                 soffice: str | None = None, profile_root: Path | None = None,
                 batch_size: int = BATCH_SIZE, resident: bool = False) -> None:
        program = shutil.which(soffice) if soffice else find_soffice()
        if program is None:
            detail = f"Nie znaleziono programu „{soffice}”." if soffice else "Nie znaleziono LibreOffice (soffice)."
            raise _unavailable(detail)
        self.soffice = program
        self.workers = max(1, workers)
        self.timeout = timeout_per_document
        self.batch_size = max(1, batch_size)
        self._profile_root = Path(profile_root).absolute() if profile_root else None
        self._run_dir: Path | None = None
        self._profiles: list[Path] = []
        self._locks: list[int] = []
        self._env: dict[str, str] = {}
        self._procs: set[subprocess.Popen[bytes]] = set()
        self._procs_lock = threading.Lock()
        self._cancel = threading.Event()
        self._counter = itertools.count(1)
        self._fatal: OSError | None = None  # a worker's file-system failure, raised by convert()
        self._guard: subprocess.Popen[bytes] | None = None
        self.resident = resident
        self._residents: dict[Path, tuple[subprocess.Popen[bytes], Path]] = {}  # idle, one per profile
        self._retiring: list[subprocess.Popen[bytes]] = []  # served a run, ending by themselves
        self._rewarming: threading.Thread | None = None
        self._closed = False
        self.residents_started = 0  # LibreOffice instances started to wait idle (for tests, bench)
        self.warm_runs = self.cold_runs = 0  # soffice runs handed to an idle instance / started cold

    def __enter__(self) -> PdfConverter:
        self._start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> None:
        if self._run_dir is not None:
            return
        self._run_dir = Path(tempfile.mkdtemp(prefix="teczka-pdf-")).absolute()
        self._closed = False
        atexit.register(self.close)
        self._guard = spawn([sys.executable, "-c", _GUARD], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            self._prepare(self._profile_root or self._run_dir)
        except OSError as exc:
            self.close()
            raise SetupError(f"Nie można przygotować katalogu roboczego LibreOffice: {exc}") from exc

    def _prepare(self, root: Path) -> None:
        """Lock one profile slot per worker under ``root``; build soffice's environment."""
        root.mkdir(parents=True, exist_ok=True)
        slot = 0
        while len(self._profiles) < self.workers:
            fd = os.open(root / f"profile-{slot}.lock", os.O_CREAT | os.O_RDWR, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)  # another converter uses this profile
            else:
                self._locks.append(fd)
                profile = root / f"profile-{slot}"
                self._kill_pids(_pids_with_arg(self._profile_arg(profile)))  # stale orphans
                self._profiles.append(profile)
                if self.resident:  # idle instances start outside any run: the guard sweeps them too
                    with self._procs_lock:
                        self._tell_guard(b"p", self._profile_arg(profile))
            slot += 1
        env = dict(os.environ, SAL_USE_VCLPLUGIN="svp", LC_ALL="C.UTF-8", LANG="C.UTF-8")
        env.pop("LANGUAGE", None)
        home = env.get("HOME", "")
        if not (home and os.path.isdir(home) and os.access(home, os.W_OK)):
            assert self._run_dir is not None  # made by start() before the environment
            env["HOME"] = str(self._run_dir / "home")
            os.makedirs(env["HOME"], exist_ok=True)
        self._env = env

    def warm(self) -> None:
        """Start the idle instances now (``resident=True``), so that the first run is warm too."""
        self._start()
        self._rewarm()

    def _rewarm(self) -> None:
        """In the background: let the instances that served a run end, start fresh idle ones."""
        if self.resident and not self._closed:
            self._rewarming = threading.Thread(target=self._fill_residents, name="teczka-lo-warm", daemon=True)
            self._rewarming.start()

    def _fill_residents(self) -> None:
        with self._procs_lock:
            retiring, self._retiring = self._retiring, []
        deadline = time.monotonic() + _EXIT_GRACE
        for proc in retiring:  # a new instance must not hand its (empty) command line to these
            while not _has_exited(proc.pid) and time.monotonic() < deadline and not self._closed:
                time.sleep(_POLL_SECONDS)
            self._kill_resident(proc)
        for profile in list(self._profiles):
            with self._procs_lock:
                if self._closed or self._run_dir is None or profile in self._residents:
                    continue
                log_path = self._run_dir / f"resident-{next(self._counter)}.log"
                with log_path.open("wb") as log:
                    proc = spawn([self.soffice, self._profile_arg(profile), *_FLAGS],
                                 stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                 cwd=self._run_dir, env=self._env, start_new_session=True)
                self._tell_guard(b"+", proc.pid)
                self._residents[profile] = (proc, log_path)
                self.residents_started += 1

    def _kill_resident(self, proc: subprocess.Popen[bytes]) -> None:
        self._kill(proc, resident=True)

    def wait_warm(self) -> None:
        """Wait (bounded) for the idle instances being started in the background after a run."""
        thread = self._rewarming  # read once: close() may wait from another thread
        if thread is not None:
            thread.join(timeout=_EXIT_GRACE + 5)
            if self._rewarming is thread:
                self._rewarming = None

    def _stop_residents(self) -> None:
        self.wait_warm()
        with self._procs_lock:
            procs = [proc for proc, _ in self._residents.values()] + self._retiring
            self._residents, self._retiring = {}, []
        for proc in procs:
            self._kill_resident(proc)

    def close(self) -> None:
        """Kill every LibreOffice process of ours and remove temporary files. Idempotent."""
        with self._procs_lock:
            self._closed = True
        self._cancel.set()
        self._kill_all()
        self._stop_residents()
        if self._guard is not None:
            with self._procs_lock:
                self._tell_guard(b"c", "")  # nothing of ours is starting any more
            with contextlib.suppress(OSError):
                self._guard.stdin.close()  # type: ignore[union-attr]
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._guard.wait(timeout=5)
            self._guard = None
        for profile in self._profiles:
            self._kill_pids(_pids_with_arg(self._profile_arg(profile)))
        for fd in self._locks:
            os.close(fd)
        self._locks, self._profiles = [], []
        if self._run_dir is not None:
            shutil.rmtree(self._run_dir, ignore_errors=True)
            self._run_dir = None
        atexit.unregister(self.close)

    @staticmethod
    def _profile_arg(profile: Path) -> str:
        return f"-env:UserInstallation={profile.as_uri()}"

    @staticmethod
    def _kill_pids(pids: Sequence[int]) -> None:
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)

    def _kill(self, proc: subprocess.Popen[bytes], resident: bool = False) -> None:
        """SIGKILL the process group (oosplash and soffice.bin), then reap the leader."""
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            proc.wait()
        with self._procs_lock:
            if resident or proc in self._procs:
                self._tell_guard(b"-", proc.pid)
            self._procs.discard(proc)

    def _tell_guard(self, sign: bytes, group: int | str) -> None:
        """Tell the guard a process group started (+) or ended (-), or a profile argument of
        ours (p); call with _procs_lock held."""
        if self._guard is not None and self._guard.stdin is not None:
            with contextlib.suppress(OSError, ValueError):
                self._guard.stdin.write(sign + str(group).encode() + b"\n")
                self._guard.stdin.flush()

    def _kill_all(self) -> None:
        with self._procs_lock:
            procs = list(self._procs)
        for proc in procs:
            self._kill(proc)

    def convert(self, jobs: Sequence[ConversionJob],
                on_done: Callable[[ConversionResult], None] | None = None) -> list[ConversionResult]:
        """Convert all jobs; results come back in the order of ``jobs``.

        ``on_done`` is called in the calling thread as each document finishes (any order).
        """
        self._start()
        self.wait_warm()  # the idle instances being started: wait for the Popen calls
        self._cancel.clear()
        results: list[ConversionResult | None] = [None] * len(jobs)
        todo: list[tuple[int, ConversionJob]] = []
        for index, job in enumerate(jobs):
            if problem := _source_problem(Path(job.source)):
                refused = results[index] = ConversionResult(job, False, problem)
                if on_done:
                    on_done(refused)
            else:
                todo.append((index, job))
        size = min(self.batch_size, math.ceil(len(todo) / self.workers)) if todo else 1
        chunks: queue.SimpleQueue[list[tuple[int, ConversionJob]]] = queue.SimpleQueue()
        for start in range(0, len(todo), size):
            chunks.put(todo[start:start + size])
        done: queue.SimpleQueue[tuple[int, ConversionResult]] = queue.SimpleQueue()
        threads = [threading.Thread(target=self._worker, args=(profile, chunks, done), daemon=True)
                   for profile in self._profiles[: math.ceil(len(todo) / size)]]
        try:
            for thread in threads:
                thread.start()
            for _ in range(len(todo)):
                while True:
                    try:
                        index, result = done.get(timeout=0.5)
                        break
                    except queue.Empty:
                        if not any(thread.is_alive() for thread in threads):
                            raise _Cancelled from None  # close() from elsewhere
                results[index] = result
                if on_done:
                    on_done(result)
        except _Cancelled:
            pass
        finally:
            self._cancel.set()
            self._kill_all()
            for thread in threads:
                thread.join(timeout=30)
            self._rewarm()
        if self._fatal is not None:
            fatal, self._fatal = self._fatal, None
            raise fatal
        return [result or ConversionResult(job, False, "Konwersja została przerwana.")
                for result, job in zip(results, jobs, strict=True)]

    def _worker(self, profile: Path, chunks: queue.SimpleQueue[list[tuple[int, ConversionJob]]],
                done: queue.SimpleQueue[tuple[int, ConversionResult]]) -> None:
        """Take chunks until none is left; every job of a taken chunk gets exactly one result."""
        while not self._cancel.is_set():
            try:
                chunk = chunks.get_nowait()
            except queue.Empty:
                return
            reported: set[int] = set()

            def report(index: int, result: ConversionResult, reported: set[int] = reported) -> None:
                reported.add(index)
                done.put((index, result))

            try:
                self._convert_chunk(profile, chunk, report)
            except _Cancelled:
                return
            except OSError as exc:  # disk full, no permission: the caller stops the whole run
                self._fatal = self._fatal or exc
                self._cancel.set()
                return
            except Exception as exc:  # noqa: BLE001 — never leave the caller waiting
                for index, job in chunk:
                    if index not in reported:
                        report(index, ConversionResult(job, False, f"Błąd wewnętrzny konwersji: {exc}"))

    def _convert_chunk(self, profile: Path, chunk: list[tuple[int, ConversionJob]],
                       report: Callable[[int, ConversionResult], None]) -> None:
        assert self._run_dir is not None
        work = self._run_dir / f"batch-{next(self._counter)}"
        try:
            self._convert_in(work, profile, chunk, report)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _convert_in(self, work: Path, profile: Path, chunk: list[tuple[int, ConversionJob]],
                    report: Callable[[int, ConversionResult], None]) -> None:
        """Batch conversion with per-document recovery, in the working folder ``work``."""
        (work / "in").mkdir(parents=True)
        by_name: dict[str, tuple[int, ConversionJob]] = {}
        for number, (index, job) in enumerate(chunk, start=1):
            name = f"{number:04d}{Path(job.source).suffix.lower()}"
            shutil.copyfile(job.source, work / "in" / name)
            by_name[name] = (index, job)

        def finish(name: str, output: Path) -> bool:
            """Publish a complete output and report success; False if there is none."""
            index, job = by_name[name]
            if not _is_complete_pdf(output):
                return False
            _publish(output, Path(job.target))  # an OSError (disk full) stops the run: see convert()
            report(index, ConversionResult(job, True))
            return True

        def fail(name: str, reason: str) -> None:
            index, job = by_name[name]
            _require_space(work, Path(job.target).parent)  # LibreOffice could not write: is the disk full?
            report(index, ConversionResult(job, False, reason))

        pending, alone = list(by_name), []
        while pending:
            code, out_dir, culprit = self._run(profile, work, pending)
            missing = [n for n in pending if not finish(n, out_dir / f"{n[:4]}.pdf")]
            if code == 0 or culprit not in missing:
                alone += missing
                break
            position = pending.index(culprit)
            if code is None:
                fail(culprit, self._timeout_reason())
            else:
                alone.append(culprit)
            alone += [n for n in missing if pending.index(n) < position]
            pending = [n for n in missing if pending.index(n) > position]
        for name in alone:
            code, out_dir, _ = self._run(profile, work, [name])
            if not finish(name, out_dir / f"{name[:4]}.pdf"):
                fail(name, self._timeout_reason() if code is None else _exit_reason(code))

    def _timeout_reason(self) -> str:
        return f"Przekroczono limit czasu konwersji ({self.timeout:g} s) — LibreOffice zatrzymany."

    def _run(self, profile: Path, work: Path, names: list[str]) -> tuple[int | None, Path, str | None]:
        """Run one soffice over ``names``: (exit code or None on timeout, output dir, culprit).

        The culprit is the document being converted when soffice hung or crashed.
        """
        if self._cancel.is_set():
            raise _Cancelled
        out_dir = work / f"out-{next(self._counter)}"
        out_dir.mkdir()
        log_path = out_dir.with_suffix(".log")
        with self._procs_lock:
            resident = self._residents.pop(profile, None)
        if resident is not None:  # it converts; its log (shared with ours) tells the culprit
            log_path = resident[1]
        args = [self.soffice, self._profile_arg(profile), *_FLAGS, "--convert-to", PDFA_FILTER,
                "--outdir", str(out_dir), *(str(work / "in" / name) for name in names)]
        with self._procs_lock, log_path.open("ab") as log:
            if self._cancel.is_set():  # close() may have run meanwhile
                raise _Cancelled
            proc = spawn(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                         cwd=work, env=self._env, start_new_session=True)
            self._procs.add(proc)
            self._tell_guard(b"+", proc.pid)
            if resident is not None and not _has_exited(resident[0].pid):
                self.warm_runs += 1
            else:
                self.cold_runs += 1
        code: int | None = None
        last_output = out_dir / f"{names[-1][:4]}.pdf"
        try:
            seen, since = (-1, -1), time.monotonic()
            while not self._cancel.is_set():
                if _has_exited(proc.pid):
                    self._kill(proc)  # kills the group before reaping the leader
                    code = proc.returncode
                    break
                state = (len(os.listdir(out_dir)), log_path.stat().st_size)
                idle = time.monotonic() - since
                if state != seen:
                    seen, since = state, time.monotonic()
                elif idle > min(_EXIT_GRACE, self.timeout) and _is_complete_pdf(last_output):
                    code = 0  # done, but lingering on shutdown
                    break
                elif idle > self.timeout:
                    break
                time.sleep(_POLL_SECONDS)
        finally:
            if proc.returncode is None:
                self._kill(proc)
            if resident is not None:
                if code == 0:
                    with self._procs_lock:
                        self._retiring.append(resident[0])
                else:  # hung, crashed or cancelled: it goes with the run
                    self._kill_resident(resident[0])
        if self._cancel.is_set():
            raise _Cancelled
        return code, out_dir, None if code == 0 else self._culprit(names, out_dir, log_path)

    @staticmethod
    def _culprit(names: list[str], out_dir: Path, log_path: Path) -> str | None:
        """Which document soffice was busy with, from its log (``convert …`` / load errors)."""
        events: list[str | None] = []  # number of each loaded document, None for a load error
        for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            if match := _LOADED.match(line):
                events.append(match.group(1))
            elif line.startswith(_LOAD_FAILED):
                events.append(None)
        numbers = [name[:4] for name in names]
        last = events[-1] if events else None
        if last in numbers and not _is_complete_pdf(out_dir / f"{last}.pdf"):
            return names[numbers.index(last)]  # stuck while exporting
        if len(events) < len(names):
            return names[len(events)]  # stuck while loading
        return next((n for n in names if not _is_complete_pdf(out_dir / f"{n[:4]}.pdf")), None)
