"""Hostile input and personal data: what a team types arrives literally, or as a located error;
nothing it types becomes markup, a formula or a path; nobody's contact data leaks.

Faults of the environment (LibreOffice, kills, locks, full disks) are in test_faults.py; the
property-based version of "any text renders" is in test_properties.py.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from documents_fixtures import TEST_TEMPLATES
from docx import Document
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from factories import unit_data, write_unit

from pipeline import layout, writer
from pipeline.build import BuildOptions, build
from pipeline.bundle import verify_bundle
from pipeline.cli import main
from pipeline.edition import load_edition
from pipeline.polish import typography

EDITION = load_edition("2020")
ROOT = Path(__file__).parent.parent
TEMPLATES = TEST_TEMPLATES
SPACES = re.compile(r"[ \t\u00a0\u2007\u202f]+")

# -- helpers ----------------------------------------------------------------------------------


def run(forms: Path, out: Path, **options: Any) -> Any:
    settings = {"pdf": False, "html": False, "jobs": 1, "templates_dir": TEMPLATES} | options  # docx only
    return build(BuildOptions(forms_dir=forms, out_dir=out, edition=EDITION, repo_root=forms.parent, **settings),
                 echo=lambda _: None)


def units_of(out: Path) -> dict[str, dict[str, Any]]:
    return {u["id"]: u for u in json.loads((out / "report.json").read_text(encoding="utf-8"))["units"]}


def docx_text(source: Path | bytes) -> str:
    """Every paragraph of the body, tables (nested ones too) included; <w:br/> reads as a newline."""
    document = Document(io.BytesIO(source) if isinstance(source, bytes) else source)
    return "\n".join(Paragraph(p, document).text for p in document.element.body.iter(qn("w:p")))


def put(data: dict[str, Any], path: str, value: Any) -> None:
    """Set a value in unit data by a dotted path: "hdr.actions.0.name"."""
    *head, last = path.split(".")
    for key in head:
        data = data[int(key)] if key.isdigit() else data[key]
    data[last] = value


def with_code(data: dict[str, Any], code: str) -> dict[str, Any]:
    data["card"]["jst"]["terc"] = code
    return data


def rewrite_sheets(path: Path, old: bytes, new: bytes) -> None:
    """Replace bytes in the worksheets' XML, as Excel would have stored them."""
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    hits = 0
    for name in parts:
        if name.startswith("xl/worksheets/sheet"):
            hits += parts[name].count(old)
            parts[name] = parts[name].replace(old, new)
    assert hits, f"{old!r} not found in {path.name}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    path.write_bytes(buffer.getvalue())


# -- 1. hostile text in every kind of text field ----------------------------------------------

HOSTILE = {
    "xml": "Szkoła „Nad Wisłą” & <Przedszkole> \"cudzysłów\" 'apostrof' ]]> <![CDATA[x]]>",
    "template": "{{ 7*7 }} {% if x %}tak{% endif %} {# uwaga #} {{ config }} {%tc x %} {_{ y }_}",
    "word_markup": '</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>wstrzyknięte',
    "emoji": "Szkoła 🎓👩‍🏫🇵🇱 ✅ gotowe",
    "right_to_left": "مدرسة ابتدائية — בית ספר יסודי — Szkoła",
    "combining": "Zo\u0301\u0142w e\u0328 Z\u0307o\u0301\u0142c\u0301 (NFD)",
    "non_breaking_spaces": "Urząd\u00a0Gminy\u202fnr\u00a01\u2007—  5\u00a0000  zł",
}
# Every kind of text field (line / paragraphs × record sheet / table sheet), and where it prints.
TEXT_FIELDS = {
    "card.jst.name": ("karta_jst.docx", "hdr.docx", "spotkania.docx", "podsumowanie.docx"),
    "card.jst.address": ("karta_jst.docx",),
    "card.team.0.position": ("karta_jst.docx", "hdr.docx"),
    "card.area_choice.justification": ("karta_jst.docx",),
    "diagnosis.info.current_state": ("karta_jst.docx",),
    "diagnosis.sources.0.findings": ("karta_jst.docx",),
    "diagnosis.priorities.0.name": ("karta_jst.docx", "hdr.docx"),
    "hdr.info.main_goal": ("hdr.docx",),
    "hdr.goals.0.description": ("hdr.docx",),
    "hdr.actions.0.name": ("hdr.docx",),
    "hdr.actions.0.indicator": ("hdr.docx",),
    "hdr.actions.0.responsible": ("hdr.docx",),
    "hdr.risks.0.risk": ("hdr.docx",),
    "meetings.meetings.0.place": ("spotkania.docx",),
    "meetings.meetings.0.findings": ("spotkania.docx",),
    "meetings.tasks.0.task": ("spotkania.docx",),
    "summary.info.title": ("podsumowanie.docx",),
    "summary.good_practice.solution": ("podsumowanie.docx",),
    "summary.good_practice.contact_name": ("podsumowanie.docx",),
}


