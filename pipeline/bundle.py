"""Per-unit ZIP bundles for ORE: the documents, the forms and a manifest with checksums.

``build_bundle`` returns the bytes of a deterministic archive (sorted entries, fixed times, a
``manifest.json`` listing every file with its SHA-256 and size). ``verify_bundle`` re-checks a
bundle against its manifest without trusting it: entry names are checked before anything is
read, declared sizes are capped (zip bombs) and data are hashed in chunks.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pipeline.files import sha256_bytes, write_zip
from pipeline.polish import ascii_slug

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
MAX_TOTAL_SIZE = 512 * 1024 * 1024  # declared uncompressed bytes a bundle may hold
MAX_MANIFEST_SIZE = 16 * 1024 * 1024
_CHUNK = 1 << 20
_RESERVED_META_KEYS = ("files", "manifest_version")


@dataclass(frozen=True)
class BundleEntry:
    """One file of a bundle."""

    name: str  # path inside the zip, e.g. "dokumenty/hdr.pdf", "formularze/hdr.xlsx"
    data: bytes


def unsafe_name_reason(name: object) -> str | None:
    """Why ``name`` is not a safe relative path inside a bundle (Polish), or None if it is."""
    if not isinstance(name, str) or not name:
        return "pusta nazwa"
    if "\\" in name:
        return "ukośnik wsteczny „\\” zamiast „/”"
    if name.startswith("/"):
        return "ścieżka bezwzględna"
    if re.match(r"^[A-Za-z]:", name):
        return "litera dysku"
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        return "znaki sterujące"
    parts = name.split("/")
    if ".." in parts:
        return "odwołanie „..” do katalogu nadrzędnego"
    if any(part in ("", ".") for part in parts):
        return "pusty składnik ścieżki"
    return None


def build_bundle(entries: Sequence[BundleEntry], *, meta: dict[str, Any]) -> bytes:
    """Bytes of a deterministic ZIP: ``entries`` sorted by name plus ``manifest.json``.

    The manifest is ``meta`` plus ``files`` (path, sha256, size of every entry, sorted) and
    ``manifest_version``. Raises ``ValueError`` for unsafe or duplicate names, an entry called
    "manifest.json" and ``meta`` keys that the manifest reserves.
    """
    seen: dict[str, str] = {}
    for entry in entries:
        reason = unsafe_name_reason(entry.name)
        if reason is not None:
            raise ValueError(f"Niedozwolona nazwa pliku w pakiecie: „{entry.name}” ({reason}).")
        if entry.name == MANIFEST_NAME:
            raise ValueError(f"Nazwa „{MANIFEST_NAME}” jest zarezerwowana dla manifestu pakietu.")
        key = unicodedata.normalize("NFC", entry.name).casefold()
        if key in seen:
            raise ValueError(
                f"Plik „{entry.name}” występuje w pakiecie dwukrotnie"
                + (f" (także jako „{seen[key]}”)." if seen[key] != entry.name else ".")
            )
        seen[key] = entry.name
    clash = [key for key in _RESERVED_META_KEYS if key in meta]
    if clash:
        raise ValueError(f"Klucze {', '.join(clash)} w metadanych są zarezerwowane dla manifestu.")

    ordered = sorted(entries, key=lambda e: e.name)
    manifest = {
        **meta,
        "files": [
            {"path": e.name, "sha256": sha256_bytes(e.data), "size": len(e.data)} for e in ordered
        ],
        "manifest_version": MANIFEST_VERSION,
    }
    manifest_bytes = (
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True, default=_json_default)
        + "\n"
    ).encode("utf-8")
    files = [(e.name, e.data) for e in ordered] + [(MANIFEST_NAME, manifest_bytes)]
    out = io.BytesIO()
    write_zip(out, sorted(files, key=lambda item: item[0]))
    return out.getvalue()


def _json_default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal | Path):
        return str(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def verify_bundle(path: Path, *, max_total_size: int = MAX_TOTAL_SIZE) -> list[str]:
    """Problems found in a bundle, as Polish messages; an empty list means it is intact."""
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        return [f"Nie znaleziono pakietu {path}."]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return [f"Pakiet {path} nie jest czytelnym archiwum ZIP ({exc})."]
    with archive:
        return _verify(archive, path, max_total_size)


def _verify(archive: zipfile.ZipFile, path: Path, max_total_size: int) -> list[str]:
    problems: list[str] = []
    infos = [info for info in archive.infolist() if not info.is_dir()]
    declared = sum(info.file_size for info in infos)
    if declared > max_total_size:
        return [
            f"Pakiet {path} deklaruje {declared} bajtów po rozpakowaniu, więcej niż dopuszczalne "
            f"{max_total_size}; nie rozpakowano go (możliwa „bomba ZIP”)."
        ]
    by_name: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        reason = unsafe_name_reason(info.filename)
        if reason is not None:
            problems.append(f"Niedozwolona nazwa pliku w pakiecie: „{info.filename}” ({reason}).")
        elif info.filename in by_name:
            problems.append(f"Plik {info.filename} występuje w pakiecie dwukrotnie.")
        else:
            by_name[info.filename] = info

    manifest_info = by_name.pop(MANIFEST_NAME, None)
    if manifest_info is None:
        return [*problems, f"Brak pliku {MANIFEST_NAME} w pakiecie {path}."]
    listed, manifest_problems = _read_manifest(archive, manifest_info)
    problems += manifest_problems
    if listed is None:
        return problems

    for file_path, expected_sha, expected_size in listed:
        member = by_name.pop(file_path, None)
        if member is None:
            problems.append(f"Brak pliku {file_path} wymienionego w manifeście.")
            continue
        result = _hash_entry(archive, member)
        if isinstance(result, str):
            problems.append(result)
            continue
        sha, size = result
        if size != expected_size:
            problems.append(
                f"Rozmiar pliku {file_path} ({size} B) nie zgadza się z manifestem "
                f"({expected_size} B)."
            )
        if sha != expected_sha:
            problems.append(f"Suma kontrolna pliku {file_path} nie zgadza się z manifestem.")
    for extra in sorted(by_name):
        problems.append(f"Plik {extra} nie jest wymieniony w manifeście.")
    return problems


def _read_manifest(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo
) -> tuple[list[tuple[str, str, int]] | None, list[str]]:
    """The (path, sha256, size) triples listed in the manifest, and problems with it."""
    broken = f"Plik {MANIFEST_NAME} w pakiecie jest nieczytelny"
    if info.file_size > MAX_MANIFEST_SIZE:
        return None, [f"{broken}: jest za duży ({info.file_size} B)."]
    try:
        manifest = json.loads(archive.read(info).decode("utf-8"))
    except (zipfile.BadZipFile, zlib.error, OSError, RuntimeError, ValueError) as exc:
        return None, [f"{broken} ({exc})."]
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
        return None, [f"{broken}: brak listy plików „files”."]
    problems: list[str] = []
    if manifest.get("manifest_version") != MANIFEST_VERSION:
        problems.append(
            f"Nieobsługiwana wersja manifestu: {manifest.get('manifest_version')!r} "
            f"(obsługiwana: {MANIFEST_VERSION})."
        )
    listed: list[tuple[str, str, int]] = []
    seen: set[str] = set()
    for item in manifest["files"]:
        ok = (
            isinstance(item, dict)
            and isinstance(item.get("path"), str)
            and isinstance(item.get("sha256"), str)
            and isinstance(item.get("size"), int)
        )
        if not ok:
            problems.append(f"{broken}: niepoprawny wpis {item!r}.")
            continue
        name = item["path"]
        reason = unsafe_name_reason(name)
        if reason is not None:
            problems.append(f"Niedozwolona nazwa pliku w manifeście: „{name}” ({reason}).")
        elif name in seen:
            problems.append(f"Plik {name} jest wymieniony w manifeście dwukrotnie.")
        else:
            seen.add(name)
            listed.append((name, item["sha256"].lower(), item["size"]))
    return listed, problems


def _hash_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[str, int] | str:
    """(sha256, size) of an entry read in chunks, or a Polish problem message."""
    digest = hashlib.sha256()
    size = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > info.file_size:  # zipfile stops at the declared size; belt and braces
                    return f"Plik {info.filename} w pakiecie jest większy, niż deklaruje archiwum."
                digest.update(chunk)
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        RuntimeError,
        EOFError,
        NotImplementedError,
    ) as exc:
        return f"Plik {info.filename} w pakiecie jest uszkodzony ({exc})."
    return digest.hexdigest(), size


INVENTORY_NAME = "spis.txt"
_KINDS = {".docx": "dokument Word", ".pdf": "PDF/A do archiwum",
          ".html": "wersja do publikacji (bez adresów e-mail i numerów telefonów)", ".xlsx": "formularz Excel"}


def inventory_text(unit: str, terc: str, edition: str, entries: Sequence[BundleEntry],
                   titles: dict[str, str]) -> bytes:
    """``spis.txt``: what the bundle holds, in Polish, one line per file (``titles`` maps an entry
    name to the document's title; the kind of file is told by its extension)."""
    lines = [f"Paczka dla Ośrodka Rozwoju Edukacji: {unit} (TERC {terc})", f"Edycja programu: {edition}", ""]
    for folder, heading in (("dokumenty/", "Dokumenty:"), ("formularze/", "Formularze wypełnione przez JST:")):
        names = sorted(e.name for e in entries if e.name.startswith(folder))
        if names:
            lines.append(heading)
            for name in names:
                kind = _KINDS.get(Path(name).suffix.lower(), "plik")
                title = titles.get(name)
                lines.append(f"  {name} — {title + ', ' if title else ''}{kind}")
            lines.append("")
    lines.append(f"{MANIFEST_NAME} — lista plików z sumami kontrolnymi SHA-256 (sprawdza ją polecenie teczka verify)")
    lines.append(f"{INVENTORY_NAME} — ten spis")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")  # CRLF: opens right in Notepad as well


def bundle_prefix(teryt: str, name: str) -> str:
    """What starts every file name inside a unit's bundle: "0614011_pulawy" (whose it is)."""
    return bundle_file_name(teryt, name).removesuffix(".zip")


def bundle_unit_id(path: Path) -> str | None:
    """The unit id a bundle's manifest names, or None when it cannot be read (never raises)."""
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo(MANIFEST_NAME)
            if info.file_size > MAX_MANIFEST_SIZE:
                return None
            manifest = json.loads(archive.read(info).decode("utf-8"))
        unit = manifest.get("unit") if isinstance(manifest, dict) else None
        identifier = unit.get("id") if isinstance(unit, dict) else None
    except (zipfile.BadZipFile, zlib.error, KeyError, OSError, RuntimeError, EOFError, ValueError):
        return None
    return identifier if isinstance(identifier, str) else None


def bundle_file_name(teryt: str, name: str) -> str:
    """File name of a unit's bundle: "0611011_gmina-zolkiewka.zip" (TERC code, slug of name)."""
    code = teryt.strip()
    if not code.isascii() or not code.isdigit() or len(code) not in (2, 4, 7):
        raise ValueError(
            f"Niepoprawny kod TERC „{teryt}”: oczekiwano 7 cyfr dla gminy, 4 dla powiatu "
            "lub 2 dla województwa."
        )
    return f"{code}_{ascii_slug(name)}.zip"
