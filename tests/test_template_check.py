"""Template check: what a coordinator hears about a template before a run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from documents_fixtures import TEST_TEMPLATES

from pipeline.context import REQUIRED_KEYS, SUMMARY_TEMPLATES, build_context, document_plan
from pipeline.edition import load_edition
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
    assert set(contexts) == set(REQUIRED_KEYS)
    for template, context in contexts.items():
        assert REQUIRED_KEYS[template] <= set(context), template


def test_the_example_unit_fills_every_optional_field(edition):
    unit = example_unit(edition, "reportage")
    assert unit.hdr.actions[0].cost is not None and unit.meetings.meetings[0].next_meeting is not None
    assert document_plan(unit, edition)[-1].template == SUMMARY_TEMPLATES["reportage"]


def test_a_misspelt_variable_is_an_error_naming_it(broken_issues):
    assert _messages(broken_issues, "karta_jst.docx") == [
        "Szablon karta_jst.docx (treść): nieznana zmienna „jst_nazwa” w akapicie: „{{ jst_nazwa }}”.",
        "Szablon karta_jst.docx (treść): nieznana zmienna „jst.nazwa” (pole „nazwa” nie istnieje; dostępne: "
        "address, name, office_email, terc, unit_type, voivodeship) w akapicie: „{{ jst.nazwa }}”.",
    ]


def test_a_tag_split_across_runs_is_reported_with_its_paragraph(broken_issues):
    [issue] = [i for i in broken_issues if i.template == "hdr.docx"]
    assert issue.severity == "warning" and issue.part == "treść"
    assert "„{{ hdr.adopted_on }}” jest podzielony" in issue.message
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

    document = Document(TEMPLATES / "hdr.docx")
    body = document.element.body
    for table in document.tables:
        if "{%tr for r in risks %}" in "".join(c.text for row in table.rows for c in row.cells):
            body.remove(table._tbl)
    document.save(tmp_path / "hdr.docx")
    context = example_contexts(edition)["hdr.docx"]
    issues = check_template(tmp_path / "hdr.docx", context, REQUIRED_KEYS["hdr.docx"])
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


def test_the_example_context_is_what_build_context_gives(edition):
    unit = example_unit(edition)
    spec = document_plan(unit, edition)[0]
    assert example_contexts(edition)[spec.template] == build_context(spec, unit, edition)


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
