"""Validate one unit's forms: read, check each form against its model, apply the rules.

Every problem of every form of a unit is collected in one pass; nothing here raises for a
user's mistake. The result tells the unit's status and its cycle stage.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

from openpyxl.utils import column_index_from_string
from pydantic import BaseModel, TypeAdapter, ValidationError

from pipeline import layout, models, reader, rules
from pipeline.edition import DEFAULT_EDITION, Edition
from pipeline.errors import FormFileError, Problem, UsageError
from pipeline.files import folder_entries, is_text_name, text_name
from pipeline.statuses import StatusId
from pipeline.teryt import normalize_terc

Status = StatusId  # the statuses are declared in pipeline/statuses.py
NOT_TEXT_FOLDER = ("Nazwa katalogu jednostki nie jest poprawnym tekstem (UTF-8) — formularzy nie odczytano. "
                   "Zmień nazwę katalogu, np. na gmina-nazwa.")
NOT_TEXT_FILE = ("nazwa pliku nie jest poprawnym tekstem (UTF-8) — pliku nie odczytano. "
                 "Zmień jego nazwę, np. na 3_hdr.xlsx.")
FORM_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xltx", ".xlsb"}
NESTED_FORM = ("Plik leży w podkatalogu, więc nie jest czytany — formularze muszą leżeć bezpośrednio w katalogu "
               "jednostki. Przenieś go tam, jeśli to aktualny formularz.")
_NESTED_LIMIT = 50  # files named, and folders looked into, under a unit folder

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


EMPTY_FORM = ("Formularz jest pusty — nie wpisano do niego żadnych danych. Potraktowano go jak brakujący: "
              "ten etap jeszcze się nie rozpoczął, a jednostka pozostaje w toku.")


@dataclass
class UnitValidation:
    unit_id: str
    folder: Path
    unit: models.Unit
    sources: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    reads: dict[str, reader.FormRead] = field(default_factory=dict)
    parsed: models.Unit | None = None  # what parsed of every form, valid or not (see parse_form)

    @property
    def name(self) -> str:
        """The unit's name as typed in its card, even a card with mistakes; else the folder name."""
        return _readable(self.parsed, "name") or self.unit_id

    @property
    def terc(self) -> str | None:
        """The TERC code as typed in the card, digits only ("06 01 01 1" -> "0601011"), if it parsed."""
        code = _readable(self.parsed, "terc")
        return normalize_terc(code) if code else None

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


def _readable(unit: models.Unit | None, name: str) -> str | None:
    card = unit.card if unit is not None else None
    jst = getattr(card, "jst", None) if card is not None else None
    value = getattr(jst, name, None) if jst is not None and not isinstance(jst, rules.Unreadable) else None
    return value if isinstance(value, str) else None


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


def parse_form(read: reader.FormRead, edition: Edition) -> tuple[BaseModel | None, BaseModel, list[Problem]]:
    """(the valid model or None, what parsed, the located problems).

    What parsed is the model itself when the form is valid, otherwise a partial model in
    which each value that did not parse is a ``rules.Unreadable`` placeholder, so the rules
    can still run on the rest of the form.
    """
    try:
        model = read.form.model.model_validate(read.data, context={"edition": edition})
    except ValidationError as exc:
        problems = []
        errors = exc.errors()
        for error in errors:
            message = translate(dict(error))
            if error["type"] == "choice":
                allowed = _allowed_values(read.form, error["loc"], edition)
                if allowed and len(allowed) <= 6:
                    message += " Dozwolone: " + ", ".join(allowed) + "."
            problems.append(read.problem(message, tuple(error["loc"]), error.get("input")
                                         if error["type"] != "missing" else None))
        holes = {tuple(error["loc"]) for error in errors}
        return None, _partial(read.form.model, read.data, (), holes, read.form.key), problems
    return model, model, []


def _partial(model: type[BaseModel], data: Any, loc: tuple[Any, ...], holes: set[tuple[Any, ...]], form: str) -> Any:
    """What parsed of ``data`` as ``model``: fields under an error location become Unreadable."""
    if not isinstance(data, dict):
        return rules.Unreadable(form, loc)
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        here = loc + (name,)
        inner = [hole[len(here):] for hole in holes if hole[:len(here)] == here]
        if name not in data:
            if inner:
                values[name] = rules.Unreadable(form, here)
            continue
        value = data[name]
        if not inner:
            values[name] = _field_adapter(model, name).validate_python(value)
        elif any(not rest for rest in inner):
            values[name] = rules.Unreadable(form, here)
        else:  # errors inside a sheet (a record) or inside rows of a table sheet
            values[name] = _partial_sheet(info.annotation, value, here, holes, form)
    return model.model_construct(**values)


