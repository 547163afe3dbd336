"""Import subscriptions from an OPML file, then say exactly what happened.

The file is read and imported off the GUI thread (a large file, a slow disk, a write waiting
behind a sync). The summary counts what was added and what was already there, and lists every
outline that was left out with its line and the reason, so nothing is dropped silently. A file
that is refused (not OPML, a DOCTYPE, unreadable) imports nothing and is named in the message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reader_app.domain import Changes
from reader_app.errors import OpmlError
from reader_app.library import Library, OpmlImportReport
from reader_app.ui.dialogs.errors import (
    EXPECTED_ERRORS,
    describe_error,
    dim,
    fit_height,
    plain_label,
    sentence,
)
from reader_app.ui.tasks import Tasks

log = logging.getLogger(__name__)

OPML_FILTERS = "OPML files (*.opml);;XML files (*.xml);;All files (*)"


def read_opml_file(path: Path) -> bytes:
    """The file's bytes, at most one byte past the import limit (the parser then refuses it
    by size without the whole of a huge file ever being in memory)."""
    from reader_app.opml import MAX_OPML_BYTES  # loaded for an import, not at start-up

    try:
        with path.open("rb") as handle:
            return handle.read(MAX_OPML_BYTES + 1)
    except OSError as exc:
        raise OpmlError(f"cannot read the file ({exc.strerror or exc})", source=str(path)) from None


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def summary_text(report: OpmlImportReport) -> str:
    """What the import did, one statement per line."""
    added, known, skipped = len(report.added), len(report.already_subscribed), len(report.skipped)
    if not (added or known or skipped):
        return "The file lists no feeds; nothing was imported."
    lines = [f"Added {_plural(added, 'feed', 'feeds')}." if added else "No new feeds were added."]
    if known == 1:
        lines.append("1 feed was already subscribed; its tags from the file were added.")
    elif known:
        lines.append(f"{known} feeds were already subscribed; their tags from the file were added.")
    if skipped:
        verb = "was" if skipped == 1 else "were"
        lines.append(f"{_plural(skipped, 'outline', 'outlines')} {verb} not imported:")
    return "\n".join(lines)


def refusal_text(exc: BaseException) -> str:
    """Why a file was refused, without repeating its name (the dialog shows it above)."""
    if isinstance(exc, OpmlError):
        where = f"Line {exc.line}: " if exc.line is not None else ""
        reason = sentence(exc.reason)
        if where:
            reason = reason[0].lower() + reason[1:]
        return f"{where}{reason}\nNothing was imported."
    return f"{describe_error(exc)}\nNothing was imported."


class ImportOpmlDialog(QDialog):
    """Imports ``path`` once ``start()`` is called, showing progress and then the summary.

    ``imported(Changes)`` is emitted when the import is stored, even if the dialog was closed
    meanwhile: the library changed, so the window must refresh. ``report`` and ``error`` hold
    the outcome.
    """

    imported = Signal(object)
    failed = Signal(str)

    def __init__(
        self, library: Library, tasks: Tasks, path: Path, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import Subscriptions")
        self._library = library
        self._tasks = tasks
        self._path = path
        self._busy = False
        self._report: OpmlImportReport | None = None
        self._error: str | None = None
        self.delete_when_done = False

        self.icon_label = QLabel()
        self.icon_label.hide()
        self.heading = plain_label(f"Importing subscriptions from {path.name}…", selectable=False)
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.path_label = dim(plain_label(str(path)))

        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(self.fontMetrics().height() // 2 + 4)

        self.summary_label = plain_label()
        self.summary_label.hide()

        self.skipped_list = QTreeWidget()
        self.skipped_list.setHeaderLabels(["Line", "Outline", "Why not"])
        self.skipped_list.setRootIsDecorated(False)
        self.skipped_list.setAlternatingRowColors(True)
        header = self.skipped_list.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.skipped_list.setMinimumHeight(140)
        self.skipped_list.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)

        heading_row = QHBoxLayout()
        heading_row.addWidget(self.icon_label)
        heading_row.addWidget(self.heading, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(heading_row)
        layout.addWidget(self.path_label)
        layout.addWidget(self.busy)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.skipped_list, 1)
        layout.addStretch(0)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(640)

    @property
    def path(self) -> Path:
        return self._path

    @property
    def report(self) -> OpmlImportReport | None:
        return self._report

    @property
    def error(self) -> str | None:
        return self._error

    @property
    def busy_now(self) -> bool:
        return self._busy

    def start(self) -> None:
        """Read and import the file in the background."""
        if self._busy:
            return
        self._busy = True
        library, path = self._library, self._path

        def work() -> OpmlImportReport:
            return library.import_opml(read_opml_file(path), source=str(path))

        self._tasks.run(work, self._done, self._failed)

    def _done(self, report: OpmlImportReport) -> None:
        if not shiboken6.isValid(self):
            return
        self._busy = False
        self._report = report
        self.imported.emit(report.changes)
        self.busy.hide()
        self.heading.setText(f"Imported {self._path.name}")
        self.summary_label.setText(summary_text(report))
        self.summary_label.show()
        if report.skipped:
            for skip in report.skipped:
                what = skip.url or skip.title or "(untitled outline)"
                line = str(skip.line) if skip.line is not None else ""
                item = QTreeWidgetItem([line, what, sentence(skip.reason)])
                item.setTextAlignment(
                    0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                )
                item.setToolTip(1, what)
                item.setToolTip(2, skip.reason)
                self.skipped_list.addTopLevelItem(item)
            self.skipped_list.resizeColumnToContents(1)
            self.skipped_list.setColumnWidth(1, min(self.skipped_list.columnWidth(1), 240))
            self.skipped_list.show()
        self._finish()

    def _failed(self, exc: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        self._busy = False
        if isinstance(exc, EXPECTED_ERRORS):
            reason = refusal_text(exc)
        else:
            log.error("importing %s failed unexpectedly", self._path, exc_info=exc)
            self._tasks.unhandled.emit(exc)
            reason = "Something went wrong inside the app; the details are in the log."
        self._error = reason
        self.busy.hide()
        self.heading.setText(f"Could not import {self._path.name}")
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize, None, self)
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.icon_label.setPixmap(icon.pixmap(size))
        self.icon_label.show()
        self.summary_label.setText(reason)
        self.summary_label.show()
        self.failed.emit(reason)
        self._finish()

    def _finish(self) -> None:
        if self.skipped_list.isHidden():
            fit_height(self)
        if self.delete_when_done and not self.isVisible():
            self.deleteLater()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.skipped_list.isHidden():
            fit_height(self)

    def done(self, result: int) -> None:
        # Closing while busy only hides the dialog: the import goes on and still reports.
        super().done(result)
        if self.delete_when_done and not self._busy:
            self.deleteLater()


def choose_opml_file(parent: QWidget | None) -> Path | None:
    name, _ = QFileDialog.getOpenFileName(
        parent, "Import Subscriptions", str(Path.home()), OPML_FILTERS
    )
    return Path(name) if name else None


def import_opml(
    parent: QWidget | None,
    library: Library,
    tasks: Tasks,
    path: Path | None = None,
    *,
    on_imported: Callable[[Changes], None] | None = None,
) -> ImportOpmlDialog | None:
    """Ask for a file (unless ``path`` is given, e.g. dropped on the window) and import it.

    ``on_imported(Changes)`` runs once the import is stored (the dialog's ``imported``
    signal). Returns the dialog, already running; None when the user chose no file. The
    dialog deletes itself once closed and finished.
    """
    if path is None:
        path = choose_opml_file(parent)
        if path is None:
            return None
    dialog = ImportOpmlDialog(library, tasks, path, parent)
    dialog.delete_when_done = True
    if on_imported is not None:
        dialog.imported.connect(on_imported)
    dialog.open()
    dialog.start()
    return dialog
