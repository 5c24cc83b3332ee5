"""Incremental builds: decide which units must be rebuilt, and why.

The decision rests on content, not clocks. A unit is rebuilt when the content of one of its
forms changed (a re-saved but unchanged workbook changes nothing), when a template it uses
changed, or when the edition file, the tool version or the build options changed. Stat
information (size, mtime) is only a shortcut to skip hashing files that did not move.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from pipeline.files import atomic_write_bytes, sha256_file
from pipeline.report.model import ReportUnit

STATE_FILE = ".teczka-state.json"
STATE_VERSION = 1
DAMAGED_WARNING = ("Uwaga: plik stanu {path} jest nieczytelny albo ma niepoprawną budowę — wszystkie jednostki "
                   "zostaną zbudowane od nowa.")


@dataclass
class SourceFingerprint:
    """What we know about one input file: its stat, its bytes' hash and its content hash."""

    size: int
    mtime_ns: int
    sha256: str
    content: str  # hash of the values read from it (survives a re-save that changes nothing)

    def as_dict(self) -> dict[str, Any]:
        return {"size": self.size, "mtime_ns": self.mtime_ns, "sha256": self.sha256, "content": self.content}


@dataclass
class UnitState:
    """What the last successful build of a unit was made from, and what it produced."""

    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    global_key: str = ""
    templates: dict[str, str] = field(default_factory=dict)  # template file -> sha256
    report: dict[str, Any] = field(default_factory=dict)  # the unit's entry in report.json


