"""The one declaration of unit statuses (pipeline/statuses.py), enumerated: every place that
shows a status takes its words, symbol and colour from it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import get_args

import pytest

from pipeline.console import BuildConsole
from pipeline.report.model import ReportUnit, Status
from pipeline.report.overview import compute_overview
from pipeline.report.page_style import PAGE_CSS
from pipeline.report.status_page import badge
from pipeline.statuses import BY_ID, STATUSES, StatusId, status_label


def test_the_declaration_names_each_status_of_the_report_model_once() -> None:
    assert tuple(status.id for status in STATUSES) == get_args(StatusId) == get_args(Status)
    for words in ("label", "counted", "symbol"):
        values = [getattr(status, words) for status in STATUSES]
        assert len(set(values)) == len(values), words
    assert ReportUnit.model_fields["status"].annotation == Status


@pytest.mark.parametrize("status", STATUSES, ids=lambda s: s.id)
def test_the_status_page_shows_the_declared_words_symbol_and_colours(status) -> None:  # type: ignore[no-untyped-def]
    assert badge(status.id) == (f'<span class="badge badge-{status.id}">{status.symbol} {status.label}</span>')
    assert f".badge-{status.id} {{ background: {status.background}; color: {status.ink}; " \
           f"border-color: {status.colour}; }}" in PAGE_CSS
    assert f".tile-{status.id} {{ border-left-color: {status.colour}; }}" in PAGE_CSS
    assert f".unit-{status.id} {{ border-left-color: {status.colour}; }}" in PAGE_CSS


def test_an_unknown_status_is_shown_as_it_is_never_as_a_known_one() -> None:
    assert status_label("zagubiony") == "zagubiony"
    assert badge("zagubiony") == '<span class="badge badge-unknown">? zagubiony</span>'


def test_the_overview_counts_every_declared_status_in_order_with_its_label() -> None:
    overview = compute_overview({"units": [{"status": "invalid"}, {"status": "ok"}, {"status": "invalid"}]})
    assert [(c.key, c.label, c.count) for c in overview.statuses] == [
        (s.id, s.label, {"ok": 1, "invalid": 2}.get(s.id, 0)) for s in STATUSES]


def test_the_build_summary_in_the_terminal_counts_every_status_with_its_counted_words(capsys) -> None:  # type: ignore[no-untyped-def]
    class Summary:
        rebuilt = {"gmina-a": "nowa jednostka"}
        documents = 3
        report_dir = Path("output")
        units = [{"id": "gmina-a", "status": "ok"}, {"id": "gmina-b", "status": "failed", "failure": "awaria"}]

        def count(self, status: str) -> int:
            return sum(unit["status"] == status for unit in self.units)

    BuildConsole(io.StringIO()).finish(Summary())
    lines = capsys.readouterr().out.splitlines()
    for status in STATUSES:
        count = {"ok": 1, "failed": 1}.get(status.id, 0)
        assert f"  {status.counted:<24}{count:>6}" in lines
    assert "  ! gmina-b: awaria" in lines
    assert [s.id for s in STATUSES if s.problem] == ["invalid", "failed"]
    assert BY_ID["incomplete"].label == "w toku"
