"""Faults around a build: LibreOffice hanging, crashing or missing, the run killed, two runs at
once, an output folder that cannot be written, a full disk. Nothing is lost, nothing
half-written is presented as finished, the inputs are never touched, and the user reads one
Polish sentence instead of a traceback.

LibreOffice is replaced by stand-in programs written per test (a unique name, so that no
process of theirs can hide among others); nothing here runs the real one.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import pathlib
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import traceback
import uuid
from pathlib import Path
from typing import Any

import hostile_files
import pytest
from click.testing import CliRunner
from documents_fixtures import TEST_TEMPLATES
from docx import Document
from factories import unit_data, write_unit

from pipeline.build import BuildOptions, build
from pipeline.bundle import verify_bundle
from pipeline.cli import main
from pipeline.edition import load_edition

EDITION = load_edition("2020")
ROOT = Path(__file__).parent.parent
TEMPLATES = TEST_TEMPLATES
FAKES = Path(__file__).parent / "fake_soffice"
CODES = ["0606112", "0613012", "0613022", "0614012", "0614022"]
INSTALL = ("apt-get install -y --no-install-recommends libreoffice-writer-nogui fonts-liberation2 "
           "fonts-crosextra-carlito")

FAKE_SOFFICE = '''#!{python}
"""Stand-in for soffice --convert-to pdf: a real (blank) PDF per document, after {delay} s;
documents whose text holds {marker!r} make it {mode}."""
import os, signal, sys, time, zipfile

import pikepdf

args = sys.argv[1:]
outdir = args[args.index("--outdir") + 1]
for source in [a for a in args if a.endswith(".docx")]:
    stem = os.path.splitext(os.path.basename(source))[0]
    print(f"convert {{source}} -> {{outdir}}/{{stem}}.pdf using filter : fake", flush=True)
    with zipfile.ZipFile(source) as document:
        text = document.read("word/document.xml").decode("utf-8")
    time.sleep({delay})
    if {marker!r} and {marker!r} in text:
        if {mode!r} == "hang":
            time.sleep(1000)
        elif {mode!r} == "crash":
            os.kill(os.getpid(), signal.SIGSEGV)
        else:
            sys.exit(3)
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(os.path.join(outdir, stem + ".pdf"))
'''


# -- helpers ----------------------------------------------------------------------------------


def fake_soffice(folder: Path, mode: str = "ok", marker: str = "", delay: float = 0.0) -> Path:
    """A stand-in LibreOffice with a name no other process has."""
    path = folder / f"soffice-fake-{uuid.uuid4().hex[:10]}"
    path.write_text(FAKE_SOFFICE.format(python=sys.executable, mode=mode, marker=marker, delay=delay),
                    encoding="utf-8")
    path.chmod(0o755)
    return path


def alive(needle: str) -> list[int]:
    """Live (not zombie) processes whose command line mentions ``needle`` (as pgrep -f sees them)."""
    found = subprocess.run(["pgrep", "-f", "--", needle], capture_output=True, text=True).stdout.split()
    live = []
    for pid in map(int, found):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and pid != os.getpid():
            live.append(pid)
    return live


def wait_until_gone(needle: str, seconds: float = 5.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while (pids := alive(needle)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return pids


def small_units(forms: Path, names: list[str], broken: str | None = None) -> Path:
    """Units with the card and diagnosis (one document each); ``broken``'s name carries a marker."""
    for name, code in zip(names, CODES, strict=False):
        data = unit_data(hdr=None, meetings=None, summary=None)
        data["card"]["jst"]["terc"] = code
        if name == broken:
            data["card"]["jst"]["name"] = "Gmina Pechowa"
        write_unit(forms / name, EDITION, data)
    return forms


