"""Validate one unit's forms: read, check each form against its model, apply the rules.

Every problem of every form of a unit is collected in one pass; nothing here raises for a
user's mistake. The result tells the unit's status and its cycle stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from pipeline import layout, models, reader, rules
from pipeline.edition import Edition
from pipeline.errors import FormFileError, Problem
from pipeline.statuses import StatusId

Status = StatusId  # the statuses are declared in pipeline/statuses.py
FORM_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xltx"}

_MESSAGES = {
    "missing": "Pole obowiązkowe — uzupełnij je.",
    "string_too_long": "Tekst jest za długi (ponad {max_length} znaków).",
    "too_long": "Za dużo pozycji.",
    "greater_than_equal": "Wartość musi wynosić co najmniej {ge}.",
    "less_than_equal": "Wartość może wynosić najwyżej {le}.",
    "greater_than": "Wartość musi być większa niż {gt}.",
    "int_parsing": "Wpisz liczbę całkowitą, np. 3.",
    "int_from_float": "Wpisz liczbę całkowitą, np. 3.",
    "int_type": "Wpisz liczbę całkowitą, np. 3.",
    "decimal_parsing": "Wpisz liczbę, np. 1 234,50.",
    "decimal_type": "Wpisz liczbę, np. 1 234,50.",
    "string_type": "Wpisz tekst.",
    "date_type": "Wpisz datę jako dzień.miesiąc.rok, np. 5.07.2020.",
    "time_type": "Wpisz godzinę jako gg:mm, np. 9:30.",
    "extra_forbidden": "Nieznane pole — formularz go nie przewiduje.",
}


@dataclass
class UnitValidation:
    unit_id: str
    folder: Path
    unit: models.Unit
    sources: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    reads: dict[str, reader.FormRead] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def stage(self) -> int:
        return cycle_stage(self.unit)

    @property
    def status(self) -> Status:
        if self.errors:
            return "invalid"
        present = all(getattr(self.unit, key) is not None for key in models.FORM_MODELS)
        return "ok" if present and self.stage == 5 else "incomplete"


def cycle_stage(unit: models.Unit) -> int:
    """Highest stage of the five-stage cycle documented by valid forms, in order."""
    reached = [
        unit.card is not None,
        unit.diagnosis is not None,
        unit.hdr is not None,
        unit.hdr is not None and bool(unit.hdr.directions),
        unit.meetings is not None and (unit.summary is not None or any(m.stage == 5 for m in unit.meetings.meetings)),
    ]
    stage = 0
    for done in reached:
        if not done:
            break
        stage += 1
    return stage


def translate(error: dict[str, Any]) -> str:
    """A Polish message for one Pydantic error."""
    if error["type"] in _MESSAGES:
        return _MESSAGES[error["type"]].format(**(error.get("ctx") or {}))
    if error["type"] in {"date_with_time", "date_number", "date_format", "date_invalid", "time_format",
                         "number_format", "int_format", "email", "phone", "choice"}:
        return error["msg"]
    return "Niepoprawna wartość."


def validate_form(read: reader.FormRead, edition: Edition) -> tuple[BaseModel | None, list[Problem]]:
    """The form's model, or None with one located problem per mistake."""
    try:
        model = read.form.model.model_validate(read.data, context={"edition": edition})
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            message = translate(error)
            if error["type"] == "choice":
                allowed = _allowed_values(read.form, error["loc"], edition)
                if allowed and len(allowed) <= 6:
                    message += " Dozwolone: " + ", ".join(allowed) + "."
            problems.append(read.problem(message, tuple(error["loc"]), error.get("input")
                                         if error["type"] != "missing" else None))
        return None, problems
    return model, []


def _allowed_values(form: layout.FormLayout, loc: tuple[Any, ...], edition: Edition) -> tuple[str, ...]:
    sheet = form.sheet(str(loc[0]))
    spec = sheet.field(str(loc[-1])).spec
    return edition.choices(spec.choices) if spec.choices else ()


def form_files(folder: Path) -> list[Path]:
    """Candidate form files in a unit folder: spreadsheets, not lock files or hidden files."""
    return sorted(
        p for p in folder.iterdir()
        if p.suffix.lower() in FORM_SUFFIXES and not p.name.startswith(("~$", ".~lock", "."))
    )


def validate_unit(folder: Path, edition: Edition, display_root: Path | None = None) -> UnitValidation:
    """Read and validate every form in a unit folder; never raises for bad input."""
    display_root = display_root or folder.parent
    problems: list[Problem] = []
    reads: dict[str, reader.FormRead] = {}
    forms: dict[str, BaseModel] = {}
    sources = []
    if folder.is_symlink():
        problems.append(Problem("Katalog jednostki jest dowiązaniem symbolicznym — pominięto go. "
                                "Umieść formularze bezpośrednio w katalogu jednostki.", file=_display(folder, display_root)))
        return UnitValidation(folder.name, folder, models.Unit(id=folder.name), [], problems, {})
    for path in form_files(folder):
        display = _display(path, display_root)
        if path.is_symlink():
            problems.append(Problem("Pominięto dowiązanie symboliczne — umieść w katalogu sam plik formularza.", file=display))
            continue
        sources.append(path)
        try:
            read = reader.read_form(path, display)
        except FormFileError as exc:
            problems.append(Problem(exc.message.removeprefix(f"{display}: "), file=display))
            continue
        if read.edition_id and read.edition_id != edition.id:
            problems.append(Problem(f"Formularz przygotowano dla edycji {read.edition_id}, a teczka działa dla edycji "
                                    f"{edition.id} ({edition.short_name}). Użyj formularza z forms/puste/.", file=display))
            continue
        if read.form.key in reads:
            problems.append(Problem(f"Drugi formularz „{read.form.title}” w tym samym katalogu "
                                    f"(pierwszy: {reads[read.form.key].display_path}). Zostaw jeden.", file=display))
            continue
        reads[read.form.key] = read
        problems.extend(read.problems)
        model, found = validate_form(read, edition)
        problems.extend(found)
        if model is not None:
            forms[read.form.key] = model
    if not sources:
        problems.append(Problem("W katalogu nie ma formularzy (.xlsx) — jednostka jeszcze nie rozpoczęła pracy?",
                                file=_display(folder, display_root), severity="warning"))
    unit = models.Unit(id=folder.name, **forms)
    for finding in rules.check_unit(unit, edition):
        read = reads[finding.form]
        problems.append(read.problem(finding.message, finding.loc, finding.value, finding.severity))
    invalid_forms = {p.file for p in problems if p.severity == "error"}
    unit = models.Unit(id=folder.name, **{k: v for k, v in forms.items() if reads[k].display_path not in invalid_forms})
    return UnitValidation(folder.name, folder, unit, sources, problems, reads)


def _display(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


BLANK_FORMS_DIR = "puste"


def discover_units(forms_dir: Path) -> list[Path]:
    """Unit folders under forms/: every subfolder except the blank forms and hidden ones."""
    return sorted(
        p for p in forms_dir.iterdir()
        if p.is_dir() and p.name != BLANK_FORMS_DIR and not p.name.startswith((".", "_"))
    )
