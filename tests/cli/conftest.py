"""Command-line tests never reach the user's own files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No real home and no READER_APP_HOME: nothing a test does reaches the user's files."""
    monkeypatch.delenv("READER_APP_HOME", raising=False)
    for key in list(os.environ):
        if key.startswith("XDG_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
