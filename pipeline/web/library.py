"""The one door from the web to the library: every validation, rendering, feedback and build
the web asks for goes through here, to the same functions the command line calls.

The web holds no rule of its own; when the library's public API (``pipeline.api``) lands, only
this module changes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline import layout
from pipeline.build import BuildOptions, BuildSummary, build
from pipeline.console import mask_problem
from pipeline.edition import DEFAULT_EDITION, Edition, load_edition
from pipeline.errors import FormFileError, Problem, TeczkaError
from pipeline.files import (
    LockedError,
    RunLock,
    UnsafePathError,
    atomic_write_bytes,
    safe_child,
    sha256_bytes,
    sha256_file,
)
from pipeline.report.charts import stage_strip
from pipeline.report.feedback import build_feedback_workbook
from pipeline.report.model import STAGE_COUNT, STATUS_LABELS
from pipeline.report.page_style import PAGE_CSS
from pipeline.validate import (
    FORM_SUFFIXES,
    UnitValidation,
    discover_units,
    form_files,
    validate_unit,
)

__all__ = [
    "DEFAULT_EDITION", "FORMS", "FORMS_BY_FILE", "FORMS_BY_KEY", "FORM_SUFFIXES", "PAGE_CSS", "STAGE_COUNT", "STATUS_LABELS",
    "BuildOptions", "BuildSummary", "Edition", "LockedError", "Problem", "RunLock", "TeczkaError",
    "UnitValidation", "UnsafePathError", "atomic_write_bytes", "blank_form", "build", "clear_half_written",
    "discover_units",
    "feedback_workbook", "form_files", "identify_form", "load_edition", "mask_problem", "render_documents",
    "report_units", "safe_child", "sha256_bytes", "sha256_file", "stage_strip", "validate_unit",
]

FORMS = layout.FORMS
FORMS_BY_KEY = layout.FORMS_BY_KEY
FORMS_BY_FILE = layout.FORMS_BY_FILE


def clear_half_written(folder: Path) -> None:
    """Remove what an interrupted atomic write left in a folder (as the build does in output/)."""
    from pipeline.build import _HALF_WRITTEN

    if folder.is_dir() and not folder.is_symlink():
        for path in folder.iterdir():
            if path.is_file() and not path.is_symlink() and _HALF_WRITTEN.match(path.name):
                path.unlink(missing_ok=True)


def identify_form(path: Path) -> layout.FormLayout | None:
    """Which form a workbook is (from its stamp), or None when the reader refuses it; the
    reason is reported by ``validate_unit`` in the same words as ``teczka validate``."""
    from pipeline.reader import identify

    try:
        return identify(path, path.name)[1]
    except FormFileError:
        return None


def feedback_workbook(source: Path, problems: list[Problem]) -> bytes | None:
    """The marked copy ("uwagi") of a workbook with errors, as ``teczka build`` writes it."""
    from pipeline.report.feedback import FeedbackSourceError

    try:
        return build_feedback_workbook(source, [p.as_dict() | {"severity": p.severity} for p in problems])
    except FeedbackSourceError:
        return None


def render_documents(validation: UnitValidation, edition: Edition, templates_dir: Path) -> list[tuple[str, bytes]]:
    """The unit's .docx documents, rendered in memory exactly as the build renders them."""
    from pipeline.render import render_unit, template_set

    return [(doc.name, doc.data) for doc in render_unit(validation.unit, edition, template_set(templates_dir))]


def blank_form(form_key: str, edition: Edition, card: dict[str, Any] | None = None) -> bytes:
    """A blank form; the karta pre-filled with the unit's name and TERC when they are known."""
    from pipeline.writer import build_workbook

    form = layout.FORMS_BY_KEY[form_key]
    values = {"jst": card} if form_key == "card" and card else None
    return build_workbook(form, edition, values)


def report_units(out_dir: Path) -> dict[str, dict[str, Any]]:
    """The last build's report entries by unit id (empty before the first build)."""
    try:
        report = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {unit["id"]: unit for unit in report.get("units") or [] if isinstance(unit, dict) and "id" in unit}
