"""Benchmark: the pipeline against the naive way, in one run, on the same synthetic input.

Prints ratios and absolute figures with the machine's core count, and appends them (dated) to
bench/RESULTS.md. The naive ways are the ones people write first: DocxTemplate(path) →
render → save per document; openpyxl to read the forms; one `soffice --convert-to pdf` process
per document. No timing is asserted anywhere in the test suite; this script only measures.

    python bench/run.py                 # 100 units, a PDF sample (≈ 3 min)
    python bench/run.py --national-no-pdf   # also 2 807 units without PDFs, then a no-op re-run (≈ 5 min)
    python bench/run.py --national      # also 2 807 units end to end (≈ 20 min)
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import openpyxl
from docx import Document

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.convert import ConversionJob, PdfConverter  # noqa: E402
from pipeline.demo import write_demo  # noqa: E402
from pipeline.documents import build_context, document_plan  # noqa: E402
from pipeline.edition import load_edition  # noqa: E402
from pipeline.render import TemplateSet, render_document, render_naive  # noqa: E402
from pipeline.validate import discover_units, form_files, validate_unit  # noqa: E402

EDITION = load_edition("2022")
TEMPLATES = ROOT / "templates"
TEMPLATE_SET = TemplateSet(TEMPLATES)
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


def bench_html_document(forms: Path, sample: int) -> dict[str, float]:
    """One summary to HTML: a pandoc process per document (the naive way) against the warm
    `pandoc lua` process the build keeps per worker."""
    import pypandoc

    from pipeline.publish import Pandoc, publication_unit

    summaries = []
    for folder in discover_units(forms):
        unit = validate_unit(folder, EDITION).unit
        if unit.summary is None:
            continue
        public = publication_unit(unit)
        spec = document_plan(public, EDITION)[-1]
        summaries.append(render_document(TEMPLATE_SET, spec, build_context(spec, public, EDITION)))
        if len(summaries) == sample:
            break
    if not summaries:
        raise SystemExit(f"no valid summary among the demo units in {forms}: delete the folder to regenerate it")
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for index, data in enumerate(summaries):
            paths.append(Path(tmp) / f"{index}.docx")
            paths[-1].write_bytes(data)
        started = time.perf_counter()
        for path in paths:
            subprocess.run([pypandoc.get_pandoc_path(), str(path), "-f", "docx+styles", "-t", "html5"],
                           check=True, capture_output=True)
        naive = (time.perf_counter() - started) / len(paths)
    pandoc = Pandoc()
    pandoc.to_html(summaries[0])  # start-up is paid once per worker, not per document
    started = time.perf_counter()
    for data in summaries:
        pandoc.to_html(data)
    warm = (time.perf_counter() - started) / len(summaries)
    pandoc.close()
    return {"documents": len(summaries), "naive_ms": naive * 1000, "warm_ms": warm * 1000}


def bench_html_build(forms: Path, rounds: int = 2) -> dict[str, float]:
    """`teczka build --no-pdf` with and without HTML on the same units, alternating, best of each."""
    without, with_html = [], []
    for _ in range(rounds):
        for extra, times in ((("--no-html",), without), ((), with_html)):
            out = WORK / "out-html"
            shutil.rmtree(out, ignore_errors=True)
            times.append(timed_build(forms, out, "--no-pdf", *extra).seconds)
    return {"without": min(without), "with": min(with_html)}


def _process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    tree = [root]
    for pid in tree:
        tree.extend(children.get(pid, []))
    return tree


def _memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in kB; PSS splits shared pages among the processes sharing them."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            values = {line.split(":")[0]: int(line.split()[1]) for line in handle if line.startswith(("Rss:", "Pss:"))}
    except (OSError, ValueError, IndexError):
        return 0, 0
    return values.get("Rss", 0), values.get("Pss", 0)


@dataclass
class BuildRun:
    seconds: float
    first_line: str
    peak_total_mb: float  # the whole run: Python processes and LibreOffice, PSS summed, sampled every 0.25 s
    peak_process_mb: float  # the largest single process (RSS)


def timed_build(forms: Path, out: Path, *extra: str) -> BuildRun:
    """Run `teczka build` and sample the memory of its whole process tree while it runs."""
    command = [str(ROOT / ".venv" / "bin" / "teczka"), "build", "--forms", str(forms), "--out", str(out),
               "--edition", "2022", "--templates", str(TEMPLATES), *extra]
    started = time.perf_counter()
    peak_total = peak_process = 0
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen(command, stdout=stdout, stderr=stderr)
        while proc.poll() is None:
            sizes = [_memory_kb(pid) for pid in _process_tree(proc.pid)]
            peak_total = max(peak_total, sum(pss for _, pss in sizes))
            peak_process = max([peak_process] + [rss for rss, _ in sizes])
            time.sleep(0.25)
        elapsed = time.perf_counter() - started
        stdout.seek(0)
        stderr.seek(0)
        output, errors = stdout.read().decode("utf-8", "replace"), stderr.read().decode("utf-8", "replace")
    if proc.returncode not in (0, 1):
        raise SystemExit(f"build failed ({proc.returncode}): {errors[-2000:]}")
    first = output.strip().splitlines()[0] if output.strip() else ""
    return BuildRun(elapsed, first, peak_total / 1024, peak_process / 1024)


def memory(run: BuildRun) -> str:
    return (f"peak memory of the whole run {run.peak_total_mb:.0f} MB (PSS of every process, LibreOffice included), "
            f"largest process {run.peak_process_mb:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--national", action="store_true", help=f"also run {NATIONAL_UNITS} units end to end")
    parser.add_argument("--national-no-pdf", action="store_true",
                        help=f"also run {NATIONAL_UNITS} units without PDF/HTML, and again with nothing changed")
    parser.add_argument("--html-units", type=int, default=300, help="units of the HTML cost comparison")
    parser.add_argument("--only-html", action="store_true", help="measure only what the publication HTML costs")
    parser.add_argument("--no-record", action="store_true", help="do not append to bench/RESULTS.md")
    args = parser.parse_args()
    soffice = subprocess.run(["soffice", "--version"], capture_output=True, text=True).stdout.strip()
    lines = [f"## {date.today().isoformat()} — {os.cpu_count()} cores, Python {platform.python_version()}, {soffice}", ""]

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    print("preparing input …")
    html_forms = demo_forms(args.html_units)
    html_doc = bench_html_document(html_forms, 30)
    html_build = bench_html_build(html_forms)
    if args.only_html:
        _say_html(say, args.html_units, html_doc, html_build)
        return _record(args, lines)
    forms = demo_forms(args.units)
    reading = bench_reading(forms, 20)
    docx = bench_docx(forms, min(args.units, 40))
    pdf = bench_pdf(forms, naive_docs=6, pool_docs=80)
    out = WORK / "out"
    shutil.rmtree(out, ignore_errors=True)
    first = timed_build(forms, out, "--no-pdf", "--no-html")
    again = timed_build(forms, out, "--no-pdf", "--no-html")
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
    say(f"- `teczka build --no-pdf --no-html`, {args.units} units, 2 processes: {first.seconds:.1f} s "
        f"({first.seconds / args.units * 1000:.0f} ms per unit incl. reading and validating), "
        f"{memory(first)}")
    say(f"- second run, nothing changed: {again.seconds:.2f} s — “{again.first_line}”")
    if args.national or args.national_no_pdf:
        national = demo_forms(NATIONAL_UNITS)
        out = WORK / "out-national"
        shutil.rmtree(out, ignore_errors=True)
        docx_only = timed_build(national, out, "--no-pdf", "--no-html")
        noop = timed_build(national, out, "--no-pdf", "--no-html")
        say(f"- **{NATIONAL_UNITS} units**, docx only (reading + validating + rendering + bundles + reports; "
            f"no PDF, no HTML): {docx_only.seconds:.1f} s, {memory(docx_only)}")
        say(f"- {NATIONAL_UNITS} units, second run with nothing changed: {noop.seconds:.2f} s — “{noop.first_line}”")
    if args.national:
        shutil.rmtree(out, ignore_errors=True)
        full = timed_build(national, out)
        say(f"- **{NATIONAL_UNITS} units end to end** with PDF/A, HTML and bundles: {full.seconds / 60:.1f} min, "
            f"{memory(full)}")
    _say_html(say, args.html_units, html_doc, html_build)
    _record(args, lines)


def _say_html(say, units: int, document: dict[str, float], build: dict[str, float]) -> None:
    say(f"- summary → HTML, one document ({document['documents']} documents): {document['naive_ms']:.1f} ms "
        f"(one pandoc process per document) vs {document['warm_ms']:.1f} ms (warm `pandoc lua`), "
        f"{document['naive_ms'] / document['warm_ms']:.1f}×")
    say(f"- `teczka build --no-pdf`, {units} units, best of 2 each, alternating: {build['without']:.1f} s without HTML, "
        f"{build['with']:.1f} s with HTML: **{build['with'] / build['without']:.2f}×** (target ≤ 1.5×)")
    say("")


def _record(args, lines: list[str]) -> None:
    if not args.no_record:
        results = ROOT / "bench" / "RESULTS.md"
        header = "" if results.exists() else "# Benchmark results\n\nAppended by `make bench` (`python bench/run.py`).\n\n"
        with results.open("a", encoding="utf-8") as handle:
            handle.write(header + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
