"""One errors module: user-facing exceptions and problems found in forms, as data.

A ``Problem`` is a value: it names the file, sheet, cell and field of what is wrong, in Polish,
with the value found. Validation collects them all and never stops at the first one.
Exceptions derived from ``TeczkaError`` carry a Polish message meant for the user and an exit
code; the CLI turns them into a clean message, never a traceback.
"""

from __future__ import annotations

import errno
from dataclasses import asdict, dataclass
from pathlib import Path
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


class RenderError(TeczkaError):
    """A template that cannot be compiled or rendered; the message is Polish and names the spot."""

    exit_code = 1

    def __init__(self, message: str, *, template: str, part: str | None = None, variable: str | None = None,
                 paragraph: str | None = None) -> None:
        super().__init__(message)
        self.template, self.part, self.variable, self.paragraph = template, part, variable, paragraph


class FeedbackSourceError(TeczkaError):
    """The team's file cannot be opened to mark its problems; its problems are still listed."""

    exit_code = 1


class ConverterUnavailable(SetupError):
    """LibreOffice (``soffice``) cannot be found or started."""


class UnsafePathError(TeczkaError, ValueError):
    """A path built from user-controlled parts would leave its root folder."""


class LockedError(TeczkaError):
    """Another run holds the output folder's lock."""

    def __init__(self, directory: Path, lockfile: Path, pid: int | None = None) -> None:
        super().__init__(
            f"Inne uruchomienie teczki zapisuje już do katalogu {directory} "
            f"(blokada {lockfile}). Poczekaj, aż się zakończy."
        )
        self.directory = directory
        self.lockfile = lockfile
        self.pid = pid  # of the holder, as it wrote into the lock file (informational)


# -- file-system failures, in Polish ------------------------------------------------------------

_OS_REASONS = {
    errno.ENOSPC: "brak miejsca na dysku",
    errno.EDQUOT: "przekroczono przydział miejsca na dysku",
    errno.EACCES: "brak uprawnień do zapisu",
    errno.EPERM: "brak uprawnień do zapisu",
    errno.EROFS: "dysk jest tylko do odczytu",
    errno.EEXIST: "w tym miejscu jest plik, a potrzebny jest katalog",
    errno.ENOTDIR: "w tym miejscu jest plik, a potrzebny jest katalog",
    errno.EISDIR: "w tym miejscu jest katalog, a potrzebny jest plik",
    errno.ENOENT: "nie ma takiego pliku ani katalogu",
    errno.ENAMETOOLONG: "nazwa jest za długa",
    errno.EIO: "błąd odczytu lub zapisu dysku",
}


def describe_os_error(exc: OSError) -> str:
    """What went wrong with a file, in Polish: "brak miejsca na dysku"."""
    if exc.errno in _OS_REASONS:
        return _OS_REASONS[exc.errno]
    return f"błąd systemu plików ({errno.errorcode.get(exc.errno or 0, exc.errno)})"


def os_error_message(exc: OSError) -> str:
    """A file-system failure in one Polish sentence: "Nie udało się zapisać … (plik): powód."."""
    where = f" ({exc.filename})" if exc.filename else ""
    return f"Nie udało się zapisać lub odczytać pliku{where}: {describe_os_error(exc)}."
