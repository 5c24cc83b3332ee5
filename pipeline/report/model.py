"""The run report: one model for report.json, `teczka validate --json`, the status page and raport.xlsx.

The models are closed (unknown keys are errors), so a change in the report shape shows up
in the tests. ``unit_entry`` makes a unit's entry from its validation, for the build and for
``api.validate_unit`` alike. The page and workbook builders read the plain JSON form of the
model (``model_dump(mode="json")``) defensively, so an old report.json still renders.
"""

from __future__ import annotations

import contextlib
import json
from datetime import date, datetime
from pathlib import Path, PurePath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pipeline.documents import DocumentSpec
from pipeline.edition import Edition
from pipeline.errors import Problem
from pipeline.polish import format_date
from pipeline.statuses import StatusId
from pipeline.validate import UnitValidation

Status = StatusId  # declared, with its Polish words, in pipeline/statuses.py
STAGE_COUNT = 5


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReportEdition(_Closed):
    id: str
    name: str
    start: date
    end: date


class ReportArea(_Closed):
    id: int = Field(ge=1)
    label: str


class ReportMeetings(_Closed):
    on_site: int = Field(ge=0)
    online: int = Field(ge=0)
    hours_on_site: float = Field(ge=0)
    hours_online: float = Field(ge=0)


class ReportError(_Closed):
    """One problem in a form (an error or a warning); only ``message`` is always known."""

    file: str | None = None
    sheet: str | None = None
    cell: str | None = None
    field: str | None = None
    message: str = Field(min_length=1)
    value: str | None = None


class ReportUnit(_Closed):
    id: str = Field(min_length=1)
    name: str | None  # as typed in the card (also one with mistakes), else the folder name
    teryt: str | None
    unit_type: str | None
    voivodeship: str | None
    status: Status
    stage: int = Field(ge=0, le=STAGE_COUNT)
    area: ReportArea | None
    summary_form: str | None
    meetings: ReportMeetings
    sources: list[str]
    documents: list[str]
    bundle: str | None
    feedback: list[str]
    errors: list[ReportError]
    warnings: list[ReportError]
    failure: str | None
    publication_omitted: list[str] = Field(default_factory=list)  # fields left out of the publication HTML
    as_of: date | None = None  # the latest date in the unit's valid forms: what its entry describes


def unit_entry(validation: UnitValidation, edition: Edition, root: Path, plan: list[DocumentSpec]) -> ReportUnit:
    """A unit's report entry from its validation: nothing built yet (no documents, no bundle);
    paths are shown relative to ``root``."""
    unit = validation.unit
    card = unit.card
    meetings = {"on_site": 0, "online": 0, "hours_on_site": 0.0, "hours_online": 0.0}
    if unit.meetings:
        for meeting in unit.meetings.meetings:
            form = edition.meeting_form(meeting.form)
            kind = "online" if form and form.remote else "on_site"
            start = datetime.combine(date.min, meeting.starts_at)
            hours = (datetime.combine(date.min, meeting.ends_at) - start).total_seconds() / 3600
            meetings[kind] += 1
            meetings[f"hours_{kind}"] = round(meetings[f"hours_{kind}"] + hours, 2)
    area = edition.area_by_choice(card.area_choice.area) if card else None
    return ReportUnit(
        id=validation.unit_id,
        name=validation.name,  # as typed, also in a card with mistakes; else the folder name
        teryt=validation.terc,  # digits only: "06 06 11 2" was typed
        unit_type=card.jst.unit_type if card else None,
        voivodeship=card.jst.voivodeship if card else None,
        status=validation.status,
        stage=validation.stage,
        area=ReportArea(id=area.id, label=area.label) if area else None,
        summary_form=unit.summary.info.form if unit.summary else None,
        meetings=ReportMeetings.model_validate(meetings),
        sources=[relative_path(p, root) for p in validation.sources],
        documents=[], bundle=None, feedback=[],
        errors=[problem_entry(p) for p in validation.errors],
        warnings=[problem_entry(p) for p in validation.warnings],
        failure=None,
        as_of=max((spec.date for spec in plan), default=None),  # plan: documents.document_plan of the unit
    )


def problem_entry(problem: Problem) -> ReportError:
    return ReportError.model_validate(problem.as_dict())


def relative_path(path: Path, root: Path) -> str:
    """``path`` as shown in the report: relative to ``root`` when under it, POSIX slashes."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


class Report(_Closed):
    edition: ReportEdition
    tool_version: str
    stages: list[str] = Field(min_length=STAGE_COUNT, max_length=STAGE_COUNT)
    units: list[ReportUnit]
    # Optional: every area of the edition, so the overview can show areas nobody chose.
    areas: list[ReportArea] | None = None


# Keys in this order first (at every level), any others after them alphabetically.
_KEY_ORDER = [
    "edition", "tool_version", "stages", "areas", "units",
    "id", "name", "label", "start", "end",
    "teryt", "unit_type", "voivodeship", "status", "stage", "area", "summary_form",
    "meetings", "on_site", "online", "hours_on_site", "hours_online",
    "sources", "documents", "bundle", "feedback", "errors", "warnings", "failure", "as_of",
    "file", "sheet", "cell", "field", "message", "value",
]  # fmt: skip
_KEY_RANK = {key: rank for rank, key in enumerate(_KEY_ORDER)}


def _ordered(value: Any) -> Any:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (_KEY_RANK.get(str(k), len(_KEY_RANK)), str(k)))
        return {str(k): _ordered(value[k]) for k in keys}
    if isinstance(value, list | tuple):
        return [_ordered(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, PurePath):
        return value.as_posix()
    return value


def as_of_text(report: dict[str, Any]) -> str:
    """"Stan na …" of a report, from the data (never the clock, so an unchanged run writes the same
    reports): the latest date in any unit's forms (a document's date: diagnosis, HDR adoption,
    last meeting, summary)."""
    days = []
    for unit in report.get("units") or []:
        with contextlib.suppress(TypeError, ValueError):
            days.append(date.fromisoformat(str(unit.get("as_of"))))
    if not days:
        return "Stan na: brak dat w danych jednostek."
    return f"Stan na {format_date(max(days))} (najpóźniejsza data w formularzach jednostek)."


def report_json_bytes(report: dict[str, Any] | Report) -> bytes:
    """report.json: UTF-8, Polish letters as they are, indent 2, a stable key order."""
    text = json.dumps(_ordered(report), ensure_ascii=False, indent=2, allow_nan=False)
    return (text + "\n").encode("utf-8")


def validate_report(report: dict[str, Any]) -> Report:
    """Check a report dict (or parsed report.json) against the closed model."""
    return Report.model_validate(report)
