"""Rules beyond single cells: within a form and across the forms of one unit.

Pure functions over validated models. Each rule yields ``Finding``s that name the form and
the model location; the validator turns locations into sheets and cells.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

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


def check_unit(unit: models.Unit, edition: Edition) -> Iterator[Finding]:
    """Every rule that applies to the forms present (and valid) in the unit."""
    if unit.card:
        yield from _card(unit.card, edition)
    if unit.diagnosis:
        yield from _diagnosis(unit.diagnosis, edition)
    if unit.hdr:
        yield from _hdr(unit.hdr, unit, edition)
    if unit.meetings:
        yield from _meetings(unit.meetings, unit, edition)
    if unit.summary:
        yield from _summary(unit.summary, unit, edition)


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
    return [int(n) for n in re.findall(r"\d+", text or "")]


# ----------------------------------------------------------------------------- card
def _card(card: models.UnitCardForm, edition: Edition) -> Iterator[Finding]:
    jst = card.jst
    code = normalize_terc(jst.terc)
    for message in terc_problems(code, jst.unit_type):
        yield Finding("card", ("jst", "terc"), message, jst.terc)
    if code[:2] in VOIVODESHIPS and VOIVODESHIPS[code[:2]] != jst.voivodeship:
        yield Finding("card", ("jst", "voivodeship"),
                      f"Kod TERC wskazuje województwo {VOIVODESHIPS[code[:2]]}, a wybrano {jst.voivodeship}.",
                      jst.voivodeship)
    size = len(card.team)
    bounds = edition.team_size
    if not bounds.min <= size <= bounds.max:
        yield Finding("card", ("team",),
                      f"Zespół JST liczy {count(size, 'osobę', 'osoby', 'osób')}, a w edycji {edition.short_name} "
                      f"powinien liczyć od {bounds.min} do {bounds.max} osób.", size)
    names = Counter(member.name.casefold() for member in card.team)
    for index, member in enumerate(card.team):
        if names[member.name.casefold()] > 1:
            yield Finding("card", ("team", index, "name"), "Ta osoba jest wpisana w zespole więcej niż raz.", member.name)
            names[member.name.casefold()] = 0
    roles = Counter()
    for index, adviser in enumerate(card.advisers):
        role = edition.adviser_role(adviser.role)
        key = role.code if role else adviser.role
        roles[key] += 1
        if roles[key] == 2:
            yield Finding("card", ("advisers", index, "role"),
                          f"Rola „{adviser.role}” występuje więcej niż raz — team doradczy ma po jednej osobie w każdej roli.",
                          adviser.role)
    for role in edition.adviser_roles:
        if roles[role.code] == 0:
            yield Finding("card", ("advisers",), f"Brak doradcy w roli „{role.label}”.")
    yield from _window("card", ("area_choice", "chosen_on"), card.area_choice.chosen_on, edition)


# ----------------------------------------------------------------------------- diagnosis
def _diagnosis(diagnosis: models.DiagnosisForm, edition: Edition) -> Iterator[Finding]:
    info = diagnosis.info
    yield from _window("diagnosis", ("info", "started_on"), info.started_on, edition)
    yield from _window("diagnosis", ("info", "finished_on"), info.finished_on, edition)
    if info.finished_on < info.started_on:
        yield Finding("diagnosis", ("info", "finished_on"),
                      "Data zakończenia diagnozy jest wcześniejsza niż data jej rozpoczęcia.", info.finished_on)
    yield from _at_least_one("diagnosis", "sources", diagnosis.sources, "jedno źródło danych")
    yield from _at_least_one("diagnosis", "problems", diagnosis.problems, "jeden zidentyfikowany problem")
    yield from _at_least_one("diagnosis", "needs", diagnosis.needs, "jedną potrzebę")
    yield from _at_least_one("diagnosis", "priorities", diagnosis.priorities, "jeden priorytet rozwojowy")
    yield from _unique("diagnosis", "problems", diagnosis.problems, "number", "Problem nr")
    yield from _unique("diagnosis", "needs", diagnosis.needs, "number", "Potrzeba nr")
    yield from _unique("diagnosis", "priorities", diagnosis.priorities, "rank", "Ranga")
    ranks = {p.rank for p in diagnosis.priorities}
    for index, priority in enumerate(diagnosis.priorities):
        if priority.rank > len(diagnosis.priorities):
            missing = min(set(range(1, len(diagnosis.priorities) + 1)) - ranks)
            yield Finding("diagnosis", ("priorities", index, "rank"),
                          f"Rangi priorytetów to kolejne liczby 1, 2, 3…; brakuje rangi {missing}.", priority.rank)
    known = {p.number for p in diagnosis.problems}
    for index, priority in enumerate(diagnosis.priorities):
        for number in _numbers(priority.problems):
            if number not in known:
                yield Finding("diagnosis", ("priorities", index, "problems"),
                              f"Problemu nr {number} nie ma w arkuszu Problemy.", priority.problems)


# ----------------------------------------------------------------------------- HDR
_UNIT_WORDS = re.compile(r"\b(?:wydział|referat|zesp[óo]ł|biuro|dział|urząd|centrum|samodzieln|stanowisk|sekretarz|"
                         r"skarbnik|wójt|burmistrz|prezydent|starost|dyrektor|komisj|rad[ay]\b|poradni|jednostk|ośrod|"
                         r"zarząd|marszał|naczelnik|kierownik|koordynator|szkoł|przedszkol)",
                         re.IGNORECASE)


def _hdr(hdr: models.HdrForm, unit: models.Unit, edition: Edition) -> Iterator[Finding]:
    info = hdr.info
    for name in ("period_start", "period_end", "adopted_on"):
        yield from _window("hdr", ("info", name), getattr(info, name), edition)
    if info.period_end < info.period_start:
        yield Finding("hdr", ("info", "period_end"),
                      "Koniec okresu HDR jest wcześniejszy niż jego początek.", info.period_end)
    yield from _at_least_one("hdr", "goals", hdr.goals, "jeden cel szczegółowy")
    yield from _at_least_one("hdr", "actions", hdr.actions, "jedno działanie")
    yield from _unique("hdr", "goals", hdr.goals, "number", "Cel nr")
    yield from _unique("hdr", "actions", hdr.actions, "number", "Działanie nr")
    if unit.diagnosis:
        ranks = {p.rank for p in unit.diagnosis.priorities}
        for index, goal in enumerate(hdr.goals):
            if goal.priority not in ranks:
                yield Finding("hdr", ("goals", index, "priority"),
                              f"Priorytetu o randze {goal.priority} nie ma w diagnozie (arkusz Priorytety).", goal.priority)
        served = {goal.priority for goal in hdr.goals}
        for priority in unit.diagnosis.priorities:
            if priority.rank not in served:
                yield Finding("hdr", ("goals",), f"Żaden cel nie służy priorytetowi „{priority.name}” (ranga {priority.rank}).",
                              severity="warning")
    for index, goal in enumerate(hdr.goals):
        head = goal.number.split(".", 1)[0].strip()
        if head.isdigit() and int(head) != goal.priority:
            yield Finding("hdr", ("goals", index, "number"),
                          f"Numer celu {goal.number} wskazuje priorytet {head}, a w kolumnie „Priorytet (ranga)” "
                          f"wpisano {goal.priority}.", goal.number, "warning")
    if unit.diagnosis and info.adopted_on < unit.diagnosis.info.finished_on:
        yield Finding("hdr", ("info", "adopted_on"),
                      f"HDR przyjęto przed zakończeniem diagnozy ({format_date(unit.diagnosis.info.finished_on)}).",
                      info.adopted_on, "warning")
    goals = {goal.number for goal in hdr.goals}
    team = {member.name.casefold() for member in unit.card.team} if unit.card else set()
    period = format_date_range(info.period_start, info.period_end)
    for index, action in enumerate(hdr.actions):
        if action.goal not in goals:
            yield Finding("hdr", ("actions", index, "goal"), f"Celu nr {action.goal} nie ma w arkuszu Cele.", action.goal)
        if action.end < action.start:
            yield Finding("hdr", ("actions", index, "end"),
                          "Data zakończenia jest wcześniejsza niż data rozpoczęcia.", action.end)
        for name in ("start", "end"):
            day = getattr(action, name)
            if not info.period_start <= day <= info.period_end:
                yield Finding("hdr", ("actions", index, name), f"Data {format_date(day)} wypada poza okresem HDR ({period}).", day)
            else:
                yield from _window("hdr", ("actions", index, name), day, edition)
        if team and action.responsible.casefold() not in team and not _UNIT_WORDS.search(action.responsible):
            yield Finding("hdr", ("actions", index, "responsible"),
                          "Odpowiedzialny to członek zespołu JST (imię i nazwisko jak w karcie JST) "
                          "albo komórka organizacyjna, np. Wydział Edukacji.", action.responsible)
    for attr, section in (("risks", "5. Ryzyka i sposoby przeciwdziałania"),
                          ("directions", "6. Kierunki wdrożenia oraz narzędzia i rozwiązania zarządcze")):
        if not getattr(hdr, attr):  # the HDR says "Nie określono." there (templates/README.md)
            yield Finding("hdr", (attr,), f"Arkusz jest pusty: w HDR sekcja „{section}” będzie miała treść "
                                          "„Nie określono.”.", severity="warning")
    numbers = {action.number for action in hdr.actions}
    for index, direction in enumerate(hdr.directions):
        for number in _numbers(direction.actions):
            if number not in numbers:
                yield Finding("hdr", ("directions", index, "actions"), f"Działania nr {number} nie ma w arkuszu Działania.",
                              direction.actions)


# ----------------------------------------------------------------------------- meetings
def _meetings(form: models.MeetingsForm, unit: models.Unit, edition: Edition) -> Iterator[Finding]:
    yield from _at_least_one("meetings", "meetings", form.meetings, "jedno spotkanie")
    yield from _unique("meetings", "meetings", form.meetings, "number", "Spotkanie nr")
    team = {m.name.casefold() for m in unit.card.team} if unit.card else None
    advisers = {a.name.casefold() for a in unit.card.advisers} if unit.card else None
    last_stage = 0
    for index, meeting in enumerate(form.meetings):
        yield from _window("meetings", ("meetings", index, "held_on"), meeting.held_on, edition)
        if meeting.ends_at <= meeting.starts_at:
            yield Finding("meetings", ("meetings", index, "ends_at"),
                          "Godzina zakończenia nie jest późniejsza niż godzina rozpoczęcia.", meeting.ends_at)
        if meeting.next_meeting and meeting.next_meeting < meeting.held_on:
            yield Finding("meetings", ("meetings", index, "next_meeting"),
                          "Następne spotkanie nie może być wcześniejsze niż to spotkanie.", meeting.next_meeting)
        people = split_names(meeting.jst_participants)
        if team is not None:
            strangers = [p for p in people if p.casefold() not in team]
            if strangers:
                yield Finding("meetings", ("meetings", index, "jst_participants"),
                              f"Spoza zespołu JST (karta JST): {', '.join(strangers)}. Innych uczestników wpisz w kolumnie „Inni uczestnicy”.",
                              meeting.jst_participants)
            elif not people:
                yield Finding("meetings", ("meetings", index, "jst_participants"), "Wpisz co najmniej jednego członka zespołu JST.")
        experts = split_names(meeting.advisers)
        if advisers is not None:
            strangers = [p for p in experts if p.casefold() not in advisers]
            if strangers:
                yield Finding("meetings", ("meetings", index, "advisers"),
                              f"Spoza teamu doradczego (karta JST): {', '.join(strangers)}.", meeting.advisers)
        if meeting.stage < last_stage:
            yield Finding("meetings", ("meetings", index, "stage"),
                          f"Etap cyklu cofa się (poprzednie spotkanie: etap {last_stage}). Sprawdź, czy to zamierzone.",
                          meeting.stage, "warning")
        last_stage = max(last_stage, meeting.stage)
    by_number = {m.number: m for m in form.meetings}
    for index, task in enumerate(form.tasks):
        meeting = by_number.get(task.meeting)
        if meeting is None:
            yield Finding("meetings", ("tasks", index, "meeting"), f"Spotkania nr {task.meeting} nie ma w arkuszu Spotkania.", task.meeting)
        elif task.due < meeting.held_on:
            yield Finding("meetings", ("tasks", index, "due"), "Termin zadania jest wcześniejszy niż spotkanie, na którym je ustalono.", task.due)


# ----------------------------------------------------------------------------- summary
_SUMMARY_SHEETS = {"good_practice": ("good_practice", "Dobra praktyka"), "reflection": ("reflection", "Studium refleksji"),
                   "reportage": ("reportage", "Minireportaż")}


_STATE_ON = re.compile(r"stan(?:u)? na(?: dzień)?\s+(?:(\d{1,2})\s+(" + "|".join(MONTHS_GENITIVE) + r")\s+(\d{4})"
                       r"|(\d{1,2})\.(\d{1,2})\.(\d{4}))", re.IGNORECASE)


def _state_after_date(summary: models.SummaryForm, chosen: str | None, own: date) -> Iterator[Finding]:
    """A "stan na …" in the summary's text later than the summary's own date is a contradiction."""
    texts: list[tuple[Loc, str]] = []
    part = getattr(summary, chosen, None) if chosen else None
    if part is not None:
        texts += [((chosen, name), value) for name, value in part.model_dump().items() if isinstance(value, str)]
    if chosen == "reportage":
        texts += [(("interview", index, "answer"), q.answer) for index, q in enumerate(summary.interview)]
    for loc, text in texts:
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


def _summary(summary: models.SummaryForm, unit: models.Unit, edition: Edition) -> Iterator[Finding]:
    info = summary.info
    deadline = edition.end + timedelta(days=edition.summary_grace_days)
    if not edition.start <= info.submitted_on <= deadline:
        yield Finding("summary", ("info", "submitted_on"),
                      f"Podsumowanie przekazuje się do ORE w okresie edycji lub do {format_date(deadline)}.",
                      info.submitted_on)
    if unit.hdr and info.submitted_on < unit.hdr.info.adopted_on:
        yield Finding("summary", ("info", "submitted_on"),
                      f"Podsumowanie nie może być wcześniejsze niż przyjęcie HDR ({format_date(unit.hdr.info.adopted_on)}).",
                      info.submitted_on)
    if info.submitted_on < edition.end:
        yield Finding("summary", ("info", "submitted_on"),
                      f"Podsumowanie ORE przyjmuje po zakończeniu edycji ({format_date(edition.end)}), "
                      "a ta data jest wcześniejsza. Sprawdź datę przekazania.", info.submitted_on, "warning")
    chosen = edition.summary_form_code(info.form)
    yield from _state_after_date(summary, chosen, info.submitted_on)
    for code, (attr, title) in _SUMMARY_SHEETS.items():
        filled = getattr(summary, attr) is not None
        if code == chosen and not filled:
            yield Finding("summary", (attr,), f"Wybrano formę „{info.form}”, ale arkusz „{title}” jest pusty.")
        elif code != chosen and filled:
            yield Finding("summary", (attr,), f"Arkusz „{title}” jest wypełniony, ale wybrano formę „{info.form}” — "
                                              "jego treść nie trafi do dokumentu.", severity="warning")
    reportage = summary.reportage
    if chosen == "reportage" and reportage is not None and unit.card is not None:
        team = {member.name.casefold() for member in unit.card.team}
        if reportage.interviewee.casefold() not in team and reportage.interviewee_consent is None:
            yield Finding("summary", ("reportage", "interviewee_consent"),
                          f"Rozmówca {reportage.interviewee} nie należy do zespołu JST: wpisz, czy zgodził(a) się na "
                          "podanie imienia i nazwiska w publikacji. Bez zgody publikacja je pominie.", severity="warning")
    if chosen == "reportage" and not summary.interview:
        yield Finding("summary", ("interview",), "Minireportaż wymaga wywiadu: wpisz co najmniej jedno pytanie i odpowiedź w arkuszu Wywiad.")
