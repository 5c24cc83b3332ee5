"""Shared set-up for the web tests: two small units, an application, workbooks with mistakes."""

from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from factories import unit_data, write_unit

from pipeline import layout
from pipeline.edition import load_edition

EDITION = load_edition("2020")
REPO = Path(__file__).resolve().parents[1]
UNIT_A, UNIT_B = "gmina-a", "gmina-b"
PASSWORD = "hasło-koordynatora-1"


_MADE: list[Path] = []


def make_forms(root: Path) -> Path:
    """forms/ with two valid units (unit B has another name and TERC); written once, then copied."""
    if not _MADE:
        made = Path(tempfile.mkdtemp(prefix="teczka-web-forms-")) / "forms"
        write_unit(made / UNIT_A, EDITION)
        other = unit_data()
        other["card"]["jst"] |= {"name": "Gmina Bełżyce", "terc": "0614032"}
        write_unit(made / UNIT_B, EDITION, other)
        _MADE.append(made)
    forms = root / "forms"
    shutil.copytree(_MADE[0], forms)
    return forms


def hdr_with_three_mistakes(valid: bytes) -> bytes:
    """The HDR with an empty main goal, a date that is not a date and a status not on the list."""
    hdr = layout.FORMS_BY_KEY["hdr"]
    actions, info = hdr.sheet("actions"), hdr.sheet("info")
    book = openpyxl.load_workbook(io.BytesIO(valid))
    book[info.title][info.cell_of("main_goal")] = None
    book[actions.title][f"{actions.column_of('end')}5"] = "jutro"
    book[actions.title][f"{actions.column_of('status')}5"] = "cokolwiek"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def hdr_with_goal(valid: bytes, goal: str) -> bytes:
    """A valid HDR whose main goal says ``goal`` (a different valid version)."""
    hdr = layout.FORMS_BY_KEY["hdr"]
    info = hdr.sheet("info")
    book = openpyxl.load_workbook(io.BytesIO(valid))
    book[info.title][info.cell_of("main_goal")] = goal
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


THREE_MISTAKES = [
    "Arkusz HDR, komórka B8 (Cel główny): Pole obowiązkowe — uzupełnij je.",
    "Arkusz Działania, komórka F5 (Data zakończenia): Nie rozpoznano daty. Wpisz datę jako dzień.miesiąc.rok, np. 5.07.2020.",
    "Arkusz Działania, komórka N5 (Status): Tej wartości nie ma na liście. Wybierz wartość z listy rozwijanej. "
    "Dozwolone: planowane, w realizacji, zrealizowane, zaniechane.",
]


# -- a real server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def teczka(*args: str, cwd: Path, stdin: str | None = None) -> str:
    result = subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, input=stdin, text=True,
                            capture_output=True, check=True, env=server_env())
    return result.stdout


def server_env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO), TECZKA_EDITION="2020")


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(root: Path, *extra: str, port: int | None = None) -> Server:
    """`teczka serve` on a free loopback port, its log in root/server-N.log; waits until it answers."""
    port = port or free_port()
    log = root / f"server-{len(list(root.glob('server-*.log')))}.log"
    handle = log.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "serve", "--host", "127.0.0.1", "--port", str(port), "--forms",
         str(root / "forms"), "--out", str(root / "output"), "--templates", str(REPO / "templates"), *extra],
        cwd=root, stdout=handle, stderr=subprocess.STDOUT, env=server_env())
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(log.read_text())
        try:
            with urllib.request.urlopen(url + "/", timeout=2):
                return Server(process, url, log)
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start:\n" + log.read_text())
