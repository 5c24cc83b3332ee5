"""Polish formatting: what documents print for dates, numbers, plurals, voivodeships and names."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest

from pipeline import teryt
from pipeline.polish import (
    JINJA_FILTERS,
    JINJA_GLOBALS,
    NBSP,
    VOIVODESHIPS,
    ascii_slug,
    count,
    format_amount,
    format_date,
    format_date_numeric,
    format_date_range,
    format_hours,
    format_month_short,
    format_month_year,
    format_number,
    format_time,
    month_name_nominative,
    plural,
    roman,
    unit_type_phrase,
    voivodeship_name,
    voivodeship_phrase,
)

GENITIVE_MONTHS = ["stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca",
                   "sierpnia", "września", "października", "listopada", "grudnia"]
NOMINATIVE_MONTHS = ["styczeń", "luty", "marzec", "kwiecień", "maj", "czerwiec", "lipiec",
                     "sierpień", "wrzesień", "październik", "listopad", "grudzień"]
ROMAN_MONTHS = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]


# --- dates and times -------------------------------------------------------------------------


def test_date_uses_genitive_month_and_r_suffix() -> None:
    assert format_date(date(2020, 7, 5)) == "5 lipca 2020 r."


@pytest.mark.parametrize("month", range(1, 13))
def test_every_month_is_written_in_the_genitive(month: int) -> None:
    assert format_date(date(2021, month, 15)) == f"15 {GENITIVE_MONTHS[month - 1]} 2021 r."


@pytest.mark.parametrize(("day", "expected"), [
    (date(2021, 1, 1), "1 stycznia 2021 r."),
    (date(2020, 12, 31), "31 grudnia 2020 r."),
    (date(2020, 2, 29), "29 lutego 2020 r."),
    (date(987, 3, 4), "4 marca 0987 r."),
])
def test_date_has_unpadded_day_and_four_digit_year(day: date, expected: str) -> None:
    assert format_date(day) == expected


def test_date_uses_ordinary_spaces_only() -> None:
    assert NBSP not in format_date(date(2020, 7, 5))


def test_datetime_is_printed_as_its_date() -> None:
    assert format_date(datetime(2020, 7, 5, 14, 30)) == "5 lipca 2020 r."


@pytest.mark.parametrize(("day", "expected"), [
    (date(2020, 7, 5), "5.07.2020"),
    (date(2021, 1, 1), "1.01.2021"),
    (date(2020, 12, 31), "31.12.2020"),
    (date(2020, 2, 29), "29.02.2020"),
])
def test_numeric_date_pads_the_month_but_not_the_day(day: date, expected: str) -> None:
    assert format_date_numeric(day) == expected


def test_date_range_joins_two_dates_with_a_spaced_en_dash() -> None:
    assert (format_date_range(date(2020, 7, 1), date(2021, 2, 28))
            == "1 lipca 2020 r. \u2013 28 lutego 2021 r.")


def test_one_day_range_is_a_single_date() -> None:
    assert format_date_range(date(2020, 7, 1), date(2020, 7, 1)) == "1 lipca 2020 r."


def test_open_date_range_reads_from_or_until() -> None:
    assert format_date_range(date(2020, 7, 1), None) == "od 1 lipca 2020 r."
    assert format_date_range(None, date(2021, 2, 28)) == "do 28 lutego 2021 r."
    assert format_date_range(None, None) == ""


@pytest.mark.parametrize(("t", "expected"), [
    (time(9, 30), "9:30"),
    (time(0, 0), "0:00"),
    (time(14, 5), "14:05"),
    (time(23, 59, 59), "23:59"),
])
def test_time_has_unpadded_hour_and_padded_minutes(t: time, expected: str) -> None:
    assert format_time(t) == expected


@pytest.mark.parametrize("month", range(1, 13))
def test_timeline_headers_use_nominative_or_roman_month(month: int) -> None:
    day = date(2020, month, 1)
    assert format_month_year(day) == f"{NOMINATIVE_MONTHS[month - 1]} 2020"
    assert format_month_short(day) == f"{ROMAN_MONTHS[month - 1]} 2020"
    assert month_name_nominative(month) == NOMINATIVE_MONTHS[month - 1]


def test_month_header_example_from_the_timeline() -> None:
    assert format_month_year(date(2020, 7, 31)) == "lipiec 2020"
    assert format_month_short(date(2020, 7, 31)) == "VII 2020"


@pytest.mark.parametrize("month", [0, 13])
def test_month_outside_1_to_12_has_no_name(month: int) -> None:
    with pytest.raises(ValueError, match="od 1 do 12"):
        month_name_nominative(month)


@pytest.mark.parametrize(("n", "expected"), [
    *enumerate(ROMAN_MONTHS, start=1), (14, "XIV"), (49, "XLIX"), (1994, "MCMXCIV"),
])
def test_roman_numerals(n: int, expected: str) -> None:
    assert roman(n) == expected


@pytest.mark.parametrize("n", [0, -1, 4000])
def test_roman_numeral_out_of_range_is_refused(n: int) -> None:
    with pytest.raises(ValueError):
        roman(n)


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "decimals", "expected"), [
    (0, 0, "0"),
    (7, 0, "7"),
    (999, 0, "999"),
    (1000, 0, f"1{NBSP}000"),
    (2477, 0, f"2{NBSP}477"),
    (1234567, 0, f"1{NBSP}234{NBSP}567"),
    (Decimal("1234.5"), 2, f"1{NBSP}234,50"),
    (1234.5, 2, f"1{NBSP}234,50"),
    (0.5, 1, "0,5"),
    (2.5, 0, "3"),
    (2.675, 2, "2,68"),
    (-1234, 0, f"-1{NBSP}234"),
    (Decimal("-0.001"), 2, "0,00"),
    (Decimal("1E+3"), 0, f"1{NBSP}000"),
])
def test_number_groups_thousands_with_nbsp_and_uses_decimal_comma(
    n: int | float | Decimal, decimals: int, expected: str
) -> None:
    assert format_number(n, decimals) == expected


def test_number_that_is_missing_or_not_finite_prints_nothing() -> None:
    assert format_number(None) == ""
    assert format_number(float("nan")) == ""
    assert format_number(float("inf"), 2) == ""


@pytest.mark.parametrize(("x", "expected"), [
    (Decimal("1234.5"), f"1{NBSP}234,50{NBSP}zł"),
    (0, f"0,00{NBSP}zł"),
    (Decimal("0.005"), f"0,01{NBSP}zł"),
    (Decimal("0.004"), f"0,00{NBSP}zł"),
    (Decimal("2.345"), f"2,35{NBSP}zł"),
    (19.99, f"19,99{NBSP}zł"),
    (1000000, f"1{NBSP}000{NBSP}000,00{NBSP}zł"),
    (Decimal("-1234.56"), f"-1{NBSP}234,56{NBSP}zł"),
    (Decimal("-0.005"), f"-0,01{NBSP}zł"),
])
def test_amount_has_two_decimals_rounded_half_up_and_nbsp_before_zl(
    x: int | float | Decimal, expected: str
) -> None:
    assert format_amount(x) == expected


def test_missing_amount_prints_nothing() -> None:
    assert format_amount(None) == ""


@pytest.mark.parametrize(("x", "expected"), [
    (1.5, f"1,5{NBSP}h"),
    (2, f"2{NBSP}h"),
    (2.0, f"2{NBSP}h"),
    (Decimal("0.25"), f"0,25{NBSP}h"),
    (Decimal("10.50"), f"10,5{NBSP}h"),
    (10, f"10{NBSP}h"),
    (1200, f"1{NBSP}200{NBSP}h"),
    (0, f"0{NBSP}h"),
])
def test_hours_drop_trailing_zeros(x: float | Decimal, expected: str) -> None:
    assert format_hours(x) == expected


def test_missing_hours_print_nothing() -> None:
    assert format_hours(None) == ""


# --- plurals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "expected"), [
    (0, "0 spotkań"),
    (1, "1 spotkanie"),
    (2, "2 spotkania"),
    (4, "4 spotkania"),
    (5, "5 spotkań"),
    (12, "12 spotkań"),
    (14, "14 spotkań"),
    (21, "21 spotkań"),
    (22, "22 spotkania"),
    (25, "25 spotkań"),
    (112, "112 spotkań"),
    (1001, f"1{NBSP}001 spotkań"),
])
def test_count_picks_the_polish_plural_form(n: int, expected: str) -> None:
    assert count(n, "spotkanie", "spotkania", "spotkań") == expected


@pytest.mark.parametrize(("n", "expected"), [(1, "osobę"), (3, "osoby"), (13, "osób"), (104, "osoby")])
def test_plural_returns_only_the_noun(n: int, expected: str) -> None:
    assert plural(n, "osobę", "osoby", "osób") == expected


# --- voivodeships ----------------------------------------------------------------------------

VOIVODESHIP_CASES = [
    ("02", "dolnośląskie", "dolnośląskiego", "dolnośląskim"),
    ("04", "kujawsko-pomorskie", "kujawsko-pomorskiego", "kujawsko-pomorskim"),
    ("06", "lubelskie", "lubelskiego", "lubelskim"),
    ("08", "lubuskie", "lubuskiego", "lubuskim"),
    ("10", "łódzkie", "łódzkiego", "łódzkim"),
    ("12", "małopolskie", "małopolskiego", "małopolskim"),
    ("14", "mazowieckie", "mazowieckiego", "mazowieckim"),
    ("16", "opolskie", "opolskiego", "opolskim"),
    ("18", "podkarpackie", "podkarpackiego", "podkarpackim"),
    ("20", "podlaskie", "podlaskiego", "podlaskim"),
    ("22", "pomorskie", "pomorskiego", "pomorskim"),
    ("24", "śląskie", "śląskiego", "śląskim"),
    ("26", "świętokrzyskie", "świętokrzyskiego", "świętokrzyskim"),
    ("28", "warmińsko-mazurskie", "warmińsko-mazurskiego", "warmińsko-mazurskim"),
    ("30", "wielkopolskie", "wielkopolskiego", "wielkopolskim"),
    ("32", "zachodniopomorskie", "zachodniopomorskiego", "zachodniopomorskim"),
]


def test_there_are_sixteen_voivodeships_keyed_by_terc_code() -> None:
    assert VOIVODESHIPS == {code: nom for code, nom, _, _ in VOIVODESHIP_CASES}


@pytest.mark.parametrize(("code", "nom", "gen", "loc"), VOIVODESHIP_CASES)
def test_voivodeship_declines_by_code_and_by_name(code: str, nom: str, gen: str, loc: str) -> None:
    for key in (code, nom, nom.upper()):
        assert voivodeship_name(key) == nom
        assert voivodeship_name(key, "genitive") == gen
        assert voivodeship_name(key, "locative") == loc


@pytest.mark.parametrize(("code", "nom", "gen", "loc"), VOIVODESHIP_CASES)
def test_voivodeship_phrase_declines_the_noun_too(code: str, nom: str, gen: str, loc: str) -> None:
    assert voivodeship_phrase(code) == f"województwo {nom}"
    assert voivodeship_phrase(code, "genitive") == f"województwa {gen}"
    assert voivodeship_phrase(code, "locative") == f"w województwie {loc}"


def test_voivodeship_accepts_loose_input() -> None:
    assert voivodeship_name(6, "genitive") == "lubelskiego"
    assert voivodeship_name(" Województwo Łódzkie ", "locative") == "łódzkim"
    assert voivodeship_phrase("28", "dopełniacz") == "województwa warmińsko-mazurskiego"


def test_missing_voivodeship_prints_nothing() -> None:
    assert voivodeship_name(None) == ""
    assert voivodeship_phrase(None, "locative") == ""


def test_unknown_voivodeship_or_case_is_refused_in_polish() -> None:
    with pytest.raises(ValueError, match="Nie ma województwa o kodzie lub nazwie „03”"):
        voivodeship_name("03")
    with pytest.raises(ValueError, match="Nieznany przypadek „dative”"):
        voivodeship_phrase("06", "dative")


# --- JST types -------------------------------------------------------------------------------

UNIT_TYPE_CASES = [
    ("gmina miejska", "gminy miejskiej", "gminie miejskiej"),
    ("gmina wiejska", "gminy wiejskiej", "gminie wiejskiej"),
    ("gmina miejsko-wiejska", "gminy miejsko-wiejskiej", "gminie miejsko-wiejskiej"),
    ("miasto na prawach powiatu", "miasta na prawach powiatu", "mieście na prawach powiatu"),
    ("powiat", "powiatu", "powiecie"),
    ("województwo", "województwa", "województwie"),
]


def test_every_jst_type_has_a_declension() -> None:
    assert sorted(nom for nom, _, _ in UNIT_TYPE_CASES) == sorted(teryt.UNIT_TYPES)


@pytest.mark.parametrize(("nom", "gen", "loc"), UNIT_TYPE_CASES)
def test_unit_type_declines_into_genitive_and_locative(nom: str, gen: str, loc: str) -> None:
    assert unit_type_phrase(nom) == nom
    assert unit_type_phrase(nom.capitalize(), "genitive") == gen
    assert unit_type_phrase(nom, "locative") == loc


def test_unknown_unit_type_is_refused_and_missing_one_prints_nothing() -> None:
    assert unit_type_phrase(None) == ""
    with pytest.raises(ValueError, match="Nieznany rodzaj JST „sołectwo”"):
        unit_type_phrase("sołectwo")


# --- file names ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("Gmina Żółkiewka / ../etc", "gmina-zolkiewka-etc"),
    ("ZAŻÓŁĆ GĘŚLĄ JAŹŃ", "zazolc-gesla-jazn"),
    ("Miasto Bielsko-Biała", "miasto-bielsko-biala"),
    ("..\\..\\windows", "windows"),
    (".ukryty", "ukryty"),
    ("Café Müller", "cafe-muller"),
    ("Powiat  łódzki   wschodni", "powiat-lodzki-wschodni"),
    ("HDR_2020.docx", "hdr-2020-docx"),
    ("", "bez-nazwy"),
    ("  /// ", "bez-nazwy"),
    ("日本", "bez-nazwy"),
    (None, "bez-nazwy"),
])
def test_slug_is_a_safe_lowercase_ascii_file_name(text: str | None, expected: str) -> None:
    assert ascii_slug(text) == expected


def test_slug_is_truncated_without_a_trailing_dash() -> None:
    assert ascii_slug("a" * 100) == "a" * 60
    assert ascii_slug("Gmina Żółkiewka", max_len=6) == "gmina"
    assert ascii_slug("Gmina Żółkiewka", max_len=9) == "gmina-zol"


@pytest.mark.parametrize("text", ["../../etc/passwd", "..", ".", "a/b\\c", " .hidden", "ą..ę"])
def test_slug_never_escapes_a_folder(text: str) -> None:
    slug = ascii_slug(text)
    assert "/" not in slug and "\\" not in slug and ".." not in slug
    assert not slug.startswith(".") and slug.isascii() and slug


# --- template registration -------------------------------------------------------------------


def test_templates_get_polish_filter_names() -> None:
    assert JINJA_FILTERS == {
        "data": format_date, "data_num": format_date_numeric, "godzina": format_time,
        "liczba": format_number, "kwota": format_amount, "godziny": format_hours,
        "miesiac": format_month_year,
    }
    assert JINJA_GLOBALS == {
        "zakres_dat": format_date_range, "odmiana": count, "wojewodztwo": voivodeship_phrase,
    }


def test_every_filter_tolerates_a_missing_value() -> None:
    assert all(f(None) == "" for f in JINJA_FILTERS.values())


def test_template_helpers_read_naturally() -> None:
    assert JINJA_GLOBALS["odmiana"](3, "spotkanie", "spotkania", "spotkań") == "3 spotkania"
    assert JINJA_GLOBALS["wojewodztwo"]("06", "locative") == "w województwie lubelskim"


@pytest.mark.parametrize("typed, shown", [
    ("przyjęto 5 marca 2021 r.", "przyjęto 5\u00a0marca 2021\u00a0r."),
    ("w roku 2020 roku", "w roku 2020\u00a0roku"),
    ("4 300 uczniów i 1 234 567,50 zł", "4\u00a0300 uczniów i 1\u00a0234\u00a0567,50 zł"),
    ("tel. 84 123 45 67, (81) 123 45 67, +48 81 123 45 67",
     "tel. 84\u00a0123\u00a045\u00a067, (81)\u00a0123\u00a045\u00a067, +48\u00a081\u00a0123\u00a045\u00a067"),
    ("tel. 601-234-567 wew. 21", "tel. 601\u2011234\u2011567\u00a0wew.\u00a021"),
    ("pisz: j.nowak-kowalska@sp-1.gmina-x.pl - odpowiem", "pisz: j.nowak\u2011kowalska@sp\u20111.gmina\u2011x.pl - odpowiem"),
    ("ul. Lubelska 2, 20-400 Lublin", "ul. Lubelska 2, 20\u2011400 Lublin"),  # a postal code
    ("w dniach 2020-09-01 i A-123, 120-400", "w dniach 2020-09-01 i A-123, 120-400"),  # not postal codes
    ("1 234 56 i 12 345 67 8", "1 234 56 i 12 345 67 8"),  # neither thousands nor a phone number
    ("w latach 2019 2020", "w latach 2019 2020"),  # not a number written in groups
    ("Działanie 1.1 i 2", "Działanie 1.1 i 2"),
    ("bez cyfr, bez zmian", "bez cyfr, bez zmian"),
])
def test_typography_binds_what_must_not_break_at_a_line_end(typed, shown):
    from pipeline.polish import typography

    assert typography(typed) == shown
