"""One errors module: user-facing exceptions and problems found in forms, as data.

A ``Problem`` is a value: it names the file, sheet, cell and field of what is wrong, in Polish,
with the value found. Validation collects them all and never stops at the first one.
Exceptions derived from ``TeczkaError`` carry a Polish message meant for the user and an exit
code; the CLI turns them into a clean message, never a traceback.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong (or worth a warning) in a filled form, located as precisely as possible."""

    message: str
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None
    field: str | None = None
    value: str | None = None
    severity: Severity = "error"

    def located(self, **where: Any) -> Problem:
        return replace(self, **where)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("severity")
        return data

    def describe(self) -> str:
        """One line in Polish: "Arkusz HDR, komórka D7 (Data zakończenia): …"."""
        where = []
        if self.sheet:
            where.append(f"Arkusz {self.sheet}")
        if self.cell:
            where.append(f"komórka {self.cell}")
        head = ", ".join(where)
        if self.field:
            head = f"{head} ({self.field})" if head else self.field
        return f"{head}: {self.message}" if head else self.message


def short_value(value: Any, limit: int = 80) -> str | None:
    """The offending value as short text for messages and reports."""
    if value is None:
        return None
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class TeczkaError(Exception):
    """A failure the user can act on; ``str()`` is the Polish message."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(TeczkaError):
    """Wrong arguments, missing folders, unknown edition: exit code 2."""


class SetupError(TeczkaError):
    """A missing tool (LibreOffice, fonts) or an unwritable output folder: exit code 2."""


class FormFileError(TeczkaError):
    """A form file that cannot be read at all (not a workbook, protected, out of date)."""

    exit_code = 1
