"""The one contact-data detector (pipeline/contact.py) and its three users: validation,
the terminal and publication."""

from __future__ import annotations

import html

import pytest
from documents_fixtures import TEST_TEMPLATES
from factories import unit_data
from pydantic_core import PydanticCustomError

from pipeline import console, contact, fields, publish
from pipeline.edition import load_edition
from pipeline.errors import Problem
from pipeline.models import Unit
from pipeline.render import template_set

EDITION = load_edition("2020")
TEMPLATES = TEST_TEMPLATES

# Every way of writing a Polish number the issue lists, and the digits that must not survive.
PHONE_FORMS = {
    "601 234 567": "234", "601-234-567": "234", "601.234.567": "234", "+48 601 234 567": "601",
    "+48601234567": "601234", "0048 601 234 567": "601", "(81) 458 60 21": "458", "81 458-60-21": "458",
    "tel. 814586021": "814586", "81 458 60 21 wew. 21": "458", "(0-81) 458 60 21": "458",
}
NOT_CONTACTS = ["TERC 0606112", "5.07.2020 r.", "2020-07-05", "kwota 1 234 567 890 zł", "NIP 123-456-78-90",
                "12 osób, 3 szkoły", "https://bip.example.pl/12345", "ul. Lubelska 5, 24-100 Puławy"]
CORPUS = [f"Kontakt: {form}, w godzinach pracy." for form in PHONE_FORMS] + [
    "Pisz na a.nowak@gmina.example.pl albo b@lubartow.", *NOT_CONTACTS,
    "Sekretariat (81) 123 45 67 lub jan.kowalski@zolkiewka.pl; faks 81 123-45-68."]


@pytest.mark.parametrize("form", PHONE_FORMS)
def test_every_listed_phone_form_is_found_whole(form: str) -> None:
    number = form.removeprefix("tel. ")
    assert [(c.kind, c.text) for c in contact.find_contacts(f"Kontakt: {form}, pn.–pt.")] == [("phone", number)]


@pytest.mark.parametrize("text", NOT_CONTACTS)
def test_codes_dates_amounts_and_addresses_are_not_taken_for_contacts(text: str) -> None:
    assert contact.find_contacts(text) == []


def test_the_publication_leaves_out_every_listed_phone_form() -> None:
    data = unit_data()
    data["summary"]["good_practice"]["solution"] = "\n".join(
        f"Kontakt {number}: {form}." for number, form in enumerate(PHONE_FORMS, 1))
    unit = Unit.model_validate({"id": "gmina", **data})
    public = html.unescape(publish.summary_html(unit, EDITION, template_set(TEMPLATES)) or "")
    assert public.count(publish.OMITTED) >= len(PHONE_FORMS)
    for form, digits in PHONE_FORMS.items():
        assert digits not in public, form
    assert "Kontakt 11:" in public  # the text around the numbers stays


def test_the_terminal_masks_every_listed_phone_form_where_a_message_echoes_it() -> None:
    for form, digits in PHONE_FORMS.items():
        problem = Problem(message=f"Spoza zespołu JST: {form}.", field="Uczestnicy z JST", value=f"Anna; {form}")
        masked = console.mask_problem(problem)
        assert digits not in masked.message + masked.value, form
        assert masked.message.startswith("Spoza zespołu JST: ") and masked.value.startswith("Anna; ")


def test_validation_the_terminal_and_publication_agree_on_one_corpus() -> None:
    for text in CORPUS:
        found = contact.find_contacts(text)
        assert [part for part, _ in console.private_parts(text)] == [c.text for c in found], text
        assert publish.mask_contact_data(text).count(publish.OMITTED) == len(found), text
        for item in found:
            accepted = {"phone": _accepted(fields.check_phone, item.text),
                        "email": _accepted(fields.check_email, item.text)}
            # every well-formed number found in a text is one a phone cell accepts
            if item.kind == "phone":
                assert accepted["phone"], item.text


def _accepted(check, value: str) -> bool:  # type: ignore[no-untyped-def]
    try:
        check(value)
    except PydanticCustomError:
        return False
    return True


@pytest.mark.parametrize("value", ["81 855 12", "601 234 56", "tel. 601", "601234567890", "jan@gmina"])
def test_a_phone_cell_refuses_what_is_not_one_number(value: str) -> None:
    assert not _accepted(fields.check_phone, value)


def test_an_email_cell_accepts_an_address_and_refuses_one_without_a_domain() -> None:
    assert _accepted(fields.check_email, "a.nowak@gmina.example.pl")
    assert not _accepted(fields.check_email, "b.kwiatkowska@lubartow")
    assert not _accepted(fields.check_email, "p.wisniewski(at)zolkiewka")
