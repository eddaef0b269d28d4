"""The outermost frame of every run: it starts the run's record of inputs read
(``archcheck.files.read``) and turns errors into ``error: ...`` lines and exit codes.

An ``ArchcheckError`` is the user's to fix (exit 2, its message). Anything else is a bug in
archcheck; it also exits 2 ("could not run"), never 1 (which CI reads as "findings"), and its
message names only the exception's type and where it was raised: never its text or a
traceback, which may hold input values (a token, a password from a compose file).
``ARCHCHECK_DEBUG=1`` re-raises it for a full traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from archcheck.errors import ArchcheckError, ExitCode


@contextmanager
def guarded(report: Callable[[str], None] | None = None) -> Iterator[None]:
    """Run the body; turn every error into a message on stderr and ``SystemExit(2)``."""
    from archcheck.files.read import forget_reads

    say = report or (lambda line: sys.stderr.write(line + "\n"))
    forget_reads()  # a new run: outputs are checked against this run's inputs only
    try:
        yield
    except ArchcheckError as exc:
        from archcheck.files.redact import redact_text

        say(f"error: {redact_text(str(exc))}")
        sys.exit(ExitCode.USAGE)
    except (SystemExit, KeyboardInterrupt):
        raise
    except RecursionError as exc:
        if os.environ.get("ARCHCHECK_DEBUG") == "1":
            raise
        say(f"error: the input nests too deeply for archcheck (at {_origin(exc)}): flatten it,"
            " or report it with the command you ran if nothing in it nests deeply")  # fmt: skip
        sys.exit(ExitCode.USAGE)
    except MemoryError:
        say("error: out of memory reading the input; check the files' sizes")
        sys.exit(ExitCode.USAGE)
    except Exception as exc:  # the one place that catches everything
        if os.environ.get("ARCHCHECK_DEBUG") == "1":
            raise
        say(f"error: internal error ({type(exc).__name__} at {_origin(exc)}): archcheck could "
            "not run; please report it with the command you ran (set ARCHCHECK_DEBUG=1 for a "
            "traceback, which may show input values)")  # fmt: skip
        sys.exit(ExitCode.USAGE)


def _origin(exc: BaseException) -> str:
    """``module.py:LINE`` of the innermost frame inside archcheck (else the innermost)."""
    package = str(Path(__file__).resolve().parents[1]) + os.sep  # archcheck/, wherever it is
    tb = exc.__traceback__
    where = "unknown"
    while tb is not None:
        code = tb.tb_frame.f_code
        name = Path(code.co_filename).name
        if code.co_filename.startswith(package) or where == "unknown":
            where = f"{name}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where
