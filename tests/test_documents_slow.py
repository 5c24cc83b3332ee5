"""Rendered documents through real LibreOffice: they convert, paginate sensibly, keep Polish text."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from documents_fixtures import JST_NAME, TERC, TEST_TEMPLATES, full_unit

from pipeline.documents import build_context, document_plan
from pipeline.edition import load_edition
from pipeline.render import TemplateSet, render_document

pytestmark = pytest.mark.slow

TEMPLATES = TEST_TEMPLATES
# template -> (fewest, most) pages for the full unit of documents_fixtures
PAGES = {
    "karta_jst.docx": (2, 3),
    "hdr.docx": (3, 6),
    "spotkania.docx": (2, 4),
    "podsumowanie_dobra_praktyka.docx": (1, 3),
    "podsumowanie_studium_refleksji.docx": (1, 2),
    "podsumowanie_minireportaz.docx": (1, 2),
}


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    """One PDF per template, converted in one LibreOffice call with its own profile."""
    if not (shutil.which("soffice") and shutil.which("pdftotext") and shutil.which("pdfinfo")):
        pytest.fail("LibreOffice (soffice) and poppler-utils are needed for this test: run `make system-deps`")
    edition = load_edition("2020")
    templates = TemplateSet(TEMPLATES)
    folder = tmp_path_factory.mktemp("pdf")
    docs = []
    for code in ("good_practice", "reflection", "reportage"):
        unit = full_unit(edition, code)
        for spec in document_plan(unit, edition):
            target = folder / spec.template
            if not target.exists():
                target.write_bytes(render_document(templates, spec, build_context(spec, unit, edition)))
                docs.append(target)
    profile = (folder / "profile").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(folder), *map(str, docs)], check=True, capture_output=True, timeout=300)
    return {doc.name: doc.with_suffix(".pdf") for doc in docs}


@pytest.mark.parametrize("template", sorted(PAGES))
def test_every_template_converts_to_a_pdf_with_polish_text(pdfs, template):
    pdf = pdfs[template]
    assert pdf.exists(), f"LibreOffice did not convert {template}"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    low, high = PAGES[template]
    assert low <= pages <= high, f"{template}: {pages} pages"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "ł" in text and "ż" in text
    assert JST_NAME in text and TERC in text
    assert f"Strona 1 z {pages}" in text and f"Strona {pages} z {pages}" in text


def test_the_pdf_carries_the_document_title(pdfs):
    info = subprocess.run(["pdfinfo", str(pdfs["hdr.docx"])], capture_output=True, text=True, check=True).stdout
    assert f"Harmonogram działań rozwojowych — {JST_NAME}" in info
