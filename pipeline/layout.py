"""Where every field lives in the workbooks: forms, sheets, rows and columns.

Positions are derived, never typed by hand: a record sheet lists its model's fields one per
row (label in column A, value in column B, help in column C); a table sheet has one column per
field (labels in the header row) and one row per item. The version stamp is a hash of this
layout, so a form made from an older layout is recognised and named in the error.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from typing import Literal, get_args, get_origin

from openpyxl.utils import get_column_letter
from pydantic import BaseModel

from pipeline import models
from pipeline.fields import PARAGRAPHS, FormField

TITLE_ROW = 1
INSTRUCTION_ROW = 2
HEADER_ROW = 4
FIRST_DATA_ROW = 5
# A record sheet's columns (1-based): the field's label, its value, the help text.
RECORD_LABEL, RECORD_VALUE, RECORD_HELP = 1, 2, 3
RECORD_LABEL_COLUMN = get_column_letter(RECORD_LABEL)
RECORD_VALUE_COLUMN = get_column_letter(RECORD_VALUE)
RECORD_HELP_COLUMN = get_column_letter(RECORD_HELP)
STAMP_SHEET = "Wersja"
LISTS_SHEET = "Listy"
INSTRUCTIONS_SHEET = "Instrukcja"
STAMP_MARK = "teczka-jst-formularz"
FEEDBACK_SHEET = "Uwagi do poprawy"  # added by the feedback copy; a team may send that copy back

FieldKind = Literal["text", "long_text", "date", "time", "integer", "amount"]


@dataclass(frozen=True)
class FieldLayout:
    name: str
    spec: FormField
    kind: FieldKind
    required: bool


@dataclass(frozen=True)
class SheetLayout:
    title: str  # the sheet name the user sees
    attr: str  # the attribute of the form model
    model: type[models.SheetModel]
    kind: Literal["record", "table"]
    instruction: str
    rows: int = 1  # pre-formatted rows in a table sheet
    optional: bool = False  # an empty optional record sheet is simply absent

    @property
    def fields(self) -> tuple[FieldLayout, ...]:
        return _fields_of(self.model)

    def field(self, name: str) -> FieldLayout:
        return next(f for f in self.fields if f.name == name)

    def cell_of(self, name: str) -> str:
        """A1 cell of a field in a record sheet (default layout)."""
        return f"{RECORD_VALUE_COLUMN}{self.row_of(name)}"

    def row_of(self, name: str) -> int:
        """Row of a field in a record sheet (default layout)."""
        return FIRST_DATA_ROW + [f.name for f in self.fields].index(name)

    def column_of(self, name: str) -> str:
        """Column letter of a field in a table sheet (default layout)."""
        return get_column_letter([f.name for f in self.fields].index(name) + 1)


@dataclass(frozen=True)
class FormLayout:
    key: str  # attribute of models.Unit
    file_name: str
    title: str
    purpose: str
    stage: int  # the cycle stage this form documents
    sheets: tuple[SheetLayout, ...]

    @property
    def model(self) -> type[BaseModel]:
        return models.FORM_MODELS[self.key]

    def sheet(self, attr: str) -> SheetLayout:
        return next(s for s in self.sheets if s.attr == attr)

    @functools.cached_property
    def version(self) -> str:
        """A short hash of everything that decides where values are read from."""
        digest = hashlib.sha256()
        for sheet in self.sheets:
            digest.update(f"{sheet.title}|{sheet.attr}|{sheet.kind}\n".encode())
            for f in sheet.fields:
                digest.update(f"{f.name}|{f.spec.label}|{f.kind}\n".encode())
        return digest.hexdigest()[:12]


def _kind_of(annotation: object) -> FieldKind:
    """The cell kind of a field's annotation (``X | None`` is looked through)."""
    args = get_args(annotation)
    if get_origin(annotation) is not None and type(None) in args:
        annotation = next(a for a in args if a is not type(None))
    base, *meta = get_args(annotation) or (annotation,)
    kinds: dict[object, FieldKind] = {date: "date", time: "time", int: "integer", Decimal: "amount"}
    if base in kinds:
        return kinds[base]
    return "long_text" if PARAGRAPHS in meta else "text"


@functools.cache  # a model's fields never change; reading a form asks for them per row
def _fields_of(model: type[BaseModel]) -> tuple[FieldLayout, ...]:
    out = []
    for name, info in model.model_fields.items():
        spec = models.form_field(model, name)
        kind = _kind_of(info.annotation)
        out.append(FieldLayout(name, spec, kind, info.is_required()))
    return tuple(out)


