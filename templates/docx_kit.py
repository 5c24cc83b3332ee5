"""Building blocks for ``build_templates.py``: page setup, styles, header and footer, tables.

Dev tooling only: the pipeline never imports this. It writes plain python-docx objects with
docxtpl tags typed as whole runs, so every tag sits in one run and Word opens the result
as an ordinary document that a coordinator can edit.
"""

from __future__ import annotations

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

FONT = "Liberation Sans"
NAVY = RGBColor(0x1F, 0x38, 0x64)
GREY = RGBColor(0x59, 0x59, 0x59)
HEADER_FILL = "DCE6F1"
LABEL_FILL = "F2F5F9"
BORDER = "8C9BAF"

# (name, style id, base, size pt, bold, italic, colour, space before, space after)
PARAGRAPH_STYLES = [
    ("Tabela", "Tabela", "Normal", 9, False, False, None, 0, 0),
    ("Tabela nagłówek", "TabelaNaglowek", "Tabela", 9, True, False, None, 0, 0),
    ("Tabela mała", "TabelaMala", "Tabela", 8, False, False, None, 0, 0),
    ("Tabela mała nagłówek", "TabelaMalaNaglowek", "Tabela mała", 8, True, False, None, 0, 0),
    ("Etykieta", "Etykieta", "Normal", 9, True, False, GREY, 6, 1),
    ("Lead", "Lead", "Normal", 11.5, True, True, NAVY, 6, 10),
    ("Metryczka", "Metryczka", "Normal", 8.5, False, False, GREY, 0, 0),
    ("Podpis", "Podpis", "Normal", 7.5, False, True, GREY, 0, 0),
    ("Podpis tabeli", "PodpisTabeli", "Normal", 9, True, False, GREY, 6, 2),
    ("Znacznik", "Znacznik", "Normal", 7, False, False, GREY, 0, 0),
]


# ----------------------------------------------------------------------- document and styles
def new_document(*, landscape: bool = False, margins_cm: float = 2.0) -> Document:
    doc = Document()
    section = doc.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    else:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(margins_cm))
    section.top_margin, section.bottom_margin = Cm(2.4), Cm(2.0)
    section.header_distance, section.footer_distance = Cm(0.9), Cm(0.8)
    _setup_styles(doc)
    return doc


def text_width_cm(doc: Document) -> float:
    section = doc.sections[0]
    return round((section.page_width - section.left_margin - section.right_margin) / 360000, 2)


def _explicit_fonts(rpr) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        if attr.endswith("Theme"):
            del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def _setup_styles(doc: Document) -> None:
    styles_root = doc.styles.element
    defaults = styles_root.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _explicit_fonts(defaults)
    lang = defaults.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        defaults.append(lang)
    lang.set(qn("w:val"), "pl-PL")
    lang.set(qn("w:eastAsia"), "pl-PL")
    lang.set(qn("w:bidi"), "ar-SA")
    for fonts in styles_root.iter(qn("w:rFonts")):  # headings use theme fonts (Calibri/Cambria)
        _explicit_fonts(fonts.getparent())
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(10)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.12
    _style(doc, "Title", 19, NAVY, before=0, after=2)
    _style(doc, "Subtitle", 13, GREY, before=0, after=12, italic=False)
    _style(doc, "Heading 1", 13, NAVY, before=14, after=5)
    _style(doc, "Heading 2", 11, NAVY, before=10, after=3)
    _style(doc, "Heading 3", 10, RGBColor(0, 0, 0), before=6, after=2)
    _bottom_border(doc.styles["Heading 1"].element.get_or_add_pPr(), "1F3864", 6)
    for name in ("Header", "Footer"):
        style = doc.styles[name]
        style.font.size, style.font.color.rgb = Pt(7.5), GREY
        style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.line_spacing = 1.0
        style.paragraph_format.tab_stops.clear_all()  # python-docx's default centre/right tabs
    for name, style_id, base, size, bold, italic, colour, before, after in PARAGRAPH_STYLES:
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.element.set(qn("w:styleId"), style_id)
        style.base_style = doc.styles[base]
        style.font.size, style.font.bold, style.font.italic = Pt(size), bold, italic
        if colour is not None:
            style.font.color.rgb = colour
        fmt = style.paragraph_format
        fmt.space_before, fmt.space_after = Pt(before), Pt(after)
        if style_id.startswith("Tabela"):
            fmt.line_spacing = 1.0
        style.quick_style = True
    doc.styles["Etykieta"].paragraph_format.keep_with_next = True


def _style(doc, name, size, colour, *, before, after, italic=None) -> None:
    style = doc.styles[name]
    style.font.name, style.font.size, style.font.color.rgb = FONT, Pt(size), colour
    if italic is not None:
        style.font.italic = italic
    style.paragraph_format.space_before, style.paragraph_format.space_after = Pt(before), Pt(after)


