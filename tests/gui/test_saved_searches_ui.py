"""Saved searches in the window: saving the search shown, the row in the feed list with its
live unread count, its articles in the list, editing and removing it. Real library, real
widgets, real keys."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from reader_app.domain import Changes, FeedId
from reader_app.domain.saved_search import SavedSearch
from reader_app.library import Library
from reader_app.sync import SyncOptions
from reader_app.ui.dialogs.saved_search import SavedSearchDialog
from reader_app.ui.main_window import MainWindow
from reader_app.ui.models.feed_tree import CountRole
from reader_app.ui.saved_searches import default_name
from reader_app.ui.selection import Selection
from tests.conftest import FixedClock, make_entries

WAIT_MS = 5000


@pytest.fixture
def window(reading_window: MainWindow) -> MainWindow:
    return reading_window


def shown_ids(window: MainWindow) -> set[int]:
    model = window.article_model
    return {model.entry_id(row) for row in range(model.rowCount())}


def open_save_dialog(qtbot: QtBot, window: MainWindow) -> SavedSearchDialog:
    window.actions_by_id["edit.save_search"].trigger()
    dialog = window.saved_searches.dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT_MS)
    return dialog


def save_button(dialog: SavedSearchDialog) -> QPushButton:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Save)


def saved_row(window: MainWindow, search: SavedSearch) -> QModelIndex:
    return window.feed_model.index_of(Selection(saved_search=search.id))


def test_saving_the_search_shown_adds_a_row_that_lists_its_articles(
    qtbot: QtBot, window: MainWindow, library: Library
) -> None:
    qtbot.keyClick(window.article_list, Qt.Key.Key_Slash)
    qtbot.keyClicks(window.search_box, '"title 3"')
    with qtbot.waitSignal(window.article_model.loaded, timeout=WAIT_MS):
        qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    dialog = open_save_dialog(qtbot, window)
    assert dialog.query_edit.text() == '"title 3"'
    assert dialog.name_edit.text() == '"title 3"'
    dialog.name_edit.setText("Third titles")
    with qtbot.waitSignal(window.article_model.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(save_button(dialog), Qt.MouseButton.LeftButton)
    [search] = library.saved_searches()
    assert (search.name, search.query) == ("Third titles", '"title 3"')
    # The new row is selected, the search has ended, and the list is the saved view's.
    assert window.feed_tree.current_selection() == Selection(saved_search=search.id)
    assert window.search_box.text() == ""
    assert window.article_model.search is None
    expected = set(library.search_ids('"title 3"'))
    assert expected
    assert shown_ids(window) == expected
    row = saved_row(window, search)
    assert row.data(Qt.ItemDataRole.DisplayRole) == "Third titles"
    assert row.data(CountRole) == search.unread_count == len(expected)
    assert "Search: \u201ctitle 3\u201d" not in (row.data(Qt.ItemDataRole.ToolTipRole) or "")
    assert "Search: &quot;title 3&quot;" in row.data(Qt.ItemDataRole.ToolTipRole)


def test_the_count_follows_reading_and_new_articles(
    qtbot: QtBot, window: MainWindow, library: Library, filled_library: dict[str, FeedId]
) -> None:
    search = library.save_search("Summaries 1x", '"summary 1"')
    window.apply_changes(Changes(saved_searches=True))
    row = saved_row(window, search)
    before = row.data(CountRole)
    assert before == library.saved_search(search.id).unread_count > 0
    with qtbot.waitSignal(window.article_model.loaded, timeout=WAIT_MS):
        window.select(Selection(saved_search=search.id))
    window.article_list.setFocus()
    qtbot.keyClick(window.article_list, Qt.Key.Key_J)
    qtbot.keyClick(window.article_list, Qt.Key.Key_M)  # toggle read: one fewer unread
    qtbot.waitUntil(
        lambda: saved_row(window, search).data(CountRole) == before - 1, timeout=WAIT_MS
    )
    # A sync's new articles (a write elsewhere, then the change the window is told of).
    feed = next(iter(filled_library.values()))
    new = make_entries(3, prefix="fresh-")
    ids = library.add_entries(feed, new)
    window.apply_changes(Changes(feeds=frozenset({feed}), entries=frozenset(ids)))
    assert saved_row(window, search).data(CountRole) == library.saved_search(search.id).unread_count
    assert saved_row(window, search).data(CountRole) == before - 1 + 1  # "summary 1" is new


def test_the_dialog_names_what_stops_saving_and_cancel_writes_nothing(
    qtbot: QtBot, window: MainWindow, library: Library
) -> None:
    library.save_search("Taken", "kernel")
    window.apply_changes(Changes(saved_searches=True))
    dialog = open_save_dialog(qtbot, window)
    assert not save_button(dialog).isEnabled()  # nothing typed yet
    assert dialog.problem.text() == ""
    dialog.query_edit.setText('rust "unclosed')
    dialog.name_edit.setText("Rust")
    assert not save_button(dialog).isEnabled()
    assert "column" in dialog.problem.text()
    dialog.query_edit.setText("rust")
    assert save_button(dialog).isEnabled()
    dialog.name_edit.setText("  TAKEN ")
    assert not save_button(dialog).isEnabled()
    assert "already a saved search named" in dialog.problem.text()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    assert [s.name for s in library.saved_searches()] == ["Taken"]


def test_editing_from_the_context_menu_renames_and_lists_the_new_matches(
    qtbot: QtBot, window: MainWindow, library: Library
) -> None:
    search = library.save_search("Ones", '"title 1"')
    window.apply_changes(Changes(saved_searches=True))
    with qtbot.waitSignal(window.article_model.loaded, timeout=WAIT_MS):
        window.select(Selection(saved_search=search.id))
    menu = window.feed_tree.menu_for(saved_row(window, search))
    assert menu is not None
    texts = [a.text().replace("&", "") for a in menu.actions() if a.text()]
    assert texts == ["Mark All as Read", "Edit Saved Search…", "Remove Saved Search…"]
    next(a for a in menu.actions() if a.text().startswith("&Edit")).trigger()
    dialog = window.saved_searches.dialog
    assert dialog is not None
    assert dialog.windowTitle() == "Edit Saved Search"
    assert dialog.name_edit.text() == "Ones"
    dialog.name_edit.setText("Twos")
    dialog.query_edit.setText('"title 2"')
    with qtbot.waitSignal(window.article_model.loaded, timeout=WAIT_MS):
        qtbot.mouseClick(save_button(dialog), Qt.MouseButton.LeftButton)
    assert saved_row(window, search).data(Qt.ItemDataRole.DisplayRole) == "Twos"
    assert shown_ids(window) == set(library.search_ids('"title 2"'))


def test_removing_asks_and_goes_back_to_all(
    qtbot: QtBot, window: MainWindow, library: Library
) -> None:
    search = library.save_search("<b>Ones</b>", '"title 1"')
    window.apply_changes(Changes(saved_searches=True))
    with qtbot.waitSignal(window.article_model.loaded, timeout=WAIT_MS):
        window.select(Selection(saved_search=search.id))
    asked: list[str] = []

    def answer(press: str) -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        assert box.textFormat() == Qt.TextFormat.PlainText
        asked.append(box.text())
        next(b for b in box.buttons() if b.text().replace("&", "") == press).click()

    QTimer.singleShot(0, lambda: answer("Cancel"))
    window.saved_searches.remove(search.id)
    assert library.saved_searches() == [library.saved_search(search.id)]
    QTimer.singleShot(0, lambda: answer("Remove"))
    window.saved_searches.remove(search.id)
    qtbot.waitUntil(lambda: not library.saved_searches(), timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: window.feed_tree.current_selection() == Selection.from_text("view:all"),
        timeout=WAIT_MS,
    )
    assert not saved_row(window, search).isValid()
    assert asked == ["Remove the saved search “<b>Ones</b>”?"] * 2


def test_the_selection_is_restored_after_a_restart(
    qtbot: QtBot, window: MainWindow, library: Library, tmp_path, clock: FixedClock
) -> None:
    search = library.save_search("Ones", '"title 1"')
    window.apply_changes(Changes(saved_searches=True))
    with qtbot.waitSignal(window.article_model.loaded, timeout=WAIT_MS):
        window.select(Selection(saved_search=search.id))
    window.close()
    again = MainWindow(
        library,
        window.settings,
        window.paths,
        sync_options=SyncOptions,
        clock=clock,
        auto_sync=False,
    )
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(lambda: again.article_model.rowCount() > 0, timeout=WAIT_MS)
    assert again.feed_tree.current_selection() == Selection(saved_search=search.id)
    assert shown_ids(again) == set(library.search_ids('"title 1"'))
    again.close()


def test_default_name_is_the_query_shortened() -> None:
    assert default_name("  kernel   rust ") == "kernel rust"
    long = "word " * 30
    name = default_name(long)
    assert len(name) == 60
    assert name.endswith("\u2026")


def test_the_feed_list_model_with_saved_searches_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester, library: Library, filled_library: dict[str, FeedId]
) -> None:
    from reader_app.ui.models.feed_tree import FeedTreeModel

    first = library.save_search("Ones", '"title 1"')
    library.save_search("Unread twos", '"title 2" is:unread')
    model = FeedTreeModel(library)
    qtmodeltester.check(model)
    labels = [model.index(row, 0).data() for row in range(6)]
    assert labels == ["All", "Unread", "Starred", "Today", "Ones", "Unread twos"]
    library.remove_saved_search(first.id)
    model.apply_changes(Changes(saved_searches=True))
    qtmodeltester.check(model)
    assert model.index(4, 0).data() == "Unread twos"
    assert not model.index_of(Selection(saved_search=first.id)).isValid()


def test_relative_days_move_on_at_midnight_without_any_write(
    qtbot: QtBot, window: MainWindow, library: Library, clock: FixedClock
) -> None:
    search = library.save_search("Recent", "after:1d")
    window.apply_changes(Changes(saved_searches=True))
    assert saved_row(window, search).data(CountRole) > 0
    # The timer waits for the next local midnight, at most a day away.
    assert window.saved_searches.day_timer.isActive()
    assert 0 < window.saved_searches.day_timer.interval() <= 24 * 3600 * 1000 + 5000
    clock.advance(days=3)
    window.saved_searches.day_changed()
    qtbot.waitUntil(lambda: saved_row(window, search).data(CountRole) == 0, timeout=WAIT_MS)
    assert window.saved_searches.day_timer.isActive()


def test_the_command_palette_goes_to_a_saved_search(
    qtbot: QtBot, window: MainWindow, library: Library
) -> None:
    search = library.save_search("Ones", '"title 1"')
    window.apply_changes(Changes(saved_searches=True))
    window.keyboard.open_palette()
    palette = window.keyboard.palette
    qtbot.waitExposed(palette)
    qtbot.keyClicks(palette.search, "ones")
    with qtbot.waitSignal(window.article_model.loaded, timeout=WAIT_MS):
        qtbot.keyClick(palette.search, Qt.Key.Key_Return)
    assert window.feed_tree.current_selection() == Selection(saved_search=search.id)
    assert shown_ids(window) == set(library.search_ids('"title 1"'))
