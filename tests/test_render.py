"""Documents: which ones a unit gets, what they say, and how the renderer treats text and errors."""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from documents_fixtures import (
    JST_NAME,
    TERC,
    TEST_TEMPLATES,
    docx_text,
    full_unit,
    full_unit_data,
    unit_from_data,
)
from docx import Document

from pipeline.documents import build_context, document_plan
from pipeline.edition import load_edition
from pipeline.polish import typography
from pipeline.render import (
    RenderError,
    TemplateSet,
    render_document,
    render_naive,
    render_unit,
    template_hashes,
)

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = TEST_TEMPLATES
GOLDEN = Path(__file__).parent / "golden"
SUMMARY_CODES = ("good_practice", "reflection", "reportage")


@pytest.fixture(scope="module")
def edition():
    return load_edition("2020")


@pytest.fixture(scope="module")
def templates():
    return TemplateSet(TEMPLATES)


@pytest.fixture(scope="module")
def documents(edition, templates):
    """Every document of the full unit, per summary form: {form: {file name: text}}."""
    out = {}
    for code in SUMMARY_CODES:
        unit = full_unit(edition, code)
        out[code] = {doc.name: docx_text(doc.data) for doc in render_unit(unit, edition, templates)}
    return out


def _render(edition, templates, data, name):
    unit = unit_from_data(data, edition)
    spec = next(s for s in document_plan(unit, edition) if s.name == name)
    return render_document(templates, spec, build_context(spec, unit, edition))


# ----------------------------------------------------------------------------- the plan
def test_a_full_unit_gets_four_documents_with_stable_names(edition):
    plan = document_plan(full_unit(edition), edition)
    assert [s.name for s in plan] == ["karta_jst.docx", "hdr.docx", "spotkania.docx", "podsumowanie.docx"]
    assert plan[1].title == f"Harmonogram działań rozwojowych — {JST_NAME}"


def test_document_dates_come_from_the_data_not_the_clock(edition):
    dates = {s.name: s.date.isoformat() for s in document_plan(full_unit(edition), edition)}
    assert dates == {"karta_jst.docx": "2020-08-31", "hdr.docx": "2020-09-10", "spotkania.docx": "2020-11-05",
                     "podsumowanie.docx": "2021-03-05"}


@pytest.mark.parametrize("code, template", [("good_practice", "podsumowanie_dobra_praktyka.docx"),
                                            ("reflection", "podsumowanie_studium_refleksji.docx"),
                                            ("reportage", "podsumowanie_minireportaz.docx")])
def test_the_summary_template_follows_the_chosen_form(edition, code, template):
    plan = document_plan(full_unit(edition, code), edition)
    assert plan[-1].template == template


def test_documents_need_their_forms(edition):
    data = full_unit_data()
    without_diagnosis = unit_from_data({k: v for k, v in data.items() if k != "diagnosis"}, edition)
    assert [s.name for s in document_plan(without_diagnosis, edition)] == ["karta_jst.docx", "spotkania.docx",
                                                                            "podsumowanie.docx"]
    assert document_plan(unit_from_data({k: v for k, v in data.items() if k != "card"}, edition), edition) == []


# ----------------------------------------------------------------------------- what documents say
@pytest.mark.parametrize("code", SUMMARY_CODES)
def test_every_document_names_the_jst_and_its_terc(documents, code):
    for name, text in documents[code].items():
        assert JST_NAME in text, name
        assert TERC in text, name
        assert "Strona 1 z 1" in text, name  # PAGE / NUMPAGES fields in the footer
        assert "Ośrodek Rozwoju Edukacji" in text and "Europejskiego Funduszu Społecznego" in text, name


def test_the_card_holds_the_choice_and_the_diagnosis(documents):
    text = documents["good_practice"]["karta_jst.docx"]
    assert typography("Data wyboru obszaru | 15 lipca 2020 r.") in text
    assert typography("Okres diagnozy: 20 lipca 2020 r. – 31 sierpnia 2020 r.") in text
    assert "Gmina nie ma spójnej analizy potrzeb oświatowych.\nDane są rozproszone między referatami." in text
    assert text.index("Planowanie oparte na danych") < text.index("Monitorowanie jakości usług edukacyjnych |")


def test_the_hdr_lists_every_action_and_its_months(edition, templates, documents):
    text = documents["good_practice"]["hdr.docx"]
    for action in full_unit_data()["hdr"]["actions"]:
        assert action["name"] in text
    assert typography("Data przyjęcia HDR | 10 września 2020 r. (wersja 1.0)") in text
    assert "od 1.09.2020\ndo 1.10.2020" in text
    assert "Lp. | Działanie | IX 2020 | X 2020 | XI 2020 | XII 2020 | I 2021 | II 2021" in text
    assert "Łączny koszt działań (suma podanych kwot): 17\xa0450,00\xa0zł" in text


def test_the_timeline_shades_exactly_the_months_of_each_action(edition, templates):
    unit = full_unit(edition)
    spec = document_plan(unit, edition)[1]
    context = build_context(spec, unit, edition)
    xml = zipfile.ZipFile(io.BytesIO(render_document(templates, spec, context))).read("word/document.xml").decode()
    flags = sum(sum(row["flags"]) for row in context["timeline"]["rows"])
    assert xml.count('w:fill="2E75B6"') == flags
    assert context["timeline"]["rows"][0]["flags"] == [True, True, False, False, False, False]


