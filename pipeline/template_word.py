"""What Word does to templates in practice, read from the raw XML of one template part.

Word and LibreOffice Writer change a template behind the coordinator's back: autocorrect turns
straight quotes into curly ones, a formatting change splits a tag into runs, a loop tag ends up
sharing its paragraph or table row with text, a picture lands next to a tag in the header, a
font of another machine is named in the styles. Each finding is a ``Finding`` (severity, Polish
message with the paragraph's text); ``template_check`` labels them with the template and part.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from lxml import etree

from pipeline import ooxml
from pipeline.processes import run

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
TAG = re.compile(r"\{[{%#].*?[}%#]\}")
BLOCK_TAG = re.compile(r"\{%-?\s*(?:p|tr|tc|r)\s.*?%\}|\{\{\s*(?:p|tr|tc|r)\s.*?\}\}")
_ROW_TAG = re.compile(r"\{%-?\s*tr\s.*?%\}")
_OPEN = re.compile(r"\{%-?\s*(for|if)\b")
_CLOSE = re.compile(r"\{%-?\s*end(for|if)\b")
_LITERAL = re.compile(r"'[^']*'|\"[^\"]*\"")
_CURLY = re.compile("[„”“‘’‚«»″′]")
_CLOSERS = {"{{": "}}", "{%": "%}", "{#": "#}"}
# Run properties that are not formatting a reader of Polish text sees (proofing language, spelling
# marks, the complex-script variants of bold, italic and size).
_NOT_FORMATTING = {"lang", "noProof", "rtl", "cs", "specVanish", "webHidden", "eastAsianLayout", "bCs", "iCs", "szCs"}
_FORMATTING_PL = {"b": "pogrubienie", "i": "kursywa",
                  "u": "podkreślenie", "strike": "przekreślenie", "dstrike": "przekreślenie", "color": "kolor",
                  "sz": "rozmiar", "rFonts": "czcionka", "highlight": "wyróżnienie",
                  "shd": "wyróżnienie", "rStyle": "styl znaku", "vertAlign": "indeks górny lub dolny",
                  "caps": "wersaliki", "smallCaps": "kapitaliki", "spacing": "odstępy między znakami"}

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Finding:
    severity: Severity
    message: str  # without the "Szablon X (część): " head
    context_text: str = ""


def part_findings(xml: str, label: str) -> list[Finding]:
    """Every finding in one part (body, header, footer) of a template."""
    root = etree.fromstring(xml.encode("utf-8"))
    findings: list[Finding] = []
    for paragraph in root.iter(f"{W}p"):
        pieces = _pieces(paragraph)
        full = "".join(text for text, _ in pieces)
        if "{" in full or "}" in full:
            findings += _paragraph_findings(full, pieces)
    findings += _row_findings(root)
    if label in ("nagłówek", "stopka"):
        findings += _image_findings(root, label)
    return findings


def _pieces(paragraph) -> list[tuple[str, dict[str, str]]]:
    """The paragraph's own text elements with the formatting of their run."""
    pieces = []
    for text in paragraph.iter(f"{W}t"):
        if _owner(text, f"{W}p") is not paragraph:
            continue
        run = text.getparent()
        props = run.find(f"{W}rPr") if run is not None else None
        formatting = {} if props is None else {
            etree.QName(child).localname: value for child in props
            if etree.QName(child).localname not in _NOT_FORMATTING and (value := _canonical(child))}
        pieces.append((text.text or "", formatting))
    return pieces


def _canonical(element) -> str:
    """A run property as text, without the script hint Word adds to fonts (``w:hint``); "" for
    a font element that holds nothing but that hint."""
    attributes = sorted((k, v) for k, v in element.attrib.items() if k != f"{W}hint")
    name = etree.QName(element).localname
    return "" if name == "rFonts" and not attributes else f"{name}{attributes}"


def _owner(element, tag: str):
    parent = element.getparent()
    while parent is not None and parent.tag != tag:
        parent = parent.getparent()
    return parent


