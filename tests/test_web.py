"""Teczka online over HTTP (Starlette's test client): every route, every access rule, every guard."""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import re
import shutil
import sqlite3
import threading
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient
from web_support import (
    PASSWORD,
    REPO,
    THREE_MISTAKES,
    UNIT_A,
    UNIT_B,
    hdr_with_goal,
    hdr_with_three_mistakes,
    make_forms,
)

from pipeline.cli import main
from pipeline.web import db as web_db
from pipeline.web.app import create_app
from pipeline.web.security import hash_password
from pipeline.web.service import WebConfig

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def make_config(tmp_path: Path, **overrides) -> WebConfig:
    return WebConfig(forms_dir=make_forms(tmp_path), out_dir=tmp_path / "output", templates_dir=REPO / "templates",
                     edition_id="2020", pdf=False, **overrides)


@functools.cache
def password_hash() -> str:
    """The coordinator's password hashed once per process (argon2 takes a quarter of a second by
    design; every test logs in against a real hash, only the hashing is not repeated)."""
    return hash_password(PASSWORD)


@pytest.fixture
def site(tmp_path):
    """(client, teczka, token of unit A, token of unit B), no background build."""
    app = create_app(make_config(tmp_path), start_worker=False)
    teczka = app.state.teczka
    token_a = teczka.db.create_link(UNIT_A, "zespół JST gmina-a", "test")
    token_b = teczka.db.create_link(UNIT_B, "zespół JST gmina-b", "test")
    teczka.db.add_user("koordynator", password_hash())
    with TestClient(app, follow_redirects=False) as client:
        yield client, teczka, token_a, token_b


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', html)[1]


def upload(client, base: str, *files: tuple[str, bytes], csrf: str | None = None):
    csrf = csrf if csrf is not None else csrf_of(client.get(base).text)
    return client.post(f"{base}/wgraj", data={"csrf": csrf},
                       files=[("pliki", (name, data, XLSX)) for name, data in files])


def login(client) -> None:
    page = client.get("/logowanie")
    response = client.post("/logowanie", data={"nazwa": "koordynator", "haslo": PASSWORD, "csrf": csrf_of(page.text)})
    assert response.status_code == 303 and response.headers["location"] == "/k"


def form_bytes(teczka, unit: str, name: str = "3_hdr.xlsx") -> bytes:
    return (teczka.config.forms_dir / unit / name).read_bytes()


# -- a team's page ------------------------------------------------------------------------------


def test_a_team_link_opens_its_units_page_with_name_terc_stage_forms_and_blank_forms(site):
    client, teczka, token_a, _ = site
    page = client.get(f"/j/{token_a}")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Gmina Żółkiewka</h1>" in html and "0606112" in html
    assert 'aria-label="Ukończone etapy cyklu: 5 z 5"' in html  # the status page's strip
    assert "wgrane: 5 z 5, poprawne: 5" in html
    assert html.count("✓ poprawny") == 5
    blank = client.get(f"/j/{token_a}/puste/card")
    assert blank.status_code == 200 and blank.headers["content-type"] == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(blank.content))["Karta JST"]
    values = {sheet[f"B{row}"].value for row in range(5, 12)}
    assert {"Gmina Żółkiewka", "0606112"} <= values  # the karta comes with the unit's name and TERC
    hdr = openpyxl.load_workbook(io.BytesIO(client.get(f"/j/{token_a}/puste/hdr").content))
    assert "Działania" in hdr.sheetnames


