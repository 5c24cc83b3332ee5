"""Building one unit, in a worker process: validate, render, then finish (PDF pins, HTML, bundle).

``build_unit`` and ``finish_unit`` take and return plain picklable values, so the
orchestrator can run them in a process pool; PDF conversion happens between the two, in the
orchestrator's warm LibreOffice pool. Nothing here writes outside the unit's staging folder.
"""

from __future__ import annotations

import os
import pickle
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.bundle import (
    INVENTORY_NAME,
    BundleEntry,
    build_bundle,
    bundle_file_name,
    bundle_prefix,
    inventory_text,
)
from pipeline.documents import DocumentSpec, build_context, document_plan
from pipeline.edition import Edition, load_edition
from pipeline.files import sha256_bytes, sha256_file
from pipeline.models import Unit
from pipeline.pdfpin import pin_pdf
from pipeline.processes import die_with_parent
from pipeline.publish import summary_html
from pipeline.render import RenderError, render_document, template_set
from pipeline.report.feedback import feedback_copies
from pipeline.report.model import relative_path, unit_entry
from pipeline.state import RebuildDecision, content_hash, used_templates
from pipeline.validate import UnitValidation, validate_unit

PUBLICATION_OMITTED = ["podsumowanie: e-mail osoby do kontaktu", "podsumowanie: telefon osoby do kontaktu",
                       "zespół JST: e-maile i telefony"]


@dataclass
class UnitJob:
    unit_id: str
    folder: Path
    edition_id: str
    templates_dir: Path
    staging: Path
    repo_root: Path
    out_dir: Path
    html: bool
    pdf: bool
    global_key: str
    templates: dict[str, str]
    decision: RebuildDecision  # taken by the orchestrator (pipeline.state.decide_rebuild)
    template_errors: dict[str, str] = field(default_factory=dict)  # template -> why the check refuses it


@dataclass
class UnitResult:
    unit_id: str
    unchanged: bool
    sources: dict[str, dict[str, Any]]
    staging: Path = Path()
    reason: str = ""
    templates: dict[str, str] = field(default_factory=dict)
    documents: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)
    bundle_name: str | None = None
    job: UnitJob | None = None
    source_paths: list[str] = field(default_factory=list)
    # The validated models, pickled, so finishing does not read the forms again; as one opaque
    # bytes object the orchestrator passes them on without unpickling thousands of small objects
    # (which it would keep as fragmented memory for the rest of a long run).
    unit_pickle: bytes = b""


def worker_init(parent: int) -> None:
    """Process-pool initializer: the worker dies with the orchestrator. A run killed with
    SIGKILL then leaves no worker behind writing into its staging folder or keeping the output
    folder's lock (inherited at fork) held; elsewhere than Linux this is a no-op."""
    if not die_with_parent():
        return
    if os.getppid() != parent:  # the orchestrator died before prctl took effect
        os._exit(1)


@lru_cache(maxsize=4)
def _edition(edition_id: str) -> Edition:
    return load_edition(edition_id)


def _templates(templates_dir: str) -> Any:
    """The process-wide compiled templates (recompiled when a template file changes)."""
    return template_set(Path(templates_dir))


def _fingerprints(validation: UnitValidation) -> dict[str, dict[str, Any]]:
    by_path = {read.path: read for read in validation.reads.values()}
    out = {}
    for path in validation.sources:
        stat = path.stat()
        digest = sha256_file(path)
        read = by_path.get(path)
        content = content_hash([read.data, sorted(read.cells.items())]) if read else digest
        out[path.name] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": digest, "content": content}
    return out


def build_unit(job: UnitJob) -> UnitResult:
    """Validate a unit and render its documents into its staging folder."""
    edition = _edition(job.edition_id)
    validation = validate_unit(job.folder, edition, display_root=job.repo_root)
    sources = _fingerprints(validation)
    reason = job.decision.reason_given({name: source["content"] for name, source in sources.items()})
    if reason is None:  # the bytes changed, the values did not (a re-save): nothing to do
        return UnitResult(job.unit_id, True, sources)
    plan = document_plan(validation.unit, edition)
    used = used_templates([spec.template for spec in plan], job.templates)
    shutil.rmtree(job.staging, ignore_errors=True)
    job.staging.mkdir(parents=True)
    result = UnitResult(job.unit_id, False, sources, staging=job.staging, reason=reason, templates=used, job=job,
                        source_paths=[str(p) for p in validation.sources],
                        unit_pickle=pickle.dumps(validation.unit, protocol=pickle.HIGHEST_PROTOCOL))
    try:
        result.documents = _render(validation.unit, plan, edition, job)
    except OSError:
        raise  # disk full, no permission: the whole run stops with a clear message
    except Exception as exc:  # a template error in one unit must not stop the others
        result.failures.append(f"Błąd szablonu: {exc}")
    result.report = unit_entry(validation, edition, job.repo_root, plan).model_dump(mode="json")
    _feedback(validation, job, result)
    return result


def _render(unit: Unit, plan: list[DocumentSpec], edition: Edition, job: UnitJob) -> list[dict[str, Any]]:
    templates = _templates(str(job.templates_dir))
    documents = []
    for spec in plan:
        if spec.template in job.template_errors:
            raise RenderError(job.template_errors[spec.template], template=spec.template)
        data = render_document(templates, spec, build_context(spec, unit, edition))
        (job.staging / spec.name).write_bytes(data)
        documents.append({"file": spec.name, "title": spec.title, "date": spec.date.isoformat(),
                          "keywords": "; ".join(spec.keywords), "template": spec.template,
                          "sha256": sha256_bytes(data)})
    return documents


