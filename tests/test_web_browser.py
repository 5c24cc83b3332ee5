"""Teczka online in a real browser: Debian's Chromium through Playwright against `teczka serve`
on a loopback port, with LibreOffice making the PDF/A. Every page is checked with axe-core."""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect, sync_playwright
from web_support import (
    PASSWORD,
    THREE_MISTAKES,
    UNIT_A,
    hdr_with_three_mistakes,
    make_forms,
    start_server,
    teczka,
)

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
SHOTS = Path(os.environ.get("TECZKA_SCREENSHOTS", "/tmp/teczka-web-screenshots"))
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


def check_accessibility(page, name: str, checked: list[str]) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"
    checked.append(name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def watch_console(page, problems: list[str]) -> None:
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))


def test_a_team_uploads_reads_its_errors_fixes_them_and_opens_its_hdr_while_the_coordinator_watches(tmp_path):
    forms = make_forms(tmp_path)
    valid = (forms / UNIT_A / "3_hdr.xlsx").read_bytes()
    broken = hdr_with_three_mistakes(valid)
    (forms / UNIT_A / "3_hdr.xlsx").write_bytes(broken)  # the unit starts with errors
    teczka("users", "add", "koordynator", "--out", "output", "--password-stdin", cwd=tmp_path, stdin=PASSWORD + "\n")
    server = start_server(tmp_path)
    link = teczka("links", "create", UNIT_A, "--forms", "forms", "--out", "output", "--base-url", server.url,
                  cwd=tmp_path).split("\t")[1].strip()
    token = link.rsplit("/", 1)[1]
    checked: list[str] = []
    console: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            coordinator = browser.new_context(viewport=DESKTOP).new_page()
            watch_console(coordinator, console)
            coordinator.goto(server.url + "/logowanie")
            check_accessibility(coordinator, "logowanie", checked)
            coordinator.fill("#nazwa", "koordynator")
            coordinator.fill("#haslo", PASSWORD)
            coordinator.click("text=Zaloguj")
            coordinator.wait_for_url(server.url + "/k")
            row = coordinator.locator("tr", has_text="Gmina Żółkiewka")
            expect(row.locator(".badge")).to_have_text("błędy w formularzach")
            check_accessibility(coordinator, "koordynator-stan", checked)

            team = browser.new_context(viewport=DESKTOP, accept_downloads=True).new_page()
            watch_console(team, console)
            team.goto(link)
            expect(team.locator("h1")).to_have_text("Gmina Żółkiewka")
            check_accessibility(team, "zespol-strona", checked)
            # 1. the workbook with three mistakes, through the plain form
            team.set_input_files("#pliki", files=[{"name": "hdr z błędami.xlsx", "buffer": broken,
                                                   "mimeType": "application/octet-stream"}])
            team.click("text=Wyślij i sprawdź")
            result = team.locator(".outcome")
            expect(result.locator("h3")).to_have_text("hdr z błędami.xlsx — z błędami")
            rows = result.locator("tr.err")
            expect(rows).to_have_count(3)
            messages = [rows.nth(i).locator("td.message").inner_text() for i in range(3)]
            for expected, shown in zip(THREE_MISTAKES, messages, strict=True):
                field_and_message = expected.split("): ", 1)[1]
                assert field_and_message in shown.replace("\n", " ")
            check_accessibility(team, "zespol-bledy", checked)
            team.set_viewport_size(PHONE)
            check_accessibility(team, "zespol-bledy-telefon", checked)
            team.set_viewport_size(DESKTOP)
            # 2. the marked copy
            with team.expect_download() as download:
                team.click("text=Pobierz kopię z zaznaczonymi błędami (uwagi)")
            assert download.value.suggested_filename == "3_hdr_uwagi.xlsx"
            marked = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
            assert marked.sheetnames[0] == "Uwagi do poprawy"
            assert "Pole obowiązkowe" in marked["HDR"]["B8"].comment.text
            # 3. the corrected workbook, dropped onto the form (the drag-and-drop script)
            team.evaluate("""([name, data]) => {
                const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
                const transfer = new DataTransfer();
                transfer.items.add(new File([bytes], name));
                const form = document.querySelector('form[data-dropzone]');
                form.dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));
            }""", ["hdr poprawiony.xlsx", base64.b64encode(valid).decode()])
            expect(team.locator(".outcome h3")).to_have_text("hdr poprawiony.xlsx — poprawny")
            expect(team.locator("text=Formularz przyjęty")).to_be_visible()
            # the .docx at once; the PDF/A appears on the page without a reload
            docs = team.locator("#dokumenty")
            expect(docs.locator("a", has_text="DOCX").first).to_be_visible()
            hdr_pdf = docs.locator("li", has_text="Harmonogram działań rozwojowych").locator("a", has_text="PDF/A")
            expect(hdr_pdf).to_be_visible(timeout=120_000)
            check_accessibility(team, "zespol-poprawny", checked)
            team.set_viewport_size(PHONE)
            check_accessibility(team, "zespol-poprawny-telefon", checked)
            href = hdr_pdf.get_attribute("href")
            response = team.request.get(server.url + href)
            assert response.status == 200 and response.headers["content-type"] == "application/pdf"
            assert response.body().startswith(b"%PDF")
            hdr_item = docs.locator("li", has_text="Harmonogram działań rozwojowych")  # named by its heading
            hdr_docx = hdr_item.locator("a", has_text="DOCX").get_attribute("href")
            assert team.request.get(server.url + hdr_docx).body()[:2] == b"PK"
            # 4. the coordinator's page turned valid by itself (live refresh, no reload)
            expect(row.locator(".badge")).to_have_text("kompletna", timeout=30_000)
            check_accessibility(coordinator, "koordynator-stan-po", checked)
            coordinator.set_viewport_size(PHONE)
            check_accessibility(coordinator, "koordynator-stan-telefon", checked)
            coordinator.set_viewport_size(DESKTOP)
            for path, name in ((f"/k/jst/{UNIT_A}", "koordynator-jednostka"), ("/k/odnosniki", "koordynator-odnosniki"),
                               ("/", "strona-glowna"), (f"/j/{token}x", "nie-znaleziono")):
                coordinator.goto(server.url + path)
                check_accessibility(coordinator, name, checked)
            browser.close()
    finally:
        server.stop()
    assert not [line for line in console if "Content Security Policy" in line or "Refused" in line], console
    log = server.log.read_text(encoding="utf-8")
    assert token not in log and "@" not in log and "/j/[odnośnik]" in log
    assert len(checked) == 13
