"""Export subscriptions to an OPML file chosen by the user.

The file is written atomically (a temporary file beside it, flushed, then renamed over it), so
a full disk or a crash never leaves half a subscription list where a good one was.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtWidgets import QFileDialog, QWidget

from reader_app.files import write_atomically
from reader_app.library import Library
from reader_app.ui.dialogs.errors import EXPECTED_ERRORS, describe_error, sentence, show_error
from reader_app.ui.tasks import Tasks

log = logging.getLogger(__name__)

EXPORT_FILTERS = "OPML files (*.opml);;XML files (*.xml);;All files (*)"
DEFAULT_NAME = "subscriptions.opml"


def choose_export_file(parent: QWidget | None, start: Path | None = None) -> Path | None:
    name, chosen_filter = QFileDialog.getSaveFileName(
        parent,
        "Export Subscriptions",
        str(start or Path.home() / DEFAULT_NAME),
        EXPORT_FILTERS,
    )
    if not name:
        return None
    path = Path(name)
    if not path.suffix and chosen_filter.startswith("OPML"):
        path = path.with_suffix(".opml")
    return path


def export_opml(
    parent: QWidget | None,
    library: Library,
    tasks: Tasks,
    path: Path | None = None,
    *,
    on_done: Callable[[Path], None] | None = None,
) -> Path | None:
    """Ask where to save (unless ``path`` is given), then write the OPML in the background.

    Returns the path being written, or None if the user chose none. ``on_done(path)`` runs on
    the GUI thread once the file is complete; a failure is shown in a message naming the file.
    """
    if path is None:
        path = choose_export_file(parent)
        if path is None:
            return None
    target = path

    def work() -> Path:
        write_atomically(target, library.export_opml())
        return target

    def done(written: Path) -> None:
        log.info("exported subscriptions to %s", written)
        if on_done is not None:
            on_done(written)

    def failed(exc: BaseException) -> None:
        owner = parent if parent is not None and shiboken6.isValid(parent) else None
        if not isinstance(exc, EXPECTED_ERRORS):
            log.error("exporting to %s failed unexpectedly", target, exc_info=exc)
            tasks.unhandled.emit(exc)
            return
        # The file is named above; an OSError's own text would name it again.
        reason = (
            sentence(exc.strerror)
            if isinstance(exc, OSError) and exc.strerror
            else describe_error(exc)
        )
        show_error(
            owner,
            "Export Failed",
            f"The subscriptions could not be saved to this file:\n{target}\n\n"
            f"{reason}\n\n"
            "Choose another folder, or make room on the disk, and try again.",
        )

    tasks.run(work, done, failed)
    return path
