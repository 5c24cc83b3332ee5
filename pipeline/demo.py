"""Synthetic units for benchmarks and tests: valid filled forms, deterministic for a seed.

Plausible TERC codes across the edition's voivodeships, all three summary forms, HDRs of
varied size (up to 40 actions) and 3–15 meetings. Names and content are obviously synthetic.
"""

from __future__ import annotations

import random
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pipeline.blank_forms import write_unit_forms
from pipeline.edition import Edition, load_edition
from pipeline.teryt import VOIVODESHIPS

_STEMS = ["Brzez", "Dąbr", "Lip", "Wierzb", "Sosn", "Jabłon", "Kamien", "Łąk", "Zawad", "Grab", "Olsz", "Bukow",
          "Jasien", "Modrz", "Topol", "Krzew", "Źródl", "Żyt", "Przył", "Świerk"]
_ENDINGS = ["owo", "ówka", "ice", "no", "iec", "ów", "ina", "any", "ki", "owice"]
_FIRST = ["Anna", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Joanna", "Piotr", "Krzysztof",
          "Tomasz", "Paweł", "Marcin", "Michał", "Grzegorz", "Łukasz", "Zofia", "Jadwiga", "Andrzej"]
_LAST = ["Nowak", "Wójcik", "Kowalczyk", "Woźniak", "Mazur", "Krawczyk", "Zając", "Król", "Wieczorek", "Jabłoński",
         "Majewski", "Olszewski", "Dudek", "Pawlak", "Sikora", "Baran", "Szulc", "Michalak"]
_TOPICS = ["analiza sieci szkół", "informacja o stanie realizacji zadań oświatowych", "budżet zadaniowy oświaty",
           "współpraca z dyrektorami", "doskonalenie nauczycieli", "konsultacje z rodzicami", "monitorowanie wyników egzaminów",
           "doradztwo zawodowe", "wsparcie uczniów ze specjalnymi potrzebami", "zarządzanie bazą szkół"]
_VERBS = ["Opracowanie", "Przeprowadzenie", "Wdrożenie", "Przygotowanie", "Zorganizowanie", "Aktualizacja"]


def _person(rng: random.Random, used: set[str]) -> str:
    while True:
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        if name not in used:
            used.add(name)
            return name


def _place(rng: random.Random) -> str:
    return rng.choice(_STEMS) + rng.choice(_ENDINGS)


