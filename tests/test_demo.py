"""Synthetic units: valid, deterministic for a seed, unique TERC codes."""

from __future__ import annotations

from pathlib import Path

from pipeline.demo import synthetic_unit, write_demo
from pipeline.edition import load_edition
from pipeline.validate import discover_units, validate_unit

EDITION = load_edition("2022")


def test_synthetic_units_are_valid_and_cover_all_summary_forms(tmp_path: Path) -> None:
    write_demo(6, 7, tmp_path, EDITION, jobs=1)
    results = [validate_unit(folder, EDITION) for folder in discover_units(tmp_path)]
    assert [(r.status, r.stage) for r in results] == [("ok", 5)] * 6
    assert {r.unit.summary.info.form for r in results} == set(EDITION.choices("summary_forms"))


def test_the_same_seed_gives_the_same_forms_byte_for_byte(tmp_path: Path) -> None:
    write_demo(2, 7, tmp_path / "a", EDITION, jobs=1)
    write_demo(2, 7, tmp_path / "b", EDITION, jobs=1)
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.xlsx"))
    assert files_a and all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files_a)


def test_a_national_roll_out_has_unique_codes_in_all_voivodeships() -> None:
    units = [synthetic_unit(i, 1, EDITION)["card"]["jst"] for i in range(1, 2808)]
    assert len({u["terc"] for u in units}) == 2807
    assert {u["terc"][:2] for u in units} == set(EDITION.voivodeships)
