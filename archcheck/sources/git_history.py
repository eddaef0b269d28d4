"""Deploy frequency from git history: commits touching each service's build context.

The review's "deployment frequency" criterion. Each commit that changes a file under a
service's build context counts as one deploy of that service. One ``git log`` call covers every
service (never one per service); outside a git work tree, or without git, there is simply no
measurement, and the engine reports that row as missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from archcheck.model import Measurement
from archcheck.structs import dataclass

if TYPE_CHECKING:  # NOTE: subprocess and datetime load only when git history is read
    import subprocess
    from datetime import datetime

DEFAULT_SINCE_DAYS = 90
_TIMEOUT_S = 60


@dataclass(frozen=True)
class DeployHistory:
    """Measurements (``deploys_per_week``, source ``git``) and notes on why some are missing."""

    measurements: tuple[Measurement, ...] = ()
    notes: tuple[str, ...] = ()


def _git(git: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    import subprocess

    return subprocess.run(
        [git, "-C", str(cwd), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=_TIMEOUT_S,
        encoding="utf-8",
        errors="replace",
    )


def deploy_frequency(
    contexts: Mapping[str, Path],
    *,
    since_days: int = DEFAULT_SINCE_DAYS,
    now: datetime | None = None,
) -> DeployHistory:
    """Commits per week touching each service's build context over the last ``since_days``.

    ``contexts`` maps service -> build context folder. Services whose context lies outside the
    repository get no measurement (with a note).
    """
    if not contexts:
        return DeployHistory()
    import shutil

    git = shutil.which("git")
    if git is None:
        return DeployHistory(notes=("git is not installed: no deploy frequency",))
    anchor = next(iter(contexts.values()))
    anchor = anchor if anchor.is_dir() else anchor.parent
    probe = _git(git, anchor, "rev-parse", "--show-toplevel", "--is-shallow-repository")
    if probe.returncode != 0:
        return DeployHistory(notes=(f"{anchor} is not in a git repository: no deploy frequency",))
    top_text, _, shallow = probe.stdout.strip().partition("\n")
    top = Path(top_text).resolve()
    notes: list[str] = []
    if shallow.strip() == "true":
        notes.append(
            "the git repository is a shallow clone: deploy frequency counts only the fetched"
            " commits (fetch with --shallow-since or full history)"
        )
    specs: dict[str, str] = {}
    for service, context in contexts.items():
        try:
            relative = context.resolve().relative_to(top).as_posix()
        except ValueError:
            notes.append(f"{service}: build context {context} is outside the git repository {top}")
            continue
        specs[service] = "" if relative == "." else relative
    if not specs:
        return DeployHistory(notes=tuple(notes))
    from datetime import UTC, datetime, timedelta

    end = now or datetime.now(UTC)
    start = end - timedelta(days=since_days)
    pathspecs = sorted({f":(top){p}" if p else ":(top)" for p in specs.values()})
    log = _git(
        git, top, "-c", "core.quotepath=off", "log", "--no-renames", "--format=%x00%H",
        "--name-only", f"--since={start.isoformat()}", f"--until={end.isoformat()}",
        "--", *pathspecs,
    )  # fmt: skip
    if log.returncode != 0:
        if "does not have any commits" in log.stderr:
            return DeployHistory(notes=(*notes, f"{top} has no commits yet: no deploy frequency"))
        return DeployHistory(
            notes=(*notes, f"git log failed in {top}: {log.stderr.strip()}; no deploy frequency")
        )
    by_prefix: dict[str, list[str]] = {}
    for service, prefix in specs.items():
        by_prefix.setdefault(prefix, []).append(service)
    counts = dict.fromkeys(specs, 0)
    for commit in log.stdout.split("\x00")[1:]:
        touched: set[str] = set()
        for line in commit.splitlines()[1:]:
            parts = line.split("/") if line else []
            for depth in range(len(parts) + 1):  # the file and each folder above it
                touched.update(by_prefix.get("/".join(parts[:depth]), ()))
        for service in touched:
            counts[service] += 1
    weeks = since_days / 7
    measurements = tuple(
        Measurement(
            service=service,
            metric="deploys_per_week",
            value=round(count / weeks, 3),
            unit="1/week",
            source="git",
            window=f"{since_days}d",
        )
        for service, count in counts.items()
    )
    return DeployHistory(measurements=measurements, notes=tuple(notes))
