"""What the web pages show and do, over the library and the web's database.

A unit's forms live in ``forms/<unit>/`` (the truth, shared with ``teczka build``). An upload is
validated together with the unit's other current forms by the library's ``validate_unit``, so the
messages are exactly those of ``teczka validate``. A form with no errors replaces the current one
atomically; every uploaded version is kept, named by its SHA-256, in the history folder.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.web import library
from pipeline.web.db import DB_FILE_NAME, Database
from pipeline.web.jobs import BuildWorker

log = logging.getLogger("teczka.web")
MB = 1024 * 1024
DOCUMENT_SUFFIXES = {".docx": "DOCX", ".pdf": "PDF/A", ".html": "HTML"}
RESULT_LABELS = {"valid": "poprawny", "warnings": "poprawny, z ostrzeżeniami", "errors": "z błędami"}
STATE_LABELS = {"current": "obecna wersja", "kept": "wcześniejsza wersja", "rejected": "odrzucony (błędy)",
                "pending": "w trakcie zapisu"}


@dataclass
class WebConfig:
    forms_dir: Path = Path("forms")
    out_dir: Path = Path("output")
    templates_dir: Path = Path("templates")
    edition_id: str = library.DEFAULT_EDITION
    data_dir: Path | None = None  # default: "teczka-web" beside the output folder
    pdf: bool = True
    html: bool = True
    build_jobs: int | None = None
    soffice: str | None = None
    max_file_bytes: int = 5 * MB
    max_request_bytes: int = 20 * MB
    max_files: int = 5
    uploads_per_minute: int = 30  # per link
    logins_per_window: int = 5  # failed attempts per address and per account
    login_window_seconds: int = 300
    session_hours: int = 12

    def __post_init__(self) -> None:
        self.forms_dir, self.out_dir = Path(self.forms_dir).absolute(), Path(self.out_dir).absolute()
        self.templates_dir = Path(self.templates_dir).absolute()
        self.data_dir = Path(self.data_dir).absolute() if self.data_dir else default_data_dir(self.out_dir)


def _is_document(entry: os.DirEntry[str]) -> bool:
    """A built document: a regular file (a link planted in the output is not followed) of a format
    the page offers."""
    return entry.is_file(follow_symlinks=False) and os.path.splitext(entry.name)[1] in DOCUMENT_SUFFIXES


def default_data_dir(out_dir: Path) -> Path:
    return Path(out_dir).absolute().parent / "teczka-web"


def database_path(out_dir: Path) -> Path:
    return default_data_dir(out_dir) / DB_FILE_NAME


@dataclass
class UploadOutcome:
    file_name: str  # as the team named it; shown escaped, never used as a path
    size: int
    sha256: str
    form_title: str | None
    result: str  # valid / warnings / errors
    problems: list[library.Problem] = field(default_factory=list)
    upload_id: int = 0
    feedback: bool = False

    @property
    def errors(self) -> list[library.Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[library.Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def result_label(self) -> str:
        return RESULT_LABELS[self.result]


class Teczka:
    """The application's state: configuration, database, background build, per-unit locks."""

    def __init__(self, config: WebConfig) -> None:
        self.config = config
        assert config.data_dir is not None
        self.data_dir: Path = config.data_dir
        self.edition = library.load_edition(config.edition_id)
        self.db = Database(self.data_dir / DB_FILE_NAME)
        self.secret = self.db.secret()
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._cache: dict[str, tuple[Any, Any]] = {}
        self._digests: dict[tuple[str, int, int, int], str] = {}  # a document's SHA-256 by its stat
        self.worker = BuildWorker(self._build_options, self._build_finished)
        for folder in ("historia", "uwagi", "podglad", "tmp"):
            (self.data_dir / folder).mkdir(parents=True, exist_ok=True)
        self.recover()

    # -- start and stop ------------------------------------------------------------------------

    def start(self) -> None:
        """Start the background build, and bring output/ up to date with forms/ (incremental:
        nothing is rebuilt when nothing changed)."""
        self.worker.start()
        self.worker.request("serwer (start)")

    def stop(self) -> None:
        self.worker.stop()

    def recover(self) -> None:
        """Settle what a crash left: an upload whose form reached forms/ is current, one whose
        form did not is dropped (it is absent, as if never sent); temporary files go."""
        shutil.rmtree(self.data_dir / "tmp", ignore_errors=True)
        (self.data_dir / "tmp").mkdir(parents=True, exist_ok=True)
        for unit in self.unit_ids():  # a form write cut short leaves its hidden temporary file
            library.remove_half_written(self.unit_folder(unit))
        for row in self.db.pending_uploads():
            form = library.FORMS_BY_KEY.get(row["form"] or "")
            path = self.config.forms_dir / row["unit"] / form.file_name if form else None
            if path is not None and path.is_file() and library.sha256_file(path) == row["sha256"]:
                self.db.make_current(row["id"])
            else:
                self.db.drop_upload(row["id"])

    def _build_options(self) -> library.BuildOptions:
        config = self.config
        options = library.BuildOptions(forms_dir=config.forms_dir, out_dir=config.out_dir, edition=self.edition,
                                       templates_dir=config.templates_dir, repo_root=config.forms_dir.parent,
                                       pdf=config.pdf, html=config.html, soffice=config.soffice)
        if config.build_jobs:
            options.jobs = config.build_jobs
        return options

    def _build_finished(self, started: float, summary: Any, who: str) -> None:
        """Previews made before this run started are now in output/ (or superseded)."""
        for preview in (self.data_dir / "podglad").iterdir():
            if preview.is_dir() and preview.stat().st_mtime < started:
                shutil.rmtree(preview, ignore_errors=True)
        detail = ("przerwane: " + (self.worker.progress.last_error or "")) if summary is None else \
            ", ".join(f"{library.STATUSES_BY_ID[s].label}: {n}" for s, n in self.worker.progress.last_counts.items())
        self.db.audit(who or "serwer", "budowanie dokumentów", None, detail)

    # -- units ---------------------------------------------------------------------------------

    def unit_ids(self) -> list[str]:
        if not self.config.forms_dir.is_dir():
            return []
        return [folder.name for folder in library.discover_units(self.config.forms_dir)]

    def unit_folder(self, unit: str) -> Path:
        return library.safe_child(self.config.forms_dir, unit)

    def validation(self, unit: str) -> library.UnitReport:
        """The unit's forms validated by the library (cached while its files are unchanged); files
        are named as "<unit>/<form>.xlsx"."""
        folder = self.unit_folder(unit)
        signature = self._signature(folder)
        cached = self._cache.get(unit)
        if cached is not None and cached[0] == signature:
            return cached[1]
        result = library.validate_unit(folder, self.edition, self.config.forms_dir)
        self._cache[unit] = (signature, result)
        return result

    @staticmethod
    def _signature(folder: Path) -> tuple[Any, ...]:
        return tuple((p.name, (stat := p.stat()).st_size, stat.st_mtime_ns) for p in library.form_files(folder)) \
            if folder.is_dir() else ()

    def unit_views(self) -> list[dict[str, Any]]:
        """Every unit as the status page shows it (report.json read once)."""
        built = library.report_units(self.config.out_dir)
        return [self.unit_view(unit, built.get(unit, {})) for unit in self.unit_ids()]

    def unit_view(self, unit: str, built: dict[str, Any] | None = None) -> dict[str, Any]:
        report = self.validation(unit)
        built = library.report_units(self.config.out_dir).get(unit, {}) if built is None else built
        in_folder = {Path(source).name for source in report.sources}
        forms = []
        for form in library.FORMS:
            errors = [p for p in report.errors if p.file and Path(p.file).name == form.file_name]
            valid = getattr(report.unit, form.key) is not None
            forms.append({"key": form.key, "title": form.title, "file": form.file_name,
                          "present": valid or form.file_name in in_folder, "valid": valid, "errors": len(errors)})
        return {
            "id": unit,
            "name": report.name or built.get("name"),
            "terc": report.teryt or built.get("teryt"),
            "status": report.status,
            "status_label": library.STATUSES_BY_ID[report.status].label,
            "stage": report.stage,
            "stage_count": library.STAGE_COUNT,
            "strip": library.stage_strip(report.stage, list(self.edition.stages)),
            "forms": forms,
            "forms_in": sum(f["present"] for f in forms),
            "forms_valid": sum(f["valid"] for f in forms),
            "problems": [library.mask_problem(p) for p in report.problems],
            "bundle": Path(built["bundle"]).name if built.get("bundle") else None,
        }

    def card_values(self, unit: str) -> dict[str, Any] | None:
        view = self.unit_view(unit)
        if not view["name"] and not view["terc"]:
            return None
        return {"name": view["name"], "terc": view["terc"]}

    # -- uploads -------------------------------------------------------------------------------

    def _lock(self, unit: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(unit, threading.Lock())

    def upload(self, unit: str, files: list[tuple[str, bytes]], who: str) -> list[UploadOutcome]:
        """Validate the workbooks with the unit's other forms; put the ones without errors in place."""
        folder = self.unit_folder(unit)
        with self._lock(unit):
            with tempfile.TemporaryDirectory(dir=self.data_dir / "tmp") as work:
                outcomes, validated = self._check(unit, folder, Path(work), files, who)
            if validated is not None:  # the folder now holds what was just validated
                self._cache[unit] = (self._signature(folder), validated[0])
            if any(o.result != "errors" for o in outcomes):
                self._preview(unit, validated)
        if any(o.result != "errors" for o in outcomes):
            self.worker.request(who)
        return outcomes

    def _check(self, unit: str, folder: Path, work: Path, files: list[tuple[str, bytes]],
               who: str) -> tuple[list[UploadOutcome], tuple[library.UnitReport, list[tuple[str, bytes]]] | None]:
        candidate = work / unit
        candidate.mkdir(parents=True)
        incoming = work / "incoming"
        incoming.mkdir()
        placed: list[tuple[Path, Any]] = []
        for index, (name, data) in enumerate(files, start=1):
            suffix = Path(name).suffix.lower()
            suffix = suffix if suffix in library.FORM_SUFFIXES else ".xlsx"
            probe = incoming / f"wgrany-{index}{suffix}"  # a server-made name; the team's name is only shown
            probe.write_bytes(data)
            form = library.identify_form(probe)
            taken = {p.name for p, _ in placed}
            target = form.file_name if form and form.file_name not in taken else probe.name
            placed.append((candidate / target, form))
            shutil.copyfile(probe, candidate / target)
        replaced = {form.key for _, form in placed if form is not None}
        current = self._current_forms(folder)
        for path, form in current:
            if form is None or form.key not in replaced:
                shutil.copyfile(path, candidate / path.name)
        validation, documents = self._validate_and_render(candidate)
        outcomes, records = [], []
        for (path, form), (name, data) in zip(placed, files, strict=True):
            display = path.relative_to(work).as_posix()
            problems = [p for p in validation.problems if p.file == display]
            result = "errors" if any(p.severity == "error" for p in problems) else \
                "warnings" if problems else "valid"
            outcome = UploadOutcome(file_name=name, size=len(data), sha256=library.sha256_bytes(data),
                                    form_title=form.title if form else None, result=result,
                                    problems=[library.mask_problem(p) for p in problems])
            self._keep(unit, data, outcome.sha256)
            outcomes.append(outcome)
            records.append({"unit": unit, "form": form.key if form else None, "file_name": name, "size": len(data),
                            "sha256": outcome.sha256, "result": result, "errors": len(outcome.errors),
                            "warnings": len(outcome.warnings), "who": who,
                            "state": "rejected" if result == "errors" or form is None else "pending"})
        # Pending rows first, then the forms into place atomically, then current: a crash in
        # between is settled at the next start (``recover``).
        ids = self.db.record_uploads(records)
        accepted = []
        refused = any(record["state"] == "rejected" for record in records)
        marked_copies = library.feedback_workbooks(validation) if refused else {}
        for outcome, upload_id, record, (path, form), (_, data) in zip(outcomes, ids, records, placed, files,
                                                                      strict=True):
            outcome.upload_id = upload_id
            if record["state"] == "rejected":
                marked = marked_copies.get(f"{path.stem}_uwagi.xlsx")
                if marked is not None:
                    library.atomic_write_bytes(self.data_dir / "uwagi" / f"{upload_id}.xlsx", marked)
                    outcome.feedback = True
            else:
                self._put_in_place(unit, folder, form, data, current, outcome.sha256)
                accepted.append(upload_id)
        self.db.make_current(accepted)
        # When every upload was taken, the unit's folder now holds exactly the candidate's forms.
        return outcomes, (validation, documents) if len(accepted) == len(outcomes) else None

    def _validate_and_render(self, folder: Path) -> tuple[library.UnitReport, list[tuple[str, bytes]]]:
        """One pass of the library: the unit validated and its documents rendered (none when a
        template fails: the build reports that for the unit)."""
        try:
            return library.render_unit(folder, self.edition, self.config.templates_dir)
        except library.TeczkaError:
            log.exception("rendering failed for a unit")
            return library.validate_unit(folder, self.edition), []

    def _current_forms(self, folder: Path) -> list[tuple[Path, Any]]:
        if not folder.is_dir() or folder.is_symlink():
            return []
        return [(p, library.FORMS_BY_FILE.get(p.name) or library.identify_form(p)) for p in library.form_files(folder)
                if p.is_file() and not p.is_symlink()]

    def _keep(self, unit: str, data: bytes, sha256: str) -> Path:
        """Every version ever uploaded or replaced, named by its content: never overwritten."""
        target = self.data_dir / "historia" / unit / f"{sha256}.xlsx"
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            library.atomic_write_bytes(target, data)
        return target

    def _put_in_place(self, unit: str, folder: Path, form: Any, data: bytes,
                      current: list[tuple[Path, Any]], sha256: str) -> None:
        target = folder / form.file_name
        unchanged = False  # the same bytes as the current form: a team sends its unchanged workbooks
        for path, existing in current:  # the versions it replaces go to the history first
            if existing is not None and existing.key == form.key and path.exists():
                kept = path.read_bytes()
                digest = library.sha256_bytes(kept)
                self._keep(unit, kept, digest)
                unchanged = unchanged or (path == target and digest == sha256 and not path.is_symlink())
        # Nothing to write then, and the unchanged file tells the build there is nothing to redo.
        if not unchanged:
            folder.mkdir(parents=True, exist_ok=True)
            library.atomic_write_bytes(target, data)
        for path, existing in current:  # the same form saved under another name by hand
            if existing is not None and existing.key == form.key and path.name != form.file_name:
                path.unlink(missing_ok=True)

    def _preview(self, unit: str, rendered: tuple[library.UnitReport, list[tuple[str, bytes]]] | None) -> None:
        """The unit's .docx at once, rendered by the library as the build will render them."""
        if rendered is None:  # some uploads were refused: render what the folder now holds
            folder = self.unit_folder(unit)
            rendered = self._validate_and_render(folder)
            self._cache[unit] = (self._signature(folder), rendered[0])
        target = self.data_dir / "podglad" / unit
        work = Path(tempfile.mkdtemp(dir=self.data_dir / "tmp"))
        for name, data in rendered[1]:
            (work / name).write_bytes(data)
        old = target.with_name(f".{unit}.old")
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            target.rename(old)
        work.rename(target)
        shutil.rmtree(old, ignore_errors=True)

    def history(self, unit: str) -> list[dict[str, Any]]:
        return [dict(row) | {"result_label": RESULT_LABELS.get(row["result"], row["result"]),
                             "state_label": STATE_LABELS.get(row["state"], row["state"]),
                             "form_title": library.FORMS_BY_KEY[row["form"]].title if row["form"] else "—",
                             "feedback": (self.data_dir / "uwagi" / f"{row['id']}.xlsx").is_file()}
                for row in self.db.uploads(unit)]

    def feedback_file(self, unit: str, upload_id: int) -> tuple[Path, str] | None:
        row = self.db.upload(upload_id)
        if row is None or row["unit"] != unit:
            return None
        path = self.data_dir / "uwagi" / f"{upload_id}.xlsx"
        form = library.FORMS_BY_KEY.get(row["form"] or "")
        name = f"{Path(form.file_name).stem if form else 'formularz'}_uwagi.xlsx"
        return (path, name) if path.is_file() else None

    # -- documents -----------------------------------------------------------------------------

    def _built_files(self, unit: str) -> dict[str, Path]:
        try:
            folder = library.safe_child(self.config.out_dir, unit)
        except library.UnsafePathError:
            return {}
        return {path.name: path for path in library.folder_entries(folder, _is_document)}

    def _preview_files(self, unit: str) -> dict[str, Path]:
        return {path.name: path for path in library.folder_entries(self.data_dir / "podglad" / unit,
                                                                   lambda entry: entry.is_file())}

    def documents(self, unit: str) -> dict[str, Any]:
        """Each document with its formats: the .docx (a fresh preview, else the built one), the
        PDF/A once the build has made it from the same .docx, the publication HTML."""
        built, preview = self._built_files(unit), self._preview_files(unit)
        pending = self.worker.pending
        names = sorted((n for n in (preview or built) if n.endswith(".docx")),
                       key=lambda n: (library.output_rank(n), n))
        documents = []
        for name in names:
            stem = Path(name).stem
            fresh = name not in preview or (name in built and self._digest(built[name]) == self._digest(preview[name]))
            pdf = f"{stem}.pdf" if f"{stem}.pdf" in built and fresh else None
            documents.append({"docx": name, "title": library.output_heading(name), "pdf": pdf, "pdf_pending": pdf is None and pending and bool(preview)})
        html = "podsumowanie.html" if "podsumowanie.html" in built else None
        return {"documents": documents, "html": html, "pending": any(d["pdf_pending"] for d in documents)}

    def _digest(self, path: Path) -> str:
        """A document's SHA-256, read again only when its file changed (documents are replaced by
        renames, so a new version is a new inode): the documents list is asked for every 1.5 s
        by every open team page."""
        stat = path.stat()
        key = (str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns)
        if key not in self._digests:
            if len(self._digests) > 4096:
                self._digests.clear()
            self._digests[key] = library.sha256_file(path)
        return self._digests[key]

    def document_file(self, unit: str, name: str) -> Path | None:
        """A document of this unit by its exact file name, or None: the name is looked up among
        the unit's own files, never joined into a path."""
        preview, built = self._preview_files(unit), self._built_files(unit)
        if name in preview:
            return preview[name]
        return built.get(name)

    def bundles(self) -> list[str]:
        folder = self.config.out_dir / "paczki"
        if not folder.is_dir() or folder.is_symlink():
            return []
        return sorted(p.name for p in folder.iterdir() if p.is_file() and not p.is_symlink() and p.suffix == ".zip")

    def bundle_file(self, name: str) -> Path | None:
        return (self.config.out_dir / "paczki" / name) if name in self.bundles() else None
