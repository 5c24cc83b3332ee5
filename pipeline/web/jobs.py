"""The background build: one thread runs the library's build (as ``make documents`` does, under
the same run lock) whenever an upload or the coordinator asks; requests made while it runs are
merged into the next run. The build is incremental, so a run after one upload rebuilds that unit
only (documents, PDF/A, HTML, bundle) and the reports.

The worker owns a warm converter (``library.warm_converter``) for the server's lifetime: LibreOffice
is started before the first build and again, in the background, after each one, so that PDF/A
does not wait for its start; ``stop()`` closes it and no LibreOffice is left.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pipeline.web import library

log = logging.getLogger("teczka.web")
BUILD_NICENESS = 10
RETRY_SECONDS = 2.0  # another run (a CLI build) holds the lock: try again after this


@dataclass
class BuildProgress:
    running: bool = False
    waiting: bool = False  # queued behind another run holding the lock
    stage: str = ""
    done: int = 0
    total: int = 0
    runs: int = 0  # finished runs, for pages waiting for "the next one"
    started: float = 0.0
    finished: float = 0.0
    last_error: str | None = None
    last_counts: dict[str, int] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"running": self.running, "waiting": self.waiting, "stage": self.stage, "done": self.done,
                "total": self.total, "runs": self.runs, "error": self.last_error, "counts": self.last_counts,
                "lines": self.lines[-20:]}


class BuildWorker:
    def __init__(self, make_options: Callable[[], library.BuildOptions],
                 on_finished: Callable[[float, library.BuildSummary | None, str], None] | None = None) -> None:
        self._make_options = make_options
        self._on_finished = on_finished
        self._wake = threading.Condition()
        self._requested: list[str] = []  # who asked, for the audit log
        self._stop = False
        self.converter: Any = None  # the warm PdfConverter, made by the build thread
        self.progress = BuildProgress()
        self._thread = threading.Thread(target=self._loop, name="teczka-build", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 60) -> None:
        with self._wake:
            self._stop = True
            self._wake.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)
        if self.converter is not None:
            self.converter.close()

    def request(self, who: str) -> None:
        with self._wake:
            self._requested.append(who)
            self._wake.notify_all()

    @property
    def pending(self) -> bool:
        with self._wake:
            return bool(self._requested) or self.progress.running or self.progress.waiting

    def wait_idle(self, timeout: float = 120) -> bool:
        deadline = time.monotonic() + timeout
        while self.pending:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def _loop(self) -> None:
        # The build thread, and the processes it starts (workers, LibreOffice), yield the CPU to
        # the threads answering the teams: on Linux a thread has its own nice value, inherited
        # by the processes it forks.
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BUILD_NICENESS)
        self._warm_up()
        while True:
            with self._wake:
                while not self._requested and not self._stop:
                    self._wake.wait()
                if self._stop:
                    return
                who = ", ".join(sorted(set(self._requested)))
                self._requested.clear()
                self.progress.running = True
            self._run(who)

    def _warm_up(self) -> None:
        """Start the warm converter (from this thread: LibreOffice inherits its niceness). Without
        LibreOffice, builds go on as before and say why PDF/A is missing."""
        options = self._make_options()
        if not options.pdf:
            return
        try:
            self.converter = library.warm_converter(options)
        except library.TeczkaError as exc:
            log.warning("no warm converter: %s", exc.message)
        except Exception:
            log.exception("no warm converter")
        if self._stop and self.converter is not None:  # stop() came while it started
            self.converter.close()

    def _options(self) -> library.BuildOptions:
        options = self._make_options()
        return dataclasses.replace(options, converter=self.converter) if self.converter is not None else options

    def _run(self, who: str) -> None:
        progress = self.progress
        progress.started, progress.stage, progress.done, progress.total = time.time(), "start", 0, 0
        progress.lines, progress.last_error = [], None
        summary = None
        while True:
            try:
                summary = library.build(self._options(), progress=self._progress, echo=self._echo)
                progress.waiting = False
                break
            except library.LockedError:
                progress.waiting = True  # a CLI build holds the output folder: wait for it
                time.sleep(RETRY_SECONDS)
                if self._stop:
                    break
            except library.TeczkaError as exc:
                progress.last_error = exc.message
                break
            except Exception as exc:  # the server stays up; the coordinator sees the reason
                log.exception("build failed")
                progress.last_error = f"Budowanie nie powiodło się ({exc.__class__.__name__})."
                break
        if summary is not None:
            progress.last_counts = {status.id: summary.count(status.id) for status in library.STATUSES}
        if self._on_finished is not None:
            try:
                self._on_finished(progress.started, summary, who)
            except Exception:
                log.exception("after-build step failed")
        progress.finished = time.time()
        progress.runs += 1
        progress.running = False

    def _progress(self, stage: str, done: int, total: int) -> None:
        self.progress.stage, self.progress.done, self.progress.total = stage, done, total

    def _echo(self, line: str) -> None:
        self.progress.lines.append(str(line))
