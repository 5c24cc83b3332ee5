"""output/index.html: a static, self-contained status page of all units (no JavaScript).

All user data goes through ``html.escape``; links are relative to output/ and URL-quoted.
The same report gives the same page: nothing here reads the clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from html import escape
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from pipeline.polish import count, format_date_range, format_decimal, plural
from pipeline.report.charts import Bar, bar_chart, stage_strip
from pipeline.report.model import STAGE_COUNT, as_of_text
from pipeline.report.overview import Overview, compute_overview
from pipeline.report.page_style import PAGE_CSS
from pipeline.statuses import BY_ID, status_label


def e(value: Any) -> str:
    """Escape user data for HTML text and attribute values."""
    return escape("" if value is None else str(value), quote=True)


def href(path: str) -> str:
    """A link from output/index.html to a file named relative to the repository root. Paths are
    POSIX: a backslash is part of a name (a unit folder "gmina\\b") and is percent-encoded."""
    parts = PurePosixPath(str(path)).parts
    if parts and parts[0] == "/":
        return e("file://" + quote(str(PurePosixPath(*parts))))
    rel = list(parts[1:]) if parts and parts[0] == "output" else ["..", *parts]
    return e(quote("/".join(rel), safe="/"))


def _period(start: Any, end: Any) -> str:
    """The edition's period from the report's ISO dates, in Polish; a damaged date as it is."""
    try:
        return format_date_range(date.fromisoformat(str(start)), date.fromisoformat(str(end)))
    except ValueError:
        return f"{start or ''} – {end or ''}"


def _anchors(units: list[dict[str, Any]]) -> list[str]:
    seen: set[str] = set()
    result = []
    for index, unit in enumerate(units, start=1):
        anchor = "jst-" + (
            re.sub(r"[^A-Za-z0-9_-]+", "-", str(unit.get("id") or "")).strip("-") or str(index)
        )
        if anchor in seen:
            anchor = f"{anchor}-{index}"
        seen.add(anchor)
        result.append(anchor)
    return result


def badge(status: Any) -> str:
    code = str(status)
    known = BY_ID.get(code)
    symbol = known.symbol if known else "?"
    return f'<span class="badge badge-{known.id if known else "unknown"}">{symbol} {e(status_label(code))}</span>'


def _charts(report: dict[str, Any], ov: Overview) -> str:
    jst = "JST"
    areas = [Bar(f"{c.key}. {c.label}", c.count, f"{c.count} {jst}") for c in ov.areas]
    area_note = (
        f"Jeszcze bez wybranego obszaru: {count(ov.no_area, 'jednostka', 'jednostki', 'jednostek')}."
        if ov.no_area
        else None
    )
    stages = [Bar(c.label, c.count, f"{c.count} {jst}") for c in ov.stages]
    m = ov.meetings
    meetings: list[tuple[str | None, list[Bar]]] = [
        ("Liczba spotkań", [
            Bar("w siedzibie JST", m.on_site, count(m.on_site, "spotkanie", "spotkania", "spotkań")),
            Bar("on-line", m.online, count(m.online, "spotkanie", "spotkania", "spotkań")),
        ]),
        ("Liczba godzin", [
            Bar("w siedzibie JST", m.hours_on_site, f"{format_decimal(m.hours_on_site)} h"),
            Bar("on-line", m.hours_online, f"{format_decimal(m.hours_online)} h"),
        ]),
    ]  # fmt: skip
    forms = [Bar(c.label, c.count, f"{c.count} {jst}") for c in ov.summary_forms]
    form_note = (
        f"Jeszcze bez wybranej formy: {count(ov.no_summary_form, 'jednostka', 'jednostki', 'jednostek')}."
        if ov.no_summary_form
        else None
    )
    meeting_note = f"Razem: {count(m.total, 'spotkanie', 'spotkania', 'spotkań')}, {format_decimal(m.hours_total)} h."
    return "".join([
        bar_chart("Wybrane obszary wsparcia", [(None, areas)], note=area_note),
        bar_chart("Jednostki według ostatniego ukończonego etapu cyklu", [(None, stages)], colour="#1f6f8b"),
        bar_chart("Spotkania doradcze: w siedzibie JST i on-line", meetings, colour="#6a3d9a", note=meeting_note),
        bar_chart("Wybrana forma podsumowania", [(None, forms)], colour="#1b7a5a", note=form_note),
    ])  # fmt: skip


def _summary(ov: Overview) -> str:
    tiles = [
        f'<li class="tile"><span class="num">{ov.units}</span> {plural(ov.units, "jednostka", "jednostki", "jednostek")} w raporcie</li>'
    ]
    for c in ov.statuses:
        known = BY_ID.get(c.key)
        tile, symbol = (known.counted, known.symbol) if known else (c.label, "?")
        tiles.append(
            f'<li class="tile tile-{e(c.key)}"><span class="num">{c.count}</span> {symbol} {e(tile)}</li>'
        )
    return f'<ul class="tiles">{"".join(tiles)}</ul>'


def _table(units: list[dict[str, Any]], anchors: list[str]) -> str:
    rows = []
    for unit, anchor in zip(units, anchors, strict=True):
        rows.append(
            f'<tr><th scope="row"><a href="#{anchor}">{e(unit.get("name"))}</a></th>'
            f"<td>{e(unit.get('teryt'))}</td><td>{e(unit.get('voivodeship'))}</td>"
            f'<td>{badge(unit.get("status"))}</td><td class="n">{int(unit.get("stage") or 0)} z {STAGE_COUNT}</td>'
            f'<td class="n">{len(unit.get("errors") or [])}</td><td class="n">{len(unit.get("warnings") or [])}</td></tr>'
        )
    head = "".join(
        f'<th scope="col">{h}</th>'
        for h in ("Jednostka", "TERC", "Województwo", "Status", "Etap", "Błędy", "Ostrzeżenia")
    )
    return (
        f'<table class="list"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def _links(paths: Iterable[str]) -> str:
    return ", ".join(f'<a href="{href(p)}">{e(PurePosixPath(p).name)}</a>' for p in paths)


def _files(unit: dict[str, Any]) -> str:
    items = []
    by_stem: dict[str, list[str]] = {}
    for path in unit.get("documents") or []:
        by_stem.setdefault(str(PurePosixPath(path).with_suffix("")), []).append(path)
    if by_stem:
        docs = "".join(f"<li>{_links(paths)}</li>" for paths in by_stem.values())
        items.append(f'<div><h4>Dokumenty</h4><ul class="docs">{docs}</ul></div>')
    else:
        items.append(
            '<div><h4>Dokumenty</h4><p class="muted">Brak wygenerowanych dokumentów.</p></div>'
        )
    bundle = unit.get("bundle")
    bundle_html = _links([bundle]) if bundle else '<span class="muted">nie utworzono</span>'
    items.append(f"<div><h4>Paczka dokumentów</h4><p>{bundle_html}</p></div>")
    if unit.get("feedback"):
        items.append(
            f"<div><h4>Uwagi dla zespołu JST (do odesłania)</h4><p>{_links(unit['feedback'])}</p></div>"
        )
    return f'<div class="files">{"".join(items)}</div>'


def _problems(unit: dict[str, Any]) -> str:
    rows = []
    for kind, key, css in (("błąd", "errors", "err"), ("ostrzeżenie", "warnings", "warn")):
        for p in unit.get(key) or []:
            file = p.get("file")
            detail = f"<strong>{e(p['field'])}:</strong> " if p.get("field") else ""
            value = (
                f'<br><span class="value">Wartość: <code>{e(p["value"])}</code></span>'
                if p.get("value") not in (None, "")
                else ""
            )
            rows.append(
                f'<tr class="{css}"><td>{kind}</td><td title="{e(file)}">{e(PurePosixPath(file).name if file else "—")}</td>'
                f"<td>{e(p.get('sheet') or '—')}</td><td>{e(p.get('cell') or '—')}</td>"
                f"<td>{detail}{e(p.get('message'))}{value}</td></tr>"
            )
    if not rows:
        return ""
    head = "".join(
        f'<th scope="col">{h}</th>'
        for h in ("Rodzaj", "Plik", "Arkusz", "Komórka", "Opis problemu")
    )
    return (
        f"<h4>Błędy i ostrzeżenia ({len(rows)})</h4>"
        f'<table class="problems"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def _unit_card(unit: dict[str, Any], anchor: str, stages: list[str]) -> str:
    meetings = unit.get("meetings") or {}
    area = unit.get("area")
    hours_on_site = format_decimal(float(meetings.get("hours_on_site") or 0))
    hours_online = format_decimal(float(meetings.get("hours_online") or 0))
    on_site, online = int(meetings.get("on_site") or 0), int(meetings.get("online") or 0)
    facts = [
        ("TERC", e(unit.get("teryt")), ""),
        ("Typ JST", e(unit.get("unit_type")), ""),
        ("Województwo", e(unit.get("voivodeship")), ""),
        ("Folder", e(unit.get("id")), ""),
        ("Obszar wsparcia", e(f"{area.get('id')}. {area.get('label')}" if area else "jeszcze niewybrany"), "wide"),
        ("Forma podsumowania", e(unit.get("summary_form") or "jeszcze niewybrana"), ""),
        ("Spotkania (liczba i godziny)",
         f'<span class="line">w siedzibie JST: {on_site} ({e(hours_on_site)}\u00a0h)</span>'
         f'<span class="line">on-line: {online} ({e(hours_online)}\u00a0h)</span>', ""),
    ]  # fmt: skip
    dl = "".join(f'<div class="{css}"><dt>{k}</dt><dd>{v}</dd></div>' for k, v, css in facts)
    stage = int(unit.get("stage") or 0)
    last = (
        f"ostatni ukończony: {e(stages[stage - 1])}"
        if 0 < stage <= len(stages)
        else "żaden etap nie jest jeszcze ukończony"
    )
    failure = unit.get("failure")
    failure_html = (
        f'<p class="failure"><strong>Błąd generowania:</strong> {e(failure)}</p>' if failure else ""
    )
    status = str(unit.get("status"))
    css = status if status in BY_ID else "unknown"
    return (
        f'<article class="unit unit-{css}" id="{anchor}" aria-labelledby="{anchor}-h">'
        f'<header class="unit-head"><h3 id="{anchor}-h">{e(unit.get("name"))}</h3>{badge(status)}</header>'
        f'<dl class="facts">{dl}</dl>'
        f'<div class="cycle">{stage_strip(stage, stages)}<p>Ukończone etapy cyklu: <strong>{stage} z {STAGE_COUNT}</strong> — {last}</p></div>'
        f"{failure_html}{_files(unit)}{_problems(unit)}</article>"
    )


def build_status_page(report: dict[str, Any], *, areas: Iterable[Any] | None = None) -> str:
    """The whole index.html as text (UTF-8 when written). ``areas``: all areas, for zero bars."""
    units = list(report.get("units") or [])
    stages = [str(s) for s in report.get("stages") or []]
    edition = report.get("edition") or {}
    ov = compute_overview(report, areas)
    anchors = _anchors(units)
    cards = "".join(_unit_card(u, a, stages) for u, a in zip(units, anchors, strict=True))
    period = _period(edition.get("start"), edition.get("end"))
    return f"""<!DOCTYPE html>
