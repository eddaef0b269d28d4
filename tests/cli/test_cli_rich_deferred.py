"""``archcheck.cli.rich_deferred``: ``--help`` without markdown-it and pygments, the same
help as with them, and stand-ins that behave as the real rich classes once used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support import modules_after


def _python(code: str, cwd: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, check=True
    )
    return result.stdout


def _help(cwd: Path, *, preload: bool) -> str:
    """``archcheck ARGS --help`` at a fixed width, with rich's two modules loaded first or not
    (loaded first, the stand-ins are not installed: the help typer gives without them)."""
    first = "import rich.markdown, rich.traceback\n" if preload else ""
    return _python(
        "import os\nos.environ['COLUMNS'] = '100'\nos.environ.pop('FORCE_COLOR', None)\n"
        f"{first}from archcheck.cli.launch import main\n"
        "for argv in (['--help'], ['analyze', '--help'], ['rules', '--help']):\n"
        "    try:\n        main(argv)\n    except SystemExit:\n        pass\n",
        cwd,
    )


def test_help_loads_neither_markdown_it_nor_pygments(tmp_path: Path) -> None:
    modules = modules_after(["--help"], tmp_path)
    assert "typer.rich_utils" in modules  # the probe rendered typer's rich help
    assert not {m for m in modules if m.split(".")[0] in ("markdown_it", "pygments")}
    assert not {"rich.syntax", "rich.pretty"} & modules


def test_the_help_is_the_help_typer_gives_with_the_real_modules(tmp_path: Path) -> None:
    deferred = _help(tmp_path, preload=False)
    assert "Usage: archcheck" in deferred and "--fail-on" in deferred
    assert deferred == _help(tmp_path, preload=True)


def test_stand_ins_become_the_real_classes_on_first_use(tmp_path: Path) -> None:
    out = _python(
        "import sys\n"
        "from archcheck.cli import rich_deferred\n"
        "rich_deferred.install()\n"
        "import rich, rich.markdown\n"
        "from rich.markdown import Markdown\n"
        "from rich.traceback import Traceback\n"
        "print('loaded before use:', 'markdown_it' in sys.modules)\n"
        "from rich.console import Console\n"
        "console = Console(width=40, record=True, color_system=None)\n"
        "md = Markdown('# Title\\n\\n* one\\n* two')\n"
        "console.print(md)\n"
        "real = sys.modules['rich.markdown']\n"
        "print('real module:', type(real).__name__, real is rich.markdown)\n"
        "print('instance:', isinstance(md, Markdown), type(md) is real.Markdown)\n"
        "print('union:', Markdown | None)\n"
        "try:\n    1 / 0\nexcept ZeroDivisionError as exc:\n"
        "    tb = Traceback.from_exception(type(exc), exc, exc.__traceback__)\n"
        "print('traceback:', isinstance(tb, Traceback), Traceback.__name__)\n"
        "print('heading:', rich.markdown.Heading.__name__)\n"
        "print(console.export_text())\n",
        tmp_path,
    )
    assert "loaded before use: False" in out
    assert "real module: module True" in out
    assert "instance: True True" in out
    assert "union: " in out and "| None" in out
    assert "traceback: True Traceback" in out
    assert "heading: Heading" in out
    assert "Title" in out and "• one" in out  # rendered by the real Markdown
