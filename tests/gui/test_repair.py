"""A damaged library at start: the window's dialog restores the newest good backup or
recovers what can be read, keeps the damaged file aside, and never starts empty."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from reader_app.domain import EntryQuery
from reader_app.library import Library
from reader_app.paths import AppPaths
from reader_app.ui.application import open_library_or_explain
from reader_app.ui.dialogs.repair import QUIT, RECOVER, RESTORE
from tests.conftest import add_feed_with_entries
from tests.storage.test_backup import damage_entries_page


def answer(*buttons: str) -> list[str]:
    """Click the named button of each message box as it opens; returns the texts they showed."""
    seen: list[str] = []
    pending = list(buttons)

    def click() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and pending:
            seen.append(f"{box.text()}\n{box.informativeText()}")
            wanted = pending.pop(0)
            for button in box.findChildren(QPushButton):
                if button.text().replace("&", "") == wanted:
                    button.click()
                    break
        if pending:
            QTimer.singleShot(20, click)

    QTimer.singleShot(20, click)
    return seen


def damaged_library(paths: AppPaths, *, with_backup: bool) -> None:
    with Library.open(paths.database, backup_dir=paths.backup_dir) as library:
        add_feed_with_entries(library, "https://example.org/1-", 400)
        if with_backup:
            assert library.daily_backup() is not None
    damage_entries_page(paths.database)


def files_beside(paths: AppPaths) -> list[str]:
    return sorted(p.name for p in paths.database.parent.iterdir())


def test_restoring_the_newest_backup_opens_it_and_keeps_the_damaged_file(
    qtbot: QtBot, paths: AppPaths
) -> None:
    damaged_library(paths, with_backup=True)
    seen = answer(RESTORE, "OK")
    library = open_library_or_explain(paths)
    assert library is not None
    try:
        assert library.count_entries(EntryQuery()) == 400
    finally:
        library.close()
    assert "is damaged" in seen[0]
    assert "The newest good backup is from" in seen[0]
    assert any(".replaced-" in name for name in files_beside(paths))


def test_recovering_keeps_what_can_be_read(qtbot: QtBot, paths: AppPaths) -> None:
    damaged_library(paths, with_backup=False)
    seen = answer(RECOVER, "OK")
    library = open_library_or_explain(paths)
    assert library is not None
    try:
        feeds = library.feeds()
        assert len(feeds) == 1
        assert 0 < library.count_entries(EntryQuery()) < 400  # one damaged page lost
    finally:
        library.close()
    assert "There is no good backup" in seen[0]
    assert "Recovered 1 feeds" in seen[1]
    names = files_beside(paths)
    assert any(".replaced-" in name for name in names)
    assert any("-recovered-" in name for name in names)


def test_quitting_leaves_the_damaged_file_as_it_was(qtbot: QtBot, paths: AppPaths) -> None:
    damaged_library(paths, with_backup=True)
    before = paths.database.read_bytes()
    answer(QUIT)
    assert open_library_or_explain(paths) is None
    assert paths.database.read_bytes() == before


def test_the_window_makes_the_daily_backup_off_the_gui_thread(
    qtbot: QtBot, paths: AppPaths
) -> None:
    from reader_app.settings import Settings
    from reader_app.sync import SyncOptions
    from reader_app.ui.application import start_daily_backup
    from reader_app.ui.main_window import MainWindow

    with Library.open(paths.database, backup_dir=paths.backup_dir) as library:
        add_feed_with_entries(library, "https://example.org/1-", 5)
        window = MainWindow(library, Settings(), paths, sync_options=SyncOptions, auto_sync=False)
        qtbot.addWidget(window)
        start_daily_backup(window, library)
        qtbot.waitUntil(lambda: not window.tasks.busy)
        backups = [p.name for p in paths.backup_dir.iterdir()]
        assert len(backups) == 1
        assert "-daily-" in backups[0]
        start_daily_backup(window, library)  # not due again today
        qtbot.waitUntil(lambda: not window.tasks.busy)
        assert len(list(paths.backup_dir.iterdir())) == 1
        window.close()


def test_an_older_library_is_upgraded_with_a_progress_window(qtbot: QtBot, paths: AppPaths) -> None:
    from PySide6.QtWidgets import QProgressDialog

    from tests.storage.test_search_index import _library_at_0001

    _library_at_0001(paths.database)
    shown: list[str] = []

    def look() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QProgressDialog) and widget.isVisible():
                shown.append(widget.labelText())
        if not shown:
            QTimer.singleShot(5, look)

    QTimer.singleShot(0, look)
    library = open_library_or_explain(paths)
    assert library is not None
    try:
        assert library.search_ids("haarlem")  # the upgrade indexed the old articles
    finally:
        library.close()
    assert shown
    assert "Upgrading the library" in shown[0]
    assert any("-before-" in p.name for p in paths.backup_dir.iterdir())


def test_a_current_library_opens_without_a_progress_window(qtbot: QtBot, paths: AppPaths) -> None:
    from PySide6.QtWidgets import QProgressDialog

    with Library.open(paths.database, backup_dir=paths.backup_dir) as library:
        add_feed_with_entries(library, "https://example.org/1-", 3)
    opened = open_library_or_explain(paths)
    assert opened is not None
    opened.close()
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog)]
