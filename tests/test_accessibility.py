"""axe-core in headless Chromium on every publication page of the sample units and on the status
page: no violation at WCAG 2.1 A and AA nor at axe's best-practice rules (slow; CI runs it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

from pipeline.build import BuildOptions, build
from pipeline.edition import load_edition

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
         "resultTypes": ["violations"]}
WIDTHS = (1280, 360)  # a desktop window and a phone


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        if found := shutil.which(name):
            return found
    pytest.fail("Chromium is not installed: apt-get install -y --no-install-recommends chromium")


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The nine sample units built without PDFs (the pages do not depend on them)."""
    root = tmp_path_factory.mktemp("a11y")
    options = BuildOptions(forms_dir=ROOT / "forms", out_dir=root / "output", edition=load_edition("2020"),
                           templates_dir=ROOT / "templates", repo_root=ROOT, pdf=False)
    build(options, echo=lambda _: None)
    return root / "output"


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        yield browser
        browser.close()


def _pages(output: Path) -> list[Path]:
    return sorted(output.glob("*/podsumowanie.html")) + [output / "index.html"]


def test_the_sample_units_publish_seven_pages(output):
    assert len(_pages(output)) == 8  # seven summaries and the status page


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_finds_no_violation_on_any_publication_page_or_the_status_page(output, browser, width):
    axe = Axe()
    found = {}
    for path in _pages(output):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(path.as_uri())
        results = axe.run(page, options=RULES)
        page.close()
        if results.violations_count:
            found[path.relative_to(output).as_posix()] = results.generate_report()
    assert not found, "\n\n".join(f"{name}:\n{report}" for name, report in found.items())
