"""A realistic sample run report (9 units, every status) for tests and for previewing output.

``python -m pipeline.report.sample DIR`` writes index.html, raport.xlsx and report.json there.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

STAGES = [
    "Wybór obszaru wsparcia",
    "Diagnoza potrzeb i wybór priorytetów",
    "Harmonogram działań rozwojowych (HDR)",
    "Kierunki wdrożenia, narzędzia i rozwiązania zarządcze",
    "Wdrożenie ze wsparciem doradczym",
]
AREAS = [
    (1, "Analizowanie potrzeb i planowanie rozwoju oświaty"),
    (2, "Monitorowanie jakości usług edukacyjnych"),
    (3, "Zarządzanie oświatą na poziomie organu prowadzącego"),
    (4, "Planowanie budżetowe"),
    (5, "Udział mieszkańców/partnerów w usługach edukacyjnych"),
    (6, "Udział rodziców w planowaniu, realizacji i ocenie usług"),
    (7, "Rola dyrektora szkoły i jego relacje z organem prowadzącym"),
    (8, "System wspomagania szkół i placówek"),
    (9, "Organizacja doradztwa zawodowego dla uczniów"),
    (10, "Wsparcie uczniów niepełnosprawnych"),
    (11, "Wsparcie uczniów z trudnościami w nauce i uczniów szczególnie uzdolnionych"),
    (12, "Gospodarowanie zasobami materialnymi systemu oświaty"),
]
FORMS = ["opis dobrej praktyki samorządowej", "studium refleksji", "minireportaż z wywiadem"]
DOCS = ["karta", "diagnoza", "hdr", "kierunki", "podsumowanie"]


def _unit(
    folder: str, name: str, teryt: str, unit_type: str, voivodeship: str, status: str, stage: int,
    area: int | None, form: int | None, meetings: tuple[int, int, float, float],
    errors: list[dict[str, Any]] | None = None, warnings: list[dict[str, Any]] | None = None,
    failure: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    slug = folder.split("-", 1)[1]
    documents = []
    for doc in DOCS[: max(stage, 1 if area else 0)]:
        documents += [f"output/{folder}/{doc}.docx", f"output/{folder}/{doc}.pdf"]
    has_bundle = status == "ok" or (status == "incomplete" and stage >= 2)
    errors = errors or []
    return {
        "id": folder,
        "name": name,
        "teryt": teryt,
        "unit_type": unit_type,
        "voivodeship": voivodeship,
        "status": status,
        "stage": stage,
        "area": {"id": area, "label": AREAS[area - 1][1]} if area else None,
        "summary_form": FORMS[form] if form is not None else None,
        "meetings": dict(
            zip(("on_site", "online", "hours_on_site", "hours_online"), meetings, strict=True)
        ),
        "sources": [
            f"forms/{folder}/{i}_{doc}.xlsx" for i, doc in enumerate(DOCS[: max(stage, 1)], start=1)
        ],
        "documents": [] if failure else documents,
        "bundle": f"output/bundles/{teryt}_{slug}.zip" if has_bundle and not failure else None,
        "feedback": sorted(
            {
                f"output/{folder}/uwagi/{Path(e['file']).stem}_uwagi.xlsx"
                for e in errors
                if e.get("file")
            }
        ),
        "errors": errors,
        "warnings": warnings or [],
        "failure": failure,
    }


def _problem(
    folder: str,
    file: str,
    sheet: str | None,
    cell: str | None,
    field: str | None,
    message: str,
    value: str | None,
) -> dict[str, Any]:
    return {
        "file": f"forms/{folder}/{file}",
        "sheet": sheet,
        "cell": cell,
        "field": field,
        "message": message,
        "value": value,
    }


def sample_report() -> dict[str, Any]:
    u = _unit
    p = _problem
    units = [
        u("lubelskie-zolkiewka", "Gmina Żółkiewka", "0613082", "gmina wiejska", "lubelskie", "ok", 5, 3, 0, (6, 4, 15.5, 6.0)),
        u("lubelskie-lubartow", "Powiat lubartowski", "0608", "powiat", "lubelskie", "incomplete", 3, 1, None, (4, 2, 9.0, 3.0),
          warnings=[p("lubelskie-lubartow", "3_hdr.xlsx", "Działania", "C9", "Osoba odpowiedzialna", "Nie podano osoby odpowiedzialnej za działanie.", None)]),
        u("slaskie-gliwice", "Miasto Gliwice", "2466011", "miasto na prawach powiatu", "śląskie", "invalid", 2, 8, None, (3, 3, 7.5, 4.5),
          errors=[
              p("slaskie-gliwice", "3_hdr.xlsx", "Działania", "F7", "Data zakończenia", "Data zakończenia jest wcześniejsza niż data rozpoczęcia.", "2020-06-01"),
              p("slaskie-gliwice", "3_hdr.xlsx", "Działania", "B12", "Nazwa działania", "Pole jest obowiązkowe — wpisz nazwę działania.", None),
              p("slaskie-gliwice", "2_diagnoza.xlsx", "Priorytety rozwojowe", "B5", "Priorytet", "Wartość wygląda jak formuła i została zapisana jako tekst.", "=HYPERLINK(\"http://example.invalid\")"),
          ]),
        u("slaskie-ozarowice", "Gmina Ożarowice", "2413052", "gmina wiejska", "śląskie", "ok", 5, 6, 1, (5, 5, 12.0, 7.5)),
        u("wielkopolskie-gniezno", "Gmina Miejska Gniezno", "3003011", "gmina miejska", "wielkopolskie", "failed", 4, 11, 2, (4, 6, 10.0, 9.0),
          failure="Nie udało się przekonwertować dokumentu hdr.docx do PDF: LibreOffice zakończył pracę z błędem."),
        u("wielkopolskie-sroda", "Gmina Środa Wielkopolska", "3025053", "gmina miejsko-wiejska", "wielkopolskie", "incomplete", 1, 3, None, (1, 0, 3.0, 0.0)),
        u("lubelskie-leczna", "Powiat łęczyński", "0610", "powiat", "lubelskie", "invalid", 0, None, None, (0, 1, 0.0, 1.5),
          errors=[p("lubelskie-leczna", "1_karta.xlsx", None, None, None, "Plik nie jest formularzem Teczki JST albo został utworzony ze starszej wersji wzoru.", None)]),
        u("slaskie-zywiec", "Powiat żywiecki", "2417", "powiat", "śląskie", "incomplete", 4, 3, 0, (5, 2, 12.5, 3.0)),
        u("wielkopolskie-kolo", "Gmina Koło", "3010022", "gmina wiejska", "wielkopolskie", "ok", 5, 9, 2, (7, 3, 16.0, 4.5)),
    ]  # fmt: skip
    return {
        "edition": {
            "id": "2020",
            "name": "Pilotaż systemu wsparcia, doskonalenia i rozwoju pracowników JST odpowiedzialnych za realizację zadań oświatowych (2020–2021)",
            "start": "2020-07-01",
            "end": "2021-02-28",
        },
        "tool_version": "0.1.0",
        "stages": list(STAGES),
        "units": units,
    }


def sample_areas() -> list[dict[str, Any]]:
    return [{"id": i, "label": label} for i, label in AREAS]


def main(argv: list[str]) -> int:
    from pipeline.report import build_coordinator_workbook, build_status_page, report_json_bytes

    target = Path(argv[0] if argv else "output")
    target.mkdir(parents=True, exist_ok=True)
    report = sample_report()
    report["areas"] = sample_areas()
    (target / "index.html").write_text(build_status_page(report), encoding="utf-8")
    (target / "raport.xlsx").write_bytes(build_coordinator_workbook(report))
    (target / "report.json").write_bytes(report_json_bytes(report))
    print(f"Zapisano przykładowy raport w {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