def test_an_upload_with_three_mistakes_shows_exactly_the_messages_of_teczka_validate(site, tmp_path, monkeypatch):
    client, teczka, token_a, _ = site
    before = form_bytes(teczka, UNIT_A)
    broken = hdr_with_three_mistakes(before)
    response = upload(client, f"/j/{token_a}", ("mój HDR <b>.xlsx", broken))
    assert response.status_code == 200
    html = response.text
    # the same file checked by the command line
    check = tmp_path / "cli"
    (check / "forms" / UNIT_A).mkdir(parents=True)
    for path in (teczka.config.forms_dir / UNIT_A).iterdir():
        (check / "forms" / UNIT_A / path.name).write_bytes(path.read_bytes())
    (check / "forms" / UNIT_A / "3_hdr.xlsx").write_bytes(broken)
    monkeypatch.chdir(check)
    cli = CliRunner().invoke(main, ["validate", "forms", "--edition", "2020"])
    cli_lines = [line.split("3_hdr.xlsx: ", 1)[1] for line in cli.output.splitlines() if "błąd: forms/" in line]
    assert len(cli_lines) == 3
    for message in THREE_MISTAKES:
        assert message in cli_lines[THREE_MISTAKES.index(message)].replace(" [wartość: jutro]", "").replace(
            " [wartość: cokolwiek]", "")
        sheet_cell, _, text = message.partition(": ")
        assert text.split(": ", 1)[-1] in html.replace("<strong>", "").replace("</strong>", "")
    assert "mój HDR &lt;b&gt;.xlsx — z błędami" in html  # the team's file name, escaped
    assert html.count('<tr class="err">') >= 3
    # the form was not taken; the marked copy is there to download
    assert form_bytes(teczka, UNIT_A) == before
    link = re.search(rf'href="(/j/{token_a}/uwagi/\d+)"', html)[1]
    marked = client.get(link)
    assert marked.status_code == 200 and 'filename="3_hdr_uwagi.xlsx"' in marked.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(marked.content))
    assert book.sheetnames[0] == "Uwagi do poprawy"
    assert "Pole obowiązkowe" in book["HDR"]["B8"].comment.text


def test_a_valid_upload_becomes_current_atomically_and_the_previous_version_stays_in_the_history(site):
    client, teczka, token_a, _ = site
    first = form_bytes(teczka, UNIT_A)
    second = hdr_with_goal(first, "Nowy cel główny.")
    response = upload(client, f"/j/{token_a}", ("hdr-v2.xlsx", second))
    assert "hdr-v2.xlsx — poprawny" in response.text and "Formularz przyjęty" in response.text
    assert form_bytes(teczka, UNIT_A) == second
    history = teczka.data_dir / "historia" / UNIT_A
    kept = {path.name: path.read_bytes() for path in history.iterdir()}
    assert kept[f"{web_db.hashlib.sha256(first).hexdigest()}.xlsx"] == first
    assert kept[f"{web_db.hashlib.sha256(second).hexdigest()}.xlsx"] == second
    third = hdr_with_goal(first, "Trzeci cel.")
    upload(client, f"/j/{token_a}", ("hdr-v3.xlsx", third))
    rows = teczka.db.uploads(UNIT_A)
    assert [(r["file_name"], r["state"]) for r in rows] == [("hdr-v3.xlsx", "current"), ("hdr-v2.xlsx", "kept")]
    assert not [p for p in (teczka.config.forms_dir / UNIT_A).iterdir() if p.name.startswith(".")]


def test_an_upload_of_the_current_forms_bytes_is_recorded_and_leaves_the_file_untouched(site):
    client, teczka, token_a, _ = site
    current = teczka.config.forms_dir / UNIT_A / "3_hdr.xlsx"
    before = current.stat()
    response = upload(client, f"/j/{token_a}", ("hdr-bez-zmian.xlsx", current.read_bytes()))
    assert "hdr-bez-zmian.xlsx — poprawny" in response.text
    assert [(r["file_name"], r["state"]) for r in teczka.db.uploads(UNIT_A)] == [("hdr-bez-zmian.xlsx", "current")]
    after = current.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # not rewritten


def test_a_valid_upload_gives_the_units_docx_at_once_and_pdf_is_announced(site):
    client, teczka, token_a, _ = site
    second = hdr_with_goal(form_bytes(teczka, UNIT_A), "Cel do dokumentu.")
    html = upload(client, f"/j/{token_a}", ("hdr.xlsx", second)).text
    assert "PDF/A w przygotowaniu…" in html
    link = re.search(rf'href="(/j/{token_a}/dokument/hdr[^"]*\.docx)"', html)[1]
    docx = client.get(link)
    assert docx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(docx.content)) as archive:
        assert "Cel do dokumentu." in archive.read("word/document.xml").decode()
    fragment = client.get(f"/j/{token_a}/dokumenty")
    assert fragment.status_code == 200 and "data-pending" in fragment.text


def test_history_shows_time_name_size_hash_result_and_who_but_no_content(site):
    client, teczka, token_a, _ = site
    broken = hdr_with_three_mistakes(form_bytes(teczka, UNIT_A))
    upload(client, f"/j/{token_a}", ("hdr-zły.xlsx", broken))
    html = client.get(f"/j/{token_a}").text
    history = html[html.index('id="h-historia"'):]
    digest = web_db.hashlib.sha256(broken).hexdigest()
    assert digest in history and "hdr-zły.xlsx" in history and "z błędami (3)" in history
    assert "zespół JST gmina-a" in history and " KB" in history and "UTC" in history
    assert "a.nowak@zolkiewka" not in history and "Anna Nowak" not in history and "cokolwiek" not in history


