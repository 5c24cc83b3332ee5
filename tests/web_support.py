"""Shared set-up for the web tests: two small units, an application, workbooks with mistakes."""

from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path

import openpyxl
from factories import unit_data, write_unit

from pipeline import layout
from pipeline.edition import load_edition

EDITION = load_edition("2020")
REPO = Path(__file__).resolve().parents[1]
UNIT_A, UNIT_B = "gmina-a", "gmina-b"
PASSWORD = "hasło-koordynatora-1"


_MADE: list[Path] = []


def make_forms(root: Path) -> Path:
    """forms/ with two valid units (unit B has another name and TERC); written once, then copied."""
    if not _MADE:
        made = Path(tempfile.mkdtemp(prefix="teczka-web-forms-")) / "forms"
        write_unit(made / UNIT_A, EDITION)
        other = unit_data()
        other["card"]["jst"] |= {"name": "Gmina Bełżyce", "terc": "0614032"}
        write_unit(made / UNIT_B, EDITION, other)
        _MADE.append(made)
    forms = root / "forms"
    shutil.copytree(_MADE[0], forms)
    return forms


def hdr_with_three_mistakes(valid: bytes) -> bytes:
    """The HDR with an empty main goal, a date that is not a date and a status not on the list."""
    hdr = layout.FORMS_BY_KEY["hdr"]
    actions, info = hdr.sheet("actions"), hdr.sheet("info")
    book = openpyxl.load_workbook(io.BytesIO(valid))
    book[info.title][info.cell_of("main_goal")] = None
    book[actions.title][f"{actions.column_of('end')}5"] = "jutro"
    book[actions.title][f"{actions.column_of('status')}5"] = "cokolwiek"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def hdr_with_goal(valid: bytes, goal: str) -> bytes:
    """A valid HDR whose main goal says ``goal`` (a different valid version)."""
    hdr = layout.FORMS_BY_KEY["hdr"]
    info = hdr.sheet("info")
    book = openpyxl.load_workbook(io.BytesIO(valid))
    book[info.title][info.cell_of("main_goal")] = goal
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


THREE_MISTAKES = [
    "Arkusz HDR, komórka B8 (Cel główny): Pole obowiązkowe — uzupełnij je.",
    "Arkusz Działania, komórka F5 (Data zakończenia): Nie rozpoznano daty. Wpisz datę jako dzień.miesiąc.rok, np. 5.07.2020.",
    "Arkusz Działania, komórka N5 (Status): Tej wartości nie ma na liście. Wybierz ją z listy rozwijanej. "
    "Dozwolone: planowane, w realizacji, zrealizowane, zaniechane.",
]
