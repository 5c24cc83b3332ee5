"""The rebuild decision, taken once from stat data and the last state (pipeline.state)."""

from __future__ import annotations

from typing import Any

from pipeline.state import SourceFingerprint, UnitState, decide_rebuild, used_templates

KEY = "key"
TEMPLATES = {"hdr.docx": "h1", "karta_jst.docx": "k1", "spotkania.docx": "s1"}
SOURCES: dict[str, dict[str, Any]] = {"1_karta.xlsx": {"size": 10, "mtime_ns": 1, "sha256": "a", "content": "c1"},
           "3_hdr.xlsx": {"size": 20, "mtime_ns": 2, "sha256": "b", "content": "c3"}}


def previous(templates: dict[str, str] | None = None) -> UnitState:
    used = used_templates(["hdr.docx", "karta_jst.docx"], TEMPLATES) if templates is None else templates
    return UnitState(sources=SOURCES, global_key=KEY, templates=used, report={})


def unchanged() -> dict[str, SourceFingerprint | None]:
    return {name: SourceFingerprint(**fingerprint) for name, fingerprint in SOURCES.items()}


def test_a_unit_whose_files_did_not_move_is_up_to_date_and_goes_to_no_worker() -> None:
    decision = decide_rebuild(previous(), unchanged(), KEY, TEMPLATES, outputs_exist=True)
    assert decision.up_to_date and decision.reason is None


def test_a_workbook_whose_bytes_changed_is_compared_by_content_in_the_worker_which_reads_it() -> None:
    sources = unchanged() | {"3_hdr.xlsx": None}
    decision = decide_rebuild(previous(), sources, KEY, TEMPLATES, outputs_exist=True)
    assert not decision.up_to_date and decision.unread == {"3_hdr.xlsx": "c3"}
    assert decision.reason_given({"1_karta.xlsx": "c1", "3_hdr.xlsx": "c3"}) is None  # a re-save
    assert decision.reason_given({"1_karta.xlsx": "c1", "3_hdr.xlsx": "other"}) == "zmiana w 3_hdr.xlsx"


def test_every_other_cause_is_decided_before_any_worker_reads_a_form() -> None:
    def reason(**changes: object) -> str | None:
        arguments: dict[str, object] = {"previous": previous(), "sources": unchanged(), "key": KEY,
                                        "templates": TEMPLATES, "outputs_exist": True} | changes
        decision = decide_rebuild(**arguments)  # type: ignore[arg-type]
        assert decision.reason is None or decision.reason_given({}) == decision.reason  # final, whatever is read
        return decision.reason

    assert reason(previous=None) == "nowa jednostka"
    assert reason(force=True) == "wymuszona przebudowa (--force)"
    assert reason(key="other") == "zmiana edycji, wersji programu lub opcji budowania"
    assert reason(sources={"1_karta.xlsx": None}) == "usunięto plik 3_hdr.xlsx"
    assert reason(sources=unchanged() | {"4_wdrozenie.xlsx": None}) == "nowy plik 4_wdrozenie.xlsx"
    assert reason(templates=TEMPLATES | {"hdr.docx": "h2"}) == "zmiana szablonu hdr.docx"
    assert reason(templates=TEMPLATES | {"spotkania.docx": "s2"}) is None  # a template the unit does not use
    assert reason(outputs_exist=False) == "brak plików wynikowych"


def test_a_logo_strip_put_in_or_taken_out_rebuilds_units_with_documents_only() -> None:
    with_logo = TEMPLATES | {"logo/pasek.png": "p1"}
    assert decide_rebuild(previous(), unchanged(), KEY, with_logo, True).reason == "zmiana szablonu logo/pasek.png"
    built_with_logo = previous(used_templates(["hdr.docx"], with_logo))
    assert decide_rebuild(built_with_logo, unchanged(), KEY, TEMPLATES, True).reason == "zmiana szablonu logo/pasek.png"
    no_documents = previous({})
    assert decide_rebuild(no_documents, unchanged(), KEY, with_logo, True).up_to_date


def test_the_templates_a_unit_uses_are_its_documents_templates_and_the_files_beside_them() -> None:
    with_logo = TEMPLATES | {"logo/pasek.png": "p1"}
    assert used_templates(["hdr.docx"], with_logo) == {"hdr.docx": "h1", "logo/pasek.png": "p1"}
    assert used_templates([], with_logo) == {}
    assert used_templates(["missing.docx"], TEMPLATES) == {"missing.docx": ""}