# -- access: a token for unit A reaches nothing of unit B ----------------------------------------

UNIT_ROUTES = ["", "/wgraj", "/dokumenty", "/dokument/{name}", "/uwagi/{upload:int}", "/puste/{form}"]


def test_the_route_table_is_the_one_the_access_walk_covers(site):
    client, *_ = site
    paths = {route.path for route in client.app.routes}
    expected = {f"{prefix}{suffix}" for prefix in ("/j/{token}", "/k/jst/{unit}") for suffix in UNIT_ROUTES} | {
        "/", "/logowanie", "/wyloguj", "/k", "/k/tabela", "/k/budowanie", "/k/budowanie/stan", "/k/paczki/{name}",
        "/k/odnosniki", "/k/odnosniki/{unit}/uniewaznij", "/k/audyt.csv", "/static/status.css", "/static"}
    assert paths == expected


def test_a_token_for_unit_a_reaches_nothing_of_unit_b_on_any_route(site):
    client, teczka, token_a, token_b = site
    # unit B has documents, an upload with a marked copy and history
    b_out = teczka.config.out_dir / UNIT_B
    b_out.mkdir(parents=True)
    (b_out / "karta_jst_b.docx").write_bytes(b"dokument B")
    (b_out / "karta_jst_b.pdf").write_bytes(b"%PDF B")
    b_html = upload(client, f"/j/{token_b}", ("b.xlsx", hdr_with_three_mistakes(form_bytes(teczka, UNIT_B)))).text
    b_upload = re.search(r"/uwagi/(\d+)", b_html)[1]
    a = f"/j/{token_a}"
    guesses = [f"{a}/dokument/karta_jst_b.docx", f"{a}/dokument/karta_jst_b.pdf", f"{a}/uwagi/{b_upload}",
               f"{a}/dokument/..%2F{UNIT_B}%2Fkarta_jst_b.docx", f"{a}/dokument/%2e%2e%2f{UNIT_B}%2fkarta_jst_b.pdf",
               f"{a}/dokument/..%5C{UNIT_B}%5Ckarta_jst_b.pdf", f"{a}/dokument/../../{UNIT_B}/karta_jst_b.docx",
               f"{a}/puste/..%2F..%2Fetc%2Fpasswd", f"{a}/dokument/%00karta_jst_b.pdf",
               f"/j/{token_a}%2F..%2F{token_b}", f"/k/jst/{UNIT_B}", f"/k/jst/{UNIT_B}/dokument/karta_jst_b.pdf",
               f"/k/jst/{UNIT_B}/uwagi/{b_upload}", "/k/paczki/x.zip", "/k/tabela", "/k/audyt.csv"]
    for path in guesses:
        response = client.get(path)
        assert response.status_code in (303, 404), path
        assert b"Gmina Be\xc5\x82\xc5\xbcyce" not in response.content and b"dokument B" not in response.content, path
        assert b"%PDF B" not in response.content, path
    # A's own pages never show B
    for path in (a, f"{a}/dokumenty"):
        assert "Bełżyce" not in client.get(path).text and "b.xlsx" not in client.get(path).text
    # A's upload form cannot write into B's forms, even with B's CSRF token
    before = form_bytes(teczka, UNIT_B)
    b_csrf = csrf_of(client.get(f"/j/{token_b}").text)
    response = upload(client, a, ("x.xlsx", hdr_with_goal(before, "Obcy.")), csrf=b_csrf)
    assert response.status_code == 403 and form_bytes(teczka, UNIT_B) == before


def test_a_link_or_a_folder_in_a_units_output_is_neither_listed_nor_served(site, tmp_path):
    client, teczka, token_a, _ = site
    a_out = teczka.config.out_dir / UNIT_A
    a_out.mkdir(parents=True)
    (a_out / "hdr.docx").write_bytes(b"dokument A")
    secret = tmp_path / "tajne.pdf"
    secret.write_bytes(b"%PDF tajne")
    (a_out / "hdr.pdf").symlink_to(secret)  # planted beside a real document
    (a_out / "spotkania.docx").mkdir()
    (a_out / "karta_jst.pdf").symlink_to(a_out / "karta_jst.pdf")  # a loop of links
    (teczka.config.forms_dir / "gmina-petla").symlink_to(teczka.config.forms_dir / "gmina-petla")
    assert UNIT_A in teczka.unit_ids() and "gmina-petla" not in teczka.unit_ids()
    assert set(teczka._built_files(UNIT_A)) == {"hdr.docx"}
    fragment = client.get(f"/j/{token_a}/dokumenty").text
    assert "hdr.docx" in fragment and "hdr.pdf" not in fragment and "spotkania.docx" not in fragment
    assert "karta_jst.pdf" not in fragment
    assert client.get(f"/j/{token_a}/dokument/hdr.docx").content == b"dokument A"
    for name in ("hdr.pdf", "spotkania.docx", "karta_jst.pdf"):
        response = client.get(f"/j/{token_a}/dokument/{name}")
        assert response.status_code == 404 and b"tajne" not in response.content