def test_meeting_totals_use_polish_plurals(documents, edition, templates):
    text = documents["good_practice"]["spotkania.docx"]
    assert ("Łącznie: 4 spotkania doradcze (10\xa0h), w tym 2 spotkania stacjonarne (7\xa0h) "
            "i 2 spotkania on-line (3\xa0h).") in text
    assert "w siedzibie JST | 2 spotkania | 7\xa0h" in text
    data = full_unit_data()
    extra = data["meetings"]["meetings"][0]
    data["meetings"]["meetings"] += [dict(extra, number=n, held_on=f"2020-12-0{n}") for n in (5, 6, 7, 8, 9)]
    text = docx_text(_render(edition, templates, data, "spotkania.docx"))
    assert "Łącznie: 9 spotkań doradczych (25\xa0h), w tym 7 spotkań stacjonarnych (22\xa0h)" in text


def test_each_meeting_is_a_section_with_its_tasks(documents):
    text = documents["good_practice"]["spotkania.docx"]
    assert typography("Spotkanie nr 1 — 15 lipca 2020 r.") in text
    assert typography("Data i godzina | 15 lipca 2020 r., 9:00–12:00 (3\xa0h)") in text
    assert "Platforma | MS Teams" in text and "Miejsce | Urząd Gminy Żółkiewka, sala 12" in text
    assert "Etap cyklu | 5. Wdrożenie HDR ze wsparciem doradczym" in text
    assert typography("1 | Zebrać dane z SIO za trzy lata. | Anna Nowak | 28 lipca 2020 r.") in text
    assert "Na spotkaniu nie ustalono zadań." in text
    assert "Sporządził(a): Marek Łoś" in text


SECTION_TITLES = {
    "good_practice": ["I. Opis dobrej praktyki", "1. Charakterystyka lokalnego systemu",
                      "2. Problem, który był powodem wdrożenia innowacji", "3. Na czym polega zastosowane rozwiązanie?",
                      "4. Kto, kiedy i co zrobił?", "5. Jakie efekty osiągnięto?", "6. Ile to kosztowało?",
                      "7. Dlaczego warto promować to rozwiązanie?", "8. Zalecenia dotyczące replikacji",
                      "II. Dane kontaktowe osoby, która może przekazać szczegółowe informacje na temat rozwiązania",
                      "III. Wzorcowe dokumenty i materiały dostępne dla podmiotów zainteresowanych replikacją"],
    "reflection": ["1. Cel dyskusji", "2.1. Etap obiektywny — fakty i dane", "2.2. Etap refleksyjny — reakcje i odczucia",
                   "2.3. Etap interpretacyjny — znaczenie i wnioski", "2.4. Etap decyzyjny — decyzje i dalsze kroki",
                   "3. Wnioski i rekomendacje"],
    "reportage": ["Dane przy jednym stole", "Tło", "Przebieg", "Rozmowa: Anna Nowak, kierownik Referatu Oświaty",
                  "Od czego zaczęliście?", "Efekty", typography("Tekst: Anna Nowak, Ewa Zielińska, 5 marca 2021 r.")],
}


@pytest.mark.parametrize("code", SUMMARY_CODES)
def test_the_summary_has_its_sections_in_order(documents, code):
    lines = documents[code]["podsumowanie.docx"].split("\n")
    positions = [lines.index(title) for title in SECTION_TITLES[code]]
    assert positions == sorted(positions)


@pytest.mark.parametrize("code", SUMMARY_CODES)
def test_documents_match_the_golden_text(documents, code):
    """Snapshots of the full text; UPDATE_GOLDEN=1 rewrites them after a deliberate change."""
    names = documents[code] if code == "good_practice" else {"podsumowanie.docx": None}
    for name in names:
        text = documents[code][name] + "\n"
        golden = GOLDEN / f"{code}__{name.removesuffix('.docx')}.txt"
        if os.environ.get("UPDATE_GOLDEN"):
            golden.parent.mkdir(exist_ok=True)
            golden.write_text(text, encoding="utf-8")
        assert text == golden.read_text(encoding="utf-8"), f"{golden.name} differs (UPDATE_GOLDEN=1 to accept)"


# ----------------------------------------------------------------------------- text is data
HOSTILE = "A & B < C > D \"cytat\" 'apostrof' {{ 7*7 }} {% if x %}tak{% endif %} ]]> {_{ koniec\x0bnowa linia\x01\x07"


def test_hostile_text_appears_literally_and_the_document_opens(edition, templates):
    data = full_unit_data("reportage")
    data["summary"]["info"]["title"] = HOSTILE
    data["summary"]["reportage"]["lead"] = HOSTILE
    data["card"]["jst"]["address"] = HOSTILE
    for name in ("podsumowanie.docx", "karta_jst.docx"):
        blob = _render(edition, templates, data, name)
        text = docx_text(blob)
        literal = "A & B < C > D \"cytat\" 'apostrof' {{ 7*7 }} {% if x %}tak{% endif %} ]]> {_{ koniec\nnowa linia"
        assert literal in text
        assert "49" not in text.split(literal)[0][-5:]
        assert "\x01" not in text and "\x07" not in text
    props = Document(io.BytesIO(blob)).core_properties
    assert props.author == JST_NAME


