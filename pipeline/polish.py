"""Polish formatting for documents: dates, numbers, amounts, plurals, voivodeships and JST types.

Pure functions without I/O. They double as Jinja filters and globals in the Word templates
(see ``JINJA_FILTERS`` and ``JINJA_GLOBALS``), so formatters return "" for None instead of raising.

Typography: thousands are grouped with a no-break space (U+00A0) for every number >= 1000, the
decimal mark is a comma, and a unit symbol ("zł", "h") is bound to its number by a no-break space.
Words (month names, counted nouns) follow an ordinary space. ``typography`` binds what must not
be split at the end of a line in any printed text, typed by a team or formatted here: "r." and
"roku" to their year, a day to its month, the groups of a number written with spaces ("4 300"),
and every e-mail address and phone number that ``contact`` finds ("84 123 45 67",
"601-234-567", "j.nowak-kowalska@gmina-x.pl"): its spaces become no-break spaces and its hyphens
non-breaking hyphens (U+2011; the renderer writes Word's own ``<w:noBreakHyphen/>``), the only
places where LibreOffice would break an address that fits its line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal

from pipeline.contact import Contact, replace_contacts
from pipeline.teryt import VOIVODESHIPS

NBSP = "\u00a0"
NB_HYPHEN = "\u2011"  # a hyphen no line breaks after; drawn, printed and copied from the PDF as "-"
EN_DASH = "\u2013"

_MONTHS_NOMINATIVE = (
    "styczeń", "luty", "marzec", "kwiecień", "maj", "czerwiec",
    "lipiec", "sierpień", "wrzesień", "październik", "listopad", "grudzień",
)
_MONTHS_GENITIVE = (
    "stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca",
    "lipca", "sierpnia", "września", "października", "listopada", "grudnia",
)

MONTHS_GENITIVE = _MONTHS_GENITIVE  # "5 marca": for code that reads dates written in words (rules.py)

# --- typography ------------------------------------------------------------------------------
_DIGIT = re.compile(r"\d")
_YEAR_WORD = re.compile(r"(?<=\d) (?=r\.|roku\b)")
_DAY_MONTH = re.compile(r"(?<![\d.])(\d{1,2}) (?=(?:" + "|".join(_MONTHS_GENITIVE) + r")\b)")
_POSTAL_CODE = re.compile(r"(?<![\d\w-])(\d{2})-(\d{3})(?![\d-])")  # "20-400 Lublin"
_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?: \d{3})+(?=,\d|(?! ?\d))")  # every group after the first of 3 digits


def _unbreakable(contact: Contact) -> str:
    return contact.text.replace(" ", NBSP).replace("-", NB_HYPHEN)


def typography(text: str) -> str:
    """No-break spaces (and hyphens) where a line must not break: "2020 r.", "5 marca", "4 300",
    "84 123 45 67", "601-234-567", "j.nowak-kowalska@gmina.pl", "20-400"."""
    if "@" in text or (("-" in text or " " in text) and _DIGIT.search(text)):
        text = replace_contacts(text, _unbreakable)
    if "-" in text:
        text = _POSTAL_CODE.sub(lambda m: m[1] + NB_HYPHEN + m[2], text)
    if " " not in text or not _DIGIT.search(text):
        return text
    text = _YEAR_WORD.sub(NBSP, text)
    text = _DAY_MONTH.sub(lambda m: m[1] + NBSP, text)
    return _THOUSANDS.sub(lambda m: m[0].replace(" ", NBSP), text)


# --- dates and times -------------------------------------------------------------------------


def month_name_nominative(month: int) -> str:
    """Nominative month name for 1..12: 7 -> "lipiec"."""
    if not 1 <= month <= 12:
        raise ValueError(f"Miesiąc musi być liczbą od 1 do 12, a nie {month}.")
    return _MONTHS_NOMINATIVE[month - 1]


def format_date(d: date | None) -> str:
    """Date as written in Polish documents: 5 July 2020 -> "5 lipca 2020 r."."""
    if d is None:
        return ""
    return f"{d.day} {_MONTHS_GENITIVE[d.month - 1]} {d.year:04d} r."


def format_date_numeric(d: date | None) -> str:
    """Short numeric date, day unpadded and month padded: 5 July 2020 -> "5.07.2020"."""
    if d is None:
        return ""
    return f"{d.day}.{d.month:02d}.{d.year:04d}"


def format_date_range(start: date | None, end: date | None) -> str:
    """Period of two dates: "1 lipca 2020 r. – 28 lutego 2021 r."; a one-day range is one date.

    An open range reads "od <date>" or "do <date>"; no dates at all give "".
    """
    if start is None or end is None:
        if start is None and end is None:
            return ""
        return f"od {format_date(start)}" if end is None else f"do {format_date(end)}"
    if start == end:
        return format_date(start)
    return f"{format_date(start)} {EN_DASH} {format_date(end)}"


def format_time(t: time | None) -> str:
    """Clock time with an unpadded hour: 09:30 -> "9:30" (seconds are dropped)."""
    if t is None:
        return ""
    return f"{t.hour}:{t.minute:02d}"


def format_month_year(d: date | None) -> str:
    """Month header for timelines: July 2020 -> "lipiec 2020"."""
    if d is None:
        return ""
    return f"{_MONTHS_NOMINATIVE[d.month - 1]} {d.year:04d}"


def format_month_short(d: date | None) -> str:
    """Narrow month header with a Roman month: July 2020 -> "VII 2020"."""
    if d is None:
        return ""
    return f"{roman(d.month)} {d.year:04d}"


def roman(n: int) -> str:
    """Roman numeral for 1..3999: 7 -> "VII", 12 -> "XII"."""
    if not 1 <= n <= 3999:
        raise ValueError(f"Liczby rzymskie obejmują zakres od 1 do 3999, a nie {n}.")
    numerals = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    parts = []
    for value, symbol in numerals:
        times, n = divmod(n, value)
        parts.append(symbol * times)
    return "".join(parts)


# --- numbers ---------------------------------------------------------------------------------


def format_number(n: int | float | Decimal | None, decimals: int = 0) -> str:
    """Polish number: 1234.5 with 2 decimals -> "1 234,50" (U+00A0 between thousands).

    Rounds half away from zero (Decimal("0.005") -> "0,01"); floats are read by their shortest
    repr, so 2.675 rounds like the 2.675 it prints as. NaN and infinities give "".
    """
    if n is None:
        return ""
    value = Decimal(str(n))
    if not value.is_finite():
        return ""
    decimals = max(decimals, 0)
    value = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if value == 0:
        value = abs(value)  # no "-0,00"
    return format(value, f",.{decimals}f").translate({ord(","): NBSP, ord("."): ","})


def format_amount(x: int | float | Decimal | None) -> str:
    """Amount in złoty, always with grosze: 1234.5 -> "1 234,50 zł"."""
    if x is None:
        return ""
    return f"{format_number(x, 2)}{NBSP}zł"


def format_decimal(x: int | float | Decimal | None) -> str:
    """A number to at most two decimals, without trailing zeros: 10.5 -> "10,5", 4.0 -> "4"."""
    if x is None:
        return ""
    text = format_number(x, 2)
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return text


def format_hours(x: int | float | Decimal | None) -> str:
    """Hours to at most two decimals, without trailing zeros: 1.5 -> "1,5 h", 2 -> "2 h"."""
    text = format_decimal(x)
    return f"{text}{NBSP}h" if text else ""


def plural(n: int, one: str, few: str, many: str) -> str:
    """The noun form for n: 1 -> one; 2-4, 22-24, ... (not 12-14) -> few; else many."""
    n = abs(n)
    if n == 1:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def count(n: int, one: str, few: str, many: str) -> str:
    """Number with the matching noun: count(5, "spotkanie", "spotkania", "spotkań") -> "5 spotkań"."""
    return f"{format_number(n)} {plural(n, one, few, many)}"


_POLISH_ALPHABET = "aąbcćdeęfghijklłmnńoóprsśtuvwxyzźż"
_POLISH_RANK = {letter: rank for rank, letter in enumerate(_POLISH_ALPHABET)}


def polish_sort_key(text: str) -> tuple[tuple[int, str], ...]:
    """Sort key in Polish alphabetical order (ł after l, ż last), case-insensitive."""
    return tuple((_POLISH_RANK.get(ch, 100 + ord(ch)), ch) for ch in text.casefold())


# --- voivodeships and JST types --------------------------------------------------------------

_CASES = {"nominative": "nominative", "genitive": "genitive", "locative": "locative",
          "mianownik": "nominative", "dopełniacz": "genitive", "miejscownik": "locative"}
_VOIVODESHIP_BY_NAME = {name: name for name in VOIVODESHIPS.values()}
_VOIVODESHIP_NOUN = {"nominative": "województwo", "genitive": "województwa",
                     "locative": "w województwie"}
_UNIT_TYPE_CASES = {
    "gmina miejska": ("gminy miejskiej", "gminie miejskiej"),
    "gmina wiejska": ("gminy wiejskiej", "gminie wiejskiej"),
    "gmina miejsko-wiejska": ("gminy miejsko-wiejskiej", "gminie miejsko-wiejskiej"),
    "miasto na prawach powiatu": ("miasta na prawach powiatu", "mieście na prawach powiatu"),
    "powiat": ("powiatu", "powiecie"),
    "województwo": ("województwa", "województwie"),
}


def _case(case: str) -> str:
    try:
        return _CASES[case.strip().lower()]
    except KeyError:
        raise ValueError(
            f"Nieznany przypadek „{case}”; dostępne: nominative, genitive, locative."
        ) from None


def voivodeship_name(code_or_name: str | int | None, case: str = "nominative") -> str:
    """Voivodeship adjective in a case: "06" or "Lubelskie" -> lubelskie/lubelskiego/lubelskim.

    Only the last part of a compound declines: "kujawsko-pomorskiego", "kujawsko-pomorskim".
    """
    if code_or_name is None:
        return ""
    key = str(code_or_name).strip().lower().removeprefix("województwo").strip()
    if key.isdigit():
        key = key.zfill(2)
    name = VOIVODESHIPS.get(key) or _VOIVODESHIP_BY_NAME.get(key)
    if name is None:
        raise ValueError(f"Nie ma województwa o kodzie lub nazwie „{code_or_name}”.")
    stem = name.removesuffix("e")  # every name is a neuter adjective in -kie
    return {"nominative": name, "genitive": stem + "ego", "locative": stem + "m"}[_case(case)]


def voivodeship_phrase(code_or_name: str | int | None, case: str = "nominative") -> str:
    """Noun and adjective: "województwo lubelskie" / "województwa lubelskiego" / "w województwie lubelskim"."""
    if code_or_name is None:
        return ""
    return f"{_VOIVODESHIP_NOUN[_case(case)]} {voivodeship_name(code_or_name, case)}"


def unit_type_phrase(unit_type: str | None, case: str = "nominative") -> str:
    """JST type in a case: "powiat" -> "powiat" / "powiatu" / "powiecie" (no preposition)."""
    if unit_type is None:
        return ""
    key = unit_type.strip().lower()
    if key not in _UNIT_TYPE_CASES:
        raise ValueError(f"Nieznany rodzaj JST „{unit_type}”.")
    forms = {"nominative": key, "genitive": _UNIT_TYPE_CASES[key][0],
             "locative": _UNIT_TYPE_CASES[key][1]}
    return forms[_case(case)]


# --- file names ------------------------------------------------------------------------------

_POLISH_ASCII = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")


def ascii_slug(text: str | None, max_len: int = 60) -> str:
    """Safe file-name fragment: "Gmina Żółkiewka / ../etc" -> "gmina-zolkiewka-etc".

    Only [a-z0-9-] survive, so the result never holds "/", "\\", ".." or a leading dot.
    Empty input, or input with nothing usable, gives "bez-nazwy".
    """
    ascii_text = unicodedata.normalize("NFKD", (text or "").translate(_POLISH_ASCII))
    ascii_text = ascii_text.encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    slug = slug[: max(max_len, 1)].rstrip("-")
    return slug or "bez-nazwy"


# --- template registration -------------------------------------------------------------------

JINJA_FILTERS: dict[str, Callable[..., str]] = {
    "data": format_date,
    "data_num": format_date_numeric,
    "godzina": format_time,
    "liczba": format_number,
    "kwota": format_amount,
    "godziny": format_hours,
    "miesiac": format_month_year,
}

JINJA_GLOBALS: dict[str, Callable[..., str]] = {
    "zakres_dat": format_date_range,
    "odmiana": count,
    "wojewodztwo": voivodeship_phrase,
}