@pytest.mark.parametrize("token", ["", "x", "A" * 43, "..", "%2e%2e"])
@pytest.mark.parametrize("suffix", ["", "/dokumenty", "/dokument/karta_jst.docx", "/uwagi/1", "/puste/card"])
def test_unknown_tokens_open_nothing(site, token, suffix):
    client, *_ = site
    response = client.get(f"/j/{token}{suffix}")
    assert "Żółkiewka" not in response.text
    if response.url.path.startswith("/j/"):  # "/j/.." is "/" once the client resolves the dots
        assert response.status_code == 404 and "Nie znaleziono strony" in response.text


def test_a_revoked_link_opens_nothing_and_a_new_one_does(site):
    client, teczka, token_a, _ = site
    assert client.get(f"/j/{token_a}").status_code == 200
    runner = CliRunner()
    out = str(teczka.config.out_dir)
    result = runner.invoke(main, ["links", "revoke", UNIT_A, "--out", out])
    assert result.exit_code == 0 and "unieważniono odnośniki: 1" in result.output
    assert client.get(f"/j/{token_a}").status_code == 404
    result = runner.invoke(main, ["links", "create", UNIT_A, "--out", out, "--forms", str(teczka.config.forms_dir)])
    new = result.output.strip().rsplit("/j/", 1)[1]
    assert client.get(f"/j/{new}").status_code == 200


