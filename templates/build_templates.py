"""Generate the first Word templates (developer tool; the .docx files in templates/ are the source).

    .venv/bin/python templates/build_templates.py [--only hdr.docx] [--out DIR]
    .venv/bin/python templates/build_templates.py --accept   # the current files become the baseline
    .venv/bin/python templates/build_templates.py --ship     # the current files become the shipped version

The .docx files are the source a coordinator edits in Word or LibreOffice Writer; nothing in
`make` runs this script. It refuses to write over a template that differs from its own last
output (the sha256 of each file it wrote is recorded in ``.generated.json`` next to the
templates): an edited template is never overwritten. It names each such template and says
why; after comparing, ``--accept`` records the current files as the baseline (use it too after
merging templates regenerated on another branch), and the next run may overwrite them.
``--ship`` copies the current templates into the package (pipeline/shipped_templates/): the
versions this release of the tool ships, against which a build tells a coordinator that a new
version of a template they edited exists (a test fails until the two agree).
Tags follow docxtpl: {{ … }} for values, {%p … %} in a paragraph of its own for conditions and
loops over paragraphs, {%tr … %} for table rows. The context keys are listed in
templates/README.md and checked by `teczka templates check`.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from docx_kit import (  # noqa: E402
    approval_block,
    caption,
    core_properties,
    finish,
    grid_table,
    header_and_footer,
    key_value_table,
    loop_table,
    new_document,
    para,
    signature_table,
    tag,
    text_width_cm,
    title_block,
)

METADATA_ROWS = [
    ("Jednostka samorządu terytorialnego", "{{ jst.name }}"),
    ("Kod TERC", "{{ jst.terc }}"),
    ("Edycja programu", "{{ programme.edition_short }} ({{ programme.edition_period }})"),
]


def _metadata(doc, extra: list[tuple[str, str]], date_label: str = "Data dokumentu", title: str | None = None) -> None:
    width = text_width_cm(doc)
    if title:
        caption(doc, title)
    key_value_table(doc, METADATA_ROWS + extra + [(date_label, "{{ document.date }}")], (6.0, width - 6.0))


def _text(doc, value: str, label: str | None = None) -> None:
    if label:
        para(doc, label, "Etykieta")
    para(doc, f"{{{{ {value}|akapity }}}}")


def karta_jst():
    doc = new_document()
    header_and_footer(doc)
    width = text_width_cm(doc)
    title_block(doc, "Karta JST i diagnoza potrzeb", "{{ jst.name }}")
    _metadata(doc, [("Typ JST", "{{ jst.unit_type }}"), ("Województwo", "{{ jst.voivodeship }}"),
                    ("Adres urzędu", "{{ jst.address }}"), ("E-mail urzędu", "{{ jst.office_email or '—' }}")])
    doc.add_heading("1. Zespół JST", 1)
    loop_table(doc, "m in team", [("Lp.", "{{ m.number }}", 0.8), ("Imię i nazwisko", "{{ m.name }}", 3.6),
                                  ("Stanowisko", "{{ m.position }}", width - 11.9),
                                  ("E-mail i telefon", "{{ m.contact }}", 7.5)])
    doc.add_heading("2. Team doradczy", 1)
    loop_table(doc, "a in advisers", [("Lp.", "{{ a.number }}", 1.0), ("Rola", "{{ a.role }}", 7.5),
                                      ("Imię i nazwisko", "{{ a.name }}", 4.2), ("E-mail", "{{ a.email or '—' }}", width - 12.7)])
    doc.add_heading("3. Wybór obszaru wsparcia", 1)
    key_value_table(doc, [("Wybrany obszar", "{{ area.text }}"), ("Data wyboru obszaru", "{{ area_choice.chosen_on }}")],
                    (6.0, width - 6.0))
    _text(doc, "area_choice.justification", "Uzasadnienie wyboru")
    tag(doc, "{%p if diagnosis %}")
    doc.add_heading("4. Diagnoza potrzeb", 1)
    para(doc, "{{ diagnosis.period }}", bold_prefix="Okres diagnozy: ")
    doc.add_heading("4.1. Źródła danych", 2)
    loop_table(doc, "s in diagnosis.sources", [("Lp.", "{{ s.number }}", 1.0), ("Źródło danych", "{{ s.source }}", 5.5),
                                               ("Co z niego wynika", "{{ s.findings|akapity }}", width - 6.5)])
    doc.add_heading("4.2. Opis stanu obecnego", 2)
    _text(doc, "diagnosis.current_state")
    for key, label in (("strengths", "Mocne strony"), ("weaknesses", "Słabe strony"), ("conclusions", "Wnioski z diagnozy")):
        tag(doc, f"{{%p if diagnosis.{key} %}}")
        _text(doc, f"diagnosis.{key}", label)
        tag(doc, "{%p endif %}")
    doc.add_heading("4.3. Zidentyfikowane problemy", 2)
    loop_table(doc, "p in diagnosis.problems", [("Nr", "{{ p.number }}", 1.0),
                                                ("Problem", "{{ p.description|akapity }}", width - 1.0)])
    doc.add_heading("4.4. Potrzeby", 2)
    loop_table(doc, "n in diagnosis.needs", [("Nr", "{{ n.number }}", 1.0), ("Potrzeba", "{{ n.description|akapity }}", width - 5.5),
                                             ("Kogo dotyczy", "{{ n.concerns }}", 4.5)])
    doc.add_heading("4.5. Priorytety rozwojowe", 2)
    loop_table(doc, "p in diagnosis.priorities", [("Ranga", "{{ p.rank }}", 1.3), ("Priorytet", "{{ p.name }}", 4.5),
                                                  ("Uzasadnienie", "{{ p.justification|akapity }}", width - 8.3),
                                                  ("Problemy nr", "{{ p.problems or '—' }}", 2.5)])
    tag(doc, "{%p endif %}")
    para(doc, "", keep_next=True)
    approval_block(doc, "{{ prepared_by }}")
    return doc, "Karta JST i diagnoza potrzeb"


def hdr():
    doc = new_document(landscape=True, margins_cm=1.5)
    header_and_footer(doc)
    width = text_width_cm(doc)
    title_block(doc, "Harmonogram działań rozwojowych (HDR)", "{{ jst.name }}")
    label, value = 3.6, (width - 7.2) / 2
    grid_table(doc, [
        ["Jednostka samorządu terytorialnego", "{{ jst.name }}", "Kod TERC", "{{ jst.terc }}"],
        ["Województwo", "{{ jst.voivodeship }}", "Edycja programu", "{{ programme.edition_short }}"],
        ["Obszar wsparcia", "{{ area.text }}", None, None],
        ["Okres realizacji HDR", "{{ hdr.period }}", "Data przyjęcia HDR", "{{ hdr.adopted_on }}{% if hdr.version %} (wersja {{ hdr.version }}){% endif %}"],
        ["Zespół JST", "{{ team_text }}", "Team doradczy", "{{ advisers_text }}"],
    ], [label, value, label, value])
    doc.add_heading("1. Cel główny", 1)
    _text(doc, "hdr.main_goal")
    doc.add_heading("2. Priorytety rozwojowe i cele szczegółowe", 1)
    tag(doc, "{%p for p in priorities %}")
    doc.add_heading("{{ p.heading }}", 2)
    tag(doc, "{%p for g in p.goals %}")
    para(doc, "{{ g.description|akapity }}", bold_prefix="Cel {{ g.number }}. ")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p if not p.goals %}")
    para(doc, "Do tego priorytetu nie przypisano celów szczegółowych.")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endfor %}")
    heading = doc.add_heading("3. Działania", 1)
    heading.paragraph_format.page_break_before = True  # the table starts on a page of its own
    para(doc, "Stan realizacji na dzień {{ hdr.status_on }} ({{ hdr.status_source }}).", "Metryczka", keep_next=True)
    columns = [("Lp.", "{{ a.number }}", 0.75), ("Cel", "{{ a.goal }}", 0.9), ("Działanie", "{{ a.name|akapity }}", 0),
               ("Narzędzia i rozwiązania zarządcze", "{{ a.tools|akapity }}", 3.1), ("Termin od–do", "{{ a.term }}", 2.3),
               ("Odpowiedzialny", "{{ a.responsible }}", 2.5), ("Partnerzy", "{{ a.partners }}", 2.5),
               ("Zasoby / koszt", "{{ a.resources_cost }}", 2.5), ("Wskaźnik i wartość docelowa", "{{ a.indicator_target }}", 3.0),
               ("Monitorowanie", "{{ a.monitoring }}", 2.8), ("Stan realizacji", "{{ a.status }}", 1.9)]
    columns[2] = ("Działanie", "{{ a.name|akapity }}", round(width - sum(c[2] for c in columns), 2))
    loop_table(doc, "a in actions", columns, small=True, keep_together=False)  # pages long: rows flow
    tag(doc, "{%p if actions_cost_total %}")
    para(doc, "{{ actions_cost_total }}", "Metryczka", bold_prefix="Łączny koszt działań (suma podanych kwot): ")
    tag(doc, "{%p endif %}")
    heading = doc.add_heading("4. Harmonogram w czasie", 1)
    heading.paragraph_format.page_break_before = True
    para(doc, "Zacieniowane pola oznaczają miesiące, w których trwa działanie (okres HDR: {{ hdr.period }}).", "Metryczka")
    para(doc, f"{{{{p timeline|tabela_harmonogramu({width}) }}}}")
    doc.add_heading("5. Ryzyka i sposoby przeciwdziałania", 1)
    tag(doc, "{%p if risks %}")
    loop_table(doc, "r in risks", [("Lp.", "{{ r.number }}", 1.0), ("Ryzyko", "{{ r.risk|akapity }}", (width - 1.0) / 2),
                                   ("Sposób przeciwdziałania", "{{ r.mitigation|akapity }}", (width - 1.0) / 2)])
    tag(doc, "{%p else %}")
    para(doc, "Nie określono.")
    tag(doc, "{%p endif %}")
    doc.add_heading("6. Kierunki wdrożenia oraz narzędzia i rozwiązania zarządcze", 1)
    tag(doc, "{%p if directions %}")
    loop_table(doc, "d in directions", [("Lp.", "{{ d.number }}", 1.0), ("Kierunek wdrożenia", "{{ d.direction|akapity }}", 10.5),
                                        ("Wybrane narzędzia i rozwiązania zarządcze", "{{ d.tools|akapity }}", width - 15.0),
                                        ("Działania HDR (lp.)", "{{ d.actions }}", 3.5)])
    tag(doc, "{%p else %}")
    para(doc, "Nie określono.")
    tag(doc, "{%p endif %}")
    heading = doc.add_heading("7. Przyjęcie harmonogramu", 1)
    heading.paragraph_format.keep_with_next = True
    para(doc, "Harmonogram przyjęto dnia {{ hdr.adopted_on }}", keep_next=True)
    signature_table(doc, "s in signatures", "{{ s.role }}", "{{ s.name }}", [8.0, 7.0, 8.0])
    return doc, "Harmonogram działań rozwojowych"


def spotkania():
    doc = new_document()
    header_and_footer(doc)
    width = text_width_cm(doc)
    title_block(doc, "Notatki ze spotkań doradczych", "{{ jst.name }}")
    _metadata(doc, [("Obszar wsparcia", "{{ area.text }}"), ("Team doradczy", "{{ advisers_text }}")],
              "Data ostatniego spotkania")
    doc.add_heading("Podsumowanie", 1)
    para(doc, "{{ meetings_summary.sentence }}")
    loop_table(doc, "f in meetings_summary.rows", [("Forma spotkań", "{{ f.label }}", width - 8.0),
                                                   ("Liczba spotkań", "{{ f.count_text }}", 4.0),
                                                   ("Liczba godzin", "{{ f.hours_text }}", 4.0)],
               total=["Razem", "{{ meetings_summary.count_text_short }}", "{{ meetings_summary.hours_text }}"])
    tag(doc, "{%p for m in meetings %}")
    doc.add_heading("Spotkanie nr {{ m.number }} — {{ m.date }}", 1)
    key_value_table(doc, [
        ("Data i godzina", "{{ m.date }}, {{ m.time_range }} ({{ m.duration }})"),
        ("Forma", "{{ m.form }}"),
        ("{{ m.place_label }}", "{{ m.place }}"),
        ("Uczestnicy z JST (wg listy obecności)", "{{ m.jst_participants_text }}"),
        ("Nieobecni z zespołu JST", "{{ m.absent_text }}"),
        ("Doradcy", "{{ m.advisers_text }}"),
        ("Inni uczestnicy", "{{ m.others or '—' }}"),
        ("Etap cyklu", "{{ m.stage_number }}. {{ m.stage_name }}"),
    ], (4.2, width - 4.2))
    _text(doc, "m.goal", "Cel spotkania")
    _text(doc, "m.topics", "Omawiane zagadnienia")
    _text(doc, "m.findings", "Ustalenia i wnioski")
    para(doc, "Zadania do wykonania", "Etykieta")
    tag(doc, "{%p if m.tasks %}")
    loop_table(doc, "t in m.tasks", [("Lp.", "{{ t.number }}", 1.0), ("Zadanie", "{{ t.task|akapity }}", width - 8.0),
                                     ("Kto", "{{ t.owner }}", 4.0), ("Termin", "{{ t.due }}", 3.0)])
    tag(doc, "{%p else %}")
    para(doc, "Na spotkaniu nie ustalono zadań.")
    tag(doc, "{%p endif %}")
    para(doc, "{{ m.next_meeting or 'nie ustalono' }}", bold_prefix="Następne spotkanie: ",
         keep_next=True).paragraph_format.space_before = Pt(8)
    para(doc, "Załącznik: lista obecności ze spotkania nr {{ m.number }}.", "Metryczka", keep_next=True)
    approval_block(doc, "{{ m.recorded_by }}")
    tag(doc, "{%p endfor %}")
    return doc, "Notatki ze spotkań doradczych"


def _summary_metadata(doc, extra: list[tuple[str, str]], *, authors: bool = True) -> None:
    rows = [("Obszar wsparcia", "{{ area.text }}"), *extra]
    if authors:
        rows.append(("Autorzy", "{{ summary.authors }}"))
    _metadata(doc, rows, "Data przekazania do ORE", title="Metryczka")


GOOD_PRACTICE_SECTIONS = [
    ("1. Charakterystyka lokalnego systemu", "local_system"),
    ("2. Problem, który był powodem wdrożenia innowacji", "problem"),
    ("3. Na czym polega zastosowane rozwiązanie?", "solution"),
    ("4. Kto, kiedy i co zrobił?", "who_when_what"),
    ("5. Jakie efekty osiągnięto?", "effects"),
    ("6. Ile to kosztowało?", "cost"),
    ("7. Dlaczego warto promować to rozwiązanie?", "why_promote"),
    ("8. Zalecenia dotyczące replikacji", "replication"),
]


def dobra_praktyka():
    doc = new_document()
    header_and_footer(doc)
    width = text_width_cm(doc)
    title_block(doc, "{{ summary.title }}", "{{ document.heading }}")
    _summary_metadata(doc, [])
    doc.add_heading("I. Opis dobrej praktyki", 1)
    for title, key in GOOD_PRACTICE_SECTIONS:
        doc.add_heading(title, 2)
        _text(doc, f"good_practice.{key}")
    doc.add_heading("II. Dane kontaktowe osoby, która może przekazać szczegółowe informacje na temat rozwiązania", 1)
    caption(doc, "Dane kontaktowe")
    key_value_table(doc, [("Imię, nazwisko i stanowisko", "{{ good_practice.contact_name }}"),
                          ("E-mail", "{{ good_practice.contact_email }}"),
                          ("Telefon", "{{ good_practice.contact_phone or '—' }}")], (6.0, width - 6.0))
    doc.add_heading("III. Wzorcowe dokumenty i materiały dostępne dla podmiotów zainteresowanych replikacją", 1)
    tag(doc, "{%p for d in good_practice.model_documents %}")
    para(doc, "{{ d }}", "List Bullet")
    tag(doc, "{%p endfor %}")
    return doc, "Opis dobrej praktyki samorządowej"


def studium_refleksji():
    doc = new_document()
    header_and_footer(doc)
    title_block(doc, "{{ summary.title }}", "{{ document.heading }}")
    _summary_metadata(doc, [("Data dyskusji zogniskowanej", "{{ reflection.discussion_on }}"),
                            ("Moderator", "{{ reflection.moderator }}"),
                            ("Uczestnicy dyskusji", "{{ reflection.participants }}")])
    doc.add_heading("1. Cel dyskusji", 1)
    _text(doc, "reflection.aim")
    doc.add_heading("2. Przebieg dyskusji zogniskowanej", 1)
    tag(doc, "{%p for s in reflection.stages %}")
    doc.add_heading("2.{{ s.number }}. {{ s.label }}", 2)
    _text(doc, "s.questions", "Pytania kluczowe")
    _text(doc, "s.synthesis", "Synteza odpowiedzi")
    tag(doc, "{%p endfor %}")
    doc.add_heading("3. Wnioski i rekomendacje", 1)
    _text(doc, "reflection.conclusions")
    return doc, "Studium refleksji"


def minireportaz():
    doc = new_document()
    header_and_footer(doc)
    title_block(doc, "{{ summary.title }}", "{{ document.heading }}")
    para(doc, "{{ reportage.lead|akapity }}", "Lead")
    _text(doc, "reportage.opening_scene")
    doc.add_heading("Tło", 2)
    _text(doc, "reportage.background")
    doc.add_heading("Przebieg", 2)
    _text(doc, "reportage.course")
    doc.add_heading("Rozmowa: {{ reportage.interviewee }}, {{ reportage.interviewee_role }}", 2)
    tag(doc, "{%p for q in reportage.interview %}")
    question = para(doc, keep_next=True)
    question.add_run("{{ q.question|akapity }}").bold = True
    para(doc, "{{ q.answer|akapity }}", bold_prefix="{{ reportage.interviewee }}: ")
    tag(doc, "{%p endfor %}")
    doc.add_heading("Efekty", 2)
    _text(doc, "reportage.effects")
    _text(doc, "reportage.ending")
    para(doc, "{{ summary.authors }}, {{ summary.submitted_on }}", align=WD_ALIGN_PARAGRAPH.RIGHT, bold_prefix="Tekst: ")
    _summary_metadata(doc, [("Rozmówca", "{{ reportage.interviewee }}, {{ reportage.interviewee_role }}"),
                            ("Zgoda rozmówcy na publikację", "{{ reportage.interviewee_consent or '—' }}")],
                      authors=False)
    return doc, "Minireportaż z wywiadem"


TEMPLATES = {
    "karta_jst.docx": karta_jst,
    "hdr.docx": hdr,
    "spotkania.docx": spotkania,
    "podsumowanie_dobra_praktyka.docx": dobra_praktyka,
    "podsumowanie_studium_refleksji.docx": studium_refleksji,
    "podsumowanie_minireportaz.docx": minireportaz,
}


def _without_thumbnail(data: bytes) -> bytes:
    """python-docx's default package carries a thumbnail of an empty page: drop it."""
    import re
    import zipfile
    from io import BytesIO

    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename == "docProps/thumbnail.jpeg":
                continue
            content = source.read(info.filename)
            if info.filename == "_rels/.rels":
                content = re.sub(rb"<Relationship [^>]*thumbnail[^>]*/>", b"", content)
            target.writestr(info, content)
    return out.getvalue()