def fingerprint(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def invoke(args: list[str], **env: str) -> Any:
    return CliRunner().invoke(main, args, env=env or None)


# -- 4. LibreOffice hangs, crashes, fails or is missing ------------------------------------------

FAULTS = {
    "hang": "karta_jst.docx: Przekroczono limit czasu konwersji (1 s) — LibreOffice zatrzymany.",
    "crash": "karta_jst.docx: LibreOffice został przerwany sygnałem 11.",
    "fail": "karta_jst.docx: LibreOffice zakończył pracę z błędem (kod 3).",
}


@pytest.mark.parametrize("mode", sorted(FAULTS))
def test_libreoffice_failing_on_one_units_documents_fails_that_unit_and_the_others_get_bundles(
        mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    forms = small_units(tmp_path / "forms", ["gmina-a", "gmina-b", "gmina-c"], broken="gmina-b")
    inputs = fingerprint(forms)
    soffice = fake_soffice(tmp_path, mode, marker="Pechowa")
    monkeypatch.chdir(tmp_path)
    result = invoke(["build", "--jobs", "2", "--timeout", "1", "--templates", str(TEMPLATES)],
                    TECZKA_SOFFICE=str(soffice))
    assert result.exit_code == 1, result.output
    assert f"  ! gmina-b: {FAULTS[mode]}" in result.output.splitlines()
    assert "Traceback" not in result.output
    units = {u["id"]: u for u in json.loads((tmp_path / "output" / "report.json").read_text())["units"]}
    failed = units.pop("gmina-b")
    assert (failed["status"], failed["failure"], failed["documents"], failed["bundle"]) == (
        "failed", FAULTS[mode], [], None)
    assert not (tmp_path / "output" / "gmina-b").exists()
    for unit in units.values():
        assert unit["status"] == "incomplete" and unit["failure"] is None
        assert [Path(d).name for d in unit["documents"]] == ["karta_jst.docx", "karta_jst.pdf"]
        assert verify_bundle(tmp_path / unit["bundle"]) == []
    assert wait_until_gone(soffice.name) == []
    assert fingerprint(forms) == inputs

    working = fake_soffice(tmp_path)  # LibreOffice repaired: the next run retries only the failed unit
    result = invoke(["build", "--jobs", "2", "--templates", str(TEMPLATES)], TECZKA_SOFFICE=str(working))
    assert result.exit_code == 0, result.output
    assert "  przebudowano gmina-b: nowa jednostka" in result.output.splitlines()
    assert "przebudowano gmina-a" not in result.output


def test_libreoffice_hanging_on_every_document_fails_every_unit_and_leaves_no_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small_units(tmp_path / "forms", ["gmina-a", "gmina-b"])
    soffice = tmp_path / f"soffice-fake-{uuid.uuid4().hex[:10]}"
    soffice.write_bytes((FAKES / "hang").read_bytes())
    soffice.chmod(0o755)
    pids = tmp_path / "pids"
    monkeypatch.chdir(tmp_path)
    started = time.monotonic()
    result = invoke(["build", "--jobs", "2", "--timeout", "1", "--templates", str(TEMPLATES)],
                    TECZKA_SOFFICE=str(soffice), FAKE_SOFFICE_PIDS=str(pids))
    assert result.exit_code == 1
    assert time.monotonic() - started < 30
    lines = result.output.splitlines()
    for unit in ("gmina-a", "gmina-b"):
        assert f"  ! {unit}: {FAULTS['hang']}" in lines
    assert "  z błędem generowania         2" in lines
    assert not (tmp_path / "output" / "paczki").exists() or not any((tmp_path / "output" / "paczki").iterdir())
    assert wait_until_gone(soffice.name) == []
    for pid in map(int, pids.read_text().split()):  # the stand-in and its own child (a sleep)
        assert not Path(f"/proc/{pid}").exists() or Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] == "Z"


@pytest.mark.parametrize("how", ["TECZKA_SOFFICE", "PATH"])
def test_missing_libreoffice_is_a_clear_message_with_the_install_command_before_any_work(
        how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small_units(tmp_path / "forms", ["gmina-a"])
    monkeypatch.chdir(tmp_path)
    if how == "PATH":
        monkeypatch.delenv("TECZKA_SOFFICE", raising=False)
        env = {"PATH": str(tmp_path / "bin")}
    else:
        env = {"TECZKA_SOFFICE": str(tmp_path / "nie-ma-soffice")}
    result = invoke(["build", "--templates", str(TEMPLATES)], **env)
    assert result.exit_code == 2
    assert result.stderr == (
        "Błąd: Nie znaleziono LibreOffice (soffice). Do tworzenia plików PDF potrzebny jest LibreOffice. "
        f"Zainstaluj go poleceniem: {INSTALL} (albo wskaż program zmienną środowiskową TECZKA_SOFFICE).\n")
    assert not (tmp_path / "output").exists()


# -- 5. the run killed at a random moment -----------------------------------------------------

DOCUMENTS = {"karta_jst.docx", "hdr.docx", "spotkania.docx", "podsumowanie.docx", "podsumowanie.html",
             "karta_jst.pdf", "hdr.pdf", "spotkania.pdf", "podsumowanie.pdf"}


def assert_nothing_half_written(out: Path, root: Path) -> None:
    """Whatever a killed run left: complete unit folders, verified bundles, honest report and state."""
    if not out.exists():
        return
    for folder in out.iterdir():
        if not folder.is_dir() or folder.name.startswith(".") or folder.name == "paczki":
            continue
        names = {p.name for p in folder.iterdir()}
        assert DOCUMENTS <= names, (folder.name, DOCUMENTS - names)
        for document in folder.glob("*.docx"):
            Document(document)
        for pdf in folder.glob("*.pdf"):
            assert pdf.read_bytes().rstrip().endswith(b"%%EOF")
    for bundle in (out / "paczki").glob("*") if (out / "paczki").is_dir() else []:
        assert bundle.suffix == ".zip" and verify_bundle(bundle) == [], bundle.name
    claims: list[dict[str, Any]] = []
    if (out / "report.json").exists():
        claims += json.loads((out / "report.json").read_text(encoding="utf-8"))["units"]
    if (out / ".teczka-state.json").exists():
        claims += [u["report"] for u in json.loads((out / ".teczka-state.json").read_text())["units"].values()]
    for unit in claims:
        for path in unit["documents"]:
            assert (root / path).is_file(), path
        if unit["bundle"]:
            assert verify_bundle(root / unit["bundle"]) == [], unit["bundle"]


@pytest.mark.slow  # eight full builds, six of them killed
def test_a_run_killed_at_random_moments_never_leaves_anything_half_written(tmp_path: Path) -> None:
    forms = tmp_path / "forms"
    for number, code in enumerate(CODES):
        data = unit_data()
        data["card"]["jst"]["terc"] = code
        write_unit(forms / f"gmina-{number}", EDITION, data)
    inputs = fingerprint(forms)
    templates = shutil.copytree(TEMPLATES, tmp_path / "templates")  # the same bytes for every run
    soffice = fake_soffice(tmp_path, delay=0.05)
    env = dict(os.environ, TECZKA_SOFFICE=str(soffice))

    def command(out: str, *extra: str) -> list[str]:
        return [sys.executable, "-m", "pipeline", "build", "--out", str(tmp_path / out), "--jobs", "2",
                "--templates", str(templates), *extra]

    started = time.monotonic()
    reference = subprocess.run(command("wzorzec"), cwd=tmp_path, env=env, capture_output=True, text=True)
    assert reference.returncode == 0, reference.stderr
    duration = time.monotonic() - started

    out = tmp_path / "output"
    chance = random.Random(2020)
    for attempt in range(6):
        delay = chance.uniform(0.1, 1.0) * duration
        run = subprocess.Popen(command("output", *(["--force"] if attempt else [])), cwd=tmp_path, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        run.send_signal(signal.SIGKILL)
        run.wait()
        assert wait_until_gone(str(out)) == [], f"processes outlived the run killed after {delay:.2f} s"
        assert_nothing_half_written(out, tmp_path)

    final = subprocess.run(command("output"), cwd=tmp_path, env=env, capture_output=True, text=True)
    assert final.returncode == 0, final.stderr
    assert_nothing_half_written(out, tmp_path)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [u["status"] for u in report["units"]] == ["ok"] * len(CODES)
    assert fingerprint(out / "paczki") == fingerprint(tmp_path / "wzorzec" / "paczki")
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in (tmp_path / "wzorzec").iterdir())
    assert not [p for p in out.rglob("*") if p.name.endswith((".tmp", ".part")) or ".old-" in p.name]
    assert fingerprint(forms) == inputs
    assert wait_until_gone(soffice.name) == []


def test_the_next_run_removes_leftovers_and_puts_back_a_folder_set_aside_when_the_run_died(tmp_path: Path) -> None:
    forms = small_units(tmp_path / "forms", ["gmina-a", "gmina-b"])
    out = tmp_path / "output"
    options = BuildOptions(forms_dir=forms, out_dir=out, edition=EDITION, templates_dir=TEMPLATES,
                           repo_root=tmp_path, pdf=False, jobs=1)
    build(options, echo=lambda _: None)
    before = fingerprint(out / "gmina-b")
    # killed between "old folder aside" and "new folder in place", and while writing files:
    (out / "gmina-b").rename(out / ".gmina-b.old-k7x2q9za")
    (out / ".gmina-a.old-3hd82kqp").mkdir()
    (out / ".gmina-a.old-3hd82kqp" / "hdr.docx").write_bytes(b"stare")
    (out / ".report.json.w8v1c0.tmp").write_bytes(b"{\"units\": [")
    (out / "paczki" / ".0606112_gmina-zolkiewka.zip.q2m4.tmp").write_bytes(b"PK")
    (out / ".staging" / "gmina-a").mkdir(parents=True)
    (out / ".staging" / "gmina-a" / "karta_jst.docx").write_bytes(b"pol")
    summary = build(options, echo=lambda _: None)
    assert summary.rebuilt == {}
    assert fingerprint(out / "gmina-b") == before
    assert sorted(p.name for p in out.iterdir()) == [".teczka-state.json", ".teczka.lock", "gmina-a", "gmina-b",
                                                     "index.html", "paczki", "raport.xlsx", "report.json"]
    assert sorted(p.name for p in (out / "paczki").iterdir()) == ["0606112_gmina-zolkiewka.zip",
                                                                  "0613012_gmina-zolkiewka.zip"]


# -- 6. two runs at once ----------------------------------------------------------------------


def test_a_second_run_on_the_same_output_refuses_clearly_and_the_first_completes(tmp_path: Path) -> None:
    small_units(tmp_path / "forms", ["gmina-a", "gmina-b"])
    soffice = fake_soffice(tmp_path, delay=1.5)  # keeps the first run busy for a few seconds
    env = dict(os.environ, TECZKA_SOFFICE=str(soffice))
    command = [sys.executable, "-m", "pipeline", "build", "--jobs", "1", "--templates", str(TEMPLATES)]
    first = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    lock = tmp_path / "output" / ".teczka.lock"
    deadline = time.monotonic() + 30
    while not (lock.exists() and lock.read_text().strip() == str(first.pid)):
        assert time.monotonic() < deadline and first.poll() is None, "the first run never took the lock"
        time.sleep(0.05)
    second = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert first.poll() is None  # they really overlapped
    assert second.returncode == 2
    assert second.stderr == ("Błąd: Inne uruchomienie teczki zapisuje już do katalogu output "
                             "(blokada output/.teczka.lock). Poczekaj, aż się zakończy.\n")
    assert second.stdout == ""
    output, errors = first.communicate(timeout=120)
    assert first.returncode == 0, errors
    assert "  przebudowano gmina-a: nowa jednostka" in output.splitlines()
    report = json.loads((tmp_path / "output" / "report.json").read_text(encoding="utf-8"))
    for unit in report["units"]:
        assert unit["status"] == "incomplete" and verify_bundle(tmp_path / unit["bundle"]) == []
    assert not (tmp_path / "output" / ".staging").exists()


# -- 7. an output folder that cannot be written, a full disk ------------------------------------


@pytest.mark.parametrize("where", ["file", "under_a_file"])
def test_an_output_path_that_is_not_a_folder_is_a_clear_message_and_the_forms_are_untouched(
        where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    forms = small_units(tmp_path / "forms", ["gmina-a"])
    inputs = fingerprint(forms)
    (tmp_path / "wyniki.txt").write_text("to jest plik")
    out = "wyniki.txt" if where == "file" else "wyniki.txt/output"
    monkeypatch.chdir(tmp_path)
    result = invoke(["build", "--no-pdf", "--out", out, "--templates", str(TEMPLATES)])
    assert result.exit_code == 2
    assert result.stderr == (f"Błąd: Nie można zapisywać w katalogu {out}: "
                             "w tym miejscu jest plik, a potrzebny jest katalog.\n")
    assert fingerprint(forms) == inputs
    assert (tmp_path / "wyniki.txt").read_text() == "to jest plik"


def test_other_commands_turn_file_errors_into_a_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "puste.txt").write_text("to jest plik")
    monkeypatch.chdir(tmp_path)
    result = invoke(["forms", "--out", "puste.txt"])
    assert result.exit_code == 2
    assert result.stderr == ("Błąd: Nie udało się zapisać lub odczytać pliku (puste.txt): w tym miejscu jest plik, "
                             "a potrzebny jest katalog. Usuń przyczynę i uruchom polecenie ponownie.\n")


def disk_full(path: object) -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


@pytest.mark.parametrize("stage", ["rendering", "publishing", "reporting"])
def test_a_full_disk_stops_the_run_with_a_clear_message_and_the_next_run_completes(
        stage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    forms = small_units(tmp_path / "forms", ["gmina-a", "gmina-b"])
    inputs = fingerprint(forms)
    monkeypatch.chdir(tmp_path)
    with monkeypatch.context() as patch:
        if stage == "rendering":  # a worker writing a document into the staging folder
            write_bytes = pathlib.Path.write_bytes

            def full(self: Path, data: bytes) -> int:
                if ".staging" in self.parts:
                    raise disk_full(self)
                return write_bytes(self, data)

            patch.setattr(pathlib.Path, "write_bytes", full)
        elif stage == "publishing":  # moving a finished bundle into paczki/
            replace = os.replace

            def full_replace(source: Any, target: Any) -> None:
                if "paczki" in str(target):
                    raise disk_full(target)
                replace(source, target)

            patch.setattr(os, "replace", full_replace)
        else:  # writing report.json
            import pipeline.build

            def full_write(path: Path, data: bytes) -> None:
                raise disk_full(path)

            patch.setattr(pipeline.build, "atomic_write_bytes", full_write)
        result = invoke(["build", "--no-pdf", "--jobs", "1", "--templates", str(TEMPLATES)])
    assert result.exit_code == 2, result.output
    message = re.fullmatch(r"Błąd: Nie udało się zapisać lub odczytać pliku \((.+)\): brak miejsca na dysku\. "
                           r"Formularze nie zostały zmienione, a w katalogu wyników nie ma plików zapisanych do "
                           r"połowy; usuń przyczynę i uruchom budowanie ponownie\.\n", result.stderr)
    assert message, result.stderr
    assert "output" in Path(message[1]).parts
    assert "Traceback" not in result.output
    assert fingerprint(forms) == inputs
    assert_nothing_half_written_small(tmp_path / "output", tmp_path)

    result = invoke(["build", "--no-pdf", "--jobs", "1", "--templates", str(TEMPLATES)])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "output" / "report.json").read_text(encoding="utf-8"))
    assert [verify_bundle(tmp_path / u["bundle"]) for u in report["units"]] == [[], []]
    assert not (tmp_path / "output" / ".staging").exists()


def assert_nothing_half_written_small(out: Path, root: Path) -> None:
    for bundle in (out / "paczki").glob("*") if (out / "paczki").is_dir() else []:
        assert verify_bundle(bundle) == []
    if (out / ".teczka-state.json").exists():
        for unit in json.loads((out / ".teczka-state.json").read_text())["units"].values():
            assert all((root / path).is_file() for path in unit["report"]["documents"])
    assert not (out / ".staging").exists()


# -- 9. the same output reached by another path; a tampered state: nothing the run wrote is lost --

def report_of(out: Path) -> dict[str, Any]:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def assert_every_listed_file_exists(out: Path, root: Path) -> None:
    """Every file report.json lists exists (paths are relative to where the run started)."""
    for unit in report_of(out)["units"]:
        listed = [*unit["documents"], *unit["feedback"], *([unit["bundle"]] if unit["bundle"] else [])]
        assert listed, unit["id"]
        for path in listed:
            assert (root / path).is_file(), path
        if unit["bundle"]:
            assert verify_bundle(root / unit["bundle"]) == []


def build_from(cwd: Path, *args: str) -> Any:
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        return invoke(["build", "--no-pdf", "--jobs", "1", "--templates", str(TEMPLATES), *args])
    finally:
        os.chdir(previous)


@pytest.mark.parametrize("how", ["other_working_directory", "absolute_path", "renamed_and_forced",
                                 "copied_and_forced"])
def test_a_build_reaching_the_same_output_by_another_path_keeps_every_bundle(how: str, tmp_path: Path) -> None:
    work = tmp_path / "work"
    small_units(work / "forms", ["gmina-a", "gmina-b"])
    assert build_from(work).exit_code == 0
    bundles = sorted(p.name for p in (work / "output" / "paczki").iterdir())
    assert len(bundles) == 2
    if how == "other_working_directory":
        result = build_from(tmp_path, "--forms", "work/forms", "--out", "work/output")
        out, root = work / "output", tmp_path
    elif how == "absolute_path":  # from a folder outside the project, every path absolute
        (tmp_path / "gdzie-indziej").mkdir()
        result = build_from(tmp_path / "gdzie-indziej", "--forms", str(work / "forms"), "--out", str(work / "output"))
        out, root = work / "output", tmp_path / "gdzie-indziej"
    elif how == "renamed_and_forced":
        (work / "output").rename(work / "wyniki")
        result = build_from(work, "--out", "wyniki", "--force")
        out, root = work / "wyniki", work
    else:
        shutil.copytree(work / "output", work / "kopia")
        result = build_from(work, "--out", "kopia", "--force")
        out, root = work / "kopia", work
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (out / "paczki").iterdir()) == bundles
    assert_every_listed_file_exists(out, root)
    again = build_from(root, "--forms", str(work / "forms"), "--out", str(out))
    assert "Nic się nie zmieniło — wszystkie dokumenty są aktualne." in again.output
    assert sorted(p.name for p in (out / "paczki").iterdir()) == bundles


