"""The keyboard cheat sheet over the window's real actions, driven by real keys."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow
from pytestqt.qtbot import QtBot

from reader_app.ui.actions import ACTIONS, build_actions
from reader_app.ui.dialogs.cheat_sheet import (
    CheatSheet,
    action_label,
    balance,
    sequence_text,
)

pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support (raise|grabbing|propagateSizeHints)"
)

# Rows the table is getting; made here as plain QActions until it has them.
PLANNED = {
    "edit.find": ("&Find…", ("/", "Ctrl+F")),
    "edit.undo": ("&Undo", ("Ctrl+Z",)),
    "edit.shortcuts": ("Keyboard &Shortcuts…", ()),
    "help.cheat_sheet": ("Keyboard Shortcut &Cheat Sheet", ("?",)),
    "help.command_palette": ("Command &Palette…", ("Ctrl+K", "Ctrl+Shift+P")),
}


def window_actions(window: QMainWindow) -> dict[str, QAction]:
    """The window's actions in menu order, the planned rows placed at the end of their menu."""
    built = build_actions(window, {item.id: (lambda: None) for item in ACTIONS})
    ids = list(built)
    for action_id, (text, keys) in PLANNED.items():
        if action_id in built:
            continue
        action = QAction(text, window)
        action.setShortcuts([QKeySequence(key) for key in keys])
        built[action_id] = action
        prefix = action_id.split(".")[0] + "."
        last = max((n for n, i in enumerate(ids) if i.startswith(prefix)), default=len(ids) - 1)
        ids.insert(last + 1, action_id)
    return {action_id: built[action_id] for action_id in ids}


@pytest.fixture
def window(qtbot: QtBot) -> QMainWindow:
    host = QMainWindow()
    host.setCentralWidget(QLabel("articles"))
    host.resize(1280, 800)
    qtbot.addWidget(host)
    host.show()
    qtbot.waitExposed(host)
    return host


@pytest.fixture
def actions(window: QMainWindow) -> dict[str, QAction]:
    return window_actions(window)


@pytest.fixture
def sheet(qtbot: QtBot, window: QMainWindow, actions: dict[str, QAction]) -> CheatSheet:
    dialog = CheatSheet(actions, "Default", window)
    qtbot.addWidget(dialog)
    dialog.toggle()
    qtbot.waitExposed(dialog)
    return dialog


def labels(sheet: CheatSheet) -> dict[str, list[str]]:
    return {title: [row.label for row in rows] for title, rows in sheet.shown_rows().items()}


def keys_of(sheet: CheatSheet, label: str) -> tuple[tuple[str, ...], ...]:
    for rows in sheet.shown_rows().values():
        for row in rows:
            if row.label == label:
                return row.shortcuts
    raise KeyError(label)


def test_names_drop_mnemonics_and_ellipses() -> None:
    assert action_label("&Add Feed…") == "Add Feed"
    assert action_label("Previous Feed with U&nread") == "Previous Feed with Unread"
    assert action_label("R&&D Notes...") == "R&D Notes"
    assert sequence_text(QKeySequence("G, A")) == "G then A"
    assert sequence_text(QKeySequence("Ctrl+Shift+P")) == "Ctrl+Shift+P"


def test_balance_keeps_order_and_evens_out_columns() -> None:
    assert balance([5, 6, 10, 12, 11, 4], 3) == [0, 0, 0, 1, 2, 2]
    assert balance([4, 4, 4, 4], 2) == [0, 0, 1, 1]
    assert balance([9], 3) == [0]
    assert balance([], 3) == []


