"""The template generator is a developer tool that never overwrites an edited template."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest
from docx import Document

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def generator():
    spec = importlib.util.spec_from_file_location("build_templates", ROOT / "templates" / "build_templates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _edit_in_word(path: Path) -> None:
    document = Document(path)
    document.paragraphs[0].add_run(" (zmiana koordynatora)")
    document.save(path)


def test_the_generator_records_its_output_and_regenerates_an_unedited_template(tmp_path, generator):
    assert generator.main(["--only", "hdr.docx", "--out", str(tmp_path)]) == 0
    record = json.loads((tmp_path / ".generated.json").read_text())
    assert list(record) == ["hdr.docx"]
    assert generator.main(["--only", "hdr.docx", "--out", str(tmp_path)]) == 0


def test_the_generator_refuses_to_overwrite_an_edited_template_and_says_which_and_why(tmp_path, generator, capsys):
    assert generator.main(["--only", "hdr.docx", "--only", "spotkania.docx", "--out", str(tmp_path)]) == 0
    _edit_in_word(tmp_path / "spotkania.docx")
    edited = (tmp_path / "spotkania.docx").read_bytes()
    capsys.readouterr()
    assert generator.main(["--only", "hdr.docx", "--only", "spotkania.docx", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'spotkania.docx'}: not overwritten: it differs from this script's last output" in err
    assert "hdr.docx" not in err and "Nothing written" in err
    assert (tmp_path / "spotkania.docx").read_bytes() == edited


def test_a_template_the_generator_never_wrote_is_not_overwritten(tmp_path, generator, capsys):
    shutil.copy(ROOT / "templates" / "hdr.docx", tmp_path / "hdr.docx")
    _edit_in_word(tmp_path / "hdr.docx")
    assert generator.main(["--only", "hdr.docx", "--out", str(tmp_path)]) == 1
    assert "no output of this script is recorded for it" in capsys.readouterr().err


def test_accept_makes_the_current_files_the_baseline(tmp_path, generator):
    assert generator.main(["--only", "hdr.docx", "--out", str(tmp_path)]) == 0
    fresh = (tmp_path / "hdr.docx").read_bytes()
    _edit_in_word(tmp_path / "hdr.docx")
    assert generator.main(["--accept", "--only", "hdr.docx", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "hdr.docx").read_bytes() != fresh  # --accept writes no template
    assert generator.main(["--only", "hdr.docx", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "hdr.docx").read_bytes() == fresh


def test_make_never_runs_the_generator():
    assert "build_templates" not in (ROOT / "Makefile").read_text()