def typed(text: str, tag: str, path: str) -> str:
    prefix = "Wydział Edukacji " if path.endswith("responsible") else ""  # a unit, not a stranger
    return f"{prefix}{text} [{tag}]"


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_text_in_every_text_field_renders_literally(kind: str, tmp_path: Path) -> None:
    data = unit_data()
    for number, path in enumerate(TEXT_FIELDS):
        put(data, path, typed(HOSTILE[kind], f"pole-{number}", path))
    write_unit(tmp_path / "forms" / "gmina", EDITION, data)
    out = tmp_path / "output"
    summary = run(tmp_path / "forms", out, html=True)
    [unit] = summary.units
    assert (unit["status"], unit["errors"], unit["warnings"]) == ("ok", [], [])
    # the one normalisation: runs of spaces become one space, or one no-break space when the run held
    # only no-break spaces (typed on purpose); documents then bind "2020 r." and "5 000" (polish.typography)
    shown = typography(SPACES.sub(lambda m: "\u00a0" if set(m[0]) <= set("\u00a0\u2007\u202f") else " ",
                                  HOSTILE[kind]))
    texts = {name: docx_text(out / "gmina" / name) for name in
             ("karta_jst.docx", "hdr.docx", "spotkania.docx", "podsumowanie.docx")}
    for number, (path, documents) in enumerate(TEXT_FIELDS.items()):
        for name in documents:
            assert typed(shown, f"pole-{number}", path) in texts[name], (path, name)
    assert verify_bundle(tmp_path / unit["bundle"]) == []
    public = html.unescape((out / "gmina" / "podsumowanie.html").read_text(encoding="utf-8"))
    assert typed(shown, "pole-17", "summary.good_practice.solution") in public


def test_hostile_text_in_a_date_or_a_list_cell_is_a_located_error_shown_literally_and_escaped(tmp_path: Path) -> None:
    folder = write_unit(tmp_path / "forms" / "gmina", EDITION)
    book = openpyxl.load_workbook(folder / "3_hdr.xlsx")
    book["Działania"]["E5"] = "<img src=x onerror=alert(1)>"
    book["Działania"]["N5"] = "<script>alert(1)</script>{{ 7*7 }}"
    book.save(folder / "3_hdr.xlsx")
    out = tmp_path / "output"
    [unit] = run(tmp_path / "forms", out).units
    assert [(e["sheet"], e["cell"], e["value"], e["message"]) for e in unit["errors"]] == [
        ("Działania", "E5", "<img src=x onerror=alert(1)>",
         "Nie rozpoznano daty. Wpisz datę jako dzień.miesiąc.rok, np. 5.07.2020."),
        ("Działania", "N5", "<script>alert(1)</script>{{ 7*7 }}",
         "Tej wartości nie ma na liście. Wybierz wartość z listy rozwijanej. Dozwolone: planowane, w realizacji, "
         "zrealizowane, zaniechane."),
    ]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*7 }}" in page


def test_a_cell_of_32767_characters_reaches_the_document_and_one_more_is_a_located_error(tmp_path: Path) -> None:
    longest = "ż" * 32_760 + " [max]!"
    assert len(longest) == 32_767  # Excel's limit for one cell
    data = unit_data()
    put(data, "hdr.actions.0.tools", longest)
    write_unit(tmp_path / "forms" / "gmina", EDITION, data)
    out = tmp_path / "output"
    [unit] = run(tmp_path / "forms", out).units
    assert unit["status"] == "ok"
    assert longest in docx_text(out / "gmina" / "hdr.docx")

    # openpyxl cuts a longer cell at the limit when saving; another program may not
    put(data, "hdr.actions.0.tools", "a" * 32_767)
    write_unit(tmp_path / "forms" / "gmina", EDITION, data)
    rewrite_sheets(tmp_path / "forms" / "gmina" / "3_hdr.xlsx", b"a" * 32_767, b"a" * 32_768)
    [unit] = run(tmp_path / "forms", out).units
    [error] = unit["errors"]
    assert (error["file"], error["sheet"], error["cell"], error["field"]) == (
        "forms/gmina/3_hdr.xlsx", "Działania", "D5", "Narzędzia i rozwiązania zarządcze")
    assert error["message"] == "Tekst jest za długi (ponad 32767 znaków)."


