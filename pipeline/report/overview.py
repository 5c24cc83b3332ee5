"""The programme overview: counts over all units of a run report (a pure function)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from pipeline.polish import polish_sort_key
from pipeline.report.model import STAGE_COUNT
from pipeline.statuses import STATUSES


@dataclass(frozen=True)
class Count:
    key: str  # area id, stage number, status code, or the label itself
    label: str
    count: int


@dataclass(frozen=True)
class MeetingTotals:
    on_site: int
    online: int
    hours_on_site: float
    hours_online: float

    @property
    def total(self) -> int:
        return self.on_site + self.online

    @property
    def hours_total(self) -> float:
        return round(self.hours_on_site + self.hours_online, 2)


@dataclass(frozen=True)
class Overview:
    units: int
    areas: tuple[Count, ...]  # by area id; zero rows for known areas nobody chose
    no_area: int  # units that have not chosen an area yet
    meetings: MeetingTotals
    summary_forms: tuple[Count, ...]
    no_summary_form: int
    stages: tuple[Count, ...]  # always 0..5: units whose highest completed stage is k
    statuses: tuple[Count, ...]  # always the four statuses, in display order
    voivodeships: tuple[Count, ...]  # Polish alphabetical order

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _area_pairs(areas: Iterable[Any] | None) -> list[tuple[int, str]]:
    """Accept edition Area objects, {"id", "label"} dicts or (id, label) pairs."""
    pairs = []
    for area in areas or ():
        if isinstance(area, dict):
            pairs.append((int(area["id"]), str(area["label"])))
        elif isinstance(area, tuple | list):
            pairs.append((int(area[0]), str(area[1])))
        else:
            pairs.append((int(area.id), str(area.label)))
    return pairs


def stage_label(stage: int, stages: list[str]) -> str:
    """ "0 — żaden etap nie jest ukończony" or "3 — Harmonogram działań rozwojowych (HDR)"."""
    if stage <= 0:
        return "0 — żaden etap nie jest ukończony"
    name = stages[stage - 1] if stage - 1 < len(stages) else f"etap {stage}"
    return f"{stage} — {name}"


def compute_overview(
    report: dict[str, Any],
    areas: Iterable[Any] | None = None,
    summary_forms: Iterable[str] | None = None,
) -> Overview:
    """Count areas, meetings, summary forms, stages, statuses and voivodeships over all units.

    ``areas`` (default: ``report["areas"]`` if present) lists every area of the edition, so the
    ones nobody chose appear with 0; ``summary_forms`` does the same for the summary forms.
    """
    units = list(report.get("units") or [])
    stages = list(report.get("stages") or [])
    if areas is None:
        areas = report.get("areas")

    area_labels: dict[int, str] = dict(_area_pairs(areas))
    area_counts: Counter[int] = Counter({area_id: 0 for area_id in area_labels})
    form_counts: Counter[str] = Counter({form: 0 for form in summary_forms or ()})
    stage_counts: Counter[int] = Counter()
    status_counts: Counter[str] = Counter()
    voivodeship_counts: Counter[str] = Counter()
    no_area = no_form = 0
    on_site = online = 0
    hours_on_site = hours_online = 0.0

    for unit in units:
        area = unit.get("area")
        if area and area.get("id") is not None:
            area_id = int(area["id"])
            area_counts[area_id] += 1
            area_labels.setdefault(area_id, str(area.get("label") or ""))
        else:
            no_area += 1
        form = unit.get("summary_form")
        if form:
            form_counts[form] += 1
        else:
            no_form += 1
        stage_counts[max(0, min(STAGE_COUNT, int(unit.get("stage") or 0)))] += 1
        status_counts[str(unit.get("status") or "")] += 1
        voivodeship_counts[str(unit.get("voivodeship") or "(brak)")] += 1
        meetings = unit.get("meetings") or {}
        on_site += int(meetings.get("on_site") or 0)
        online += int(meetings.get("online") or 0)
        hours_on_site += float(meetings.get("hours_on_site") or 0)
        hours_online += float(meetings.get("hours_online") or 0)

    statuses = [
        Count(status.id, status.label, status_counts.pop(status.id, 0)) for status in STATUSES
    ]
    statuses += [Count(code, code, n) for code, n in sorted(status_counts.items())]  # unknown ones
    return Overview(
        units=len(units),
        areas=tuple(Count(str(i), area_labels[i], area_counts[i]) for i in sorted(area_counts)),
        no_area=no_area,
        meetings=MeetingTotals(on_site, online, round(hours_on_site, 2), round(hours_online, 2)),
        summary_forms=tuple(
            Count(form, form, n)
            for form, n in sorted(form_counts.items(), key=lambda kv: polish_sort_key(kv[0]))
        ),
        no_summary_form=no_form,
        stages=tuple(
            Count(str(k), stage_label(k, stages), stage_counts[k]) for k in range(STAGE_COUNT + 1)
        ),
        statuses=tuple(statuses),
        voivodeships=tuple(
            Count(name, name, n)
            for name, n in sorted(voivodeship_counts.items(), key=lambda kv: polish_sort_key(kv[0]))
        ),
    )