RECORD = ".generated.json"  # template file name -> sha256 of this script's last output


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _read_record(folder: Path) -> dict[str, str]:
    import json

    path = folder / RECORD
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _write_record(folder: Path, record: dict[str, str]) -> None:
    import json

    from pipeline.files import atomic_write_bytes

    text = json.dumps(dict(sorted(record.items())), indent=2, ensure_ascii=False) + "\n"
    atomic_write_bytes(folder / RECORD, text.encode("utf-8"))


def refusals(folder: Path, outputs: dict[str, bytes], record: dict[str, str]) -> list[str]:
    """Why each existing template may not be overwritten: it differs from the last output recorded."""
    reasons = []
    for name, data in outputs.items():
        target = folder / name
        if not target.exists():
            continue
        current = _sha256(target.read_bytes())
        if current == _sha256(data) or current == record.get(name):
            continue
        why = ("no output of this script is recorded for it" if name not in record
               else "it differs from this script's last output (edited in Word or LibreOffice since?)")
        reasons.append(f"{target}: not overwritten: {why}.")
    return reasons


def generate(name: str) -> bytes:
    from io import BytesIO

    from pipeline.files import normalize_docx

    doc, title = TEMPLATES[name]()
    finish(doc)
    core_properties(doc, f"Szablon: {title}")
    buffer = BytesIO()
    doc.save(buffer)
    return normalize_docx(_without_thumbnail(buffer.getvalue()), modified=datetime(2020, 7, 1))