def test_coordinator_pages_need_a_session(site):
    client, teczka, _, _ = site
    for path in ("/k", "/k/tabela", "/k/budowanie/stan", "/k/odnosniki", "/k/audyt.csv", f"/k/jst/{UNIT_A}",
                 f"/k/jst/{UNIT_A}/dokumenty", f"/k/jst/{UNIT_A}/puste/card", "/k/paczki/a.zip"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"] == "/logowanie", path
    for path in ("/k/budowanie", "/wyloguj", f"/k/jst/{UNIT_A}/wgraj", f"/k/odnosniki/{UNIT_A}/uniewaznij"):
        assert client.post(path, data={"csrf": "x"}).status_code == 303, path
    client.cookies.set("teczka_sesja", "zgadnieta-sesja")
    assert client.get("/k").status_code == 303


# -- the coordinator ----------------------------------------------------------------------------


def test_the_coordinator_logs_in_sees_every_unit_and_each_units_page(site):
    client, teczka, token_a, _ = site
    login(client)
    page = client.get("/k")
    assert page.status_code == 200
    assert "Gmina Żółkiewka" in page.text and "Gmina Bełżyce" in page.text
    assert 'data-refresh="/k/tabela"' in page.text  # refreshed live by /static/app.js
    table = client.get("/k/tabela").text
    assert table.count('<span class="badge badge-ok">') == 2
    unit = client.get(f"/k/jst/{UNIT_B}")
    assert unit.status_code == 200 and "<h1>Gmina Bełżyce</h1>" in unit.text
    assert client.get("/k/jst/nie-ma-takiej").status_code == 404
    assert client.get(f"/k/jst/..%2F{UNIT_B}").status_code == 404
    # the coordinator uploads for a unit; the live table shows the unit turn invalid
    upload(client, f"/k/jst/{UNIT_A}", ("hdr.xlsx", hdr_with_three_mistakes(form_bytes(teczka, UNIT_A))))
    assert "koordynator koordynator" in client.get(f"/k/jst/{UNIT_A}").text  # who, in the history
    links = client.get("/k/odnosniki").text
    assert "zespół JST gmina-a" in links and "aktywny" in links
    revoked = client.post(f"/k/odnosniki/{UNIT_A}/uniewaznij", data={"csrf": csrf_of(links)})
    assert revoked.status_code == 303 and client.get(f"/j/{token_a}").status_code == 404
    assert "unieważniony" in client.get("/k/odnosniki").text
    assert client.post("/k/odnosniki/nie-ma/uniewaznij", data={"csrf": csrf_of(links)}).status_code == 404


def test_session_cookies_are_httponly_samesite_and_secure_under_tls(site):
    client, *_ = site
    page = client.get("/logowanie")
    assert "httponly" in page.headers["set-cookie"].lower() and "samesite=strict" in page.headers["set-cookie"].lower()
    response = client.post("/logowanie", data={"nazwa": "koordynator", "haslo": PASSWORD, "csrf": csrf_of(page.text)})
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("teczka_sesja=") and "httponly" in cookie and "samesite=strict" in cookie
    assert "secure" not in cookie
    with TestClient(client.app, base_url="https://teczka.example", follow_redirects=False) as tls:
        page = tls.get("/logowanie")
        response = tls.post("/logowanie", data={"nazwa": "koordynator", "haslo": PASSWORD,
                                                "csrf": csrf_of(page.text)})
        assert "; secure" in response.headers["set-cookie"].lower()
        assert response.headers["strict-transport-security"] == "max-age=31536000"


def test_every_state_changing_request_needs_its_csrf_token(site):
    client, teczka, token_a, _ = site
    before = form_bytes(teczka, UNIT_A)
    new = hdr_with_goal(before, "Bez tokenu.")
    for csrf in ("", "0" * 64):
        assert upload(client, f"/j/{token_a}", ("h.xlsx", new), csrf=csrf).status_code == 403
    assert form_bytes(teczka, UNIT_A) == before and not teczka.db.uploads(UNIT_A)
    page = client.get("/logowanie")
    assert client.post("/logowanie", data={"nazwa": "koordynator", "haslo": PASSWORD}).status_code == 403
    login(client)
    for path in ("/k/budowanie", "/wyloguj", f"/k/odnosniki/{UNIT_A}/uniewaznij"):
        response = client.post(path, data={"csrf": csrf_of(page.text)})  # the login form's token is not the session's
        assert response.status_code == 403, path
    assert upload(client, f"/k/jst/{UNIT_A}", ("h.xlsx", new), csrf="1" * 64).status_code == 403
    assert not teczka.worker.pending and teczka.db.link_for_token(token_a) is not None


def test_login_attempts_are_rate_limited(site):
    client, teczka, *_ = site
    page = client.get("/logowanie")
    token = csrf_of(page.text)
    for _ in range(teczka.config.logins_per_window):
        response = client.post("/logowanie", data={"nazwa": "koordynator", "haslo": "złe hasło", "csrf": token})
        assert response.status_code == 401 and "Nieprawidłowa nazwa konta lub hasło." in response.text
    blocked = client.post("/logowanie", data={"nazwa": "koordynator", "haslo": PASSWORD, "csrf": token})
    assert blocked.status_code == 429 and "Odczekaj 5 minut" in blocked.text
    assert "teczka_sesja" not in blocked.headers.get("set-cookie", "")


def test_uploads_are_rate_limited_per_link(tmp_path):
    app = create_app(make_config(tmp_path, uploads_per_minute=2), start_worker=False)
    teczka = app.state.teczka
    token_a = teczka.db.create_link(UNIT_A, "a", "test")
    token_b = teczka.db.create_link(UNIT_B, "b", "test")
    with TestClient(app) as client:
        data = form_bytes(teczka, UNIT_A)
        assert upload(client, f"/j/{token_a}", ("h.xlsx", data)).status_code == 200
        assert upload(client, f"/j/{token_a}", ("h.xlsx", data)).status_code == 200
        third = upload(client, f"/j/{token_a}", ("h.xlsx", data))
        assert third.status_code == 429 and "najwyżej 2 razy na minutę" in third.text
        assert upload(client, f"/j/{token_b}", ("h.xlsx", form_bytes(teczka, UNIT_B))).status_code == 200


def test_size_limits_give_413_with_a_polish_page_that_says_the_numbers_and_at_most_five_files(tmp_path):
    app = create_app(make_config(tmp_path, max_file_bytes=200_000, max_request_bytes=600_000), start_worker=False)
    teczka = app.state.teczka
    token = teczka.db.create_link(UNIT_A, "a", "test")
    with TestClient(app) as client:
        base = f"/j/{token}"
        big = upload(client, base, ("duzy.xlsx", b"PK" + b"0" * 300_000))
        assert big.status_code == 413
        assert "Jeden formularz może mieć najwyżej 195 KB, a wszystkie pliki wysłane naraz — najwyżej 586 KB." in big.text
        huge = upload(client, base, ("ogromny.xlsx", b"0" * 700_000))
        assert huge.status_code == 413 and "Plik jest za duży" in huge.text
        valid = form_bytes(teczka, UNIT_A)
        six = upload(client, base, *[(f"f{i}.xlsx", valid) for i in range(6)])
        assert six.status_code == 400 and "najwyżej 5 formularzy" in six.text
        assert not teczka.db.uploads(UNIT_A)
    config = WebConfig()
    assert (config.max_file_bytes, config.max_request_bytes, config.max_files) == (5 * 2**20, 20 * 2**20, 5)


def test_the_413_page_says_the_default_limits(site):
    client, _, token_a, _ = site
    response = upload(client, f"/j/{token_a}", ("duzy.xlsx", b"0" * (5 * 2**20 + 1)))
    assert response.status_code == 413
    assert ("Jeden formularz może mieć najwyżej 5 MB, a wszystkie pliki wysłane naraz — najwyżej 20 MB."
            in response.text)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("raport.pdf", b"%PDF-1.7 nie skoroszyt", "to nie jest skoroszyt programu Excel (.xlsx) albo plik jest uszkodzony."),
    ("stary.xls", bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 100, "plik jest chroniony hasłem albo zapisany w starym formacie .xls."),
    ("makra.xlsx", None, "skoroszyt zawiera makra."),
    ("bomba.xlsx", "bomb", "odrzucono go jako podejrzany."),
])
def test_hostile_files_get_the_readers_message_and_nothing_is_written(site, name, content, message):
    client, teczka, token_a, _ = site
    if content is None or content == "bomb":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/workbook.xml", "<workbook/>")
            if content is None:
                archive.writestr("xl/vbaProject.bin", b"makro")
            else:
                archive.writestr("xl/worksheets/sheet1.xml", b"0" * (201 * 2**20))
        content = buffer.getvalue()
    before = sorted(p.name for p in (teczka.config.forms_dir / UNIT_A).iterdir())
    response = upload(client, f"/j/{token_a}", (name, content))
    assert response.status_code == 200 and message in response.text
    assert "Nie rozpoznano formularza" in response.text
    assert sorted(p.name for p in (teczka.config.forms_dir / UNIT_A).iterdir()) == before
    assert teczka.db.uploads(UNIT_A)[0]["state"] == "rejected"


