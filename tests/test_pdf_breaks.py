"""Pages and lines break where a reader expects it, on real PDFs (LibreOffice; slow, CI runs it).

Tables:

A table that flows onto another page leaves at least three of its rows on the page it ends on
(never one or two rows alone at the top of a page) and at least two on the page it starts on; a
row never splits. The rule lives in the renderer (``ooxml.hold_table_rows``), so it holds for
any template and any data: proved on the sample units' HDRs (long action tables, built from the
shipped templates) and on synthetic units whose action list grows row by row, so the page break
falls after a different row each time. The same synthetic units rendered without the rule show
that the check can fail.

Rows are read from the tagged PDF's structure tree: each table's TR elements and the pages their
marked content is on (the repeated header row on later pages is an artifact, not a TR).

Lines: an e-mail address or a phone number with hyphens and dots never breaks inside where it fits
its column (``polish.typography`` gives it non-breaking hyphens and no-break spaces; LibreOffice
would break after a hyphen), and copying it from the PDF gives it back with plain hyphens."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pikepdf
import pytest
from documents_fixtures import TEST_TEMPLATES, full_unit, full_unit_data, unit_from_data

from pipeline import ooxml, polish
from pipeline.convert import ConversionJob, PdfConverter
from pipeline.documents import build_context, document_plan
from pipeline.edition import load_edition
from pipeline.render import render_document, template_set
from pipeline.validate import validate_unit

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
EDITION = load_edition("2020")
SAMPLE_UNITS = sorted(p.name for p in (ROOT / "forms").iterdir() if p.is_dir() and any(p.glob("*hdr*.xlsx")))
ACTION_COUNTS = range(9, 19)  # the actions table of the synthetic HDR fills page 2 at about 11 rows


def table_rows(pdf_path: Path) -> list[list[tuple[int, ...]]]:
    """Per table in the structure tree, per body row (a TR without header cells): its pages."""
    with pikepdf.open(pdf_path) as pdf:
        numbers = {page.objgen: index for index, page in enumerate(pdf.pages, 1)}
        role_map = pdf.Root.StructTreeRoot.get("/RoleMap", pikepdf.Dictionary())

        def kind(node) -> str:
            name = str(node.get("/S", ""))
            return str(role_map.get(name, name))

        def pages(node, page: int | None) -> set[int]:
            if isinstance(node, pikepdf.Array):
                return set().union(*(pages(item, page) for item in node)) if len(node) else set()
            if isinstance(node, pikepdf.Dictionary):
                if "/Pg" in node:
                    page = numbers.get(node.Pg.objgen, page)
                if "/MCID" in node or "/K" not in node:  # a marked-content reference
                    return {page} if page else set()
                return pages(node.K, page)
            return {page} if page else set()  # an MCID on the element's page

        def children(node) -> list:
            kids = node.get("/K")
            return list(kids) if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []

        tables: list[list[tuple[int, ...]]] = []

        def walk(node) -> None:
            if not isinstance(node, pikepdf.Dictionary):
                return
            if kind(node) == "/Table":
                rows = []
                todo = children(node)
                while todo:
                    item = todo.pop(0)
                    if isinstance(item, pikepdf.Dictionary) and kind(item) in ("/THead", "/TBody", "/TFoot"):
                        todo[:0] = children(item)
                    elif isinstance(item, pikepdf.Dictionary) and kind(item) == "/TR":
                        if not any(isinstance(c, pikepdf.Dictionary) and kind(c) == "/TH" for c in children(item)):
                            rows.append(tuple(sorted(pages(item, None))))
                tables.append(rows)
            for child in children(node):
                walk(child)

        walk(pdf.Root.StructTreeRoot)
    return tables


def break_problems(pdf_path: Path) -> list[str]:
    """Every page break that leaves fewer rows than the rule allows, described; [] when none."""
    problems = []
    for number, rows in enumerate(table_rows(pdf_path), 1):
        assert all(len(pages) == 1 for pages in rows), (number, rows)  # no row split across pages
        on_page = [pages[0] for pages in rows]
        counts = {page: on_page.count(page) for page in on_page}
        if len(counts) < 2:
            continue
        first, last = min(counts), max(counts)
        if counts[first] < ooxml.ROWS_BEFORE_BREAK:
            problems.append(f"table {number}: {counts[first]} row(s) on page {first} before the break")
        if counts[last] < ooxml.ROWS_AFTER_BREAK:
            problems.append(f"table {number}: {counts[last]} row(s) alone on page {last}")
    return problems


@pytest.fixture(scope="module")
def converter(tmp_path_factory):
    with PdfConverter(workers=2, profile_root=tmp_path_factory.mktemp("profiles")) as pdf_converter:
        yield pdf_converter


def _pdfs(converter: PdfConverter, folder: Path, units: dict, templates: Path,
              document: str = "hdr.docx") -> dict[str, Path]:
    """Each unit's HDR (or ``document``) rendered with ``templates`` and converted to PDF/A: name -> PDF."""
    jobs = {}
    for name, unit in units.items():
        spec = next(spec for spec in document_plan(unit, EDITION) if spec.name == document)
        source = folder / f"{name}.docx"
        source.write_bytes(render_document(template_set(templates), spec, build_context(spec, unit, EDITION)))
        jobs[name] = ConversionJob(source, folder / f"{name}.pdf")
    results = converter.convert(list(jobs.values()))
    assert all(result.ok for result in results), [result.error for result in results if not result.ok]
    return {name: job.target for name, job in jobs.items()}


