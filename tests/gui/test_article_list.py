"""The article list widget with real clicks and keys over a real library: the current
article, marking read after the delay, the context menu, moving, and keeping the reader's
place when articles arrive."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QContextMenuEvent, QGuiApplication
from PySide6.QtWidgets import QApplication, QHeaderView, QMenu

from reader_app.domain import Changes, EntryId, EntryQuery
from reader_app.library import Library
from reader_app.ui.models.article_table import PAGE, TITLE, ArticleTableModel
from reader_app.ui.selection import Selection, SmartView, entry_query
from reader_app.ui.widgets.article_list import ArticleList
from tests.conftest import FIXED_NOW, FixedClock, add_feed_with_entries, make_entries

ALL = entry_query(Selection(view=SmartView.ALL), now=FIXED_NOW)


@pytest.fixture
def model(library: Library, clock: FixedClock) -> ArticleTableModel:
    return ArticleTableModel(library, clock=clock)


@pytest.fixture
def make_list(qtbot, model: ArticleTableModel) -> Callable[..., ArticleList]:
    def make(**options: object) -> ArticleList:
        view = ArticleList(model, **options)  # type: ignore[arg-type]
        qtbot.addWidget(view)
        view.resize(700, 400)
        with qtbot.waitExposed(view):
            view.show()
        return view

    return make


def click_row(qtbot, view: ArticleList, row: int, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    rect = view.visualRect(view.model().index(row, TITLE))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def test_view_setup(make_list, model: ArticleTableModel, filled_library) -> None:
    model.set_query(ALL)
    view = make_list()
    assert view.selectionMode() == view.SelectionMode.ExtendedSelection
    assert view.selectionBehavior() == view.SelectionBehavior.SelectRows
    assert not view.isSortingEnabled()
    assert not view.verticalHeader().isVisible()
    header = view.horizontalHeader()
    assert header.sectionResizeMode(TITLE) == QHeaderView.ResizeMode.Stretch
    assert header.sectionSize(TITLE) > header.sectionSize(1) > header.sectionSize(3)
    # Rows are one height, set once, not measured per row.
    assert view.verticalHeader().sectionResizeMode(0) == QHeaderView.ResizeMode.Fixed
    assert view.rowHeight(0) == view.rowHeight(64)


def test_clicking_a_row_makes_it_current_and_marks_it_read_after_the_delay(
    qtbot, make_list, model: ArticleTableModel, filled_library
) -> None:
    model.set_query(ALL)
    view = make_list(mark_read_delay_ms=50)
    target = model.entry_id(3)
    changed: list[object] = []
    view.current_entry_changed.connect(changed.append)

    with qtbot.waitSignal(view.mark_read_due, timeout=5000) as due:
        click_row(qtbot, view, 3)
        assert changed == [target]
        assert view.current_entry_id() == target
    assert due.args == [target]


def test_only_the_article_that_stayed_current_is_marked(
    qtbot, make_list, model: ArticleTableModel, filled_library
) -> None:
    model.set_query(ALL)
    view = make_list(mark_read_delay_ms=100)
    due: list[object] = []
    view.mark_read_due.connect(due.append)
    with qtbot.waitSignal(view.mark_read_due, timeout=5000):
        click_row(qtbot, view, 1)
        click_row(qtbot, view, 2)  # before the delay is over
    assert due == [model.entry_id(2)]


def test_keys_move_the_current_article_too(
    qtbot, make_list, model: ArticleTableModel, filled_library
) -> None:
    model.set_query(ALL)
    view = make_list(mark_read_delay_ms=10)
    click_row(qtbot, view, 0)
    with qtbot.waitSignal(view.mark_read_due, timeout=5000) as due:
        qtbot.keyClick(view, Qt.Key.Key_Down)
    assert due.args == [model.entry_id(1)]


def test_no_mark_read_when_turned_off_or_already_read(
    qtbot, library: Library, make_list, model: ArticleTableModel, filled_library
) -> None:
    model.set_query(ALL)
    view = make_list(mark_read_on_select=False, mark_read_delay_ms=10)
    with qtbot.assertNotEmitted(view.mark_read_due, wait=200):
        click_row(qtbot, view, 2)
    model.apply_changes(library.mark_read([model.entry_id(4)]).changes)
    view.set_mark_read_on_select(True)
    with qtbot.assertNotEmitted(view.mark_read_due, wait=200):
        click_row(qtbot, view, 4)


def test_focus_alone_opens_no_article(
    qtbot, make_list, model: ArticleTableModel, filled_library
) -> None:
    model.set_query(ALL)
    view = make_list(mark_read_delay_ms=0)
    changed: list[object] = []
    view.current_entry_changed.connect(changed.append)
    with qtbot.waitActive(view):
        view.activateWindow()
    view.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(view.hasFocus)
    assert view.current_entry_id() is None
    assert changed == []
    with qtbot.waitSignal(view.mark_read_due):
        qtbot.keyClick(view, Qt.Key.Key_Down)  # the keys still start at the top
    assert changed == [model.entry_id(0)]


def test_restoring_an_article_leaves_it_unread(
    qtbot, make_list, model: ArticleTableModel, filled_library
) -> None:
    model.set_query(ALL)
    view = make_list()
    view.configure_mark_read(enabled=True, delay_ms=10)
    with qtbot.assertNotEmitted(view.mark_read_due, wait=200):
        assert view.select_entry(model.entry_id(6), mark_read=False)
    assert view.current_entry_id() == model.entry_id(6)
    with qtbot.waitSignal(view.mark_read_due) as due:
        assert view.select_entry(model.entry_id(7))
    assert due.args == [model.entry_id(7)]


def test_a_new_query_clears_the_current_article(
    qtbot, make_list, model: ArticleTableModel, filled_library
) -> None:
    model.set_query(ALL)
    view = make_list()
    click_row(qtbot, view, 2)
    with qtbot.waitSignal(view.current_entry_changed) as changed:
        model.set_query(entry_query(Selection(tag="Tech"), now=FIXED_NOW))
    assert changed.args == [None]
    assert view.current_entry_id() is None
    assert view.selected_ids() == ()


def run_context_menu(qtbot, view: ArticleList, row: int, action_text: str) -> list[str]:
    """Open the context menu on ``row`` as a right click would, choose ``action_text`` with
    the keyboard, and return the texts of the menu's enabled actions."""
    enabled: list[str] = []

    def choose() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        enabled.extend(a.text() for a in menu.actions() if a.isEnabled() and a.text())
        action = next(a for a in menu.actions() if a.text() == action_text)
        menu.setActiveAction(action)
        qtbot.keyClick(menu, Qt.Key.Key_Return)

    QTimer.singleShot(0, choose)
    pos = view.visualRect(view.model().index(row, TITLE)).center()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, view.viewport().mapToGlobal(pos))
    QApplication.sendEvent(view.viewport(), event)
    return enabled


