"""The data each Word template receives (which documents a unit gets is pipeline/documents.py).

Pure functions: the validated forms a document needs and the ``Edition`` in, plain dicts out. Keys are English
snake_case; values a template prints are already formatted the Polish way (dates, amounts,
plural forms, "—" for an empty optional cell), so templates hold no logic beyond loops and
conditions. The keys are documented in templates/README.md and checked by template_check.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pipeline.edition import Edition
from pipeline.fields import split_names
from pipeline.models import (
    Action,
    DiagnosisForm,
    HdrForm,
    Meeting,
    MeetingsForm,
    SummaryForm,
    Unit,
    UnitCardForm,
)
from pipeline.polish import (
    count,
    format_amount,
    format_date,
    format_date_numeric,
    format_date_range,
    format_hours,
    format_month_short,
    format_time,
)
from pipeline.teryt import normalize_terc

if TYPE_CHECKING:  # documents.py imports this module's builders
    from pipeline.documents import DocumentSpec

DASH = "—"
EN_DASH = "\u2013"


# ----------------------------------------------------------------------------- common keys
def common_context(spec: DocumentSpec, card: UnitCardForm, edition: Edition) -> dict[str, Any]:
    jst = card.jst
    area = edition.area_by_choice(card.area_choice.area)
    team = [{"number": i, "name": m.name, "position": m.position, "email": m.email, "phone": m.phone,
             "contact": "\n".join(part for part in (m.email, m.phone) if part)}
            for i, m in enumerate(card.team, start=1)]
    advisers = []
    for i, a in enumerate(card.advisers, start=1):
        role = edition.adviser_role(a.role)
        advisers.append({"number": i, "role": a.role, "role_code": role.code if role else "", "name": a.name,
                         "email": a.email})
    return {
        "programme": {
            "project_title": edition.project_title, "organiser": edition.organiser,
            "cofinancing": edition.cofinancing, "logo_alt": edition.logo_alt, "edition_id": edition.id, "edition_name": edition.name,
            "edition_short": edition.short_name, "edition_period": format_date_range(edition.start, edition.end),
        },
        "document": {
            "title": spec.title, "heading": spec.heading, "subject": spec.subject,
            "keywords": "; ".join(spec.keywords), "date": format_date(spec.date),
            "date_numeric": format_date_numeric(spec.date), "date_iso": spec.date.isoformat(),
        },
        "jst": {"name": jst.name, "terc": normalize_terc(jst.terc), "unit_type": jst.unit_type, "voivodeship": jst.voivodeship,
                "address": jst.address, "office_email": jst.office_email},
        "area": {"id": area.id if area else None, "label": area.label if area else card.area_choice.area,
                 "text": area.choice if area else card.area_choice.area},
        "team": team,
        "team_text": "\n".join(f"{m['name']} {EN_DASH} {m['position']}" for m in team),
        "advisers": advisers,
        "advisers_text": "\n".join(f"{a['name']} ({a['role_code'] or a['role']})" for a in advisers),
    }


def card_context(card: UnitCardForm, diagnosis: DiagnosisForm | None) -> dict[str, Any]:
    choice = card.area_choice
    lead = card.team[0] if card.team else None
    context: dict[str, Any] = {
        "area_choice": {"area": choice.area, "justification": choice.justification,
                        "chosen_on": format_date(choice.chosen_on)},
        "diagnosis": None,
        "prepared_by": f"{lead.name}, {lead.position}" if lead else "",
    }
    form = diagnosis
    if form is not None:
        info = form.info
        context["diagnosis"] = {
            "started_on": format_date(info.started_on), "finished_on": format_date(info.finished_on),
            "period": format_date_range(info.started_on, info.finished_on),
            "current_state": info.current_state, "strengths": info.strengths, "weaknesses": info.weaknesses,
            "conclusions": info.conclusions,
            "sources": [{"number": i, "source": s.source, "findings": s.findings}
                        for i, s in enumerate(form.sources, start=1)],
            "problems": [{"number": p.number, "description": p.description}
                         for p in sorted(form.problems, key=lambda p: p.number)],
            "needs": [{"number": n.number, "description": n.description, "concerns": n.concerns}
                      for n in sorted(form.needs, key=lambda n: n.number)],
            "priorities": [{"rank": p.rank, "name": p.name, "justification": p.justification,
                            "problems": p.problems} for p in sorted(form.priorities, key=lambda p: p.rank)],
        }
    return context


# ----------------------------------------------------------------------------- HDR
def hdr_context(card: UnitCardForm, diagnosis: DiagnosisForm, form: HdrForm,
                status: tuple[date, str]) -> dict[str, Any]:
    """``status``: the day the action statuses describe and where it comes from (``status_date``)."""
    info = form.info
    goals_by_priority: dict[int, list[dict[str, Any]]] = {}
    for goal in sorted(form.goals, key=lambda g: _goal_key(g.number)):
        goals_by_priority.setdefault(goal.priority, []).append({"number": goal.number, "description": goal.description})
    priorities = [{"rank": p.rank, "name": p.name, "heading": f"Priorytet {p.rank}. {p.name}",
                   "justification": p.justification, "goals": goals_by_priority.pop(p.rank, [])}
                  for p in sorted(diagnosis.priorities, key=lambda p: p.rank)]
    orphans = [goal for rank in sorted(goals_by_priority) for goal in goals_by_priority[rank]]
    if orphans:  # goals pointing at a rank the diagnosis does not have: still shown
        priorities.append({"rank": None, "name": "", "heading": "Cele bez priorytetu z diagnozy",
                           "justification": "", "goals": orphans})
    actions = sorted(form.actions, key=lambda a: a.number)
    costs = [a.cost for a in actions if a.cost is not None]
    lead = card.team[0] if card.team else None
    signatures = ([{"role": f"Lider zespołu JST\n{lead.position}", "name": lead.name}] if lead else [])
    signatures += [{"role": _capitalise(a.role), "name": a.name} for a in card.advisers]
    status_on, status_source = status
    return {
        "hdr": {"period_start": format_date(info.period_start), "period_end": format_date(info.period_end),
                "period": format_date_range(info.period_start, info.period_end),
                "adopted_on": format_date(info.adopted_on), "main_goal": info.main_goal, "version": info.version,
                "status_on": format_date(status_on), "status_source": status_source},
        "priorities": priorities,
        "actions": [_action(a) for a in actions],
        "actions_cost_total": format_amount(sum(costs, Decimal(0))) if costs else "",
        "timeline": timeline(form),
        "risks": [{"number": i, "risk": r.risk, "mitigation": r.mitigation} for i, r in enumerate(form.risks, start=1)],
        "directions": [{"number": i, "direction": d.direction, "tools": d.tools, "actions": d.actions or DASH}
                       for i, d in enumerate(form.directions, start=1)],
        "signatures": signatures,
    }


def status_date(unit: Unit) -> tuple[date, str]:
    """The day the HDR's action statuses describe, and where that day comes from. The forms keep no
    date of a status change, so: the summary's date when there is a summary, else the last meeting's,
    else the HDR's adoption."""
    if unit.summary is not None:
        return unit.summary.info.submitted_on, "data podsumowania"
    if unit.meetings is not None and unit.meetings.meetings:
        return max(m.held_on for m in unit.meetings.meetings), "data ostatniego spotkania"
    assert unit.hdr is not None
    return unit.hdr.info.adopted_on, "data przyjęcia HDR"