def test_a_state_naming_another_units_bundle_deletes_nothing_and_the_next_run_is_honest(tmp_path: Path) -> None:
    small_units(tmp_path / "forms", ["gmina-a", "gmina-b"])
    assert build_from(tmp_path).exit_code == 0
    out = tmp_path / "output"
    state_path = out / ".teczka-state.json"
    state = json.loads(state_path.read_text(encoding="utf-8"))
    victim = state["units"]["gmina-b"]["report"]["bundle"]
    state["units"]["gmina-a"]["report"]["bundle"] = victim
    state["units"]["gmina-a"]["global_key"] = "inny"  # forces gmina-a's rebuild, which drops its "old bundle"
    state_path.write_text(json.dumps(state), encoding="utf-8")
    assert build_from(tmp_path).exit_code == 0
    assert (tmp_path / victim).is_file() and verify_bundle(tmp_path / victim) == []
    assert_every_listed_file_exists(out, tmp_path)


def test_a_bundle_listed_in_the_report_but_missing_is_rebuilt_instead_of_nothing_changed(tmp_path: Path) -> None:
    small_units(tmp_path / "forms", ["gmina-a", "gmina-b"])
    assert build_from(tmp_path).exit_code == 0
    missing = report_of(tmp_path / "output")["units"][1]["bundle"]
    (tmp_path / missing).unlink()
    result = build_from(tmp_path)
    assert result.exit_code == 0
    assert "Nic się nie zmieniło" not in result.output
    assert "  przebudowano gmina-b: brak plików wynikowych\n" in result.output
    assert_every_listed_file_exists(tmp_path / "output", tmp_path)


