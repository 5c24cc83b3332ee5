"""The orchestrator: forms → validation → documents → PDF/A and HTML → bundles → reports.

Only this module (and the file-system edge it calls) writes to the output folder. Units are
independent: one unit's broken form, failed conversion or template error is recorded in the
report and the others are built. A unit's outputs are assembled in a staging folder and moved
into place only when complete; the incremental state is saved only after the moves.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import __version__, layout
from pipeline.bundle import bundle_unit_id
from pipeline.convert import ConversionJob, ConverterUnavailable, PdfConverter
from pipeline.edition import Edition
from pipeline.errors import SetupError, UsageError, describe_os_error, os_error_message
from pipeline.files import (
    RunLock,
    UnsafePathError,
    atomic_replace_dir,
    atomic_write_bytes,
    remove_half_written,
    safe_child,
    sha256_bytes,
    sha256_file,
    text_name,
)
from pipeline.render import template_hashes, template_set
from pipeline.report.model import Report, ReportArea, ReportEdition, ReportUnit, report_json_bytes
from pipeline.report.spreadsheet import build_coordinator_workbook
from pipeline.report.status_page import build_status_page
from pipeline.shipped import SHIPPED_DIR, shipped_hashes, update_notice
from pipeline.state import (
    DAMAGED_WARNING,
    BuildState,
    UnitState,
    code_fingerprint,
    content_hash,
    decide_rebuild,
    global_key,
    outputs_present,
    quick_source_check,
)
from pipeline.statuses import BY_ID
from pipeline.template_check import check_templates
from pipeline.unit_build import UnitJob, UnitResult, build_unit, finish_unit, worker_init
from pipeline.validate import discover_units, form_files, is_source

CHUNK_UNITS = 128  # units rendered, converted and finished together (staging holds one chunk)
STAGING_DIR = ".staging"
BUNDLES_DIR = "paczki"
WRITE_PROBE = ".teczka-write-test"
# What an interrupted run leaves beside the outputs: half-written files of atomic_write_bytes
# (".report.json.k3j2.tmp") and folders atomic_replace_dir had set aside (".gmina-a.old-x7q1").
_SET_ASIDE = re.compile(r"^\.(?P<name>.+)\.old-[^.]+$")


@dataclass
class BuildOptions:
    forms_dir: Path
    out_dir: Path
    edition: Edition
    templates_dir: Path = Path("templates")
    repo_root: Path = field(default_factory=Path.cwd)
    pdf: bool = True
    html: bool = True
    jobs: int = max(1, min(os.cpu_count() or 1, 4))
    force: bool = False
    conversion_timeout: float = 120.0
    soffice: str | None = None
    shipped_dir: Path = SHIPPED_DIR  # the templates this version of the tool ships (pipeline/shipped.py)
    # A converter the caller keeps warm between builds (the server: ``warm_converter``); the build
    # uses it and leaves it open. None (the CLI): the build starts its own and closes it.
    converter: PdfConverter | None = None


@dataclass
class BuildSummary:
    units: list[dict[str, Any]]
    rebuilt: dict[str, str]  # unit id -> reason
    documents: int
    report_dir: Path
    report: Report  # the same units as ``units``, as the closed model (what report.json holds)

    def count(self, status: str) -> int:
        return sum(1 for unit in self.units if unit["status"] == status)

    @property
    def exit_code(self) -> int:
        return 1 if any(BY_ID[unit["status"]].problem for unit in self.units) else 0


Progress = Callable[[str, int, int], None]


def build(options: BuildOptions, progress: Progress | None = None, echo: Callable[[str], None] = print) -> BuildSummary:
    """Build every unit under the forms folder into the output folder."""
    if not options.forms_dir.is_dir():
        raise UsageError(f"Nie ma katalogu z formularzami: {options.forms_dir}.")
    folders = discover_units(options.forms_dir)
    if not folders:
        raise UsageError(f"W katalogu {options.forms_dir} nie ma żadnej jednostki (podkatalogu z formularzami).")
    if options.pdf:
        _require_converter(options)
    lock = RunLock(options.out_dir, wait=0)
    try:
        options.out_dir.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except OSError as exc:
        raise _unwritable(options.out_dir, exc) from None
    try:
        try:
            probe = options.out_dir / WRITE_PROBE
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise _unwritable(options.out_dir, exc) from None
        return _build_locked(options, folders, progress or (lambda *_: None), echo)
    except OSError as exc:  # disk full, permissions changed under us: the run stops, cleanly
        raise SetupError(f"{os_error_message(exc)} Formularze nie zostały zmienione, a w katalogu wyników nie ma "
                         "plików zapisanych do połowy; usuń przyczynę i uruchom budowanie ponownie.") from exc
    finally:
        lock.release()


def _unwritable(out_dir: Path, exc: OSError) -> SetupError:
    return SetupError(f"Nie można zapisywać w katalogu {out_dir}: {describe_os_error(exc)}.")


def _require_converter(options: BuildOptions) -> None:
    """Fail before any work when LibreOffice cannot be found (the converter starts nothing yet)."""
    PdfConverter(soffice=options.soffice)


def _build_locked(options: BuildOptions, folders: list[Path], progress: Progress,
                  echo: Callable[[str], None]) -> BuildSummary:
    state = BuildState.load(options.out_dir)
    if state.damaged:
        echo(DAMAGED_WARNING.format(path=state.path))
    key = global_key(options.edition.fingerprint, f"{__version__}+{code_fingerprint()}",
                     {"pdf": options.pdf, "html": options.html})
    templates = template_hashes(options.templates_dir)
    for line in update_notice(options.templates_dir, state.shipped, options.shipped_dir):
        echo(line)
    state.shipped = shipped_hashes(options.shipped_dir)  # saved with the state: said once per new version
    safe_child(options.out_dir, BUNDLES_DIR)  # a symlinked bundles folder leading elsewhere: refuse
    _clear_leftovers(options.out_dir)
    staging_root = safe_child(options.out_dir, STAGING_DIR)
    entries: dict[str, dict[str, Any]] = {}
    rebuilt: dict[str, str] = {}
    pending: list[UnitJob] = []
    for folder in folders:
        job = _plan(folder, options, state, key, templates, staging_root)
        if job is None:
            entries[text_name(folder.name)] = state.units[text_name(folder.name)].report
        else:
            pending.append(job)
    documents = 0
    if pending:
        refused = template_errors(options.templates_dir, options.edition, templates)
        for job in pending:
            job.template_errors = refused
        with contextlib.suppress(OSError):  # an unreadable template is each unit's error, in the worker
            template_set(options.templates_dir)  # compiled once here: the forked workers inherit it
        owned = options.converter is None
        converter = (_converter(options) if owned else options.converter) if options.pdf else None
        try:
            # Forked workers (the default on Linux up to Python 3.13, said here for later ones):
            # they inherit the compiled templates, and worker_init checks that its parent is us.
            with ProcessPoolExecutor(max_workers=options.jobs, initializer=worker_init, initargs=(os.getpid(),),
                                     mp_context=multiprocessing.get_context("fork")) as pool:
                try:
                    documents = _run_chunks(pool, converter, pending, len(folders), options, state, key, entries,
                                            rebuilt, progress)
                except BaseException:
                    pool.shutdown(wait=True, cancel_futures=True)  # queued units never start
                    raise
        finally:
            if converter is not None and owned:
                converter.close()
            _clear_leftovers(options.out_dir)
    for stale in set(state.units) - {text_name(f.name) for f in folders}:
        del state.units[stale]
    state.save()
    units = [entries[text_name(f.name)] for f in folders]
    _flag_duplicate_codes(units, options, state)
    report = _write_reports(options, units, state)
    return BuildSummary(units, rebuilt, documents, options.out_dir, report)


def template_errors(templates_dir: Path, edition: Edition, templates: dict[str, str]) -> dict[str, str]:
    """Template file -> the first error ``teczka templates check`` finds in it. A template the
    check refuses is refused by the build too, for every unit that uses it: a variable the
    pipeline does not provide stops the render even in a branch or a loop that this unit's data
    would skip (the renderer alone could only notice it when it runs that code).

    The answer depends only on the template files (``templates``: their hashes) and the
    edition, so it is kept for the life of the process: a server that builds again and again, or
    many builds in one process, check the same templates once (about a second each time)."""
    key = (edition.fingerprint, tuple(sorted(templates.items())))  # the folder's name is in no kept message
    if key not in _CHECKED or not edition.fingerprint:  # an edition made in memory has no fingerprint
        errors: dict[str, str] = {}
        for issue in check_templates(templates_dir, edition):
            if issue.severity == "error" and issue.part:  # a template's content (a missing file fails on use)
                errors.setdefault(issue.template, issue.message)
        if len(_CHECKED) >= 8:
            _CHECKED.clear()
        _CHECKED[key] = errors
    return dict(_CHECKED[key])


_CHECKED: dict[tuple[str, tuple[tuple[str, str], ...]], dict[str, str]] = {}


def _run_chunks(pool: ProcessPoolExecutor, converter: Any, pending: list[UnitJob], total: int,
                options: BuildOptions, state: BuildState, key: str, entries: dict[str, dict[str, Any]],
                rebuilt: dict[str, str], progress: Progress) -> int:
    """Render, convert and finish the pending units chunk by chunk; a chunk is published (moved
    into place, then recorded in the state) when finished. Returns the number of .docx made.

    The phases of a chunk run one after another: overlapping the workers' rendering and
    finishing with LibreOffice's conversion was measured (bench) and gained nothing on two
    cores — LibreOffice already keeps both busy — so the simpler order stays."""
    done = total - len(pending)
    documents = 0
    for chunk in _chunks(pending, CHUNK_UNITS):
        progress("dokumenty", done, total)
        results = list(pool.map(build_unit, chunk))
        for result in results:
            if result.unchanged:
                state.units[result.unit_id].sources = result.sources
                entries[result.unit_id] = state.units[result.unit_id].report
        changed = [result for result in results if not result.unchanged]
        if converter is not None and changed:
            progress("PDF/A", done, total)
            _convert(converter, changed)
        documents += _publish_chunk(pool.map(finish_unit, changed), options, state, key, entries, rebuilt)
        done += len(chunk)
        progress("gotowe", done, total)
    return documents


def _publish_chunk(finished: Iterable[UnitResult], options: BuildOptions, state: BuildState, key: str,
                   entries: dict[str, dict[str, Any]], rebuilt: dict[str, str]) -> int:
    """Move a chunk's finished units into place as they come, then save the state."""
    documents = 0
    for result in finished:
        _publish(result, options, state, key, entries, rebuilt)
        documents += len([d for d in result.report["documents"] if d.endswith(".docx")])
    state.save()
    return documents


