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
