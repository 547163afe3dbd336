"""``reader-app`` as a user starts it: a real process that opens the window, and closes
cleanly on SIGTERM (what a desktop session sends at logout)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reader_app.library import Library
from reader_app.paths import resolve_paths


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_reader_app_opens_the_window_and_closes_on_sigterm(tmp_path: Path) -> None:
    home = tmp_path / "home"
    paths = resolve_paths(home)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path))
    env.pop("READER_APP_HOME", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "reader_app", "--data-dir", str(home)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        shown = _wait_for(
            lambda: paths.log_file.exists() and "window shown" in paths.log_file.read_text(),
            timeout=60,
        )
        if not shown and process.poll() is not None:
            assert process.stderr is not None
            pytest.fail(f"reader-app ended early: {process.stderr.read().decode()}")
        assert shown
        assert process.poll() is None
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.close()
        process.stderr.close()
    assert code == 0
    log = paths.log_file.read_text()
    assert "window closed" in log
    assert "Traceback" not in log
    # Closing saved the window's state, and the library it created opens.
    assert (paths.config_dir / "window.ini").exists()
    with Library.open(paths.database) as library:
        assert library.feeds() == []
