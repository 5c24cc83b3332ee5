"""End to end on the sample units with the real LibreOffice and pandoc (slow; CI runs it)."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from documents_fixtures import TEST_TEMPLATES

from pipeline.build import BuildOptions, build
from pipeline.bundle import verify_bundle
from pipeline.edition import load_edition
from pipeline.pdfpin import pdf_info
from pipeline.report import validate_report

pytestmark = pytest.mark.slow
ROOT = Path(__file__).parent.parent
EDITION = load_edition("2020")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample units, plus one unit with a broken form and one with a file that is not a workbook."""
    root = tmp_path_factory.mktemp("e2e")
    shutil.copytree(ROOT / "forms", root / "forms", ignore=shutil.ignore_patterns("puste"))
    broken = root / "forms" / "slaskie-mikolow-kopia"
    shutil.copytree(root / "forms" / "slaskie-mikolow", broken)
    book = openpyxl.load_workbook(broken / "3_hdr.xlsx")
    book["Działania"]["F5"] = "1.07.2020"
    book.save(broken / "3_hdr.xlsx")
    junk = root / "forms" / "zepsuty-plik"
    junk.mkdir()
    (junk / "1_karta_jst.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    return root


def run(root: Path, out: str) -> object:
    options = BuildOptions(forms_dir=root / "forms", out_dir=root / out, edition=EDITION,
                           templates_dir=TEST_TEMPLATES, repo_root=root)
    return build(options, echo=lambda _: None)


@pytest.fixture(scope="module")
def built(workspace: Path) -> dict:
    run(workspace, "output")
    return json.loads((workspace / "output" / "report.json").read_text(encoding="utf-8"))


def test_every_unit_has_the_expected_status(built: dict) -> None:
    statuses = {u["id"]: u["status"] for u in built["units"]}
    assert statuses.pop("slaskie-mikolow-kopia") == "invalid"
    assert statuses.pop("zepsuty-plik") == "invalid"
    assert statuses.pop("slaskie-mikolow") == "invalid"  # its copy claims the same TERC code
    assert sorted(set(statuses.values())) == ["incomplete", "ok"]
    validate_report(built)


def test_complete_units_get_every_document_as_docx_and_pdfa(built: dict, workspace: Path) -> None:
    for unit in built["units"]:
        if unit["status"] != "ok":
            continue
        names = {Path(d).name for d in unit["documents"]}
        for stem in ("karta_jst", "hdr", "spotkania", "podsumowanie"):
            assert {f"{stem}.docx", f"{stem}.pdf"} <= names, unit["id"]
        assert "podsumowanie.html" in names
        pdf = workspace / next(d for d in unit["documents"] if d.endswith("hdr.pdf"))
        info = pdf_info(pdf)
        assert (info["pdfa_part"], info["pdfa_conformance"]) == ("2", "B")
        assert info["fonts_all_embedded"] and info["author"] == unit["name"]
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])


def test_bundles_match_their_manifests_and_hold_only_their_unit(built: dict, workspace: Path) -> None:
    bundled = [u for u in built["units"] if u["bundle"]]
    assert len(bundled) >= 6
    for unit in bundled:
        path = workspace / unit["bundle"]
        assert verify_bundle(path) == []
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read("manifest.json"))
            assert manifest["unit"]["teryt"] == unit["teryt"]
            forms = [n for n in archive.namelist() if n.startswith("formularze/")]
            prefix = f"{path.stem}_"  # "0614011_gmina-miasto-pulawy_": whose the file is
            assert forms and all(Path(n).name.startswith(prefix) for n in forms)
            assert all(archive.read(n) == (workspace / "forms" / unit["id"] / Path(n).name.removeprefix(prefix))
                       .read_bytes() for n in forms)
            others = [u["name"] for u in built["units"] if u["name"] and u["id"] != unit["id"]
                      and u["name"] != unit["name"]]
            text = b" ".join(archive.read(n) for n in archive.namelist() if n.endswith(".html")).decode()
            assert not any(name in text for name in others)


def test_publication_html_is_polish_and_has_no_contact_data(built: dict, workspace: Path) -> None:
    unit = next(u for u in built["units"] if u["id"] == "lubelskie-pulawy")
    html = (workspace / next(d for d in unit["documents"] if d.endswith(".html"))).read_text(encoding="utf-8")
    assert '<html lang="pl">' in html and "I. Opis dobrej praktyki" in html
    assert "@" not in html.split("<main>")[1]
    assert unit["publication_omitted"]


def test_broken_units_get_feedback_and_no_bundle(built: dict, workspace: Path) -> None:
    broken = next(u for u in built["units"] if u["id"] == "slaskie-mikolow-kopia")
    assert broken["bundle"] is None
    [feedback] = broken["feedback"]
    book = openpyxl.load_workbook(workspace / feedback)
    assert book.sheetnames[0] == "Uwagi do poprawy"
    junk = next(u for u in built["units"] if u["id"] == "zepsuty-plik")
    assert "to nie jest skoroszyt" in junk["errors"][0]["message"]


def test_the_reports_exist(workspace: Path, built: dict) -> None:
    page = (workspace / "output" / "index.html").read_text(encoding="utf-8")
    assert all((u["name"] or u["id"]) in page for u in built["units"])
    assert openpyxl.load_workbook(workspace / "output" / "raport.xlsx").sheetnames == ["Przegląd programu", "Jednostki", "Błędy"]


def test_a_second_build_from_scratch_gives_byte_identical_bundles(built: dict, workspace: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # in chunks of three units (state saved, LibreOffice batches split between chunks): same bytes
    monkeypatch.setattr("pipeline.build.CHUNK_UNITS", 3)
    run(workspace, "output-2")
    first = sorted((workspace / "output" / "paczki").glob("*.zip"))
    second = sorted((workspace / "output-2" / "paczki").glob("*.zip"))
    assert [p.name for p in first] == [p.name for p in second]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(first, second, strict=True))
    again = json.loads((workspace / "output-2" / "report.json").read_text(encoding="utf-8"))
    assert again == json.loads(json.dumps(built).replace('"output/', '"output-2/'))
