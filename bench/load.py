"""Load test of Teczka online: teams uploading their five workbooks to a real server on loopback.

Bounded in count and time; talks only to 127.0.0.1. Phase 1: one team alone, five rounds.
Phase 2: 20 teams at once, three rounds each (each round a new version of the unit's HDR, so
every round rebuilds documents). For each upload it measures "upload → errors shown" (the
answer to the POST), ".docx ready" (the documents list offers the new .docx) and "PDF/A
ready" (the list offers the PDF/A made from that .docx). It checks: no 5xx, every upload in
the history, the last version current. Figures are appended to bench/RESULTS.md.

    python bench/load.py                # ≈ 3–5 min on 2 cores (LibreOffice needed)
    python bench/load.py --teams 5 --rounds 2
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import platform
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx
import openpyxl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from web_support import start_server, teczka  # noqa: E402

from pipeline import layout  # noqa: E402
from pipeline.demo import write_demo  # noqa: E402
from pipeline.edition import load_edition  # noqa: E402

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EDITION = load_edition("2022")
TIME_LIMIT = 600.0  # seconds for the whole run; a team stops waiting after this
PDF_WAIT = 180.0


@dataclass
class Figures:
    answers: list[float] = field(default_factory=list)
    docx: list[float] = field(default_factory=list)
    pdf: list[float] = field(default_factory=list)
    server_errors: int = 0
    pdf_missing: int = 0
    failures: list[str] = field(default_factory=list)
    sent: dict[str, list[list[str]]] = field(default_factory=dict)  # unit -> shas of each request
    lock: threading.Lock = field(default_factory=threading.Lock)


def versions(folder: Path, rounds: int, tag: str) -> list[list[tuple[str, bytes]]]:
    """``rounds`` uploads of the unit's five workbooks, each with a new HDR main goal."""
    hdr = layout.FORMS_BY_KEY["hdr"]
    info = hdr.sheet("info")
    files = {p.name: p.read_bytes() for p in sorted(folder.glob("*.xlsx"))}
    out = []
    for number in range(rounds):
        book = openpyxl.load_workbook(io.BytesIO(files[hdr.file_name]))
        book[info.title][info.cell_of("main_goal")] = f"Cel główny, wersja {tag}-{number}."
        buffer = io.BytesIO()
        book.save(buffer)
        out.append([(name, buffer.getvalue() if name == hdr.file_name else data) for name, data in files.items()])
    return out


def team(link: str, unit: str, uploads: list[list[tuple[str, bytes]]], figures: Figures, deadline: float) -> None:
    with httpx.Client(timeout=120) as client:
        page = client.get(link)
        found = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
        if found is None:
            with figures.lock:
                figures.server_errors += page.status_code >= 500
                figures.failures.append(f"{unit}: {page.status_code}")
            return
        csrf = found[1]
        for files in uploads:
            if time.monotonic() > deadline:
                return
            started = time.perf_counter()
            response = client.post(f"{link}/wgraj", data={"csrf": csrf},
                                   files=[("pliki", (name, data, XLSX)) for name, data in files])
            answered = time.perf_counter() - started
            with figures.lock:
                figures.sent.setdefault(unit, []).append([hashlib.sha256(d).hexdigest() for _, d in files])
                if response.status_code >= 500:
                    figures.server_errors += 1
                    continue
                figures.answers.append(answered)
            assert response.text.count("— poprawny") == 5, response.text[:2000]
            fragment = client.get(f"{link}/dokumenty").text
            if "hdr.docx" in fragment:
                with figures.lock:
                    figures.docx.append(time.perf_counter() - started)
            while time.perf_counter() - started < PDF_WAIT:
                if "w przygotowaniu" not in fragment and re.search(r'/dokument/hdr\.pdf"', fragment):
                    with figures.lock:
                        figures.pdf.append(time.perf_counter() - started)
                    break
                time.sleep(0.1)
                fragment = client.get(f"{link}/dokumenty").text
            else:
                with figures.lock:
                    figures.pdf_missing += 1


def run_phase(root: Path, server_url: str, units: list[str], rounds: int, tag: str) -> Figures:
    figures = Figures()
    lines = teczka("links", "create", *units, "--forms", "forms", "--out", "output", "--base-url", server_url,
                   cwd=root).splitlines()
    links = dict(line.split("\t") for line in lines)
    deadline = time.monotonic() + TIME_LIMIT
    threads = [threading.Thread(target=team, args=(links[unit], unit, versions(root / "forms" / unit, rounds, tag),
                                                   figures, deadline)) for unit in units]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return figures


