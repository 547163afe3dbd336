"""The keyboard settings of the reading window, live: single-key shortcuts on and off, the
Newsboat and NetNewsWire profiles, a key changed in the shortcuts editor that outlives a
restart, and a first session from an empty library to a read feed, keyboard only, in each
profile. Real key events to the active window, as in test_keyboard.py (its Harness)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QTimer, QUrl
from PySide6.QtWidgets import QApplication

from reader_app.domain import EntryQuery
from reader_app.settings import Settings
from reader_app.ui.dialogs.add_feed import AddFeedDialog
from reader_app.ui.dialogs.cheat_sheet import CheatSheet
from reader_app.ui.dialogs.shortcuts import KeyEdit, ShortcutsDialog
from reader_app.ui.main_window import MainWindow
from reader_app.ui.selection import Selection, SmartView
from reader_app.ui.widgets.command_palette import CommandPalette
from tests.gui import test_keyboard as keyboard_tests
from tests.gui.test_keyboard import (
    WAIT_MS,
    Harness,
    closed,
    feed_entry_ids,
    row_ids,
    shown,
    wait_for_modal,
)
from tests.support.feedserver import rss

kb = keyboard_tests.kb  # the keyboard tests' harness: windows on a real library, real keys


def no_dialog_open(window: MainWindow) -> bool:
    return not any(
        widget.isVisible()
        for kind in (CheatSheet, CommandPalette)
        for widget in window.findChildren(kind)
    )


# --- single-key shortcuts ----------------------------------------------------------------------


def test_single_key_shortcuts_can_be_turned_off_and_on(kb: Harness) -> None:
    settings = Settings()
    window = kb.reading("world", row=0, settings=settings)
    world = row_ids(window)

    # What Preferences does on OK: set the value (the window hears of it and applies).
    settings.set("keyboard.single_key_shortcuts", False)
    kb.qtbot.waitUntil(lambda: not window.tasks.busy)  # the list's own reads are done
    for keys in ("J", "Shift+J", "M", "?", "G, S"):
        kb.press(keys)
    assert window.article_list.current_entry_id() == world[0]
    assert window.feed_tree.current_selection() == Selection(feed_id=kb.feeds["world"])
    kb.qtbot.waitUntil(lambda: not window.tasks.busy)  # a write would be done by now
    assert len(window.undo_journal) == 0  # M marked nothing
    assert no_dialog_open(window)

    # Keys with Ctrl, and named keys, still work.
    kb.press("Ctrl+K")
    palette = shown(window, CommandPalette)
    kb.press("Esc")
    assert not palette.isVisible()
    kb.qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.tag_filter.set_chosen(frozenset({"News"}), emit=True)
    kb.press("Esc")
    assert window.tag_filter.chosen() == frozenset()

    settings.set("keyboard.single_key_shortcuts", True)
    window.feed_tree.select(Selection(feed_id=kb.feeds["world"]))
    window.article_list.select_entry(world[0], mark_read=False)
    kb.press("J")
    assert window.article_list.current_entry_id() == world[1]
    kb.press("Shift+J")
    assert window.feed_tree.current_selection() == Selection(feed_id=kb.feeds["linux"])


# --- profiles --------------------------------------------------------------------------------


def test_switching_profile_changes_the_keys_at_once(kb: Harness) -> None:
    feeds = kb.feeds
    settings = Settings()
    window = kb.reading("world", row=0, settings=settings)
    world = row_ids(window)

    # Newsboat: j / k change feed, J / K change article, N toggles read, T is the tag filter.
    settings.set("keyboard.profile", "newsboat")
    kb.press("J")
    assert window.feed_tree.current_selection() == Selection(feed_id=feeds["linux"])
    kb.press("K")
    assert window.feed_tree.current_selection() == Selection(feed_id=feeds["world"])
    kb.press("Shift+J")  # from no current article: the first
    assert window.article_list.current_entry_id() == world[0]
    kb.press("Shift+J")
    assert window.article_list.current_entry_id() == world[1]
    kb.press("Shift+N")
    kb.qtbot.waitUntil(lambda: kb.library.entry(world[1]).read)
    kb.press("O")
    assert kb.urls == [QUrl(kb.library.entry(world[1]).link or "")]
    kb.press("T")
    kb.qtbot.waitUntil(window.tag_filter.popup.isVisible)
    assert not isinstance(QApplication.activeModalWidget(), AddFeedDialog)
    kb.press("Esc")
    kb.qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    kb.press("Ctrl+N")  # the next feed with unread articles, not Add Feed
    assert window.feed_tree.current_selection() == Selection(feed_id=feeds["linux"])
    assert QApplication.activeModalWidget() is None

    # NetNewsWire: z / a next and previous feed, r toggles read, b opens, k marks all read,
    # Ctrl+1/2/3 the smart views.
    settings.set("keyboard.profile", "netnewswire")
    kb.press("A")
    assert window.feed_tree.current_selection() == Selection(feed_id=feeds["world"])
    kb.press("Z")
    assert window.feed_tree.current_selection() == Selection(feed_id=feeds["linux"])
    linux = row_ids(window)
    kb.press("J")
    assert window.article_list.current_entry_id() == linux[0]
    kb.press("R")
    kb.qtbot.waitUntil(lambda: kb.library.entry(linux[0]).read)
    assert not window.sync.running, "R toggles read here; it refreshes nothing"
    kb.press("B")
    assert kb.urls[-1] == QUrl(kb.library.entry(linux[0]).link or "")
    kb.press("K")
    kb.qtbot.waitUntil(lambda: kb.library.unread_counts().get(feeds["linux"], 0) == 0)
    assert kb.library.unread_counts()[feeds["world"]] == 29
    kb.press("Ctrl+3")
    assert window.feed_tree.current_selection() == Selection(view=SmartView.STARRED)
    kb.press("Ctrl+2")
    assert window.feed_tree.current_selection() == Selection(view=SmartView.UNREAD)
    kb.press("Ctrl+1")
    assert window.feed_tree.current_selection() == Selection(view=SmartView.TODAY)

    # Back to the default profile: j is the next article again.
    settings.set("keyboard.profile", "default")
    window.feed_tree.select(Selection(feed_id=feeds["world"]))
    window.article_list.select_entry(world[0], mark_read=False)
    kb.press("J")
    assert window.article_list.current_entry_id() == world[1]
    assert window.feed_tree.current_selection() == Selection(feed_id=feeds["world"])


# --- a changed key outlives a restart ---------------------------------------------------------


def in_shortcuts_dialog(kb: Harness, steps: Callable[[ShortcutsDialog], None]) -> list[str]:
    """Run ``steps`` in the shortcuts editor once it is open and active.

    The window runs the editor with ``exec``, inside the key press that opened it, so the
    steps run from a timer. Whatever goes wrong is returned, and the editor is closed, so the
    test fails instead of waiting forever."""
    problems: list[str] = []

    def poll(tries: int = 500) -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, ShortcutsDialog) and QApplication.activeWindow() is dialog:
            try:
                steps(dialog)
            except Exception as exc:  # noqa: BLE001  # any failure: close the editor, report it
                problems.append(repr(exc))
            if dialog.isVisible():
                problems.append("the editor was left open")
                dialog.reject()
        elif tries:
            QTimer.singleShot(10, lambda: poll(tries - 1))
        else:
            problems.append("the editor never opened")

    QTimer.singleShot(0, poll)
    return problems


def test_a_key_changed_in_the_editor_works_after_a_restart(kb: Harness) -> None:
    window = kb.reading("misc", row=0)
    misc = row_ids(window)

    def give_next_article_the_l_key(dialog: ShortcutsDialog) -> None:
        kb.type("next article")
        assert dialog.visible_action_ids() == ["article.next"]
        kb.press("Return")  # to the list
        kb.press("Return")  # to the action's first key box, holding J
        assert isinstance(QApplication.focusWidget(), KeyEdit)
        kb.press("L")  # recorded instead of J
        kb.press("Tab")  # ends the recording
        assert dialog.keys("article.next") == ("L",)
        for _ in range(30):
            if QApplication.focusWidget() is dialog.ok_button:
                break
            kb.press("Tab")
        kb.press("Space")

    problems = in_shortcuts_dialog(kb, give_next_article_the_l_key)
    # The editor has no key of its own: the command palette finds it.
    kb.press("Ctrl+K")
    kb.type("keyboard shortcuts")
    kb.press("Return")
    assert problems == []
    assert window.settings.shortcut_overrides() == {"article.next": ("L",)}
    kb.back_to(window)
    kb.press("L")
    assert window.article_list.current_entry_id() == misc[1]
    window.close()

    loaded = Settings.load(kb.paths.settings_file)
    assert loaded.warnings == ()
    again = kb.window(loaded.settings)
    assert again.article_list.current_entry_id() == misc[1]  # where the last session ended
    again.article_list.setFocus()
    kb.press("L")
    assert again.article_list.current_entry_id() == misc[2]
    assert again.article_view.current_entry_id == misc[2]
    kb.press("J")  # the old key does nothing now
    assert again.article_list.current_entry_id() == misc[2]


# --- a first session, keyboard only, in each profile -------------------------------------------


@dataclass(frozen=True, slots=True)
class Journey:
    """The keys of one profile for a first session. ``add``: the presses (and text) that open
    Add Feed, a list of ("press", keys) and ("type", text)."""

    add: tuple[tuple[str, str], ...]
    next_unread: str
    next_article: str
    star: str
    tag_filter: str
    mark_all_read: str
    search: str


JOURNEYS = {
    "default": Journey((("press", "Ctrl+N"),), "N", "J", "S", "F", "Shift+A", "/"),
    "netnewswire": Journey((("press", "Ctrl+N"),), "N", "J", "S", "F", "K", "Ctrl+Alt+F"),
    # Newsboat gives Ctrl+N to the next feed with unread articles, leaving Add Feed without a
    # key: its ":" command line is the command palette here.
    "newsboat": Journey(
        (("press", ":"), ("type", "add feed"), ("press", "Return")),
        "N",
        "Shift+J",
        "S",
        "T",
        "Shift+A",
        "/",
    ),
}


@pytest.mark.parametrize("profile", list(JOURNEYS))
def test_a_first_session_needs_no_mouse(kb: Harness, profile: str) -> None:
    journey = JOURNEYS[profile]
    kb.server.route("/news.xml", body=rss("Morning News", items=3))
    url = kb.server.url("/news.xml")
    settings = Settings()
    settings.set("keyboard.profile", profile)
    # The sync runs in its own process, as in the app.
    window = kb.window(settings, sync_in_child=True)
    assert window.stack.currentWidget() is window.first_run

    # Subscribe: the address, Tab, a tag, Return.
    for kind, text in journey.add:
        if kind == "press":
            kb.press(text)
        else:
            kb.type(text)
    dialog = wait_for_modal(kb, AddFeedDialog)
    assert dialog.url_edit.hasFocus()
    kb.type(url)
    kb.press("Tab")
    assert dialog.tags_edit.hasFocus()
    kb.type("News")
    kb.press("Return")
    kb.qtbot.waitUntil(lambda: closed(dialog), timeout=WAIT_MS)
    kb.back_to(window)

    # The feed arrives by the sync the subscription started.
    kb.qtbot.waitUntil(
        lambda: (
            kb.library.unread_total() == 3
            and window.article_model.rowCount() == 3
            and not window.sync.running
        ),
        timeout=WAIT_MS,
    )
    (summary,) = kb.library.feeds()
    assert summary.feed.tags == ("News",)
    assert window.stack.currentWidget() is window.main_splitter
    entries = feed_entry_ids(kb.library, summary.feed.id)

    # Read: the first unread, then the next article; star it.
    kb.press(journey.next_unread)
    assert window.article_view.current_entry_id == entries[0]
    kb.press(journey.next_article)
    assert window.article_view.current_entry_id == entries[1]
    kb.press(journey.star)
    kb.qtbot.waitUntil(lambda: kb.library.entry(entries[1]).starred)

    # Search, look at the one result, and back to the list.
    kb.press(journey.search)
    assert window.search_box.hasFocus()
    kb.type('"item 2"')
    with kb.qtbot.waitSignal(window.article_model.loaded, timeout=WAIT_MS):
        kb.press("Return")
    assert window.article_model.rowCount() == 1
    kb.press("Esc")  # out of the field, onto the results
    kb.press(journey.next_article)
    assert window.article_view.current_entry_id == entries[2]
    kb.press("Esc")  # the search ends
    assert window.article_model.search is None
    assert window.article_model.rowCount() == 3

    # Only feeds tagged News.
    kb.press(journey.tag_filter)
    popup = window.tag_filter.popup
    kb.qtbot.waitUntil(lambda: popup.isVisible() and popup.search.hasFocus())
    kb.type("News")
    kb.press("Return")
    assert window.tag_filter.chosen() == frozenset({"News"})
    kb.press("Esc")
    kb.qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    assert window.feed_model.visible_feed_ids() == {summary.feed.id}

    # Everything read.
    kb.press(journey.mark_all_read)
    kb.qtbot.waitUntil(lambda: kb.library.unread_total() == 0)
    assert kb.library.count_entries(EntryQuery(starred_only=True)) == 1
    kb.qtbot.waitUntil(lambda: window.windowTitle() == "Reader App")


@pytest.mark.parametrize("keys", ["Space", "Return"])
def test_the_first_run_buttons_can_be_pressed_from_the_keyboard(kb: Harness, keys: str) -> None:
    window = kb.window()
    assert window.stack.currentWidget() is window.first_run
    # The panel's default button has the focus when the window opens.
    assert QApplication.focusWidget() is window.first_run.add_button
    kb.press(keys)
    assert isinstance(QApplication.activeModalWidget(), AddFeedDialog)