def _paragraph_findings(full: str, pieces: list[tuple[str, dict[str, str]]]) -> list[Finding]:
    findings = []
    spans, offset = [], 0
    for text, formatting in pieces:
        spans.append((offset, offset + len(text), formatting))
        offset += len(text)
    for match in TAG.finditer(full):
        tag, start, end = match[0], match.start(), match.end()
        if _CURLY.search(_LITERAL.sub("", tag)):
            findings.append(Finding("error", f"w znaczniku „{tag}” są cudzysłowy drukarskie (np. „ ” ‘ ’), które wstawiła "
                                    "autokorekta; znacznik potrzebuje prostych ' albo \". Popraw je w akapicie: "
                                    f"„{full}” (i wyłącz zamianę cudzysłowów prostych na drukarskie w opcjach "
                                    "autokorekty).", full))
        inside = [s for s in spans if s[0] < end and s[1] > start and s[1] > s[0]]
        cuts = [s[1] for s in inside[:-1]]
        if any(start < cut < start + 2 or end - 2 < cut < end for cut in cuts):
            findings.append(Finding("error", f"znacznik „{tag}” jest rozdzielony w środku nawiasów (Word zmienił coś między "
                                    "znakami „{” albo „}”), więc nie zostanie rozpoznany, w akapicie: "
                                    f"„{full}”. Usuń znacznik i wpisz go ponownie w całości.", full))
            continue
        changed = sorted({_FORMATTING_PL.get(key, "formatowanie") for s in inside[1:]
                          for key in set(s[2]) | set(inside[0][2]) if s[2].get(key) != inside[0][2].get(key)})
        if changed:
            findings.append(Finding("warning", f"w środku znacznika „{tag}” zmienia się formatowanie "
                                    f"({', '.join(changed)}) w akapicie: „{full}”. Dokument dostanie formatowanie "
                                    "początku znacznika. Usuń znacznik i wpisz go ponownie w całości, a formatowanie "
                                    "nadaj całemu znacznikowi.", full))
    findings += _unbalanced(full)
    for match in BLOCK_TAG.finditer(full):
        rest = (full[: match.start()] + full[match.end():]).strip()
        if rest and not match[0].startswith(("{%tr", "{%-tr", "{{tr", "{{ tr")):
            findings.append(Finding("warning", f"znacznik „{match[0]}” zastępuje cały akapit, więc tekst „{rest}” "
                                    f"zniknie z dokumentu. Przenieś znacznik do osobnego akapitu: „{full}”.", full))
    plain = BLOCK_TAG.sub("", full)
    if len(_OPEN.findall(plain)) != len(_CLOSE.findall(plain)):
        first = _OPEN.search(plain) or _CLOSE.search(plain)
        whole = TAG.match(plain, first.start()) if first else None
        tag = whole[0] if whole else plain.strip()
        findings.append(Finding("warning", f"znacznik „{tag}” otwiera lub zamyka pętlę albo warunek, którego druga część "
                                f"jest w innym akapicie: „{full}”. Taki znacznik musi być sam w osobnym akapicie jako "
                                "{%p for … %} / {%p if … %} (albo {%tr … %} w osobnym wierszu tabeli).", full))
    return findings


def _unbalanced(text: str) -> list[Finding]:
    """Tags opened and not closed (or closed and not opened) within one paragraph: docxtpl
    would silently swallow the text up to the next tag, here they are errors."""
    problems: list[tuple[tuple[str, int], str | None]] = []
    opened: tuple[str, int] | None = None
    for match in re.finditer(r"\{\{|\{%|\{#|\}\}|%\}|#\}", text):
        token = match[0]
        if token in _CLOSERS:
            if opened is not None:
                problems.append((opened, _CLOSERS[opened[0]]))
            opened = (token, match.start())
        elif opened is None or _CLOSERS[opened[0]] != token:
            start = opened[1] if opened else max(match.start() - 30, 0)
            problems.append(((token, start), None))
            opened = None
        else:
            opened = None
    if opened is not None:
        problems.append((opened, _CLOSERS[opened[0]]))
    findings = []
    for (token, start), missing in problems:
        hint = f"Brakuje „{missing}”." if missing else f"„{token}” nie pasuje do otwarcia znacznika."
        findings.append(Finding("error", f"niedomknięty znacznik „{text[start: start + 60]}” w akapicie: „{text}”. {hint}",
                                text))
    return findings


def _row_findings(root) -> list[Finding]:
    """A {%tr %} tag replaces its whole table row: other text in the row would vanish."""
    findings = []
    for row in root.iter(f"{W}tr"):
        texts = ["".join(t.text or "" for t in p.iter(f"{W}t") if _owner(t, f"{W}tr") is row)
                 for p in row.iter(f"{W}p") if _owner(p, f"{W}tr") is row]
        full = " | ".join(t for t in texts if t.strip())
        for match in _ROW_TAG.finditer(full):
            rest = " ".join(_ROW_TAG.sub(" ", full).replace("|", " ").split())
            if rest:
                findings.append(Finding("warning", f"znacznik „{match[0]}” zastępuje cały wiersz tabeli, więc tekst "
                                        f"„{rest}” z tego wiersza zniknie z dokumentu. Przenieś znacznik do osobnego "
                                        f"wiersza: „{full}”.", full))
                break
    return findings


def _image_findings(root, label: str) -> list[Finding]:
    """A picture in a header or footer is copied as it is; a tag next to it is docxtpl's trouble
    (a {%p %} or {{p }} tag replaces the paragraph with the picture, a loop repeats it with one id)."""
    findings = []
    for paragraph in root.iter(f"{W}p"):
        if paragraph.find(f".//{W}drawing") is None and paragraph.find(f".//{W}pict") is None:
            continue
        text = "".join(t.text or "" for t in paragraph.iter(f"{W}t"))
        if TAG.search(text):
            where = "w nagłówku" if label == "nagłówek" else "w stopce"
            findings.append(Finding("warning", f"obraz {where} stoi w jednym akapicie ze znacznikiem: „{text}”. "
                                    "Znaczniki nie obsługują obrazów w nagłówkach i stopkach (obraz może zniknąć albo "
                                    "się powtórzyć). Umieść obraz w osobnym akapicie bez znaczników.", text))
    return findings


