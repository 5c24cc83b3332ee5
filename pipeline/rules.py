"""Rules beyond single cells: within a form and across the forms of one unit.

Pure functions over models. The rules run on whatever parsed: a form with mistakes is given
as a partial model where each value that did not parse is an ``Unreadable`` placeholder. A
check that needs such a value stops (``Blocked``) without a false finding, and the unit is
told which checks wait for which cell; every other check runs, so a team sees every problem
in one round. Each rule yields ``Finding``s that name the form and the model location; the
validator turns locations into sheets and cells.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any, NoReturn

from pipeline import models
from pipeline.edition import Edition
from pipeline.fields import split_names
from pipeline.polish import MONTHS_GENITIVE, count, format_date, format_date_range
from pipeline.teryt import VOIVODESHIPS, normalize_terc, terc_problems

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Finding:
    form: str  # key of the form (layout.FormLayout.key)
    loc: Loc
    message: str
    value: Any = None
    severity: str = "error"


class Blocked(Exception):
    """A check needed a value that did not parse."""

    def __init__(self, hole: Unreadable) -> None:
        super().__init__(hole)
        self.hole = hole


class Unreadable:
    """The place of a value that did not parse (form key and model location).

    Any use of it — comparing, formatting, hashing, reading an attribute, iterating — raises
    ``Blocked``, so a rule cannot draw a conclusion from a value nobody could read.
    """

    __slots__ = ("_hole_form", "_hole_loc")

    def __init__(self, form: str, loc: Loc) -> None:
        object.__setattr__(self, "_hole_form", form)
        object.__setattr__(self, "_hole_loc", tuple(loc))

    @property
    def where(self) -> tuple[str, Loc]:
        return self._hole_form, self._hole_loc

    def __repr__(self) -> str:
        return f"Unreadable({self._hole_form!r}, {self._hole_loc!r})"

    def _stop(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise Blocked(self)

    def __getattr__(self, name: str) -> NoReturn:
        if name.startswith("__"):
            raise AttributeError(name)
        raise Blocked(self)

    __bool__ = __len__ = __iter__ = __contains__ = __hash__ = __getitem__ = _stop
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _stop
    __str__ = __format__ = __int__ = __index__ = __float__ = _stop
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _stop


def known(value: Any) -> Any:
    """The value itself; stops the check if it did not parse (before a library sees it)."""
    if isinstance(value, Unreadable):
        raise Blocked(value)
    return value


Check = tuple[str, Callable[[], Iterable[Finding]]]  # (what it checks, in Polish; the check)
WAITING = "Nie sprawdzono jeszcze: {checks} — najpierw popraw tę komórkę."


def check_unit(unit: models.Unit, edition: Edition) -> Iterator[Finding]:
    """Every rule that can run on the forms present in the unit (valid or partial).

    The checks that need a value that did not parse are named, as one warning at that value's
    cell ("Nie sprawdzono jeszcze: …").
    """
    waiting: dict[tuple[str, Loc], list[str]] = {}
    producers: list[tuple[str, Callable[[], Iterator[Check]]]] = []
    if unit.card:
        producers.append(("pozostałe reguły karty JST", partial(_card, unit.card, edition)))
    if unit.diagnosis:
        producers.append(("pozostałe reguły diagnozy", partial(_diagnosis, unit.diagnosis, edition)))
    if unit.hdr:
        producers.append(("pozostałe reguły HDR", partial(_hdr, unit.hdr, unit, edition)))
    if unit.meetings:
        producers.append(("pozostałe reguły spotkań", partial(_meetings, unit.meetings, unit, edition)))
    if unit.summary:
        producers.append(("pozostałe reguły podsumowania", partial(_summary, unit.summary, unit, edition)))
    for rest, producer in producers:
        try:
            for what, check in producer():
                try:
                    yield from list(_collect(check))
                except _Partly as partly:
                    yield from partly.found
                    waiting.setdefault(partly.hole.where, []).append(what)
        except Blocked as exc:
            waiting.setdefault(exc.hole.where, []).append(rest)
    for (form, loc), checks in waiting.items():
        unique = list(dict.fromkeys(checks))
        yield Finding(form, loc, WAITING.format(checks="; ".join(unique)), severity="warning")


class _Partly(Exception):
    def __init__(self, found: list[Finding], hole: Unreadable) -> None:
        super().__init__(hole)
        self.found, self.hole = found, hole


def _collect(check: Callable[[], Iterable[Finding]]) -> list[Finding]:
    found: list[Finding] = []
    try:
        for finding in check():
            found.append(finding)
    except Blocked as exc:
        raise _Partly(found, exc.hole) from None
    return found


def _window(form: str, loc: Loc, day: date | None, edition: Edition) -> Iterator[Finding]:
    if day is not None and not edition.start <= day <= edition.end:
        yield Finding(form, loc, f"Data {format_date(day)} wypada poza okresem edycji programu "
                                 f"({format_date_range(edition.start, edition.end)}).", day)


def _unique(form: str, attr: str, items: list[Any], name: str, what: str) -> Iterator[Finding]:
    seen: Counter[Any] = Counter()
    for index, item in enumerate(items):
        value = getattr(item, name)
        seen[value] += 1
        if seen[value] == 2:
            yield Finding(form, (attr, index, name), f"{what} {value} występuje więcej niż raz.", value)


def _at_least_one(form: str, attr: str, items: list[Any], what: str) -> Iterator[Finding]:
    if not items:
        yield Finding(form, (attr,), f"Wpisz co najmniej {what}.")


def _numbers(text: str | None) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", known(text) or "")]


def _each(items: list[Any], what: str, rule: Callable[..., Iterable[Finding]], *args: Any) -> Iterator[Check]:
    """One check per row, so a row with an unreadable cell does not stop the others."""
    for index, item in enumerate(items):
        yield what, partial(rule, index, item, *args)


# Date fields that must lie inside the edition window, by form and sheet (the blank forms say so).
EDITION_WINDOW_DATES: dict[str, dict[str, tuple[str, ...]]] = {
    "card": {"area_choice": ("chosen_on",)},
    "diagnosis": {"info": ("started_on", "finished_on")},
    "hdr": {"info": ("period_start", "period_end", "adopted_on"), "actions": ("start", "end")},
    "meetings": {"meetings": ("held_on",)},
}


def date_window(form: str, sheet: str, name: str, edition: Edition) -> tuple[date, date] | None:
    """The dates a field may hold in this edition, if a rule limits them (the blank forms say so)."""
    if name in EDITION_WINDOW_DATES.get(form, {}).get(sheet, ()):
        return edition.start, edition.end
    if (form, sheet, name) == ("summary", "info", "submitted_on"):
        return edition.start, summary_deadline(edition)
    return None


def summary_deadline(edition: Edition) -> date:
    return edition.end + timedelta(days=edition.summary_grace_days)


def row_limits(edition: Edition) -> dict[tuple[str, str], tuple[int, int]]:
    """(form, table sheet) -> (fewest, most) rows the edition allows."""
    roles = len(edition.adviser_roles)
    return {("card", "team"): (edition.team_size.min, edition.team_size.max), ("card", "advisers"): (roles, roles)}


# ----------------------------------------------------------------------------- card
def _card(card: models.UnitCardForm, edition: Edition) -> Iterator[Check]:
    yield "kod TERC", partial(_terc, card.jst)
    yield "liczebność zespołu JST", partial(_team_size, card, edition)
    yield "powtórzenia w zespole JST", partial(_team_duplicates, card)
    yield "role w teamie doradczym", partial(_adviser_roles, card, edition)
    yield ("data wyboru obszaru w okresie edycji",
           partial(_window, "card", ("area_choice", "chosen_on"), card.area_choice.chosen_on, edition))


def _terc(jst: models.JstCard) -> Iterator[Finding]:
    code = normalize_terc(known(jst.terc))
    for message in terc_problems(code, known(jst.unit_type)):
        yield Finding("card", ("jst", "terc"), message, jst.terc)
    if code[:2] in VOIVODESHIPS and VOIVODESHIPS[code[:2]] != jst.voivodeship:
        yield Finding("card", ("jst", "voivodeship"),
                      f"Kod TERC wskazuje województwo {VOIVODESHIPS[code[:2]]}, a wybrano {jst.voivodeship}.",
                      jst.voivodeship)


def _team_size(card: models.UnitCardForm, edition: Edition) -> Iterator[Finding]:
    size = len(card.team)
    fewest, most = row_limits(edition)[("card", "team")]
    if not fewest <= size <= most:
        yield Finding("card", ("team",),
                      f"Zespół JST liczy {count(size, 'osobę', 'osoby', 'osób')}, a w edycji {edition.short_name} "
                      f"powinien liczyć od {fewest} do {most} osób.", size)


def _team_duplicates(card: models.UnitCardForm) -> Iterator[Finding]:
    names = Counter(member.name.casefold() for member in card.team)
    for index, member in enumerate(card.team):
        if names[member.name.casefold()] > 1:
            yield Finding("card", ("team", index, "name"), "Ta osoba jest wpisana w zespole więcej niż raz.", member.name)
            names[member.name.casefold()] = 0


def _adviser_roles(card: models.UnitCardForm, edition: Edition) -> Iterator[Finding]:
    roles: Counter[str] = Counter()
    for index, adviser in enumerate(card.advisers):
        role = edition.adviser_role(known(adviser.role))
        key = role.code if role else adviser.role
        roles[key] += 1
        if roles[key] == 2:
            yield Finding("card", ("advisers", index, "role"),
                          f"Rola „{adviser.role}” występuje więcej niż raz — team doradczy ma po jednej osobie w każdej roli.",
                          adviser.role)
    for role in edition.adviser_roles:
        if roles[role.code] == 0:
            yield Finding("card", ("advisers",), f"Brak doradcy w roli „{role.label}”.")


# ----------------------------------------------------------------------------- diagnosis
def _diagnosis(diagnosis: models.DiagnosisForm, edition: Edition) -> Iterator[Check]:
    info = diagnosis.info
    yield "data rozpoczęcia diagnozy w okresie edycji", partial(
        _window, "diagnosis", ("info", "started_on"), info.started_on, edition)
    yield "data zakończenia diagnozy w okresie edycji", partial(
        _window, "diagnosis", ("info", "finished_on"), info.finished_on, edition)
    yield "kolejność dat diagnozy", partial(_diagnosis_order, info)
    for attr, what in (("sources", "jedno źródło danych"), ("problems", "jeden zidentyfikowany problem"),
                       ("needs", "jedną potrzebę"), ("priorities", "jeden priorytet rozwojowy")):
        yield f"co najmniej {what}", partial(_at_least_one, "diagnosis", attr, getattr(diagnosis, attr), what)
    yield "numery problemów", partial(_unique, "diagnosis", "problems", diagnosis.problems, "number", "Problem nr")
    yield "numery potrzeb", partial(_unique, "diagnosis", "needs", diagnosis.needs, "number", "Potrzeba nr")
    yield "rangi priorytetów", partial(_unique, "diagnosis", "priorities", diagnosis.priorities, "rank", "Ranga")
    yield "kolejne rangi priorytetów", partial(_rank_gaps, diagnosis)
    yield from _each(diagnosis.priorities, "problemy wskazane przy priorytetach", _priority_problems, diagnosis)


def _diagnosis_order(info: models.DiagnosisInfo) -> Iterator[Finding]:
    if info.finished_on < info.started_on:
        yield Finding("diagnosis", ("info", "finished_on"),
                      "Data zakończenia diagnozy jest wcześniejsza niż data jej rozpoczęcia.", info.finished_on)


def _rank_gaps(diagnosis: models.DiagnosisForm) -> Iterator[Finding]:
    ranks = {p.rank for p in diagnosis.priorities}
    for index, priority in enumerate(diagnosis.priorities):
        if priority.rank > len(diagnosis.priorities):
            missing = min(set(range(1, len(diagnosis.priorities) + 1)) - ranks)
            yield Finding("diagnosis", ("priorities", index, "rank"),
                          f"Rangi priorytetów to kolejne liczby 1, 2, 3…; brakuje rangi {missing}.", priority.rank)


def _listed_numbers(form: str, loc: Loc, text: str | None, items: list[Any], what: str) -> Iterator[Finding]:
    """Numbers listed in a cell ("1, 3") that name no row of another sheet."""
    wanted = _numbers(text)
    if not wanted:
        return
    numbers = {item.number for item in items}
    for number in wanted:
        if number not in numbers:
            yield Finding(form, loc, what.format(number=number), text)


def _priority_problems(index: int, priority: models.Priority, diagnosis: models.DiagnosisForm) -> Iterator[Finding]:
    yield from _listed_numbers("diagnosis", ("priorities", index, "problems"), priority.problems, diagnosis.problems,
                               "Problemu nr {number} nie ma w arkuszu Problemy.")


# ----------------------------------------------------------------------------- HDR
_UNIT_WORDS = re.compile(r"\b(?:wydział|referat|zesp[óo]ł|biuro|dział|urząd|centrum|samodzieln|stanowisk|sekretarz|"
                         r"skarbnik|wójt|burmistrz|prezydent|starost|dyrektor|komisj|rad[ay]\b|poradni|jednostk|ośrod|"
                         r"zarząd|marszał|naczelnik|kierownik|koordynator|szkoł|przedszkol)",
                         re.IGNORECASE)


def _hdr(hdr: models.HdrForm, unit: models.Unit, edition: Edition) -> Iterator[Check]:
    info = hdr.info
    for name, what in (("period_start", "początek okresu HDR"), ("period_end", "koniec okresu HDR"),
                       ("adopted_on", "data przyjęcia HDR")):
        yield f"{what} w okresie edycji", partial(_window, "hdr", ("info", name), getattr(info, name), edition)
    yield "kolejność dat okresu HDR", partial(_hdr_order, info)
    yield "co najmniej jeden cel szczegółowy", partial(_at_least_one, "hdr", "goals", hdr.goals, "jeden cel szczegółowy")
    yield "co najmniej jedno działanie", partial(_at_least_one, "hdr", "actions", hdr.actions, "jedno działanie")
    yield "numery celów", partial(_unique, "hdr", "goals", hdr.goals, "number", "Cel nr")
    yield "numery działań", partial(_unique, "hdr", "actions", hdr.actions, "number", "Działanie nr")
    if unit.diagnosis:
        yield from _each(hdr.goals, "priorytety celów w diagnozie", _goal_priority, unit.diagnosis)
        yield from _each(unit.diagnosis.priorities, "cele dla każdego priorytetu", _priority_served, hdr)
        yield "data przyjęcia HDR po diagnozie", partial(_adopted_after_diagnosis, info, unit.diagnosis)
    yield from _each(hdr.goals, "numery celów a rangi priorytetów", _goal_number)
    team = unit.card.team if unit.card else []
    yield from _each(hdr.actions, "cele działań", _action_goal, hdr)
    yield from _each(hdr.actions, "kolejność dat działań", _action_order)
    yield from _each(hdr.actions, "daty działań w okresie HDR", _action_period, info, edition)
    yield from _each(hdr.actions, "osoby odpowiedzialne za działania", _action_responsible, team)
    yield from _each(hdr.directions, "działania wskazane w kierunkach wdrożenia", _direction_actions, hdr)
    yield "sekcje HDR z treścią", partial(_hdr_sections, hdr)


def _hdr_sections(hdr: models.HdrForm) -> Iterator[Finding]:
    for attr, section in (("risks", "5. Ryzyka i sposoby przeciwdziałania"),
                          ("directions", "6. Kierunki wdrożenia oraz narzędzia i rozwiązania zarządcze")):
        if not getattr(hdr, attr):  # the HDR says "Nie określono." there (templates/README.md)
            yield Finding("hdr", (attr,), f"Arkusz jest pusty: w HDR sekcja „{section}” będzie miała treść "
                                          "„Nie określono.”.", severity="warning")


def _hdr_order(info: models.HdrInfo) -> Iterator[Finding]:
    if info.period_end < info.period_start:
        yield Finding("hdr", ("info", "period_end"), "Koniec okresu HDR jest wcześniejszy niż jego początek.", info.period_end)


def _goal_priority(index: int, goal: models.Goal, diagnosis: models.DiagnosisForm) -> Iterator[Finding]:
    if goal.priority not in {p.rank for p in diagnosis.priorities}:
        yield Finding("hdr", ("goals", index, "priority"),
                      f"Priorytetu o randze {goal.priority} nie ma w diagnozie (arkusz Priorytety).", goal.priority)


def _priority_served(index: int, priority: models.Priority, hdr: models.HdrForm) -> Iterator[Finding]:
    if priority.rank not in {goal.priority for goal in hdr.goals}:
        yield Finding("hdr", ("goals",), f"Żaden cel nie służy priorytetowi „{priority.name}” (ranga {priority.rank}).",
                      severity="warning")


def _adopted_after_diagnosis(info: models.HdrInfo, diagnosis: models.DiagnosisForm) -> Iterator[Finding]:
    if info.adopted_on < diagnosis.info.finished_on:
        yield Finding("hdr", ("info", "adopted_on"),
                      f"HDR przyjęto przed zakończeniem diagnozy ({format_date(diagnosis.info.finished_on)}).",
                      info.adopted_on, "warning")


def _goal_number(index: int, goal: models.Goal) -> Iterator[Finding]:
    head = known(goal.number).split(".", 1)[0].strip()
    if head.isdigit() and int(head) != goal.priority:
        yield Finding("hdr", ("goals", index, "number"),
                      f"Numer celu {goal.number} wskazuje priorytet {head}, a w kolumnie „Priorytet (ranga)” "
                      f"wpisano {goal.priority}.", goal.number, "warning")


def _action_goal(index: int, action: models.Action, hdr: models.HdrForm) -> Iterator[Finding]:
    if action.goal not in {goal.number for goal in hdr.goals}:
        yield Finding("hdr", ("actions", index, "goal"), f"Celu nr {action.goal} nie ma w arkuszu Cele.", action.goal)


def _action_order(index: int, action: models.Action) -> Iterator[Finding]:
    if action.end < action.start:
        yield Finding("hdr", ("actions", index, "end"), "Data zakończenia jest wcześniejsza niż data rozpoczęcia.", action.end)


def _action_period(index: int, action: models.Action, info: models.HdrInfo, edition: Edition) -> Iterator[Finding]:
    for name in EDITION_WINDOW_DATES["hdr"]["actions"]:
        day = getattr(action, name)
        if not info.period_start <= day <= info.period_end:
            period = format_date_range(info.period_start, info.period_end)
            yield Finding("hdr", ("actions", index, name), f"Data {format_date(day)} wypada poza okresem HDR ({period}).", day)
        else:
            yield from _window("hdr", ("actions", index, name), day, edition)


def _action_responsible(index: int, action: models.Action, team: list[models.TeamMember]) -> Iterator[Finding]:
    names = {member.name.casefold() for member in team}
    if names and known(action.responsible).casefold() not in names and not _UNIT_WORDS.search(action.responsible):
        yield Finding("hdr", ("actions", index, "responsible"),
                      "Odpowiedzialny to członek zespołu JST (imię i nazwisko jak w karcie JST) "
                      "albo komórka organizacyjna, np. Wydział Edukacji.", action.responsible)


def _direction_actions(index: int, direction: models.Direction, hdr: models.HdrForm) -> Iterator[Finding]:
    yield from _listed_numbers("hdr", ("directions", index, "actions"), direction.actions, hdr.actions,
                               "Działania nr {number} nie ma w arkuszu Działania.")


# ----------------------------------------------------------------------------- meetings
def _meetings(form: models.MeetingsForm, unit: models.Unit, edition: Edition) -> Iterator[Check]:
    yield "co najmniej jedno spotkanie", partial(_at_least_one, "meetings", "meetings", form.meetings, "jedno spotkanie")
    yield "numery spotkań", partial(_unique, "meetings", "meetings", form.meetings, "number", "Spotkanie nr")
    for index, meeting in enumerate(form.meetings):
        yield "data spotkania w okresie edycji", partial(
            _window, "meetings", ("meetings", index, "held_on"), meeting.held_on, edition)
    yield from _each(form.meetings, "godziny spotkań", _meeting_hours)
    yield from _each(form.meetings, "data następnego spotkania", _next_meeting)
    if unit.card:
        yield from _each(form.meetings, "uczestnicy z zespołu JST", _meeting_team, unit.card)
        yield from _each(form.meetings, "doradcy na spotkaniach", _meeting_advisers, unit.card)
    yield "kolejność etapów cyklu", partial(_stages, form)
    yield from _each(form.tasks, "zadania ze spotkań", _task, form)


def _meeting_hours(index: int, meeting: models.Meeting) -> Iterator[Finding]:
    if meeting.ends_at <= meeting.starts_at:
        yield Finding("meetings", ("meetings", index, "ends_at"),
                      "Godzina zakończenia nie jest późniejsza niż godzina rozpoczęcia.", meeting.ends_at)


def _next_meeting(index: int, meeting: models.Meeting) -> Iterator[Finding]:
    if meeting.next_meeting is not None and meeting.next_meeting < meeting.held_on:
        yield Finding("meetings", ("meetings", index, "next_meeting"),
                      "Następne spotkanie nie może być wcześniejsze niż to spotkanie.", meeting.next_meeting)


def _meeting_team(index: int, meeting: models.Meeting, card: models.UnitCardForm) -> Iterator[Finding]:
    team = {m.name.casefold() for m in card.team}
    people = split_names(known(meeting.jst_participants))
    strangers = [p for p in people if p.casefold() not in team]
    if strangers:
        yield Finding("meetings", ("meetings", index, "jst_participants"),
                      f"Spoza zespołu JST (karta JST): {', '.join(strangers)}. Innych uczestników wpisz w kolumnie „Inni uczestnicy”.",
                      meeting.jst_participants)
    elif not people:
        yield Finding("meetings", ("meetings", index, "jst_participants"), "Wpisz co najmniej jednego członka zespołu JST.")


def _meeting_advisers(index: int, meeting: models.Meeting, card: models.UnitCardForm) -> Iterator[Finding]:
    advisers = {a.name.casefold() for a in card.advisers}
    strangers = [p for p in split_names(known(meeting.advisers)) if p.casefold() not in advisers]
    if strangers:
        yield Finding("meetings", ("meetings", index, "advisers"),
                      f"Spoza teamu doradczego (karta JST): {', '.join(strangers)}.", meeting.advisers)


def _stages(form: models.MeetingsForm) -> Iterator[Finding]:
    last_stage = 0
    for index, meeting in enumerate(form.meetings):
        if meeting.stage < last_stage:
            yield Finding("meetings", ("meetings", index, "stage"),
                          f"Etap cyklu cofa się (poprzednie spotkanie: etap {last_stage}). Sprawdź, czy to zamierzone.",
                          meeting.stage, "warning")
        last_stage = max(last_stage, meeting.stage)


def _task(index: int, task: models.MeetingTask, form: models.MeetingsForm) -> Iterator[Finding]:
    meeting = next((m for m in form.meetings if m.number == task.meeting), None)
    if meeting is None:
        yield Finding("meetings", ("tasks", index, "meeting"), f"Spotkania nr {task.meeting} nie ma w arkuszu Spotkania.", task.meeting)
    elif task.due < meeting.held_on:
        yield Finding("meetings", ("tasks", index, "due"), "Termin zadania jest wcześniejszy niż spotkanie, na którym je ustalono.", task.due)


# ----------------------------------------------------------------------------- summary
_SUMMARY_SHEETS = {"good_practice": ("good_practice", "Dobra praktyka"), "reflection": ("reflection", "Studium refleksji"),
                   "reportage": ("reportage", "Minireportaż")}


def _summary(summary: models.SummaryForm, unit: models.Unit, edition: Edition) -> Iterator[Check]:
    yield "data przekazania podsumowania", partial(_submitted_in_time, summary.info, edition)
    if unit.hdr:
        yield "data podsumowania po przyjęciu HDR", partial(_submitted_after_hdr, summary.info, unit.hdr)
    yield "arkusz wybranej formy podsumowania", partial(_summary_sheets, summary, edition)
    yield "data podsumowania po zakończeniu edycji", partial(_submitted_after_edition, summary.info, edition)
    yield "„stan na …” w tekście podsumowania", partial(_state_after_date, summary, edition)
    if unit.card:
        yield "zgoda rozmówcy na publikację", partial(_interviewee_consent, summary, unit.card, edition)


def _submitted_after_edition(info: models.SummaryInfo, edition: Edition) -> Iterator[Finding]:
    if known(info.submitted_on) < edition.end:
        yield Finding("summary", ("info", "submitted_on"),
                      f"Podsumowanie ORE przyjmuje po zakończeniu edycji ({format_date(edition.end)}), "
                      "a ta data jest wcześniejsza. Sprawdź datę przekazania.", info.submitted_on, "warning")


_STATE_ON = re.compile(r"stan(?:u)? na(?: dzień)?\s+(?:(\d{1,2})\s+(" + "|".join(MONTHS_GENITIVE) + r")\s+(\d{4})"
                       r"|(\d{1,2})\.(\d{1,2})\.(\d{4}))", re.IGNORECASE)


def _state_after_date(summary: models.SummaryForm, edition: Edition) -> Iterator[Finding]:
    """A "stan na …" in the summary's text later than the summary's own date is a contradiction."""
    own = known(summary.info.submitted_on)
    chosen = edition.summary_form_code(known(summary.info.form))
    part = getattr(summary, chosen, None) if chosen else None
    texts: list[tuple[Loc, Any]] = []
    if part is not None and chosen:
        texts += [((chosen, name), getattr(part, name)) for name in type(part).model_fields]
    if chosen == "reportage":
        texts += [(("interview", index, "answer"), item.answer) for index, item in enumerate(summary.interview)]
    for loc, text in texts:
        if not isinstance(text, str):
            continue
        for match in _STATE_ON.finditer(text):
            day, month_name, year, d2, m2, y2 = match.groups()
            try:
                when = (date(int(year), MONTHS_GENITIVE.index(month_name.lower()) + 1, int(day)) if day
                        else date(int(y2), int(m2), int(d2)))
            except ValueError:
                continue
            if when > own:
                yield Finding("summary", loc, f"Tekst podaje „{match[0]}”, a podsumowanie ma datę {format_date(own)}: "
                                              "stan nie może być późniejszy niż data dokumentu.", match[0], "warning")


def _interviewee_consent(summary: models.SummaryForm, card: models.UnitCardForm, edition: Edition) -> Iterator[Finding]:
    reportage = summary.reportage
    if edition.summary_form_code(known(summary.info.form)) != "reportage" or reportage is None:
        return
    team = {known(member.name).casefold() for member in card.team}
    if known(reportage.interviewee).casefold() not in team and reportage.interviewee_consent is None:
        yield Finding("summary", ("reportage", "interviewee_consent"),
                      f"Rozmówca {reportage.interviewee} nie należy do zespołu JST: wpisz, czy zgodził(a) się na "
                      "podanie imienia i nazwiska w publikacji. Bez zgody publikacja je pominie.", severity="warning")


def _submitted_in_time(info: models.SummaryInfo, edition: Edition) -> Iterator[Finding]:
    deadline = summary_deadline(edition)
    if not edition.start <= info.submitted_on <= deadline:
        yield Finding("summary", ("info", "submitted_on"),
                      f"Podsumowanie przekazuje się do ORE w okresie edycji lub do {format_date(deadline)}.",
                      info.submitted_on)


def _submitted_after_hdr(info: models.SummaryInfo, hdr: models.HdrForm) -> Iterator[Finding]:
    if info.submitted_on < hdr.info.adopted_on:
        yield Finding("summary", ("info", "submitted_on"),
                      f"Podsumowanie nie może być wcześniejsze niż przyjęcie HDR ({format_date(hdr.info.adopted_on)}).",
                      info.submitted_on)


def _summary_sheets(summary: models.SummaryForm, edition: Edition) -> Iterator[Finding]:
    info = summary.info
    chosen = edition.summary_form_code(known(info.form))
    for code, (attr, title) in _SUMMARY_SHEETS.items():
        filled = getattr(summary, attr) is not None
        if code == chosen and not filled:
            yield Finding("summary", (attr,), f"Wybrano formę „{info.form}”, ale arkusz „{title}” jest pusty.")
        elif code != chosen and filled:
            yield Finding("summary", (attr,), f"Arkusz „{title}” jest wypełniony, ale wybrano formę „{info.form}” — "
                                              "jego treść nie trafi do dokumentu.", severity="warning")
    if chosen == "reportage" and not summary.interview:
        yield Finding("summary", ("interview",), "Minireportaż wymaga wywiadu: wpisz co najmniej jedno pytanie i odpowiedź w arkuszu Wywiad.")
