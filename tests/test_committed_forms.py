"""The forms shipped in forms/ are exactly what the code writes today (no drift after a layout change)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline import layout, writer
from pipeline.edition import load_edition

ROOT = Path(__file__).parent.parent
EDITION = load_edition("2020")
SAMPLES = sorted((ROOT / "tests" / "data" / "sample_units").glob("*.json"))


@pytest.mark.parametrize("form", layout.FORMS, ids=lambda f: f.key)
def test_blank_forms_in_the_repository_are_current(form: layout.FormLayout) -> None:
    assert (ROOT / "forms" / "puste" / form.file_name).read_bytes() == writer.build_workbook(form, EDITION), \
        "run `make forms` and commit forms/puste/"


@pytest.mark.parametrize("source", SAMPLES, ids=lambda p: p.stem)
def test_sample_unit_forms_in_the_repository_are_current(source: Path) -> None:
    raw = json.loads(source.read_text(encoding="utf-8"))
    for form in layout.FORMS:
        if form.key in raw:
            model = form.model.model_validate(raw[form.key], context={"edition": EDITION})
            committed = (ROOT / "forms" / raw["id"] / form.file_name).read_bytes()
            assert committed == writer.build_workbook(form, EDITION, model.model_dump()), \
                f"run `make samples` and commit forms/{raw['id']}/"