def _bottom_border(ppr, colour: str, size: int) -> None:
    borders = OxmlElement("w:pBdr")
    edge = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", str(size)), ("w:space", "1"), ("w:color", colour)):
        edge.set(qn(key), value)
    borders.append(edge)
    ppr.append(borders)


def _top_border(ppr, colour: str) -> None:
    borders = OxmlElement("w:pBdr")
    edge = OxmlElement("w:top")
    for key, value in (("w:val", "single"), ("w:sz", "4"), ("w:space", "3"), ("w:color", colour)):
        edge.set(qn(key), value)
    borders.append(edge)
    ppr.append(borders)


# ----------------------------------------------------------------------- header and footer
def _field(paragraph, instruction: str, shown: str) -> None:
    """A complex field (PAGE, NUMPAGES) as Word writes it: begin, instruction, separate, end."""
    def run_with(element):
        run = paragraph.add_run()
        run._r.append(element)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    paragraph.add_run(shown)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def header_and_footer(doc: Document) -> None:
    """Programme identification in the header, co-financing line and "Strona X z Y" in the footer."""
    width = Cm(text_width_cm(doc))
    header = doc.sections[0].header
    header.paragraphs[0].add_run("{{p pasek_logo(programme.logo_alt) }}")  # templates/logo/pasek.png, if any
    first = header.add_paragraph(style="Header")
    first.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
    first.add_run("{{ programme.organiser }}").bold = True
    first.add_run("\t{{ jst.name }} · TERC {{ jst.terc }}")
    second = header.add_paragraph("{{ programme.project_title }}", style="Header")
    _bottom_border(second._p.get_or_add_pPr(), BORDER, 4)

    footer = doc.sections[0].footer
    line = footer.paragraphs[0]
    line.style = doc.styles["Footer"]
    line.add_run("{{ programme.cofinancing }}")
    _top_border(line._p.get_or_add_pPr(), BORDER)
    pages = footer.add_paragraph(style="Footer")
    pages.paragraph_format.space_before = Pt(2)
    pages.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
    pages.add_run("{{ document.title }} · {{ programme.edition_short }}\tStrona ")
    _field(pages, "PAGE", "1")
    pages.add_run(" z ")
    _field(pages, "NUMPAGES", "1")


# ----------------------------------------------------------------------- paragraphs
def tag(doc: Document, text: str) -> None:
    """A paragraph holding only a docxtpl paragraph tag ({%p … %}); it vanishes when rendered."""
    doc.add_paragraph(text, style="Znacznik")


def para(doc: Document, text: str = "", style: str | None = None, *, bold_prefix: str = "",
         align=None, keep_next: bool = False):
    paragraph = doc.add_paragraph(style=style)
    if bold_prefix:
        paragraph.add_run(bold_prefix).bold = True
    if text:
        paragraph.add_run(text)
    if align is not None:
        paragraph.alignment = align
    if keep_next:
        paragraph.paragraph_format.keep_with_next = True
    return paragraph


def title_block(doc: Document, title: str, subtitle: str) -> None:
    doc.add_paragraph(title, style="Title")
    doc.add_paragraph(subtitle, style="Subtitle")


# ----------------------------------------------------------------------- tables
def _cell_fill(cell, colour: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), colour)
    tcpr.append(shd)


def _table_properties(table, widths_cm: list[float], *, borders: bool = True, header_row: bool = False,
                      header_column: bool = False) -> None:
    """Fixed layout and widths, thin borders, and the table look that tells readers (pandoc, the
    PDF tags) whether the first row or the first column holds headers."""
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    tblpr = table._tbl.tblPr
    for old in tblpr.findall(qn("w:tblLook")):
        tblpr.remove(old)
    look = OxmlElement("w:tblLook")
    value = 0x0400 | (0x0020 if header_row else 0) | (0x0080 if header_column else 0)
    for key, on in (("w:firstRow", header_row), ("w:lastRow", False), ("w:firstColumn", header_column),
                    ("w:lastColumn", False), ("w:noHBand", False), ("w:noVBand", True)):
        look.set(qn(key), "1" if on else "0")
    look.set(qn("w:val"), f"{value:04X}")
    tblpr.append(look)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblpr.append(layout)
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(int(sum(widths_cm) * 567)))
    width.set(qn("w:type"), "dxa")
    for old in tblpr.findall(qn("w:tblW")):
        tblpr.remove(old)
    tblpr.append(width)
    margins = OxmlElement("w:tblCellMar")
    for side, value in (("top", 28), ("left", 70), ("bottom", 28), ("right", 70)):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), str(value))
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    tblpr.append(margins)
    if borders:
        edges = OxmlElement("w:tblBorders")
        for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
            edge = OxmlElement(f"w:{side}")
            for key, value in (("w:val", "single"), ("w:sz", "4"), ("w:space", "0"), ("w:color", BORDER)):
                edge.set(qn(key), value)
            edges.append(edge)
        tblpr.append(edges)
    for column, width_cm in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width_cm)
        for cell in column.cells:
            cell.width = Cm(width_cm)


