"""``python -m reader_app`` and the ``reader-app`` script."""

from __future__ import annotations

import os
import sys

EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141


def main(argv: list[str] | None = None) -> int:
    from reader_app.cli import run

    code = run(sys.argv[1:] if argv is None else argv)
    if code == EXIT_BROKEN_PIPE and argv is None:
        # Output went to a pipe that closed: point stdout at /dev/null so the interpreter's
        # final flush does not fail again (the recipe in Python's signal documentation).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return code
    if code == EXIT_INTERRUPTED and argv is None:
        # Ctrl+C: everything written is committed. Downloads still in flight would keep the
        # interpreter waiting for their threads until they time out, so leave now.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
