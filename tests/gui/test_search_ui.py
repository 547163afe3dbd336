"""Searching from the window: the toolbar's field, results with snippets in the article list,
bad queries, and leaving the search. Real library, real widgets, real keys."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from reader_app.domain import EntryQuery, FeedId
from reader_app.domain.search import HIGHLIGHT_START, split_highlights
from reader_app.library import Library
from reader_app.ui.main_window import MainWindow
from reader_app.ui.models.article_columns import TITLE, SnippetRole
from reader_app.ui.selection import Selection
from reader_app.ui.widgets.result_delegate import snippet_runs


@pytest.fixture
def window(reading_window: MainWindow) -> MainWindow:
    return reading_window


def searching(window: MainWindow) -> bool:
    return window.article_model.search is not None


def search_for(qtbot: QtBot, window: MainWindow, text: str) -> None:
    qtbot.keyClick(window.article_list, Qt.Key.Key_Slash)  # "/" focuses the field
    assert window.search_box.hasFocus()
    qtbot.keyClicks(window.search_box, text)
    with qtbot.waitSignal(window.article_model.loaded, timeout=5000):
        qtbot.keyClick(window.search_box, Qt.Key.Key_Return)


def test_a_search_lists_the_matching_articles_with_snippets(
    qtbot: QtBot, window: MainWindow, library: Library, filled_library: dict[str, FeedId]
) -> None:
    search_for(qtbot, window, '"summary 7"')
    model = window.article_model
    expected = set(library.search_ids('"summary 7"'))
    assert expected  # the generated articles' summaries read "summary <n>"
    assert {model.entry_id(r) for r in range(model.rowCount())} == expected
    snippet = model.index(0, TITLE).data(SnippetRole)
    assert snippet is not None
    assert HIGHLIGHT_START in snippet
    assert any(marked for _text, marked in split_highlights(snippet))
    found = len(expected)
    assert (
        window.statusBar().currentMessage() == f"{found:,} article{'' if found == 1 else 's'} found"
    )
    # Rows are two lines tall while searching: the snippet sits under the title.
    assert window.article_list.verticalHeader().defaultSectionSize() > 2 * (
        window.article_list.fontMetrics().height()
    )


def test_a_query_that_cannot_be_read_says_where_and_keeps_the_list(
    qtbot: QtBot, window: MainWindow
) -> None:
    before = window.article_model.rowCount()
    qtbot.keyClick(window.article_list, Qt.Key.Key_Slash)
    qtbot.keyClicks(window.search_box, 'kernel "unclosed')
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    message = window.statusBar().currentMessage()
    assert message.startswith("Cannot search:")
    assert "column" in message
    assert not searching(window)
    assert window.article_model.rowCount() == before


def test_escape_leaves_the_field_then_ends_the_search(
    qtbot: QtBot, window: MainWindow, library: Library
) -> None:
    all_rows = window.article_model.rowCount()
    search_for(qtbot, window, "title 3")
    assert searching(window)
    qtbot.keyClick(window.search_box, Qt.Key.Key_Escape)
    assert not window.search_box.hasFocus()  # first Escape: out of the field, results stay
    assert searching(window)
    # Typed keys now act on the list again: j moves to the first result.
    qtbot.keyClick(window.article_list, Qt.Key.Key_J)
    assert window.article_list.current_entry_id() == window.article_model.entry_id(0)
    qtbot.keyClick(window.article_list, Qt.Key.Key_Escape)
    assert not searching(window)
    assert window.search_box.text() == ""
    assert window.article_model.rowCount() == all_rows


def test_choosing_a_feed_ends_the_search(
    qtbot: QtBot, window: MainWindow, library: Library, filled_library: dict[str, FeedId]
) -> None:
    search_for(qtbot, window, "title")
    window.feed_tree.select(Selection(feed_id=filled_library["misc"]))
    assert not searching(window)
    assert window.search_box.text() == ""
    assert window.article_model.rowCount() == 5


def test_marking_everything_read_marks_the_results_and_undoes(
    qtbot: QtBot, window: MainWindow, library: Library, filled_library: dict[str, FeedId]
) -> None:
    search_for(qtbot, window, "feed:europe")
    results = set(library.search_ids("feed:europe"))
    assert len(results) == 20
    window.article_list.setFocus()
    qtbot.keyClick(window.article_list, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(window.undo_offer.isVisible)
    assert window.undo_offer.label.text() == "Marked 20 articles read in the search results"
    unread = set(library.entry_ids(EntryQuery(unread_only=True)))
    assert not unread & results
    assert len(unread) == 45  # the other feeds are untouched
    qtbot.keyClick(window.article_list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(library.entry_ids(EntryQuery(unread_only=True))) == 65)


def test_enter_in_the_field_searches_instead_of_opening_the_article(
    qtbot: QtBot, window: MainWindow
) -> None:
    opened: list[object] = []
    window.actions_by_id["article.open"].triggered.connect(lambda: opened.append(1))
    window.article_list.select_entry(window.article_model.entry_id(0), mark_read=False)
    search_for(qtbot, window, "summary")
    assert opened == []
    assert searching(window)


def test_snippet_runs_collapse_white_space_and_keep_highlights() -> None:
    runs = snippet_runs("a  \n b \x02kernel\x03\tnews")
    assert runs == [("a b ", False), ("kernel", True), (" news", False)]