@pytest.mark.slow  # a 2,000-row table: the heaviest document the pipeline renders
def test_two_thousand_hdr_actions_build_into_a_document_that_opens(tmp_path: Path) -> None:
    data = unit_data()
    first = data["hdr"]["actions"][0]
    data["hdr"]["actions"] = [first | {"number": n, "name": f"Działanie {n} & <{n}>"} for n in range(1, 2001)]
    write_unit(tmp_path / "forms" / "gmina", EDITION, data)
    out = tmp_path / "output"
    [unit] = run(tmp_path / "forms", out).units
    assert unit["status"] == "ok"
    document = Document(out / "gmina" / "hdr.docx")
    rows = max(len(table.rows) for table in document.tables)
    assert rows == 2001  # the header and one row per action (the action table and the timeline)
    text = docx_text(out / "gmina" / "hdr.docx")
    assert "Działanie 1 & <1>" in text and "Działanie 2000 & <2000>" in text


def test_control_characters_are_removed_with_a_warning_at_the_cell(tmp_path: Path) -> None:
    """Excel stores a vertical tab (Alt+Enter in some versions) and other controls as _xHHHH_."""
    folder = write_unit(tmp_path / "forms" / "gmina", EDITION)
    rewrite_sheets(folder / "3_hdr.xlsx", b"Planowanie oparte na danych.",
                   b"Planowanie_x000B_oparte_x0001_ na_x001F_ danych.")
    rewrite_sheets(folder / "3_hdr.xlsx", b"Zebranie danych", b"Zebranie_x0008_ danych_x000b_z SIO")
    out = tmp_path / "output"
    [unit] = run(tmp_path / "forms", out).units
    assert unit["status"] == "ok"
    warnings = {(w["sheet"], w["cell"], w["field"]): w for w in unit["warnings"]}
    assert set(warnings) == {("HDR", "B8", "Cel główny"), ("Działania", "C5", "Działanie")}
    assert all(w["message"] == "Usunięto znaki sterujące niedozwolone w dokumentach (pionowy tabulator "
                               "zamieniono na nowy wiersz)." for w in warnings.values())
    text = docx_text(out / "gmina" / "hdr.docx")
    assert "Planowanie\noparte na danych." in text
    assert "Zebranie danych\nz SIO" in text


# -- 3. formula-like values stay text in every spreadsheet we write ---------------------------

RISKY = ["=1+1", '=HYPERLINK("http://example.invalid","kliknij")', "+48 601 234 567", "-5 uczniów",
         "@SUM(A1:A2)", "=cmd|' /C calc'!A0"]


def risky_unit() -> dict[str, Any]:
    data = unit_data()
    put(data, "card.jst.name", RISKY[1])
    put(data, "card.jst.address", RISKY[0])
    put(data, "hdr.actions.0.indicator", RISKY[2])
    put(data, "hdr.actions.0.target", RISKY[3])
    put(data, "hdr.actions.0.monitoring", RISKY[4])
    put(data, "meetings.meetings.0.place", RISKY[5])
    return data