@dataclass
class BuildState:
    path: Path
    units: dict[str, UnitState] = field(default_factory=dict)
    reports: dict[str, Any] = field(default_factory=dict)  # what the last reports were made from
    shipped: dict[str, str] | None = None  # the shipped templates the last build saw (pipeline/shipped.py)
    damaged: bool = False  # a state file was there but unreadable: everything is rebuilt

    @classmethod
    def load(cls, out_dir: Path) -> BuildState:
        """The last run's state; an empty one when there is none, when it was written by another
        version (both rebuild everything quietly), or when it cannot be trusted (``damaged``)."""
        path = out_dir / STATE_FILE
        try:
            raw = json.loads(path.read_bytes().decode("utf-8"))
        except FileNotFoundError:
            return cls(path)
        except (OSError, ValueError):
            return cls(path, damaged=True)
        shipped = _shipped(raw)  # kept across versions: a new version's templates are announced once
        if isinstance(raw, dict) and raw.get("version") != STATE_VERSION and "units" in raw:
            return cls(path, shipped=shipped)  # another version of the tool: a full rebuild, nothing wrong
        try:
            checked = _STATE_SHAPE.validate_python(raw)
        except ValidationError:
            return cls(path, damaged=True)
        if any(unit.report.id != uid for uid, unit in checked.units.items()):
            return cls(path, damaged=True)
        units = {uid: UnitState(**data) for uid, data in raw["units"].items()}
        return cls(path, units, raw.get("reports", {}), shipped)

    def save(self) -> None:
        payload = {"version": STATE_VERSION, "reports": self.reports, "shipped": self.shipped,
                   "units": {uid: vars(state) for uid, state in sorted(self.units.items())}}
        atomic_write_bytes(self.path, json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8"))


class _SourceShape(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    size: int
    mtime_ns: int
    sha256: str
    content: str


class _UnitShape(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    sources: dict[str, _SourceShape]
    global_key: str
    templates: dict[str, str]
    report: ReportUnit  # the unit's entry in report.json, as the report stage declares it


class _StateShape(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    version: int
    reports: dict[str, Any] = {}
    shipped: dict[str, str] | None = None
    units: dict[str, _UnitShape]


def _shipped(raw: Any) -> dict[str, str] | None:
    """The shipped templates' hashes a state records, if they look right."""
    shipped = raw.get("shipped") if isinstance(raw, dict) else None
    if isinstance(shipped, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in shipped.items()):
        return shipped
    return None


_STATE_SHAPE = TypeAdapter(_StateShape)


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash of the code that makes the documents (the package's Python and Lua files, the web
    front end aside): documents made by other code — an upgrade, or a change in a checkout that
    keeps the version number — are made again, never kept as if the new code had made them."""
    root = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if path.suffix in (".py", ".lua") and parts[0] != "web" and "__pycache__" not in parts:
            data = path.read_bytes()
            digest.update(f"{'/'.join(parts)}\0{len(data)}\0".encode() + data)
    return digest.hexdigest()


def global_key(edition_fingerprint: str, tool_version: str, options: dict[str, Any]) -> str:
    """Everything that, when changed, rebuilds every unit."""
    text = json.dumps([edition_fingerprint, tool_version, options], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def content_hash(data: Any) -> str:
    """Hash of the values read from a workbook (positions included)."""
    text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def quick_source_check(path: Path, previous: dict[str, Any] | None) -> SourceFingerprint | None:
    """The stored fingerprint if the file certainly did not change (same stat or same bytes)."""
    if previous is None:
        return None
    stat = path.stat()
    if stat.st_size == previous["size"] and stat.st_mtime_ns == previous["mtime_ns"]:
        return SourceFingerprint(**previous)
    if stat.st_size == previous["size"] and sha256_file(path) == previous["sha256"]:
        return SourceFingerprint(stat.st_size, stat.st_mtime_ns, previous["sha256"], previous["content"])
    return None


def used_templates(document_templates: Iterable[str], templates: dict[str, str]) -> dict[str, str]:
    """Template file -> hash, for what a unit's documents are made from: their Word templates
    and, when the unit has any document, every other file beside them (the logo strip)."""
    used = {name: templates.get(name, "") for name in document_templates}
    if used:
        used.update({name: digest for name, digest in templates.items() if not name.endswith(".docx")})
    return used


@dataclass(frozen=True)
class RebuildDecision:
    """Whether a unit is rebuilt and why, decided once by the orchestrator from stat data and
    the last state, and passed on to the worker.

    ``reason`` set: the unit is rebuilt. ``reason`` None and ``unread`` empty: it is up to date
    and no worker sees it. ``unread`` holds the content hashes, last time, of the files whose
    bytes changed while nothing else did: the worker reads those files anyway, so the decision
    leaves it one comparison — a re-saved workbook with the same values changes nothing.
    """

    reason: str | None
    unread: dict[str, str] = field(default_factory=dict)

    @property
    def up_to_date(self) -> bool:
        return self.reason is None and not self.unread

    def reason_given(self, contents: dict[str, str]) -> str | None:
        """The reason once the worker has read the forms (file -> content hash), or None."""
        if self.reason is not None:
            return self.reason
        changed = [name for name, content in sorted(self.unread.items()) if contents.get(name) != content]
        return f"zmiana w {changed[0]}" if changed else None


def decide_rebuild(previous: UnitState | None, sources: dict[str, SourceFingerprint | None], key: str,
                   templates: dict[str, str], outputs_exist: bool, force: bool = False) -> RebuildDecision:
    """The one rebuild decision (reasons in Polish, for the terminal). ``sources`` maps each
    form file to its stored fingerprint when stat data or its bytes prove it unchanged, else to
    None; ``templates`` holds every template file's hash."""
    if previous is None:
        return RebuildDecision("nowa jednostka")
    if force:
        return RebuildDecision("wymuszona przebudowa (--force)")
    if previous.global_key != key:
        return RebuildDecision("zmiana edycji, wersji programu lub opcji budowania")
    if set(sources) != set(previous.sources):
        added = sorted(set(sources) - set(previous.sources))
        removed = sorted(set(previous.sources) - set(sources))
        parts = [f"nowy plik {', '.join(added)}"] if added else []
        parts += [f"usunięto plik {', '.join(removed)}"] if removed else []
        return RebuildDecision("; ".join(parts))
    # Same forms, same edition: the same documents, so the same templates as last time.
    documents = [name for name in previous.templates if name.endswith(".docx")]
    now = used_templates(documents, templates)
    for name in sorted(set(now) | set(previous.templates)):
        if now.get(name) != previous.templates.get(name):
            return RebuildDecision(f"zmiana szablonu {name}")
    if not outputs_exist:
        return RebuildDecision("brak plików wynikowych")
    return RebuildDecision(None, {name: previous.sources[name]["content"]
                                  for name, fingerprint in sources.items() if fingerprint is None})


def listed_outputs(report: dict[str, Any]) -> list[str]:
    """Every file a unit's report entry lists (documents, bundle, feedback copies)."""
    listed = [*report.get("documents", []), *report.get("feedback", [])]
    if report.get("bundle"):
        listed.append(report["bundle"])
    return [path for path in listed if isinstance(path, str)]


def outputs_present(report: dict[str, Any], root: Path) -> bool:
    """Whether every file a report entry lists exists (paths are relative to ``root``)."""
    return all((root / path).is_file() for path in listed_outputs(report))