def _goal_key(number: str) -> tuple:
    return tuple(int(part) if part.isdigit() else 10**6 for part in number.split("."))


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _action(a: Action) -> dict[str, Any]:
    resources = [part for part in (a.resources, format_amount(a.cost)) if part]
    return {
        "number": a.number, "goal": a.goal, "name": a.name, "tools": a.tools,
        "start": format_date(a.start), "end": format_date(a.end),
        "term": f"od {format_date_numeric(a.start)}\ndo {format_date_numeric(a.end)}",
        "responsible": a.responsible, "partners": a.partners or DASH, "resources": a.resources or DASH,
        "cost": format_amount(a.cost), "resources_cost": "\n".join(resources) or DASH,
        "indicator": a.indicator, "target": a.target, "indicator_target": f"{a.indicator}\ndocelowo: {a.target}",
        "monitoring": a.monitoring, "status": a.status,
    }


def timeline(form: HdrForm) -> dict[str, Any]:
    """Months of the HDR period (widened to cover every action) and, per action, a flag per month."""
    first = min([form.info.period_start, *(a.start for a in form.actions)])
    last = max([form.info.period_end, *(a.end for a in form.actions)])
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    rows = []
    for action in sorted(form.actions, key=lambda a: a.number):
        flags = [_runs_in(action, start) for start in months]
        rows.append({"number": action.number, "name": action.name, "goal": action.goal,
                     "term": f"{format_date_numeric(action.start)} {EN_DASH} {format_date_numeric(action.end)}",
                     "flags": flags})
    return {"months": [{"label": format_month_short(m), "year": m.year, "month": m.month} for m in months],
            "rows": rows}


