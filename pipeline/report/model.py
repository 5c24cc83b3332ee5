"""The run report: what the orchestrator hands to the report stage and writes as report.json.

The models are closed (unknown keys are errors), so a change in the report shape shows up
in the tests. The builders themselves take the plain dict and read it defensively.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import PurePath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["ok", "incomplete", "invalid", "failed"]

# Polish labels shared by the workbook and the status page, in display order.
STATUS_LABELS: dict[str, str] = {
    "ok": "kompletna",
    "incomplete": "w toku",
    "invalid": "błędy w formularzach",
    "failed": "błąd generowania",
}
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
    "sources", "documents", "bundle", "feedback", "errors", "warnings", "failure",
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


def report_json_bytes(report: dict[str, Any] | Report) -> bytes:
    """report.json: UTF-8, Polish letters as they are, indent 2, a stable key order."""
    text = json.dumps(_ordered(report), ensure_ascii=False, indent=2, allow_nan=False)
    return (text + "\n").encode("utf-8")


def validate_report(report: dict[str, Any]) -> Report:
    """Check a report dict (or parsed report.json) against the closed model."""
    return Report.model_validate(report)