def _plan(folder: Path, options: BuildOptions, state: BuildState, key: str,
          templates: dict[str, str], staging_root: Path) -> UnitJob | None:
    """A job for a unit that is (or may be) out of date; None when it is up to date."""
    unit_id = text_name(folder.name)  # a name that is not UTF-8 is reported by validation, readably
    previous = state.units.get(unit_id)
    files = {p.name: p for p in form_files(folder) if is_source(p)}  # what the worker will read
    quick = {}
    outputs_exist = True
    if previous is not None and not options.force:
        quick = {name: quick_source_check(path, previous.sources.get(name)) for name, path in files.items()}
        outputs_exist = outputs_present(previous.report, options.repo_root)
    decision = decide_rebuild(previous, quick, key, templates, outputs_exist, options.force)
    if decision.up_to_date:
        return None
    return UnitJob(
        unit_id=unit_id, folder=folder, edition_id=str(options.edition.id),
        templates_dir=options.templates_dir, staging=staging_root / unit_id, repo_root=options.repo_root,
        out_dir=options.out_dir, html=options.html, pdf=options.pdf, global_key=key, templates=templates,
        decision=decision,
    )


def _clear_leftovers(out_dir: Path) -> None:
    """Remove what an interrupted run left: the staging folder and half-written files. A unit
    folder set aside just before its replacement moved in is put back (it is complete)."""
    staging = out_dir / STAGING_DIR
    if staging.is_symlink():
        staging.unlink()
    else:
        shutil.rmtree(staging, ignore_errors=True)
    (out_dir / WRITE_PROBE).unlink(missing_ok=True)
    for folder in (out_dir, out_dir / BUNDLES_DIR):
        if folder.is_symlink() or not folder.is_dir():
            continue
        remove_half_written(folder)
        for path in folder.iterdir():
            if (aside := _SET_ASIDE.match(path.name)) and path.is_dir() and not path.is_symlink():
                original = folder / aside["name"]
                if original.exists() or original.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    os.rename(path, original)