def main(argv: list[str] | None = None) -> int:
    from pipeline.files import atomic_write_bytes

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=sorted(TEMPLATES), help="build only this template")
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write to (default: templates/)")
    parser.add_argument("--ship", action="store_true",
                        help="copy the current templates into pipeline/shipped_templates/ (writes no template)")
    parser.add_argument("--accept", action="store_true",
                        help="record the current templates as this script's last output (writes no template)")
    args = parser.parse_args(argv)
    names = args.only or list(TEMPLATES)
    record = _read_record(args.out)
    if args.ship:
        from pipeline.shipped import SHIPPED_DIR

        SHIPPED_DIR.mkdir(exist_ok=True)
        for name in names:
            atomic_write_bytes(SHIPPED_DIR / name, (args.out / name).read_bytes())
            print(f"shipped {SHIPPED_DIR / name}")
        return 0
    if args.accept:
        for name in names:
            if (args.out / name).exists():
                record[name] = _sha256((args.out / name).read_bytes())
                print(f"accepted {args.out / name}")
        _write_record(args.out, record)
        return 0
    outputs = {name: generate(name) for name in names}
    refused = refusals(args.out, outputs, record)
    if refused:
        print("\n".join(refused), file=sys.stderr)
        print("Nothing written. Compare the templates named above with the generator's output "
              "(--out /tmp/x); to let this script overwrite them, run it with --accept first.", file=sys.stderr)
        return 1
    for name, data in outputs.items():
        atomic_write_bytes(args.out / name, data)
        record[name] = _sha256(data)
        print(f"{args.out / name}")
    _write_record(args.out, record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
