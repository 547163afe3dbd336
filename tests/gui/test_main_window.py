"""The whole window on a real library file: selection, reading, filtering, sync, state."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from reader_app.domain import EntryQuery, FeedId
from reader_app.library import Library
from reader_app.paths import AppPaths
from reader_app.settings import Settings
from reader_app.sync import SyncOptions
from reader_app.ui.main_window import MainWindow
from reader_app.ui.selection import Selection, SmartView
from tests.conftest import FixedClock, add_feed_with_entries
from tests.support.feedserver import FeedServer, rss

MakeWindow = Callable[..., MainWindow]


@pytest.fixture
def make_window(
    qtbot: QtBot, library: Library, paths: AppPaths, clock: FixedClock
) -> Iterator[MakeWindow]:
    opened: list[MainWindow] = []
    urls: list[QUrl] = []

    def make(settings: Settings | None = None) -> MainWindow:
        window = MainWindow(
            library,
            settings or Settings(),
            paths,
            sync_options=lambda: SyncOptions(request_timeout_seconds=5.0),
            open_url=urls.append,
            clock=clock,
            auto_sync=False,
        )
        window.opened_urls = urls  # type: ignore[attr-defined]
        qtbot.addWidget(window)
        opened.append(window)
        window.show()
        qtbot.waitExposed(window)
        return window

    yield make
    for window in opened:
        if window.isVisible():
            window.close()


def shown_titles(window: MainWindow) -> list[str]:
    model = window.article_model
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def test_empty_library_shows_the_first_run_panel(make_window: MakeWindow) -> None:
    window = make_window()
    assert window.stack.currentWidget() is window.first_run
    assert window.windowTitle() == "Reader App"


def test_a_filled_library_shows_every_article_under_all(
    make_window: MakeWindow, filled_library: dict[str, FeedId]
) -> None:
    window = make_window()
    assert window.stack.currentWidget() is window.main_splitter
    assert window.feed_tree.current_selection() == Selection(view=SmartView.ALL)
    assert window.article_model.rowCount() == 65
    assert window.windowTitle() == "Reader App (65 unread)"


def test_selecting_a_feed_a_tag_and_a_view_shows_their_articles(
    make_window: MakeWindow, library: Library, filled_library: dict[str, FeedId]
) -> None:
    window = make_window()
    window.feed_tree.select(Selection(feed_id=filled_library["linux"]))
    assert window.article_model.rowCount() == 10
    assert all(title.startswith(f"{filled_library['linux']}-") for title in shown_titles(window))

    # A tag shows its feeds and the feeds of tags nested below it.
    window.feed_tree.select(Selection(tag="News"))
    assert window.article_model.rowCount() == 50

    library.set_starred([window.article_model.entry_id(0)], True)
    window.feed_tree.select(Selection(view=SmartView.STARRED))
    assert window.article_model.rowCount() == 1


def test_reading_an_article_marks_it_read_after_the_delay(
    qtbot: QtBot, make_window: MakeWindow, library: Library, filled_library: dict[str, FeedId]
) -> None:
    window = make_window()
    window.feed_tree.select(Selection(feed_id=filled_library["misc"]))
    entry_id = window.article_model.entry_id(0)
    assert window.article_list.select_entry(entry_id)
    assert window.article_view.current_entry_id == entry_id
    qtbot.waitUntil(lambda: library.entry(entry_id).read, timeout=5000)
    # The feed list's count follows without a reload.
    qtbot.waitUntil(lambda: window.windowTitle() == "Reader App (64 unread)", timeout=5000)


def test_the_tag_filter_narrows_both_lists(
    make_window: MakeWindow, filled_library: dict[str, FeedId]
) -> None:
    window = make_window()
    window.tag_filter.set_chosen(frozenset({"Tech"}), emit=True)
    assert window.article_model.rowCount() == 10
    feed_rows = window.feed_model.visible_feed_ids()
    assert feed_rows == {filled_library["linux"]}


def test_mark_all_read_in_a_feed_leaves_the_others_unread(
    qtbot: QtBot, make_window: MakeWindow, library: Library, filled_library: dict[str, FeedId]
) -> None:
    window = make_window()
    window.feed_tree.select(Selection(feed_id=filled_library["europe"]))
    window.actions_by_id["feed.mark_all_read"].trigger()
    qtbot.waitUntil(lambda: library.unread_counts()[filled_library["europe"]] == 0)
    counts = library.unread_counts()
    assert counts[filled_library["world"]] == 30
    assert counts[filled_library["linux"]] == 10


def test_a_sync_updates_counts_live_and_keeps_the_selection(
    qtbot: QtBot, make_window: MakeWindow, library: Library, feed_server: FeedServer
) -> None:
    feed_server.route("/a.xml", body=rss("Feed A", items=3))
    feed_server.route("/b.xml", body=rss("Feed B", items=2))
    feed_a = library.add_feed(feed_server.url("/a.xml"))
    library.add_feed(feed_server.url("/b.xml"))
    window = make_window()
    window.feed_tree.select(Selection(feed_id=feed_a.id))
    with qtbot.waitSignal(window.sync.finished, timeout=15_000):
        window.sync.refresh_all()
    qtbot.waitUntil(lambda: window.article_model.rowCount() == 3)
    first = window.article_model.entry_id(0)
    window.article_list.select_entry(first, mark_read=False)

    # The feed gains an article: the list grows and the same article stays selected.
    feed_server.route("/a.xml", body=rss("Feed A", items=4))
    with qtbot.waitSignal(window.sync.finished, timeout=15_000):
        window.sync.refresh_all()
    qtbot.waitUntil(lambda: window.article_model.rowCount() == 4)
    assert window.article_list.current_entry_id() == first
    assert window.feed_tree.current_selection() == Selection(feed_id=feed_a.id)
    assert library.unread_total() == 6
    assert "6 unread" in window.windowTitle()


def test_state_is_restored_on_the_next_start(
    make_window: MakeWindow, library: Library, filled_library: dict[str, FeedId]
) -> None:
    window = make_window()
    window.feed_tree.select(Selection(feed_id=filled_library["linux"]))
    entry_id = window.article_model.entry_id(3)
    window.article_list.select_entry(entry_id, mark_read=False)
    window.actions_by_id["view.pane_below"].trigger()
    window.tag_filter.set_chosen(frozenset({"Tech"}), emit=True)
    window.resize(760, 560)  # inside the offscreen screen (800x600): restoring clamps to it
    sizes = window.main_splitter.sizes()
    window.close()

    again = make_window(window.settings)
    assert again.feed_tree.current_selection() == Selection(feed_id=filled_library["linux"])
    assert again.article_list.current_entry_id() == entry_id
    assert again.reading_splitter.orientation() == Qt.Orientation.Vertical
    assert again.tag_filter.chosen() == frozenset({"Tech"})
    assert again.size().width() == 760
    assert again.main_splitter.sizes() == sizes
    assert not library.entry(entry_id).read


def test_toggle_read_and_star_with_real_keys(
    qtbot: QtBot, make_window: MakeWindow, library: Library, filled_library: dict[str, FeedId]
) -> None:
    window = make_window()
    with qtbot.waitActive(window):
        window.activateWindow()
    window.feed_tree.select(Selection(feed_id=filled_library["misc"]))
    window.article_list.setFocus()
    window.article_list.select_entry(window.article_model.entry_id(0), mark_read=False)
    qtbot.keyClick(window.article_list, Qt.Key.Key_J)
    second = window.article_model.entry_id(1)
    assert window.article_list.current_entry_id() == second
    qtbot.keyClick(window.article_list, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: library.entry(second).starred)
    qtbot.keyClick(window.article_list, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: library.entry(second).read)
    qtbot.keyClick(window.article_list, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: not library.entry(second).read)


def test_opening_an_article_uses_the_browser_and_marks_it_read(
    qtbot: QtBot, make_window: MakeWindow, library: Library, filled_library: dict[str, FeedId]
) -> None:
    window = make_window()
    window.feed_tree.select(Selection(feed_id=filled_library["misc"]))
    entry_id = window.article_model.entry_id(0)
    window.article_list.select_entry(entry_id, mark_read=False)
    window.actions_by_id["article.open"].trigger()
    link = library.entry(entry_id).link
    assert link is not None
    assert window.opened_urls == [QUrl(link)]  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: library.entry(entry_id).read)


def test_dropping_an_opml_file_imports_it(
    qtbot: QtBot, make_window: MakeWindow, library: Library, tmp_path: Path
) -> None:
    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head/><body>'
        '<outline text="Dropped" xmlUrl="https://dropped.example/feed"/></body></opml>',
        encoding="utf-8",
    )
    window = make_window()
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(opml))])
    # What Qt delivers for a real drop: the window must accept the drag first.
    point = QPoint(10, 10)
    enter = QDragEnterEvent(
        point,
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        point.toPointF(),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, drop)
    qtbot.waitUntil(
        lambda: [s.feed.url for s in library.feeds()] == ["https://dropped.example/feed"]
    )
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.main_splitter)


def test_hide_read_keeps_what_was_read_here_until_the_view_changes(
    qtbot: QtBot, make_window: MakeWindow, library: Library, filled_library: dict[str, FeedId]
) -> None:
    window = make_window()
    window.actions_by_id["view.hide_read"].trigger()
    window.feed_tree.select(Selection(feed_id=filled_library["misc"]))
    entry_id = window.article_model.entry_id(0)
    window.article_list.select_entry(entry_id)
    qtbot.waitUntil(lambda: library.entry(entry_id).read)
    qtbot.wait(50)
    assert window.article_model.rowCount() == 5
    window.feed_tree.select(Selection(view=SmartView.ALL))
    window.feed_tree.select(Selection(feed_id=filled_library["misc"]))
    assert window.article_model.rowCount() == 4
    assert library.count_entries(EntryQuery(unread_only=True)) == 64


def test_next_unread_crosses_into_the_next_feed_with_unread(
    qtbot: QtBot, make_window: MakeWindow, library: Library, filled_library: dict[str, FeedId]
) -> None:
    library.mark_all_read(EntryQuery(feed_ids=frozenset({filled_library["linux"]})))
    window = make_window()
    window.feed_tree.select(Selection(feed_id=filled_library["linux"]))
    assert window.reading.next_unread()
    assert window.feed_tree.current_selection() == Selection(feed_id=filled_library["misc"])
    current = window.article_list.current_entry_id()
    assert current is not None
    entry = library.entry(current)
    assert entry.feed_id == filled_library["misc"]
    assert window.article_view.current_entry_id == current


def test_a_write_that_fails_shows_a_message_and_the_window_goes_on(
    qtbot: QtBot, make_window: MakeWindow, library: Library, filled_library: dict[str, FeedId]
) -> None:
    window = make_window()
    window.feed_tree.select(Selection(feed_id=filled_library["misc"]))
    entry_id = window.article_model.entry_id(0)

    # A real failure: the library is closed under the window, as when its disk goes away.
    library.close()
    window.reading.set_read((entry_id,), read=True)

    def message() -> QMessageBox | None:
        boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
        return boxes[0] if boxes else None

    qtbot.waitUntil(lambda: message() is not None)
    box = message()
    assert box is not None
    assert box.windowTitle() == "Could not mark the articles"
    assert "closed" in box.text()
    box.accept()
    assert window.isVisible()


def test_an_article_far_down_the_list_is_restored_once_the_list_has_loaded(
    qtbot: QtBot, make_window: MakeWindow, library: Library, clock: FixedClock
) -> None:
    feed = add_feed_with_entries(library, "https://many.example/feed", 450)
    window = make_window()
    window.feed_tree.select(Selection(feed_id=feed))
    qtbot.waitUntil(lambda: window.article_model.complete)
    far = window.article_model.entry_id(440)  # beyond the first page of 200
    assert window.article_list.select_entry(far, mark_read=False)
    window.close()

    again = make_window(window.settings)
    qtbot.waitUntil(lambda: again.article_list.current_entry_id() == far)
    assert not library.entry(far).read