# Offscreen windows cannot raise a popup or grab the keyboard; Qt says so for every menu.
@pytest.mark.qt_log_ignore("This plugin does not support")
def test_context_menu_acts_on_the_selected_rows(
    qtbot, library: Library, make_list, model: ArticleTableModel, filled_library
) -> None:
    model.set_query(ALL)
    view = make_list()
    click_row(qtbot, view, 1)
    click_row(qtbot, view, 3, Qt.KeyboardModifier.ControlModifier)
    click_row(qtbot, view, 5, Qt.KeyboardModifier.ControlModifier)
    expected = (model.entry_id(1), model.entry_id(3), model.entry_id(5))
    assert view.selected_ids() == expected

    with qtbot.waitSignal(view.state_change_requested) as requested:
        enabled = run_context_menu(qtbot, view, 3, "Mark read")
    assert requested.args == [expected, "read", True]
    # All unread and unstarred: only what would change something is offered.
    assert enabled == ["Mark read", "Star", "Open in browser", "Copy links"]

    model.apply_changes(library.mark_read(expected[:1]).changes)
    with qtbot.waitSignal(view.state_change_requested) as requested:
        run_context_menu(qtbot, view, 3, "Star")
    assert requested.args == [expected, "starred", True]
    with qtbot.waitSignal(view.open_requested) as opened:
        run_context_menu(qtbot, view, 5, "Open in browser")
    assert opened.args == [expected]
    run_context_menu(qtbot, view, 5, "Copy links")
    links = [library.entry(i).link for i in expected]
    assert QGuiApplication.clipboard().text() == "\n".join(links)  # type: ignore[arg-type]


def test_move_current(qtbot, make_list, model: ArticleTableModel, filled_library) -> None:
    model.set_query(entry_query(Selection(feed_id=filled_library["misc"]), now=FIXED_NOW))
    view = make_list()
    assert view.current_entry_id() is None
    assert view.move_current(1)
    assert view.currentIndex().row() == 0
    assert view.move_current(3)
    assert view.currentIndex().row() == 3
    assert view.selected_ids() == (model.entry_id(3),)
    assert view.move_current(1)
    assert not view.move_current(1)  # the last row
    assert view.currentIndex().row() == 4
    assert view.move_current(-4)
    assert not view.move_current(-1)
    assert view.current_entry_id() == model.entry_id(0)