def test_blank_lines_make_paragraphs_and_keep_the_formatting(edition, templates):
    data = full_unit_data("reportage")
    data["summary"]["interview"][0]["question"] = "Pierwszy akapit pytania.\n\nDrugi akapit pytania."
    document = Document(io.BytesIO(_render(edition, templates, data, "podsumowanie.docx")))
    paragraphs = {p.text: p for p in document.paragraphs}
    for text in ("Pierwszy akapit pytania.", "Drugi akapit pytania."):
        assert all(run.bold for run in paragraphs[text].runs if run.text)
    texts = [p.text for p in document.paragraphs]
    start = texts.index("We wrześniu zespół zebrał dane z trzech lat.")
    assert texts[start: start + 3] == ["We wrześniu zespół zebrał dane z trzech lat.", "W październiku dyrektorzy wypełnili ankietę.",
                          "W lutym rada gminy przyjęła raport."]


# ----------------------------------------------------------------------------- errors
def test_a_missing_variable_names_the_template_and_the_variable(edition, templates):
    unit = full_unit(edition)
    spec = document_plan(unit, edition)[1]
    context = build_context(spec, unit, edition)
    del context["risks"]
    with pytest.raises(RenderError) as caught:
        render_document(templates, spec, context)
    assert caught.value.template == "hdr.docx" and caught.value.variable == "risks"
    assert str(caught.value) == "Szablon hdr.docx (treść): nieznana zmienna „risks” w akapicie: „{% if risks %}”."


def test_a_missing_field_of_an_item_is_named_too(edition, templates):
    unit = full_unit(edition)
    spec = document_plan(unit, edition)[0]
    context = build_context(spec, unit, edition)
    del context["programme"]["organiser"]  # printed only in the header
    with pytest.raises(RenderError, match=r"karta_jst\.docx \(nagłówek\): nieznana zmienna „organiser”"):
        render_document(templates, spec, context)


def test_a_template_that_does_not_parse_fails_only_when_used(edition):
    broken = TemplateSet(Path(__file__).parent / "data" / "broken_templates")
    assert "hdr.docx" in broken.templates
    with pytest.raises(RenderError, match=r"podsumowanie_dobra_praktyka\.docx \(treść\): błąd składni"):
        broken.get("podsumowanie_dobra_praktyka.docx")
    with pytest.raises(RenderError, match="Brak szablonu nie_ma.docx"):
        broken.get("nie_ma.docx")


