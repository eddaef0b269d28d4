"""``archcheck fix``: apply the safe fixes to the compose files, checked before anything is written.

1. analyse the project as ``analyze`` does and take the findings that have a fix
   (``archcheck.fix.edits``; suppressed findings are left alone);
2. edit each compose file in a ruamel.yaml round trip (comments, key order, quoting and anchors
   kept; the file's own indentation);
3. load the edited text back through archcheck's compose loader and analyse it again: every
   fixed finding must be gone and nothing new may appear, or nothing is written;
4. print a unified diff (``--dry-run``) or write each file atomically.

Running it again changes nothing: a fixed finding is no longer reported.
"""

from __future__ import annotations

import difflib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from archcheck.errors import ArchcheckError, ExitCode, UsageError
from archcheck.files.read import read_text
from archcheck.fix.edits import FIXES, Edit, Skip
from archcheck.model import Finding, System
from archcheck.pipeline import AnalyzeOptions, run_analysis
from archcheck.structs import dataclass, field, replace


@dataclass(frozen=True)
class FixOptions:
    """What ``archcheck fix`` was asked."""

    analyze: AnalyzeOptions
    rules: tuple[str, ...] = ()
    """Only these rule ids; empty: every rule with a fix."""
    dry_run: bool = False


@dataclass
class _Document:
    """One compose file in a round trip."""

    path: Path
    original: str
    yaml: Any
    data: Any
    edits: list[Edit] = field(default_factory=list)

    def text(self) -> str:
        out = io.StringIO()
        self.yaml.dump(self.data, out)
        return out.getvalue()


def run_fix(options: FixOptions, *, out: Callable[[str], None], err: Callable[[str], None]) -> int:
    """Fix what can be fixed; return the exit code (0 fixed or nothing to fix, 2 error)."""
    from archcheck.model import fingerprint

    unknown = sorted(set(options.rules) - set(FIXES))
    if unknown:
        raise UsageError(
            f"--rule {', '.join(unknown)}: no fix for it; rules with a fix: {', '.join(FIXES)}"
        )
    system, _, report = run_analysis(options.analyze)
    wanted = set(options.rules or FIXES)
    candidates = [
        f for f in report.findings
        if f.rule_id in wanted and f.suppression is None and f.service is not None
    ]  # fmt: skip
    documents: dict[Path, _Document] = {}
    fixed: list[Finding] = []
    for finding in candidates:
        try:
            document, node = _service_node(finding, system, documents)
            edit = FIXES[finding.rule_id](node, str(finding.service), dict(finding.evidence))
        except Skip as skip:
            err(f"not fixed: {finding.rule_id} {finding.service}: {skip}")
            continue
        if edit is not None:
            document.edits.append(edit)
            fixed.append(finding)
    changed = {d.path: d.text() for d in documents.values() if d.edits}
    changed = {path: text for path, text in changed.items() if text != documents[path].original}
    if not changed:
        err("nothing to fix" + (" (see above)" if candidates else ""))
        return ExitCode.OK
    _check(options.analyze, changed, {fingerprint(f) for f in fixed},
           {fingerprint(f) for f in report.findings})  # fmt: skip
    for path in changed:
        for edit in documents[path].edits:
            err(f"{'would fix' if options.dry_run else 'fixed'}: {_shown(path)}: {edit.summary}")
    if options.dry_run:
        out("".join(_diff(path, documents[path].original, text) for path, text in changed.items()))
        return ExitCode.OK
    from archcheck.files.atomic import write_text_atomic

    for path, text in changed.items():
        write_text_atomic(path, text, what="the fixed compose file", replaces_input=True)
    err(f"wrote {len(changed)} file(s); run `archcheck analyze` to see what is left")
    return ExitCode.OK


def _service_node(
    finding: Finding, system: System, documents: dict[Path, _Document]
) -> tuple[_Document, Any]:
    """The finding's service mapping in the compose file it points at (or defines it)."""
    service = next((s for s in system.services if s.name == finding.service), None)
    candidates = [
        Path(location.file)
        for location in (finding.location, service.location if service else None)
        if location is not None
    ]
    for path in dict.fromkeys(candidates):
        if str(path) not in _compose_files(system):
            continue
        document = documents.get(path) or _load(path)
        documents[path] = document
        services = document.data.get("services") if isinstance(document.data, dict) else None
        node = services.get(finding.service) if isinstance(services, dict) else None
        if hasattr(node, "non_merged_items"):
            return document, node
    raise Skip("its service is not written in a compose file archcheck can edit; fix it by hand")


def _compose_files(system: System) -> set[str]:
    files = set(system.compose_files)
    for service in system.services:
        files.update(location.file for location in service.key_locations.values())
    return files


def _load(path: Path) -> _Document:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    original = read_text(path, "compose file")
    best: _Document | None = None
    best_changes = -1
    try:
        for mapping, offset in _LAYOUTS:  # NOTE: the one that rewrites the fewest lines
            yaml = YAML(typ="rt")
            yaml.preserve_quotes = True
            yaml.width = 4096  # never re-wrap the user's long lines
            yaml.indent(mapping=mapping, sequence=offset + 2, offset=offset)
            yaml.explicit_start = original.lstrip().startswith("---")
            document = _Document(path, original, yaml, yaml.load(original))
            changes = _changed_lines(original, document.text())
            if best is None or changes < best_changes:
                best, best_changes = document, changes
            if not changes:
                break
    except YAMLError as exc:
        raise Skip(f"ruamel.yaml cannot round-trip {path.name} ({exc})") from exc
    assert best is not None
    return best


_LAYOUTS = ((2, 2), (2, 0), (4, 2), (4, 0), (4, 4), (3, 2))
"""(mapping indent, dash offset) pairs that compose files are written in, most common first."""


def _changed_lines(before: str, after: str) -> int:
    matcher = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(), False)
    return sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal")


def _check(
    options: AnalyzeOptions, changed: dict[Path, str], fixed: set[str], before: set[str]
) -> None:
    """Load and analyse the edited files; raise unless they fix what they should, and only it."""
    from archcheck.model import fingerprint

    compose = replace(options.compose, contents={**(options.compose.contents or {}), **changed})
    try:
        _, _, after = run_analysis(replace(options, compose=compose))
    except ArchcheckError as exc:
        raise UsageError(
            f"the fixed compose files do not load ({exc}); nothing was written. This is a bug "
            "in archcheck fix: please report it with the compose file"
        ) from exc
    now = {fingerprint(f) for f in after.findings}
    left, new = fixed & now, now - before
    if left or new:
        raise UsageError(
            f"the fixes did not work as planned ({len(left)} finding(s) still there, {len(new)} "
            "new); nothing was written. A later compose file (-f) or an override may set the "
            "same keys: fix them there by hand"
        )


def _diff(path: Path, before: str, after: str) -> str:
    name = _shown(path)
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True),
        fromfile=f"a/{name}", tofile=f"b/{name}",
    )  # fmt: skip
    return "".join(lines)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
