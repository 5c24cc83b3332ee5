"""Benchmark: the table page-break rule (``ooxml.hold_table_rows``) as string work against the
naive way, an XML tree (lxml: parse the rendered part, set the same properties, serialise).

The corpus is the body of every document of the sample units in forms/, rendered with the
shipped templates. Both ways must give the same rows: the same ``cantSplit`` and ``keepNext``
on every row of every table (checked here). Prints, and appends to bench/RESULTS.md, the time per
document of each way and of rendering a document, and the ratio:

    .venv/bin/python bench/table_rows.py
"""

from __future__ import annotations

import platform
import sys
import time
from datetime import date
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import ooxml  # noqa: E402
from pipeline.edition import load_edition  # noqa: E402
from pipeline.render import render_unit, template_set  # noqa: E402
from pipeline.validate import discover_units, validate_unit  # noqa: E402

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
ROUNDS = 20


def with_tree(xml: str) -> str:
    """The same rule on an lxml tree: the way one writes it first."""
    root = etree.fromstring(xml)
    for table in root.iter(f"{W}tbl"):
        rows = table.findall(f"{W}tr")
        header = 0
        while header < len(rows) and rows[header].find(f"{W}trPr/{W}tblHeader") is not None:
            header += 1
        last = len(rows) - header - 1
        kept = (set(range(min(ooxml.ROWS_BEFORE_BREAK - 1, last)))
                | set(range(max(last - ooxml.ROWS_AFTER_BREAK + 1, 0), last)))
        for index, row in enumerate(rows):
            properties = row.find(f"{W}trPr")
            if properties is None:
                properties = etree.Element(f"{W}trPr")
                row.insert(0, properties)
            if properties.find(f"{W}cantSplit") is None:
                properties.insert(0, etree.Element(f"{W}cantSplit"))
            if (index < header and last >= 0) or index - header in kept:
                for paragraph in row.iter(f"{W}p"):
                    ppr = paragraph.find(f"{W}pPr")
                    if ppr is None:
                        ppr = etree.Element(f"{W}pPr")
                        paragraph.insert(0, ppr)
                    if ppr.find(f"{W}keepNext") is None:
                        ppr.insert(1 if ppr.find(f"{W}pStyle") is not None else 0, etree.Element(f"{W}keepNext"))
    return etree.tostring(root, encoding="unicode")


def rows_of(xml: str) -> list[tuple[bool, bool]]:
    """(cantSplit, every paragraph keeps with the next) for every row of every table."""
    out = []
    for row in etree.fromstring(xml).iter(f"{W}tr"):
        keeps = all(p.find(f"{W}pPr/{W}keepNext") is not None for p in row.iter(f"{W}p"))
        out.append((row.find(f"{W}trPr/{W}cantSplit") is not None, keeps))
    return out


def main() -> None:
    edition = load_edition("2020")
    templates = template_set(ROOT / "templates")
    parts: list[str] = []
    rule = ooxml.hold_table_rows
    ooxml.hold_table_rows = lambda xml: (parts.append(xml), xml)[1]  # catch each part as rendered, before the rule
    units = [validate_unit(folder, edition).unit for folder in discover_units(ROOT / "forms")]
    documents = sum(len(render_unit(unit, edition, templates)) for unit in units)
    bodies = [xml for xml in parts if "<w:body>" in xml or "<w:body " in xml]
    assert len(bodies) == documents
    for xml in bodies:
        assert rows_of(rule(xml)) == rows_of(with_tree(xml))

    def per_document(work) -> float:
        best = float("inf")
        for _ in range(5):
            started = time.process_time()
            for _ in range(ROUNDS):
                work()
            best = min(best, (time.process_time() - started) / ROUNDS / documents * 1000)
        return best

    strings = per_document(lambda: [rule(xml) for xml in bodies])
    tree = per_document(lambda: [with_tree(xml) for xml in bodies])
    ooxml.hold_table_rows = rule
    rendering = per_document(lambda: [render_unit(unit, edition, templates) for unit in units])
    lines = [
        f"## {date.today().isoformat()} — table page-break rule, {len(units)} sample units, Python {platform.python_version()}",
        "",
        f"- `ooxml.hold_table_rows` per document ({documents} documents, same rows both ways): "
        f"{tree:.2f} ms (lxml tree) vs {strings:.2f} ms (string work), {tree / strings:.1f}×; "
        f"rendering a document with the rule: {rendering:.2f} ms (CPU time, best of 5)",
        "",
    ]
    print("\n".join(lines))
    with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as results:
        results.write("\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
