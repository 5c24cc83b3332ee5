"""A complete, realistic unit for document tests: every form filled, every optional field used.

The JST is the synthetic one of tests/factories.py (real TERC code, fictional content); the
people are invented. ``full_unit_data`` returns raw form data as the reader would produce it,
``full_unit`` the validated ``Unit``.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pipeline.edition import Edition
from pipeline.models import FORM_MODELS, Unit
from pipeline.ooxml import TIMELINE_FILL

# The tests' own templates: pipeline tests pin their wording, never the shipped (coordinator's) ones.
TEST_TEMPLATES = Path(__file__).parent / "data" / "templates"

JST_NAME = "Gmina Żółkiewka"
TERC = "0613082"

_ACTIONS = [
    ("1.1", "Zebranie i uporządkowanie danych o sieci szkół (SIO, arkusze organizacyjne, wyniki egzaminów)",
     "Analiza danych SIO; arkusze organizacyjne", "Anna Nowak", "dyrektorzy szkół", "praca zespołu JST", None,
     "Zestaw danych za 3 lata", "1 zestaw danych", "Przegląd na spotkaniu zespołu co miesiąc"),
    ("1.1", "Ankieta potrzeb dla dyrektorów, nauczycieli i rodziców",
     "Ankieta on-line; konsultacje", "Piotr Wiśniewski", "rady rodziców", "licencja narzędzia ankietowego", "450.00",
     "Odsetek szkół, które odpowiedziały", "100% szkół", "Raport z ankiety"),
    ("1.2", "Przygotowanie informacji o stanie realizacji zadań oświatowych w nowym układzie",
     "Informacja o stanie realizacji zadań oświatowych", "Anna Nowak", None, "praca zespołu JST", None,
     "Informacja przedstawiona radzie gminy", "1 informacja", "Protokół sesji rady gminy"),
    ("1.2", "Warsztat dla dyrektorów: jak czytać i wykorzystywać dane",
     "Warsztat; analiza przypadków", "Katarzyna Zając", "poradnia psychologiczno-pedagogiczna",
     "sala, materiały szkoleniowe", "1200.00", "Liczba uczestników", "6 dyrektorów", "Lista obecności, ankieta"),
    ("2.1", "Opracowanie wskaźników monitorowania jakości usług edukacyjnych",
     "System monitorowania wskaźników", "Piotr Wiśniewski", "dyrektorzy szkół", None, None,
     "Zestaw wskaźników przyjęty zarządzeniem", "12 wskaźników", "Zarządzenie wójta"),
    ("2.1", "Konsultacje społeczne kierunków rozwoju oświaty",
     "Konsultacje społeczne", "Katarzyna Zając", "rady rodziców, mieszkańcy", "ogłoszenia, spotkania", "800.00",
     "Liczba spotkań konsultacyjnych", "3 spotkania", "Raport z konsultacji"),
    ("2.2", "Plan doskonalenia zawodowego nauczycieli powiązany z wnioskami z diagnozy",
     "Plan doskonalenia nauczycieli", "Anna Nowak", "ośrodek doskonalenia nauczycieli", "środki na doskonalenie",
     "15000.00", "Plan przyjęty", "1 plan", "Sprawozdanie roczne"),
    ("2.2", "Spotkania zespołu JST z dyrektorami co kwartał",
     "Procedury współpracy z dyrektorami", "Piotr Wiśniewski", "dyrektorzy szkół", "praca zespołu JST", None,
     "Liczba spotkań", "2 spotkania w okresie HDR", "Notatki ze spotkań"),
]


def _actions(count: int) -> list[dict[str, Any]]:
    actions = []
    for index in range(count):
        goal, name, tools, who, partners, resources, cost, indicator, target, monitoring = _ACTIONS[index % len(_ACTIONS)]
        if index >= len(_ACTIONS):
            name = f"{name} — etap {index // len(_ACTIONS) + 1}"
        start = date(2020, 9, 1) + timedelta(days=(index * 11) % 120)
        end = start + timedelta(days=30 + (index * 17) % 60)
        actions.append({
            "number": index + 1, "goal": goal, "name": name, "tools": tools,
            "start": start.isoformat(), "end": min(end, date(2021, 2, 28)).isoformat(),
            "responsible": who, "partners": partners, "resources": resources, "cost": cost,
            "indicator": indicator, "target": target, "monitoring": monitoring,
            "status": ("zrealizowane", "w realizacji", "planowane")[index % 3],
        })
    return actions


_BASE: dict[str, Any] = {
    "card": {
        "jst": {"name": JST_NAME, "terc": TERC, "unit_type": "gmina wiejska", "voivodeship": "lubelskie",
                "address": "ul. Rynek 1, 22-335 Żółkiewka", "office_email": "sekretariat@zolkiewka.example.pl"},
        "team": [
            {"name": "Anna Nowak", "position": "Kierownik Referatu Oświaty", "email": "a.nowak@zolkiewka.example.pl",
             "phone": "84 123 45 67"},
            {"name": "Piotr Wiśniewski", "position": "Sekretarz Gminy", "email": "p.wisniewski@zolkiewka.example.pl"},
            {"name": "Katarzyna Zając", "position": "Dyrektor Szkoły Podstawowej w Żółkiewce",
             "email": "k.zajac@sp.zolkiewka.example.pl", "phone": "84 765 43 21"},
        ],
        "advisers": [
            {"role": "ekspert ds. rozwoju oświaty samorządowej (ROS)", "name": "Ewa Zielińska",
             "email": "e.zielinska@ore.example.pl"},
            {"role": "ekspert ds. personalnego rozwoju organizacji (PRO)", "name": "Marek Łoś"},
        ],
        "area_choice": {
            "area": "1. Analizowanie potrzeb i planowanie rozwoju oświaty",
            "justification": "Gmina nie ma spójnej analizy potrzeb oświatowych.\nDane są rozproszone między referatami.\n\n"
                             "Zespół uznał, że bez rzetelnej analizy nie da się planować sieci szkół.",
            "chosen_on": "2020-07-15",
        },
    },
    "diagnosis": {
        "info": {
            "started_on": "2020-07-20", "finished_on": "2020-08-31",
            "current_state": "W gminie działają trzy szkoły podstawowe i jedno przedszkole; uczy się w nich 412 uczniów.\n\n"
                             "Liczba uczniów spada o ok. 3% rocznie, a koszty utrzymania sieci rosną.",
            "strengths": "Zaangażowani dyrektorzy.\nDobra współpraca z poradnią.",
            "weaknesses": "Brak wspólnego systemu danych.\nMało czasu zespołu na analizy.",
            "conclusions": "Potrzebny jest coroczny cykl analizy danych, powiązany z budżetem.",
        },
        "sources": [
            {"source": "System Informacji Oświatowej (SIO)", "findings": "Spadek liczby uczniów o 9% w trzy lata."},
            {"source": "Wyniki egzaminu ósmoklasisty (OKE)", "findings": "Wyniki z matematyki poniżej średniej powiatu."},
            {"source": "Ankiety wśród dyrektorów", "findings": "Dyrektorzy chcą stałych spotkań z organem prowadzącym."},
        ],
        "problems": [
            {"number": 1, "description": "Brak rzetelnej analizy potrzeb oświatowych gminy."},
            {"number": 2, "description": "Decyzje o sieci szkół zapadają bez danych o kosztach i jakości."},
        ],
        "needs": [
            {"number": 1, "description": "Narzędzie do zbierania i analizy danych oświatowych.", "concerns": "pracownicy JST"},
            {"number": 2, "description": "Szkolenie dyrektorów z wykorzystania danych.", "concerns": "dyrektorzy szkół i placówek"},
        ],
        "priorities": [
            {"rank": 1, "name": "Planowanie oparte na danych", "justification": "Podstawa wszystkich dalszych decyzji.",
             "problems": "1, 2"},
            {"rank": 2, "name": "Monitorowanie jakości usług edukacyjnych", "justification": "Pozwoli ocenić skutki zmian.",
             "problems": "2"},
        ],
    },
    "hdr": {
        "info": {"period_start": "2020-09-01", "period_end": "2021-02-28", "adopted_on": "2020-09-10",
                 "main_goal": "Gmina planuje rozwój oświaty na podstawie rzetelnych danych i regularnie je aktualizuje.",
                 "version": "1.0"},
        "goals": [
            {"number": "1.1", "priority": 1, "description": "Zebrać i uporządkować dane o sieci szkół."},
            {"number": "1.2", "priority": 1, "description": "Wykorzystywać dane w corocznej informacji o stanie oświaty."},
            {"number": "2.1", "priority": 2, "description": "Przyjąć zestaw wskaźników jakości usług edukacyjnych."},
            {"number": "2.2", "priority": 2, "description": "Powiązać doskonalenie nauczycieli z wnioskami z danych."},
        ],
        "actions": _actions(8),
        "risks": [
            {"risk": "Brak czasu zespołu JST na analizy.", "mitigation": "Stały termin pracy zespołu w każdym miesiącu."},
            {"risk": "Niska zwrotność ankiet.", "mitigation": "Przypomnienia i wsparcie dyrektorów."},
        ],
        "directions": [
            {"direction": "Coroczny cykl analizy danych oświatowych.",
             "tools": "Informacja o stanie realizacji zadań oświatowych; system monitorowania wskaźników",
             "actions": "1, 3, 5"},
            {"direction": "Stała współpraca z dyrektorami.", "tools": "Procedury współpracy z dyrektorami", "actions": "4, 8"},
        ],
    },
    "meetings": {
        "meetings": [
            {"number": 1, "held_on": "2020-07-15", "starts_at": "9:00", "ends_at": "12:00", "form": "w siedzibie JST",
             "place": "Urząd Gminy Żółkiewka, sala 12", "jst_participants": "Anna Nowak\nPiotr Wiśniewski\nKatarzyna Zając",
             "advisers": "Ewa Zielińska; Marek Łoś", "others": "dyrektorzy dwóch szkół", "stage": 1,
             "goal": "Wybór obszaru wsparcia.", "topics": "Przegląd 12 obszarów.\nDyskusja o trudnościach gminy.",
             "findings": "Wybrano obszar 1.\n\nZespół zbierze dane do diagnozy.", "next_meeting": "2020-07-29",
             "recorded_by": "Ewa Zielińska"},
            {"number": 2, "held_on": "2020-07-29", "starts_at": "10:00", "ends_at": "11:30", "form": "zdalnie (on-line)",
             "place": "MS Teams", "jst_participants": "Anna Nowak; Piotr Wiśniewski", "advisers": "Marek Łoś",
             "stage": 2, "goal": "Plan diagnozy.", "topics": "Źródła danych.", "findings": "Ustalono listę źródeł.",
             "next_meeting": "2020-08-26", "recorded_by": "Marek Łoś"},
            {"number": 3, "held_on": "2020-08-26", "starts_at": "9:00", "ends_at": "13:00", "form": "w siedzibie JST",
             "place": "Urząd Gminy Żółkiewka", "jst_participants": "Anna Nowak\nKatarzyna Zając",
             "advisers": "Ewa Zielińska\nMarek Łoś", "stage": 3, "goal": "Projekt HDR.", "topics": "Cele i działania.",
             "findings": "Przyjęto projekt HDR do konsultacji.", "recorded_by": "Ewa Zielińska"},
            {"number": 4, "held_on": "2020-11-05", "starts_at": "12:00", "ends_at": "13:30", "form": "zdalnie (on-line)",
             "place": "Zoom", "jst_participants": "Anna Nowak", "advisers": "Ewa Zielińska", "stage": 5,
             "goal": "Przegląd postępu wdrożenia.", "topics": "Status działań 1–4.", "findings": "Działanie 1 zrealizowane.",
             "recorded_by": "Ewa Zielińska"},
        ],
        "tasks": [
            {"meeting": 1, "task": "Zebrać dane z SIO za trzy lata.", "owner": "Anna Nowak", "due": "2020-07-28"},
            {"meeting": 1, "task": "Umówić ankietę z dyrektorami.", "owner": "Katarzyna Zając", "due": "2020-07-28"},
            {"meeting": 3, "task": "Przesłać projekt HDR dyrektorom.", "owner": "Piotr Wiśniewski", "due": "2020-09-04"},
        ],
    },
}

GOOD_PRACTICE = {
    "local_system": "Gmina wiejska, trzy szkoły podstawowe, 412 uczniów, 58 nauczycieli.",
    "problem": "Decyzje o sieci szkół zapadały bez danych o kosztach i jakości.",
    "solution": "Coroczny cykl analizy danych oświatowych.\n\nDane trafiają do informacji o stanie realizacji zadań oświatowych.",
    "who_when_what": "Zespół JST z dyrektorami, wrzesień 2020 – luty 2021.",
    "effects": "12 wskaźników, 100% szkół w ankiecie, 1 raport przyjęty przez radę gminy.",
    "cost": "Ok. 17 450 zł, w tym 15 000 zł na doskonalenie nauczycieli.",
    "why_promote": "Rozwiązanie jest tanie i łatwe do powtórzenia w małej gminie.",
    "replication": "Wyznaczyć osobę odpowiedzialną za dane i stały termin analizy.",
    "contact_name": "Anna Nowak, Kierownik Referatu Oświaty",
    "contact_email": "a.nowak@zolkiewka.example.pl",
    "contact_phone": "84 123 45 67",
    "model_documents": "Wzór ankiety dla dyrektorów\nZestaw wskaźników jakości\nZarządzenie wójta w sprawie monitorowania",
}
REFLECTION = {
    "discussion_on": "2021-02-10", "moderator": "Marek Łoś",
    "participants": "Anna Nowak, kierownik Referatu Oświaty\nPiotr Wiśniewski, sekretarz gminy\nMarek Łoś, doradca (moderator)",
    "aim": "Cel racjonalny: ocenić wdrożenie HDR.\nCel doświadczeniowy: docenić pracę zespołu.",
    "objective_questions": "Które działania HDR zrealizowano?", "objective_synthesis": "Zrealizowano 5 z 8 działań.",
    "reflective_questions": "Co było najtrudniejsze?", "reflective_synthesis": "Najtrudniejsze było zebranie danych.",
    "interpretive_questions": "Czego się nauczyliśmy?", "interpretive_synthesis": "Dane zmieniają rozmowę z dyrektorami.",
    "decisional_questions": "Co zrobimy dalej?", "decisional_synthesis": "Zespół kontynuuje cykl analizy co roku.",
    "conclusions": "Zachowujemy cykl analizy danych.\n\nZmieniamy sposób konsultacji z rodzicami.",
}
REPORTAGE = {
    "lead": "W Żółkiewce dane o szkołach przestały leżeć w szufladach. Zespół urzędu i dyrektorzy co miesiąc siadają do jednego stołu.",
    "opening_scene": "Jest wtorek, ósma rano. W sali numer 12 pachnie kawą.",
    "background": "Gmina wiejska w województwie lubelskim, trzy szkoły, spadająca liczba uczniów.",
    "course": "We wrześniu zespół zebrał dane z trzech lat.\n\nW październiku dyrektorzy wypełnili ankietę.\n\nW lutym rada gminy przyjęła raport.",
    "effects": "12 wskaźników i 100% szkół w ankiecie.",
    "ending": "— Dane to dopiero początek rozmowy — mówi Anna Nowak.",
    "interviewee": "Anna Nowak", "interviewee_role": "kierownik Referatu Oświaty",
}
INTERVIEW = [
    {"question": "Od czego zaczęliście?", "answer": "Od zebrania danych z SIO za trzy lata."},
    {"question": "Co było najtrudniejsze?", "answer": "Znalezienie czasu.\nAle warto było."},
]
SUMMARY_FORMS = {
    "good_practice": ("opis dobrej praktyki samorządowej", "Dane w planowaniu sieci szkół"),
    "reflection": ("studium refleksji", "Czego nauczył nas HDR"),
    "reportage": ("minireportaż z wywiadem", "Dane przy jednym stole"),
}


def full_unit_data(summary: str = "good_practice", actions: int = 8) -> dict[str, Any]:
    """Raw data of the full unit, with the chosen summary form and ``actions`` HDR actions."""
    data = copy.deepcopy(_BASE)
    data["hdr"]["actions"] = _actions(actions)
    form, title = SUMMARY_FORMS[summary]
    data["summary"] = {"info": {"form": form, "title": title, "submitted_on": "2021-03-05",
                                "authors": "Anna Nowak, Ewa Zielińska"}}
    if summary == "good_practice":
        data["summary"]["good_practice"] = dict(GOOD_PRACTICE)
    elif summary == "reflection":
        data["summary"]["reflection"] = dict(REFLECTION)
    else:
        data["summary"]["reportage"] = dict(REPORTAGE)
        data["summary"]["interview"] = copy.deepcopy(INTERVIEW)
    return data


def unit_from_data(data: dict[str, Any], edition: Edition, unit_id: str = "0613082") -> Unit:
    forms = {key: FORM_MODELS[key].model_validate(value, context={"edition": edition})
             for key, value in data.items() if key in FORM_MODELS}
    return Unit(id=unit_id, **forms)


def full_unit(edition: Edition, summary: str = "good_practice", actions: int = 8) -> Unit:
    return unit_from_data(full_unit_data(summary, actions), edition)


# ----------------------------------------------------------------------------- reading results
def all_paragraphs(document: Any) -> Any:
    """Every paragraph of a python-docx document: the body's, then those in table cells."""
    yield from document.paragraphs
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs


def docx_text(data: bytes) -> str:
    """A .docx as text, in reading order: header, body (tables as "a | b" rows), footer."""
    import io

    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = Document(io.BytesIO(data))
    lines: list[str] = []
    section = document.sections[0]
    lines += [p.text for p in section.header.paragraphs]
    lines.append("---")
    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(element, document).text)
        elif tag == "tbl":
            for row in Table(element, document).rows:
                cells, seen = [], set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # a merged cell repeats
                        continue
                    seen.add(id(cell._tc))
                    text = "\n".join(p.text for p in cell.paragraphs)
                    cells.append(text or ("■" if TIMELINE_FILL in cell._tc.xml else "·"))
                lines.append(" | ".join(cells))
    lines.append("---")
    lines += [p.text for p in section.footer.paragraphs]
    return "\n".join(lines)
