"""Apply a plan: every file through a temporary file and a rename, all or nothing.

All temporary files are written first; only when every one of them succeeded are they renamed
into place (a rename within one folder is atomic), so a full disk or a read-only folder leaves
the tree as it was. A file that changed since the plan read it (a concurrent run that took no
lock) is not overwritten: nothing is written.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from archcheck.errors import ScaffoldError
from archcheck.files.atomic import stage
from archcheck.files.read import read_text
from archcheck.scaffold.plan import MANIFEST, Planned, digest, read_manifest, render_manifest


def apply(plan: list[Planned]) -> None:
    """Write every ``create``/``overwrite`` of ``plan`` plus the updated manifests."""
    writes: list[tuple[Path, str]] = [
        (p.path, p.new) for p in plan if p.verdict in ("create", "overwrite") and p.new is not None
    ]
    roots: dict[Path, dict[str, str]] = {}
    for p in plan:
        if p.tracked and p.new is not None and p.verdict != "conflict":
            roots.setdefault(p.root, read_manifest(p.root))[p.rel] = digest(p.new)
    for root, files in roots.items():
        manifest = render_manifest(files)
        path = root / MANIFEST
        if not path.exists() or read_text(path, "scaffold manifest") != manifest:
            writes.append((path, manifest))
    if not writes:
        return
    staged: list[tuple[Path, Path]] = []
    made_dirs: list[Path] = []
    try:
        for target, text in writes:
            missing = [d for d in [target.parent, *target.parent.parents] if not d.exists()]
            for d in reversed(missing):
                d.mkdir()
                made_dirs.append(d)
            staged.append((stage(target, text), target))
    except OSError as exc:
        for staged_tmp, _ in staged:
            with contextlib.suppress(OSError):
                staged_tmp.unlink()
        for d in reversed(made_dirs):
            with contextlib.suppress(OSError):
                d.rmdir()
        where = exc.filename or "the target folder"
        raise ScaffoldError(
            f"cannot write {where}: {exc.strerror}; nothing was written. Make the folder"
            " writable (or free space) and run the scaffold again"
        ) from exc
    changed = [p.path for p in plan if p.verdict in ("create", "overwrite") and _now(p.path) != p.old]
    if changed:
        for staged_tmp, _ in staged:
            with contextlib.suppress(OSError):
                staged_tmp.unlink()
        raise ScaffoldError(
            f"{changed[0]} changed while the scaffold ran (another scaffold, or an editor):"
            " nothing was written; run the scaffold again"
        )
    for tmp, target in staged:
        tmp.replace(target)


def _now(path: Path) -> str | None:
    """What ``path`` holds now (None: nothing), to compare with what the plan read."""
    if not path.exists():
        return None
    return read_text(path, f"file {path}", error=ScaffoldError)