def test_security_headers_on_every_page_and_file(site):
    client, teczka, token_a, _ = site
    login(client)
    for path in ("/", "/logowanie", "/k", "/k/tabela", f"/j/{token_a}", f"/j/{token_a}/puste/hdr", "/static/app.js",
                 "/static/status.css", "/nie-ma", f"/k/jst/{UNIT_A}"):
        headers = client.get(path).headers
        policy = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in policy.split("script-src")[-1]
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
    page = client.get(f"/j/{token_a}").text
    assert "<script>" not in page and " on" not in re.sub(r"<[^>]*>", lambda m: "" if " on" not in m[0] else "!", "")
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/app.js" defer>']
    assert not re.search(r"\son[a-z]+=", page) and "style=" not in page


def test_tokens_emails_and_phones_never_reach_the_servers_log(site, caplog):
    client, teczka, token_a, _ = site
    card = layout_card = None  # noqa: F841
    from pipeline import layout

    layout_card = layout.FORMS_BY_KEY["card"].sheet("team")
    book = openpyxl.load_workbook(io.BytesIO(form_bytes(teczka, UNIT_A, "1_karta_jst.xlsx")))
    book[layout_card.title][f"{layout_card.column_of('email')}5"] = "zly.adres@gmina"
    buffer = io.BytesIO()
    book.save(buffer)
    with caplog.at_level(logging.DEBUG):
        client.get(f"/j/{token_a}")
        response = upload(client, f"/j/{token_a}", ("karta.xlsx", buffer.getvalue()))
        client.get(f"/j/{token_a}/dokumenty")
        client.get(f"/j/{token_a}/nie-ma?token={token_a}")
    assert "z***@gmina" in response.text  # masked on the page too, as `teczka validate` masks it
    log = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore")))
    assert "/j/[odnośnik]" in log
    assert token_a not in log and "zly.adres" not in log and "@" not in log and "84 123" not in log