def _runs_in(action: Action, month_start: date) -> bool:
    next_month = date(month_start.year + month_start.month // 12, month_start.month % 12 + 1, 1)
    return action.start < next_month and action.end >= month_start


# ----------------------------------------------------------------------------- meetings
def _hours(meeting: Meeting) -> Decimal:
    start = datetime.combine(date.min, meeting.starts_at)
    minutes = int((datetime.combine(date.min, meeting.ends_at) - start).total_seconds() // 60)
    return Decimal(minutes) / 60


def _meetings_count(n: int, adjective: tuple[str, str, str] = ("doradcze", "doradcze", "doradczych")) -> str:
    return count(n, f"spotkanie {adjective[0]}", f"spotkania {adjective[1]}", f"spotkań {adjective[2]}")


def meetings_context(form: MeetingsForm, edition: Edition, team: list[str]) -> dict[str, Any]:
    """``team``: the names of the JST team (the card), to name who was absent from each meeting."""
    meetings = sorted(form.meetings, key=lambda m: (m.held_on, m.starts_at, m.number))
    tasks: dict[int, list[dict[str, Any]]] = {}
    for task in sorted(form.tasks, key=lambda t: (t.meeting, t.due)):
        items = tasks.setdefault(task.meeting, [])
        items.append({"number": len(items) + 1, "task": task.task, "owner": task.owner, "due": format_date(task.due)})
    rows = []
    counts: dict[bool, int] = {False: 0, True: 0}  # by remote
    hours_by: dict[bool, Decimal] = {False: Decimal(0), True: Decimal(0)}
    for meeting_form in edition.meeting_forms:
        same = [m for m in meetings if m.form == meeting_form.label]
        hours = sum((_hours(m) for m in same), Decimal(0))
        counts[meeting_form.remote] += len(same)
        hours_by[meeting_form.remote] += hours
        rows.append({"label": meeting_form.label, "remote": meeting_form.remote, "count": len(same),
                     "count_text": count(len(same), "spotkanie", "spotkania", "spotkań"), "hours": float(hours),
                     "hours_text": format_hours(hours)})
    total_hours = sum((_hours(m) for m in meetings), Decimal(0))
    (on_site, on_site_hours), (online, online_hours) = (counts[False], hours_by[False]), (counts[True], hours_by[True])
    parts = []
    if on_site:
        parts.append(f"{_meetings_count(on_site, ('stacjonarne', 'stacjonarne', 'stacjonarnych'))} "
                     f"({format_hours(on_site_hours)})")
    if online:
        parts.append(f"{count(online, 'spotkanie', 'spotkania', 'spotkań')} on-line ({format_hours(online_hours)})")
    sentence = f"Łącznie: {_meetings_count(len(meetings))} ({format_hours(total_hours)}), w tym {' i '.join(parts)}."
    return {
        "meetings_summary": {
            "count": len(meetings), "count_text": _meetings_count(len(meetings)),
            "count_text_short": count(len(meetings), "spotkanie", "spotkania", "spotkań"),
            "on_site_count": on_site, "on_site_hours_text": format_hours(on_site_hours),
            "online_count": online, "online_hours_text": format_hours(online_hours),
            "hours_text": format_hours(total_hours), "rows": rows, "sentence": sentence,
            "period": format_date_range(meetings[0].held_on, meetings[-1].held_on) if meetings else "",
        },
        "meetings": [_meeting(m, edition, tasks.get(m.number, []), team) for m in meetings],
    }


def _meeting(m: Meeting, edition: Edition, tasks: list[dict[str, Any]], team: list[str]) -> dict[str, Any]:
    form = edition.meeting_form(m.form)
    remote = bool(form and form.remote)
    jst_people, advisers = split_names(m.jst_participants), split_names(m.advisers)
    present = {name.casefold() for name in jst_people}
    absent = [name for name in team if name.casefold() not in present]
    return {
        "number": m.number, "date": format_date(m.held_on), "date_numeric": format_date_numeric(m.held_on),
        "starts_at": format_time(m.starts_at), "ends_at": format_time(m.ends_at),
        "time_range": f"{format_time(m.starts_at)}{EN_DASH}{format_time(m.ends_at)}",
        "duration": format_hours(_hours(m)), "form": m.form, "remote": remote,
        "place_label": "Platforma" if remote else "Miejsce", "place": m.place,
        "jst_participants": jst_people, "jst_participants_text": "\n".join(jst_people),
        "advisers": advisers, "advisers_text": "\n".join(advisers), "others": m.others,
        "stage_number": m.stage, "stage_name": edition.stages[m.stage - 1], "goal": m.goal, "topics": m.topics,
        "findings": m.findings, "tasks": tasks, "next_meeting": format_date(m.next_meeting) or None,
        "recorded_by": m.recorded_by, "absent": absent, "absent_text": ", ".join(absent) or "wszyscy obecni",
    }


# ----------------------------------------------------------------------------- summary
def summary_context(summary: SummaryForm, edition: Edition) -> dict[str, Any]:
    info = summary.info
    code = edition.summary_form_code(info.form)
    context: dict[str, Any] = {"summary": {"form": info.form, "form_code": code, "title": info.title,
                                           "submitted_on": format_date(info.submitted_on), "authors": info.authors}}
    if code == "good_practice" and summary.good_practice is not None:
        practice = summary.good_practice.model_dump()
        practice["model_documents"] = [line.strip(" -•\t") for line in practice["model_documents"].split("\n")
                                       if line.strip(" -•\t")]
        context["good_practice"] = practice
    elif code == "reflection" and summary.reflection is not None:
        r = summary.reflection
        stages = [{"number": i, "code": stage.code, "label": stage.label,
                   "questions": getattr(r, f"{stage.code}_questions"), "synthesis": getattr(r, f"{stage.code}_synthesis")}
                  for i, stage in enumerate(edition.reflection_stages, start=1)]
        context["reflection"] = {"discussion_on": format_date(r.discussion_on), "moderator": r.moderator, "aim": r.aim,
                                 "participants": r.participants, "stages": stages, "conclusions": r.conclusions}
    elif code == "reportage" and summary.reportage is not None:
        reportage = summary.reportage.model_dump()
        reportage["interview"] = [{"number": i, "question": q.question, "answer": q.answer}
                                  for i, q in enumerate(summary.interview, start=1)]
        context["reportage"] = reportage
    return context
