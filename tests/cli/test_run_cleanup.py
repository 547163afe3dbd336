"""``cli.run`` can be called many times in one process (the window will reuse it)."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from reader_app.cli import run


def test_run_leaves_no_log_handler_behind(tmp_path: Path) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    for _ in range(3):
        assert run(["--data-dir", str(tmp_path), "feeds"], stdout=io.StringIO()) == 0
    assert root.handlers == before
    assert (tmp_path / "logs" / "reader-app.log").exists()


def test_output_to_a_closed_pipe_is_not_an_error(tmp_path: Path) -> None:
    """`reader-app feeds --json | head -1`: no "internal error", no traceback."""
    import subprocess
    import sys

    data = tmp_path / "data"
    for i in range(300):  # enough output to outgrow the pipe's buffer
        assert (
            run(
                ["--data-dir", str(data), "add", "--no-check", f"https://h{i}.example/f"],
                stdout=io.StringIO(),
            )
            == 0
        )
    command = [sys.executable, "-m", "reader_app", "--data-dir", str(data), "feeds", "--json"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None
        process.stdout.readline()
        process.stdout.close()  # the reader goes away, like `head` after its first line
        assert process.stderr is not None
        err = process.stderr.read().decode()
        code = process.wait(timeout=60)
    assert err == ""
    assert code in (0, 141)