def _row_flags(row, *, header: bool = False, cant_split: bool = True) -> None:
    trpr = row._tr.get_or_add_trPr()
    if cant_split:
        trpr.append(OxmlElement("w:cantSplit"))
    if header:
        trpr.append(OxmlElement("w:tblHeader"))


def _write(cell, text: str, style: str) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.style = style
    paragraph.add_run(text)


def loop_table(doc: Document, loop: str, columns: list[tuple[str, str, float]], *,
               small: bool = False, total: list[str] | None = None, keep_together: bool = True):
    """Header row plus one row per item: columns are (header, cell text, width in cm);
    ``total`` adds a closing row in bold (e.g. "Razem"). ``keep_together`` keeps the rows on one
    page (every paragraph keeps with the next; a spacer after the table ends the chain), so a
    short table never leaves one or two rows alone on the next page; a table longer than a
    page still breaks."""
    body_style, head_style = ("Tabela mała", "Tabela mała nagłówek") if small else ("Tabela", "Tabela nagłówek")
    table = doc.add_table(rows=4, cols=len(columns))
    _table_properties(table, [width for _, _, width in columns], header_row=True)
    head, start, row, end = table.rows
    _row_flags(head, header=True)
    for cell, (title, _, _) in zip(head.cells, columns, strict=True):
        _write(cell, title, head_style)
        _cell_fill(cell, HEADER_FILL)
    _write(start.cells[0], f"{{%tr for {loop} %}}", body_style)
    _write(end.cells[0], "{%tr endfor %}", body_style)
    _row_flags(row)
    for cell, (_, text, _) in zip(row.cells, columns, strict=True):
        _write(cell, text, body_style)
    if total:
        last = table.add_row()
        _row_flags(last)
        for cell, text in zip(last.cells, total, strict=True):
            _write(cell, text, head_style)
            _cell_fill(cell, LABEL_FILL)
    if keep_together:
        for kept in (head, row):
            for cell in kept.cells:
                for paragraph in cell.paragraphs:
                    paragraph.paragraph_format.keep_with_next = True
        spacer = doc.add_paragraph(style="Znacznik")
        spacer.paragraph_format.space_before = spacer.paragraph_format.space_after = Pt(0)
        spacer.paragraph_format.line_spacing = Pt(2)
    return table


def caption(doc: Document, text: str):
    """A table's caption, right above it (style "Podpis tabeli"; the publication makes it <caption>)."""
    return para(doc, text, "Podpis tabeli", keep_next=True)


def key_value_table(doc: Document, rows: list[tuple[str, str]], widths: tuple[float, float]):
    """The metadata block: a label column (shaded, the row headers) and a value column."""
    table = doc.add_table(rows=len(rows), cols=2)
    _table_properties(table, list(widths), header_column=True)
    for index, (row, (label, value)) in enumerate(zip(table.rows, rows, strict=True)):
        _row_flags(row)
        _write(row.cells[0], label, "Tabela nagłówek")
        _cell_fill(row.cells[0], LABEL_FILL)
        _write(row.cells[1], value, "Tabela")
        if index < len(rows) - 1:  # keep the block on one page
            for cell in row.cells:
                cell.paragraphs[0].paragraph_format.keep_with_next = True
    return table


def grid_table(doc: Document, rows: list[list[str]], widths: list[float], *, labels: tuple[int, ...] = (0, 2)):
    """A key/value grid with several pairs per row; "" cells right after a value merge into it."""
    table = doc.add_table(rows=len(rows), cols=len(widths))
    _table_properties(table, widths, header_column=True)
    for row, texts in zip(table.rows, rows, strict=True):
        _row_flags(row)
        for index, text in enumerate(texts):
            if text is None:
                continue
            label = index in labels
            _write(row.cells[index], text, "Tabela nagłówek" if label else "Tabela")
            if label:
                _cell_fill(row.cells[index], LABEL_FILL)
        span_end = len(texts)
        while span_end > 1 and texts[span_end - 1] is None:
            span_end -= 1
        if span_end < len(texts):
            row.cells[span_end - 1].merge(row.cells[len(texts) - 1])
    return table