# ----------------------------------------------------------------------------- the package
def test_identical_input_gives_identical_bytes_in_another_process(edition):
    code = ("import hashlib; from documents_fixtures import full_unit; from pipeline.edition import load_edition;"
            "from pipeline.render import TemplateSet, render_unit; import sys; e = load_edition('2020');"
            "print([hashlib.sha256(d.data).hexdigest() for d in render_unit(full_unit(e), e, TemplateSet(sys.argv[1]))])")
    runs = {subprocess.run([sys.executable, "-c", code, str(TEMPLATES)], capture_output=True, text=True, check=True,
                           cwd=Path(__file__).parent, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
            for seed in ("7",)}  # another process, another hash seed
    here = [hashlib.sha256(d.data).hexdigest() for d in render_unit(full_unit(edition), edition, TemplateSet(TEMPLATES))]
    assert edition.id == "2020" and runs == {str(here) + "\n"}


def test_core_properties_describe_the_document(edition, templates):
    unit = full_unit(edition)
    spec = document_plan(unit, edition)[1]
    props = Document(io.BytesIO(render_document(templates, spec, build_context(spec, unit, edition)))).core_properties
    assert (props.title, props.author, props.language) == (spec.title, JST_NAME, "pl-PL")
    assert props.created.isoformat().startswith("2020-09-10") and props.modified == props.created
    assert "HDR" in props.keywords and TERC in props.keywords


def test_zip_entries_have_fixed_times_and_the_content_types_first(edition, templates):
    unit = full_unit(edition)
    spec = document_plan(unit, edition)[0]
    archive = zipfile.ZipFile(io.BytesIO(render_document(templates, spec, build_context(spec, unit, edition))))
    assert archive.testzip() is None
    assert archive.namelist()[0] == "[Content_Types].xml"
    assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


_STYLE_ID = re.compile(r'<w:style\b[^>]*w:styleId="([^"]+)"')
_STYLE_USE = re.compile(r'<w:(?:pStyle|rStyle|tblStyle)\s+w:val="([^"]+)"')


@pytest.mark.parametrize("code", SUMMARY_CODES)
def test_documents_carry_only_the_styles_they_can_use(edition, templates, code):
    unit = full_unit(edition, code)
    for spec in document_plan(unit, edition):
        archive = zipfile.ZipFile(io.BytesIO(render_document(templates, spec, build_context(spec, unit, edition))))
        styles = archive.read("word/styles.xml").decode()
        template_styles = zipfile.ZipFile(TEMPLATES / spec.template).read("word/styles.xml").decode()
        kept, offered = set(_STYLE_ID.findall(styles)), set(_STYLE_ID.findall(template_styles))
        used = {s for name in archive.namelist() if name.startswith("word/") and name != "word/styles.xml"
                for s in _STYLE_USE.findall(archive.read(name).decode())}
        assert used <= kept, (spec.name, used - kept)
        based_on = set(re.findall(r'<w:basedOn w:val="([^"]+)"', styles))
        assert based_on <= kept, spec.name
        assert len(kept) < len(offered) / 5, (spec.name, len(kept), len(offered))  # Word's 160+ unused styles gone
        assert "<w:docDefaults>" in styles and 'w:default="1"' in styles


def test_a_style_chosen_by_a_template_tag_keeps_every_style(tmp_path, edition):
    source = zipfile.ZipFile(TEMPLATES / "karta_jst.docx")
    target = tmp_path / "karta_jst.docx"
    with zipfile.ZipFile(target, "w") as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace(b'<w:pStyle w:val="Title"/>', b'<w:pStyle w:val="{{ \'Heading1\' }}"/>', 1)
                assert b"{{ 'Heading1' }}" in data
            out.writestr(info.filename, data)
    unit = full_unit(edition)
    spec = next(s for s in document_plan(unit, edition) if s.template == "karta_jst.docx")
    rendered = zipfile.ZipFile(io.BytesIO(render_document(TemplateSet(tmp_path), spec, build_context(spec, unit, edition))))
    kept = set(_STYLE_ID.findall(rendered.read("word/styles.xml").decode()))
    assert kept == set(_STYLE_ID.findall(source.read("word/styles.xml").decode()))
    assert b'<w:pStyle w:val="Heading1"/>' in rendered.read("word/document.xml")


@pytest.mark.parametrize("code", SUMMARY_CODES)
def test_fast_and_naive_renderers_give_the_same_text(edition, templates, code):
    unit = full_unit(edition, code)
    for spec in document_plan(unit, edition):
        context = build_context(spec, unit, edition)
        fast = render_document(templates, spec, context)
        naive = render_naive(TEMPLATES / spec.template, context, spec)
        assert docx_text(fast) == docx_text(naive), spec.name


def test_the_naive_renderer_escapes_hostile_text_the_same_way(edition, templates):
    data = full_unit_data("reportage")
    data["summary"]["reportage"]["lead"] = HOSTILE
    unit = unit_from_data(data, edition)
    spec = document_plan(unit, edition)[-1]
    context = build_context(spec, unit, edition)
    assert docx_text(render_document(templates, spec, context)) == docx_text(render_naive(TEMPLATES / spec.template,
                                                                                          context, spec))


def test_template_hashes_change_when_a_template_changes(tmp_path):
    for path in TEMPLATES.glob("*.docx"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    before = template_hashes(tmp_path)
    assert set(before) == {p.name for p in TEMPLATES.glob("*.docx")}
    (tmp_path / "hdr.docx").write_bytes((tmp_path / "hdr.docx").read_bytes() + b"\0")
    after = template_hashes(tmp_path)
    assert [name for name in before if before[name] != after[name]] == ["hdr.docx"]


def test_a_document_title_with_control_characters_keeps_core_xml_valid(edition, templates):
    unit = full_unit(edition)
    spec = document_plan(unit, edition)[0]
    spec = replace(spec, title="Tytuł\x01 & <b>", author="Gmina \x0b Ż")
    core = zipfile.ZipFile(io.BytesIO(render_document(templates, spec, build_context(spec, unit, edition))))
    xml = core.read("docProps/core.xml").decode()
    assert "<dc:title>Tytuł &amp; &lt;b&gt;</dc:title>" in xml
    assert not re.search("[\x00-\x08\x0b\x0c]", xml)


def test_property_elements_follow_the_schema_order_word_insists_on(edition, templates):
    """LibreOffice forgives children of pPr/tblPr/trPr/tcPr out of order; Word does not."""
    import sys

    from lxml import etree

    sys.path.insert(0, str(ROOT / "templates"))  # the generator's kit knows the schema order
    from docx_kit import _RANKS

    for document in render_unit(full_unit(edition), edition, templates):
        archive = zipfile.ZipFile(io.BytesIO(document.data))
        for name in archive.namelist():
            if not name.startswith("word/") or not name.endswith(".xml"):
                continue
            root = etree.fromstring(archive.read(name))
            for kind, ranks in _RANKS.items():
                for element in root.iter(f"{{{root.nsmap.get('w', '')}}}{kind}"):
                    order = [ranks.get(child.tag.rsplit("}", 1)[-1], 99) for child in element]
                    assert order == sorted(order), f"{document.name} {name}: {kind} {[c.tag for c in element]}"


def test_goals_of_an_unknown_priority_are_still_listed(edition, templates):
    data = full_unit_data()
    data["hdr"]["goals"].append({"number": "3.1", "priority": 3, "description": "Cel bez priorytetu w diagnozie."})
    text = docx_text(_render(edition, templates, data, "hdr.docx"))
    assert "Cele bez priorytetu z diagnozy\nCel 3.1. Cel bez priorytetu w diagnozie." in text


def test_the_process_wide_template_set_is_compiled_once_and_refreshed_on_change(tmp_path):
    from pipeline.render import template_set

    shutil.copy(TEMPLATES / "hdr.docx", tmp_path / "hdr.docx")
    first = template_set(tmp_path)
    assert template_set(tmp_path) is first and list(first.templates) == ["hdr.docx"]
    shutil.copy(TEMPLATES / "karta_jst.docx", tmp_path / "karta_jst.docx")
    assert sorted(template_set(tmp_path).templates) == ["hdr.docx", "karta_jst.docx"]


def test_style_pruning_follows_every_link_and_gives_up_on_what_it_cannot_know():
    from pipeline.ooxml import prune_styles, referenced_styles

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    styles = (f'<w:styles {w}><w:docDefaults/>'
              '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"/>'
              '<w:style w:type="paragraph" w:styleId="Base"><w:next w:val="After"/></w:style>'
              '<w:style w:type="paragraph" w:styleId="Used"><w:basedOn w:val="Base"/><w:link w:val="UsedChar"/></w:style>'
              '<w:style w:type="character" w:styleId="UsedChar"/>'
              '<w:style w:type="paragraph" w:styleId="After"/>'
              '<w:style w:type="table" w:styleId="Unused"/></w:styles>').encode()
    kept = re.findall(r'w:styleId="([^"]+)"', prune_styles(styles, {"Used"}).decode())
    assert kept == ["Normal", "Base", "Used", "UsedChar", "After"]
    assert referenced_styles('<w:p><w:pPr><w:pStyle w:val="Used"/></w:pPr></w:p>') == {"Used"}
    assert referenced_styles('<w:instrText> STYLEREF "Heading 1" </w:instrText>') is None
    assert referenced_styles('<w:pStyle w:val="{{ styl }}"/>') is None


# ----------------------------------------------------------------------------- programme identification
def _png(width: int, height: int) -> bytes:
    """A minimal valid PNG (one colour) of the given size."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x1f\x38\x64" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_every_document_names_the_project_and_its_cofinancing_as_the_programme_states_them(edition, documents):
    assert edition.project_title.endswith("kompetencji kluczowych uczniów – II etap")
    for phrase in ("Europejskiego Funduszu Społecznego", "Osi Priorytetowej II", "Działania 2.10",
                   "Programu Operacyjnego Wiedza Edukacja Rozwój 2014–2020", "Ośrodek Rozwoju Edukacji",
                   "w partnerstwie ze Związkiem Miast Polskich"):
        assert phrase in edition.cofinancing
    for code in SUMMARY_CODES:
        for name, text in documents[code].items():
            assert edition.project_title in text, name
            assert edition.cofinancing in text, name


def test_a_logo_strip_put_beside_the_templates_appears_in_every_documents_header(edition, tmp_path):
    shutil.copytree(TEMPLATES, tmp_path / "templates", ignore=shutil.ignore_patterns("logo"))
    without = TemplateSet(tmp_path / "templates")
    (tmp_path / "templates" / "logo").mkdir()
    (tmp_path / "templates" / "logo" / "pasek.png").write_bytes(_png(80, 10))
    with_logo = TemplateSet(tmp_path / "templates")
    assert "logo/pasek.png" in template_hashes(tmp_path / "templates")
    for code in SUMMARY_CODES:
        unit = full_unit(edition, code)
        for plain, marked in zip(render_unit(unit, edition, without), render_unit(unit, edition, with_logo), strict=True):
            assert "teczka_pasek" not in zipfile.ZipFile(io.BytesIO(plain.data)).namelist()
            package = zipfile.ZipFile(io.BytesIO(marked.data))
            assert package.read("word/media/teczka_pasek.png") == _png(80, 10)
            header = package.read("word/header1.xml").decode()
            assert 'r:embed="rIdTeczkaPasek"' in header and f'descr="{edition.logo_alt}"' in header
            assert "rIdTeczkaPasek" in package.read("word/_rels/header1.xml.rels").decode()
            assert 'Extension="png"' in package.read("[Content_Types].xml").decode()
            Document(io.BytesIO(marked.data))  # python-docx opens it: the package is consistent


def test_a_logo_strip_that_is_not_a_png_is_a_clear_error(edition, tmp_path):
    shutil.copytree(TEMPLATES, tmp_path / "templates", ignore=shutil.ignore_patterns("logo"))
    (tmp_path / "templates" / "logo").mkdir()
    (tmp_path / "templates" / "logo" / "pasek.png").write_bytes(b"GIF89a....")
    templates = TemplateSet(tmp_path / "templates")
    with pytest.raises(RenderError, match=r"Pasek logotypów .*pasek\.png nie nadaje się do dokumentów "
                                          r"\(to nie jest obraz PNG\)\. Zapisz go jako obraz PNG\."):
        render_unit(full_unit(edition), edition, templates)


def test_the_timeline_has_a_text_alternative_the_term_of_each_action_under_its_name(edition, templates):
    unit = full_unit(edition)
    spec = next(s for s in document_plan(unit, edition) if s.name == "hdr.docx")
    context = build_context(spec, unit, edition)
    data = render_document(templates, spec, context)
    table = next(t for t in Document(io.BytesIO(data)).tables if t.rows[0].cells[1].text == "Działanie")
    for row, action in zip(table.rows[1:], context["timeline"]["rows"], strict=True):
        assert row.cells[1].text == f"{action['name']}\n{typography(action['term'])}"
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert '<w:tblCaption w:val="Harmonogram w czasie"/>' in xml and "<w:tblDescription " in xml


# ----------------------------------------------------------------------------- pages that need no hand edit
def _text_of(edition, templates, data, name):
    return docx_text(_render(edition, templates, data, name))


@pytest.mark.parametrize("sheet, heading", [("risks", "5. Ryzyka i sposoby przeciwdziałania"),
                                            ("directions", "6. Kierunki wdrożenia oraz narzędzia i rozwiązania zarządcze")])
def test_an_empty_hdr_section_says_not_specified(edition, templates, sheet, heading):
    data = full_unit_data()
    data["hdr"][sheet] = []
    text = _text_of(edition, templates, data, "hdr.docx")
    assert f"{heading}\nNie określono.\n" in text
    assert f"{heading}\nNie określono.\n" not in _text_of(edition, templates, full_unit_data(), "hdr.docx")


def test_the_hdr_dates_the_state_of_its_actions(edition, templates):
    text = _text_of(edition, templates, full_unit_data(), "hdr.docx")
    assert typography("Stan realizacji na dzień 5 marca 2021 r. (data podsumowania).") in text
    data = full_unit_data()
    del data["summary"]
    assert typography("Stan realizacji na dzień 5 listopada 2020 r. (data ostatniego spotkania).") in \
        _text_of(edition, templates, data, "hdr.docx")
    assert "| Stan realizacji\n" in text  # the column says what it holds


def test_each_meeting_record_names_the_attendance_list_the_absent_and_who_prepares_and_approves(edition, templates):
    text = _text_of(edition, templates, full_unit_data(), "spotkania.docx")
    assert "Uczestnicy z JST (wg listy obecności) | Anna Nowak\nPiotr Wiśniewski\nKatarzyna Zając" in text
    assert "Nieobecni z zespołu JST | wszyscy obecni" in text
    assert "Nieobecni z zespołu JST | Katarzyna Zając" in text  # meeting 2: two of three came
    meetings = len(full_unit_data()["meetings"]["meetings"])
    assert text.count("Załącznik: lista obecności ze spotkania nr ") == meetings
    assert text.count("Sporządził(a): ") == meetings and text.count("Zatwierdził(a):") == meetings
    assert text.count("data i podpis") == 2 * meetings


def test_the_card_has_the_team_contacts_in_one_column_and_a_signature_block(edition, templates):
    text = _text_of(edition, templates, full_unit_data(), "karta_jst.docx")
    assert "1 | Anna Nowak | Kierownik Referatu Oświaty | a.nowak@zolkiewka.example.pl\n84\u00a0123\u00a045\u00a067" in text
    assert "2 | Piotr Wiśniewski | Sekretarz Gminy | p.wisniewski@zolkiewka.example.pl\n" in text
    assert "Sporządził(a): Anna Nowak, Kierownik Referatu Oświaty" in text and "Zatwierdził(a):" in text


def test_the_reflection_names_the_participants_of_the_discussion(documents):
    assert ("Uczestnicy dyskusji | Anna Nowak, kierownik Referatu Oświaty\nPiotr Wiśniewski, sekretarz gminy\n"
            "Marek Łoś, doradca (moderator)") in documents["reflection"]["podsumowanie.docx"]


# ----------------------------------------------------------------------------- strict like the check; Writer's quotes

def _templates_with(tmp_path: Path, template: str, paragraphs: list[str]) -> Path:
    folder = tmp_path / "templates"
    shutil.copytree(TEMPLATES, folder, ignore=shutil.ignore_patterns("*.py", "*.md"))
    document = Document(folder / template)
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(folder / template)
    return folder


@pytest.mark.parametrize("construct, paragraphs, variable", [
    ("a branch this unit skips", ['{%p if jst.name == "nigdy" %}', "{{ nieznana_zmienna }}", "{%p endif %}"],
     "nieznana_zmienna"),
    ("a default filter", ["{{ nieznana_zmienna|default('') }}"], "nieznana_zmienna"),
    ("an attribute with a default", ["{{ jst.nieznane_pole|default('—') }}"], "jst.nieznane_pole"),
])
def test_the_build_refuses_a_template_the_check_refuses_in_every_construct(
        construct: str, paragraphs: list[str], variable: str, tmp_path: Path, edition) -> None:
    """Jinja alone would render these without a word (the branch is not taken, default() hides
    the name): the build takes the check's verdict, so both say the same at the same paragraph."""
    from click.testing import CliRunner
    from factories import write_unit

    from pipeline.build import BuildOptions, build
    from pipeline.cli import main

    folder = _templates_with(tmp_path, "karta_jst.docx", paragraphs)
    checked = CliRunner().invoke(main, ["templates", "check", "--templates", str(folder), "--edition", "2020"])
    assert checked.exit_code == 1
    [message] = [line.removeprefix("BŁĄD: ") for line in checked.output.splitlines()
                 if line.startswith("BŁĄD: Szablon karta_jst.docx")]
    assert f"nieznana zmienna „{variable}”" in message
    write_unit(tmp_path / "forms" / "gmina", edition)
    summary = build(BuildOptions(forms_dir=tmp_path / "forms", out_dir=tmp_path / "output", edition=edition,
                                 templates_dir=folder, repo_root=tmp_path, pdf=False, jobs=1), echo=lambda _: None)
    [unit] = summary.units
    assert (unit["status"], unit["failure"]) == ("failed", f"Błąd szablonu: {message}")


def test_a_template_broken_between_two_builds_of_one_process_is_refused_by_the_second(tmp_path: Path, edition) -> None:
    """The check's verdict is remembered by the templates' content (the server builds after each
    upload): a template edited between two builds is checked again."""
    from factories import write_unit

    from pipeline.build import BuildOptions, build

    folder = _templates_with(tmp_path, "karta_jst.docx", [])
    write_unit(tmp_path / "forms" / "gmina", edition)
    options = BuildOptions(forms_dir=tmp_path / "forms", out_dir=tmp_path / "output", edition=edition,
                           templates_dir=folder, repo_root=tmp_path, pdf=False, html=False, jobs=1)
    [unit] = build(options, echo=lambda _: None).units
    assert unit["status"] != "failed"
    _templates_with(tmp_path / "edited", "karta_jst.docx", ["{{ nieznana_zmienna|default('') }}"])  # only the check sees it
    shutil.copyfile(tmp_path / "edited" / "templates" / "karta_jst.docx", folder / "karta_jst.docx")
    [unit] = build(options, echo=lambda _: None).units
    assert unit["status"] == "failed" and "nieznana zmienna „nieznana_zmienna”" in unit["failure"]


def test_quotes_written_as_references_inside_tags_render_and_pass_the_check(tmp_path: Path, edition, templates) -> None:
    """What LibreOffice Writer saves: {{ jst.office_email or &apos;—&apos; }}."""
    folder = tmp_path / "templates"
    shutil.copytree(TEMPLATES, folder, ignore=shutil.ignore_patterns("*.py", "*.md"))
    path = folder / "karta_jst.docx"
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    body = parts["word/document.xml"].decode("utf-8")
    quoted = re.sub(r"\{\{[^}]*'[^}]*\}\}", lambda m: m[0].replace("'", "&apos;"), body)
    assert quoted.count("&apos;") >= 2
    parts["word/document.xml"] = quoted.replace('"', "&quot;", 0).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    from pipeline.template_check import check_templates

    assert [i.message for i in check_templates(folder, edition) if i.severity == "error"] == []
    unit = full_unit(edition, "good_practice")
    spec = next(s for s in document_plan(unit, edition) if s.template == "karta_jst.docx")
    context = build_context(spec, unit, edition)
    assert docx_text(render_document(TemplateSet(folder), spec, context)) == docx_text(
        render_document(templates, spec, context))


@pytest.mark.slow
def test_every_shipped_template_renders_the_same_after_a_libreoffice_writer_round_trip(tmp_path: Path, edition,
                                                                                     templates) -> None:
    """Open and save again in Writer (`soffice --convert-to docx`): the check passes and every
    template renders the same text as the original (page-number fields aside), for the example
    unit of every summary form."""
    import subprocess

    from pipeline.convert import find_soffice
    from pipeline.template_check import check_templates, example_contexts

    resaved = tmp_path / "zapisane-w-writerze"
    sources = sorted(TEMPLATES.glob("*.docx"))
    subprocess.run([find_soffice(), f"-env:UserInstallation={(tmp_path / 'profil').as_uri()}", "--headless",
                    "--convert-to", "docx", "--outdir", str(resaved), *map(str, sources)],
                   check=True, capture_output=True, timeout=300)
    assert sorted(p.name for p in resaved.glob("*.docx")) == [p.name for p in sources]
    assert any(b"&apos;" in zipfile.ZipFile(p).read("word/document.xml") for p in resaved.glob("*.docx"))
    assert [i.message for i in check_templates(resaved, edition) if i.severity == "error"] == []
    again = TemplateSet(resaved)
    for name, context in sorted(example_contexts(edition).items()):
        spec = next(s for code in SUMMARY_CODES for s in document_plan(full_unit(edition, code), edition)
                    if s.template == name)
        def visible(document: bytes) -> str:  # Writer drops a space ending a line ("Sporządził(a): " + a tab)
            return "\n".join(line.rstrip() for line in pages_unset(docx_text(document)).split("\n"))

        assert visible(again.get(name).render(context, spec)) == visible(templates.get(name).render(context, spec)), name


def pages_unset(text: str) -> str:
    """Page-number fields keep the result their editor last computed ("Strona 4 z 4"); Word recomputes it."""
    return re.sub(r"Strona \d+ z \d+", "Strona # z #", text)


# ----------------------------------------------------------------------------- page and line breaks (PDFs: test_pdf_breaks.py)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _keeps(row) -> bool:
    flags = [p.find(f"{_W}pPr/{_W}keepNext") for p in row.iter(f"{_W}p")]
    return all(flag is not None and flag.get(f"{_W}val") not in ("0", "false") for flag in flags)


@pytest.mark.parametrize("actions", [1, 2, 3, 4, 5, 12])
def test_the_actions_table_keeps_its_first_two_and_last_three_rows_together_and_rows_whole(edition, templates, actions):
    from lxml import etree

    from pipeline.ooxml import ROWS_AFTER_BREAK, ROWS_BEFORE_BREAK

    data = full_unit_data(actions=actions)
    xml = zipfile.ZipFile(io.BytesIO(_render(edition, templates, data, "hdr.docx"))).read("word/document.xml")
    table = next(t for t in etree.fromstring(xml).iter(f"{_W}tbl")
                 if "Narzędzia i rozwiązania" in "".join(t.itertext()))
    header, *rows = table.findall(f"{_W}tr")
    assert len(rows) == actions and _keeps(header)
    assert all(row.find(f"{_W}trPr/{_W}cantSplit") is not None for row in [header, *rows])
    kept = [_keeps(row) for row in rows]
    assert kept[-1] is False  # what follows the table is free to move
    last = actions - 1
    assert kept == [i < last and (i < ROWS_BEFORE_BREAK - 1 or i > last - ROWS_AFTER_BREAK) for i in range(actions)]
    if actions <= ROWS_AFTER_BREAK + 1:
        assert all(kept[:-1])  # a short table stays on one page


def test_table_rows_that_may_split_or_keep_nothing_are_held_the_same(edition):
    from lxml import etree

    from pipeline.ooxml import hold_table_rows

    row = ('<w:tr><w:trPr><w:cantSplit w:val="0"/></w:trPr><w:tc><w:p><w:pPr><w:pStyle w:val="Tabela"/>'
           '<w:keepNext w:val="false"/></w:pPr><w:r><w:t>x</w:t></w:r></w:p></w:tc></w:tr>')
    bare = "<w:tr><w:tc><w:p><w:r><w:t>y</w:t></w:r></w:p></w:tc></w:tr>"
    xml = (f'<w:document xmlns:w="{_W[1:-1]}"><w:body><w:tbl><w:tblPr/>{row}{bare * 6}{row}</w:tbl>'
           "<w:p/></w:body></w:document>")
    rows = etree.fromstring(hold_table_rows(xml)).findall(f".//{_W}tr")
    assert [_keeps(r) for r in rows] == [True, False, False, False, False, True, True, False]
    assert all(r[0].tag == f"{_W}trPr" and r[0].find(f"{_W}cantSplit").get(f"{_W}val") is None for r in rows)
    first = rows[0].find(f".//{_W}pPr")
    assert [child.tag.rsplit("}")[1] for child in first] == ["pStyle", "keepNext"]  # schema order kept
    assert hold_table_rows("<w:p/>") == "<w:p/>"


def test_a_table_nested_in_a_cell_is_held_by_the_same_rule():
    from lxml import etree

    from pipeline.ooxml import hold_table_rows

    inner_row = '<w:tr><w:trPr/><w:tc><w:p w:rsidR="1"/><w:p><w:r><w:t>in</w:t></w:r></w:p></w:tc></w:tr>'
    inner = f"<w:tbl><w:tblPr/>{inner_row * 6}</w:tbl>"
    outer_row = ('<w:tr><w:tblPrEx><w:tblW w:w="0"/></w:tblPrEx><w:trPr><w:tblHeader/></w:trPr>'
                 "<w:tc><w:p><w:r><w:t>head</w:t></w:r></w:p></w:tc></w:tr>")
    body_row = f"<w:tr><w:tc>{inner}<w:p/></w:tc></w:tr>"
    xml = f'<w:body xmlns:w="{_W[1:-1]}"><w:tbl><w:tblPr/>{outer_row}{body_row}</w:tbl><w:p/></w:body>'
    root = etree.fromstring(hold_table_rows(xml))  # well-formed
    outer = root.find(f"{_W}tbl")
    head, body = outer.findall(f"{_W}tr")
    assert head[0].tag == f"{_W}tblPrEx" and head[1].find(f"{_W}cantSplit") is not None
    assert _keeps(head) and not _keeps(body)
    inner_rows = body.find(f".//{_W}tbl").findall(f"{_W}tr")
    assert [_keeps(r) for r in inner_rows] == [True, False, False, True, True, False]
    assert all(r.find(f"{_W}trPr/{_W}cantSplit") is not None for r in inner_rows)
    assert inner_rows[0].find(f"{_W}tc/{_W}p").get(f"{_W}rsidR") == "1"  # an empty paragraph keeps its attributes


def test_contact_data_gets_word_non_breaking_hyphens_and_reads_back_with_plain_ones(edition, templates):
    data = full_unit_data()
    data["card"]["team"][0].update(email="a.nowak-lis@sp-1.gmina-x.pl", phone="601-234-567")
    docx = _render(edition, templates, data, "karta_jst.docx")
    xml = zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml").decode()
    assert "a.nowak<" in xml and xml.count("<w:noBreakHyphen/>") >= 5 and "\u2011" not in xml
    assert "a.nowak-lis@sp-1.gmina-x.pl\n601-234-567" in docx_text(docx)


def test_a_loop_table_without_a_marked_header_gets_its_header_row_repeated_and_held(edition, tmp_path):
    """A coordinator's table made in Word without "repeat as header row": the rows above the
    {%tr for %} loop become its header (only in loop tables; a header the template marks is kept)."""
    from lxml import etree

    folder = tmp_path / "templates"
    shutil.copytree(TEMPLATES, folder)
    source = folder / "hdr.docx"
    with zipfile.ZipFile(TEMPLATES / "hdr.docx") as original, zipfile.ZipFile(source, "w") as edited:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "word/document.xml":
                assert b"<w:tblHeader/>" in data
                data = data.replace(b"<w:tblHeader/>", b"")
            edited.writestr(item, data)
    data = full_unit_data(actions=12)
    xml = zipfile.ZipFile(io.BytesIO(_render(edition, TemplateSet(folder), data, "hdr.docx"))).read("word/document.xml")
    tables = list(etree.fromstring(xml).iter(f"{_W}tbl"))
    headers = [[row.find(f"{_W}trPr/{_W}tblHeader") is not None for row in table.findall(f"{_W}tr")] for table in tables]
    actions = next(i for i, t in enumerate(tables) if "Narzędzia i rozwiązania" in "".join(t.itertext()))
    assert headers[actions] == [True] + [False] * 12
    assert _keeps(tables[actions].findall(f"{_W}tr")[0])
    assert not any(headers[0])  # the card at the top has no row loop: no header invented
