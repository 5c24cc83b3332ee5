"""Starting other programs (LibreOffice, pandoc, pdftoppm, fc-match) from a process that also forks.

``subprocess.Popen`` opens a pipe before it starts a program (a failed ``exec`` is reported through
it) and waits until every copy of the pipe's writing end is closed. A fork made by another thread
meanwhile — the build forks its process pool's workers — copies that end into workers that live
until the build ends, and the start waits for them. In the server this stopped everything: the
converter's background thread, starting an idle LibreOffice, waited for the build's workers while
holding the converter's lock, and the build waited for that lock (a CI run hung for an hour).

So a start and a fork never overlap: every program is started through ``spawn`` (or ``run``), which
holds one lock for the start, and every fork of this process takes the same lock
(``os.register_at_fork``). The lock is re-entrant because a start with ``preexec_fn`` runs the fork
handlers itself, in the thread that holds it. Only the start is covered: once ``Popen`` returns, a
fork copies only the reading ends of a program's output, which hold nothing up.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import threading
from collections.abc import Sequence
from typing import Any

__all__ = ["die_with_parent", "run", "spawn"]

_STARTING = threading.RLock()
os.register_at_fork(before=_STARTING.acquire, after_in_parent=_STARTING.release,
                    after_in_child=_STARTING.release)

_PR_SET_PDEATHSIG = 1  # prctl option (Linux): a signal for this process when its parent dies


def spawn(args: Sequence[str], **options: Any) -> subprocess.Popen[Any]:
    """``subprocess.Popen(args, **options)``, never overlapping a fork of this process."""
    with _STARTING:
        return subprocess.Popen(args, **options)


def run(args: Sequence[str], *, timeout: float, check: bool = False,
        text: bool = False) -> subprocess.CompletedProcess[Any]:
    """Run a program to its end with its output captured, as ``subprocess.run(…,
    capture_output=True)`` does; it is killed when ``timeout`` seconds pass
    (``subprocess.TimeoutExpired``), and ``check`` raises ``CalledProcessError`` on failure."""
    with spawn(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
               text=text) as proc:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise
    if check and proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, list(args), stdout, stderr)
    return subprocess.CompletedProcess(list(args), proc.returncode, stdout, stderr)


def die_with_parent() -> bool:
    """Ask the kernel to SIGKILL this process when the thread that started it ends (Linux; the
    server's and a build's helper processes must not outlive them, even after a SIGKILL). False
    where this cannot be asked. Safe between fork and exec (``preexec_fn``)."""
    with contextlib.suppress(AttributeError, OSError):
        return ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL) == 0
    return False