@pytest.fixture(scope="module")
def synthetic_units():
    return {f"dzialan-{count}": full_unit(EDITION, actions=count) for count in ACTION_COUNTS}


def test_the_sample_units_hdr_tables_never_leave_one_or_two_rows_alone_on_a_page(converter, tmp_path):
    units = {name: validate_unit(ROOT / "forms" / name, EDITION).unit for name in SAMPLE_UNITS}
    units = {name: unit for name, unit in units.items() if unit.hdr is not None}
    assert {"slaskie-mikolow", "wielkopolskie-powiat-turecki"} <= set(units)
    pdfs = _pdfs(converter, tmp_path, units, ROOT / "templates")
    flowing = [name for name, pdf in pdfs.items() if any(len({p for p, in rows}) > 1 for rows in table_rows(pdf))]
    assert "wielkopolskie-powiat-turecki" in flowing  # its actions table does flow onto a second page
    assert {name: break_problems(pdf) for name, pdf in pdfs.items() if break_problems(pdf)} == {}


def test_a_growing_action_list_never_leaves_one_or_two_rows_alone_wherever_the_page_breaks(
        converter, synthetic_units, tmp_path):
    pdfs = _pdfs(converter, tmp_path, synthetic_units, TEST_TEMPLATES)
    actions_pages = {name: len({p for p, in table_rows(pdf)[1]}) for name, pdf in pdfs.items()}
    assert actions_pages[f"dzialan-{ACTION_COUNTS[0]}"] == 1 and actions_pages[f"dzialan-{ACTION_COUNTS[-1]}"] == 2
    assert {name: break_problems(pdf) for name, pdf in pdfs.items() if break_problems(pdf)} == {}


def test_without_the_rule_the_same_action_lists_do_leave_rows_alone(converter, synthetic_units, tmp_path,
                                                                     monkeypatch):
    """The check above can fail: rendered without ``hold_table_rows``, some lengths leave one or two
    rows alone at the top of a page."""
    monkeypatch.setattr(ooxml, "hold_table_rows", lambda xml: xml)
    pdfs = _pdfs(converter, tmp_path, synthetic_units, TEST_TEMPLATES)
    alone = {name: problems for name, pdf in pdfs.items() if (problems := break_problems(pdf))}
    assert any("alone" in problem for problems in alone.values() for problem in problems), alone


ADDRESS = "k.zajac-lis@szkola-podstawowa-nr-1.gmina-x.pl"
PHONE = "601-234-567"
SWEEP = range(0, 48)  # the line end moves across the address and the number, one letter at a time


def _karta_lines(converter: PdfConverter, folder: Path) -> tuple[list[str], str, Path]:
    """The karta's text lines (pdftotext) for a unit whose diagnosis sources say, row after row,
    "Kontakt <k letters> <address>, tel. <phone>." with k growing: wherever the column's line ends,
    it falls inside the address or the number in some row."""
    data = full_unit_data()
    data["card"]["team"][0]["email"] = ADDRESS
    data["diagnosis"]["sources"] = [{"source": f"Szkoła {k}", "findings": f"Kontakt {'w' * k} {ADDRESS}, tel. {PHONE}."}
                                    for k in SWEEP]
    pdf = _pdfs(converter, folder, {"karta": unit_from_data(data, EDITION)}, TEST_TEMPLATES, "karta_jst.docx")["karta"]
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.splitlines(), text, pdf


def test_an_address_and_a_phone_with_hyphens_lie_on_one_line_wherever_the_line_ends(converter, tmp_path):
    lines, text, pdf = _karta_lines(converter, tmp_path)
    whole = [line for line in lines if ADDRESS in line]
    assert len(whole) == 1 + len(SWEEP)  # the team's contact column and every row of the sweep
    assert sum(line.replace("\u00a0", " ").count(PHONE) for line in lines) == len(SWEEP)
    assert "\u2011" not in text  # copied from the PDF, the hyphens are plain hyphens
    sources = max(table_rows(pdf), key=len)  # the 48 sources: a karta table over two pages
    assert len(sources) == len(SWEEP) and len({pages for pages in sources}) >= 2
    assert break_problems(pdf) == []


def test_without_no_break_hyphens_the_same_rows_break_an_address_after_a_hyphen(converter, tmp_path, monkeypatch):
    """The check above can fail: with plain hyphens LibreOffice ends lines after a hyphen inside the
    address and the number (and pdftotext, like a reader copying the text, joins such lines
    without the hyphen: "k.zajaclis@…", "601234-567")."""
    monkeypatch.setattr(polish, "_unbreakable", lambda contact: contact.text)
    lines, text, _ = _karta_lines(converter, tmp_path)
    assert len([line for line in lines if ADDRESS in line]) < 1 + len(SWEEP)
    assert sum(line.replace("\u00a0", " ").count(PHONE) for line in lines) < len(SWEEP)
    assert any(mangled in text for mangled in ("k.zajaclis@", "szkolapodstawowa", "podstawowanr", "nr1.gmina", "gminax"))