def test_move_current_pages_down_a_partial_list(
    qtbot, library: Library, make_list, model: ArticleTableModel
) -> None:
    feed = add_feed_with_entries(library, "https://big.example/", PAGE + 5)
    view = make_list()
    model.set_query(EntryQuery(feed_ids=frozenset({feed})))
    assert model.rowCount() == PAGE
    assert view.select_entry(model.entry_id(PAGE - 1))
    assert view.move_current(1)
    assert (
        view.current_entry_id() == library.entry_ids(EntryQuery(feed_ids=frozenset({feed})))[PAGE]
    )


def test_next_unread(
    qtbot, library: Library, make_list, model: ArticleTableModel, filled_library
) -> None:
    model.set_query(entry_query(Selection(feed_id=filled_library["europe"]), now=FIXED_NOW))
    view = make_list(mark_read_on_select=False)
    ids = [model.entry_id(r) for r in range(model.rowCount())]
    library.mark_read(ids[:3] + ids[4:15] + ids[16:])
    assert view.next_unread() == ids[3]
    assert view.current_entry_id() == ids[3]
    assert view.next_unread() == ids[15]
    assert view.next_unread() is None  # none below: the window goes on to another feed
    assert view.current_entry_id() == ids[15]
    assert view.next_unread(after_current=False) == ids[3]
    assert view.previous_unread() is None
    view.move_current(10)
    assert view.previous_unread() == ids[3]
    view.selectionModel().clearCurrentIndex()
    assert view.previous_unread() == ids[15]  # from the bottom


def test_select_entry_far_down_a_partial_list(
    qtbot, library: Library, make_list, model: ArticleTableModel
) -> None:
    feed = add_feed_with_entries(library, "https://big.example/", 3 * PAGE)
    target = library.entry_ids(EntryQuery(feed_ids=frozenset({feed})))[2 * PAGE + 7]
    view = make_list()
    model.set_query(EntryQuery(feed_ids=frozenset({feed})))
    assert model.row_of(target) is None  # not among the rows read so far

    assert view.select_entry(target)

    assert view.current_entry_id() == target
    assert view.selected_ids() == (target,)
    rect = view.visualRect(view.currentIndex())
    assert view.viewport().rect().contains(rect)
    assert not view.select_entry(EntryId(10**9))
    assert view.current_entry_id() == target


def test_arriving_articles_leave_the_reader_where_they_were(
    qtbot, library: Library, make_list, model: ArticleTableModel, filled_library
) -> None:
    world = filled_library["world"]
    model.set_query(ALL)
    view = make_list(mark_read_on_select=False)
    view.resize(700, 250)
    view.scrollTo(model.index(40, TITLE), view.ScrollHint.PositionAtCenter)
    click_row(qtbot, view, 38)
    click_row(qtbot, view, 40, Qt.KeyboardModifier.ControlModifier)
    current, selected = view.current_entry_id(), view.selected_ids()
    top = view.visualRect(view.currentIndex()).top()
    assert top > 0
    changed: list[object] = []
    view.current_entry_changed.connect(changed.append)

    fresh = make_entries(3, start=FIXED_NOW + timedelta(minutes=10), prefix="new")
    added = library.add_entries(world, fresh)
    model.apply_changes(Changes(feeds=frozenset({world}), entries=frozenset(added)))
    qtbot.wait(0)  # let the view repaint with the new rows

    assert model.rowCount() == 68
    assert view.current_entry_id() == current
    assert view.selected_ids() == selected
    assert view.currentIndex().row() == 43
    assert view.visualRect(view.currentIndex()).top() == top
    assert changed == []
    view.scrollToTop()
    assert {model.entry_id(r) for r in range(3)} == set(added)


def test_deleting_the_current_article_moves_to_a_neighbour(
    qtbot, library: Library, make_list, model: ArticleTableModel, filled_library
) -> None:
    model.set_query(ALL)
    view = make_list(mark_read_on_select=False)
    click_row(qtbot, view, 4)
    gone = model.entry_id(4)
    with qtbot.waitSignal(view.current_entry_changed) as changed:
        model.apply_changes(library.delete_entries([gone]).changes)
    assert changed.args == [view.current_entry_id()]
    assert changed.args[0] is not None
    assert changed.args[0] != gone
    assert model.row_of(gone) is None