<html lang="pl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Teczka JST — stan jednostek — {e(edition.get("id"))}</title>
<style>{PAGE_CSS}</style>
</head>
<body>
<header class="page-head">
<h1>Teczka JST — stan jednostek</h1>
<p class="edition">{e(edition.get("name"))}</p>
<p class="meta"><strong>{e(as_of_text(report))}</strong></p>
<p class="meta">Okres edycji: {e(period)} · wersja narzędzia {e(report.get("tool_version"))} · zestawienie dla koordynatora: <a href="raport.xlsx">raport.xlsx</a></p>
</header>
<main>
<section aria-labelledby="h-summary"><h2 id="h-summary">Podsumowanie</h2>{_summary(ov)}</section>
<section aria-labelledby="h-charts"><h2 id="h-charts">Przegląd programu</h2><div class="charts">{_charts(report, ov)}</div></section>
<section aria-labelledby="h-list"><h2 id="h-list">Zestawienie jednostek</h2>{_table(units, anchors) if units else "<p>Brak jednostek w raporcie.</p>"}</section>
<section aria-labelledby="h-units"><h2 id="h-units">Jednostki</h2>{cards}</section>
</main>
<footer><p>Strona wygenerowana przez Teczkę JST {e(report.get("tool_version"))}. Dane: <a href="report.json">report.json</a>.</p></footer>
</body>
</html>
"""
