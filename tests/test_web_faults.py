"""Teczka online under faults, against a real server: SIGKILL in the middle of uploads."""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import re
import signal
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest
from web_support import UNIT_A, hdr_with_goal, make_forms, start_server, teczka

from pipeline.edition import load_edition
from pipeline.validate import validate_unit

pytestmark = pytest.mark.slow
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def descendants(pid: int) -> set[int]:
    """Every process started by ``pid`` (Linux /proc), recursively."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            for child in map(int, (task / "children").read_text().split()):
                found |= {child} | descendants(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def keep_uploading(link: str, versions: list[bytes], answered: list[tuple[str, str]], stop: threading.Event) -> None:
    """Upload the versions one after another until the server goes away; record each answer."""
    try:
        with httpx.Client(timeout=30) as client:
            csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get(link).text)[1]
            for index, data in enumerate(versions):
                if stop.is_set():
                    return
                response = client.post(f"{link}/wgraj", data={"csrf": csrf},
                                       files=[("pliki", (f"hdr-{index}.xlsx", data, XLSX))])
                if response.status_code == 429:  # the link's uploads per minute: refused, nothing written
                    return
                # anything but "poprawny" keeps the status and the page's text for the failure message
                result = "poprawny" if "— poprawny" in response.text else \
                    f"{response.status_code}: {' '.join(re.sub(r'<[^>]+>', ' ', response.text).split())[:600]}"
                answered.append((hashlib.sha256(data).hexdigest(), result))
    except httpx.HTTPError:
        return  # killed mid-request: this upload has no answer


def test_a_server_killed_during_uploads_leaves_no_half_written_form_and_a_consistent_database(tmp_path):
    forms = make_forms(tmp_path)
    valid = (forms / UNIT_A / "3_hdr.xlsx").read_bytes()
    versions = [hdr_with_goal(valid, f"Wersja {n}: " + "cel " * 200) for n in range(40)]
    shas = {hashlib.sha256(data).hexdigest() for data in versions}
    edition = load_edition("2020")
    database = tmp_path / "teczka-web" / "teczka-web.sqlite"
    random.seed(14)
    for round_number in range(3):
        server = start_server(tmp_path, "--no-pdf")
        link = teczka("links", "create", UNIT_A, "--forms", "forms", "--out", "output", "--base-url", server.url,
                      cwd=tmp_path).split("\t")[1].strip()
        answered: list[tuple[str, str]] = []
        stop = threading.Event()
        uploader = threading.Thread(target=keep_uploading, args=(link, versions, answered, stop))
        uploader.start()
        deadline = random.uniform(0.2, 1.2)  # before the link's 30 uploads a minute are used up
        while len(answered) < 1 and uploader.is_alive():
            uploader.join(0.05)
        threading.Event().wait(deadline)
        children = descendants(server.process.pid)  # build workers, when a build is running
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait()
        for _ in range(200):  # no process of the server outlives it
            if not any(alive(pid) for pid in children):
                break
            time.sleep(0.05)
        assert not any(alive(pid) for pid in children)
        stop.set()
        uploader.join(60)
        assert answered, "no upload was answered before the kill"
        # the next start settles what the kill left
        server = start_server(tmp_path, "--no-pdf")
        try:
            leftovers = [p.name for p in (forms / UNIT_A).iterdir() if p.name.startswith(".")]
            assert leftovers == [], f"round {round_number}: half-written files {leftovers}"
            result = validate_unit(forms / UNIT_A, edition)
            assert result.errors == [] and result.unit.hdr is not None  # a complete, valid form
            current_sha = hashlib.sha256((forms / UNIT_A / "3_hdr.xlsx").read_bytes()).hexdigest()
            with contextlib.closing(sqlite3.connect(database)) as connection:
                assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                rows = connection.execute("SELECT sha256, state FROM uploads WHERE unit = ?", (UNIT_A,)).fetchall()
            states = [state for _, state in rows]
            assert "pending" not in states
            assert states.count("current") == 1
            assert (current_sha, "current") in rows  # the form in forms/ is the history's current one
            recorded = {sha for sha, _ in rows}
            logs = "\n".join(log.read_text(errors="replace")[-3000:] for log in sorted(tmp_path.glob("server-*.log")))
            for sha, result_text in answered:  # every answered upload is in the history
                assert result_text == "poprawny", f"round {round_number}: {result_text}\n{logs}"
                assert sha in recorded
            assert recorded <= shas
            for sha in recorded:
                assert (tmp_path / "teczka-web" / "historia" / UNIT_A / f"{sha}.xlsx").is_file()
        finally:
            server.stop()
