"""Small valid units built in code, for tests that need a known-good starting point."""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

from pipeline.blank_forms import write_unit_forms
from pipeline.edition import Edition

_UNIT: dict[str, Any] = {
    "card": {
        "jst": {"name": "Gmina Żółkiewka", "terc": "0606112", "unit_type": "gmina wiejska",
                "voivodeship": "lubelskie", "address": "ul. Rynek 1, 22-335 Żółkiewka"},
        "team": [
            {"name": "Anna Nowak", "position": "Kierownik Referatu Oświaty", "email": "a.nowak@zolkiewka.example.pl",
             "phone": "84 123 45 67"},
            {"name": "Piotr Wiśniewski", "position": "Sekretarz Gminy", "email": "p.wisniewski@zolkiewka.example.pl"},
        ],
        "advisers": [
            {"role": "ekspert ds. rozwoju oświaty samorządowej (ROS)", "name": "Ewa Zielińska"},
            {"role": "ekspert ds. personalnego rozwoju organizacji (PRO)", "name": "Marek Lis"},
        ],
        "area_choice": {"area": "1. Analizowanie potrzeb i planowanie rozwoju oświaty",
                        "justification": "Brak spójnej analizy potrzeb.\nDane są rozproszone.", "chosen_on": "2020-07-15"},
    },
    "diagnosis": {
        "info": {"started_on": "2020-07-20", "finished_on": "2020-08-31", "current_state": "Trzy szkoły podstawowe."},
        "sources": [{"source": "SIO", "findings": "Spadek liczby uczniów."}],
        "problems": [{"number": 1, "description": "Brak analizy potrzeb."}],
        "needs": [{"number": 1, "description": "Narzędzie do analizy danych.", "concerns": "pracownicy JST"}],
        "priorities": [{"rank": 1, "name": "Analiza potrzeb", "justification": "Podstawa planowania.", "problems": "1"}],
    },
    "hdr": {
        "info": {"period_start": "2020-09-01", "period_end": "2021-02-28", "adopted_on": "2020-09-10",
                 "main_goal": "Planowanie oparte na danych."},
        "goals": [{"number": "1.1", "priority": 1, "description": "Opracować analizę potrzeb."}],
        "actions": [
            {"number": 1, "goal": "1.1", "name": "Zebranie danych", "tools": "Analiza danych SIO",
             "start": "2020-09-15", "end": "2020-10-30", "responsible": "Anna Nowak", "indicator": "Raport",
             "target": "1 raport", "monitoring": "Przegląd co miesiąc", "status": "zrealizowane", "cost": "1500.50"},
        ],
        "risks": [{"risk": "Brak czasu.", "mitigation": "Harmonogram spotkań."}],
        "directions": [{"direction": "Coroczna analiza.", "tools": "Informacja o stanie realizacji zadań oświatowych",
                        "actions": "1"}],
    },
    "meetings": {
        "meetings": [
            {"number": 1, "held_on": "2020-07-15", "starts_at": "09:00", "ends_at": "12:00", "form": "w siedzibie JST",
             "place": "Urząd Gminy Żółkiewka", "jst_participants": "Anna Nowak\nPiotr Wiśniewski",
             "advisers": "Ewa Zielińska; Marek Lis", "stage": 1, "goal": "Wybór obszaru.", "topics": "Obszary.",
             "findings": "Wybrano obszar 1.", "recorded_by": "Ewa Zielińska"},
            {"number": 2, "held_on": "2020-11-05", "starts_at": "10:00", "ends_at": "11:30", "form": "zdalnie (on-line)",
             "place": "MS Teams", "jst_participants": "Anna Nowak", "advisers": "Marek Lis", "stage": 5,
             "goal": "Wdrożenie.", "topics": "Postęp działań.", "findings": "Działanie 1 zrealizowane.",
             "recorded_by": "Marek Lis"},
        ],
        "tasks": [{"meeting": 1, "task": "Zebrać dane.", "owner": "Anna Nowak", "due": "2020-07-31"}],
    },
    "summary": {
        "info": {"form": "opis dobrej praktyki samorządowej", "title": "Dane w planowaniu",
                 "submitted_on": "2021-03-05", "authors": "Anna Nowak"},
        "good_practice": {k: f"Treść {k}." for k in (
            "local_system", "problem", "solution", "who_when_what", "effects", "cost", "why_promote",
            "replication", "contact_name", "model_documents")} | {"contact_email": "a.nowak@zolkiewka.example.pl"},
    },
}


def unit_data(**overrides: Any) -> dict[str, Any]:
    """A deep copy of the valid unit, with whole forms replaced or removed (None)."""
    data = copy.deepcopy(_UNIT)
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


_WRITTEN: dict[str, dict[str, bytes]] = {}  # the forms of a unit, by its data: written once per session


def write_unit(folder: Path, edition: Edition, data: dict[str, Any] | None = None) -> Path:
    """The unit's filled forms in ``folder``. The writer is deterministic (tests/test_forms.py), so
    the bytes made for the same data and edition are reused: writing workbooks is what most
    build tests spend their time on."""
    data = data if data is not None else unit_data()
    key = json.dumps([edition.fingerprint, data], sort_keys=True, default=str)
    if key not in _WRITTEN:
        with tempfile.TemporaryDirectory() as scratch:
            _WRITTEN[key] = {p.name: p.read_bytes() for p in write_unit_forms(data, Path(scratch), edition)}
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in _WRITTEN[key].items():
        (folder / name).write_bytes(content)
    return folder