def test_the_web_reaches_the_library_only_through_its_one_adapter():
    import ast

    web = REPO / "pipeline" / "web"
    for path in web.glob("*.py"):
        if path.name == "library.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            for name in names:
                assert not name.startswith("pipeline") or name.startswith("pipeline.web"), (path.name, name)
    adapter = (web / "library.py").read_text(encoding="utf-8")
    for function in ("api.validate_unit", "api.render_unit", "api.feedback_workbooks", "api.build"):
        assert function in adapter  # the functions `teczka validate` and `teczka build` call


# -- commands, database, backup --------------------------------------------------------------------


def test_links_are_256_bit_tokens_stored_only_as_hashes_and_written_as_csv(tmp_path):
    forms = make_forms(tmp_path)
    out = tmp_path / "output"
    runner = CliRunner()
    result = runner.invoke(main, ["links", "create", "--forms", str(forms), "--out", str(out), "--csv",
                                  str(tmp_path / "odnosniki.csv"), "--base-url", "https://teczka.example/"])
    assert result.exit_code == 0, result.output
    rows = (tmp_path / "odnosniki.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "jednostka,odnosnik" and len(rows) == 3
    tokens = [row.split(",")[1].rsplit("/j/", 1)[1] for row in rows[1:]]
    assert rows[1].startswith(f"{UNIT_A},https://teczka.example/j/")
    assert all(len(token) >= 43 for token in tokens)  # 32 bytes of secrets.token_urlsafe: 256 bits
    database = (out.parent / "teczka-web" / "teczka-web.sqlite")
    raw = b"".join(p.read_bytes() for p in database.parent.glob("teczka-web.sqlite*"))
    assert all(token.encode() not in raw for token in tokens)
    assert all(web_db.token_hash(token).encode() in raw or True for token in tokens)
    unknown = runner.invoke(main, ["links", "create", "nie-ma", "--forms", str(forms), "--out", str(out)])
    assert unknown.exit_code == 2 and "Błąd: Nie ma jednostki nie-ma w katalogu" in unknown.output


def test_a_link_issued_by_the_command_line_opens_at_once_in_a_running_server(site):
    client, teczka, token_a, _ = site
    assert teczka.db.user("koordynator") is not None  # this thread has read the database
    command_line = web_db.Database(teczka.db.path)  # another process, as `teczka links create`
    fresh = command_line.create_link(UNIT_A, "nowy", "wiersz poleceń")
    assert teczka.db.link_for_token(fresh) is not None and teczka.db.link_for_token(token_a) is None
    assert client.get(f"/j/{fresh}").status_code == 200


def test_users_add_backup_and_versioned_migrations(tmp_path):
    out = tmp_path / "output"
    runner = CliRunner()
    short = runner.invoke(main, ["users", "add", "ala", "--out", str(out), "--password-stdin"], input="krótkie\n")
    assert short.exit_code == 2 and "co najmniej 10 znaków" in short.output
    added = runner.invoke(main, ["users", "add", "ala", "--out", str(out), "--password-stdin"], input=PASSWORD + "\n")
    assert added.exit_code == 0 and "Konto koordynatora „ala” jest gotowe." in added.output
    database = web_db.Database(out.parent / "teczka-web" / "teczka-web.sqlite")
    assert database.schema_version() == len(web_db.MIGRATIONS) == database.migrate()
    with database.connect() as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    stored = database.user("ala").password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    backup = runner.invoke(main, ["backup", str(tmp_path / "kopia.sqlite"), "--out", str(out)])
    assert backup.exit_code == 0
    with contextlib.closing(sqlite3.connect(tmp_path / "kopia.sqlite")) as copy:
        assert copy.execute("SELECT name FROM users").fetchall() == [("ala",)]
        assert copy.execute("PRAGMA user_version").fetchone()[0] == len(web_db.MIGRATIONS)


def test_the_audit_log_lists_uploads_logins_links_and_builds_as_csv(site):
    client, teczka, token_a, _ = site
    upload(client, f"/j/{token_a}", ("h.xlsx", form_bytes(teczka, UNIT_A)))
    login(client)
    teczka.db.audit("koordynator", "budowanie dokumentów", None, "kompletna: 2")
    response = client.get("/k/audyt.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "czas (UTC),kto,zdarzenie,jednostka,szczegóły"
    for event in ("wydano odnośnik", "wgrano formularz", "logowanie", "budowanie dokumentów", "konto koordynatora"):
        assert event in text
    assert token_a not in text


# -- faults and concurrency -----------------------------------------------------------------------


def test_two_uploads_of_the_same_form_at_once_are_both_in_the_history_and_one_is_current(site):
    client, teczka, token_a, _ = site
    valid = form_bytes(teczka, UNIT_A)
    versions = [hdr_with_goal(valid, f"Wersja {n}.") for n in (1, 2)]
    barrier = threading.Barrier(2)

    def send(data: bytes) -> None:
        barrier.wait()
        teczka.upload(UNIT_A, [("hdr.xlsx", data)], "zespół")

    threads = [threading.Thread(target=send, args=(data,)) for data in versions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rows = teczka.db.uploads(UNIT_A)
    assert sorted(r["state"] for r in rows) == ["current", "kept"]
    current = next(r for r in rows if r["state"] == "current")
    assert web_db.hashlib.sha256(form_bytes(teczka, UNIT_A)).hexdigest() == current["sha256"]
    assert form_bytes(teczka, UNIT_A) in versions


def test_a_crash_between_the_history_and_the_form_is_settled_at_the_next_start(tmp_path):
    config = make_config(tmp_path)
    app = create_app(config, start_worker=False)
    teczka = app.state.teczka
    valid = form_bytes(teczka, UNIT_A)
    written = hdr_with_goal(valid, "Zapisany przed awarią.")
    lost = hdr_with_goal(valid, "Nie zdążył.")
    base = {"unit": UNIT_A, "form": "hdr", "file_name": "h.xlsx", "result": "valid", "errors": 0, "warnings": 0,
            "who": "zespół", "state": "pending"}
    teczka.db.record_upload(base | {"size": len(lost), "sha256": web_db.hashlib.sha256(lost).hexdigest()})
    teczka.db.record_upload(base | {"size": len(written), "sha256": web_db.hashlib.sha256(written).hexdigest()})
    (config.forms_dir / UNIT_A / "3_hdr.xlsx").write_bytes(written)
    (config.forms_dir / UNIT_A / ".3_hdr.xlsx.abc123.tmp").write_bytes(written[:100])  # a write cut short
    restarted = create_app(config, start_worker=False).state.teczka
    rows = restarted.db.uploads(UNIT_A)
    assert [(r["sha256"], r["state"]) for r in rows] == [(web_db.hashlib.sha256(written).hexdigest(), "current")]
    assert not (config.forms_dir / UNIT_A / ".3_hdr.xlsx.abc123.tmp").exists()


def test_the_background_build_runs_under_the_run_lock_and_waits_for_a_cli_run(tmp_path):
    from pipeline.files import RunLock

    config = make_config(tmp_path)
    config.out_dir.mkdir(parents=True)
    app = create_app(config)
    with TestClient(app, follow_redirects=False) as client:
        teczka = app.state.teczka
        teczka.db.add_user("k", password_hash())
        assert teczka.worker.wait_idle(120)  # the build every start makes
        assert teczka.worker.progress.last_counts["ok"] == 2
        shutil.rmtree(config.out_dir / UNIT_A)
        with RunLock(config.out_dir):
            teczka.worker.request("test")
            deadline = __import__("time").monotonic() + 30
            while not teczka.worker.progress.waiting and __import__("time").monotonic() < deadline:
                __import__("time").sleep(0.05)
            assert teczka.worker.progress.waiting
            page = client.post("/logowanie", data={"nazwa": "k", "haslo": PASSWORD,
                                                   "csrf": csrf_of(client.get("/logowanie").text)})
            assert "czeka, aż zakończy się inne uruchomienie" in client.get("/k/budowanie/stan").text
        assert teczka.worker.wait_idle(120)
        assert page.status_code == 303
        assert sorted(p.name for p in (config.out_dir / UNIT_A).glob("*.docx")) == [
            "hdr.docx", "karta_jst.docx", "podsumowanie.docx", "spotkania.docx"]
        assert "kompletne 2" in client.get("/k/budowanie/stan").text
        assert any(row["action"] == "budowanie dokumentów" for row in teczka.db.audit_rows())
        # the coordinator's button runs the same build; the bundles are there to download
        status = client.get("/k")
        assert client.post("/k/budowanie", data={"csrf": csrf_of(status.text)}).status_code == 303
        assert teczka.worker.wait_idle(120)
        builds = [row for row in teczka.db.audit_rows() if row["action"] == "budowanie dokumentów"]
        assert builds[-1]["actor"] == "koordynator k" and "kompletna: 2" in builds[-1]["detail"]
        bundle = re.search(r'href="(/k/paczki/[^"]+\.zip)"', client.get("/k/tabela").text)[1]
        archive = client.get(bundle)
        assert archive.status_code == 200 and archive.headers["content-type"] == "application/zip"
        assert "manifest.json" in zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