def test_sections_follow_the_menus_and_leave_out_actions_without_keys(
    sheet: CheatSheet, actions: dict[str, QAction]
) -> None:
    assert sheet.windowTitle() == "Keyboard Shortcuts — Default"
    shown = labels(sheet)
    assert list(shown) == ["File", "Edit", "View", "Feeds", "Articles", "Help"]
    assert shown["Articles"][:4] == [
        "Next Article",
        "Previous Article",
        "Next Unread Article",
        "Previous Unread Article",
    ]
    label = {action_id: action_label(action.text()) for action_id, action in actions.items()}
    assert label["edit.find"] in shown["Edit"]
    assert shown["Help"] == [label["help.cheat_sheet"], label["help.command_palette"]]
    every = [name for rows in shown.values() for name in rows]
    # No shortcut, no row (Export OPML, Hide Read Articles, ...); every other action has one.
    without = [i for i, a in actions.items() if all(s.isEmpty() for s in a.shortcuts())]
    assert "file.export_opml" in without
    assert not {label[i] for i in without} & set(every)
    assert len(every) == len(actions) - len(without)

    assert keys_of(sheet, "Go to All") == (("G", "A"),)
    assert keys_of(sheet, "Refresh All Feeds") == (("Shift+R",), ("F5",), ("Ctrl+R",))
    assert keys_of(sheet, label["edit.find"]) == (("/",), ("Ctrl+F",))
    # Shown as the platform spells it, the same text the menus show.
    native = actions["feed.properties"].shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    assert keys_of(sheet, "Properties") == ((native,),)
    # A key of a special keyboard (the "Zoom In" button) is left out; the typed ones stay.
    assert all("Zoom" not in chord for shortcut in keys_of(sheet, "Zoom In") for chord in shortcut)
    assert (("Ctrl+=",)) in keys_of(sheet, "Zoom In")


def test_fits_a_1280_by_800_window_in_columns_without_scrolling(sheet: CheatSheet) -> None:
    window = sheet.parentWidget()
    assert window is not None
    assert sheet.width() <= window.width()
    assert sheet.height() <= window.height()
    assert not sheet.scroll_area.verticalScrollBar().isVisible()
    assert {sheet.column_of(title) for title in sheet.shown_rows()} == {0, 1, 2}
    assert sheet.column_of("File") == 0
    assert sheet.column_of("Help") == 2


def test_a_changed_shortcut_shows_up_while_open(
    qtbot: QtBot, sheet: CheatSheet, actions: dict[str, QAction]
) -> None:
    actions["article.next"].setShortcuts([QKeySequence("Ctrl+J"), QKeySequence("X, Y")])
    qtbot.waitUntil(lambda: keys_of(sheet, "Next Article") == (("Ctrl+J",), ("X", "Y")))
    actions["article.toggle_star"].setShortcuts([])
    qtbot.waitUntil(lambda: "Toggle Star" not in labels(sheet)["Articles"])
    actions["file.export_opml"].setShortcut(QKeySequence("Ctrl+E"))
    qtbot.waitUntil(lambda: "Export OPML" in labels(sheet)["File"])
    actions["article.open"].setVisible(False)
    qtbot.waitUntil(lambda: "Open in Browser" not in labels(sheet)["Articles"])


def test_a_shortcut_changed_while_closed_shows_up_when_opened_again(
    qtbot: QtBot, sheet: CheatSheet, actions: dict[str, QAction]
) -> None:
    sheet.toggle()
    assert not sheet.isVisible()
    actions["view.go_all"].setShortcut(QKeySequence("Alt+A"))
    sheet.toggle()
    qtbot.waitExposed(sheet)
    assert keys_of(sheet, "Go to All") == (("Alt+A",),)


