"""The archived PDFs are tagged: PDF/A-2b and PDF/UA-1 declared, a structure tree with headings and
tables with header cells, /MarkInfo /Marked true, /Lang pl-PL, the .docx keywords as phrases, and
the HDR timeline with a text alternative. Read with pikepdf from a real build (slow; CI runs it).

Not checked here (it needs a full PDF/UA validator such as veraPDF or PAC): reading order against
the page, alternative text of every figure, role-map semantics and the Matterhorn checkpoints."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pikepdf
import pytest
from factories import write_unit

from pipeline.build import BuildOptions, build
from pipeline.documents import build_context, document_plan
from pipeline.edition import load_edition
from pipeline.pdfpin import pdf_info
from pipeline.validate import validate_unit

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
EDITION = load_edition("2020")
DOCUMENTS = ("karta_jst", "hdr", "spotkania", "podsumowanie")


@pytest.fixture(scope="module")
def unit(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("tags")
    folder = write_unit(root / "forms" / "gmina", EDITION)
    build(BuildOptions(forms_dir=root / "forms", out_dir=root / "output", edition=EDITION,
                       templates_dir=ROOT / "templates", repo_root=root), echo=lambda _: None)
    report = json.loads((root / "output" / "report.json").read_text(encoding="utf-8"))
    assert report["units"][0]["status"] == "ok", report["units"][0]
    specs = {spec.name.removesuffix(".docx"): spec for spec in document_plan(validate_unit(folder, EDITION).unit, EDITION)}
    return root / "output" / "gmina", specs


def _structure(pdf: pikepdf.Pdf) -> list[tuple[str, pikepdf.Dictionary]]:
    """Structure elements in document order, with their standard type (role map applied)."""
    role_map = pdf.Root.StructTreeRoot.get("/RoleMap", pikepdf.Dictionary())
    found: list[tuple[str, pikepdf.Dictionary]] = []

    def walk(node) -> None:
        if isinstance(node, pikepdf.Array):
            for item in node:
                walk(item)
        elif isinstance(node, pikepdf.Dictionary):
            if "/S" in node:
                kind = str(node.S)
                found.append((str(role_map.get(kind, kind)), node))
            if "/K" in node:
                walk(node.K)

    walk(pdf.Root.StructTreeRoot.K)
    return found


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_pdf_declares_pdfa_2b_and_pdfua_1_and_is_tagged_in_polish(unit, name):
    folder, _ = unit
    with pikepdf.open(folder / f"{name}.pdf") as pdf:
        meta = pdf.open_metadata()
        assert (meta.get("pdfaid:part"), meta.get("pdfaid:conformance")) == ("2", "B")
        assert meta.get("pdfuaid:part") == "1"
        assert pdf.Root.MarkInfo.Marked is True
        assert str(pdf.Root.Lang) == "pl-PL"
        assert pdf.Root.ViewerPreferences.get("/DisplayDocTitle") is True
        kinds = Counter(kind for kind, _ in _structure(pdf))
    assert kinds["/Document"] == 1 and kinds["/H1"] >= 1 and kinds["/P"] > 0


@pytest.mark.parametrize("name", DOCUMENTS)
def test_headings_do_not_skip_a_level_and_tables_have_header_cells(unit, name):
    folder, _ = unit
    with pikepdf.open(folder / f"{name}.pdf") as pdf:
        structure = _structure(pdf)
    levels = [int(kind[2]) for kind, _ in structure if kind in ("/H1", "/H2", "/H3", "/H4", "/H5", "/H6")]
    assert levels and levels[0] == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    tables = [node for kind, node in structure if kind == "/Table"]
    assert tables
    kinds = Counter(kind for kind, _ in structure)
    if name != "podsumowanie":  # the summary has only label/value tables
        assert kinds["/TH"] >= 2, kinds  # header rows of the lists are header cells


@pytest.mark.parametrize("name", DOCUMENTS)
def test_pdf_keywords_are_the_documents_phrases_as_in_the_docx(unit, name):
    folder, specs = unit
    expected = "; ".join(specs[name].keywords)
    assert pdf_info(folder / f"{name}.pdf")["keywords"] == expected
    with pikepdf.open(folder / f"{name}.pdf") as pdf:
        assert pdf.open_metadata().get("pdf:Keywords") == expected
    assert "harmonogram działań rozwojowych" in expected or name != "hdr"


def test_the_hdr_timeline_has_a_text_alternative_in_the_pdf(unit):
    folder, specs = unit
    text = subprocess.run(["pdftotext", str(folder / "hdr.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = " ".join(text.replace("\u00a0", " ").split())
    timeline = flat[flat.index("4. Harmonogram w czasie"):]
    assert "Zacieniowane pola oznaczają miesiące" in timeline
    unit_model = validate_unit(folder.parents[1] / "forms" / "gmina", EDITION).unit
    rows = build_context(specs["hdr"], unit_model, EDITION)["timeline"]["rows"]
    assert rows
    for row in rows:
        assert " ".join(row["term"].split()) in timeline, row["term"]