def lost_uploads(root: Path, figures: Figures) -> tuple[int, int]:
    """(uploads missing from the history, units whose current HDR is not the last one sent)."""
    database = root / "teczka-web" / "teczka-web.sqlite"
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT unit, sha256, state, form FROM uploads").fetchall()
    recorded = {(unit, sha) for unit, sha, _, _ in rows}
    missing = sum((unit, sha) not in recorded for unit, requests in figures.sent.items()
                  for request in requests for sha in request)
    wrong = 0
    for unit, requests in figures.sent.items():
        last_hdr = requests[-1][2]  # 3_hdr.xlsx is the third of the sorted five
        current = {sha for u, sha, state, form in rows if u == unit and form == "hdr" and state == "current"}
        on_disk = hashlib.sha256((root / "forms" / unit / "3_hdr.xlsx").read_bytes()).hexdigest()
        wrong += current != {last_hdr} or on_disk != last_hdr
    return missing, wrong


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def describe(name: str, values: list[float]) -> str:
    if not values:
        return f"{name}: —"
    return (f"{name}: p50 {statistics.median(values) * 1000:.0f} ms, p95 {pct(values, 0.95) * 1000:.0f} ms, "
            f"max {max(values) * 1000:.0f} ms ({len(values)} uploads)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teams", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--alone-rounds", type=int, default=5)
    parser.add_argument("--no-record", action="store_true", help="Do not append to bench/RESULTS.md.")
    args = parser.parse_args()
    teams = max(1, min(args.teams, 50))
    root = Path(tempfile.mkdtemp(prefix="teczka-load-"))
    try:
        write_demo(teams, 2026, root / "forms", EDITION)
        units = sorted(p.name for p in (root / "forms").iterdir() if p.is_dir())
        os.environ["TECZKA_EDITION"] = "2022"
        server = start_server(root, "--edition", "2022")
        try:
            # let the start-up build (every unit, PDF/A included) finish before measuring
            warm = run_phase(root, server.url, units[:1], 1, "rozgrzewka")
            alone = run_phase(root, server.url, units[:1], args.alone_rounds, "sam")
            together = run_phase(root, server.url, units, args.rounds, "razem")
        finally:
            server.stop()
        log = server.log.read_text(encoding="utf-8")
        missing, wrong = lost_uploads(root, together)
        for figures in (alone, together):
            missing_alone, wrong_alone = lost_uploads(root, figures) if figures is alone else (0, 0)
            missing += missing_alone
        lines = [
            f"## {date.today().isoformat()} — Teczka online (bench/load.py), {os.cpu_count()} cores, "
            f"Python {platform.python_version()}",
            "",
            f"One team alone, {args.alone_rounds} uploads of its five workbooks in one request each:",
            f"- {describe('upload → errors shown', alone.answers)}",
            f"- {describe('upload → .docx offered', alone.docx)}",
            f"- {describe('upload → PDF/A offered', alone.pdf)}",
            f"{teams} teams at once, {args.rounds} uploads each (each a new HDR version, so each rebuilds):",
            f"- {describe('upload → errors shown', together.answers)}",
            f"- {describe('upload → .docx offered', together.docx)}",
            f"- {describe('upload → PDF/A offered', together.pdf)}",
            f"- 5xx answers: {alone.server_errors + together.server_errors + warm.server_errors}; uploads missing "
            f"from the history: {missing} of {sum(len(r) for rs in together.sent.values() for r in rs)}; units whose "
            f"current HDR is not the last one sent: {wrong}; PDF/A not offered within {PDF_WAIT:.0f} s: "
            f"{alone.pdf_missing + together.pdf_missing}",
            f"- pages that did not open: {len(together.failures)} {together.failures[:3]}",
            f"- server log lines holding a token: {sum(token in log for token in re.findall(r'/j/([A-Za-z0-9_-]{40,})', log))}",
            "",
        ]
        text = "\n".join(lines)
        print(text)
        if alone.server_errors + together.server_errors + warm.server_errors:  # say why, from the server's log
            print("\n".join(line for line in log.splitlines() if " 5" in line or "Traceback" in line
                            or "Error" in line)[-4000:], file=sys.stderr)
        if not args.no_record:
            with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as handle:
                handle.write("\n" + text)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