def test_typing_filters_by_name_menu_or_key(qtbot: QtBot, sheet: CheatSheet) -> None:
    assert sheet.filter.hasFocus()
    qtbot.keyClicks(sheet.filter, "unread")
    assert labels(sheet) == {
        "View": ["Go to Unread"],
        "Feeds": ["Next Feed with Unread", "Previous Feed with Unread"],
        "Articles": [
            "Next Unread Article",
            "Previous Unread Article",
            "Scroll Down or Next Unread",
        ],
    }
    sheet.filter.clear()
    qtbot.keyClicks(sheet.filter, "ctrl+")
    shown = [label for rows in labels(sheet).values() for label in rows]
    assert "Add Feed" in shown
    assert "Next Article" not in shown
    sheet.filter.clear()
    qtbot.keyClicks(sheet.filter, "articles toggle")
    assert labels(sheet) == {"Articles": ["Toggle Read", "Toggle Star"]}

    sheet.filter.clear()
    qtbot.keyClicks(sheet.filter, "<b>nothing")
    assert labels(sheet) == {}
    assert sheet.empty.isVisible()
    assert sheet.empty.text() == "No shortcut matches “<b>nothing”."
    assert sheet.empty.textFormat() == Qt.TextFormat.PlainText
    sheet.filter.clear()
    assert len(labels(sheet)) == 6
    assert not sheet.empty.isVisible()


def test_question_mark_closes_and_is_not_typed(qtbot: QtBot, sheet: CheatSheet) -> None:
    qtbot.keyClicks(sheet.filter, "go")
    qtbot.keyClick(sheet.filter, "?")
    assert not sheet.isVisible()
    assert sheet.filter.text() == "go"


def test_escape_closes(qtbot: QtBot, sheet: CheatSheet) -> None:
    qtbot.keyClick(sheet.filter, Qt.Key.Key_Escape)
    assert not sheet.isVisible()


def test_the_close_key_follows_the_cheat_sheet_action(
    qtbot: QtBot, sheet: CheatSheet, actions: dict[str, QAction]
) -> None:
    actions["help.cheat_sheet"].setShortcut(QKeySequence("F1"))
    qtbot.waitUntil(lambda: "F1 or Esc to close" in sheet.hint.text())
    qtbot.keyClick(sheet.filter, "?")
    assert sheet.isVisible()
    assert sheet.filter.text() == "?"
    qtbot.keyClick(sheet.filter, Qt.Key.Key_F1)
    assert not sheet.isVisible()

    # Unbound (or single-key shortcuts turned off): only Escape closes it.
    actions["help.cheat_sheet"].setShortcuts([])
    sheet.toggle()
    qtbot.waitExposed(sheet)
    assert sheet.hint.text() == "Default shortcuts · Esc to close"
    cheat_sheet = action_label(actions["help.cheat_sheet"].text())
    assert cheat_sheet not in labels(sheet).get("Help", [])
    sheet.filter.clear()
    qtbot.keyClick(sheet.filter, "?")
    assert sheet.isVisible()
    qtbot.keyClick(sheet.filter, Qt.Key.Key_Escape)
    assert not sheet.isVisible()


def test_shifted_symbols_close_as_typed(
    qtbot: QtBot, sheet: CheatSheet, actions: dict[str, QAction]
) -> None:
    # "?" arrives as Shift+? from most keyboards; the shortcut is written without Shift.
    qtbot.keyClick(sheet.filter, Qt.Key.Key_Question, Qt.KeyboardModifier.ShiftModifier)
    assert not sheet.isVisible()


def test_profile_name_in_title(sheet: CheatSheet) -> None:
    sheet.set_profile("Newsboat")
    assert sheet.windowTitle() == "Keyboard Shortcuts — Newsboat"
    assert sheet.hint.text().startswith("Newsboat shortcuts")


def test_a_narrow_window_gets_fewer_columns_and_scrolls(
    qtbot: QtBot, window: QMainWindow, actions: dict[str, QAction]
) -> None:
    window.resize(640, 420)
    dialog = CheatSheet(actions, "Default", window)
    qtbot.addWidget(dialog)
    dialog.toggle()
    qtbot.waitExposed(dialog)
    assert {dialog.column_of(title) for title in dialog.shown_rows()} == {0}
    assert dialog.height() <= window.height()
    assert dialog.scroll_area.verticalScrollBar().maximum() > 0
