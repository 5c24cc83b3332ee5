"""The documents a unit gets, declared once.

Each ``Document`` names its output file, its template, its heading, what a unit needs for it
(in the words of templates/README.md), the keys its template must use and the function that
builds its data (``context.py``). The renderer (``document_plan``, ``build_context``), the
template check, the templates README (a test compares its table) and the tests all read
``DOCUMENTS``; nothing else decides by a file name which documents exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath
from typing import Any, TypeVar

from pipeline.context import (
    DASH,
    card_context,
    common_context,
    hdr_context,
    meetings_context,
    status_date,
    summary_context,
)
from pipeline.edition import Edition
from pipeline.layout import FORMS_BY_KEY
from pipeline.models import Unit
from pipeline.teryt import normalize_terc

Builder = Callable[[Unit, Edition], dict[str, Any]]
_Form = TypeVar("_Form")


def need(form: _Form | None) -> _Form:
    """A form the document's ``applies`` made sure of (its builder is never called without it)."""
    if form is None:
        raise ValueError("Dokument zaplanowano bez formularza, którego wymaga.")
    return form

# Keys every document's data has (common_context); a template may use any of them.
_COMMON = frozenset({"programme", "document", "jst"})


@dataclass(frozen=True, slots=True)
class Document:
    output: str  # file name in output/<unit>/: "hdr.docx"
    template: str  # file name in templates/
    heading: str  # what the document is: "Harmonogram działań rozwojowych"
    needs: str  # which valid forms a unit needs for it, as the templates README says
    keywords: tuple[str, ...]  # stamped into the document's properties
    required_keys: frozenset[str]  # keys the template must use, or data is left out (template check)
    context: Builder  # the data the template receives, beside the common keys
    applies: Callable[[Unit, Edition], bool]  # whether the unit's valid forms give this document
    dated: Callable[[Unit], date]  # the document's date, from the data (never the clock)
    summary_code: str | None = None  # the summary form it presents (edition.summary_forms)


@dataclass(frozen=True, slots=True)
class DocumentSpec:
    """One document of one unit: its declaration and the metadata stamped into it."""

    document: Document
    title: str  # heading and JST: "Harmonogram działań rozwojowych — Gmina Żółkiewka"
    subject: str
    keywords: tuple[str, ...]
    date: date
    author: str  # the JST name: docProps creator

    @property
    def name(self) -> str:
        return self.document.output

    @property
    def template(self) -> str:
        return self.document.template

    @property
    def heading(self) -> str:
        return self.document.heading


def _summary_document(code: str, template: str, heading: str) -> Document:
    def applies(unit: Unit, edition: Edition) -> bool:
        summary = unit.summary
        return (summary is not None and edition.summary_form_code(summary.info.form) == code
                and getattr(summary, code) is not None)

    return Document(
        output="podsumowanie.docx", template=template, heading=heading, needs="karta + podsumowanie w tej formie",
        keywords=("podsumowanie", heading.lower()), required_keys=_COMMON | {"summary", code},
        context=lambda unit, edition: summary_context(need(unit.summary), edition), applies=applies,
        dated=lambda unit: need(unit.summary).info.submitted_on,
        summary_code=code,
    )


def _card_date(unit: Unit) -> date:
    return unit.diagnosis.info.finished_on if unit.diagnosis else need(unit.card).area_choice.chosen_on


DOCUMENTS: tuple[Document, ...] = (
    Document(
        output="karta_jst.docx", template="karta_jst.docx", heading="Karta JST i diagnoza potrzeb",
        needs="karta (diagnoza — jeśli jest)", keywords=("karta JST", "diagnoza potrzeb"),
        required_keys=_COMMON | {"area", "team", "advisers", "area_choice", "diagnosis"},
        context=lambda unit, edition: card_context(need(unit.card), unit.diagnosis),
        applies=lambda unit, edition: True, dated=_card_date,
    ),
    Document(
        output="hdr.docx", template="hdr.docx", heading="Harmonogram działań rozwojowych",
        needs="karta + diagnoza + HDR", keywords=("HDR", "harmonogram działań rozwojowych"),
        required_keys=_COMMON | {"area", "team_text", "advisers_text", "hdr", "priorities", "actions", "timeline",
                                 "risks", "directions", "signatures"},
        context=lambda unit, edition: hdr_context(need(unit.card), need(unit.diagnosis), need(unit.hdr),
                                                  status_date(unit)),
        applies=lambda unit, edition: unit.diagnosis is not None and unit.hdr is not None,
        dated=lambda unit: need(unit.hdr).info.adopted_on,
    ),
    Document(
        output="spotkania.docx", template="spotkania.docx", heading="Notatki ze spotkań doradczych",
        needs="karta + spotkania", keywords=("spotkania doradcze", "notatki"),
        required_keys=_COMMON | {"meetings_summary", "meetings"},
        context=lambda unit, edition: meetings_context(need(unit.meetings), edition,
                                                       [member.name for member in need(unit.card).team]),
        applies=lambda unit, edition: bool(unit.meetings and unit.meetings.meetings),
        dated=lambda unit: max(m.held_on for m in need(unit.meetings).meetings),
    ),
    _summary_document("good_practice", "podsumowanie_dobra_praktyka.docx", "Opis dobrej praktyki samorządowej"),
    _summary_document("reflection", "podsumowanie_studium_refleksji.docx", "Studium refleksji"),
    _summary_document("reportage", "podsumowanie_minireportaz.docx", "Minireportaż z wywiadem"),
)  # in the order a unit's documents are listed
BY_TEMPLATE: dict[str, Document] = {document.template: document for document in DOCUMENTS}
SUMMARY_CODES: tuple[str, ...] = tuple(d.summary_code for d in DOCUMENTS if d.summary_code)


def output_heading(file_name: str) -> str:
    """What a built file is, for people: "Harmonogram działań rozwojowych" for hdr.docx or
    hdr.pdf; the summary (one file for the three forms) is named as its form is."""
    stem = PurePosixPath(file_name).stem
    for document in DOCUMENTS:
        if PurePosixPath(document.output).stem == stem:
            return FORMS_BY_KEY["summary"].title if document.summary_code else document.heading
    return file_name


def output_rank(file_name: str) -> int:
    """A built file's place in the order the documents are declared (unknown files last)."""
    stems = [PurePosixPath(document.output).stem for document in DOCUMENTS]
    stem = PurePosixPath(file_name).stem
    return stems.index(stem) if stem in stems else len(stems)


def document_plan(unit: Unit, edition: Edition) -> list[DocumentSpec]:
    """The documents a unit gets from its valid forms (every one needs a valid card), in order."""
    if unit.card is None:
        return []
    return [_spec(document, unit, edition) for document in DOCUMENTS if document.applies(unit, edition)]


def _spec(document: Document, unit: Unit, edition: Edition) -> DocumentSpec:
    card = need(unit.card)
    jst = card.jst
    area = edition.area_by_choice(card.area_choice.area)
    area_label = area.label if area else card.area_choice.area
    heading = document.heading
    return DocumentSpec(
        document=document, title=f"{heading} {DASH} {jst.name}",
        subject=f"{heading}. {edition.name}. Obszar: {area_label}.",
        keywords=("ORE", "JST", *document.keywords, jst.name, f"TERC {normalize_terc(jst.terc)}", edition.short_name, area_label),
        date=document.dated(unit), author=jst.name,
    )


def build_context(spec: DocumentSpec, unit: Unit, edition: Edition) -> dict[str, Any]:
    """Everything the template of ``spec`` prints, as plain dicts, lists and strings."""
    return common_context(spec, need(unit.card), edition) | spec.document.context(unit, edition)
