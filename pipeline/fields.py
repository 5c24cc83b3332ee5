"""Cell types and field declarations shared by the form writer, the reader and the messages.

A model field is declared once, with ``Annotated[<cell type>, FormField(label=..., help=...)]``:
its Polish label, help text, column width and dropdown vocabulary live in that one place.
The cell types parse what people type in a spreadsheet (Polish dates, numbers typed as text,
stray spaces) and fail with Polish messages, never guessing silently.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from pipeline import contact

MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell


@dataclass(frozen=True, slots=True)
class FormField:
    """How a model field appears in a form: the single declaration every stage reads."""

    label: str
    help: str = ""
    width: int = 24
    choices: str | None = None  # name of an edition vocabulary (Edition.choices)


# -- parsing helpers --------------------------------------------------------------------

_SPACES = re.compile(r"[ \t\u00a0\u2007\u202f]+")
_NO_BREAK = frozenset("\u00a0\u2007\u202f")


def _one_space(match: re.Match) -> str:
    """A run of spaces becomes one; a no-break space a team typed ("4 300", "2020 r.") stays one."""
    return "\u00a0" if set(match[0]) <= _NO_BREAK else " "


def _clean_line(value: Any) -> Any:
    if isinstance(value, str):
        value = _SPACES.sub(_one_space, value).strip()
        return value or None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(value)
    return value


def _clean_paragraphs(value: Any) -> Any:
    if isinstance(value, str):
        lines = [_SPACES.sub(_one_space, line).strip() for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
        text = "\n".join(lines).strip("\n")
        text = re.sub(r"\n{3,}", "\n\n", text)
        return text or None
    return _clean_line(value)


_DATE_DMY = re.compile(r"^(\d{1,2})[.\-/ ](\d{1,2})[.\-/ ](\d{4})(?:\s*r\.?|\s*roku)?$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
DATE_HINT = "Wpisz datę jako dzień.miesiąc.rok, np. 5.07.2020."


def parse_date(value: Any) -> Any:
    """Excel dates, and dates typed in Polish usage: 5.07.2020, 05.07.2020 r., 2020-07-05."""
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        if value.time() != time(0, 0):
            raise PydanticCustomError("date_with_time", "Komórka zawiera godzinę, a powinna zawierać tylko datę. " + DATE_HINT)
        return value.date()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise PydanticCustomError("date_number", "Liczba zamiast daty. " + DATE_HINT)
    text = str(value).strip().rstrip(".") if isinstance(value, str) else str(value)
    text = re.sub(r"\s*([.\-/])\s*", r"\1", re.sub(r"\s+", " ", text))
    if m := _DATE_DMY.match(text.strip()):
        day, month, year = int(m[1]), int(m[2]), int(m[3])
    elif m := _DATE_ISO.match(text.strip()):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    else:
        raise PydanticCustomError("date_format", "Nie rozpoznano daty. " + DATE_HINT)
    try:
        return date(year, month, day)
    except ValueError:
        raise PydanticCustomError("date_invalid", impossible_date_message(day, month, year)) from None


def impossible_date_message(day: int, month: int, year: int) -> str:
    """Why a typed day.month.year is not in the calendar, and what to type instead."""
    from pipeline.polish import month_name_nominative

    head = "Taka data nie istnieje w kalendarzu: "
    if 1 <= month <= 12 and 1 <= year <= 9999:
        last = calendar.monthrange(year, month)[1]
        return (f"{head}{month_name_nominative(month)} {year} ma {last} dni. "
                f"Wpisz dzień od 1 do {last}, np. {last}.{month:02d}.{year}.")
    if 1 <= day <= 12 and 13 <= month <= 31:
        return (f"{head}nie ma miesiąca {month}. Daty wpisuj jako dzień.miesiąc.rok — "
                f"jeśli chodziło o {month} dzień miesiąca {day}, wpisz {month}.{day:02d}.{year}.")
    return f"{head}miesiące mają numery od 1 do 12. {DATE_HINT}"


_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")


def parse_time(value: Any) -> Any:
    """Excel times (also as a day fraction) and "9:30" / "9.30" typed as text."""
    if value is None or isinstance(value, time):
        return value
    if isinstance(value, datetime):
        return value.time()
    if isinstance(value, float) and 0 <= value < 1:
        minutes = round(value * 24 * 60)
        return time(minutes // 60, minutes % 60)
    if isinstance(value, str) and (m := _TIME.match(value.strip())):
        hour, minute = int(m[1]), int(m[2])
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise PydanticCustomError("time_format", "Nie rozpoznano godziny. Wpisz godzinę jako gg:mm, np. 9:30.")


def parse_decimal(value: Any) -> Any:
    """Numbers, also typed as text with spaces and a decimal comma: "1 234,50", "1 234,50 zł"."""
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise PydanticCustomError("number_format", "Wpisz liczbę, np. 1 234,50.")
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    text = re.sub(r"[\s\u00a0]|zł|PLN", "", str(value), flags=re.I).replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise PydanticCustomError("number_format", "Wpisz liczbę, np. 1 234,50.") from None


def parse_int(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip().rstrip(".")
        if re.fullmatch(r"\d+", text):
            return int(text)
        raise PydanticCustomError("int_format", "Wpisz liczbę całkowitą, np. 3.")
    return value


def check_email(value: str) -> str:
    if not contact.is_email(value):
        raise PydanticCustomError("email", "Niepoprawny adres e-mail (oczekiwano np. jan.kowalski@gmina.pl).")
    return value


def check_phone(value: str) -> str:
    if not contact.is_phone(value):
        raise PydanticCustomError("phone", "Niepoprawny numer telefonu (oczekiwano 9 cyfr, np. 81 123 45 67).")
    return value


# -- cell types ----------------------------------------------------------------------------

Text = Annotated[str, BeforeValidator(_clean_line)]
"""One line of text; stray spaces removed."""
PARAGRAPHS = BeforeValidator(_clean_paragraphs)
"""The marker of a multi-line field: the layout gives it taller cells and keeps its line breaks."""
LongText = Annotated[str, PARAGRAPHS]
"""Paragraphs: Alt+Enter line breaks are kept."""
PlDate = Annotated[date, BeforeValidator(parse_date)]
PlTime = Annotated[time, BeforeValidator(parse_time)]
Amount = Annotated[Decimal, BeforeValidator(parse_decimal)]
Integer = Annotated[int, BeforeValidator(parse_int)]
Email = Annotated[str, BeforeValidator(_clean_line), AfterValidator(check_email)]
Phone = Annotated[str, BeforeValidator(_clean_line), AfterValidator(check_phone)]


def split_names(text: str | None) -> list[str]:
    """A cell listing people: one per line, or separated by ";" (a comma may belong to a name)."""
    if not text:
        return []
    return [part.strip() for part in re.split(r"[;\n]", text) if part.strip()]
