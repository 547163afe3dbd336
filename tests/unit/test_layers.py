"""Layer rules that import-linter cannot see at run time: the core never loads Qt."""

from __future__ import annotations

import subprocess
import sys

CORE_MODULES = [
    "reader_app",
    "reader_app.domain",
    "reader_app.errors",
    "reader_app.paths",
    "reader_app.settings",
    "reader_app.storage",
    "reader_app.opml",
    "reader_app.library",
    "reader_app.app",
    "reader_app.cli",
]


def test_importing_the_core_does_not_load_qt() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in CORE_MODULES)
        + "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6'))\n"
        + "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""


def test_the_cli_help_does_not_load_qt_or_sqlalchemy() -> None:
    """``reader-app --help`` stays fast: it imports neither the GUI nor the database layer."""
    code = (
        "import sys\n"
        "from reader_app.cli import build_parser\n"
        "build_parser()\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith('PySide6'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""