def assert_no_formulas(data: bytes, expected: list[str]) -> None:
    """No <f> in any worksheet; every risky-looking value is a text cell; each expected one is there."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                assert not re.search(rb"<f[ >/]", archive.read(name)), name
    book = openpyxl.load_workbook(io.BytesIO(data))
    seen = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate)
                    seen.add(cell.value)
    assert set(expected) <= seen, set(expected) - seen


def test_blank_and_filled_forms_keep_formula_like_values_as_text() -> None:
    data = risky_unit()
    for form in layout.FORMS:
        assert_no_formulas(writer.build_workbook(form, EDITION), [])
        model = form.model.model_validate(data[form.key], context={"edition": EDITION})
        values = model.model_dump()
        assert_no_formulas(writer.build_workbook(form, EDITION, values), [v for v in RISKY if v in strings(values)])


def strings(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set().union(*map(strings, value.values()))
    if isinstance(value, list):
        return set().union(*map(strings, value))
    return {value} if isinstance(value, str) else set()


def test_the_coordinator_workbook_and_feedback_copies_keep_formula_like_values_as_text(tmp_path: Path) -> None:
    folder = write_unit(tmp_path / "forms" / "gmina", EDITION, with_code(risky_unit(), "0613012"))
    write_unit(tmp_path / "forms" / "gmina-bledy", EDITION, risky_unit())
    book = openpyxl.load_workbook(folder.parent / "gmina-bledy" / "1_karta_jst.xlsx")
    book["Zespół JST"]["C6"].value = "=1+1@gmina"  # an invalid e-mail: echoed as the value of an error
    book["Zespół JST"]["C6"].data_type = "s"  # typed as text, as Excel stores "'=1+1@gmina"
    book.save(folder.parent / "gmina-bledy" / "1_karta_jst.xlsx")
    out = tmp_path / "output"
    units = {u["id"]: u for u in run(tmp_path / "forms", out).units}
    assert units["gmina"]["status"] == "ok"
    assert units["gmina-bledy"]["status"] == "invalid"
    assert_no_formulas((out / "raport.xlsx").read_bytes(), [RISKY[1], "=1+1@gmina"])
    [feedback] = units["gmina-bledy"]["feedback"]
    assert_no_formulas((tmp_path / feedback).read_bytes(), [RISKY[1], RISKY[0], "=1+1@gmina"])


# -- 8. paths: nothing leaves output/, symlinks are not followed --------------------------------


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_symlinked_unit_folder_is_reported_and_not_followed(tmp_path: Path) -> None:
    forms = tmp_path / "forms"
    write_unit(forms / "gmina", EDITION)
    elsewhere = write_unit(tmp_path / "gdzie-indziej" / "tajne", EDITION, with_code(unit_data(), "0613012"))
    (forms / "dowiazanie").symlink_to(elsewhere, target_is_directory=True)
    out = tmp_path / "output"
    units = {u["id"]: u for u in run(forms, out).units}
    assert units["gmina"]["status"] == "ok"
    link = units["dowiazanie"]
    assert (link["status"], link["sources"], link["documents"], link["bundle"]) == ("invalid", [], [], None)
    assert link["errors"][0]["message"].startswith("Katalog jednostki jest dowiązaniem symbolicznym — pominięto go.")
    assert not any("0613012" in p.name for p in (out / "paczki").iterdir())


def test_an_output_unit_folder_that_is_a_symlink_out_of_output_is_not_written_through(tmp_path: Path) -> None:
    forms = tmp_path / "forms"
    write_unit(forms / "gmina", EDITION)
    write_unit(forms / "gmina-b", EDITION, with_code(unit_data(), "0613012"))
    outside = tmp_path / "poza"
    outside.mkdir()
    (outside / "wazny.txt").write_text("nie ruszać", encoding="utf-8")
    out = tmp_path / "output"
    out.mkdir()
    (out / "gmina").symlink_to(outside, target_is_directory=True)
    summary = run(forms, out)
    units = {u["id"]: u for u in summary.units}
    assert snapshot(outside) == {"wazny.txt": "nie ruszać".encode()}
    assert units["gmina"]["status"] == "failed"
    assert units["gmina"]["failure"] == (f"Niedozwolona ścieżka: „gmina” wychodzi poza katalog {out}. "
                                         "Nie zapisano wyników tej jednostki.")
    assert units["gmina-b"]["status"] == "ok" and verify_bundle(tmp_path / units["gmina-b"]["bundle"]) == []
    assert summary.exit_code == 1


def test_a_bundles_folder_that_is_a_symlink_out_of_output_stops_the_run_before_any_work(tmp_path: Path,
                                                                                          monkeypatch) -> None:
    write_unit(tmp_path / "forms" / "gmina", EDITION)
    outside = tmp_path / "poza"
    outside.mkdir()
    out = tmp_path / "output"
    out.mkdir()
    (out / "paczki").symlink_to(outside, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build", "--no-pdf", "--jobs", "1", "--templates", str(TEMPLATES)])
    assert result.exit_code == 2
    assert result.stderr == "Błąd: Niedozwolona ścieżka: „paczki” wychodzi poza katalog output.\n"
    assert list(outside.iterdir()) == []
    assert not (out / "gmina").exists() and not (out / "report.json").exists()


def test_a_tampered_state_cannot_make_the_build_delete_files_outside_the_bundles_folder(tmp_path: Path) -> None:
    forms = tmp_path / "forms"
    write_unit(forms / "gmina", EDITION)
    out = tmp_path / "output"
    run(forms, out)
    victim = tmp_path / "ofiara.txt"
    victim.write_text("zostaje")
    state_path = out / ".teczka-state.json"
    state = json.loads(state_path.read_text(encoding="utf-8"))
    state["units"]["gmina"]["report"]["bundle"] = "../ofiara.txt"
    state["units"]["gmina"]["global_key"] = "inny"  # forces a rebuild, which drops the "old bundle"
    state_path.write_text(json.dumps(state), encoding="utf-8")
    run(forms, out)
    assert victim.read_text() == "zostaje"


def test_unit_folder_names_with_dots_spaces_and_polish_letters_stay_inside_output(tmp_path: Path) -> None:
    forms = tmp_path / "forms"
    names = ["..gmina", "gmina ..", "Gmina Żółkiewka (kopia)", "a..b", "-rf"]
    for number, name in enumerate(names):
        write_unit(forms / name, EDITION, with_code(unit_data(), ["0606112", "0613012", "0613022", "0614012",
                                                                  "0614022"][number]))
    out = tmp_path / "output"
    units = {u["id"]: u for u in run(forms, out).units}
    assert set(units) == set(names) - {"..gmina"}  # hidden folders are not units
    for unit in units.values():
        assert unit["status"] == "ok"
        for document in unit["documents"] + [unit["bundle"]]:
            assert (tmp_path / document).resolve().is_relative_to(out.resolve())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["forms", "output"]


# -- 9. duplicates and empty folders ------------------------------------------------------------


def test_two_units_claiming_one_terc_code_are_both_invalid_even_when_typed_differently(tmp_path: Path) -> None:
    forms = tmp_path / "forms"
    write_unit(forms / "gmina-a", EDITION)
    write_unit(forms / "gmina-a-kopia", EDITION, with_code(unit_data(), "06 06 11 2"))
    write_unit(forms / "gmina-b", EDITION, with_code(unit_data(), "0613012"))
    out = tmp_path / "output"
    units = {u["id"]: u for u in run(forms, out).units}
    assert units["gmina-b"]["status"] == "ok"
    for unit_id, other in (("gmina-a", "gmina-a-kopia"), ("gmina-a-kopia", "gmina-a")):
        unit = units[unit_id]
        assert (unit["status"], unit["bundle"], unit["teryt"]) == ("invalid", None, "0606112")
        [error] = unit["errors"]
        assert (error["file"], error["sheet"], error["cell"], error["field"]) == (
            f"forms/{unit_id}/1_karta_jst.xlsx", "Karta JST", "B6", "Kod TERC")
        assert error["message"] == f"Ten sam kod TERC ma także jednostka {other}. Każda JST może wystąpić tylko raz."
    assert [p.name for p in (out / "paczki").iterdir()] == ["0613012_gmina-zolkiewka.zip"]


def test_a_unit_folder_without_forms_is_incomplete_with_a_warning(tmp_path: Path) -> None:
    forms = tmp_path / "forms"
    write_unit(forms / "gmina", EDITION)
    (forms / "nowa-gmina").mkdir()
    (forms / "nowa-gmina" / "notatki.txt").write_text("jeszcze nic")
    summary = run(forms, tmp_path / "output")
    unit = {u["id"]: u for u in summary.units}["nowa-gmina"]
    assert (unit["status"], unit["stage"], unit["errors"], unit["bundle"]) == ("incomplete", 0, [], None)
    assert unit["warnings"] == [{"file": "forms/nowa-gmina", "sheet": None, "cell": None, "field": None, "value": None,
                                 "message": "W katalogu nie ma formularzy (.xlsx) — jednostka jeszcze nie rozpoczęła pracy?"}]
    assert summary.exit_code == 0


@pytest.mark.parametrize("content", ["nothing", "only_blank_forms"])
def test_a_forms_folder_without_units_is_a_clear_usage_error(content: str, tmp_path: Path, monkeypatch) -> None:
    forms = tmp_path / "forms"
    forms.mkdir()
    if content == "only_blank_forms":
        (forms / "puste").mkdir()
        (forms / "README.md").write_text("formularze")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build", "--no-pdf", "--templates", str(TEMPLATES)])
    assert result.exit_code == 2
    assert result.stderr == "Błąd: W katalogu forms nie ma żadnej jednostki (podkatalogu z formularzami).\n"
    assert not (tmp_path / "output").exists()


# -- 10. personal data ----------------------------------------------------------------------------

PEOPLE = {
    "gmina-a": {"names": ["Anna Nowak", "Piotr Wiśniewski"],
                "emails": ["a.nowak@zolkiewka.example.pl", "p.wisniewski@zolkiewka.example.pl"],
                "phones": ["84 123 45 67"]},
    "gmina-b": {"names": ["Barbara Kwiatkowska", "Tomasz Zieliński"],
                "emails": ["b.kwiatkowska@lubartow.example.pl", "t.zielinski@lubartow.example.pl"],
                "phones": ["81 855 12 34"]},
}


def unit_of(person: dict[str, list[str]], code: str) -> dict[str, Any]:
    data = with_code(unit_data(), code)
    (first, second), (mail_1, mail_2) = person["names"], person["emails"]
    team = data["card"]["team"]
    team[0].update(name=first, email=mail_1, phone=person["phones"][0])
    team[1].update(name=second, email=mail_2)
    for meeting in data["meetings"]["meetings"]:
        meeting["jst_participants"] = first
    data["meetings"]["tasks"][0]["owner"] = first
    data["hdr"]["actions"][0]["responsible"] = first
    practice = data["summary"]["good_practice"]
    practice.update(contact_name=first, contact_email=mail_1, contact_phone=person["phones"][0],
                    solution=f"Szczegóły: {mail_2}, tel. 601 234 567 lub +48 602-345-678.")
    data["summary"]["info"]["authors"] = f"{first}; {second}"
    return data


def readable_parts(data: bytes) -> dict[str, str]:
    """Every file of a ZIP, nested .docx/.xlsx unpacked, as text with character references resolved."""
    out = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            content = archive.read(name)
            if content[:4] == b"PK\x03\x04":
                out |= {f"{name}/{inner}": text for inner, text in readable_parts(content).items()}
            else:
                out[name] = html.unescape(content.decode("utf-8", errors="replace"))
    return out


@pytest.fixture
def two_units(tmp_path: Path) -> Path:
    forms = tmp_path / "forms"
    write_unit(forms / "gmina-a", EDITION, unit_of(PEOPLE["gmina-a"], "0606112"))
    write_unit(forms / "gmina-b", EDITION, unit_of(PEOPLE["gmina-b"], "0613012"))
    return forms


def test_each_bundle_holds_only_its_own_units_people(two_units: Path, tmp_path: Path) -> None:
    units = {u["id"]: u for u in run(two_units, tmp_path / "output", html=True).units}
    for unit_id, other in (("gmina-a", "gmina-b"), ("gmina-b", "gmina-a")):
        assert units[unit_id]["status"] == "ok"
        parts = readable_parts((tmp_path / units[unit_id]["bundle"]).read_bytes())
        assert any(name.endswith(".docx/word/document.xml") for name in parts)
        everything = "\n".join(parts.values())
        assert PEOPLE[unit_id]["emails"][0] in everything  # the test can see them at all
        for secret in PEOPLE[other]["names"] + PEOPLE[other]["emails"] + PEOPLE[other]["phones"]:
            leaks = [name for name, text in parts.items() if secret in text]
            assert leaks == [], (unit_id, secret)


def test_the_publication_html_leaves_out_emails_and_phones_and_the_report_says_so(two_units: Path,
                                                                                    tmp_path: Path) -> None:
    out = tmp_path / "output"
    run(two_units, out, html=True)
    units = units_of(out)
    for unit_id, person in PEOPLE.items():
        public = html.unescape((out / unit_id / "podsumowanie.html").read_text(encoding="utf-8"))
        assert person["names"][0] in public  # the contact person's name is published
        for secret in person["emails"] + person["phones"] + ["601 234 567", "602-345-678"]:
            assert secret not in public, (unit_id, secret)
        assert "(pominięto w publikacji)" in public
        omitted = units[unit_id]["publication_omitted"]
        assert omitted == ["podsumowanie: e-mail osoby do kontaktu", "podsumowanie: telefon osoby do kontaktu",
                           "zespół JST: e-maile i telefony"]
        with zipfile.ZipFile(tmp_path / units[unit_id]["bundle"]) as bundle:
            assert json.loads(bundle.read("manifest.json"))["publication_omitted"] == omitted


def test_a_phone_number_with_the_area_code_in_brackets_is_left_out_of_publication(tmp_path: Path) -> None:
    data = unit_data()
    put(data, "summary.good_practice.solution", "Sekretariat: (81) 123 45 67.")
    write_unit(tmp_path / "forms" / "gmina", EDITION, data)
    run(tmp_path / "forms", tmp_path / "output", html=True)
    public = html.unescape((tmp_path / "output" / "gmina" / "podsumowanie.html").read_text(encoding="utf-8"))
    assert "123 45 67" not in public


def test_the_terminal_shows_no_emails_or_phones_even_when_they_are_wrong(two_units: Path, tmp_path: Path,
                                                                        monkeypatch) -> None:
    card = two_units / "gmina-b" / "1_karta_jst.xlsx"
    book = openpyxl.load_workbook(card)
    book["Zespół JST"]["C5"] = "b.kwiatkowska@lubartow"  # no domain: invalid, and echoed
    book["Zespół JST"]["D5"] = "81 855 12"  # too short
    book.save(card)
    meetings = two_units / "gmina-a" / "4_spotkania.xlsx"
    book = openpyxl.load_workbook(meetings)
    book["Spotkania"]["G5"] = "Anna Nowak; p.wisniewski@zolkiewka.example.pl, tel. 601 234 567"  # not a team member
    book.save(meetings)
    monkeypatch.chdir(tmp_path)
    secrets = ["b.kwiatkowska@lubartow", "81 855 12", "601 234 567",
               *(s for p in PEOPLE.values() for s in p["emails"] + p["phones"])]
    commands = {"validate": ["validate", "forms"], "validate --json": ["validate", "forms", "--json"],
                "build": ["build", "--no-pdf", "--jobs", "1", "--templates", str(TEMPLATES)]}
    outputs = {}
    for name, args in commands.items():
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, result.output
        outputs[name] = result.output
        for secret in secrets:
            assert secret not in result.output, (name, secret)
    lines = outputs["validate"].splitlines()
    assert ("  błąd: forms/gmina-b/1_karta_jst.xlsx: Arkusz Zespół JST, komórka C5 (E-mail): Niepoprawny adres "
            "e-mail (oczekiwano np. jan.kowalski@gmina.pl). [wartość: b***@lubartow]") in lines
    assert ("  błąd: forms/gmina-b/1_karta_jst.xlsx: Arkusz Zespół JST, komórka D5 (Telefon): Niepoprawny numer "
            "telefonu (oczekiwano 9 cyfr, np. 81 123 45 67). [wartość: ** *** 12]") in lines
    assert ("  błąd: forms/gmina-a/4_spotkania.xlsx: Arkusz Spotkania, komórka G5 (Uczestnicy z JST): Spoza zespołu "
            "JST (karta JST): p***@zolkiewka.example.pl, tel. *** *** *67. Innych uczestników wpisz w kolumnie "
            "„Inni uczestnicy”. [wartość: Anna Nowak; p***@zolkiewka.example.pl, tel. *** *** *67]") in lines
    errors = {e["cell"]: e for unit in json.loads(outputs["validate --json"]) for e in unit["errors"]}
    assert (errors["C5"]["value"], errors["D5"]["value"]) == ("b***@lubartow", "** *** 12")
    assert "! gmina-a: błędy w formularzach: 1" in outputs["build"]
    assert "! gmina-b: błędy w formularzach: 2" in outputs["build"]


# -- the sample data with one unit of each bad kind (real LibreOffice) --------------------------


@pytest.mark.slow
def test_the_sample_units_build_next_to_one_bad_unit_of_each_kind(tmp_path: Path) -> None:
    forms = tmp_path / "forms"
    shutil.copytree(ROOT / "forms", forms, ignore=shutil.ignore_patterns("puste", "*.md"))
    good = sorted(p.name for p in forms.iterdir())
    source = forms / "lubelskie-pulawy"

    def bad(name: str, file: str = "1_karta_jst.xlsx", data: bytes | None = None) -> Path:
        folder = forms / name
        folder.mkdir()
        (folder / file).write_bytes(data if data is not None else (source / "1_karta_jst.xlsx").read_bytes())
        return folder / file

    bad("zly-zepsuty", data=b"PK\x03\x04" + os.urandom(2000))
    bad("zly-stary-xls", "1_karta_jst.xls", data=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000))
    with zipfile.ZipFile(bad("zly-makra", "1_karta_jst.xlsm"), "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\0" * 64)
    book = openpyxl.load_workbook(bad("zly-nieaktualny"))
    book[layout.STAMP_SHEET]["B3"] = "000000000000"
    book.save(forms / "zly-nieaktualny" / "1_karta_jst.xlsx")
    shutil.copytree(forms / "slaskie-mikolow", forms / "zly-duplikat-terc")
    (forms / "zly-pusty").mkdir()
    (forms / "zly-dowiazanie").symlink_to(source, target_is_directory=True)

    out = tmp_path / "output"
    summary = build(BuildOptions(forms_dir=forms, out_dir=out, edition=EDITION, templates_dir=TEMPLATES,
                                 repo_root=tmp_path), echo=lambda _: None)
    units = {u["id"]: u for u in summary.units}
    messages = {unit_id: " ".join(e["message"] for e in units[unit_id]["errors"] + units[unit_id]["warnings"])
                for unit_id in units}
    assert units["zly-pusty"]["status"] == "incomplete"
    expected = {
        "zly-zepsuty": "to nie jest skoroszyt programu Excel",
        "zly-stary-xls": "jest chroniony hasłem albo zapisany w starym formacie .xls",
        "zly-makra": "skoroszyt zawiera makra",
        "zly-nieaktualny": "jest nieaktualny",
        "zly-duplikat-terc": "Ten sam kod TERC ma także jednostka slaskie-mikolow",
        "slaskie-mikolow": "Ten sam kod TERC ma także jednostka zly-duplikat-terc",
        "zly-dowiazanie": "Katalog jednostki jest dowiązaniem symbolicznym",
    }
    for unit_id, needle in expected.items():
        assert units[unit_id]["status"] == "invalid", unit_id
        assert needle in messages[unit_id], (unit_id, messages[unit_id])
        assert units[unit_id]["bundle"] is None
    for unit_id in set(good) - {"slaskie-mikolow"}:
        unit = units[unit_id]
        assert unit["status"] in ("ok", "incomplete"), (unit_id, unit["failure"], unit["errors"])
        assert verify_bundle(tmp_path / unit["bundle"]) == []
        pdfs = [d for d in unit["documents"] if d.endswith(".pdf")]
        assert len(pdfs) == len([d for d in unit["documents"] if d.endswith(".docx")]) >= 1
    assert summary.exit_code == 1
    assert sorted(p.name for p in (forms / "zly-dowiazanie").iterdir()) == sorted(p.name for p in source.iterdir())


# -- emoji in the PDF/A; a backslash in a unit folder name (issue 11) ---------------------------

@pytest.mark.slow
def test_emoji_typed_by_a_team_print_in_the_pdf_from_an_embedded_font(tmp_path: Path) -> None:
    """Liberation and Carlito have no emoji: LibreOffice falls back to Symbola (fonts-symbola,
    installed by scripts/system-deps.sh), whose monochrome outlines are embedded in the PDF/A."""
    import subprocess

    data = unit_data(hdr=None, meetings=None, summary=None, diagnosis=None)
    data["card"]["area_choice"]["justification"] = "Szkoła 🎓 ✅ gotowe 😀 — zażółć gęślą jaźń"
    write_unit(tmp_path / "forms" / "gmina", EDITION, data)
    [unit] = run(tmp_path / "forms", tmp_path / "output", pdf=True, html=False).units
    pdf = tmp_path / "output" / "gmina" / "karta_jst.pdf"
    assert unit["status"] == "incomplete" and pdf.exists(), unit["failure"]
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert [line.split()[0].split("+")[1] for line in fonts if "Symbola" in line] == ["Symbola"]
    assert all(line.split()[-5] == "yes" for line in fonts), fonts  # every font embedded (PDF/A)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Szkoła 🎓 ✅ gotowe 😀 — zażółć gęślą jaźń" in text


def test_a_backslash_in_a_unit_folder_name_keeps_its_links_on_the_status_page(tmp_path: Path) -> None:
    from urllib.parse import unquote

    write_unit(tmp_path / "forms" / "gmina\\b", EDITION, with_code(unit_data(), "0606112"))
    run(tmp_path / "forms", tmp_path / "output")
    page = (tmp_path / "output" / "index.html").read_text(encoding="utf-8")
    links = [unquote(html.unescape(link)) for link in re.findall(r'href="([^"#][^"]*)"', page)]
    files = [link for link in links if "gmina" in link]
    assert "gmina\\b/karta_jst.docx" in files
    for link in files:
        assert (tmp_path / "output" / link).is_file(), link
