"""Start the window: the Qt application, the theme, the library, error reporting.

Environment problems met while starting (a database newer than this version, a file that is
not a library, a folder that cannot be written) get a dialog that says what happened and what
to do, and the app exits with status 1. Bugs anywhere in the window get a dialog with the
details and go to the log; the window stays up.
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from types import TracebackType

from PySide6.QtCore import QEventLoop, QSocketNotifier, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QProgressDialog

from reader_app import APP_NAME, APP_TITLE, __version__
from reader_app.domain.sync import SyncOptions
from reader_app.errors import DatabaseDamagedError, ReaderAppError, SchemaTooNewError
from reader_app.library import Library
from reader_app.paths import AppPaths
from reader_app.settings import Settings
from reader_app.storage import migrate
from reader_app.storage.backup import check_integrity
from reader_app.ui import theme
from reader_app.ui.dialogs.errors import BugDialog, show_error
from reader_app.ui.dialogs.repair import offer_repair
from reader_app.ui.gui_gc import collect_on_gui_thread
from reader_app.ui.main_window import MainWindow
from reader_app.ui.resources import resource_path

log = logging.getLogger(__name__)

DESKTOP_ID = "io.github.reader_app.ReaderApp"


def make_application(argv: Sequence[str] = ()) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication([APP_NAME, *argv])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName(APP_NAME)
    # Lets the desktop match the window to the installed .desktop file (icon, name).
    QGuiApplication.setDesktopFileName(DESKTOP_ID)
    app.setWindowIcon(QIcon(str(resource_path("reader-app.svg"))))
    collect_on_gui_thread(app)
    return app


def follow_theme(app: QApplication, settings: Settings) -> None:
    """Apply the chosen theme now and again whenever the desktop switches light/dark."""
    theme.apply_theme(app, settings.get_str("ui.theme"))

    def scheme_changed() -> None:
        if settings.get_str("ui.theme") == "system":
            theme.apply_theme(app, "system")

    app.styleHints().colorSchemeChanged.connect(scheme_changed)


def open_library_or_explain(
    paths: AppPaths, *, checked: Future[list[str]] | None = None
) -> Library | None:
    """The library, or None after a dialog that explains why it cannot be opened. A damaged
    library is never replaced by an empty one: the user chooses a backup or a recovery.
    ``checked``: the library's integrity check, started early (see ``Library.open``)."""
    try:
        upgrade_with_progress(paths, checked=checked)
        return Library.open(paths.database, backup_dir=paths.backup_dir, checked=checked)
    except DatabaseDamagedError as exc:
        log.error("%s", exc)
        if offer_repair(paths, exc):
            return open_library_or_explain(paths)
    except SchemaTooNewError as exc:
        show_error(
            None,
            "This library was written by a newer version",
            f"{exc}\n\nInstall the newer version of {APP_NAME} again, or start this one with "
            "another folder (--data-dir). The file has not been changed.",
        )
    except ReaderAppError as exc:
        show_error(
            None,
            "The library cannot be opened",
            f"{exc}\n\nThe file {paths.database} was left as it is. Move it aside to start "
            "with an empty library, or start with another folder (--data-dir).",
        )
    except OSError as exc:
        show_error(
            None,
            "The library folder cannot be used",
            f"{paths.database}: {exc.strerror or exc}\n\nCheck that the folder exists, is "
            "writable and that the disk is not full.",
        )
    return None


