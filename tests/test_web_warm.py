"""The server's warm converter: background builds hand their documents to a LibreOffice started
before them, and no LibreOffice outlives the server (stopped, or killed with SIGKILL)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from web_support import REPO, UNIT_A, hdr_with_goal, make_forms, start_server

from pipeline.build import BuildOptions
from pipeline.edition import load_edition
from pipeline.web.jobs import BuildWorker

pytestmark = pytest.mark.slow


def soffice_pids(marker: str) -> set[int]:
    """LibreOffice processes (oosplash, soffice.bin) whose command line mentions ``marker``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if "soffice" in cmdline and marker in cmdline and state != "Z":
                found.add(int(entry.name))
    return found


def wait_for(condition, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_two_background_builds_use_the_libreoffice_started_before_them_and_stop_leaves_none(tmp_path):
    forms = make_forms(tmp_path)
    out = tmp_path / "output"
    hdr = forms / UNIT_A / "3_hdr.xlsx"
    valid = hdr.read_bytes()
    options = BuildOptions(forms_dir=forms, out_dir=out, edition=load_edition("2020"),
                           templates_dir=REPO / "templates", repo_root=tmp_path, html=False, jobs=2)
    worker = BuildWorker(lambda: options)
    worker.start()
    try:
        worker.request("test")
        assert worker.wait_idle(300)
        converter = worker.converter
        assert converter is not None and worker.progress.last_error is None
        first_pdf = sorted((out / UNIT_A).glob("*.pdf"))
        assert first_pdf, "the first build made no PDF/A"
        converter.wait_warm()  # the instances started after the first build are counted before
        started_before = converter.residents_started
        for version in (1, 2):  # two uploads, two background builds
            hdr.write_bytes(hdr_with_goal(valid, f"Wersja {version}"))
            worker.request("test")
            assert worker.wait_idle(300)
            assert worker.progress.last_error is None
        assert converter.warm_runs >= 3 and converter.cold_runs == 0  # no build waited for a start
        converter.wait_warm()  # and the ones started after the last build too
        # one LibreOffice per worker and build, each started in the background after the build before
        assert converter.residents_started == started_before + 2 * converter.workers
        profiles = str(out / ".libreoffice")
        assert wait_for(lambda: len(soffice_pids(profiles)) > 0)  # the next ones wait, idle
    finally:
        worker.stop()
    assert soffice_pids(str(out / ".libreoffice")) == set()


def test_a_server_killed_with_sigkill_leaves_no_libreoffice(tmp_path):
    make_forms(tmp_path)
    server = start_server(tmp_path)  # PDF/A on: the server keeps LibreOffice warm
    profiles = str(tmp_path / "output" / ".libreoffice")
    try:
        assert wait_for(lambda: len(soffice_pids(profiles)) > 0, 120), "no warm LibreOffice"
    finally:
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait()
    assert wait_for(lambda: soffice_pids(profiles) == set(), 30), "LibreOffice outlived the killed server"


def test_a_stopped_server_leaves_no_libreoffice(tmp_path):
    make_forms(tmp_path)
    server = start_server(tmp_path)
    profiles = str(tmp_path / "output" / ".libreoffice")
    try:
        assert wait_for(lambda: len(soffice_pids(profiles)) > 0, 120), "no warm LibreOffice"
    finally:
        server.stop()
    assert soffice_pids(profiles) == set()
