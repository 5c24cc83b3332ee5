"""Template check: what a coordinator hears about a template before a run."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from documents_fixtures import TEST_TEMPLATES, all_paragraphs

from pipeline.documents import BY_TEMPLATE, SUMMARY_CODES, build_context, document_plan
from pipeline.edition import load_edition
from pipeline.render import RenderError, render_document, template_set
from pipeline.template_check import (
    TemplateIssue,
    check_template,
    check_templates,
    example_contexts,
    example_unit,
    format_issues,
)

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = TEST_TEMPLATES
BROKEN = Path(__file__).parent / "data" / "broken_templates"


@pytest.fixture(scope="module")
def edition():
    return load_edition("2020")


@pytest.fixture(scope="module")
def broken_issues(edition):
    return check_templates(BROKEN, edition)


def _messages(issues, template):
    return [i.message for i in issues if i.template == template]


def test_the_test_templates_pass_without_a_warning(edition):
    issues = check_templates(TEMPLATES, edition)
    assert issues == []
    assert format_issues(issues) == "Szablony są poprawne: nie znaleziono błędów ani ostrzeżeń."


@pytest.mark.parametrize("edition_id", ["2020", "2022"])
def test_the_example_unit_covers_every_template(edition_id):
    contexts = example_contexts(load_edition(edition_id))
    assert set(contexts) == set(BY_TEMPLATE)
    for template, context in contexts.items():
        assert BY_TEMPLATE[template].required_keys <= set(context), template


def test_the_example_unit_fills_every_optional_field(edition):
    unit = example_unit(edition, "reportage")
    assert unit.hdr.actions[0].cost is not None and unit.meetings.meetings[0].next_meeting is not None
    assert document_plan(unit, edition)[-1].template == "podsumowanie_minireportaz.docx"


def test_a_misspelt_variable_is_an_error_naming_it(broken_issues):
    assert _messages(broken_issues, "karta_jst.docx") == [
        "Szablon karta_jst.docx (treść): nieznana zmienna „jst_nazwa” w akapicie: „{{ jst_nazwa }}”.",
        "Szablon karta_jst.docx (treść): nieznana zmienna „jst.nazwa” (pole „nazwa” nie istnieje; dostępne: "
        "address, name, office_email, terc, unit_type, voivodeship) w akapicie: „{{ jst.nazwa }}”.",
    ]


def test_a_tag_whose_formatting_changes_mid_tag_is_reported_with_its_paragraph(broken_issues):
    [issue] = [i for i in broken_issues if i.template == "hdr.docx"]
    assert issue.severity == "warning" and issue.part == "treść"
    assert issue.message == (
        "Szablon hdr.docx (treść): w środku znacznika „{{ hdr.adopted_on }}” zmienia się formatowanie (pogrubienie) "
        "w akapicie: „Harmonogram przyjęto dnia {{ hdr.adopted_on }}”. Dokument dostanie formatowanie początku "
        "znacznika. Usuń znacznik i wpisz go ponownie w całości, a formatowanie nadaj całemu znacznikowi.")
    assert issue.context_text == "Harmonogram przyjęto dnia {{ hdr.adopted_on }}"


def test_an_unclosed_tag_is_an_error_not_a_silently_lost_paragraph(broken_issues):
    assert _messages(broken_issues, "spotkania.docx") == [
        "Szablon spotkania.docx (treść): niedomknięty znacznik „{{ m.recorded_by }” w akapicie: "
        "„Sporządził(a): {{ m.recorded_by }”. Brakuje „}}”."]


def test_a_tag_that_does_not_parse_is_an_error_with_its_paragraph(broken_issues):
    [issue] = [i for i in broken_issues if i.template == "podsumowanie_dobra_praktyka.docx"]
    assert issue.severity == "error"
    assert issue.message.startswith("Szablon podsumowanie_dobra_praktyka.docx (treść): znacznik nie daje się odczytać")
    assert issue.context_text == "{{ summary..title }}"


def test_missing_templates_are_errors_and_errors_come_first(broken_issues):
    assert "Brak szablonu podsumowanie_minireportaz.docx w katalogu" in format_issues(broken_issues)
    severities = [i.severity for i in broken_issues]
    assert severities == sorted(severities, key=lambda s: s != "error")
    assert format_issues(broken_issues).endswith("Razem: 6 błędów, 1 ostrzeżenie.")


def test_a_template_that_leaves_out_required_data_gets_a_warning(tmp_path, edition):
    from docx import Document
    from docx.oxml.ns import qn

    document = Document(TEMPLATES / "hdr.docx")
    body = document.element.body
    children = list(body.iterchildren())
    texts = ["".join(t.text or "" for t in node.iter(qn("w:t"))) for node in children]
    # the whole section body: the table (and, where the template has one, its "{%p if risks %}" … "Nie określono.")
    start = next(i for i, text in enumerate(texts) if text == "{%p if risks %}" or "{%tr for r in risks %}" in text)
    end = texts.index("{%p endif %}", start) if texts[start] == "{%p if risks %}" else start
    for node in children[start:end + 1]:
        body.remove(node)
    document.save(tmp_path / "hdr.docx")
    context = example_contexts(edition)["hdr.docx"]
    issues = check_template(tmp_path / "hdr.docx", context, BY_TEMPLATE["hdr.docx"].required_keys)
    assert issues == [TemplateIssue("hdr.docx", "", "warning",
                                    "Szablon hdr.docx nie używa zmiennej „risks”: dokument pominie te dane.")]


def test_a_paragraph_tag_sharing_its_paragraph_with_text_is_a_warning(tmp_path, edition):
    from docx import Document

    document = Document(TEMPLATES / "spotkania.docx")
    for paragraph in document.paragraphs:
        if paragraph.text == "{%p endfor %}":
            paragraph.runs[0].text = "Koniec spotkania {%p endfor %}"
    document.save(tmp_path / "spotkania.docx")
    issues = check_template(tmp_path / "spotkania.docx", example_contexts(edition)["spotkania.docx"])
    assert [i.severity for i in issues] == ["warning"]
    assert "tekst „Koniec spotkania” zniknie z dokumentu" in issues[0].message


def test_an_unknown_template_in_the_folder_is_a_warning(tmp_path, edition):
    for path in TEMPLATES.glob("*.docx"):
        shutil.copy(path, tmp_path / path.name)
    shutil.copy(TEMPLATES / "karta_jst.docx", tmp_path / "kopia.docx")
    issues = check_templates(tmp_path, edition)
    assert [(i.template, i.severity) for i in issues] == [("kopia.docx", "warning")]


def test_what_the_check_passes_renders_and_a_variable_it_flags_stops_rendering(tmp_path, edition):
    from docx import Document

    templates = template_set(TEMPLATES)
    for code in SUMMARY_CODES:  # every template the check passed renders the example unit's data
        unit = example_unit(edition, code)
        for spec in document_plan(unit, edition):
            assert render_document(templates, spec, build_context(spec, unit, edition))[:2] == b"PK"
    document = Document(TEMPLATES / "spotkania.docx")
    document.add_paragraph("{{ jst.telefon }}")
    document.save(tmp_path / "spotkania.docx")
    [issue] = check_templates(tmp_path, edition)[-1:]  # the other templates are missing: errors first
    assert issue.template == "spotkania.docx" and "„jst.telefon”" in issue.message
    unit = example_unit(edition)
    [spec] = [s for s in document_plan(unit, edition) if s.template == "spotkania.docx"]
    with pytest.raises(RenderError, match="jst.telefon|telefon"):
        render_document(template_set(tmp_path), spec, build_context(spec, unit, edition))


def _paths(value, prefix=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, f"{prefix}.{key}" if prefix else key)
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        yield from _paths(value[0], f"{prefix}[]")
    else:
        yield prefix


def test_the_readme_documents_every_context_key(edition):
    readme = (ROOT / "templates" / "README.md").read_text(encoding="utf-8")
    missing = {path for context in example_contexts(edition).values() for path in _paths(context)
               if f"`{path}`" not in readme and f"`{path} " not in readme}
    assert missing == set()


# ----------------------------------------------------------------------------- what Word does to templates
def _edited(tmp_path, name, edit):
    """A copy of a test template changed by ``edit(document)`` as Word would save it; its issues."""
    from docx import Document

    document = Document(TEMPLATES / name)
    edit(document)
    document.save(tmp_path / name)
    return check_template(tmp_path / name, example_contexts(load_edition("2020"))[name], BY_TEMPLATE[name].required_keys)


def _replace_in_runs(document, old, *new_runs):
    """Replace the run holding ``old`` with runs of the given texts (the first keeps its formatting)."""
    import copy

    for paragraph in all_paragraphs(document):
        for run in paragraph.runs:
            if old in run.text:
                run.text = run.text.replace(old, new_runs[0])
                anchor = run._r
                for text in new_runs[1:]:
                    clone = copy.deepcopy(run._r)
                    clone.find(qn("w:t")).text = text
                    anchor.addnext(clone)
                    anchor = clone
                return paragraph
    raise LookupError(old)


def qn(tag):
    from docx.oxml.ns import qn as docx_qn

    return docx_qn(tag)


def test_curly_quotes_autocorrected_inside_a_tag_are_an_error_with_the_paragraph(tmp_path):
    issues = _edited(tmp_path, "karta_jst.docx",
                     lambda d: _replace_in_runs(d, "{{ jst.office_email or '—' }}", "{{ jst.office_email or ‘—’ }}"))
    assert issues[0] == TemplateIssue(
        "karta_jst.docx", "treść", "error",
        "Szablon karta_jst.docx (treść): w znaczniku „{{ jst.office_email or ‘—’ }}” są cudzysłowy drukarskie "
        "(np. „ ” ‘ ’), które wstawiła autokorekta; znacznik potrzebuje prostych ' albo \". Popraw je w akapicie: "
        "„{{ jst.office_email or ‘—’ }}” (i wyłącz zamianę cudzysłowów prostych na drukarskie w opcjach autokorekty).",
        "{{ jst.office_email or ‘—’ }}")


def test_curly_quotes_inside_a_quoted_text_of_a_tag_are_fine(tmp_path):
    issues = _edited(tmp_path, "karta_jst.docx",
                     lambda d: _replace_in_runs(d, "{{ jst.office_email or '—' }}", "{{ jst.office_email or '„brak”' }}"))
    assert issues == []


def test_a_tag_cut_inside_its_braces_is_an_error_and_a_cut_without_a_formatting_change_is_fine(tmp_path):
    issues = _edited(tmp_path, "karta_jst.docx", lambda d: _replace_in_runs(d, "{{ jst.terc }}", "{", "{ jst.terc }}"))
    assert [i.message for i in issues] == [
        "Szablon karta_jst.docx (treść): znacznik „{{ jst.terc }}” jest rozdzielony w środku nawiasów (Word zmienił "
        "coś między znakami „{” albo „}”), więc nie zostanie rozpoznany, w akapicie: „{{ jst.terc }}”. Usuń znacznik "
        "i wpisz go ponownie w całości."]
    assert _edited(tmp_path, "karta_jst.docx", lambda d: _replace_in_runs(d, "{{ jst.terc }}", "{{ jst.", "terc }}")) == []


def test_a_tag_cut_by_word_without_a_visible_formatting_change_is_fine(tmp_path):
    from docx.oxml import parse_xml

    def edit(document):
        paragraph = _replace_in_runs(document, "{{ jst.terc }}", "{{ jst.", "terc }}")
        second = paragraph.runs[-1]._r
        w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
        props = second.get_or_add_rPr()
        props.append(parse_xml(f'<w:rFonts {w} w:hint="eastAsia"/>'))  # what Word adds by itself
        props.append(parse_xml(f"<w:bCs {w}/>"))
        props.append(parse_xml(f'<w:lang {w} w:val="en-US"/>'))
    assert _edited(tmp_path, "karta_jst.docx", edit) == []


def test_a_row_loop_tag_sharing_its_row_with_text_is_a_warning(tmp_path):
    def edit(document):
        for table in document.tables:
            for row in table.rows:
                if row.cells[0].text == "{%tr for t in m.tasks %}":
                    row.cells[1].paragraphs[0].add_run("Zadania:")
                    return
    issues = _edited(tmp_path, "spotkania.docx", edit)
    assert [i.message for i in issues] == [
        "Szablon spotkania.docx (treść): znacznik „{%tr for t in m.tasks %}” zastępuje cały wiersz tabeli, więc tekst "
        "„Zadania:” z tego wiersza zniknie z dokumentu. Przenieś znacznik do osobnego wiersza: "
        "„{%tr for t in m.tasks %} | Zadania:”."]


def test_a_plain_loop_tag_spanning_paragraphs_is_named(tmp_path):
    def edit(document):
        _replace_in_runs(document, "{%p for d in good_practice.model_documents %}", "{% for d in good_practice.model_documents %}")
        _replace_in_runs(document, "{%p endfor %}", "{% endfor %}")
    issues = _edited(tmp_path, "podsumowanie_dobra_praktyka.docx", edit)
    messages = [i.message for i in issues if i.severity == "warning"]
    assert messages[0] == (
        "Szablon podsumowanie_dobra_praktyka.docx (treść): znacznik „{% for d in good_practice.model_documents %}” "
        "otwiera lub zamyka pętlę albo warunek, którego druga część jest w innym akapicie: "
        "„{% for d in good_practice.model_documents %}”. Taki znacznik musi być sam w osobnym akapicie jako "
        "{%p for … %} / {%p if … %} (albo {%tr … %} w osobnym wierszu tabeli).")
    assert len(messages) == 2  # the opening and the closing paragraph


def _png() -> io.BytesIO:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (120, 24), (46, 117, 182)).save(buffer, "PNG")
    buffer.seek(0)
    return buffer


def test_a_picture_next_to_a_tag_in_the_header_is_a_warning(tmp_path):
    def edit(document):
        # paragraph 0 holds only {{p pasek_logo(…) }}, 1 the organiser and the JST, 2 the project title
        document.sections[0].header.paragraphs[2].add_run().add_picture(_png())
    issues = _edited(tmp_path, "karta_jst.docx", edit)
    assert [(i.part, i.message) for i in issues] == [("nagłówek", (
        "Szablon karta_jst.docx (nagłówek): obraz w nagłówku stoi w jednym akapicie ze znacznikiem: "
        "„{{ programme.project_title }}”. Znaczniki nie obsługują obrazów w nagłówkach i stopkach (obraz może zniknąć "
        "albo się powtórzyć). Umieść obraz w osobnym akapicie bez znaczników."))]


def test_a_picture_alone_in_the_header_passes_and_reaches_every_document(tmp_path):
    import zipfile

    from documents_fixtures import full_unit

    from pipeline.render import TemplateSet, render_document

    def edit(document):
        document.sections[0].header.add_paragraph().add_run().add_picture(_png())
    assert _edited(tmp_path, "karta_jst.docx", edit) == []
    edition = load_edition("2020")
    unit = full_unit(edition)
    spec = document_plan(unit, edition)[0]
    rendered = zipfile.ZipFile(io.BytesIO(render_document(TemplateSet(tmp_path), spec, build_context(spec, unit, edition))))
    assert any(name.startswith("word/media/") for name in rendered.namelist())
    assert b"<w:drawing>" in rendered.read("word/header1.xml")


def test_a_font_this_machine_lacks_is_named_with_libreoffices_substitute(tmp_path):
    import subprocess

    def edit(document):
        document.styles["Heading 1"].font.name = "Comic Sans MS"
        document.styles["Normal"].font.name = "Liberation Sans"
    issues = _edited(tmp_path, "karta_jst.docx", edit)
    substitute = subprocess.run(["fc-match", "-f", "%{family}", "Comic Sans MS"], capture_output=True, text=True,
                                check=True).stdout.split(",")[0]
    assert [(i.part, i.message) for i in issues] == [("", (
        f"Szablon karta_jst.docx: czcionki „Comic Sans MS” nie ma na tym komputerze — LibreOffice użyje zamiast niej "
        f"„{substitute}”, więc PDF będzie wyglądał inaczej niż w Wordzie (inna szerokość liter, inne łamanie wierszy "
        "i stron) (styl „heading 1”, np. akapit: „1. Zespół JST”). Zainstaluj tę czcionkę na komputerze, który tworzy "
        "PDF, albo wybierz czcionkę, która na nim jest (np. Liberation Sans)."))]


def test_a_metric_compatible_substitute_is_named_as_such_and_unused_styles_do_not_count(tmp_path):
    def edit(document):
        document.styles["Heading 2"].font.name = "Calibri"  # used by "4.1. Źródła danych"
        document.styles["Quote"].font.name = "Comic Sans MS"  # a style no paragraph uses
    issues = _edited(tmp_path, "karta_jst.docx", edit)
    assert [i.message for i in issues] == [
        "Szablon karta_jst.docx: czcionki „Calibri” nie ma na tym komputerze — LibreOffice użyje zamiast niej "
        "„Carlito”, o tych samych szerokościach znaków, więc układ stron się nie zmieni, ale kształt liter będzie "
        "trochę inny niż w Wordzie (styl „heading 2”, np. akapit: „4.1. Źródła danych”). Zainstaluj tę czcionkę na "
        "komputerze, który tworzy PDF, albo wybierz czcionkę, która na nim jest (np. Liberation Sans)."]


def test_the_readme_filter_examples_render_as_documented():
    import re

    from pipeline.render import make_environment

    readme = (ROOT / "templates" / "README.md").read_text(encoding="utf-8")
    examples = re.findall(r"^- `(\{\{ [^`]+ \}\})` → „([^”]+)”", readme, flags=re.M)
    assert len(examples) == 5
    env = make_environment()
    for tag, shown in examples:
        assert env.from_string(tag).render().replace("\xa0", " ") == shown, tag
