"""Inline SVG for the status page: labelled horizontal bar charts and the five-stage strip.

Every label and number is drawn as text (no legend to decode, no colour-only meaning);
user data is escaped here, the callers pass plain text.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

WIDTH = 600
ROW = 44  # height of one bar row: label line, then the bar with its number
LABEL_CHARS = 78  # longer labels are shortened; the full text stays in the <title>
VALUE_ROOM = 150  # room right of the longest bar for its number


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the number as shown, e.g. "4 JST" or "30,5 h"


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def bar_chart(
    title: str,
    sections: list[tuple[str | None, list[Bar]]],
    *,
    colour: str = "#2f5597",
    note: str | None = None,
) -> str:
    """A <figure> with a caption and an SVG of horizontal bars, one scale per section."""
    parts: list[str] = []
    spoken: list[str] = []
    y = 0
    for subtitle, bars in sections:
        if subtitle:
            parts.append(f'<text x="0" y="{y + 16}" class="sub">{escape(subtitle)}</text>')
            y += 26
        top = max((bar.value for bar in bars), default=0) or 1
        for bar in bars:
            width = round((WIDTH - VALUE_ROOM) * bar.value / top, 1)
            label = escape(_short(bar.label))
            text = escape(bar.text)
            spoken.append(f"{bar.label}: {bar.text}")
            rect = (
                f'<rect x="0" y="{y + 21}" width="{width}" height="16" rx="2" fill="{colour}"/>'
                if bar.value > 0
                else f'<rect x="0" y="{y + 21}" width="2" height="16" fill="#6b7280"/>'
            )
            parts.append(
                f"<g><title>{escape(bar.label)}: {text}</title>"
                f'<text x="0" y="{y + 15}" class="lbl">{label}</text>{rect}'
                f'<text x="{max(width, 2) + 6}" y="{y + 34}" class="val">{text}</text></g>'
            )
            y += ROW
        y += 6
    if not spoken:
        parts.append('<text x="0" y="18" class="lbl">Brak danych.</text>')
        y = 28
    aria = escape(f"{title}. " + "; ".join(spoken))
    svg = (
        f'<svg class="bars" viewBox="0 0 {WIDTH} {y}" width="{WIDTH}" height="{y}" role="img" '
        f'aria-label="{aria}" xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>'
    )
    caption = escape(title)
    extra = f'<p class="chart-note">{escape(note)}</p>' if note else ""
    return f'<figure class="chart"><figcaption>{caption}</figcaption>{svg}{extra}</figure>'


def stage_strip(stage: int, stages: list[str]) -> str:
    """The advisory cycle as five numbered segments; completed ones are filled."""
    count = max(len(stages), 5)
    seg, gap, height = 58, 4, 30
    parts = []
    for i in range(count):
        number = i + 1
        name = stages[i] if i < len(stages) else f"etap {number}"
        done = number <= stage
        state = "ukończony" if done else "nieukończony"
        x = i * (seg + gap)
        fill, stroke, ink = (
            ("#2f5597", "#2f5597", "#ffffff") if done else ("#ffffff", "#6b7280", "#374151")
        )
        mark = "✓ " if done else ""
        parts.append(
            f"<g><title>Etap {number}: {escape(name)} — {state}</title>"
            f'<rect x="{x + 1}" y="1" width="{seg - 2}" height="{height - 2}" rx="4" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="1.5"/>'
            f'<text x="{x + seg / 2}" y="{height / 2 + 5}" text-anchor="middle" fill="{ink}" '
            f'class="seg">{mark}{number}</text></g>'
        )
    total = count * (seg + gap) - gap
    aria = escape(f"Ukończone etapy cyklu: {stage} z {count}")
    return (
        f'<svg class="strip" viewBox="0 0 {total} {height}" width="{total}" height="{height}" '
        f'role="img" aria-label="{aria}" xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>'
    )
