"""Guard against the PySide6 6.12.0 / CPython 3.11 reference leak on None.

That combination drops a reference to ``None`` on every Qt call that returns nothing and
aborts the interpreter after a few thousand calls ("Fatal Python error: none_dealloc").
pyproject.toml pins around it; this test fails if a build with the bug is installed anyway.
The calls run in a child process so a build with the bug fails this test instead of
aborting the whole test run (checked against 6.12.0 on 3.11: the child aborts with SIGABRT).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytest.importorskip("PySide6.QtWidgets")

_CHILD = """
import sys
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel()
for _ in range(200):  # warm up: first calls may create cached objects
    label.setText("warm")
before = sys.getrefcount(None)
for i in range(20_000):
    label.setText("x" if i % 2 else "y")  # void setters
    label.setEnabled(bool(i % 2))
print(before, sys.getrefcount(None))
"""


def test_void_qt_calls_keep_references_to_none() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", _CHILD],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, (
        f"40,000 void Qt calls killed the interpreter (exit {result.returncode}): this PySide6 "
        f"build has the none_dealloc bug; see pyproject.toml. {result.stderr[-300:]}"
    )
    before, after = (int(n) for n in result.stdout.split())
    # The bug removes one reference per call (40,000); allow small noise.
    assert after >= before - 100, f"None lost {before - after} references in 40,000 void calls"
