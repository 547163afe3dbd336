"""``python -m reader_app`` and the ``reader-app`` script."""

from __future__ import annotations

import multiprocessing
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reader_app.app import AppContext

EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141


def _open_window(context: AppContext) -> int:
    """``reader-app`` without a subcommand: the reading window (Qt loads only here)."""
    from reader_app.storage.backup import start_integrity_check

    # The library's integrity check reads the whole file without the interpreter's lock:
    # started first, it runs while Qt and the window's modules load.
    checked = start_integrity_check(context.paths.database)
    from reader_app.app import settle_heap, sync_options
    from reader_app.ui.application import run_window

    return run_window(
        context.paths,
        context.settings,
        warnings=context.warnings,
        sync_options=lambda: sync_options(context.settings),
        on_ready=settle_heap,
        checked=checked,
    )


def main(argv: list[str] | None = None) -> int:
    # A frozen build starts the parser worker processes through this entry point too; this
    # turns such a start into the worker it should be (a no-op everywhere else).
    multiprocessing.freeze_support()
    from reader_app.cli import run

    window_opened = False

    def window(context: AppContext) -> int:
        nonlocal window_opened
        window_opened = True
        return _open_window(context)

    code = run(sys.argv[1:] if argv is None else argv, window=window)
    if code == EXIT_BROKEN_PIPE and argv is None:
        # Output went to a pipe that closed: point stdout at /dev/null so the interpreter's
        # final flush does not fail again (the recipe in Python's signal documentation).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return code
    if window_opened and argv is None:
        # The window has closed and the library with it (every write committed). A download
        # still in flight would keep the interpreter waiting for its thread until the
        # request timeout, so leave now rather than linger without a window.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    if code == EXIT_INTERRUPTED and argv is None:
        # Ctrl+C: everything written is committed. Downloads still in flight would keep the
        # interpreter waiting for their threads until they time out, so leave now.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
