"""Benchmark: the pipeline against the naive way, in one run, on the same synthetic input.

Prints ratios and absolute figures with the machine's core count, and appends them (dated) to
bench/RESULTS.md. The naive ways are the ones people write first: DocxTemplate(path) →
render → save per document; openpyxl to read the forms; one `soffice --convert-to pdf` process
per document. No timing is asserted anywhere in the test suite; this script only measures.

    python bench/run.py                 # 100 units, a PDF sample (≈ 3 min)
    python bench/run.py --national      # also 2 807 units end to end (≈ 35 min)
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import openpyxl
from docx import Document

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.context import build_context, document_plan  # noqa: E402
from pipeline.convert import ConversionJob, PdfConverter  # noqa: E402
from pipeline.demo import write_demo  # noqa: E402
from pipeline.edition import load_edition  # noqa: E402
from pipeline.render import TemplateSet, render_document, render_naive  # noqa: E402
from pipeline.validate import discover_units, form_files, validate_unit  # noqa: E402

EDITION = load_edition("2022")
TEMPLATES = ROOT / "templates"
WORK = ROOT / "bench" / ".work"
NATIONAL_UNITS = 2807


def text_of(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def demo_forms(count: int, seed: int = 2026) -> Path:
    target = WORK / f"forms-{count}-{seed}"
    if not (target / ".complete").exists():
        shutil.rmtree(target, ignore_errors=True)
        started = time.perf_counter()
        write_demo(count, seed, target, EDITION, jobs=os.cpu_count() or 2)
        (target / ".complete").write_text("ok")
        print(f"  synthetic forms for {count} units written in {time.perf_counter() - started:.1f} s")
    return target


def bench_reading(forms: Path, sample: int) -> dict[str, float]:
    files = [p for folder in discover_units(forms)[:sample] for p in form_files(folder)]
    started = time.perf_counter()
    for path in files:
        book = openpyxl.load_workbook(path, data_only=True)
        for sheet in book.worksheets:
            for _row in sheet.iter_rows(values_only=True):
                pass
    naive = (time.perf_counter() - started) / len(files)
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    for path in files:
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    fast = (time.perf_counter() - started) / len(files)
    return {"files": len(files), "naive_ms": naive * 1000, "fast_ms": fast * 1000}


def bench_docx(forms: Path, sample: int) -> dict[str, float]:
    jobs = []
    for folder in discover_units(forms)[:sample]:
        unit = validate_unit(folder, EDITION).unit
        for spec in document_plan(unit, EDITION):
            jobs.append((spec, build_context(spec, unit, EDITION)))
    started = time.perf_counter()
    naive_out = [render_naive(TEMPLATES / spec.template, context, spec) for spec, context in jobs]
    naive = (time.perf_counter() - started) / len(jobs)
    started = time.perf_counter()
    templates = TemplateSet(TEMPLATES)  # compiled once per run: part of the measured cost
    fast_out = [render_document(templates, spec, context) for spec, context in jobs]
    fast = (time.perf_counter() - started) / len(jobs)
    same = sum(text_of(a) == text_of(b) for a, b in zip(naive_out, fast_out, strict=True))
    return {"documents": len(jobs), "naive_ms": naive * 1000, "fast_ms": fast * 1000, "same_text": same}


def bench_pdf(forms: Path, naive_docs: int, pool_docs: int) -> dict[str, float]:
    scratch = Path(tempfile.mkdtemp(prefix="teczka-bench-"))
    templates = TemplateSet(TEMPLATES)
    sources = []
    for folder in discover_units(forms):
        unit = validate_unit(folder, EDITION).unit
        for spec in document_plan(unit, EDITION):
            path = scratch / f"{folder.name}-{spec.name}"
            path.write_bytes(render_document(templates, spec, build_context(spec, unit, EDITION)))
            sources.append(path)
        if len(sources) >= pool_docs:
            break
    naive_dir = scratch / "naive"
    started = time.perf_counter()
    for index, source in enumerate(sources[:naive_docs]):
        subprocess.run(["soffice", f"-env:UserInstallation=file://{scratch}/naive-profile-{index}", "--headless",
                        "--convert-to", "pdf", "--outdir", str(naive_dir), str(source)],
                       check=True, capture_output=True, timeout=300)
    naive = (time.perf_counter() - started) / naive_docs
    jobs = [ConversionJob(source=s, target=s.with_suffix(".pdf")) for s in sources[:pool_docs]]
    started = time.perf_counter()
    with PdfConverter(workers=2, profile_root=scratch / "profiles") as converter:
        results = converter.convert(jobs)
    pool = (time.perf_counter() - started) / len(jobs)
    shutil.rmtree(scratch, ignore_errors=True)
    return {"naive_docs": naive_docs, "pool_docs": len(jobs), "ok": sum(r.ok for r in results),
            "naive_s": naive, "pool_s": pool}


def timed_build(forms: Path, out: Path, *extra: str) -> tuple[float, str, float]:
    """Wall time, first line of output, and the peak RSS (MB) of the largest process of that run.

    The build runs under a fresh Python wrapper, so RUSAGE_CHILDREN covers this build only.
    """
    command = [str(ROOT / ".venv" / "bin" / "teczka"), "build", "--forms", str(forms), "--out", str(out),
               "--edition", "2022", "--templates", str(TEMPLATES), *extra]
    wrapper = ("import resource, subprocess, sys, json; p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
               "print(json.dumps([p.returncode, p.stdout, p.stderr, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))")
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", wrapper, *command], capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - started
    returncode, stdout, stderr, peak_kb = json.loads(proc.stdout)
    if returncode not in (0, 1):
        raise SystemExit(f"build failed ({returncode}): {stderr[-2000:]}")
    return elapsed, stdout.strip().splitlines()[0] if stdout.strip() else "", peak_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--national", action="store_true", help=f"also run {NATIONAL_UNITS} units end to end")
    parser.add_argument("--no-record", action="store_true", help="do not append to bench/RESULTS.md")
    args = parser.parse_args()
    soffice = subprocess.run(["soffice", "--version"], capture_output=True, text=True).stdout.strip()
    lines = [f"## {date.today().isoformat()} — {os.cpu_count()} cores, Python {platform.python_version()}, {soffice}", ""]

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    print("preparing input …")
    forms = demo_forms(args.units)
    reading = bench_reading(forms, 20)
    docx = bench_docx(forms, min(args.units, 40))
    pdf = bench_pdf(forms, naive_docs=6, pool_docs=80)
    out = WORK / "out"
    shutil.rmtree(out, ignore_errors=True)
    first, _, peak = timed_build(forms, out, "--no-pdf", "--no-html")
    again, again_line, _ = timed_build(forms, out, "--no-pdf", "--no-html")
    say("| stage | naive way | pipeline | ratio |")
    say("| --- | --- | --- | --- |")
    say(f"| read one form ({reading['files']} workbooks) | {reading['naive_ms']:.1f} ms (openpyxl) | "
        f"{reading['fast_ms']:.2f} ms (calamine) | {reading['naive_ms'] / reading['fast_ms']:.1f}× |")
    say(f"| render one .docx ({docx['documents']} documents) | {docx['naive_ms']:.1f} ms (DocxTemplate per document) | "
        f"{docx['fast_ms']:.2f} ms (compiled once) | {docx['naive_ms'] / docx['fast_ms']:.1f}× |")
    say(f"| PDF/A per document | {pdf['naive_s']:.2f} s (one soffice per document, {pdf['naive_docs']} docs) | "
        f"{pdf['pool_s']:.3f} s (2 warm instances, {pdf['pool_docs']} docs, {pdf['ok']} ok) | "
        f"{pdf['naive_s'] / pdf['pool_s']:.1f}× |")
    say("")
    say(f"- same text from both renderers: {docx['same_text']} of {docx['documents']} documents")
    say(f"- `teczka build --no-pdf --no-html`, {args.units} units, 2 processes: {first:.1f} s "
        f"({first / args.units * 1000:.0f} ms per unit incl. reading and validating), peak RSS {peak:.0f} MB")
    say(f"- second run, nothing changed: {again:.2f} s — “{again_line}”")
    if args.national:
        national = demo_forms(NATIONAL_UNITS)
        out = WORK / "out-national"
        shutil.rmtree(out, ignore_errors=True)
        docx_only, _, peak_docx = timed_build(national, out, "--no-pdf", "--no-html")
        noop, noop_line, _ = timed_build(national, out, "--no-pdf", "--no-html")
        shutil.rmtree(out, ignore_errors=True)
        full, _, peak_full = timed_build(national, out)
        say(f"- **{NATIONAL_UNITS} units**, docx only (reading + validating + rendering + bundles + reports; "
            "no PDF, no HTML): "
            f"{docx_only:.1f} s, peak RSS of the largest process {peak_docx:.0f} MB")
        say(f"- {NATIONAL_UNITS} units, second run with nothing changed: {noop:.2f} s — “{noop_line}”")
        say(f"- {NATIONAL_UNITS} units end to end with PDF/A, HTML and bundles: {full / 60:.1f} min, "
            f"peak RSS of the largest process {peak_full:.0f} MB")
    say("")
    if not args.no_record:
        results = ROOT / "bench" / "RESULTS.md"
        header = "" if results.exists() else "# Benchmark results\n\nAppended by `make bench` (`python bench/run.py`).\n\n"
        with results.open("a", encoding="utf-8") as handle:
            handle.write(header + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