# ----------------------------------------------------------------------------- fonts
# Substitutes with the same character widths (fontconfig's metric aliases): the layout stays.
METRIC_COMPATIBLE = {"calibri": "Carlito", "cambria": "Caladea", "arial": "Liberation Sans",
                     "helvetica": "Liberation Sans", "times new roman": "Liberation Serif",
                     "courier new": "Liberation Mono", "arial narrow": "Liberation Sans Narrow", "georgia": "Gelasio"}


def font_findings(archive: zipfile.ZipFile) -> list[Finding]:
    """Fonts the template uses for Latin text that this machine lacks, with LibreOffice's substitute."""
    findings = []
    for font, where in sorted(_used_fonts(archive).items()):
        substitute = font_substitute(font)
        if substitute is None:
            continue
        if METRIC_COMPATIBLE.get(font.casefold()) == substitute:
            effect = ("o tych samych szerokościach znaków, więc układ stron się nie zmieni, ale kształt liter "
                      "będzie trochę inny niż w Wordzie")
        else:
            effect = "więc PDF będzie wyglądał inaczej niż w Wordzie (inna szerokość liter, inne łamanie wierszy i stron)"
        findings.append(Finding("warning", f"czcionki „{font}” nie ma na tym komputerze — LibreOffice użyje zamiast "
                                f"niej „{substitute}”, {effect} ({where}). Zainstaluj tę czcionkę na komputerze, "
                                "który tworzy PDF, albo wybierz czcionkę, która na nim jest (np. Liberation Sans).",
                                where))
    return findings


def _used_fonts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Font name -> where it is first used (a style and a paragraph in it, or a paragraph), Polish.
    Only the styles the template's parts use count (as in the documents: ``ooxml.prune_styles``)."""
    names = set(archive.namelist())
    parts = {name: archive.read(name).decode("utf-8") for name in sorted(names)
             if re.fullmatch(r"word/(document|header\d*|footer\d*|footnotes)\.xml", name)}
    theme = {}
    if "word/theme/theme1.xml" in names:
        root = etree.fromstring(archive.read("word/theme/theme1.xml"))
        for kind in ("major", "minor"):
            latin = root.find(f".//{_A}{kind}Font/{_A}latin")
            if latin is not None and latin.get("typeface"):
                theme[kind] = latin.get("typeface")
    found: dict[str, str] = {}

    def note(fonts, where: str) -> None:
        for attribute in ("ascii", "hAnsi"):
            themed = fonts.get(f"{W}{attribute}Theme")
            name = theme.get("major" if themed.startswith("major") else "minor") if themed else fonts.get(f"{W}{attribute}")
            if name and not name.startswith("+") and name not in found:  # "+mn-lt": a theme reference
                found[name] = where

    first_text: dict[str, str] = {}
    roots = {name: etree.fromstring(xml.encode("utf-8")) for name, xml in parts.items()}
    for root in roots.values():
        for paragraph in root.iter(f"{W}p"):
            style = paragraph.find(f"{W}pPr/{W}pStyle")
            text = "".join(t.text or "" for t in paragraph.iter(f"{W}t")).strip()
            if style is not None and text:
                first_text.setdefault(style.get(f"{W}val"), text)
    if "word/styles.xml" in names:
        referenced: set[str] | None = set(ooxml.GENERATED_STYLES)
        for xml in parts.values():
            found_here = ooxml.referenced_styles(xml)
            referenced = None if found_here is None or referenced is None else referenced | found_here
        raw = archive.read("word/styles.xml")
        styles = etree.fromstring(raw if referenced is None else ooxml.prune_styles(raw, referenced))
        for fonts in styles.iterfind(f"{W}docDefaults//{W}rFonts"):
            note(fonts, "domyślna czcionka dokumentu")
        for style in styles.iterfind(f"{W}style"):
            label = style.find(f"{W}name")
            style_id = style.get(f"{W}styleId")
            where = f"styl „{label.get(f'{W}val') if label is not None else style_id}”"
            if style_id in first_text:
                where += f", np. akapit: „{first_text[style_id]}”"
            for fonts in style.iter(f"{W}rFonts"):
                note(fonts, where)
    for root in roots.values():
        for fonts in root.iter(f"{W}rFonts"):
            paragraph = _owner(fonts, f"{W}p")
            text = "".join(t.text or "" for t in paragraph.iter(f"{W}t")) if paragraph is not None else ""
            note(fonts, f"akapit: „{text}”")
    return found


@lru_cache(maxsize=256)
def font_substitute(font: str) -> str | None:
    """None when fontconfig has the font; else the family it (and so LibreOffice) would use instead."""
    if not shutil.which("fc-match"):
        return "nieznana (brak programu fc-match z pakietu fontconfig)"
    result = run(["fc-match", "-f", "%{family}", font], text=True, timeout=20)
    families = [f.strip() for f in result.stdout.split(",")]
    if any(f.casefold() == font.casefold() for f in families):
        return None
    return families[0] if families and families[0] else "nieznana"