def _feedback(validation: UnitValidation, job: UnitJob, result: UnitResult) -> None:
    """A copy of each workbook with errors, the invalid cells marked, for the JST team."""
    sources = {relative_path(p, job.repo_root): p for p in validation.sources}
    feedback = []
    for name, data in feedback_copies(validation.problems, sources).items():
        target = job.staging / "uwagi" / name
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(data)
        feedback.append(_output_path(job, f"uwagi/{name}"))
    result.report["feedback"] = feedback


def _output_path(job: UnitJob, name: str) -> str:
    return relative_path(job.out_dir / job.unit_id / name, job.repo_root)


def finish_unit(result: UnitResult) -> UnitResult:
    """After conversion: pin the PDFs, make the HTML, pack the bundle, complete the report entry."""
    job = result.job
    assert job is not None
    documents: list[str] = []
    for document in result.documents:
        docx = result.staging / document["file"]
        documents.append(_output_path(job, document["file"]))
        pdf = docx.with_suffix(".pdf")
        if job.pdf and pdf.exists():
            stamp = datetime.fromisoformat(document["date"]).replace(tzinfo=UTC)
            try:
                pin_pdf(pdf, timestamp=stamp, seed=bytes.fromhex(document["sha256"]), keywords=document["keywords"])
                documents.append(_output_path(job, pdf.name))
            except OSError:
                raise  # disk full, no permission: the whole run stops with a clear message
            except Exception as exc:
                result.failures.append(f"{pdf.name}: nie udało się przygotować PDF/A ({exc}).")
    if job.html and not result.failures:
        html = _guarded(result, "podsumowanie.html: nie udało się przygotować wersji do publikacji",
                        _publication_html, result)
        if html:
            documents.append(_output_path(job, html))
            result.report["publication_omitted"] = PUBLICATION_OMITTED
    result.report["documents"] = documents
    if not result.failures and result.report["status"] in ("ok", "incomplete") and result.report["teryt"]:
        _guarded(result, "nie udało się spakować paczki dla ORE", _bundle, result)
    if result.failures:
        result.report["status"] = "failed"
        result.report["failure"] = "; ".join(result.failures)
        result.report["documents"] = []  # nothing of a failed unit is published
        result.report["bundle"], result.bundle_name = None, None
    return result


def _guarded(result: UnitResult, what: str, step: Any, *args: Any) -> Any:
    """Run one finishing step; its failure fails the unit, not the run (OSError stops the run)."""
    try:
        return step(*args)
    except OSError:
        raise
    except Exception as exc:
        result.failures.append(f"{what} ({exc}).")
        return None


def _publication_html(result: UnitResult) -> str | None:
    """The summary as HTML for publication, without contact data."""
    job = result.job
    assert job is not None
    unit = pickle.loads(result.unit_pickle) if result.unit_pickle else None
    if unit is None or unit.summary is None or unit.card is None:
        return None
    html = summary_html(unit, _edition(job.edition_id), _templates(str(job.templates_dir)))
    if html is None:
        return None
    (result.staging / "podsumowanie.html").write_text(html, encoding="utf-8")
    return "podsumowanie.html"


def _form_as_sent(path: Path) -> bytes:
    """A form for the bundle: as the team sent it, but a returned feedback copy without its marks."""
    from pipeline.report.feedback import clean_copy, is_marked

    if path.suffix.lower() == ".xlsx" and is_marked(path):
        return clean_copy(path)
    return path.read_bytes()


def _bundle(result: UnitResult) -> None:
    job = result.job
    assert job is not None
    report = result.report
    prefix = bundle_prefix(report["teryt"], report["name"])  # many unpacked bundles never collide
    entries = [BundleEntry(f"dokumenty/{prefix}_{path.name}", path.read_bytes())
               for path in sorted(result.staging.iterdir()) if path.is_file()]
    entries += [BundleEntry(f"formularze/{prefix}_{Path(p).name}", _form_as_sent(Path(p))) for p in result.source_paths]
    titles = {}
    for document in result.documents:
        stem = Path(document["file"]).stem
        for suffix in (".docx", ".pdf", ".html"):
            titles[f"dokumenty/{prefix}_{stem}{suffix}"] = document["title"]
    edition = _edition(job.edition_id)
    entries.append(BundleEntry(INVENTORY_NAME, inventory_text(report["name"], report["teryt"],
                                                              f"{edition.short_name} ({edition.id})", entries, titles)))
    meta = {
        "unit": {"id": report["id"], "name": report["name"], "teryt": report["teryt"],
                 "unit_type": report["unit_type"], "voivodeship": report["voivodeship"]},
        "edition": job.edition_id,
        "stage": report["stage"],
        "status": report["status"],
        "tool_version": __version__,
        "templates": result.templates,
        "inputs": {name: fp["sha256"] for name, fp in sorted(result.sources.items())},
        "publication_omitted": report["publication_omitted"],
    }
    name = bundle_file_name(report["teryt"], report["name"])
    (result.staging / name).write_bytes(build_bundle(entries, meta=meta))
    result.bundle_name = name
    result.report["bundle"] = relative_path(job.out_dir / "paczki" / name, job.repo_root)
