"""The templates this version of the tool ships, and the coordinator's copies in templates/.

The package keeps a pristine copy of every shipped template (``pipeline/shipped_templates/``);
templates/ holds the coordinator's copies, which only the coordinator changes. Nothing here
writes over a coordinator's template: a build that finds the shipped templates changed since
the last build (a new version of the tool) names the templates whose copy differs from the new
shipped one and leaves them as they are; ``restore`` puts the shipped version back on request,
keeping the coordinator's file in templates/poprzednie/. The shipped versions the last build saw
are kept in the build state (``BuildState.shipped``).
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import datetime
from pathlib import Path

from pipeline.errors import UsageError

SHIPPED_DIR = Path(__file__).with_name("shipped_templates")
KEPT_DIR = "poprzednie"  # in templates/: the coordinator's files that ``restore`` replaced


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def shipped_hashes(shipped_dir: Path = SHIPPED_DIR) -> dict[str, str]:
    """Template file name -> sha256 of the version this tool ships."""
    return {path.name: _sha256(path) for path in sorted(shipped_dir.glob("*.docx"))}


def differing(templates_dir: Path, shipped_dir: Path = SHIPPED_DIR) -> list[str]:
    """The shipped templates whose copy in ``templates_dir`` differs from the shipped version
    (edited by the coordinator, or still an earlier version)."""
    return [name for name, digest in shipped_hashes(shipped_dir).items()
            if (templates_dir / name).exists() and _sha256(templates_dir / name) != digest]


def update_notice(templates_dir: Path, seen: dict[str, str] | None, shipped_dir: Path = SHIPPED_DIR) -> list[str]:
    """What a build says when the shipped templates changed since the last build (``seen``):
    the changed ones whose copy in templates/ is not the new version stay as they are."""
    shipped = shipped_hashes(shipped_dir)
    if not seen:
        return []
    changed = [name for name, digest in shipped.items() if seen.get(name) not in (None, digest)]
    kept = [name for name in changed if name in differing(templates_dir, shipped_dir)]
    if not kept:
        return []
    return [f"Nowa wersja programu zawiera zmienione szablony: {', '.join(changed)}. Szablony "
            f"{', '.join(kept)} w katalogu {templates_dir} różnią się od nowych wersji (zmienione przez koordynatora "
            "albo starsze) i nie zostały nadpisane: dokumenty powstają z nich. Nową wersję szablonu wstawia polecenie "
            f"teczka templates restore {kept[0]} (obecny plik zostanie zachowany w katalogu "
            f"{templates_dir / KEPT_DIR})."]


def restore(templates_dir: Path, name: str, shipped_dir: Path = SHIPPED_DIR,
            now: datetime | None = None) -> tuple[bool, Path | None]:
    """Put the shipped version of one template into ``templates_dir``; the file it replaces is
    moved to templates/poprzednie/, never lost. Returns (whether anything changed, where the
    replaced file went)."""
    file_name = Path(name if name.endswith(".docx") else f"{name}.docx").name
    source = shipped_dir / file_name
    if not source.exists():
        known = ", ".join(sorted(shipped_hashes(shipped_dir)))
        raise UsageError(f"Program nie dostarcza szablonu {file_name} (dostarcza: {known}).")
    target = templates_dir / file_name
    kept = None
    if target.exists():
        if _sha256(target) == _sha256(source):
            return False, None
        stamp = (now or datetime.now()).strftime("%Y-%m-%d-%H%M%S")
        kept = templates_dir / KEPT_DIR / f"{target.stem}-{stamp}.docx"
        kept.parent.mkdir(parents=True, exist_ok=True)
        target.replace(kept)
    templates_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.czesc")
    shutil.copyfile(source, partial)
    partial.replace(target)
    return True, kept