def _text(rng: random.Random, sentences: int) -> str:
    parts = [f"{rng.choice(_VERBS)} działań w obszarze: {rng.choice(_TOPICS)}." for _ in range(sentences)]
    return " ".join(parts)


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _kind_and_terc(index: int, rng: random.Random, edition: Edition) -> tuple[str, str, str]:
    """Unit type and a TERC code unique by construction (about 1 unit in 175 is a województwo, 1 in 9 a powiat)."""
    regions = edition.voivodeships
    if index % 175 == 0:
        voivodeship = regions[(index // 175) % len(regions)]
        return "województwo", voivodeship, voivodeship
    if index % 9 == 1:
        counter = index // 9
        voivodeship = regions[counter % len(regions)]
        return "powiat", f"{voivodeship}{1 + (counter // len(regions)) % 60:02d}", voivodeship
    kind = rng.choice(["gmina miejska", "gmina wiejska", "gmina wiejska", "gmina miejsko-wiejska"])
    digit = {"gmina miejska": "1", "gmina wiejska": "2", "gmina miejsko-wiejska": "3"}[kind]
    voivodeship = regions[index % len(regions)]
    rest = index // len(regions)
    return kind, f"{voivodeship}{1 + rest % 60:02d}{1 + (rest // 60) % 99:02d}{digit}", voivodeship


def synthetic_unit(index: int, seed: int, edition: Edition) -> dict[str, Any]:
    """One complete, valid unit as a JSON-like dict (see tests/data/sample_units)."""
    rng = random.Random(f"{seed}-{index}")
    kind, code, voivodeship = _kind_and_terc(index, rng, edition)
    place = _place(rng)
    stem = place[: len(place) - len(next(e for e in _ENDINGS if place.endswith(e)))]
    name = {"województwo": f"Województwo {VOIVODESHIPS[voivodeship]}", "powiat": f"Powiat {stem.lower()}owski"}.get(
        kind, f"Gmina {place}")
    domain = f"{place.lower()}.example.pl".translate(str.maketrans("ąćęłńóśźż", "acelnoszz"))
    people: set[str] = set()
    team = [{"name": _person(rng, people), "position": rng.choice(["Kierownik Referatu Oświaty", "Inspektor ds. oświaty",
                                                                   "Skarbnik", "Dyrektor szkoły", "Sekretarz"]),
             "email": f"osoba{i}@{domain}"} for i in range(rng.randint(edition.team_size.min, edition.team_size.max))]
    advisers = [{"role": role.label, "name": _person(rng, people)} for role in edition.adviser_roles]
    start, end = edition.start, edition.end
    chosen = start + timedelta(days=rng.randint(5, 20))
    area = rng.choice(edition.areas)
    priorities = [{"rank": r, "name": f"Priorytet {r}: {rng.choice(_TOPICS)}", "justification": _text(rng, 2),
                   "problems": str(r)} for r in range(1, rng.randint(2, 3) + 1)]
    hdr_start = chosen + timedelta(days=45)
    adopted = hdr_start - timedelta(days=5)
    goals = [{"number": f"{p['rank']}.{g}", "priority": p["rank"], "description": _text(rng, 1)}
             for p in priorities for g in (1, 2)]
    actions = []
    for number in range(1, rng.randint(3, 40) + 1):
        a_start = _day(rng, hdr_start, end - timedelta(days=20))
        actions.append({
            "number": number, "goal": rng.choice(goals)["number"], "name": f"{rng.choice(_VERBS)}: {rng.choice(_TOPICS)}",
            "tools": rng.choice(_TOPICS), "start": a_start.isoformat(), "end": _day(rng, a_start, end).isoformat(),
            "responsible": rng.choice(team)["name"], "partners": "dyrektorzy szkół", "resources": "zasoby własne",
            "cost": rng.choice([None, 1500, 2500.5, 12000]), "indicator": "liczba szkół objętych działaniem",
            "target": f"{rng.randint(1, 12)} szkół", "monitoring": "sprawozdanie kwartalne",
            "status": rng.choice(edition.action_statuses)})
    meeting_days = sorted(_day(rng, chosen, end - timedelta(days=3)) for _ in range(rng.randint(3, 15)))
    meeting_days[0] = chosen
    meetings = []
    for number, day in enumerate(meeting_days, start=1):
        form = rng.choice(edition.meeting_forms)
        meetings.append({
            "number": number, "held_on": day.isoformat(), "starts_at": "09:00", "ends_at": rng.choice(["11:00", "12:30", "10:15"]),
            "form": form.label, "place": "MS Teams" if form.remote else f"Urząd, {place}",
            "jst_participants": "\n".join(m["name"] for m in team[:2]), "advisers": "; ".join(a["name"] for a in advisers),
            "stage": min(5, 1 + (number - 1) * 5 // len(meeting_days)), "goal": _text(rng, 1), "topics": _text(rng, 2),
            "findings": _text(rng, 2), "recorded_by": advisers[0]["name"]})
    meetings[-1]["stage"] = 5
    tasks = [{"meeting": m["number"], "task": _text(rng, 1), "owner": team[0]["name"], "due": m["held_on"]} for m in meetings[:5]]
    form_code = ["good_practice", "reflection", "reportage"][index % 3]
    summary: dict[str, Any] = {"info": {"form": getattr(edition.summary_forms, form_code), "title": f"{name}: {area.label}",
                                        "submitted_on": end.isoformat(), "authors": team[0]["name"]}}
    if form_code == "good_practice":
        summary["good_practice"] = {k: _text(rng, 3) for k in ("local_system", "problem", "solution", "who_when_what",
                                                              "effects", "cost", "why_promote", "replication",
                                                              "model_documents")} | {
            "contact_name": team[0]["name"], "contact_email": team[0]["email"]}
    elif form_code == "reflection":
        summary["reflection"] = {k: _text(rng, 2) for k in (
            "aim", "objective_questions", "objective_synthesis", "reflective_questions", "reflective_synthesis",
            "interpretive_questions", "interpretive_synthesis", "decisional_questions", "decisional_synthesis",
            "conclusions")} | {"discussion_on": (end - timedelta(days=10)).isoformat(), "moderator": advisers[1]["name"],
                               "participants": "\n".join(f"{m['name']}, {m['position']}" for m in team)}
    else:
        summary["reportage"] = {k: _text(rng, 3) for k in ("lead", "opening_scene", "background", "course", "effects",
                                                          "ending")} | {"interviewee": team[0]["name"],
                                                                        "interviewee_role": team[0]["position"]}
        summary["interview"] = [{"question": f"Pytanie {i}?", "answer": _text(rng, 2)} for i in range(1, 5)]
    return {
        "id": f"demo-{index:05d}-{code}",
        "card": {"jst": {"name": name, "terc": code, "unit_type": kind, "voivodeship": VOIVODESHIPS[voivodeship],
                         "address": f"ul. Główna {rng.randint(1, 99)}, {place}"},
                 "team": team, "advisers": advisers,
                 "area_choice": {"area": area.choice, "justification": _text(rng, 3), "chosen_on": chosen.isoformat()}},
        "diagnosis": {"info": {"started_on": chosen.isoformat(), "finished_on": (chosen + timedelta(days=30)).isoformat(),
                               "current_state": _text(rng, 4)},
                      "sources": [{"source": "SIO", "findings": _text(rng, 1)}],
                      "problems": [{"number": p["rank"], "description": _text(rng, 1)} for p in priorities],
                      "needs": [{"number": 1, "description": _text(rng, 1), "concerns": edition.need_recipients[0]}],
                      "priorities": priorities},
        "hdr": {"info": {"period_start": hdr_start.isoformat(), "period_end": end.isoformat(),
                         "adopted_on": adopted.isoformat(), "main_goal": _text(rng, 2)},
                "goals": goals, "actions": actions,
                "risks": [{"risk": _text(rng, 1), "mitigation": _text(rng, 1)}],
                "directions": [{"direction": _text(rng, 1), "tools": rng.choice(_TOPICS), "actions": "1"}]},
        "meetings": {"meetings": meetings, "tasks": tasks},
        "summary": summary,
    }


def _write_one(args: tuple[int, int, str, str]) -> str:
    index, seed, edition_id, out_dir = args
    edition = load_edition(edition_id)
    raw = synthetic_unit(index, seed, edition)
    write_unit_forms(raw, Path(out_dir) / raw["id"], edition)
    return raw["id"]


def write_demo(count: int, seed: int, out_dir: Path, edition: Edition, jobs: int = 2) -> list[str]:
    """Write the forms of ``count`` synthetic units into ``out_dir/<unit-id>/``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    args = [(i, seed, edition.id, str(out_dir)) for i in range(1, count + 1)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(_write_one, args, chunksize=16))
