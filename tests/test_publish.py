"""The publication page: the document's own title, headings in order, labels and tables as HTML
means them, omitted contacts marked alike, and the coordinator's logo strip."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from documents_fixtures import TEST_TEMPLATES, full_unit
from lxml import html as lxml_html

from pipeline.edition import load_edition
from pipeline.publish import OMITTED, Pandoc, PandocError, accessible, summary_html
from pipeline.render import TemplateSet

ROOT = Path(__file__).resolve().parents[1]
SUMMARY_CODES = ("good_practice", "reflection", "reportage")
pytestmark = pytest.mark.slow  # pandoc runs for real


@pytest.fixture(scope="module")
def edition():
    return load_edition("2020")


@pytest.fixture(scope="module")
def pandoc():
    converter = Pandoc()
    yield converter
    converter.close()


@pytest.fixture(scope="module")
def pages(edition, pandoc):
    templates = TemplateSet(TEST_TEMPLATES)
    return {code: summary_html(full_unit(edition, code), edition, templates, pandoc) for code in SUMMARY_CODES}


def _main(page: str):
    return lxml_html.fromstring(page).find(".//main")


@pytest.mark.parametrize("code, heading", [("good_practice", "Opis dobrej praktyki samorządowej"),
                                           ("reflection", "Studium refleksji"),
                                           ("reportage", "Minireportaż z wywiadem")])
def test_the_page_is_titled_with_the_documents_own_title_and_the_summary_form_as_subtitle(edition, pages, code, heading):
    main = _main(pages[code])
    h1 = main.findall(".//h1")
    assert [h.text_content() for h in h1] == [full_unit(edition, code).summary.info.title]
    assert h1[0].getparent().tag == "hgroup"
    assert h1[0].getparent().find("p").text_content() == heading
    assert heading not in [h.text_content() for h in main.iter("h2", "h3", "h4")]


@pytest.mark.parametrize("code", SUMMARY_CODES)
def test_headings_follow_in_order_without_a_skipped_level(pages, code):
    levels = [int(h.tag[1]) for h in _main(pages[code]).iter("h1", "h2", "h3", "h4", "h5", "h6")]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels


def test_the_good_practice_sections_are_headings_under_their_part(pages):
    main = _main(pages["good_practice"])
    assert [h.text_content() for h in main.iter("h2")][0] == "I. Opis dobrej praktyki"
    assert [h.text_content() for h in main.iter("h3")][0] == "1. Charakterystyka lokalnego systemu"


def test_the_labels_of_the_reflection_are_headings_below_their_stage(pages):
    main = _main(pages["reflection"])
    stage = next(h for h in main.iter("h3") if h.text_content().startswith("2.1."))
    labels = [stage.getnext(), stage.getnext().getnext().getnext()]
    assert [(e.tag, e.text_content()) for e in labels] == [("h4", "Pytania kluczowe"), ("h4", "Synteza odpowiedzi")]


def test_the_lead_of_the_reportage_is_marked_as_the_lead(pages, edition):
    leads = _main(pages["reportage"]).find_class("lead")
    assert len(leads) == 1 and leads[0].tag == "p"
    assert leads[0].text_content() == full_unit(edition, "reportage").summary.reportage.lead


@pytest.mark.parametrize("code", SUMMARY_CODES)
def test_tables_have_a_caption_and_header_cells_that_are_headers(pages, code):
    tables = list(_main(pages[code]).iter("table"))
    assert tables
    for table in tables:
        assert table.find("caption") is not None and table.find("caption").text_content().strip()
        assert table.find("thead") is None  # no data row pretends to be a header row
        for row in table.iter("tr"):
            cells = [c for c in row if c.tag in ("th", "td")]
            assert cells[0].tag == "th" and cells[0].get("scope") == "row"
            assert all(c.tag == "td" for c in cells[1:])
    assert tables[0].find("caption").text_content() == "Metryczka"


def test_a_real_header_row_becomes_column_headers():
    fragment = ("<hgroup><h1>T</h1></hgroup><table><thead><tr><th>Lp.</th><th>Zadanie</th></tr></thead>"
                "<tbody><tr><td>1</td><td>A</td></tr></tbody></table>")
    table = lxml_html.fromstring(f"<main>{accessible(fragment, 'T')}</main>").find(".//table")
    assert [(c.tag, c.get("scope")) for c in table.find("thead").iter("th")] == [("th", "col"), ("th", "col")]
    assert [c.tag for c in table.find("tbody").iter("td", "th")] == ["td", "td"]


def test_an_omitted_email_and_phone_read_the_same(pages):
    table = next(t for t in _main(pages["good_practice"]).iter("table")
                 if t.find("caption").text_content() == "Dane kontaktowe")
    values = {row[0].text_content().strip(): row[1] for row in table.iter("tr")}
    for label in ("E-mail", "Telefon"):
        assert values[label].text_content().strip() == OMITTED
        assert values[label].find("span").get("class") == "omitted"
    assert "—" not in values["Telefon"].text_content()


def test_a_document_without_a_title_paragraph_gets_its_title_as_the_heading():
    out = accessible("<hgroup>\n<h1></h1>\n</hgroup>\n<h1>Część</h1><p>x</p>", "Opis — Gmina X")
    main = lxml_html.fromstring(f"<main>{out}</main>")
    assert [(h.tag, h.text_content()) for h in main.iter("h1", "h2")] == [("h1", "Opis — Gmina X"), ("h2", "Część")]


def test_the_logo_strip_is_shown_on_the_publication_page_with_its_text_alternative(edition, pandoc, tmp_path):
    from test_render import _png

    shutil.copytree(TEST_TEMPLATES, tmp_path / "templates", ignore=shutil.ignore_patterns("logo"))
    (tmp_path / "templates" / "logo").mkdir()
    (tmp_path / "templates" / "logo" / "pasek.png").write_bytes(_png(40, 5))
    page = summary_html(full_unit(edition), edition, TemplateSet(tmp_path / "templates"), pandoc)
    images = lxml_html.fromstring(page).find(".//header").findall(".//img")
    assert len(images) == 1 and images[0].get("alt") == edition.logo_alt
    assert images[0].get("src").startswith("data:image/png;base64,")
    plain = summary_html(full_unit(edition), edition, TemplateSet(TEST_TEMPLATES), pandoc)
    assert "<img" not in plain


def test_a_document_pandoc_cannot_read_is_a_clear_error_and_the_next_one_converts(edition, pandoc, pages):
    with pytest.raises(PandocError, match="pandoc nie przekształcił dokumentu"):
        pandoc.to_html(b"to nie jest dokument Word")
    again = summary_html(full_unit(edition), edition, TemplateSet(TEST_TEMPLATES), pandoc)
    assert again == pages["good_practice"]


@pytest.mark.parametrize("consent, shown", [(None, False), ("nie", False), ("tak", True)])
def test_a_reportage_names_an_interviewee_from_outside_the_team_only_with_their_consent(edition, pandoc, consent, shown):
    from documents_fixtures import full_unit_data, unit_from_data

    from pipeline.publish import NAME_OMITTED

    data = full_unit_data("reportage")
    outsider = "Jan Kowalczyk"  # a school director, not in the JST team
    data["summary"]["reportage"].update(interviewee=outsider, interviewee_consent=consent,
                                        ending=f"— Dane to dopiero początek — mówi {outsider}.")
    page = summary_html(unit_from_data(data, edition), edition, TemplateSet(TEST_TEMPLATES), pandoc)
    assert (outsider in page) is shown
    assert (NAME_OMITTED in page) is not shown
    if not shown:
        assert f"— Dane to dopiero początek — mówi {NAME_OMITTED}." in page


def test_a_team_member_interviewed_is_named_without_a_consent_field(pages, edition):
    assert full_unit(edition, "reportage").summary.reportage.interviewee in pages["reportage"]


def test_a_postal_code_bound_in_the_documents_reads_with_a_plain_hyphen_on_the_page(edition, pandoc):
    """The documents bind "20-400" with a non-breaking hyphen; on the page it stays a plain one,
    so searching the page and copying from it find what the team typed."""
    from documents_fixtures import full_unit_data, unit_from_data

    data = full_unit_data()
    data["summary"]["good_practice"]["effects"] = "Spotkania w Lublinie (20-400 Lublin, ul. Spokojna 2)."
    page = summary_html(unit_from_data(data, edition), edition, TemplateSet(TEST_TEMPLATES), pandoc)
    assert "(20-400 Lublin, ul. Spokojna 2)." in lxml_html.fromstring(page).text_content()
    assert "\u2011" not in page


def test_a_hyphenated_address_and_phone_in_the_text_are_left_out_whole(edition, pandoc):
    """Documents write hyphens in contact data as non-breaking ones (U+2011 once pandoc has read
    them); the publication still finds the whole address and number and leaves them out."""
    from documents_fixtures import full_unit_data, unit_from_data

    data = full_unit_data()
    data["summary"]["good_practice"]["effects"] = (
        "Pytania: j.nowak-kowalska@szkola-nr-1.gmina-x.pl albo tel. 601-234-567 (sekretariat).")
    page = summary_html(unit_from_data(data, edition), edition, TemplateSet(TEST_TEMPLATES), pandoc)
    assert f"Pytania: {OMITTED} albo tel. {OMITTED} (sekretariat)." in lxml_html.fromstring(page).text_content()
    assert not any(piece in page for piece in ("kowalska", "gmina-x", "gmina\u2011x", "234", "567"))
