"""The summary as HTML for publication: pandoc from the rendered document, no contact data.

Publication leaves out personal contact data: the contact person's e-mail and phone in the
good-practice summary are replaced before rendering, and any e-mail address or phone number
left in the text (typed into a free-text field) is masked in the HTML as a second line of defence.
"""

from __future__ import annotations

import html
import tempfile
from pathlib import Path
from typing import Any

import pypandoc

from pipeline import models
from pipeline.contact import replace_contacts
from pipeline.documents import build_context, document_plan
from pipeline.edition import Edition
from pipeline.render import render_document

OMITTED = "(pominięto w publikacji)"
_STYLE = """
body { font-family: "Liberation Sans", Arial, sans-serif; max-width: 46em; margin: 2em auto; padding: 0 1em;
       line-height: 1.5; color: #1a1a1a; }
h1, h2, h3 { color: #1f4e79; line-height: 1.25; }
table { border-collapse: collapse; margin: 1em 0; }
td, th { border: 1px solid #bbb; padding: .3em .6em; vertical-align: top; text-align: left; }
.omitted { color: #666; font-style: italic; }
"""


def publication_unit(unit: models.Unit) -> models.Unit:
    """The unit with contact data replaced, for anything that is published."""
    summary = unit.summary
    if summary is None or summary.good_practice is None:
        return unit
    practice = summary.good_practice.model_copy(update={"contact_email": OMITTED, "contact_phone": None})
    return unit.model_copy(update={"summary": summary.model_copy(update={"good_practice": practice})})


def mask_contact_data(text: str) -> str:
    """``text`` with every e-mail address and phone number replaced by ``OMITTED``."""
    return replace_contacts(text, lambda _: OMITTED)


def summary_html(unit: models.Unit, edition: Edition, templates: Any) -> str | None:
    """Standalone HTML (lang="pl") of the unit's summary, or None when it has none."""
    public = publication_unit(unit)
    specs = [spec for spec in document_plan(public, edition) if spec.document.summary_code]
    if not specs:
        return None
    spec = specs[0]
    data = render_document(templates, spec, build_context(spec, public, edition))
    with tempfile.TemporaryDirectory(prefix="teczka-html-") as tmp:
        source = Path(tmp) / "podsumowanie.docx"
        source.write_bytes(data)
        body = pypandoc.convert_file(str(source), "html5", format="docx", extra_args=["--wrap=none"])
    body = mask_contact_data(body)
    title = html.escape(spec.title)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="pl">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<header><p>{html.escape(edition.project_title)}<br>{html.escape(edition.organiser)}</p></header>\n"
        f"<main>\n{body}\n</main>\n"
        f'<footer><p class="omitted">Dane kontaktowe (adresy e-mail, numery telefonów) pominięto w publikacji.</p>'
        f"<p>{html.escape(edition.cofinancing)}</p></footer>\n</body>\n</html>\n"
    )
