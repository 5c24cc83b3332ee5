"""Benchmark: finding phone numbers with the ``phonenumbers`` library against pipeline/contact.py.

The corpus is the text the build scans for publication — every string of the sample units
(tests/data/sample_units/*.json) — with each phone form the detector must catch typed into it.
Prints, and appends to bench/RESULTS.md, the time per unit of each detector, the ratio and the
forms each finds. ``phonenumbers`` is not a dependency of the pipeline; install it to run this:

    .venv/bin/pip install phonenumbers && .venv/bin/python bench/contact.py
"""

from __future__ import annotations

import json
import platform
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import phonenumbers

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.contact import PHONE  # noqa: E402

FORMS = ["601 234 567", "601-234-567", "601.234.567", "+48 601 234 567", "+48601234567", "0048 601 234 567",
         "(81) 458 60 21", "81 458-60-21", "tel. 814586021", "81 458 60 21 wew. 21"]
ROUNDS = 20


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def corpus() -> list[list[str]]:
    """The texts of each sample unit, one list per unit, the listed phone forms added."""
    units = [strings(json.loads(p.read_text(encoding="utf-8")))
             for p in sorted((ROOT / "tests/data/sample_units").glob("*.json"))]
    units[0] = units[0] + [f"Kontakt: {form}, w godzinach pracy." for form in FORMS]
    return units


def with_library(text: str) -> list[str]:
    return [m.raw_string for m in phonenumbers.PhoneNumberMatcher(text, "PL")]


def with_pattern(text: str) -> list[str]:
    return [m[0] for m in PHONE.finditer(text)]


def per_unit(find: Any, units: list[list[str]]) -> float:
    started = time.perf_counter()
    for _ in range(ROUNDS):
        for unit in units:
            for text in unit:
                find(text)
    return (time.perf_counter() - started) / (ROUNDS * len(units))


def main() -> None:
    units = corpus()
    found = {name: [form for form in FORMS if find(f"Kontakt: {form}, w godzinach pracy.")]
             for name, find in (("phonenumbers", with_library), ("pattern", with_pattern))}
    library, pattern = per_unit(with_library, units), per_unit(with_pattern, units)
    chars = sum(len(t) for unit in units for t in unit) // len(units)
    lines = [
        f"## {date.today().isoformat()} — contact-data detector, Python {platform.python_version()}",
        "",
        f"Phone numbers in every string of the {len(units)} sample units (≈ {chars} characters of text per unit), "
        f"{ROUNDS} rounds.",
        "",
        "| detector | per unit | listed forms found |",
        "| --- | --- | --- |",
        f"| phonenumbers {phonenumbers.__version__} (PhoneNumberMatcher, region PL) | {library * 1000:.2f} ms | "
        f"{len(found['phonenumbers'])}/{len(FORMS)} |",
        f"| pattern (pipeline/contact.py) | {pattern * 1000:.3f} ms | {len(found['pattern'])}/{len(FORMS)} |",
        "",
        f"- ratio: the pattern is {library / pattern:.0f}× faster",
        f"- phonenumbers misses: {', '.join(f for f in FORMS if f not in found['phonenumbers']) or 'none'}",
        f"- the pattern misses: {', '.join(f for f in FORMS if f not in found['pattern']) or 'none'}",
        "",
    ]
    print("\n".join(lines))
    with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as results:
        results.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
