"""Starting programs beside forks: a fork never copies the pipe of a program being started (the
server hung when the build's process pool forked while the converter started LibreOffice)."""

from __future__ import annotations

import ast
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from pipeline import processes

REPO = Path(__file__).resolve().parents[1]


def test_a_program_started_while_another_thread_forks_long_lived_children_does_not_wait_for_them():
    # One thread starts programs one after another; the main thread meanwhile forks children that
    # stay alive until the end. A child forked while a start's pipe is open would hold its copy,
    # and that start would wait for the child — that is, until the end: a hang, told by the join.
    release_read, release_write = os.pipe()
    stop = threading.Event()
    started: list[int] = []

    def keep_starting() -> None:
        while not stop.is_set():
            proc = processes.spawn(["true"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
            proc.wait()
            started.append(proc.returncode)

    starter = threading.Thread(target=keep_starting, daemon=True)
    children = []
    try:
        starter.start()
        while len(started) < 3:  # the starter is in its loop
            time.sleep(0.001)
        for _ in range(40):
            pid = os.fork()
            if pid == 0:  # the child: wait for the parent's word, then leave
                try:
                    os.close(release_write)
                    os.read(release_read, 1)
                finally:
                    os._exit(0)
            children.append(pid)
            time.sleep(0.005)
        stop.set()
        starter.join(30)
        hung = starter.is_alive()
    finally:
        stop.set()
        os.close(release_write)  # every child leaves now
        for pid in children:
            os.waitpid(pid, 0)
        os.close(release_read)
        starter.join(30)
    assert not hung, "a program's start waited for a child forked meanwhile"
    assert len(started) > 3 and set(started) == {0}


def test_run_returns_the_output_and_kills_a_program_over_its_time(tmp_path):
    result = processes.run(["sh", "-c", "printf 'zażółć'; printf błąd >&2; exit 3"], timeout=30, text=True)
    assert (result.returncode, result.stdout, result.stderr) == (3, "zażółć", "błąd")
    with pytest.raises(subprocess.CalledProcessError):
        processes.run(["false"], timeout=30, check=True)
    marker = tmp_path / "still-running"
    with pytest.raises(subprocess.TimeoutExpired):
        processes.run(["sh", "-c", f"sleep 0.3; touch {marker}"], timeout=0.05)
    time.sleep(0.5)
    assert not marker.exists()  # killed, not left running


def test_every_program_of_the_package_is_started_through_processes():
    allowed = REPO / "pipeline" / "processes.py"
    starters = {"Popen", "run", "call", "check_call", "check_output", "fork", "system", "spawnv", "popen"}
    found = []
    for path in (REPO / "pipeline").rglob("*.py"):
        if path == allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            called = node.func if isinstance(node, ast.Call) else None
            if (isinstance(called, ast.Attribute) and called.attr in starters
                    and isinstance(called.value, ast.Name) and called.value.id in {"subprocess", "os"}):
                found.append(f"{path.relative_to(REPO)}:{node.lineno} {called.value.id}.{called.attr}")
            if isinstance(node, ast.ImportFrom) and node.module == "subprocess":
                found.append(f"{path.relative_to(REPO)}:{node.lineno} from subprocess import …")
    assert found == []
