"""What the coordinator sees in the terminal during and after a build (no e-mails or phones)."""

from __future__ import annotations

import sys
import time
from typing import Any

import click

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
        if not summary.rebuilt:
            echo("Nic się nie zmieniło — wszystkie dokumenty są aktualne.")
        else:
            for unit_id, reason in sorted(summary.rebuilt.items()):
                echo(f"  przebudowano {unit_id}: {reason}")
        echo("")
        echo("Jednostki       liczba")
        for status, label in (("ok", "kompletne"), ("incomplete", "w toku"), ("invalid", "z błędami"),
                              ("failed", "niepowodzenie")):
            echo(f"  {label:<14}{summary.count(status):>5}")
        echo(f"Dokumenty Word: {summary.documents} (nowe lub zmienione), czas: {seconds:.1f} s")
        for unit in summary.units:
            if unit["status"] in ("invalid", "failed"):
                reason = unit.get("failure") or f"błędy w formularzach: {len(unit['errors'])}"
                echo(f"  ! {unit['id']}: {reason}")
        echo(f"Raport: {summary.report_dir / 'index.html'}, {summary.report_dir / 'raport.xlsx'}, "
             f"{summary.report_dir / 'report.json'}")
