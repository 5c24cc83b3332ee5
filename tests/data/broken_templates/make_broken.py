"""Regenerate the deliberately broken templates from the test templates in tests/data/templates/ (dev script).

    .venv/bin/python tests/data/broken_templates/make_broken.py

karta_jst.docx   misspelt variables: {{ jst_nazwa }} and {{ jst.nazwa }}
hdr.docx         a tag split across two runs with different formatting
spotkania.docx   an unclosed tag: {{ m.recorded_by }  (one closing brace; docxtpl would swallow the paragraph)
podsumowanie_dobra_praktyka.docx   a tag Jinja cannot parse: {{ summary..title }}
"""

from __future__ import annotations

import sys
from datetime import datetime
from io import BytesIO
from pathlib import Path

from docx import Document

from pipeline.files import normalize_docx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # tests/: the shared document helpers

from documents_fixtures import all_paragraphs  # noqa: E402

TEMPLATES = HERE.parent / "templates"


def _replace_first(document, old: str, new: str) -> None:
    for paragraph in all_paragraphs(document):
        for run in paragraph.runs:
            if old in run.text:
                run.text = run.text.replace(old, new, 1)
                return
    raise LookupError(old)


def _save(document, name: str) -> None:
    buffer = BytesIO()
    document.save(buffer)
    (HERE / name).write_bytes(normalize_docx(buffer.getvalue(), modified=datetime(2020, 7, 1)))


def main() -> None:
    card = Document(TEMPLATES / "karta_jst.docx")
    _replace_first(card, "{{ jst.name }}", "{{ jst.nazwa }}")  # the subtitle
    _replace_first(card, "{{ jst.name }}", "{{ jst_nazwa }}")  # the metadata table
    _save(card, "karta_jst.docx")

    hdr = Document(TEMPLATES / "hdr.docx")
    for paragraph in hdr.paragraphs:
        if paragraph.text.startswith("Harmonogram przyjęto dnia"):
            run = paragraph.runs[0]
            run.text = "Harmonogram przyjęto dnia {{ hdr.ado"
            paragraph.add_run("pted_on }}").bold = True
            break
    _save(hdr, "hdr.docx")

    meetings = Document(TEMPLATES / "spotkania.docx")
    _replace_first(meetings, "{{ m.recorded_by }}", "{{ m.recorded_by }")
    _save(meetings, "spotkania.docx")

    practice = Document(TEMPLATES / "podsumowanie_dobra_praktyka.docx")
    _replace_first(practice, "{{ summary.title }}", "{{ summary..title }}")
    _save(practice, "podsumowanie_dobra_praktyka.docx")


if __name__ == "__main__":
    main()
