"""The one door from the web to the library: every validation, rendering, feedback and build
the web asks for goes through here, to the functions the command line calls (``pipeline.api``).

The web holds no rule of its own: what a form says, which documents a unit gets, what a
status is called and how personal data are masked all come from the library.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline import api, layout
from pipeline.api import (
    BuildOptions,
    BuildSummary,
    Edition,
    Problem,
    TeczkaError,
    UnitReport,
    load_edition,
)
from pipeline.console import mask_problem
from pipeline.documents import output_heading, output_rank
from pipeline.edition import DEFAULT_EDITION
from pipeline.errors import FormFileError, UsageError
from pipeline.files import (
    LockedError,
    UnsafePathError,
    atomic_write_bytes,
    folder_entries,
    remove_half_written,
    safe_child,
    sha256_bytes,
    sha256_file,
)
from pipeline.reader import identify
from pipeline.report.charts import stage_strip
from pipeline.report.model import STAGE_COUNT
from pipeline.report.page_style import PAGE_CSS
from pipeline.statuses import BY_ID as STATUSES_BY_ID
from pipeline.statuses import STATUSES
from pipeline.validate import FORM_SUFFIXES, discover_units, form_files
from pipeline.writer import build_workbook

__all__ = [
    "DEFAULT_EDITION", "FORMS", "FORMS_BY_FILE", "FORMS_BY_KEY", "FORM_SUFFIXES", "PAGE_CSS", "STAGE_COUNT", "STATUSES",
    "STATUSES_BY_ID", "BuildOptions", "BuildSummary", "Edition", "LockedError", "Problem", "TeczkaError",
    "UnitReport", "UnsafePathError", "UsageError", "atomic_write_bytes", "folder_entries", "output_heading", "output_rank", "blank_form", "build", "remove_half_written",
    "discover_units", "feedback_workbooks", "form_files", "identify_form", "load_edition", "mask_problem",
    "render_unit", "report_units", "safe_child", "sha256_bytes", "sha256_file", "stage_strip", "validate_unit",
]  # fmt: skip

FORMS = layout.FORMS
FORMS_BY_KEY = layout.FORMS_BY_KEY
FORMS_BY_FILE = layout.FORMS_BY_FILE
validate_unit = api.validate_unit  # (folder, edition, root) -> UnitReport, as `teczka validate`
feedback_workbooks = api.feedback_workbooks  # (report) -> {"3_hdr_uwagi.xlsx": bytes}, as `teczka build`
build = api.build  # (options, progress, echo) -> BuildSummary, as `teczka build` / `make documents`
warm_converter = api.warm_converter  # (options) -> the LibreOffice pool the server keeps between builds


def render_unit(folder: Path, edition: Edition, templates_dir: Path) -> tuple[UnitReport, list[tuple[str, bytes]]]:
    """The unit validated and its .docx documents rendered in memory, as the build renders them."""
    report, documents = api.render_unit(folder, edition, templates_dir)
    return report, [(document.spec.name, document.data) for document in documents]


def identify_form(path: Path) -> layout.FormLayout | None:
    """Which form a workbook is (from its stamp), or None when the reader refuses it; the
    reason is reported by ``validate_unit`` in the same words as ``teczka validate``."""
    try:
        return identify(path, path.name)[1]
    except FormFileError:
        return None


def blank_form(form_key: str, edition: Edition, card: dict[str, Any] | None = None) -> bytes:
    """A blank form; the karta pre-filled with the unit's name and TERC when they are known."""
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
