"""Benchmark: the folder listings Teczka online makes on every request, against the naive way.

Every request finds the units (``validate.discover_units``, to check a link's unit) and every open
team page asks for its documents every 1.5 s (``Teczka._built_files``). The naive way lists with
``Path.iterdir`` and asks ``is_dir()`` / ``is_file()`` and ``is_symlink()`` of each entry (a stat
each); the library uses ``os.scandir``, whose entries know their type. Both must give the same
answer (checked). 20 unit folders beside ``puste`` and a hidden one; 12 files in a unit's output.

    .venv/bin/python bench/listing.py
"""

from __future__ import annotations

import platform
import sys
import tempfile
import timeit
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.files import folder_entries  # noqa: E402
from pipeline.validate import BLANK_FORMS_DIR, discover_units  # noqa: E402
from pipeline.web.service import DOCUMENT_SUFFIXES, _is_document  # noqa: E402


def naive_units(forms_dir: Path) -> list[Path]:
    return sorted(p for p in forms_dir.iterdir()
                  if p.is_dir() and p.name != BLANK_FORMS_DIR and not p.name.startswith((".", "_")))


def naive_documents(folder: Path) -> dict[str, Path]:
    return {p.name: p for p in folder.iterdir()
            if p.is_file() and not p.is_symlink() and p.suffix in DOCUMENT_SUFFIXES}


def library_documents(folder: Path) -> dict[str, Path]:
    return {path.name: path for path in folder_entries(folder, _is_document)}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        forms = Path(tmp) / "forms"
        for name in [f"gmina-{n:02d}" for n in range(20)] + [BLANK_FORMS_DIR, ".tmp"]:
            (forms / name).mkdir(parents=True)
        (forms / "notatka.txt").write_text("x")
        out = Path(tmp) / "output" / "gmina-00"
        out.mkdir(parents=True)
        for stem in ("hdr", "spotkania", "karta_jst", "podsumowanie"):
            for suffix in (".docx", ".pdf"):
                (out / f"{stem}{suffix}").write_bytes(b"x")
        for name in ("podsumowanie.html", "report.json", "spis.txt", ".hdr.pdf.part"):
            (out / name).write_bytes(b"x")
        assert naive_units(forms) == discover_units(forms)
        assert naive_documents(out) == library_documents(out)
        lines = []
        for label, naive, ours, arg in (("units (22 entries)", naive_units, discover_units, forms),
                                        ("documents (12 files)", naive_documents, library_documents, out)):
            best = {}
            for name, function in (("naive", naive), ("scandir", ours)):
                number = 2000
                best[name] = min(timeit.repeat(lambda f=function, a=arg: f(a), number=number, repeat=5)) / number
            lines.append(f"- {label}: naive {best['naive'] * 1e6:.1f} µs, scandir {best['scandir'] * 1e6:.1f} µs "
                         f"({best['naive'] / best['scandir']:.1f}× faster)")
    text = (f"\n## {date.today()} — folder listings of Teczka online (bench/listing.py), "
            f"Python {platform.python_version()}\n\n" + "\n".join(lines) + "\n")
    print(text)
    with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as results:
        results.write(text)


if __name__ == "__main__":
    main()
