"""Running the command line in-process for tests: ``run_in(data_dir, *args)`` calls
``reader_app.cli.run`` with ``--data-dir`` and captured output streams."""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from reader_app.cli import run


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


Cli = Callable[..., Result]


def run_in(data_dir: Path, *args: str) -> Result:
    """``reader-app --data-dir DATA_DIR ARGS...``: its exit code and what it printed (also
    what argparse prints to the process's own streams, such as ``--help``)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = run(["--data-dir", str(data_dir), *args], stdout=out, stderr=err)
    return Result(code, out.getvalue(), err.getvalue())