def _chunks(items: list[UnitJob], size: int) -> Iterator[list[UnitJob]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _converter(options: BuildOptions, resident: bool = False) -> PdfConverter:
    try:
        converter = PdfConverter(workers=min(2, options.jobs), timeout_per_document=options.conversion_timeout,
                                 soffice=options.soffice, profile_root=options.out_dir / ".libreoffice",
                                 batch_size=150, resident=resident)  # fewer LibreOffice restarts: ~0.5 s each
        converter.__enter__()
        return converter
    except ConverterUnavailable as exc:
        raise SetupError(str(exc)) from None


def warm_converter(options: BuildOptions) -> PdfConverter:
    """The converter a long-running caller keeps between builds (``BuildOptions.converter``):
    LibreOffice stays started and idle, so a build after an upload does not wait for its start.
    The caller closes it (no LibreOffice is left; the guard kills them if the caller is killed)."""
    converter = _converter(options, resident=True)
    converter.warm()
    return converter


def _convert(converter: Any, results: list[UnitResult]) -> None:
    """Convert every .docx of the changed units; a failure marks its unit failed."""
    jobs = []
    owners = []
    for result in results:
        for document in result.documents:
            source = result.staging / document["file"]
            jobs.append(ConversionJob(source=source, target=source.with_suffix(".pdf")))
            owners.append(result)
    for outcome, owner in zip(converter.convert(jobs), owners, strict=True):
        if not outcome.ok:
            owner.failures.append(f"{outcome.job.source.name}: {outcome.error}")


def _publish(result: UnitResult, options: BuildOptions, state: BuildState, key: str,
             entries: dict[str, dict[str, Any]], rebuilt: dict[str, str]) -> None:
    """Move a finished unit's files into place, then record it in the state."""
    entries[result.unit_id] = result.report
    rebuilt[result.unit_id] = result.reason
    final: Path | None
    bundle: Path | None
    try:
        final = safe_child(options.out_dir, result.unit_id)
        bundle = safe_child(options.out_dir, BUNDLES_DIR, result.bundle_name) if result.bundle_name else None
    except UnsafePathError as exc:  # output/<unit> is a symlink leading out of output/
        final = bundle = None
        result.report.update(status="failed", failure=f"{exc} Nie zapisano wyników tej jednostki.",
                             documents=[], bundle=None, feedback=[])
    if result.report["status"] == "failed" or final is None:
        state.units.pop(result.unit_id, None)  # try again next time
        return
    previous = state.units.get(result.unit_id)
    old_bundle = previous.report.get("bundle") if previous else None
    atomic_replace_dir(result.staging, final)
    if bundle is not None:
        bundle.parent.mkdir(exist_ok=True)
        os.replace(final / bundle.name, bundle)
    if isinstance(old_bundle, str):
        _remove_replaced_bundle(options, result.unit_id, old_bundle, state, entries)
    state.units[result.unit_id] = UnitState(sources=result.sources, global_key=key,
                                            templates=result.templates, report=result.report)


def _flag_duplicate_codes(units: list[dict[str, Any]], options: BuildOptions, state: BuildState) -> None:
    """Two units claiming one TERC code: both are invalid and lose their bundles until fixed."""
    by_code: dict[str, list[dict[str, Any]]] = {}
    for unit in units:
        if unit.get("teryt"):
            by_code.setdefault(unit["teryt"], []).append(unit)
    for code, claimants in by_code.items():
        if len(claimants) < 2:
            continue
        for unit in claimants:
            others = ", ".join(other["id"] for other in claimants if other is not unit)
            card = next((s for s in unit["sources"] if s.endswith(layout.FORMS_BY_KEY["card"].file_name)), None)
            unit["errors"] = unit["errors"] + [{
                "file": card, "sheet": "Karta JST", "cell": layout.FORMS_BY_KEY["card"].sheet("jst").cell_of("terc"),
                "field": "Kod TERC", "value": code,
                "message": f"Ten sam kod TERC ma także jednostka {others}. Każda JST może wystąpić tylko raz."}]
            unit["status"] = "invalid"
            if unit.get("bundle"):
                _remove_bundle(options, unit["bundle"])
                unit["bundle"] = None
            state.units.pop(unit["id"], None)  # check again on the next run
    state.save()


def _remove_replaced_bundle(options: BuildOptions, unit_id: str, reported: str, state: BuildState,
                            entries: dict[str, dict[str, Any]]) -> None:
    """Delete the bundle a unit had before this run (renamed unit, or no longer bundled).

    The state is only a cache, and paths in it are relative to wherever the last run started:
    the old bundle is compared with what this run wrote by its name in the bundles folder, not
    as text. It is deleted only when no unit's current entry (the one just written included)
    and no other unit's recorded entry names it, and its own manifest says it is this unit's."""
    name = Path(reported).name
    claimed = {Path(entry["bundle"]).name for entry in entries.values() if isinstance(entry.get("bundle"), str)}
    claimed |= {Path(other.report["bundle"]).name for uid, other in state.units.items()
                if uid != unit_id and isinstance(other.report.get("bundle"), str)}
    if name in claimed:
        return
    try:
        path = safe_child(options.out_dir, BUNDLES_DIR, name)
    except UnsafePathError:
        return
    if path.is_file() and not path.is_symlink() and bundle_unit_id(path) == unit_id:
        path.unlink(missing_ok=True)


def _remove_bundle(options: BuildOptions, reported: str) -> None:
    """Delete a bundle named in a report entry; only ever a file in the bundles folder."""
    with contextlib.suppress(UnsafePathError):
        safe_child(options.out_dir, BUNDLES_DIR, Path(reported).name).unlink(missing_ok=True)


REPORT_FILES = ("report.json", "raport.xlsx", "index.html")


def run_report(edition: Edition, units: list[dict[str, Any]]) -> Report:
    """The run's report, checked against the closed model: what every report file shows."""
    return Report(
        edition=ReportEdition(id=str(edition.id), name=edition.name, start=edition.start, end=edition.end),
        tool_version=__version__,
        stages=list(edition.stages),
        areas=[ReportArea(id=a.id, label=a.label) for a in edition.areas],
        units=[ReportUnit.model_validate(unit) for unit in units],
    )


def _write_reports(options: BuildOptions, units: list[dict[str, Any]], state: BuildState) -> Report:
    """The coordinator's reports, all three from one ``Report``; skipped when what they show and
    the files themselves are unchanged since the last run (on 2 807 units they take longer than
    the rest of a no-op run)."""
    edition = options.edition
    report = run_report(edition, units)
    data = report.model_dump(mode="json")
    key = content_hash([edition.fingerprint, data])
    targets = {name: safe_child(options.out_dir, name) for name in REPORT_FILES}
    recorded = state.reports.get("files")
    recorded = recorded if isinstance(recorded, dict) else {}
    if state.reports.get("key") == key and all(
            path.is_file() and not path.is_symlink() and sha256_file(path) == recorded.get(name)
            for name, path in targets.items()):
        return report
    contents = {
        "report.json": report_json_bytes(data),
        "raport.xlsx": build_coordinator_workbook(data),
        "index.html": build_status_page(data).encode("utf-8"),
    }
    for name, content in contents.items():
        atomic_write_bytes(targets[name], content)
    state.reports = {"key": key, "files": {name: sha256_bytes(content) for name, content in contents.items()}}
    state.save()
    return report