FORMS: tuple[FormLayout, ...] = (
    FormLayout(
        "card", "1_karta_jst.xlsx", "Karta JST i wybór obszaru wsparcia",
        "Dane JST, skład zespołu JST i teamu doradczego oraz wybrany obszar wsparcia (etap 1).", 1,
        (
            SheetLayout("Karta JST", "jst", models.JstCard, "record", "Dane jednostki samorządu terytorialnego."),
            SheetLayout("Zespół JST", "team", models.TeamMember, "table", "Jeden wiersz = jedna osoba z zespołu JST."),
            SheetLayout("Zespół doradczy", "advisers", models.Adviser, "table", "Team doradczy ORE: jeden wiersz = jedna osoba."),
            SheetLayout("Wybór obszaru", "area_choice", models.AreaChoice, "record", "Etap 1: wybór jednego z 12 obszarów wsparcia."),
        ),
    ),
    FormLayout(
        "diagnosis", "2_diagnoza.xlsx", "Diagnoza potrzeb i priorytety rozwojowe",
        "Diagnoza potrzeb w wybranym obszarze i wybór priorytetów rozwojowych (etap 2).", 2,
        (
            SheetLayout("Diagnoza", "info", models.DiagnosisInfo, "record", "Etap 2: opis stanu obecnego."),
            SheetLayout("Źródła danych", "sources", models.DataSource, "table", "Z jakich danych korzystał zespół.", rows=20),
            SheetLayout("Problemy", "problems", models.DiagnosedProblem, "table", "Problemy zidentyfikowane w diagnozie.", rows=20),
            SheetLayout("Potrzeby", "needs", models.Need, "table", "Potrzeby i to, kogo dotyczą.", rows=20),
            SheetLayout("Priorytety", "priorities", models.Priority, "table", "Priorytety rozwojowe w kolejności ważności (ranga 1 = najważniejszy).", rows=10),
        ),
    ),
    FormLayout(
        "hdr", "3_hdr.xlsx", "Harmonogram działań rozwojowych (HDR)",
        "Cele, działania, ryzyka i kierunki wdrożenia (etapy 3 i 4).", 3,
        (
            SheetLayout("HDR", "info", models.HdrInfo, "record", "Etap 3: okres i cel główny harmonogramu."),
            SheetLayout("Cele", "goals", models.Goal, "table", "Cele szczegółowe; każdy służy jednemu priorytetowi z diagnozy.", rows=20),
            SheetLayout("Działania", "actions", models.Action, "table", "Jeden wiersz = jedno działanie HDR.", rows=80),
            SheetLayout("Ryzyka", "risks", models.Risk, "table", "Ryzyka i sposoby przeciwdziałania.", rows=15),
            SheetLayout("Kierunki wdrożenia", "directions", models.Direction, "table", "Etap 4: kierunki wdrożenia oraz wybrane narzędzia i rozwiązania zarządcze.", rows=15),
        ),
    ),
    FormLayout(
        "meetings", "4_spotkania.xlsx", "Spotkania doradcze",
        "Notatki ze spotkań doradczych w siedzibie JST i on-line (etap 5).", 5,
        (
            SheetLayout("Spotkania", "meetings", models.Meeting, "table", "Jeden wiersz = jedno spotkanie doradcze.", rows=40),
            SheetLayout("Zadania", "tasks", models.MeetingTask, "table", "Zadania ustalone na spotkaniach.", rows=80),
        ),
    ),
    FormLayout(
        "summary", "5_podsumowanie.xlsx", "Podsumowanie udziału w programie",
        "Podsumowanie dla ORE w jednej z trzech form.", 5,
        (
            SheetLayout("Podsumowanie", "info", models.SummaryInfo, "record", "Wybierz formę podsumowania i wypełnij tylko jej arkusz."),
            SheetLayout("Dobra praktyka", "good_practice", models.GoodPractice, "record", "Opis dobrej praktyki samorządowej według struktury ORE (I.1–8, II, III).", optional=True),
            SheetLayout("Studium refleksji", "reflection", models.Reflection, "record", "Studium refleksji: cztery etapy dyskusji zogniskowanej.", optional=True),
            SheetLayout("Minireportaż", "reportage", models.Reportage, "record", "Minireportaż; wywiad wpisz w arkuszu Wywiad.", optional=True),
            SheetLayout("Wywiad", "interview", models.InterviewItem, "table", "Pytania i odpowiedzi wywiadu do minireportażu.", rows=20),
        ),
    ),
)
FORMS_BY_KEY = {form.key: form for form in FORMS}
FORMS_BY_FILE = {form.file_name: form for form in FORMS}