# -- 10. one bad file among good units: that unit's error, the others are built -----------------

DAMAGED = ("plik jest uszkodzony (część archiwum jest nieczytelna albo większa, niż deklaruje). Jeśli otwiera się "
           "w Excelu lub Calc, zapisz go ponownie jako .xlsx; jeśli nie — użyj kopii zapasowej.")
NOT_A_FILE = ("to nie jest zwykły plik (to katalog, potok lub urządzenie) — formularzem może być tylko plik .xlsx. "
              "Usuń go z katalogu jednostki albo zmień jego nazwę.")
BAD_FILES = {  # how gmina-b's diagnosis is spoiled -> (the file reported, its message)
    "bad_checksum": (hostile_files.with_bad_checksum, "forms/gmina-b/2_diagnoza.xlsx", DAMAGED),
    "corrupt_stream": (hostile_files.with_corrupt_stream, "forms/gmina-b/2_diagnoza.xlsx", DAMAGED),
    "lying_size": (lambda path: hostile_files.with_lying_size(path, 50), "forms/gmina-b/2_diagnoza.xlsx", DAMAGED),
    "folder": (hostile_files.folder_named_like_a_form, "forms/gmina-b/2_diagnoza.xlsx", NOT_A_FILE),
    "named_pipe": (hostile_files.named_pipe, "forms/gmina-b/2_diagnoza.xlsx", NOT_A_FILE),
    "file_name_not_utf8": (hostile_files.non_utf8_name, "forms/gmina-b/gmina-\\xb3.xlsx",
                           "nazwa pliku nie jest poprawnym tekstem (UTF-8) — pliku nie odczytano. "
                           "Zmień jego nazwę, np. na 3_hdr.xlsx."),
}


