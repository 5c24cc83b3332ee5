"""A real, small run for the report tests: the nine sample units of forms/ built without PDF
or HTML, next to one unit of each other status the pipeline produces (errors in a form, only
a card, output folder leading out of output/). The report tests read what this run wrote."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from documents_fixtures import TEST_TEMPLATES

from pipeline import layout
from pipeline.build import BuildOptions, build
from pipeline.edition import load_edition

ROOT = Path(__file__).resolve().parent.parent
EDITION = load_edition("2020")
INVALID, INCOMPLETE, FAILED = "zz-bledy", "zz-w-toku", "zz-niepowodzenie"


@dataclass(frozen=True)
class BuiltRun:
    root: Path  # the run's working folder (forms/ and output/ under it)
    report: dict[str, Any]  # output/report.json, parsed

    @property
    def output(self) -> Path:
        return self.root / "output"

    def unit(self, unit_id: str) -> dict[str, Any]:
        return next(u for u in self.report["units"] if u["id"] == unit_id)


def rename_unit(folder: Path, *, terc: str, name: str, unit_type: str) -> None:
    """Give a copied unit its own identity on its card (cells from the one layout declaration)."""
    sheet = layout.FORMS_BY_KEY["card"].sheet("jst")
    card = folder / "1_karta_jst.xlsx"
    book = openpyxl.load_workbook(card)
    for field, value in (("terc", terc), ("name", name), ("unit_type", unit_type)):
        book[sheet.title][sheet.cell_of(field)] = value
    book.save(card)


def build_small_run(root: Path) -> BuiltRun:
    forms = root / "forms"
    shutil.copytree(ROOT / "forms", forms, ignore=shutil.ignore_patterns("puste", "*.md"))
    shutil.copytree(forms / "lubelskie-pulawy", forms / INVALID)
    hdr = forms / INVALID / "3_hdr.xlsx"
    book = openpyxl.load_workbook(hdr)
    book["Działania"]["F5"] = "2019-01-01"  # ends before it starts
    book.save(hdr)
    rename_unit(forms / INVALID, terc="0614052", name="Gmina Wąwolnica", unit_type="gmina wiejska")  # its own code, so it is not a duplicate of Puławy
    (forms / INCOMPLETE).mkdir()
    shutil.copy(forms / "slaskie-pszczyna" / "1_karta_jst.xlsx", forms / INCOMPLETE)
    rename_unit(forms / INCOMPLETE, terc="2410011", name="Gmina Będzin", unit_type="gmina miejska")
    shutil.copytree(forms / "wielkopolskie-swarzedz", forms / FAILED)
    rename_unit(forms / FAILED, terc="3021011", name="Gmina Miasto Luboń", unit_type="gmina miejska")
    (root / "elsewhere").mkdir()
    (root / "output").mkdir()
    (root / "output" / FAILED).symlink_to(root / "elsewhere")  # leads out of output/: the unit fails
    options = BuildOptions(forms_dir=forms, out_dir=root / "output", edition=EDITION,
                           templates_dir=TEST_TEMPLATES, repo_root=root, pdf=False, html=False, jobs=2)
    build(options, echo=lambda _: None)
    report = json.loads((root / "output" / "report.json").read_text(encoding="utf-8"))
    return BuiltRun(root, report)
