"""``--diff-base REF``: the inputs as of a git revision, so the gate sees only what changed.

The whole tree at REF is exported with ``git archive`` into a temporary folder (compose files
may ``include`` or ``extends`` files anywhere in the repository), and every input path under
the repository is mapped into it. Nothing in the working tree or in ``.git`` is touched.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from archcheck import structs
from archcheck.errors import UsageError

if TYPE_CHECKING:
    from archcheck.model import Report
    from archcheck.pipeline import AnalyzeOptions

_T = TypeVar("_T")


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    git = shutil.which("git")
    if git is None:
        raise UsageError("--diff-base needs git, and git is not on PATH: install git")
    return subprocess.run(
        [git, "-C", str(root), *args], capture_output=True, text=True, check=False
    )


def repo_root(folder: Path) -> Path:
    """The top of the git work tree that holds ``folder``."""
    result = _git(folder, "rev-parse", "--show-toplevel")
    if result.returncode != 0:
        raise UsageError(
            f"--diff-base needs a git repository, and {folder} is not inside one: "
            "run archcheck from your checkout, or use --baseline FILE instead"
        )
    return Path(result.stdout.strip()).resolve()


def fetch_hint(ref: str) -> str:
    """The command that brings ``ref`` into a (shallow) clone."""
    if any(c in ref for c in "~^@:"):
        return "git fetch --unshallow"  # a revision relative to another needs the history
    if ref.startswith("origin/"):
        branch = ref.removeprefix("origin/")
        refspec = shlex.quote(f"{branch}:refs/remotes/origin/{branch}")
        return f"git fetch --no-tags --depth=1 origin {refspec}"
    return f"git fetch --no-tags --depth=1 origin {shlex.quote(ref)}"


def resolve(root: Path, ref: str) -> str:
    """The commit ``ref`` names; a clear error (with the fetch command) when it is missing."""
    if not ref or ref.startswith("-"):
        raise UsageError(f"--diff-base {ref!r} is not a git revision: give a branch, tag or commit")
    result = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if result.returncode == 0:
        return result.stdout.strip()
    shallow = _git(root, "rev-parse", "--is-shallow-repository").stdout.strip() == "true"
    if shallow:
        hint = fetch_hint(ref)
        also = "" if "--unshallow" in hint else " (or `git fetch --unshallow`)"
        raise UsageError(
            f"--diff-base {ref}: the revision is not in this shallow clone; fetch it with "
            f"`{hint}`{also}, or check out with full history "
            "(GitHub Actions: actions/checkout with fetch-depth: 0)"
        )
    raise UsageError(
        f"--diff-base {ref}: no such revision in {root}; check the name, or fetch it with "
        f"`{fetch_hint(ref)}`"
    )


@contextmanager
def tree_at(root: Path, commit: str) -> Iterator[Path]:
    """A temporary copy of the repository's tree at ``commit``; removed on exit.

    The copy's top folder has the repository's name, so compose's default project name (the
    folder's name) is the same as in the working tree.
    """
    with tempfile.TemporaryDirectory(prefix="archcheck-base-") as tmp:
        tree = Path(tmp) / root.name
        tree.mkdir()
        git = shutil.which("git") or "git"
        with subprocess.Popen(
            [git, "-C", str(root), "archive", "--format=tar", commit],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        ) as proc:
            assert proc.stdout is not None
            with tarfile.open(fileobj=proc.stdout, mode="r|") as archive:
                archive.extractall(tree, filter=_inside_tree)
            stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        if proc.returncode != 0:
            raise UsageError(f"git archive {commit} failed: {stderr.strip()}")
        yield tree


def _inside_tree(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo | None:
    """tarfile's ``data`` filter, but a member it refuses (an absolute or escaping symlink,
    which a repository may well hold) is skipped instead of failing the whole copy."""
    try:
        return tarfile.data_filter(member, path)
    except tarfile.FilterError:
        return None


def remap_paths(options: _T, root: Path, tree: Path, *, keep: frozenset[str] = frozenset()) -> _T:
    """A copy of the dataclass ``options`` whose paths under ``root`` point into ``tree``.

    Relative paths are taken from the process's working directory, or from a nested
    dataclass's own ``cwd`` field (as ``ComposeOptions`` does). A path that does not exist in
    ``tree`` (an untracked snapshot taken in CI, a token file) keeps its working-tree value;
    fields named in ``keep`` are left as they are.
    """
    return _remap_dataclass(options, root, tree, Path.cwd(), keep)


def _remap_dataclass(obj: _T, root: Path, tree: Path, cwd: Path, keep: frozenset[str]) -> _T:
    assert structs.is_dataclass(obj) and not isinstance(obj, type)
    names = {f.name for f in structs.fields(obj)}
    base = cwd
    changes: dict[str, Any] = {}
    if "cwd" in names:
        own = getattr(obj, "cwd", None)
        base = own if isinstance(own, Path) else cwd
        base = base if base.is_absolute() else cwd / base
        changes["cwd"] = _move(base, root, tree)
    for name in names - {"cwd"} - keep:
        value = getattr(obj, name)
        moved = _remap_value(value, root, tree, base, keep)
        if moved is not value:
            changes[name] = moved
    return structs.replace(obj, **changes)


def _move(path: Path, root: Path, tree: Path) -> Path:
    resolved = path.resolve()
    try:
        moved = tree / resolved.relative_to(root)
    except ValueError:
        return path
    return moved if moved.exists() else path


def _remap_value(value: Any, root: Path, tree: Path, base: Path, keep: frozenset[str]) -> Any:
    if isinstance(value, Path):
        return _move(value if value.is_absolute() else base / value, root, tree)
    if isinstance(value, tuple) and any(isinstance(v, Path) for v in value):
        return tuple(_remap_value(v, root, tree, base, keep) for v in value)
    if isinstance(value, Mapping) and any(isinstance(v, Path) for v in value.values()):
        return {k: _remap_value(v, root, tree, base, keep) for k, v in value.items()}
    if structs.is_dataclass(value) and not isinstance(value, type):
        return _remap_dataclass(value, root, tree, base, keep)
    return value


def _in_tree(file: str, root: Path, tree: Path) -> Path | None:
    """Where the working-tree file ``file`` is in ``tree``; None if it is not there."""
    try:
        moved = tree / Path(file).resolve().relative_to(root)
    except ValueError:
        return None
    return moved if moved.is_file() else None


def _keep_local_env(compose_files: Sequence[str], root: Path, tree: Path) -> None:
    """Copy an unversioned ``.env`` beside the compose files into ``tree``.

    ``.env`` is local configuration that is usually not in git; without it, interpolation at
    the revision would differ from the working tree's for reasons the change did not cause.
    """
    for file in compose_files:
        local = Path(file).resolve().parent / ".env"
        try:
            target = tree / local.relative_to(root)
        except ValueError:
            continue
        if local.is_file() and not target.exists() and target.parent.is_dir():
            shutil.copyfile(local, target)


def _share_history(root: Path, tree: Path) -> None:
    """Let git commands inside ``tree`` read the repository's history (deploy frequency).

    A ``.git`` file pointing at the repository's git folder makes ``tree`` a view of the same
    repository: both sides then count the same commits, as they should, since deploy frequency
    describes the team's history, not the change under review. Only read commands run there.
    """
    git_dir = _git(root, "rev-parse", "--absolute-git-dir")
    if git_dir.returncode == 0 and not (tree / ".git").exists():
        (tree / ".git").write_text(f"gitdir: {git_dir.stdout.strip()}\n", encoding="utf-8")


def report_at(
    ref: str, options: AnalyzeOptions, compose_files: Sequence[str], config: Path | None
) -> tuple[Report, str | None]:
    """The report of the system as of ``ref``, judged by the same rules and ``config`` as now.

    ``compose_files`` are the files the working-tree analysis loaded; those that did not exist
    at ``ref`` are left out. When none did, or the revision cannot be analysed, the report is
    empty and the second value says why: everything now counts as new, so the gate errs on
    the side of failing.
    """
    from archcheck.errors import ArchcheckError
    from archcheck.model import Report
    from archcheck.pipeline import run_analysis

    empty = Report(tool_version="", project="")
    cwd = options.compose.cwd or Path.cwd()
    root = repo_root(cwd if cwd.is_dir() else Path.cwd())
    commit = resolve(root, ref)
    with tree_at(root, commit) as tree:
        head = structs.replace(options, config=config.resolve() if config else None)
        base = remap_paths(head, root, tree, keep=frozenset({"config"}))
        files = tuple(p for p in (_in_tree(f, root, tree) for f in compose_files) if p)
        _keep_local_env(compose_files, root, tree)
        _share_history(root, tree)
        if not files:
            return empty, f"the compose files did not exist at {ref}: everything counts as new"
        base = structs.replace(base, compose=structs.replace(base.compose, files=files))
        try:
            report = run_analysis(base).report
        except ArchcheckError as exc:
            return empty, f"could not analyse {ref} ({exc}): everything counts as new"
    # NOTE: paths inside messages name the temporary copy; point them back at the checkout.
    text = json.dumps(report.model_dump(mode="json")).replace(str(tree), str(root))
    return Report.model_validate_json(text), None
