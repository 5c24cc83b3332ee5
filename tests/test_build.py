"""The orchestrator: units are independent, outputs appear complete, re-runs redo only what changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from documents_fixtures import TEST_TEMPLATES
from factories import unit_data, write_unit

from pipeline.build import BuildOptions, build
from pipeline.bundle import verify_bundle
from pipeline.edition import load_edition
from pipeline.files import RunLock

EDITION = load_edition("2020")
TEMPLATES = TEST_TEMPLATES
EDITION_FILE = Path(__file__).parent.parent / "pipeline" / "editions" / "pilot-2020.toml"


def with_code(data: dict, code: str) -> dict:
    data["card"]["jst"]["terc"] = code
    return data


@pytest.fixture
def forms(tmp_path: Path) -> Path:
    root = tmp_path / "forms"
    write_unit(root / "gmina-a", EDITION)
    write_unit(root / "gmina-b", EDITION, with_code(unit_data(meetings=None, summary=None), "0613012"))
    broken = write_unit(root / "gmina-zla", EDITION, with_code(unit_data(), "0613022"))
    book = openpyxl.load_workbook(broken / "3_hdr.xlsx")
    book["Działania"]["F5"] = "2020-09-01"  # ends before it starts
    book.save(broken / "3_hdr.xlsx")
    return root


def run(forms: Path, out: Path, **options: object) -> object:
    settings = {"pdf": False, "jobs": 1, "templates_dir": TEMPLATES} | options
    return build(BuildOptions(forms_dir=forms, out_dir=out, edition=EDITION, repo_root=forms.parent, **settings),
                 echo=lambda _: None)


def bundle_bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "paczki").glob("*.zip"))}


def test_each_unit_gets_its_status_documents_bundle_or_feedback(forms: Path, tmp_path: Path) -> None:
    out = tmp_path / "output"
    summary = run(forms, out)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    units = {u["id"]: u for u in report["units"]}
    assert {k: (u["status"], u["stage"]) for k, u in units.items()} == {
        "gmina-a": ("ok", 5), "gmina-b": ("incomplete", 4), "gmina-zla": ("invalid", 2)}
    assert summary.exit_code == 1
    assert units["gmina-a"]["bundle"] and verify_bundle(forms.parent / units["gmina-a"]["bundle"]) == []
    assert units["gmina-zla"]["bundle"] is None
    assert units["gmina-zla"]["feedback"] == ["output/gmina-zla/uwagi/3_hdr_uwagi.xlsx"]
    [error] = units["gmina-zla"]["errors"]
    assert (error["file"], error["sheet"], error["cell"]) == ("forms/gmina-zla/3_hdr.xlsx", "Działania", "F5")
    for unit in units.values():
        assert all((forms.parent / d).is_file() for d in unit["documents"])
    assert {Path(d).name for d in units["gmina-a"]["documents"]} >= {"karta_jst.docx", "hdr.docx", "spotkania.docx",
                                                                     "podsumowanie.docx"}
    assert (out / "raport.xlsx").is_file() and (out / "index.html").is_file()
    assert not (out / ".staging").exists()


def test_a_second_run_changes_nothing_and_says_so(forms: Path, tmp_path: Path) -> None:
    out = tmp_path / "output"
    run(forms, out)
    before = bundle_bytes(out)
    summary = run(forms, out)
    assert summary.rebuilt == {}
    assert bundle_bytes(out) == before


def test_only_the_changed_unit_is_rebuilt_and_a_resave_changes_nothing(forms: Path, tmp_path: Path) -> None:
    out = tmp_path / "output"
    run(forms, out)
    path = forms / "gmina-a" / "3_hdr.xlsx"
    book = openpyxl.load_workbook(path)
    book.save(path)  # re-saved: new bytes, same content
    assert run(forms, out).rebuilt == {}
    book["Działania"]["C5"] = "Zebranie danych z SIO"
    book.save(path)
    assert run(forms, out).rebuilt == {"gmina-a": "zmiana w 3_hdr.xlsx"}


def test_a_changed_template_rebuilds_the_units_that_use_it(forms: Path, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    out = tmp_path / "output"
    run(forms, out, templates_dir=templates)
    with (templates / "spotkania.docx").open("ab") as handle:
        handle.write(b"\0")  # any change of bytes counts
    rebuilt = run(forms, out, templates_dir=templates).rebuilt
    assert set(rebuilt) == {"gmina-a", "gmina-zla"}  # gmina-b has no meetings form


def test_parallel_and_serial_builds_give_the_same_bytes(forms: Path, tmp_path: Path) -> None:
    run(forms, tmp_path / "serial", jobs=1)
    run(forms, tmp_path / "parallel", jobs=2)
    assert bundle_bytes(tmp_path / "serial") == bundle_bytes(tmp_path / "parallel")


def test_units_built_chunk_by_chunk_come_out_as_in_one_chunk(forms: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    write_unit(forms / "gmina-c", EDITION, with_code(unit_data(), "0613032"))
    write_unit(forms / "gmina-d", EDITION, with_code(unit_data(), "0613042"))
    whole = run(forms, tmp_path / "one", jobs=2)
    monkeypatch.setattr("pipeline.build.CHUNK_UNITS", 1)
    summary = run(forms, tmp_path / "chunked", jobs=2)
    assert bundle_bytes(tmp_path / "chunked") == bundle_bytes(tmp_path / "one")
    assert len(bundle_bytes(tmp_path / "one")) == 4  # every unit but the invalid one
    assert summary.documents == whole.documents > 10
    one, chunked = ((tmp_path / d / "report.json").read_text(encoding="utf-8") for d in ("one", "chunked"))
    assert chunked.replace("chunked/", "one/") == one
    assert summary.rebuilt == whole.rebuilt and len(summary.rebuilt) == 5


def test_a_second_run_on_the_same_output_refuses_while_the_first_holds_the_lock(forms: Path, tmp_path: Path) -> None:
    out = tmp_path / "output"
    out.mkdir()
    with RunLock(out), pytest.raises(Exception, match="Inne uruchomienie teczki"):
        run(forms, out)


def test_the_input_forms_are_never_modified(forms: Path, tmp_path: Path) -> None:
    before = {p: p.read_bytes() for p in forms.rglob("*.xlsx")}
    run(forms, tmp_path / "output")
    assert {p: p.read_bytes() for p in forms.rglob("*.xlsx")} == before


def test_a_changed_edition_file_rebuilds_every_unit(forms: Path, tmp_path: Path) -> None:
    out = tmp_path / "output"
    run(forms, out)
    edited = tmp_path / "edycja.toml"
    edited.write_text((Path(EDITION_FILE)).read_text(encoding="utf-8") + "\n# poprawka\n", encoding="utf-8")
    options = BuildOptions(forms_dir=forms, out_dir=out, edition=load_edition(str(edited)), repo_root=forms.parent,
                           templates_dir=TEMPLATES, pdf=False, jobs=1)
    rebuilt = build(options, echo=lambda _: None).rebuilt
    assert rebuilt == dict.fromkeys(["gmina-a", "gmina-b", "gmina-zla"], "zmiana edycji, wersji programu lub opcji budowania")


def test_a_new_tool_version_or_other_build_options_rebuild_every_unit(forms: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "output"
    run(forms, out)
    assert run(forms, out).rebuilt == {}
    reason = "zmiana edycji, wersji programu lub opcji budowania"
    assert run(forms, out, html=False).rebuilt == dict.fromkeys(["gmina-a", "gmina-b", "gmina-zla"], reason)
    assert run(forms, out, html=False).rebuilt == {}
    monkeypatch.setattr("pipeline.build.__version__", "99.0.0")
    assert run(forms, out, html=False).rebuilt == dict.fromkeys(["gmina-a", "gmina-b", "gmina-zla"], reason)
    assert run(forms, out, html=False).rebuilt == {}
    monkeypatch.setattr("pipeline.build.code_fingerprint", lambda: "other code, same version number")
    assert run(forms, out, html=False).rebuilt == dict.fromkeys(["gmina-a", "gmina-b", "gmina-zla"], reason)
    assert run(forms, out, html=False).rebuilt == {}


def test_the_code_fingerprint_follows_the_packages_document_code_and_not_the_web(tmp_path: Path,
                                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import state

    package = tmp_path / "pipeline"
    shutil.copytree(Path(state.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(state, "__file__", str(package / "state.py"))

    def fingerprint() -> str:
        state.code_fingerprint.cache_clear()
        return state.code_fingerprint()

    try:
        first = fingerprint()
        (package / "web" / "app.py").write_text("# the web front end makes no document\n", encoding="utf-8")
        assert fingerprint() == first
        with (package / "render.py").open("a", encoding="utf-8") as handle:
            handle.write("\n# a changed renderer\n")
        assert fingerprint() != first
    finally:
        state.code_fingerprint.cache_clear()


def test_reports_are_rewritten_only_when_what_they_show_or_the_files_changed(forms: Path, tmp_path: Path) -> None:
    out = tmp_path / "output"
    run(forms, out)
    names = ("report.json", "raport.xlsx", "index.html")
    first = {name: (out / name).stat().st_ino for name in names}  # atomic writes replace the inode
    assert run(forms, out).rebuilt == {}
    assert {name: (out / name).stat().st_ino for name in names} == first
    (out / "index.html").write_text("zepsuty", encoding="utf-8")
    (out / "raport.xlsx").unlink()
    run(forms, out)
    assert (out / "raport.xlsx").is_file() and "<html" in (out / "index.html").read_text(encoding="utf-8")
    book = openpyxl.load_workbook(forms / "gmina-a" / "3_hdr.xlsx")
    book["Działania"]["F5"] = "2020-09-01"  # ends before it starts: the unit's status changes
    book.save(forms / "gmina-a" / "3_hdr.xlsx")
    assert set(run(forms, out).rebuilt) == {"gmina-a"}
    units = {u["id"]: u for u in json.loads((out / "report.json").read_text(encoding="utf-8"))["units"]}
    assert units["gmina-a"]["status"] == "invalid"
    assert "gmina-a" in (out / "index.html").read_text(encoding="utf-8")


def test_file_names_in_a_bundle_say_what_and_whose_and_a_polish_inventory_lists_them(forms: Path, tmp_path: Path) -> None:
    import zipfile

    out = tmp_path / "output"
    run(forms, out)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    unit = next(u for u in report["units"] if u["id"] == "gmina-a")
    bundle = forms.parent / unit["bundle"]
    prefix = bundle.stem  # "0613082_gmina-zolkiewka"
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        inventory = archive.read("spis.txt").decode("utf-8")
    documents = sorted(n for n in names if n.startswith("dokumenty/"))
    assert f"dokumenty/{prefix}_hdr.docx" in documents and f"dokumenty/{prefix}_podsumowanie.html" in documents
    assert all(n.split("/", 1)[1].startswith(f"{prefix}_") for n in names if "/" in n)
    assert sorted(n for n in names if "/" not in n) == ["manifest.json", "spis.txt"]
    assert inventory.startswith(f"Paczka dla Ośrodka Rozwoju Edukacji: {unit['name']} (TERC {unit['teryt']})\r\n")
    assert (f"  dokumenty/{prefix}_hdr.docx — Harmonogram działań rozwojowych — {unit['name']}, dokument Word\r\n"
            in inventory)
    assert f"  formularze/{prefix}_3_hdr.xlsx — formularz Excel\r\n" in inventory
    assert "manifest.json — lista plików z sumami kontrolnymi SHA-256" in inventory
    for name in names:
        if name not in ("manifest.json", "spis.txt"):
            assert name in inventory
    assert verify_bundle(bundle) == []
