"""Write the blank forms and forms filled from JSON sample data (files touched here only)."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline import layout, writer
from pipeline.edition import Edition
from pipeline.errors import UsageError


def write_blank_forms(out_dir: Path, edition: Edition) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for form in layout.FORMS:
        path = out_dir / form.file_name
        path.write_bytes(writer.build_workbook(form, edition))
        written.append(path)
    return written


def write_unit_forms(raw: dict, out_dir: Path, edition: Edition) -> list[Path]:
    """Fill the forms of one unit from a JSON-like dict ({"card": {...}, "hdr": {...}, ...})."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for form in layout.FORMS:
        if form.key not in raw:
            continue
        model = form.model.model_validate(raw[form.key], context={"edition": edition})
        path = out_dir / form.file_name
        path.write_bytes(writer.build_workbook(form, edition, model.model_dump()))
        written.append(path)
    return written


def write_sample_forms(source_dir: Path, forms_dir: Path, edition: Edition) -> list[Path]:
    """Regenerate forms/<unit>/ from the JSON sample units."""
    sources = sorted(source_dir.glob("*.json"))
    if not sources:
        raise UsageError(f"Brak danych przykładowych w {source_dir}.")
    written = []
    for source in sources:
        raw = json.loads(source.read_text(encoding="utf-8"))
        written += write_unit_forms(raw, forms_dir / raw["id"], edition)
    return written
