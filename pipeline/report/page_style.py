"""The inline stylesheet of the status page (screen and print).

The colours of the unit statuses come from their one declaration in pipeline/statuses.py.
"""

from pipeline.statuses import STATUSES

_BASE_CSS = """
:root { --ink: #1f2937; --muted: #4b5563; --line: #d1d5db; --soft: #f3f4f6; --link: #1d4ed8; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; padding: 24px; font: 15px/1.5 "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: var(--ink); background: #fff; }
main, .page-head, footer { max-width: 1240px; margin: 0 auto; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 18px; margin: 0; }
h4 { font-size: 14px; margin: 12px 0 4px; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
a { color: var(--link); }
.edition { font-size: 16px; margin: 0; }
.meta, .muted, .chart-note { color: var(--muted); }
.meta { margin: 4px 0 0; font-size: 14px; }
.tiles { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 12px; }
.tile { border: 1px solid var(--line); border-left: 6px solid #6b7280; border-radius: 6px; padding: 8px 14px; min-width: 170px; background: var(--soft); }
.tile .num { display: block; font-size: 28px; font-weight: 700; line-height: 1.2; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 16px 32px; }
.chart { margin: 0; padding: 12px 16px; border: 1px solid var(--line); border-radius: 6px; break-inside: avoid; }
.chart figcaption { font-weight: 700; font-size: 16px; margin-bottom: 8px; }
.chart-note { margin: 4px 0 0; font-size: 13px; }
svg.bars { display: block; width: 100%; max-width: 600px; height: auto; }
svg .lbl { font: 13px "DejaVu Sans", Arial, sans-serif; fill: #1f2937; }
svg .val { font: bold 13px "DejaVu Sans", Arial, sans-serif; fill: #111827; }
svg .sub { font: bold 13px "DejaVu Sans", Arial, sans-serif; fill: #374151; }
svg .seg { font: bold 14px "DejaVu Sans", Arial, sans-serif; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { border: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
thead th { background: #e5e7eb; }
tbody th { font-weight: 600; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 1px 10px; border-radius: 999px; border: 1px solid; font-size: 13px; font-weight: 700; white-space: nowrap; }
.badge-unknown { background: var(--soft); color: var(--ink); border-color: #6b7280; }
.unit { border: 1px solid var(--line); border-left: 8px solid #6b7280; border-radius: 6px; padding: 14px 18px; margin: 0 0 16px; break-inside: avoid; }
.unit-head { display: flex; flex-wrap: wrap; align-items: center; gap: 12px; }
.facts { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 6px 20px; margin: 10px 0; }
.facts div { min-width: 0; }
.facts .wide { grid-column: span 2; }
.facts .line { display: block; }
@media (max-width: 700px) { .facts { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
.facts dt { font-size: 12px; color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.cycle { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; margin: 8px 0; }
.cycle p { margin: 0; }
svg.strip { display: block; }
.failure { background: #fde2e0; border: 1px solid #c0392b; color: #7f1d1d; padding: 8px 12px; border-radius: 4px; }
.files { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 0 24px; }
.files p, .docs { margin: 0; }
.docs { padding-left: 18px; }
.problems tr.err td:first-child { color: #8a1c1c; font-weight: 700; }
.problems tr.warn td:first-child { color: #5c4200; font-weight: 700; }
.value code { background: var(--soft); padding: 0 4px; overflow-wrap: anywhere; }
footer { margin-top: 32px; color: var(--muted); font-size: 13px; }
@media print {
  body { padding: 0; font-size: 11pt; }
  .charts { grid-template-columns: 1fr; }
  .chart { max-width: 640px; }
  h2 { break-after: avoid; }
  a { color: inherit; }
}
@page { size: A4; margin: 14mm; }
"""

# After the base rules, so a status colour wins over the neutral border of .tile, .badge and .unit.
_STATUS_CSS = "".join(
    f".tile-{s.id} {{ border-left-color: {s.colour}; }}\n"
    f".badge-{s.id} {{ background: {s.background}; color: {s.ink}; border-color: {s.colour}; }}\n"
    f".unit-{s.id} {{ border-left-color: {s.colour}; }}\n"
    for s in STATUSES
)
PAGE_CSS = _BASE_CSS + _STATUS_CSS
