"""The static status page output/index.html."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from built_run import BuiltRun

from pipeline.polish import format_decimal
from pipeline.report import build_status_page
from pipeline.report.status_page import href

HOSTILE_NAME = '<script>alert(1)</script> & "quotes"'


class Collector(HTMLParser):
    """Tags, links and text of a page, parsed as a browser would."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
        if "id" in attrs:
            self.ids.append(attrs["id"])

    def handle_data(self, data):
        self.text.append(data)


def parse(page: str) -> Collector:
    collector = Collector()
    collector.feed(page)
    return collector


@pytest.fixture
def report(built_run: BuiltRun) -> dict:
    """report.json of a real small run (tests/built_run.py), a copy each test may change."""
    return copy.deepcopy(built_run.report)


def test_page_basics(built_run: BuiltRun):
    page = (built_run.output / "index.html").read_text(encoding="utf-8")
    assert page == build_status_page(built_run.report)  # the page is made from report.json alone
    assert page.startswith('<!DOCTYPE html>\n<html lang="pl">')
    assert '<meta charset="utf-8">' in page
    parsed = parse(page)
    assert "script" not in parsed.tags
    assert "link" not in parsed.tags and "img" not in parsed.tags  # self-contained
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "Teczka JST — stan jednostek" in page
    assert "1 lipca 2020 r. – 28 lutego 2021 r." in page
    assert len(parsed.ids) == len(set(parsed.ids))


def test_every_unit_listed_with_status_and_stage(report):
    parsed = parse(build_status_page(report))
    text = " ".join(parsed.text)
    for unit in report["units"]:
        assert unit["name"] in text
        assert unit["teryt"] in text
        assert f"#jst-{unit['id']}" in parsed.links
    for label in ("kompletna", "w toku", "błędy w formularzach", "błąd generowania"):
        assert label in text  # status as words, not only colour
    assert "Ukończone etapy cyklu: 3 z 5" in "".join(parsed.text)  # slaskie-pszczyna
    assert "Niedozwolona ścieżka: „zz-niepowodzenie” wychodzi poza katalog" in text


def test_summary_counts(report):
    text = " ".join(parse(build_status_page(report)).text)
    assert re.search(r"12\s+jednostek w raporcie", text)
    assert re.search(r"7\s+✓ kompletne", text)
    assert re.search(r"3\s+◔ w toku", text)
    assert re.search(r"1\s+✗ z błędami w formularzach", text)
    assert re.search(r"1\s+⚠ z błędem generowania", text)


def test_hostile_data_is_escaped(report):
    report["units"][0]["name"] = HOSTILE_NAME
    report["units"][1]["errors"] = [{"file": "forms/a<b>/x.xlsx", "sheet": "<i>", "cell": "A1", "field": "<b>",
                                     "message": "<img src=x onerror=alert(2)>", "value": "</td>"}]  # fmt: skip
    report["units"][1]["documents"] = ['output/x"onmouseover="alert(3)/a.pdf']
    page = build_status_page(report)
    assert "<script>" not in page and "<img" not in page and "<i>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;" in page
    assert 'onmouseover="alert' not in page
    parsed = parse(page)
    assert "script" not in parsed.tags
    assert HOSTILE_NAME in "".join(parsed.text)


def test_every_link_leads_to_a_file_the_run_wrote(built_run: BuiltRun):
    parsed = parse((built_run.output / "index.html").read_text(encoding="utf-8"))
    files = [link for link in parsed.links if not link.startswith("#")]
    assert "lubelskie-pulawy/hdr.docx" in files
    assert "paczki/0614011_gmina-miasto-pulawy.zip" in files
    assert "zz-bledy/uwagi/3_hdr_uwagi.xlsx" in files
    for link in files:
        assert (built_run.output / unquote(link)).resolve().is_file(), link
    assert (
        href("output/lubelskie-żółkiewka/plan działań.pdf")
        == "lubelskie-%C5%BC%C3%B3%C5%82kiewka/plan%20dzia%C5%82a%C5%84.pdf"
    )
    assert href("forms/a/1_karta.xlsx") == "../forms/a/1_karta.xlsx"


def test_svg_charts_are_labelled(report):
    page = build_status_page(report)
    assert page.count('<svg class="bars"') == 4
    assert page.count('<svg class="strip"') == 12
    for caption in ("Wybrane obszary wsparcia", "Jednostki według ostatniego ukończonego etapu cyklu",
                    "Spotkania doradcze: w siedzibie JST i on-line", "Wybrana forma podsumowania"):  # fmt: skip
        assert f"<figcaption>{caption}</figcaption>" in page
    assert "8. System wspomagania szkół i placówek" in page  # an area nobody chose
    meetings = [u["meetings"] for u in report["units"]]
    total = sum(m["on_site"] + m["online"] for m in meetings)
    hours = sum(m["hours_on_site"] + m["hours_online"] for m in meetings)
    assert total == 72 and f"Razem: 72 spotkania, {format_decimal(hours)} h." in page
    assert f"<title>Etap 3: {report['stages'][2]} — ukończony</title>" in page
    assert 'aria-label="Ukończone etapy cyklu: 5 z 5"' in page


def test_page_is_the_same_from_another_process(built_run: BuiltRun):
    code = ("import json, sys; from pipeline.report import build_status_page;"
            "sys.stdout.buffer.write(build_status_page(json.load(open(sys.argv[1], encoding='utf-8'))).encode())")
    other = subprocess.run([sys.executable, "-c", code, str(built_run.output / "report.json")],
                           capture_output=True, check=True).stdout
    assert other == (built_run.output / "index.html").read_bytes()


def test_empty_report():
    page = build_status_page({"edition": {}, "stages": [], "units": []})
    assert "Brak jednostek w raporcie." in page


CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("Chromium is not installed: apt-get install -y --no-install-recommends chromium")


@pytest.mark.slow
def test_page_renders_in_chromium(tmp_path: Path, report):
    browser = chromium()
    report["units"] = report["units"][:3]
    report["units"][1]["name"] = HOSTILE_NAME
    page = tmp_path / "output" / "index.html"
    page.parent.mkdir()
    page.write_text(build_status_page(report), encoding="utf-8")
    url = page.as_uri()
    png = tmp_path / "page.png"
    common = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    subprocess.run(
        [*common, f"--screenshot={png}", "--window-size=1280,2000", url],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert png.is_file(), "Chromium wrote no screenshot"
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    dom = subprocess.run(
        [*common, "--dump-dom", url], capture_output=True, timeout=120, check=True, text=True
    ).stdout
    for unit in report["units"]:
        name = unit["name"].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert name in dom, unit["name"]
    assert "<script>alert(1)" not in dom
