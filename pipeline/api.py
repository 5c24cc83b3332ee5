"""The public surface of the library: what the command line and the web front end call.

Every function returns models (never prints, never exits); errors the user can act on are
``errors.TeczkaError`` with a Polish message. The CLI (``cli.py``) parses options, calls one
of these and prints what it gets back; a web route does the same and renders a page.

- ``validate_unit(folder, edition)`` / ``validate_forms(forms_dir, edition)`` → ``UnitReport``
  (a unit's report entry — the very shape of a unit in report.json — with its problems);
- ``build(options)`` → ``BuildSummary`` (whose ``report`` is the ``Report`` written as report.json);
  ``warm_converter(options)`` → a LibreOffice pool a server keeps warm and passes as ``options.converter``;
- ``render_unit(folder, edition, templates_dir)`` → the unit's documents as bytes, in memory;
- ``feedback_workbooks(unit_report)`` → the team's workbooks with the problem cells marked;
- and, as the CLI's other commands use them: ``write_blank_forms``, ``write_sample_forms``,
  ``write_demo``, ``verify_bundle``, ``check_templates``/``format_issues``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import PrivateAttr

from pipeline import render, validate
from pipeline.blank_forms import write_blank_forms, write_sample_forms
from pipeline.build import BuildOptions, BuildSummary, build, warm_converter
from pipeline.bundle import verify_bundle
from pipeline.demo import write_demo
from pipeline.documents import DocumentSpec, document_plan
from pipeline.edition import Edition, load_edition
from pipeline.errors import Problem, TeczkaError, UsageError
from pipeline.models import Unit
from pipeline.render import RenderedDocument
from pipeline.report.feedback import feedback_copies
from pipeline.report.model import Report, ReportUnit, relative_path, unit_entry
from pipeline.template_check import check_templates, format_issues

__all__ = [
    "BuildOptions", "BuildSummary", "Edition", "Problem", "RenderedDocument", "Report", "TeczkaError",
    "UnitReport", "build", "check_templates", "feedback_workbooks", "format_issues", "load_edition", "render_unit",
    "validate_forms", "validate_path", "validate_unit", "verify_bundle", "write_blank_forms", "write_demo",
    "warm_converter", "write_sample_forms",
]  # fmt: skip


class UnitReport(ReportUnit):
    """One unit's report entry (``ReportUnit``, what report.json holds for it) made from its
    validation, with the problems as values and the validated forms at hand."""

    _validation: validate.UnitValidation = PrivateAttr()
    _root: Path = PrivateAttr()
    _plan: list[DocumentSpec] = PrivateAttr()  # the documents its valid forms allow

    @property
    def problems(self) -> list[Problem]:
        """Errors and warnings in reading order, each at its file, sheet and cell."""
        return self._validation.problems

    @property
    def unit(self) -> Unit:
        """The unit's valid forms as models (a form with errors is absent)."""
        return self._validation.unit

    @property
    def sources_read(self) -> list[Path]:
        return self._validation.sources


def validate_unit(folder: Path, edition: Edition, root: Path | None = None) -> UnitReport:
    """Read and validate every form of one unit folder; never raises for a user's mistake.
    File names in the report are shown relative to ``root`` (default: the forms folder)."""
    root = root or folder.parent
    return _unit_report(validate.validate_unit(folder, edition, display_root=root), edition, root)


def _unit_report(validation: validate.UnitValidation, edition: Edition, root: Path) -> UnitReport:
    plan = document_plan(validation.unit, edition)  # once: the report's date and the rendering use it
    report = UnitReport.model_validate(unit_entry(validation, edition, root, plan).model_dump())
    report._validation, report._root, report._plan = validation, root, plan
    return report


def validate_path(path: Path, edition: Edition, root: Path) -> list[UnitReport]:
    """What ``teczka validate PATH`` checks: every unit under a forms folder, one unit's folder
    or one workbook (see ``validate.validate_path``)."""
    return [_unit_report(validation, edition, root) for validation in validate.validate_path(path, edition, root)]


def validate_forms(forms_dir: Path, edition: Edition, root: Path | None = None) -> list[UnitReport]:
    """Every unit folder under ``forms_dir``, validated, in folder-name order."""
    if not forms_dir.is_dir():
        raise UsageError(f"Nie ma katalogu {forms_dir}.")
    return [validate_unit(folder, edition, root) for folder in validate.discover_units(forms_dir)]


def render_unit(folder: Path, edition: Edition, templates_dir: Path) -> tuple[UnitReport, list[RenderedDocument]]:
    """Validate a unit and render, in memory, every document its valid forms allow."""
    report = validate_unit(folder, edition)
    return report, render.render_unit(report.unit, edition, render.template_set(templates_dir), report._plan)


def feedback_workbooks(report: UnitReport) -> dict[str, bytes]:
    """For each of the unit's workbooks with errors: a copy with the problem cells marked and
    an "Uwagi do poprawy" sheet (``<form>_uwagi.xlsx`` → bytes), as ``teczka build`` writes
    into ``output/<unit>/uwagi/``. A workbook that cannot be opened gets no copy."""
    sources = {relative_path(path, report._root): path for path in report.sources_read}
    return feedback_copies(report.problems, sources)