def signature_table(doc: Document, loop: str, role: str, name: str, widths: list[float]):
    """One row per signatory: role, name, and a line for the date and signature."""
    table = doc.add_table(rows=3, cols=3)
    _table_properties(table, widths, borders=False)
    start, row, end = table.rows
    _write(start.cells[0], f"{{%tr for {loop} %}}", "Tabela")
    _write(end.cells[0], "{%tr endfor %}", "Tabela")
    _row_flags(row)
    row.height = Cm(1.6)
    _write(row.cells[0], role, "Tabela")
    _write(row.cells[1], name, "Tabela nagłówek")
    line = row.cells[2].paragraphs[0]
    line.style = "Tabela"
    line.alignment = WD_ALIGN_PARAGRAPH.CENTER
    line.paragraph_format.space_before = Pt(16)
    line.add_run("……………………………………………")
    caption = row.cells[2].add_paragraph("data i podpis", style="Podpis")
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for cell in row.cells:  # the whole block on one page: every row keeps with the next
        for paragraph in cell.paragraphs:
            paragraph.paragraph_format.keep_with_next = True
    return table


def approval_block(doc: Document, prepared_by: str, *, approver: str = "") -> None:
    """"Sporządził(a)" and "Zatwierdził(a)" side by side, each with a line for the date and signature;
    one row that never splits, kept with the paragraph before it."""
    table = doc.add_table(rows=1, cols=2)
    width = text_width_cm(doc)
    _table_properties(table, [width / 2, width / 2], borders=False)
    row = table.rows[0]
    _row_flags(row)
    for cell, (label, name) in zip(row.cells, (("Sporządził(a)", prepared_by), ("Zatwierdził(a)", approver)),
                                   strict=True):
        head = cell.paragraphs[0]
        head.style = "Tabela"
        head.paragraph_format.keep_with_next = True
        head.add_run(f"{label}:").bold = True  # no trailing space: Writer drops it when saving
        if name:
            head.add_run(f" {name}")
        line = cell.add_paragraph("……………………………………………", style="Tabela")
        line.paragraph_format.space_before = Pt(18)
        line.paragraph_format.keep_with_next = True
        cell.add_paragraph("data i podpis", style="Podpis")


def core_properties(doc: Document, title: str) -> None:
    from datetime import datetime

    props = doc.core_properties
    props.title = title
    props.author = "Ośrodek Rozwoju Edukacji"
    props.last_modified_by = "Ośrodek Rozwoju Edukacji"
    props.language = "pl-PL"
    props.subject = "Szablon dokumentu Teczki JST"
    props.keywords = "ORE; JST; szablon"
    props.comments = "Szablon docxtpl. Zmienne i filtry opisuje templates/README.md."
    props.revision = 1
    props.created = props.modified = datetime(2020, 7, 1)


# ----------------------------------------------------------------------- schema order
# WordprocessingML property elements are xsd:sequence: Word rejects children out of order
# (LibreOffice forgives). Appending with OxmlElement puts them last, so sort them at the end.
_SEQUENCES = {
    "pPr": "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd "
           "tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
           "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection "
           "textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange",
    "tblPr": "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc tblCellSpacing "
             "tblInd tblBorders shd tblLayout tblCellMar tblLook tblCaption tblDescription tblPrChange",
    "trPr": "cnfStyle divId gridBefore gridAfter wBefore wAfter cantSplit trHeight tblHeader tblCellSpacing jc hidden "
            "ins del trPrChange",
    "tcPr": "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection tcFitText vAlign hideMark "
            "headers cellIns cellDel cellMerge tcPrChange",
}
_RANKS = {name: {child: i for i, child in enumerate(seq.split())} for name, seq in _SEQUENCES.items()}


def schema_order(root) -> None:
    """Sort the children of every pPr, tblPr, trPr and tcPr under ``root`` into schema order."""
    for name, ranks in _RANKS.items():
        for element in root.iter(qn(f"w:{name}")):
            children = list(element)
            ordered = sorted(children, key=lambda c: ranks.get(c.tag.rsplit("}", 1)[-1], len(ranks)))
            if ordered != children:
                for child in children:
                    element.remove(child)
                element.extend(ordered)


def finish(doc: Document) -> None:
    """Schema order everywhere, and Polish settings (theme language, decimal comma)."""
    schema_order(doc.element)
    schema_order(doc.styles.element)
    section = doc.sections[0]
    schema_order(section.header._element)
    schema_order(section.footer._element)
    settings = doc.settings.element
    for tag, attrs in (("w:themeFontLang", {"w:val": "pl-PL", "w:eastAsia": "pl-PL"}),
                       ("w:decimalSymbol", {"w:val": ","}), ("w:listSeparator", {"w:val": ";"})):
        element = settings.find(qn(tag))
        if element is not None:
            for key in list(element.attrib):
                del element.attrib[key]
            for key, value in attrs.items():
                element.set(qn(key), value)