BUILD_ARGS = ["build", "--no-pdf", "--no-html", "--jobs", "1", "--templates", str(TEMPLATES)]


def build_in(root: Path) -> subprocess.CompletedProcess[str]:
    """The CLI in its own process: a named pipe opened by mistake would block, the time limit guards the test."""
    return subprocess.run([sys.executable, "-m", "pipeline", *BUILD_ARGS], cwd=root, capture_output=True, text=True,
                          timeout=300)


def run_here(root: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    """The CLI in this process (no interpreter start-up), seen as ``build_in`` sees it: the exit code, stdout, and
    stderr with the traceback of any exception that escaped the command, as Python would print it."""
    previous = Path.cwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(main, args)
    finally:
        os.chdir(previous)
    stderr = result.stderr
    if result.exc_info is not None and not isinstance(result.exception, SystemExit):
        stderr += "Traceback (most recent call last):\n" + "".join(traceback.format_exception(*result.exc_info))
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, stderr)


def build_here(root: Path) -> subprocess.CompletedProcess[str]:
    return run_here(root, BUILD_ARGS)


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_one_damaged_or_strange_file_is_its_units_error_and_the_other_units_are_built(kind: str, tmp_path: Path) -> None:
    small_units(tmp_path / "forms", ["gmina-a", "gmina-b"])
    spoil, file, message = BAD_FILES[kind]
    spoil(tmp_path / "forms" / "gmina-b" / "2_diagnoza.xlsx")
    run = build_in if kind == "named_pipe" else build_here  # a pipe opened by mistake would block this process
    for _ in range(2):  # the second run too: the state was saved
        result = run(tmp_path)
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        assert "  ! gmina-b: błędy w formularzach: 1" in result.stdout.splitlines()
        units = {u["id"]: u for u in report_of(tmp_path / "output")["units"]}
        assert units["gmina-a"]["status"] == "incomplete" and verify_bundle(tmp_path / units["gmina-a"]["bundle"]) == []
        assert [(e["file"], e["message"]) for e in units["gmina-b"]["errors"]] == [(file, message)]
    assert "Nic się nie zmieniło — wszystkie dokumenty są aktualne." in result.stdout


