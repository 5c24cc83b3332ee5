"""TERC codes (the TERYT territorial register) and JST types."""

from __future__ import annotations

import re

VOIVODESHIPS: dict[str, str] = {
    "02": "dolnośląskie",
    "04": "kujawsko-pomorskie",
    "06": "lubelskie",
    "08": "lubuskie",
    "10": "łódzkie",
    "12": "małopolskie",
    "14": "mazowieckie",
    "16": "opolskie",
    "18": "podkarpackie",
    "20": "podlaskie",
    "22": "pomorskie",
    "24": "śląskie",
    "26": "świętokrzyskie",
    "28": "warmińsko-mazurskie",
    "30": "wielkopolskie",
    "32": "zachodniopomorskie",
}

GMINA_MIEJSKA = "gmina miejska"
GMINA_WIEJSKA = "gmina wiejska"
GMINA_MIEJSKO_WIEJSKA = "gmina miejsko-wiejska"
MIASTO_NA_PRAWACH_POWIATU = "miasto na prawach powiatu"
POWIAT = "powiat"
WOJEWODZTWO = "województwo"
UNIT_TYPES: tuple[str, ...] = (
    GMINA_MIEJSKA,
    GMINA_WIEJSKA,
    GMINA_MIEJSKO_WIEJSKA,
    MIASTO_NA_PRAWACH_POWIATU,
    POWIAT,
    WOJEWODZTWO,
)
_GMINA_KIND_DIGIT = {GMINA_MIEJSKA: "1", GMINA_WIEJSKA: "2", GMINA_MIEJSKO_WIEJSKA: "3"}
_KIND_NAMES = {"1": "gminy miejskiej", "2": "gminy wiejskiej", "3": "gminy miejsko-wiejskiej"}


def normalize_terc(raw: str) -> str:
    """Digits only: people type "06 13 08 2", "0606112" or a number that lost its leading zero."""
    digits = re.sub(r"[\s\-.]", "", raw)
    if digits.isdigit() and len(digits) in (1, 3, 6):  # a leading zero eaten by a number cell
        digits = "0" + digits
    return digits


def terc_problems(code: str, unit_type: str | None = None) -> list[str]:
    """Polish messages for everything wrong with a TERC code (and its match with the unit type)."""
    if not code.isdigit() or len(code) not in (2, 4, 7):
        return [
            "Kod TERC ma 7 cyfr dla gminy (np. 0606112), 4 dla powiatu (np. 0613) "
            "i 2 dla województwa (np. 06)."
        ]
    problems: list[str] = []
    if code[:2] not in VOIVODESHIPS:
        problems.append(
            f"Kod TERC zaczyna się od „{code[:2]}”, a to nie jest kod żadnego z 16 województw "
            "(parzyste liczby od 02 do 32)."
        )
    if len(code) >= 4 and code[2:4] == "00":
        problems.append("Cyfry 3–4 kodu TERC (powiat) nie mogą być równe 00.")
    if len(code) == 7:
        if code[4:6] == "00":
            problems.append("Cyfry 5–6 kodu TERC (gmina) nie mogą być równe 00.")
        if code[6] not in "123":
            problems.append(
                f"Ostatnia cyfra kodu TERC to rodzaj gminy: 1 (miejska), 2 (wiejska) lub 3 "
                f"(miejsko-wiejska); „{code[6]}” oznacza część gminy, a nie JST."
            )
    if unit_type:
        problems.extend(_type_mismatch(code, unit_type))
    return problems


def _type_mismatch(code: str, unit_type: str) -> list[str]:
    expected_len = {WOJEWODZTWO: 2, POWIAT: 4}.get(unit_type, 7)
    if unit_type == MIASTO_NA_PRAWACH_POWIATU and len(code) == 4:
        expected_len = 4
    if len(code) != expected_len:
        return [
            f"Typ JST „{unit_type}” wymaga kodu TERC o długości {expected_len} cyfr, "
            f"a podano {len(code)}."
        ]
    if unit_type == MIASTO_NA_PRAWACH_POWIATU:
        if int(code[2:4]) < 61 or (len(code) == 7 and code[6] != "1"):
            return [
                "Miasto na prawach powiatu ma w kodzie TERC numer powiatu 61–99 "
                "i rodzaj gminy 1 (np. 0663011)."
            ]
    elif unit_type == POWIAT and int(code[2:4]) >= 61:
        return ["Numer powiatu 61–99 oznacza miasto na prawach powiatu — wybierz ten typ JST."]
    elif unit_type in _GMINA_KIND_DIGIT and len(code) == 7:
        digit = _GMINA_KIND_DIGIT[unit_type]
        if code[6] in _KIND_NAMES and code[6] != digit:
            return [
                f"Typ JST to „{unit_type}”, a ostatnia cyfra kodu TERC ({code[6]}) "
                f"jest kodem {_KIND_NAMES[code[6]]}."
            ]
    return []
