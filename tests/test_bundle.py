"""Tests for pipeline.bundle: deterministic bundles, their manifest and their verification."""

from __future__ import annotations

import hashlib
import io
import json
import struct
import time
import unicodedata
import zipfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.bundle import (
    MANIFEST_NAME,
    BundleEntry,
    build_bundle,
    bundle_file_name,
    verify_bundle,
)
from pipeline.files import write_zip

ENTRIES = [
    BundleEntry("formularze/hdr.xlsx", b"xlsx bytes"),
    BundleEntry("dokumenty/hdr.pdf", b"%PDF-1.7 " + bytes(range(256)) * 10),
    BundleEntry("dokumenty/raport-żółć.pdf", "zażółć".encode()),
]
META = {"teryt": "0611011", "jst": "Gmina Żółkiewka", "edycja": "2025", "data": date(2025, 3, 1)}


def _write(tmp_path: Path, data: bytes, name: str = "pakiet.zip") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _rezip(data: bytes, *, replace: dict[str, bytes] | None = None, drop=(), add=()) -> bytes:
    """The bundle with some entries replaced, dropped or added (manifest kept as is)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = [(n, archive.read(n)) for n in archive.namelist() if n not in drop]
    entries = [(n, (replace or {}).get(n, d)) for n, d in entries] + list(add)
    out = io.BytesIO()
    write_zip(out, entries)
    return out.getvalue()


def test_bundle_is_deterministic_sorted_and_manifest_matches():
    data = build_bundle(ENTRIES, meta=META)
    time.sleep(1.1)
    assert build_bundle(list(reversed(ENTRIES)), meta=dict(reversed(META.items()))) == data

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert set(names) == {e.name for e in ENTRIES} | {MANIFEST_NAME}
        raw_manifest = archive.read(MANIFEST_NAME)
        manifest = json.loads(raw_manifest)
        for item in manifest["files"]:
            content = archive.read(item["path"])
            assert item["sha256"] == hashlib.sha256(content).hexdigest()
            assert item["size"] == len(content)
    assert "Gmina Żółkiewka" in raw_manifest.decode("utf-8")  # ensure_ascii=False
    assert (
        raw_manifest.decode()
        == json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    )
    assert [f["path"] for f in manifest["files"]] == sorted(e.name for e in ENTRIES)
    assert manifest["manifest_version"] == 1
    assert manifest["teryt"] == "0611011" and manifest["data"] == "2025-03-01"


@pytest.mark.parametrize(
    "name",
    ["../x", "a/../../x", "/etc/passwd", "a\\b.pdf", "C:/x", "a//b", "./a", "a/", "", "a\x00b"],
)
def test_build_bundle_rejects_unsafe_names(name):
    with pytest.raises(ValueError, match="Niedozwolona nazwa"):
        build_bundle([BundleEntry(name, b"x")], meta={})


def test_build_bundle_rejects_duplicates_manifest_and_reserved_meta():
    with pytest.raises(ValueError, match="dwukrotnie"):
        build_bundle([BundleEntry("a.pdf", b"1"), BundleEntry("a.pdf", b"2")], meta={})
    with pytest.raises(ValueError, match="dwukrotnie"):
        build_bundle([BundleEntry("a.pdf", b"1"), BundleEntry("A.PDF", b"2")], meta={})
    with pytest.raises(ValueError, match="zarezerwowana"):
        build_bundle([BundleEntry(MANIFEST_NAME, b"{}")], meta={})
    with pytest.raises(ValueError, match="zarezerwowane"):
        build_bundle(ENTRIES, meta={"files": []})


def test_verify_good_bundle(tmp_path):
    assert verify_bundle(_write(tmp_path, build_bundle(ENTRIES, meta=META))) == []
    assert verify_bundle(_write(tmp_path, build_bundle([], meta={}), "pusty.zip")) == []


def test_verify_reports_tampered_file(tmp_path):
    data = _rezip(build_bundle(ENTRIES, meta=META), replace={"formularze/hdr.xlsx": b"XLSX bytes"})
    assert verify_bundle(_write(tmp_path, data)) == [
        "Suma kontrolna pliku formularze/hdr.xlsx nie zgadza się z manifestem."
    ]
    data = _rezip(build_bundle(ENTRIES, meta=META), replace={"formularze/hdr.xlsx": b"longer!!!!!"})
    problems = verify_bundle(_write(tmp_path, data))
    assert (
        "Rozmiar pliku formularze/hdr.xlsx (11 B) nie zgadza się z manifestem (10 B)." in problems
    )
    assert "Suma kontrolna pliku formularze/hdr.xlsx nie zgadza się z manifestem." in problems


def test_verify_reports_missing_and_extra_files(tmp_path):
    data = _rezip(
        build_bundle(ENTRIES, meta=META),
        drop={"dokumenty/hdr.pdf"},
        add=[("dokumenty/obcy.pdf", b"?")],
    )
    assert verify_bundle(_write(tmp_path, data)) == [
        "Brak pliku dokumenty/hdr.pdf wymienionego w manifeście.",
        "Plik dokumenty/obcy.pdf nie jest wymieniony w manifeście.",
    ]


def test_verify_reports_missing_manifest_bad_zip_and_unsafe_names(tmp_path):
    data = _rezip(build_bundle(ENTRIES, meta=META), drop={MANIFEST_NAME})
    path = _write(tmp_path, data)
    assert verify_bundle(path) == [f"Brak pliku manifest.json w pakiecie {path}."]

    path = _write(tmp_path, b"to nie jest zip", "zly.zip")
    assert verify_bundle(path)[0].startswith(f"Pakiet {path} nie jest czytelnym archiwum ZIP")
    assert verify_bundle(tmp_path / "brak.zip") == [
        f"Nie znaleziono pakietu {tmp_path / 'brak.zip'}."
    ]

    data = _rezip(build_bundle(ENTRIES, meta=META), add=[("../evil.sh", b"rm -rf")])
    assert verify_bundle(_write(tmp_path, data)) == [
        "Niedozwolona nazwa pliku w pakiecie: „../evil.sh” (odwołanie „..” do katalogu nadrzędnego)."
    ]

    data = _rezip(build_bundle(ENTRIES, meta=META), replace={MANIFEST_NAME: b"{"})
    problems = verify_bundle(_write(tmp_path, data))
    assert len(problems) == 1 and problems[0].startswith(
        "Plik manifest.json w pakiecie jest nieczytelny"
    )


def test_verify_refuses_declared_zip_bomb_without_unpacking(tmp_path):
    """An entry claiming 1 GiB uncompressed (central directory patched) is refused unread."""
    data = bytearray(build_bundle([BundleEntry("dokumenty/bomba.pdf", bytes(1000))], meta={}))
    offset = data.index(b"PK\x01\x02")  # central directory headers
    while not data[offset + 46 :].startswith(b"dokumenty/bomba.pdf"):
        offset = data.index(b"PK\x01\x02", offset + 4)
    data[offset + 24 : offset + 28] = struct.pack("<I", 1 << 30)  # uncompressed size
    path = _write(tmp_path, bytes(data))
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("dokumenty/bomba.pdf").file_size == 1 << 30
    problems = verify_bundle(path)
    assert len(problems) == 1
    assert "więcej niż dopuszczalne 536870912" in problems[0] and "bomba ZIP" in problems[0]


def test_verify_refuses_real_bomb_over_a_smaller_limit(tmp_path):
    bomb = bytes(8 * 1024 * 1024)  # 8 MiB of zeros compress to ~8 KiB
    path = _write(tmp_path, build_bundle([BundleEntry("zera.bin", bomb)], meta={}))
    assert path.stat().st_size < 64 * 1024
    assert verify_bundle(path, max_total_size=8 * 1024 * 1024 + 4096) == []
    problems = verify_bundle(path, max_total_size=1024 * 1024)
    assert len(problems) == 1 and "nie rozpakowano go" in problems[0]


def test_verify_reports_corrupt_entry(tmp_path):
    data = bytearray(build_bundle([BundleEntry("a.txt", b"a" * 1000)], meta={}))
    start = data.index(b"a.txt") + len("a.txt")  # compressed data follow the local header name
    data[start + 2] ^= 0xFF
    problems = verify_bundle(_write(tmp_path, bytes(data)))
    assert problems and all("a.txt" in p for p in problems)


_segment = st.text(
    st.characters(categories=["L", "Nd"]) | st.sampled_from("-_ ."), min_size=1, max_size=8
)
_names = (
    st.lists(_segment, min_size=1, max_size=3)
    .map("/".join)
    .filter(lambda n: n != MANIFEST_NAME and all(p not in (".", "..") for p in n.split("/")))
)


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(_names, st.binary(max_size=200), max_size=6))
def test_any_safe_bundle_verifies_and_ignores_input_order(tmp_path_factory, files):
    by_key = {unicodedata.normalize("NFC", n).casefold(): (n, d) for n, d in files.items()}
    entries = [BundleEntry(n, d) for n, d in by_key.values()]  # drop case-only duplicates
    data = build_bundle(entries, meta={"jst": "Gmina Żółkiewka"})
    assert build_bundle(entries[::-1], meta={"jst": "Gmina Żółkiewka"}) == data
    path = tmp_path_factory.mktemp("h") / "p.zip"
    path.write_bytes(data)
    assert verify_bundle(path) == []


@pytest.mark.parametrize(
    ("teryt", "name", "expected"),
    [
        ("0611011", "Gmina Żółkiewka", "0611011_gmina-zolkiewka.zip"),
        ("0613", "Powiat łęczyński", "0613_powiat-leczynski.zip"),
        ("06", "Województwo Lubelskie", "06_wojewodztwo-lubelskie.zip"),
        ("1465011", "Miasto Stołeczne Warszawa", "1465011_miasto-stoleczne-warszawa.zip"),
        (" 0611011 ", "???", "0611011_bez-nazwy.zip"),
    ],
)
def test_bundle_file_name(teryt, name, expected):
    assert bundle_file_name(teryt, name) == expected


def test_bundle_file_name_rejects_bad_teryt():
    for bad in ("061101", "06110111", "../06", "٠٦", ""):
        with pytest.raises(ValueError, match="Niepoprawny kod TERC"):
            bundle_file_name(bad, "Gmina")


def test_bundle_names_are_ascii_slugs_of_the_unit_name():
    assert bundle_file_name("1061", "ŁÓDŹ — Śródmieście")[5:] == "lodz-srodmiescie.zip"
    assert bundle_file_name("0606112", "Gmina Zażółć gęślą jaźń") == "0606112_gmina-zazolc-gesla-jazn.zip"
    assert bundle_file_name("06", "../../etc") == "06_etc.zip"