def test_a_unit_folder_name_that_is_not_utf8_is_that_units_error_and_the_run_completes(tmp_path: Path) -> None:
    small_units(tmp_path / "forms", ["gmina-a", "gmina-b"])
    hostile_files.non_utf8_name(tmp_path / "forms" / "gmina-b")
    for _ in range(2):
        result = build_here(tmp_path)
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        assert "  ! gmina-\\xb3: błędy w formularzach: 1" in result.stdout.splitlines()
        units = {u["id"]: u for u in report_of(tmp_path / "output")["units"]}
        assert verify_bundle(tmp_path / units["gmina-a"]["bundle"]) == []
        assert [(e["file"], e["message"]) for e in units["gmina-\\xb3"]["errors"]] == [(
            "forms/gmina-\\xb3", "Nazwa katalogu jednostki nie jest poprawnym tekstem (UTF-8) — formularzy nie "
            "odczytano. Zmień nazwę katalogu, np. na gmina-nazwa.")]
    validated = run_here(tmp_path, ["validate", "forms"])
    assert validated.returncode == 1 and "Traceback" not in validated.stderr
    assert ("  błąd: forms/gmina-\\xb3: Nazwa katalogu jednostki nie jest poprawnym tekstem (UTF-8) — formularzy nie "
            "odczytano. Zmień nazwę katalogu, np. na gmina-nazwa.") in validated.stdout.splitlines()


