"""Benchmark: reading a workbook built to be slow, the old formula scan against the new one.

The old scan searched the sheet XML with one regular expression per formula cell; from every
empty self-closing cell ("<c r="A5" s="0"/>") the search ran on to the next "</c>", so a sheet
of n such cells cost n² steps. The new reader (pipeline/workbook_scan.py) measures a plain
sheet with substring searches and parses any other with a streaming parser under a work bound.
Both are timed here on the same crafted sheets; the whole read of an ordinary form is timed too,
with and without the new checks. No timing is asserted in the tests; this script only measures.

    python bench/reading.py             # ≈ 1 min; appends to bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import platform
import re
import shutil
import sys
import tempfile
import time
import zipfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import reader, workbook_scan  # noqa: E402
from pipeline.demo import write_demo  # noqa: E402
from pipeline.edition import load_edition  # noqa: E402
from pipeline.errors import FormFileError  # noqa: E402
from tests.hostile_files import slow_sheet_xml  # noqa: E402  (the tests' builder of the slow sheet)

SHEET = "xl/worksheets/sheet5.xml"  # the HDR's actions
# The old scan, as it was (pipeline/reader.py before issue 11): the naive way.
OLD_CELL_WITH_FORMULA = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*>(?:(?!</c>).)*?<f[ >/](?:(?!</c>).)*?</c>', re.S)


def old_scan(data: bytes) -> int:
    return sum(1 for _ in OLD_CELL_WITH_FORMULA.finditer(data)) if b"<f" in data else 0


def old_container_checks(path: Path) -> None:
    """What the old reader did before calamine: declared sizes summed, worksheets read for "<f"."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        sum(info.file_size for info in archive.infolist())
        reader._sheet_titles(archive)
        for name in names:
            if name.startswith("xl/worksheets/sheet"):
                old_scan(archive.read(name))


def new_scan(data: bytes) -> int:
    return len(workbook_scan.scan_sheets({SHEET: data}, {SHEET: "Działania"}, "hdr.xlsx"))


def timed(function, *args, repeat: int = 1) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        function(*args)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-record", action="store_true", help="do not append to bench/RESULTS.md")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="teczka-bench-reading-"))
    try:
        [unit] = write_demo(1, 7, work / "forms", load_edition("2022"))
        form = work / "forms" / unit / "3_hdr.xlsx"
        with zipfile.ZipFile(form) as archive:
            base = archive.read(SHEET)
        lines = ["| empty cells before the formula | sheet XML | old scan | new scan | ratio |",
                 "| --- | --- | --- | --- | --- |"]
        for cells in (1_000, 2_000, 4_000, 8_000):
            data = slow_sheet_xml(base, cells)[0]
            old, new = timed(old_scan, data), timed(new_scan, data, repeat=3)
            lines.append(f"| {cells:,} | {len(data) / 1024:.0f} KB | {old * 1000:.0f} ms | {new * 1000:.1f} ms | "
                         f"{old / new:.0f}× |")
            print(lines[-1], flush=True)
        for cells in (200_000, 1_000_000):
            data = slow_sheet_xml(base, cells)[0]
            started = time.perf_counter()
            try:
                outcome = f"read, {new_scan(data)} warning"
            except FormFileError:
                outcome = "refused (work bound)"
            new = time.perf_counter() - started
            estimate = old * (cells / 8_000) ** 2  # the old scan is quadratic: extrapolated from 8 000
            lines.append(f"| {cells:,} | {len(data) / 1_048_576:.1f} MB | ≈ {estimate / 60:.0f} min (extrapolated) | "
                         f"{new:.2f} s, {outcome} | ≈ {estimate / new:,.0f}× |")
            print(lines[-1], flush=True)
        ordinary = {path.name: path for path in sorted((work / "forms" / unit).iterdir())}
        plain = sum(timed(reader.read_form, path, name, repeat=20) for name, path in ordinary.items())
        checks = sum(timed(reader.check_container, path, name, repeat=20) for name, path in ordinary.items())
        before = sum(timed(old_container_checks, path, repeat=20) for path in ordinary.values())
        notes = [f"- an ordinary unit's five forms: read in {plain * 1000:.1f} ms, of which the container checks "
                 f"(every member unpacked with its size and CRC checked, every sheet measured) {checks * 1000:.1f} ms; "
                 f"the old checks (declared sizes, worksheets unpacked for the formula scan) took "
                 f"{before * 1000:.1f} ms"]
        print("\n".join(notes))
        if not args.no_record:
            header = (f"\n## {date.today().isoformat()} — reading a workbook built to be slow, "
                      f"Python {platform.python_version()}\n\n")
            with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as handle:
                handle.write(header + "\n".join(lines) + "\n\n" + "\n".join(notes) + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