def _partial_sheet(annotation: Any, value: Any, loc: tuple[Any, ...], holes: set[tuple[Any, ...]], form: str) -> Any:
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) is list and isinstance(value, list):
        row_model = args[0]
        return [_partial(row_model, item, loc + (index,), holes, form) if any(h[:len(loc) + 1] == loc + (index,) for h in holes)
                else row_model.model_validate(item) for index, item in enumerate(value)]
    sheet_model = annotation if isinstance(annotation, type) else args[0]
    return _partial(sheet_model, value, loc, holes, form)


@cache
def _field_adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    info = model.model_fields[name]
    annotation: Any = info.annotation
    return TypeAdapter(Annotated[annotation, *info.metadata] if info.metadata else annotation)


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


def is_source(path: Path) -> bool:
    """Whether a candidate form file is read (a symbolic link, a name that is not UTF-8 or
    something that is not a regular file is reported instead, never opened)."""
    return not path.is_symlink() and is_text_name(path.name) and reader.is_regular_file(path)


def _not_a_source(path: Path) -> str:
    """Why a candidate form file is not read (``is_source`` is false)."""
    if path.is_symlink():
        return "Pominięto dowiązanie symboliczne — umieść w katalogu sam plik formularza."
    return NOT_TEXT_FILE if not is_text_name(path.name) else reader.NOT_A_FILE


def nested_form_files(folder: Path) -> list[Path]:
    """Spreadsheets in the unit folder's subfolders (never read; each is named in a warning).
    Symbolic links are not followed and at most ``_NESTED_LIMIT`` files are listed."""
    found: list[Path] = []
    for visited, (root, folders, files) in enumerate(os.walk(folder, followlinks=False)):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        if visited > _NESTED_LIMIT:
            break
        if Path(root) == folder:
            continue
        found += [Path(root, name) for name in sorted(files)
                  if Path(name).suffix.lower() in FORM_SUFFIXES and not name.startswith(("~$", ".~lock", "."))]
        if len(found) >= _NESTED_LIMIT:
            break
    return found[:_NESTED_LIMIT]


def validate_path(path: Path, edition: Edition, display_root: Path | None = None) -> list[UnitValidation]:
    """What ``teczka validate PATH`` checks: every unit under a forms folder, one unit's folder
    (it holds forms itself), or one workbook (alone: the rules across forms need the others)."""
    if path.is_file():
        if path.suffix.lower() not in FORM_SUFFIXES:
            raise UsageError(f"{path} nie jest formularzem — podaj skoroszyt (.xlsx lub .ods), katalog jednostki "
                             "albo katalog forms.")
        return [validate_unit(path.parent, edition, display_root, files=[path])]
    if not path.is_dir():
        raise UsageError(f"Nie ma pliku ani katalogu {path}.")
    if form_files(path):
        return [validate_unit(path, edition, display_root)]
    units = discover_units(path)
    if not units:
        raise UsageError(f"W katalogu {path} nie ma formularzy ani katalogów jednostek z formularzami.")
    return [validate_unit(folder, edition, display_root) for folder in units]


