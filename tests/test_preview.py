"""`teczka templates preview`: sample documents as PDF and PNG pages, before/after, accepted references."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner
from documents_fixtures import TEST_TEMPLATES
from docx import Document
from PIL import Image

from pipeline.cli import main
from pipeline.edition import load_edition
from pipeline.errors import UsageError
from pipeline.preview import (
    PAGE_TOLERANCE,
    Preview,
    PreviewDocument,
    PreviewPage,
    make_preview,
    page_difference,
    preview_html,
    sample_documents,
)
from pipeline.render import TemplateSet

EDITION = load_edition("2020")


def test_the_example_data_gives_one_document_per_template():
    documents = sample_documents(TemplateSet(TEST_TEMPLATES), EDITION, None, None)
    assert [doc.template for doc, _ in documents] == sorted(p.name for p in TEST_TEMPLATES.glob("*.docx"))
    assert documents[0][0].label == "hdr.docx — przykładowe dane"


def test_templates_are_chosen_by_name_with_or_without_the_extension():
    documents = sample_documents(TemplateSet(TEST_TEMPLATES), EDITION, ["hdr", "spotkania.docx"], None)
    assert [doc.key for doc, _ in documents] == ["hdr", "spotkania"]


def test_an_unknown_template_is_a_clear_message():
    with pytest.raises(UsageError) as caught:
        sample_documents(TemplateSet(TEST_TEMPLATES), EDITION, ["harmonogram"], None)
    assert str(caught.value).startswith(f"Nie ma szablonu harmonogram.docx w katalogu {TEST_TEMPLATES} (są: hdr.docx, ")


def test_an_unknown_unit_is_a_clear_message(tmp_path):
    result = CliRunner().invoke(main, ["templates", "preview", "--forms", str(tmp_path), "--units", "gmina-x",
                                       "--templates", str(TEST_TEMPLATES), "--out", str(tmp_path / "podglad")])
    assert result.exit_code == 2
    assert f"Błąd: Nie ma jednostki gmina-x w katalogu {tmp_path}." in result.output


def _image(path, pixels=()):
    image = Image.new("RGB", (100, 100), "white")
    for xy in pixels:
        image.putpixel(xy, (0, 0, 0))
    image.save(path)
    return path


def test_page_difference_counts_changed_pixels_and_ignores_faint_ones(tmp_path):
    blank = _image(tmp_path / "a.png")
    assert page_difference(blank, _image(tmp_path / "b.png", [(1, 1), (2, 2)])) == 2 / 10_000
    faint = Image.new("RGB", (100, 100), (235, 235, 235))
    faint.save(tmp_path / "c.png")
    assert page_difference(blank, tmp_path / "c.png") == 0.0
    Image.new("RGB", (100, 120), "white").save(tmp_path / "d.png")
    assert page_difference(blank, tmp_path / "d.png") == 1.0


def test_the_page_marks_changed_pages_and_escapes_labels(tmp_path):
    folder = tmp_path / "podglad"
    page = folder / "aktualny" / "x" / "strona-1.png"
    document = PreviewDocument("x", "x.docx", "x.docx — <b>Gmina</b>", [
        PreviewPage(1, page, folder / "wzorzec" / "x" / "strona-1.png", difference=PAGE_TOLERANCE * 2),
        PreviewPage(2, page, folder / "wzorzec" / "x" / "strona-2.png", difference=0.0),
        PreviewPage(3, None, folder / "wzorzec" / "x" / "strona-3.png")])
    html = preview_html(Preview(folder, [document], compared=True, has_reference=True, accepted=False))
    assert "x.docx — &lt;b&gt;Gmina&lt;/b&gt;" in html and "<b>Gmina" not in html
    assert html.count('<figure class="zmieniona">') == 2 and html.count('<figure class="bez-zmian">') == 1
    assert 'src="aktualny/x/strona-1.png"' in html and "Po: brak tej strony" not in html
    assert "zmienione strony: 2" in html


@pytest.mark.slow
def test_a_preview_has_pdf_and_png_pages_and_a_page_showing_them(tmp_path):
    result = CliRunner().invoke(main, ["templates", "preview", "hdr", "--templates", str(TEST_TEMPLATES),
                                       "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "aktualny" / "hdr"
    pages = sorted(folder.glob("strona-*.png"))
    assert (folder / "dokument.pdf").read_bytes().startswith(b"%PDF-") and len(pages) >= 2
    assert result.output.startswith(f"Podgląd: {tmp_path / 'index.html'} (dokumenty: 1, strony: {len(pages)}).")
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert all(f'src="aktualny/hdr/{page.name}"' in html for page in pages)
    assert '<a href="aktualny/hdr/dokument.pdf">PDF</a>' in html
    with Image.open(pages[0]) as image:  # A4 landscape at 60 dpi
        assert image.size == (702, 497)


@pytest.mark.slow
def test_compare_marks_the_page_a_word_edit_changed_and_accept_makes_it_the_reference(tmp_path):
    templates = tmp_path / "szablony"
    templates.mkdir()
    shutil.copy(TEST_TEMPLATES / "karta_jst.docx", templates)
    out = tmp_path / "podglad"
    first = make_preview(templates, EDITION, out, compare=True, accept=True)
    assert first.accepted and not first.has_reference and (out / "wzorzec" / "karta_jst" / "strona-1.png").exists()
    document = Document(templates / "karta_jst.docx")
    heading = next(p for p in document.paragraphs if p.text == "1. Zespół JST")
    heading.runs[0].text = "1. Zespół JST gminy"
    document.save(templates / "karta_jst.docx")
    edited = make_preview(templates, EDITION, out, compare=True)
    assert edited.changed_pages() == {"karta_jst.docx — przykładowe dane": [1]}
    html = (out / "index.html").read_text(encoding="utf-8")
    assert html.count('<figure class="zmieniona">') == 1 and 'src="wzorzec/karta_jst/strona-1.png"' in html
    result = CliRunner().invoke(main, ["templates", "preview", "--compare", "--accept", "--templates", str(templates),
                                       "--out", str(out)])
    assert "Zmienione: karta_jst.docx — przykładowe dane: strony 1." in result.output
    assert "Zaakceptowano: ten podgląd jest teraz wzorcem" in result.output
    html = (out / "index.html").read_text(encoding="utf-8")  # "before" is still the page before the edit
    assert 'src="poprzedni-wzorzec/karta_jst/strona-1.png"' in html and html.count('<figure class="zmieniona">') == 1
    again = make_preview(templates, EDITION, out, compare=True)
    assert again.changed_pages() == {}
