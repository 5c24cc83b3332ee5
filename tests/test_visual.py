"""Visual regression of the pipeline's documents, on the tests' own templates (never the shipped ones).

The test templates (tests/data/templates/) are rendered with the example data of the template
check, converted by LibreOffice and rasterised at 60 dpi exactly as `teczka templates preview`
does; every page is compared with the committed reference in tests/data/visual/ with the
preview's tolerance (see tests/data/visual/README.md for the measured noise). After a deliberate
change: UPDATE_VISUAL=1 pytest tests/test_visual.py, then look at the new PNGs before committing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from documents_fixtures import TEST_TEMPLATES

from pipeline.edition import load_edition
from pipeline.preview import CURRENT, PAGE_TOLERANCE, make_preview, page_difference

pytestmark = pytest.mark.slow
REFERENCE = Path(__file__).parent / "data" / "visual"


def test_every_page_of_the_test_templates_looks_as_recorded(tmp_path):
    preview = make_preview(TEST_TEMPLATES, load_edition("2020"), tmp_path)
    pages = {f"{doc.key}/strona-{page.number}.png": page.image for doc in preview.documents for page in doc.pages}
    assert len(pages) >= len(list(TEST_TEMPLATES.glob("*.docx")))
    if os.environ.get("UPDATE_VISUAL"):
        for old in REFERENCE.glob("*/strona-*.png"):
            old.unlink()
        for name, image in pages.items():
            (REFERENCE / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(image, REFERENCE / name)
    recorded = sorted(p.relative_to(REFERENCE).as_posix() for p in REFERENCE.glob("*/strona-*.png"))
    assert sorted(pages) == recorded, "pages added or missing (UPDATE_VISUAL=1 to accept a deliberate change)"
    differing = {name: round(page_difference(image, REFERENCE / name), 6) for name, image in pages.items()
                 if page_difference(image, REFERENCE / name) > PAGE_TOLERANCE}
    assert differing == {}, f"pages differ from tests/data/visual (see {tmp_path / CURRENT})"
