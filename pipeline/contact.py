"""Contact data — e-mail addresses and Polish phone numbers — found in one place.

Three stages ask about contact data and all of them ask here: validation (``fields.py``: is the
value typed into an e-mail or phone cell well formed?), the terminal (``console.py``: mask what a
message would echo) and publication (``publish.py``: leave it out of ``podsumowanie.html``).

Phone numbers are found by a hand-written pattern, not the ``phonenumbers`` library: on the
build's own text the pattern finds the same numbers and is far faster (bench/contact.py, the
ratio is in bench/RESULTS.md). It finds the ways Poles write numbers: ``601 234 567``,
``601-234-567``, ``601.234.567``, ``+48 601 234 567``, ``+48601234567``, ``0048 601 234 567``,
``(81) 458 60 21``, ``(0-81) 458 60 21``, ``81 458-60-21``, ``tel. 814586021``, each optionally followed by an
extension (``wew. 21``, ``w. 21``). What it does not find is listed in README ("Personal data"):
numbers spelt in words or split by other text, foreign numbers without ``+48``/``0048`` and numbers
shorter than nine digits. A nine-digit amount written with spaces (``123 456 789``) is taken for a
phone number — in publication that errs on the side of privacy.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

ContactKind = Literal["email", "phone"]

# A hyphen may be the non-breaking one (U+2011) that ``polish.typography`` puts into the contact
# data of documents, so pages made from them (the publication's HTML) are searched alike.
# An address as people type it; the domain may lack a dot, so a malformed address echoed in an
# error message ("jan@gmina") is found too.
EMAIL = re.compile(r"[\w.+\-\u2011]+@[\w\-\u2011]+(?:\.[\w\-\u2011]+)*")
# A well-formed address, for validating an e-mail cell.
_VALID_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")

_SP = " \u00a0"  # a space, also the no-break one
_HY = "\\-\u2011"  # a hyphen, also the non-breaking one
_SEP = rf"[{_SP}.{_HY}]?"  # one optional separator between digits
_NINE_DIGITS = rf"\d(?:{_SEP}\d){{8}}"
_AREA_IN_BRACKETS = rf"\((?:0[{_SP}{_HY}]?)?\d{{2}}\)[{_SP}{_HY}]?\d(?:{_SEP}\d){{6}}"
_COUNTRY = rf"(?:\+|00)[{_SP}]?48[{_SP}.{_HY}]?"
_EXTENSION = rf"(?:[{_SP},]*(?:wew|w)\.?[{_SP}]?\d{{1,5}})?"
PHONE = re.compile(
    rf"(?<![\w/+])(?<!\d[{_SP}.{_HY}])"  # not the tail of a longer number, a code or a path
    rf"(?:{_COUNTRY})?(?:{_AREA_IN_BRACKETS}|(?:0[{_SP}{_HY}]?)?{_NINE_DIGITS})"
    rf"(?![{_SP}.{_HY}]?\d)(?![\w/]){_EXTENSION}(?!\w)"
)


@dataclass(frozen=True, slots=True)
class Contact:
    """One e-mail address or phone number found in a text, with where it is."""

    kind: ContactKind
    text: str
    start: int
    end: int


def find_contacts(text: str) -> list[Contact]:
    """Every e-mail address and phone number in ``text``, in order of position."""
    found = [Contact("email", m[0], m.start(), m.end()) for m in EMAIL.finditer(text)] if "@" in text else []
    if sum(map(text.count, "0123456789")) < 9:  # no room for a phone number: skip the slower pattern
        return found
    taken = [(c.start, c.end) for c in found]
    for m in PHONE.finditer(text):
        if not any(start < m.end() and m.start() < end for start, end in taken):
            found.append(Contact("phone", m[0], m.start(), m.end()))
    return sorted(found, key=lambda c: c.start)


def replace_contacts(text: str, replacement: Callable[[Contact], str]) -> str:
    """``text`` with every contact found replaced by ``replacement(contact)``."""
    parts = []
    position = 0
    for contact in find_contacts(text):
        parts += [text[position:contact.start], replacement(contact)]
        position = contact.end
    return "".join(parts) + text[position:]


def is_email(value: str) -> bool:
    """A well-formed address (what an e-mail cell must hold)."""
    return _VALID_EMAIL.fullmatch(value) is not None


def is_phone(value: str) -> bool:
    """A value that is one Polish phone number and nothing else (what a phone cell must hold)."""
    return PHONE.fullmatch(value.strip()) is not None


# -- masking for the terminal ----------------------------------------------------------------


def mask_email(text: str) -> str:
    """"a***@gmina.pl": the first letter and the domain stay readable."""
    local, at, domain = text.partition("@")
    return f"{local[:1]}***{at}{domain}" if at else f"{text[:1]}***"


def mask_phone(text: str) -> str:
    """"*** *** *67": only the last two digits stay readable."""
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    keep = set(digits[-2:])
    return "".join("*" if ch.isdigit() and i not in keep else ch for i, ch in enumerate(text))


def mask(contact: Contact) -> str:
    return mask_email(contact.text) if contact.kind == "email" else mask_phone(contact.text)
