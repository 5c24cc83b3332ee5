"""The data model: one Pydantic model per form sheet, one per form, one per unit.

Each field carries its ``FormField`` declaration (Polish label, help text, width, dropdown),
so the blank-form writer, the reader, the error messages and the template check all read
the same description. Models are closed: unknown fields are errors.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from pipeline.fields import (
    MAX_CELL_CHARS,
    Amount,
    Email,
    FormField,
    Integer,
    LongText,
    Phone,
    PlDate,
    PlTime,
    Text,
)


def form_field(model: type[BaseModel], name: str) -> FormField:
    """The FormField declaration of a model field."""
    for item in model.model_fields[name].metadata:
        if isinstance(item, FormField):
            return item
    raise LookupError(f"{model.__name__}.{name} has no FormField declaration")


class SheetModel(BaseModel):
    """Base of every sheet model: closed, length-limited, dropdown values checked."""

    model_config = ConfigDict(extra="forbid", str_max_length=MAX_CELL_CHARS, frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _value_from_vocabulary(cls, value: Any, info: ValidationInfo) -> Any:
        edition = (info.context or {}).get("edition")
        if edition is None or value is None or info.field_name is None:
            return value
        spec = form_field(cls, info.field_name)
        if spec.choices and str(value) not in edition.choices(spec.choices):
            raise PydanticCustomError("choice", "Tej wartości nie ma na liście. Wybierz wartość z listy rozwijanej.")
        return value


# ---------------------------------------------------------------- 1. Karta JST i wybór obszaru
class JstCard(SheetModel):
    name: Annotated[Text, FormField("Nazwa JST", "Pełna nazwa jednostki, np. Gmina Żółkiewka albo Powiat lubartowski.", 40)]
    terc: Annotated[Text, FormField("Kod TERC", "Identyfikator z rejestru TERYT (GUS): 7 cyfr dla gminy, 4 dla powiatu, 2 dla województwa, np. 0606112.", 16)]
    unit_type: Annotated[Text, FormField("Typ JST", "Wybierz z listy.", 28, choices="unit_types")]
    voivodeship: Annotated[Text, FormField("Województwo", "Wybierz z listy.", 24, choices="voivodeships")]
    address: Annotated[Text, FormField("Adres urzędu", "Ulica i numer, kod pocztowy, miejscowość.", 50)]
    office_email: Annotated[Email | None, FormField("E-mail urzędu", "Adres do korespondencji w sprawie programu.", 30)] = None


class TeamMember(SheetModel):
    name: Annotated[Text, FormField("Imię i nazwisko", "Członek zespołu JST.", 28)]
    position: Annotated[Text, FormField("Stanowisko", "Stanowisko w urzędzie lub szkole.", 36)]
    email: Annotated[Email, FormField("E-mail", "Służbowy adres e-mail.", 30)]
    phone: Annotated[Phone | None, FormField("Telefon", "Numer służbowy (nieobowiązkowy).", 18)] = None


class Adviser(SheetModel):
    role: Annotated[Text, FormField("Rola w teamie doradczym", "Wybierz z listy; każda rola występuje dokładnie raz.", 44, choices="adviser_roles")]
    name: Annotated[Text, FormField("Imię i nazwisko", "Doradca ORE.", 28)]
    email: Annotated[Email | None, FormField("E-mail", "Nieobowiązkowy.", 30)] = None


class AreaChoice(SheetModel):
    area: Annotated[Text, FormField("Obszar wsparcia", "Jeden z 12 obszarów — wybierz z listy.", 60, choices="areas")]
    justification: Annotated[LongText, FormField("Uzasadnienie wyboru", "Dlaczego ten obszar — po diagnozie — sprawia organowi prowadzącemu największe trudności.", 60)]
    chosen_on: Annotated[PlDate, FormField("Data wyboru obszaru", "Dzień.miesiąc.rok, np. 15.07.2020.", 16)]


class UnitCardForm(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    jst: JstCard
    team: list[TeamMember]
    advisers: list[Adviser]
    area_choice: AreaChoice


# ---------------------------------------------------------------- 2. Diagnoza
class DiagnosisInfo(SheetModel):
    started_on: Annotated[PlDate, FormField("Początek diagnozy", "Data rozpoczęcia diagnozy.", 16)]
    finished_on: Annotated[PlDate, FormField("Koniec diagnozy", "Data zakończenia diagnozy.", 16)]
    current_state: Annotated[LongText, FormField("Opis stanu obecnego", "Jak dziś wygląda wybrany obszar w JST: fakty i dane.", 60)]
    strengths: Annotated[LongText | None, FormField("Mocne strony", "Nieobowiązkowe.", 60)] = None
    weaknesses: Annotated[LongText | None, FormField("Słabe strony", "Nieobowiązkowe.", 60)] = None
    conclusions: Annotated[LongText | None, FormField("Wnioski z diagnozy", "Nieobowiązkowe.", 60)] = None


class DataSource(SheetModel):
    source: Annotated[Text, FormField("Źródło danych", "Np. informacja o stanie realizacji zadań oświatowych, SIO, wyniki egzaminów, ankiety.", 40)]
    findings: Annotated[LongText, FormField("Co z niego wynika", "Najważniejsze wnioski z tego źródła.", 60)]


class DiagnosedProblem(SheetModel):
    number: Annotated[Integer, FormField("Nr", "Kolejny numer problemu: 1, 2, 3…", 6), Field(ge=1)]
    description: Annotated[LongText, FormField("Zidentyfikowany problem", "Jedno zdanie lub krótki akapit.", 70)]


class Need(SheetModel):
    number: Annotated[Integer, FormField("Nr", "Kolejny numer potrzeby.", 6), Field(ge=1)]
    description: Annotated[LongText, FormField("Potrzeba", "Czego brakuje, aby rozwiązać problem.", 60)]
    concerns: Annotated[Text, FormField("Kogo dotyczy", "Wybierz z listy.", 26, choices="need_recipients")]


class Priority(SheetModel):
    rank: Annotated[Integer, FormField("Ranga", "1 = najważniejszy; kolejne liczby bez przerw.", 8), Field(ge=1)]
    name: Annotated[Text, FormField("Priorytet rozwojowy", "Krótka nazwa priorytetu.", 50)]
    justification: Annotated[LongText, FormField("Uzasadnienie", "Dlaczego ten priorytet i dlaczego na tym miejscu.", 60)]
    problems: Annotated[Text | None, FormField("Odpowiada na problemy nr", "Numery problemów, np. 1, 3.", 16)] = None


class DiagnosisForm(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    info: DiagnosisInfo
    sources: list[DataSource]
    problems: list[DiagnosedProblem]
    needs: list[Need]
    priorities: list[Priority]


# ---------------------------------------------------------------- 3. HDR
class HdrInfo(SheetModel):
    period_start: Annotated[PlDate, FormField("Początek okresu HDR", "Pierwszy dzień realizacji harmonogramu.", 16)]
    period_end: Annotated[PlDate, FormField("Koniec okresu HDR", "Ostatni dzień realizacji harmonogramu.", 16)]
    adopted_on: Annotated[PlDate, FormField("Data przyjęcia HDR", "Dzień, w którym zespół przyjął harmonogram.", 16)]
    main_goal: Annotated[LongText, FormField("Cel główny", "Co JST chce osiągnąć w wybranym obszarze.", 60)]
    version: Annotated[Text | None, FormField("Wersja", "Nieobowiązkowe, np. 1.0.", 10)] = None


class Goal(SheetModel):
    number: Annotated[Text, FormField("Nr celu", "Numer priorytetu i kolejny numer celu, np. 1.1, 1.2, 2.1.", 9)]
    priority: Annotated[Integer, FormField("Priorytet (ranga)", "Ranga priorytetu z diagnozy, któremu służy cel.", 13), Field(ge=1)]
    description: Annotated[LongText, FormField("Cel szczegółowy", "Cel sformułowany tak, by dało się sprawdzić jego osiągnięcie.", 60)]


class Action(SheetModel):
    number: Annotated[Integer, FormField("Lp.", "Kolejny numer działania.", 5), Field(ge=1)]
    goal: Annotated[Text, FormField("Nr celu", "Numer celu z arkusza Cele, np. 1.1.", 8)]
    name: Annotated[LongText, FormField("Działanie", "Co zostanie zrobione.", 36)]
    tools: Annotated[LongText, FormField("Narzędzia i rozwiązania zarządcze", "Np. informacja o stanie realizacji zadań oświatowych, analiza sieci szkół, konsultacje.", 30)]
    start: Annotated[PlDate, FormField("Data rozpoczęcia", "Dzień.miesiąc.rok.", 13)]
    end: Annotated[PlDate, FormField("Data zakończenia", "Nie wcześniej niż data rozpoczęcia.", 13)]
    responsible: Annotated[Text, FormField("Odpowiedzialny", "Członek zespołu JST (imię i nazwisko) albo komórka, np. Wydział Edukacji.", 22)]
    partners: Annotated[Text | None, FormField("Partnerzy", "Np. dyrektorzy szkół, poradnia psychologiczno-pedagogiczna.", 22)] = None
    resources: Annotated[Text | None, FormField("Zasoby", "Kadrowe, rzeczowe, źródło finansowania.", 22)] = None
    cost: Annotated[Amount | None, FormField("Koszt (zł)", "Kwota w złotych, jeśli jest znana, np. 1 500,00.", 12), Field(ge=0)] = None
    indicator: Annotated[Text, FormField("Wskaźnik", "Po czym poznamy, że działanie się udało.", 24)]
    target: Annotated[Text, FormField("Wartość docelowa", "Np. 100%, 12 szkół, 1 raport.", 14)]
    monitoring: Annotated[Text, FormField("Sposób monitorowania", "Kto, jak i kiedy sprawdza postęp.", 24)]
    status: Annotated[Text, FormField("Status", "Wybierz z listy.", 14, choices="action_statuses")]


class Risk(SheetModel):
    risk: Annotated[LongText, FormField("Ryzyko", "Co może przeszkodzić w realizacji HDR.", 50)]
    mitigation: Annotated[LongText, FormField("Sposób przeciwdziałania", "Jak zespół zmniejszy to ryzyko.", 50)]


class Direction(SheetModel):
    direction: Annotated[LongText, FormField("Kierunek wdrożenia", "Etap 4 cyklu: w jakim kierunku JST wdroży HDR.", 50)]
    tools: Annotated[LongText, FormField("Wybrane narzędzia i rozwiązania zarządcze", "Narzędzia wybrane do tego kierunku.", 50)]
    actions: Annotated[Text | None, FormField("Działania HDR (lp.)", "Numery działań, np. 1, 2, 5.", 14)] = None


class HdrForm(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    info: HdrInfo
    goals: list[Goal]
    actions: list[Action]
    risks: list[Risk]
    directions: list[Direction]


# ---------------------------------------------------------------- 4. Spotkania doradcze
class Meeting(SheetModel):
    number: Annotated[Integer, FormField("Nr", "Kolejny numer spotkania.", 5), Field(ge=1)]
    held_on: Annotated[PlDate, FormField("Data", "Dzień.miesiąc.rok.", 12)]
    starts_at: Annotated[PlTime, FormField("Od", "Godzina rozpoczęcia, np. 9:00.", 7)]
    ends_at: Annotated[PlTime, FormField("Do", "Godzina zakończenia, np. 12:30.", 7)]
    form: Annotated[Text, FormField("Forma", "Wybierz z listy.", 20, choices="meeting_forms")]
    place: Annotated[Text, FormField("Miejsce lub platforma", "Adres (w siedzibie JST) albo platforma (zdalnie), np. MS Teams.", 24)]
    jst_participants: Annotated[LongText, FormField("Uczestnicy z JST", "Imiona i nazwiska członków zespołu JST, każde w nowym wierszu (Alt+Enter) albo po średniku.", 26)]
    advisers: Annotated[LongText, FormField("Doradcy", "Imiona i nazwiska doradców obecnych na spotkaniu.", 22)]
    others: Annotated[Text | None, FormField("Inni uczestnicy", "Np. dyrektorzy szkół (nieobowiązkowe).", 20)] = None
    stage: Annotated[Integer, FormField("Etap cyklu", "Numer etapu 1–5, którego dotyczyło spotkanie.", 8), Field(ge=1, le=5)]
    goal: Annotated[LongText, FormField("Cel spotkania", "Po co się spotkano.", 28)]
    topics: Annotated[LongText, FormField("Omawiane zagadnienia", "Program spotkania.", 30)]
    findings: Annotated[LongText, FormField("Ustalenia i wnioski", "Co ustalono.", 30)]
    next_meeting: Annotated[PlDate | None, FormField("Następne spotkanie", "Data kolejnego spotkania, jeśli ustalona.", 12)] = None
    recorded_by: Annotated[Text, FormField("Sporządził(a)", "Kto sporządził notatkę.", 20)]


class MeetingTask(SheetModel):
    meeting: Annotated[Integer, FormField("Nr spotkania", "Numer spotkania z arkusza Spotkania.", 9), Field(ge=1)]
    task: Annotated[LongText, FormField("Zadanie", "Co trzeba zrobić.", 50)]
    owner: Annotated[Text, FormField("Kto", "Osoba odpowiedzialna.", 24)]
    due: Annotated[PlDate, FormField("Termin", "Do kiedy.", 12)]


class MeetingsForm(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    meetings: list[Meeting]
    tasks: list[MeetingTask]


# ---------------------------------------------------------------- 5. Podsumowanie
class SummaryInfo(SheetModel):
    form: Annotated[Text, FormField("Forma podsumowania", "Wybierz jedną z trzech form i wypełnij jej arkusz.", 40, choices="summary_forms")]
    title: Annotated[Text, FormField("Tytuł", "Tytuł podsumowania.", 60)]
    submitted_on: Annotated[PlDate, FormField("Data przekazania do ORE", "Dzień.miesiąc.rok.", 16)]
    authors: Annotated[Text, FormField("Autorzy", "Imiona i nazwiska autorów.", 50)]


class GoodPractice(SheetModel):
    local_system: Annotated[LongText, FormField("I.1. Charakterystyka lokalnego systemu", "Gmina/powiat, sieć szkół, uczniowie, kadra.", 70)]
    problem: Annotated[LongText, FormField("I.2. Problem, który był powodem wdrożenia innowacji", "", 70)]
    solution: Annotated[LongText, FormField("I.3. Na czym polega zastosowane rozwiązanie?", "", 70)]
    who_when_what: Annotated[LongText, FormField("I.4. Kto, kiedy i co zrobił?", "", 70)]
    effects: Annotated[LongText, FormField("I.5. Jakie efekty osiągnięto?", "Najlepiej mierzalne (liczby, odsetki).", 70)]
    cost: Annotated[LongText, FormField("I.6. Ile to kosztowało?", "Koszty i ich źródła; także koszty pracy.", 70)]
    why_promote: Annotated[LongText, FormField("I.7. Dlaczego warto promować to rozwiązanie?", "", 70)]
    replication: Annotated[LongText, FormField("I.8. Zalecenia dotyczące replikacji", "Co musi zrobić JST, która chce powtórzyć rozwiązanie.", 70)]
    contact_name: Annotated[Text, FormField("II. Osoba do kontaktu", "Imię, nazwisko i stanowisko osoby, która przekaże szczegóły.", 50)]
    contact_email: Annotated[Email, FormField("II. E-mail osoby do kontaktu", "", 40)]
    contact_phone: Annotated[Phone | None, FormField("II. Telefon osoby do kontaktu", "Nieobowiązkowy.", 20)] = None
    model_documents: Annotated[LongText, FormField("III. Wzorcowe dokumenty i materiały", "Każdy dokument w osobnym wierszu (Alt+Enter).", 70)]


class Reflection(SheetModel):
    discussion_on: Annotated[PlDate, FormField("Data dyskusji", "Kiedy odbyła się dyskusja zogniskowana.", 16)]
    moderator: Annotated[Text, FormField("Moderator", "Kto prowadził dyskusję.", 30)]
    participants: Annotated[LongText, FormField("Uczestnicy dyskusji", "Imię, nazwisko i funkcja każdego uczestnika, każdy w nowym wierszu (Alt+Enter).", 50)]
    aim: Annotated[LongText, FormField("Cel dyskusji", "Cel racjonalny i doświadczeniowy.", 70)]
    objective_questions: Annotated[LongText, FormField("1. Etap obiektywny — pytania kluczowe", "Pytania o fakty: co się wydarzyło, co zrobiono.", 70)]
    objective_synthesis: Annotated[LongText, FormField("1. Etap obiektywny — synteza", "", 70)]
    reflective_questions: Annotated[LongText, FormField("2. Etap refleksyjny — pytania kluczowe", "Pytania o reakcje i odczucia.", 70)]
    reflective_synthesis: Annotated[LongText, FormField("2. Etap refleksyjny — synteza", "", 70)]
    interpretive_questions: Annotated[LongText, FormField("3. Etap interpretacyjny — pytania kluczowe", "Pytania o znaczenie i wnioski.", 70)]
    interpretive_synthesis: Annotated[LongText, FormField("3. Etap interpretacyjny — synteza", "", 70)]
    decisional_questions: Annotated[LongText, FormField("4. Etap decyzyjny — pytania kluczowe", "Pytania o decyzje i dalsze kroki.", 70)]
    decisional_synthesis: Annotated[LongText, FormField("4. Etap decyzyjny — synteza", "Co postanowiono.", 70)]
    conclusions: Annotated[LongText, FormField("Wnioski i rekomendacje", "Co JST zachowa, a co zmieni.", 70)]


class Reportage(SheetModel):
    lead: Annotated[LongText, FormField("Lead", "2–3 zdania: kto, gdzie, co się zmieniło.", 70)]
    opening_scene: Annotated[LongText, FormField("Scena otwierająca", "Miejsce, spotkanie, ludzie.", 70)]
    background: Annotated[LongText, FormField("Tło", "JST, obszar, problem z diagnozy.", 70)]
    course: Annotated[LongText, FormField("Przebieg", "Co działo się na kolejnych etapach cyklu; akapity oddziel pustym wierszem.", 70)]
    effects: Annotated[LongText, FormField("Efekty", "Najlepiej z liczbami.", 70)]
    ending: Annotated[LongText, FormField("Zakończenie", "Puenta.", 70)]
    interviewee: Annotated[Text, FormField("Rozmówca", "Imię i nazwisko osoby, z którą przeprowadzono wywiad.", 40)]
    interviewee_role: Annotated[Text, FormField("Funkcja rozmówcy", "Np. sekretarz gminy, dyrektor szkoły.", 40)]
    interviewee_consent: Annotated[Text | None, FormField("Zgoda rozmówcy na publikację", "Tylko dla rozmówcy spoza zespołu JST: „tak”, jeśli zgodził(a) się na podanie imienia i nazwiska w publikacji; bez zgody publikacja je pominie.", 18, choices="consent")] = None


class InterviewItem(SheetModel):
    question: Annotated[LongText, FormField("Pytanie", "Jedno pytanie w wierszu.", 50)]
    answer: Annotated[LongText, FormField("Odpowiedź", "Odpowiedź rozmówcy.", 70)]


class SummaryForm(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    info: SummaryInfo
    good_practice: GoodPractice | None = None
    reflection: Reflection | None = None
    reportage: Reportage | None = None
    interview: list[InterviewItem] = []


# ---------------------------------------------------------------- the unit
class Unit(BaseModel):
    """Everything known about one JST: the forms that are present and valid."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    card: UnitCardForm | None = None
    diagnosis: DiagnosisForm | None = None
    hdr: HdrForm | None = None
    meetings: MeetingsForm | None = None
    summary: SummaryForm | None = None


FORM_MODELS: dict[str, type[BaseModel]] = {
    "card": UnitCardForm,
    "diagnosis": DiagnosisForm,
    "hdr": HdrForm,
    "meetings": MeetingsForm,
    "summary": SummaryForm,
}

__all__ = [name for name in dir() if name[0].isupper()] + ["form_field", "date", "time", "Decimal"]
