"""The statuses of a unit, declared once: id, Polish words, symbol and colours.

Every place that shows a status reads this declaration: the report model (``report/model.py``),
the status page and its style, the coordinator's workbook, the terminal summary of ``teczka
build`` and the unit lines of ``teczka validate``. tests/test_statuses.py enumerates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

StatusId = Literal["ok", "incomplete", "invalid", "failed"]


@dataclass(frozen=True, slots=True)
class UnitStatus:
    id: StatusId
    label: str  # one unit: "kompletna" (a badge, a workbook cell, `teczka validate`)
    counted: str  # a number of units: "3 kompletne" (the page's tiles, the build's summary)
    symbol: str  # shown next to the words, so the status is never told by colour alone
    colour: str  # the status colour: tile and card borders, badge borders
    background: str  # badge background
    ink: str  # badge text
    terminal: str  # click's colour name for the terminal
    problem: bool  # the unit makes the run's exit code 1


STATUSES: tuple[UnitStatus, ...] = (
    UnitStatus("ok", "kompletna", "kompletne", "✓", "#2e7d4f", "#dcf2e3", "#14532d", "green", False),
    UnitStatus("incomplete", "w toku", "w toku", "◔", "#b58900", "#fff1c2", "#5c4200", "yellow", False),
    UnitStatus("invalid", "błędy w formularzach", "z błędami w formularzach", "✗", "#c0392b", "#fde2e0",
               "#8a1c1c", "red", True),
    UnitStatus("failed", "błąd generowania", "z błędem generowania", "⚠", "#7f1d1d", "#7f1d1d", "#fff",
               "red", True),
)  # in display order
BY_ID: dict[str, UnitStatus] = {status.id: status for status in STATUSES}


def status_label(status: object) -> str:
    """The Polish label of a status id; an unknown id as it is."""
    known = BY_ID.get(str(status))
    return known.label if known else str(status or "")
