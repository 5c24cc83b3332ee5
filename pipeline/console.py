"""What the coordinator sees in the terminal during and after a build (no e-mails or phones)."""

from __future__ import annotations

import dataclasses
import sys
import time
from functools import lru_cache
from typing import Any, get_args

import click

from pipeline import layout
from pipeline.contact import find_contacts, mask, mask_email, mask_phone
from pipeline.fields import check_email, check_phone
from pipeline.statuses import BY_ID, STATUSES

_STAGE_PL = {"dokumenty": "dokumenty Word", "PDF/A": "konwersja do PDF/A", "gotowe": "gotowe"}


class BuildConsole:
    """A progress bar on a terminal; plain, sparse lines when the output is a log."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self._last_line = ""

    def progress(self, stage: str, done: int, total: int) -> None:
        if not self.tty:
            return
        width = 30
        filled = int(width * done / total) if total else width
        bar = "█" * filled + "░" * (width - filled)
        line = f"\r{bar} {done}/{total} jednostek · {_STAGE_PL.get(stage, stage)}"
        if line != self._last_line:
            self.stream.write(line.ljust(80))
            self.stream.flush()
            self._last_line = line

    def finish(self, summary: Any) -> None:
        if self.tty:
            self.stream.write("\r" + " " * 80 + "\r")
        seconds = time.monotonic() - self.started
        echo = click.echo
        units = {unit["id"]: unit for unit in summary.units}
        if not summary.rebuilt:
            echo("Nic się nie zmieniło — wszystkie dokumenty są aktualne.")
        else:
            for unit_id, reason in sorted(summary.rebuilt.items()):
                unit = units.get(unit_id, {})
                if unit.get("documents"):
                    echo(f"  przebudowano {unit_id}: {reason}")
                else:
                    echo(f"  sprawdzono {unit_id} ({reason}): {_NO_DOCUMENTS.get(unit.get('status'), 'bez dokumentów')}")
        echo("")
        echo(f"{'Jednostki':<26}liczba")
        for status in STATUSES:
            echo(f"  {status.counted:<24}{summary.count(status.id):>6}")
        made = output_counts(summary.units)
        echo(f"Wyniki: dokumenty Word {made['docx']}, PDF/A {made['pdf']}, HTML {made['html']}, "
             f"paczki dla ORE {made['bundles']} (nowe lub zmienione dokumenty Word: {summary.documents}), "
             f"czas: {seconds:.1f} s")
        for unit in summary.units:
            if BY_ID[unit["status"]].problem:
                reason = unit.get("failure") or f"błędy w formularzach: {len(unit['errors'])}"
                echo(f"  ! {unit['id']}: {reason}")
        echo(f"Raport: {summary.report_dir / 'index.html'}, {summary.report_dir / 'raport.xlsx'}, "
             f"{summary.report_dir / 'report.json'}")
        if summary.count("invalid"):
            echo(NEXT_STEP.format(index=summary.report_dir / "index.html", out=summary.report_dir))


_NO_DOCUMENTS = {"invalid": "bez dokumentów — błędy w formularzach",
                 "incomplete": "bez dokumentów — brak poprawnych formularzy",
                 "failed": "bez dokumentów — niepowodzenie"}
NEXT_STEP = ("Co dalej: błędy każdej jednostki są opisane w {index}; odeślij zespołom JST kopie formularzy "
             "z zaznaczonymi błędami z {out}/<jednostka>/uwagi/, a poprawione pliki zapisz w miejsce oryginałów "
             "w forms/<jednostka>/ i uruchom budowanie ponownie.")


def output_counts(units: list[dict[str, Any]]) -> dict[str, int]:
    """How many documents of each kind and bundles the output holds after the run."""
    paths = [path for unit in units for path in unit.get("documents") or []]
    return {"docx": sum(p.endswith(".docx") for p in paths), "pdf": sum(p.endswith(".pdf") for p in paths),
            "html": sum(p.endswith(".html") for p in paths), "bundles": sum(bool(unit.get("bundle")) for unit in units)}


# -- personal data in terminal output ---------------------------------------------------------
# A terminal is often shared, logged or pasted into a ticket: e-mail addresses and phone
# numbers typed in the forms are shown masked ("a***@gmina.pl", "** *** ** 67"), also when a
# validation message echoes the value that was wrong.

@lru_cache(maxsize=1)
def contact_fields() -> dict[str, str]:
    """Label -> "email" or "phone" for every form field declared with the Email or Phone type."""
    def checks(annotation: Any) -> set[Any]:
        found = {getattr(item, "func", None) for item in get_args(annotation)}
        for item in get_args(annotation):
            found |= checks(item)
        return found

    kinds = {}
    for form in layout.FORMS:
        for sheet in form.sheets:
            for name, info in sheet.model.model_fields.items():
                validators = checks(info.annotation) | {getattr(item, "func", None) for item in info.metadata}
                if check_email in validators or check_phone in validators:
                    label = sheet.field(name).spec.label
                    kinds[label] = "email" if check_email in validators else "phone"
    return kinds


def private_parts(value: str | None, field: str | None = None) -> list[tuple[str, str]]:
    """(part, masked part) for every e-mail address and phone number in ``value``; the whole
    value when it was typed into an e-mail or phone field (it may be malformed)."""
    if not value:
        return []
    kind = contact_fields().get(field or "")
    if kind:
        return [(value, mask_email(value) if kind == "email" else mask_phone(value))]
    return [(found.text, mask(found)) for found in find_contacts(value)]


def mask_problem(problem: Any) -> Any:
    """A validation problem fit for the terminal: the contact data in its value are masked,
    also where its message repeats them. The message's own examples stay readable."""
    message, value = problem.message, problem.value
    for part, masked in private_parts(problem.value, problem.field):
        message, value = message.replace(part, masked), value.replace(part, masked)
    return dataclasses.replace(problem, message=message, value=value)


def masked_report(report: Any) -> dict[str, Any]:
    """A unit's report entry as JSON for the terminal (`teczka validate --json`): its problems
    masked as in ``mask_problem``."""
    data: dict[str, Any] = report.model_dump(mode="json")
    data["errors"] = [mask_problem(p).as_dict() for p in report.problems if p.severity == "error"]
    data["warnings"] = [mask_problem(p).as_dict() for p in report.problems if p.severity == "warning"]
    return data