@pytest.mark.parametrize("content", ["[]", "42", '{"version": 1, "units": {"gmina-a": 5}}',
                                     '{"version": 1, "units": {"gmina-a": {"sources": [], "global_key": 1}}}',
                                     "nie json \udcff".encode("utf-8", "surrogateescape").decode("latin-1")])
def test_a_state_file_of_the_wrong_shape_means_a_full_rebuild_with_a_warning(content: str, tmp_path: Path) -> None:
    small_units(tmp_path / "forms", ["gmina-a", "gmina-b"])
    assert build_here(tmp_path).returncode == 0
    (tmp_path / "output" / ".teczka-state.json").write_text(content, encoding="latin-1")
    result = build_here(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == ("Uwaga: plik stanu output/.teczka-state.json jest nieczytelny albo ma "
                                             "niepoprawną budowę — wszystkie jednostki zostaną zbudowane od nowa.")
    assert "  przebudowano gmina-a: nowa jednostka" in result.stdout.splitlines()
    assert_every_listed_file_exists(tmp_path / "output", tmp_path)
    again = build_here(tmp_path)
    assert "Nic się nie zmieniło — wszystkie dokumenty są aktualne." in again.stdout and "Uwaga" not in again.stdout


# -- 11. a full disk during the PDF conversion; LibreOffice dies with a killed build -------------

@pytest.mark.parametrize("moment", ["publishing_a_pdf", "libreoffice_writing"])
def test_a_full_disk_during_the_pdf_conversion_stops_the_run_with_a_polish_message(
        moment: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    forms = small_units(tmp_path / "forms", ["gmina-a", "gmina-b"])
    inputs = fingerprint(forms)
    monkeypatch.chdir(tmp_path)
    import pipeline.convert

    with monkeypatch.context() as patch:
        if moment == "publishing_a_pdf":  # the finished PDF moved into the unit's staging folder
            def full(output: Path, target: Path) -> None:
                raise disk_full(target)

            patch.setattr(pipeline.convert, "_publish", full)
            soffice = fake_soffice(tmp_path)
        else:  # LibreOffice cannot write its PDF and says nothing useful; the disk has no room left
            statvfs = os.statvfs
            patch.setattr(pipeline.convert.os, "statvfs",
                          lambda path: os.statvfs_result((*statvfs(path)[:4], 0, *statvfs(path)[5:])))
            soffice = fake_soffice(tmp_path, "fail", marker="Gmina")
        result = invoke(["build", "--jobs", "1", "--templates", str(TEMPLATES)], TECZKA_SOFFICE=str(soffice))
    assert result.exit_code == 2, result.output
    assert re.fullmatch(r"Błąd: Nie udało się zapisać lub odczytać pliku \((.+)\): brak miejsca na dysku\. "
                        r"Formularze nie zostały zmienione, a w katalogu wyników nie ma plików zapisanych do "
                        r"połowy; usuń przyczynę i uruchom budowanie ponownie\.\n", result.stderr), result.stderr
    assert "Traceback" not in result.output and "No space" not in result.output
    assert fingerprint(forms) == inputs
    assert_nothing_half_written_small(tmp_path / "output", tmp_path)
    assert wait_until_gone(soffice.name) == []

    result = invoke(["build", "--jobs", "1", "--templates", str(TEMPLATES)], TECZKA_SOFFICE=str(fake_soffice(tmp_path)))
    assert result.exit_code == 0, result.output
    assert [verify_bundle(tmp_path / u["bundle"]) for u in report_of(tmp_path / "output")["units"]] == [[], []]


def test_libreoffice_dies_with_a_build_killed_during_the_conversion(tmp_path: Path) -> None:
    small_units(tmp_path / "forms", ["gmina-a", "gmina-b"])
    soffice = fake_soffice(tmp_path, "hang", marker="Gmina")  # every document: LibreOffice busy for 1000 s
    build = subprocess.Popen([sys.executable, "-m", "pipeline", "build", "--jobs", "2", "--templates", str(TEMPLATES)],
                             cwd=tmp_path, env=dict(os.environ, TECZKA_SOFFICE=str(soffice)),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not alive(soffice.name) and time.monotonic() < deadline:
            assert build.poll() is None, "the build ended before LibreOffice started"
            time.sleep(0.05)
        assert alive(soffice.name), "LibreOffice never started"
    finally:
        build.send_signal(signal.SIGKILL)  # no handler of the build can run
        build.wait()
    assert wait_until_gone(soffice.name, seconds=5) == []
