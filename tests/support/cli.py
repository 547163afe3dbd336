"""Running the command line in-process for tests: ``run_in(data_dir, *args)`` calls
``reader_app.cli.run`` with ``--data-dir`` and captured output streams; the library and
settings of such a data folder, prepared beside it."""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from reader_app.app import load_context
from reader_app.cli import run
from reader_app.library import Library
from reader_app.settings import Settings


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


def set_retention(data_dir: Path, **values: object) -> None:
    """Write ``retention.<name>`` settings into the settings file the command line reads."""
    settings_file = load_context(data_dir).paths.settings_file
    settings = Settings.load(settings_file).settings
    for key, value in values.items():
        settings.set(f"retention.{key}", value)
    settings.save(settings_file)


def library_in(data_dir: Path) -> Library:
    """The library the command line uses with ``--data-dir DATA_DIR``, opened here."""
    paths = load_context(data_dir).paths
    return Library.open(paths.database, backup_dir=paths.backup_dir)