def upgrade_with_progress(paths: AppPaths, *, checked: Future[list[str]] | None = None) -> None:
    """Bring an older library to this version's schema on a thread, with a window that says
    so: the upgrade that added the search index reads every article (about 50 s for
    200,000), and without a word the app would look hung before its window appears.

    Does nothing for a library that is new or current (the usual start), or damaged (the
    caller's ``Library.open`` reports that). A failed upgrade raises here as it would there.
    """
    database = paths.database
    if not database.exists() or database.stat().st_size == 0:
        return
    if migrate.current_revision(database) in (None, migrate.SCHEMA_HEAD):
        return
    if checked.result() if checked is not None else check_integrity(database):
        return  # damaged: never upgraded; Library.open raises DatabaseDamagedError
    progress = QProgressDialog(
        f"Upgrading the library for this version of {APP_TITLE}. This happens once and can "
        "take a minute for a large library; a backup is made first.",
        "",
        0,
        0,
    )
    progress.setWindowTitle(APP_TITLE)
    progress.setCancelButton(None)  # an upgrade stopped half-way gains nothing
    progress.setMinimumDuration(0)
    progress.show()
    failure: list[BaseException] = []

    def work() -> None:
        try:
            migrate.upgrade(database, backup_dir=paths.backup_dir)
        except BaseException as exc:  # noqa: BLE001 - raised again on the GUI thread
            failure.append(exc)

    worker = threading.Thread(target=work, name="library-upgrade")
    worker.start()
    while worker.is_alive():
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        worker.join(0.05)
    progress.close()
    if failure:
        raise failure[0]


def start_daily_backup(window: MainWindow, library: Library) -> None:
    """The rolling daily backup, off the GUI thread (it copies the whole file when due). An
    environment problem (disk full) is a status message; anything else is a bug."""

    def failed(exc: BaseException) -> None:
        if isinstance(exc, ReaderAppError):
            window.statusBar().showMessage(f"No daily backup: {exc}", 15_000)
        else:
            window.show_bug(exc)

    window.tasks.run(library.daily_backup, None, failed)


def install_bug_hook(window_provider: Callable[[], MainWindow | None]) -> None:
    """Unexpected exceptions in Qt callbacks show a dialog and go to the log instead of
    ending the process (PySide6 would print them and carry on; the user would never know)."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            QApplication.quit()
            return
        log.error("unexpected error:\n%s", "".join(traceback.format_exception(kind, exc, tb)))
        window = window_provider()
        if window is not None:
            window.show_bug(exc)
        else:
            BugDialog(exc, None, None).exec()

    sys.excepthook = hook


class _SignalWaker:
    """Lets SIGTERM and SIGINT (Ctrl+C in the terminal) close the window cleanly.

    Python runs signal handlers only between bytecodes, and Qt's event loop sits in C++:
    the signal module writes a byte to a socket, a QSocketNotifier wakes the loop, and the
    handler closes the window, which saves its state and stops the sync as on any close.
    """

    def __init__(self, on_signal: Callable[[], None]) -> None:
        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read)
        self._notifier.activated.connect(self._drain)
        self._previous_fd = signal.set_wakeup_fd(self._write.fileno())
        self._previous = {
            sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        self._on_signal = on_signal

    def _drain(self) -> None:
        try:
            self._read.recv(64)
        except OSError:
            return
        self._on_signal()

    def close(self) -> None:
        signal.set_wakeup_fd(self._previous_fd)
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._notifier.setEnabled(False)
        self._read.close()
        self._write.close()


def run_window(
    paths: AppPaths,
    settings: Settings,
    *,
    warnings: Sequence[str] = (),
    sync_options: Callable[[], SyncOptions],
    on_ready: Callable[[], None] = lambda: None,
    checked: Future[list[str]] | None = None,
) -> int:
    """Show the window and run until it closes; the process exit status. ``checked``: the
    library's integrity check, started before this module was imported."""
    app = make_application()
    follow_theme(app, settings)
    library = open_library_or_explain(paths, checked=checked)
    if library is None:
        return 1
    window: MainWindow | None = None
    install_bug_hook(lambda: window)

    def close_on_signal() -> None:
        if window is not None:
            window.close()
        else:
            app.quit()

    waker = _SignalWaker(close_on_signal)
    try:
        window = MainWindow(library, settings, paths, sync_options=sync_options)
        window.show()
        log.info("window shown: %s", paths.database)
        for warning in warnings:
            window.statusBar().showMessage(warning, 15_000)
        start_daily_backup(window, library)
        # Once everything is imported and built: see app.settle_heap.
        QTimer.singleShot(0, on_ready)
        return app.exec()
    finally:
        waker.close()
        sys.excepthook = sys.__excepthook__
        library.close()
        log.info("window closed")