def validate_unit(folder: Path, edition: Edition, display_root: Path | None = None,
                  files: list[Path] | None = None) -> UnitValidation:
    """Read and validate every form in a unit folder (or only ``files``); never raises for bad input."""
    display_root = display_root or folder.parent
    problems: list[Problem] = []
    reads: dict[str, reader.FormRead] = {}
    forms: dict[str, BaseModel] = {}
    parsed: dict[str, BaseModel] = {}
    sources = []
    unit_id = text_name(folder.name)
    if folder.is_symlink() or not is_text_name(folder.name):
        message = ("Katalog jednostki jest dowiązaniem symbolicznym — pominięto go. Umieść formularze bezpośrednio "
                   "w katalogu jednostki." if folder.is_symlink() else NOT_TEXT_FOLDER)
        problems.append(Problem(message, file=_display(folder, display_root)))
        return UnitValidation(unit_id, folder, models.Unit(id=unit_id), [], problems, {})
    for path in form_files(folder) if files is None else files:
        display = _display(path, display_root)
        if not is_source(path):  # never opened: a pipe would block
            problems.append(Problem(_not_a_source(path), file=display))
            continue
        sources.append(path)
        try:
            read = reader.read_form(path, display)
        except FormFileError as exc:
            problems.append(Problem(exc.message.removeprefix(f"{display}: "), file=display))
            continue
        if read.edition_id and read.edition_id != edition.id:
            problems.append(Problem(other_edition_message(read.edition_id, edition), file=display))
            continue
        if read.form.key in reads:
            problems.append(Problem(f"Drugi formularz „{read.form.title}” w tym samym katalogu "
                                    f"(pierwszy: {reads[read.form.key].display_path}). Zostaw jeden.", file=display))
            continue
        if not any(read.data.values()):  # an untouched blank form: the stage has not started
            problems.extend(read.problems)
            problems.append(Problem(EMPTY_FORM, file=display, severity="warning"))
            continue
        reads[read.form.key] = read
        problems.extend(read.problems)
        model, parsed[read.form.key], found = parse_form(read, edition)
        problems.extend(found)
        if model is not None:
            forms[read.form.key] = model
    problems += [Problem(NESTED_FORM, file=_display(path, display_root), severity="warning")
                 for path in (nested_form_files(folder) if files is None else [])]
    if not sources:
        problems.append(Problem("W katalogu nie ma formularzy (.xlsx) — jednostka jeszcze nie rozpoczęła pracy?",
                                file=_display(folder, display_root), severity="warning"))
    everything = models.Unit.model_construct(id=unit_id, **parsed)  # type: ignore[arg-type]  # partial forms
    for finding in rules.check_unit(everything, edition):
        read = reads[finding.form]
        problems.append(read.problem(finding.message, finding.loc, finding.value, finding.severity))
    invalid_forms = {p.file for p in problems if p.severity == "error"}
    unit = models.Unit(id=unit_id, **{k: v for k, v in forms.items() if reads[k].display_path not in invalid_forms})
    problems.sort(key=partial(_reading_order, {read.display_path: read.form for read in reads.values()}))
    return UnitValidation(unit_id, folder, unit, sources, problems, reads, everything)


def _reading_order(forms: dict[str, layout.FormLayout], problem: Problem) -> tuple[Any, ...]:
    """Problems as a team reads its forms: 1_karta … 5_podsumowanie, then sheet, row and column."""
    file = problem.file or ""
    form = forms.get(file) or layout.FORMS_BY_FILE.get(file.rsplit("/", 1)[-1])
    file_rank = layout.FORMS.index(form) if form else len(layout.FORMS)
    titles = [sheet.title for sheet in form.sheets] if form else []
    sheet_rank = -1 if problem.sheet is None else titles.index(problem.sheet) if problem.sheet in titles else len(titles)
    column, row = 0, 0
    if problem.cell and (match := re.match(r"([A-Z]+)(\d+)", problem.cell)):
        column, row = column_index_from_string(match[1]), int(match[2])
    return file_rank, file, sheet_rank, problem.sheet or "", row, column


def other_edition_message(form_edition: str, edition: Edition) -> str:
    """A form of another edition: where the blank forms of this edition are, or how to switch."""
    blank = ("z katalogu forms/puste/" if edition.id == DEFAULT_EDITION else
             f"— utworzy je polecenie „teczka forms --edition {edition.id} --out puste-{edition.id}”")
    return (f"Formularz przygotowano dla edycji {form_edition}, a teczka działa dla edycji {edition.id} "
            f"({edition.short_name}). Przenieś dane do pustego formularza edycji {edition.id} {blank} "
            f"albo uruchom teczkę dla edycji {form_edition} (opcja --edition {form_edition}).")


def _display(path: Path, root: Path) -> str:
    try:
        return text_name(path.relative_to(root).as_posix())
    except ValueError:
        return text_name(path.as_posix())


BLANK_FORMS_DIR = "puste"


def discover_units(forms_dir: Path) -> list[Path]:
    """Unit folders under forms/: every subfolder except the blank forms and hidden ones (the web
    asks on every request)."""
    return folder_entries(forms_dir, lambda entry: entry.is_dir() and entry.name != BLANK_FORMS_DIR
                          and not entry.name.startswith((".", "_")))
