"""The programme edition: rules and vocabularies that change between editions, loaded from TOML.

Everything an edition can change (areas, dates, team size, adviser roles, meeting forms,
voivodeships, summary forms, dropdown vocabularies) is data in ``pipeline/editions/*.toml``.
"""

from __future__ import annotations

import hashlib
import tomllib
from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from pipeline.errors import UsageError
from pipeline.teryt import UNIT_TYPES, VOIVODESHIPS

EDITIONS_DIR = Path(__file__).parent / "editions"
CONSENT = ("tak", "nie")  # a person's consent to publication of their name (minireportaż)
DEFAULT_EDITION = "2020"


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Area(_Closed):
    id: int = Field(ge=1, le=12)
    label: str
    part: str
    verified: bool

    @property
    def choice(self) -> str:
        """The text shown in the dropdown: "3. Zarządzanie oświatą …"."""
        return f"{self.id}. {self.label}"


class AdviserRole(_Closed):
    code: str
    label: str


class MeetingForm(_Closed):
    code: str
    label: str
    remote: bool


class ReflectionStage(_Closed):
    code: str
    label: str


class TeamSize(_Closed):
    min: int = Field(ge=1)
    max: int = Field(ge=1)


class SummaryForms(_Closed):
    good_practice: str
    reflection: str
    reportage: str


class Edition(_Closed):
    id: str
    name: str
    short_name: str
    start: date
    end: date
    team_size: TeamSize
    summary_grace_days: int = Field(ge=0)  # the summary may reach ORE this long after the edition ends
    voivodeships: tuple[str, ...]
    project_title: str
    organiser: str
    cofinancing: str
    logo_alt: str  # text alternative of the coordinator's logo strip (templates/logo/pasek.png)
    stages: tuple[str, ...] = Field(min_length=5, max_length=5)
    reflection_stages: tuple[ReflectionStage, ...] = Field(min_length=4, max_length=4)
    action_statuses: tuple[str, ...]
    need_recipients: tuple[str, ...]
    adviser_roles: tuple[AdviserRole, ...] = Field(min_length=1)
    meeting_forms: tuple[MeetingForm, ...] = Field(min_length=1)
    summary_forms: SummaryForms
    areas: tuple[Area, ...] = Field(min_length=12, max_length=12)
    fingerprint: str = ""

    # -- derived lookups -------------------------------------------------------------
    def area_by_choice(self, text: str) -> Area | None:
        """Find an area by its dropdown text, its number, or its label."""
        text = text.strip()
        for area in self.areas:
            if text in (area.choice, area.label, str(area.id)):
                return area
        head = text.split(".", 1)[0].strip()
        if head.isdigit():
            return next((a for a in self.areas if a.id == int(head)), None)
        return None

    def meeting_form(self, label: str) -> MeetingForm | None:
        return next((f for f in self.meeting_forms if f.label == label.strip()), None)

    def adviser_role(self, text: str) -> AdviserRole | None:
        text = text.strip()
        return next((r for r in self.adviser_roles if text in (r.code, r.label)), None)

    def summary_form_code(self, label: str) -> str | None:
        for code, text in self.summary_forms.model_dump().items():
            if text == label.strip():
                return code
        return None

    def choices(self, list_name: str) -> tuple[str, ...]:
        """The dropdown values of a named vocabulary (used by the form writer and reader)."""
        match list_name:
            case "areas":
                return tuple(a.choice for a in self.areas)
            case "adviser_roles":
                return tuple(r.label for r in self.adviser_roles)
            case "meeting_forms":
                return tuple(f.label for f in self.meeting_forms)
            case "summary_forms":
                return tuple(self.summary_forms.model_dump().values())
            case "voivodeships":
                return tuple(VOIVODESHIPS[c] for c in self.voivodeships)
            case "unit_types":
                return UNIT_TYPES
            case "action_statuses":
                return self.action_statuses
            case "need_recipients":
                return self.need_recipients
            case "consent":
                return CONSENT
            case "stages":
                return tuple(f"{i}. {s}" for i, s in enumerate(self.stages, start=1))
        raise KeyError(list_name)


def available_editions() -> dict[str, Path]:
    """Edition id -> file, for every TOML file in the editions folder."""
    found = {}
    for path in sorted(EDITIONS_DIR.glob("*.toml")):
        with path.open("rb") as handle:
            found[str(tomllib.load(handle)["id"])] = path
    return found


@lru_cache(maxsize=8)
def load_edition(edition_id: str = DEFAULT_EDITION) -> Edition:
    """Load an edition by id (e.g. "2020") or by a path to a TOML file."""
    candidates = available_editions()
    path = candidates.get(edition_id) or Path(edition_id)
    if not path.is_file():
        known = ", ".join(sorted(candidates))
        raise UsageError(f"Nieznana edycja programu „{edition_id}”. Dostępne edycje: {known}.")
    raw = path.read_bytes()
    data = tomllib.loads(raw.decode("utf-8"))
    data["fingerprint"] = hashlib.sha256(raw).hexdigest()
    return Edition.model_validate(data)
