"""A new version of the tool never overwrites a coordinator's template; the build says what changed."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from documents_fixtures import TEST_TEMPLATES
from docx import Document
from factories import write_unit

from pipeline.build import BuildOptions, build
from pipeline.cli import main
from pipeline.documents import DOCUMENTS
from pipeline.edition import load_edition
from pipeline.errors import UsageError
from pipeline.shipped import SHIPPED_DIR, differing, restore, update_notice

ROOT = Path(__file__).resolve().parents[1]
EDITION = load_edition("2020")


def _committed(name: str) -> bytes:
    """templates/<name> as committed (a coordinator's uncommitted edits do not count)."""
    if (ROOT / ".git").exists():
        return subprocess.run(["git", "-C", str(ROOT), "show", f"HEAD:templates/{name}"], capture_output=True,
                              check=True).stdout
    return (ROOT / "templates" / name).read_bytes()


def test_the_package_ships_the_committed_templates():
    shipped = sorted(p.name for p in SHIPPED_DIR.glob("*.docx"))
    assert shipped == sorted(d.template for d in DOCUMENTS)
    stale = [name for name in shipped if (SHIPPED_DIR / name).read_bytes() != _committed(name)]
    assert stale == [], "run: .venv/bin/python templates/build_templates.py --ship (then commit)"


def _edit(path: Path, text: str) -> None:
    document = Document(path)
    document.paragraphs[0].add_run(text)
    document.save(path)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def workspace(tmp_path):
    """Version 1 of the tool's templates, the coordinator's copies, one unit's forms."""
    shipped, templates = tmp_path / "dostarczone", tmp_path / "templates"
    shutil.copytree(TEST_TEMPLATES, shipped, ignore=shutil.ignore_patterns("*.md"))
    shutil.copytree(shipped, templates)
    write_unit(tmp_path / "forms" / "gmina-a", EDITION)
    return tmp_path


def _build(root: Path) -> list[str]:
    said: list[str] = []
    build(BuildOptions(forms_dir=root / "forms", out_dir=root / "output", edition=EDITION, repo_root=root,
                       templates_dir=root / "templates", shipped_dir=root / "dostarczone", pdf=False, jobs=1),
          echo=said.append)
    return [line for line in said if "szablon" in line]


def test_a_build_after_new_shipped_templates_names_the_coordinators_templates_and_keeps_them(workspace):
    templates, shipped = workspace / "templates", workspace / "dostarczone"
    assert _build(workspace) == []
    _edit(templates / "hdr.docx", " (wersja koordynatora)")  # the coordinator edits in Word
    _edit(shipped / "hdr.docx", " (wersja 2)")  # a new version of the tool changes hdr and karta_jst
    _edit(shipped / "karta_jst.docx", " (wersja 2)")
    shutil.copy(shipped / "karta_jst.docx", templates / "karta_jst.docx")  # this one the coordinator never edited
    before = {p.name: _sha(p) for p in templates.glob("*.docx")}
    assert _build(workspace) == [
        "Nowa wersja programu zawiera zmienione szablony: hdr.docx, karta_jst.docx. Szablony hdr.docx w katalogu "
        f"{templates} różnią się od nowych wersji (zmienione przez koordynatora albo starsze) i nie zostały "
        "nadpisane: dokumenty powstają z nich. Nową wersję szablonu wstawia polecenie teczka templates restore "
        f"hdr.docx (obecny plik zostanie zachowany w katalogu {templates / 'poprzednie'})."]
    assert {p.name: _sha(p) for p in templates.glob("*.docx")} == before
    assert "wersja koordynatora" in Document(templates / "hdr.docx").paragraphs[0].text
    assert _build(workspace) == []  # said once, on the first build of the new version


def test_nothing_is_said_when_the_shipped_templates_did_not_change(workspace):
    _edit(workspace / "templates" / "hdr.docx", " (wersja koordynatora)")
    seen = {p.name: _sha(p) for p in (workspace / "dostarczone").glob("*.docx")}
    assert update_notice(workspace / "templates", seen, workspace / "dostarczone") == []
    assert differing(workspace / "templates", workspace / "dostarczone") == ["hdr.docx"]


def test_restore_puts_the_shipped_version_back_and_keeps_the_coordinators_file(workspace):
    templates, shipped = workspace / "templates", workspace / "dostarczone"
    _edit(templates / "hdr.docx", " (wersja koordynatora)")
    edited = (templates / "hdr.docx").read_bytes()
    changed, kept = restore(templates, "hdr", shipped, now=datetime(2026, 12, 1, 15, 30))
    assert changed and kept == templates / "poprzednie" / "hdr-2026-12-01-153000.docx"
    assert kept.read_bytes() == edited and _sha(templates / "hdr.docx") == _sha(shipped / "hdr.docx")
    assert restore(templates, "hdr.docx", shipped) == (False, None)
    assert differing(templates, shipped) == []
    with pytest.raises(UsageError, match="Program nie dostarcza szablonu harmonogram.docx"):
        restore(templates, "harmonogram", shipped)


def test_the_restore_command_says_what_it_did(tmp_path):
    shutil.copytree(SHIPPED_DIR, tmp_path / "templates")
    _edit(tmp_path / "templates" / "spotkania.docx", " (zmiana)")
    result = CliRunner().invoke(main, ["templates", "restore", "spotkania.docx", "hdr", "--templates",
                                       str(tmp_path / "templates")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("spotkania.docx: przywrócono wersję dostarczoną z programem; poprzedni plik "
                               f"zachowano jako {tmp_path / 'templates' / 'poprzednie' / 'spotkania-'}")
    assert lines[1] == "hdr: jest już w wersji dostarczonej z programem."


def test_the_template_check_names_the_templates_that_differ_from_the_shipped_ones(tmp_path):
    shutil.copytree(SHIPPED_DIR, tmp_path / "templates")
    _edit(tmp_path / "templates" / "hdr.docx", " (zmiana)")
    result = CliRunner().invoke(main, ["templates", "check", "--templates", str(tmp_path / "templates")])
    assert result.exit_code == 0, result.output
    assert result.output.endswith("Różnią się od wersji dostarczonych z programem (zmiany koordynatora): hdr.docx.\n")
