"""Writing a file so that a crash or a full disk never leaves half of it.

The new content goes to a temporary file beside the target, is flushed to disk and renamed
over the target: readers see the old file or the new one, never a mix. Used for settings,
OPML exports and cached images.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import suppress
from pathlib import Path


def write_atomically(path: Path, data: bytes, *, make_folder: bool = False) -> None:
    """Replace ``path`` with ``data`` in one step; on failure the old file is untouched.

    Raises ``OSError`` naming ``path`` when the folder is missing (and not made) or not
    writable, or the disk is full; no temporary file is left behind.
    """
    # Through a symlink (dotfile managers), replace the file it points to, not the link.
    target = Path(os.path.realpath(path))
    temp_name: str | None = None
    try:
        if make_folder:
            target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp", delete=False
        ) as handle:
            temp_name = handle.name
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
        temp_name = None
    except OSError as exc:
        if exc.filename is None or exc.filename == temp_name:
            exc.filename = str(path)  # name the file the caller chose, not our temporary one
        raise
    finally:
        if temp_name is not None:
            with suppress(OSError):
                os.unlink(temp_name)
    _fsync_directory(target.parent)


def _fsync_directory(folder: Path) -> None:
    # Makes the rename itself durable on POSIX. Best effort: Windows cannot open a directory,
    # and some file systems refuse fsync on one; the file content is already safe either way.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
