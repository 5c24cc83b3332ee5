"""The one declaration of documents (pipeline/documents.py), enumerated against every place
that names a document: the template files, the generator of the first templates, the
templates README, the template check and the plan of a full unit."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from factories import unit_data

from pipeline.documents import (
    BY_TEMPLATE,
    DOCUMENTS,
    SUMMARY_CODES,
    build_context,
    document_plan,
    output_heading,
    output_rank,
)
from pipeline.edition import load_edition
from pipeline.models import Unit
from pipeline.template_check import example_contexts

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
EDITION = load_edition("2020")


def test_every_declared_document_has_its_template_file_and_no_template_is_undeclared() -> None:
    shipped = {p.name for p in TEMPLATES.glob("*.docx")}
    assert shipped == set(BY_TEMPLATE)
    assert len(BY_TEMPLATE) == len(DOCUMENTS)


def test_the_template_generator_makes_exactly_the_declared_templates() -> None:
    sys.path.insert(0, str(TEMPLATES))
    try:
        import build_templates  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(TEMPLATES))
    assert list(build_templates.TEMPLATES) == [d.template for d in DOCUMENTS]
    for document in DOCUMENTS:
        _, heading = build_templates.TEMPLATES[document.template]()
        assert heading.startswith(document.heading.split(",")[0]), document.template


def test_the_templates_readme_table_matches_the_declaration() -> None:
    readme = (TEMPLATES / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([^`]+)` \| (.+?) \(`([^`]+)`\) \| (.+?) \|$", readme, flags=re.M)
    assert [(template, output, needs) for template, _, output, needs in rows] == [
        (d.template, d.output, d.needs) for d in DOCUMENTS]
    for (_, title, _, _), document in zip(rows, DOCUMENTS, strict=True):
        assert title.startswith(document.heading), title


def test_the_template_check_has_example_data_for_every_declared_document_with_its_required_keys() -> None:
    contexts = example_contexts(EDITION)
    assert set(contexts) == set(BY_TEMPLATE)
    for template, context in contexts.items():
        assert BY_TEMPLATE[template].required_keys <= set(context), template


def test_a_full_unit_gets_one_document_per_output_with_the_declared_heading_and_data() -> None:
    unit = Unit.model_validate({"id": "gmina", **unit_data()})  # its summary is a good practice
    plan = document_plan(unit, EDITION)
    assert [s.template for s in plan] == ["karta_jst.docx", "hdr.docx", "spotkania.docx",
                                          "podsumowanie_dobra_praktyka.docx"]
    assert [s.document.summary_code for s in plan] == [None, None, None, SUMMARY_CODES[0]]
    for spec in plan:
        assert spec.title == f"{spec.document.heading} — Gmina Żółkiewka"
        assert spec.document.required_keys <= set(build_context(spec, unit, EDITION))


def test_a_unit_without_a_valid_card_gets_no_document() -> None:
    data = unit_data()
    unit = Unit.model_validate({"id": "gmina", **{k: v for k, v in data.items() if k != "card"}})
    assert document_plan(unit, EDITION) == []


def test_a_built_file_is_named_for_people_by_its_documents_heading_in_the_declared_order():
    assert output_heading("hdr.pdf") == "Harmonogram działań rozwojowych"
    assert output_heading("karta_jst.docx") == DOCUMENTS[0].heading
    assert output_heading("podsumowanie.docx") == "Podsumowanie udziału w programie"  # one file, three forms
    assert output_heading("inny.docx") == "inny.docx"
    names = ["podsumowanie.docx", "spotkania.docx", "inny.docx", "hdr.docx", "karta_jst.docx"]
    assert sorted(names, key=output_rank) == ["karta_jst.docx", "hdr.docx", "spotkania.docx",
                                              "podsumowanie.docx", "inny.docx"]
