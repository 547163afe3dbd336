"""The Keyboard Shortcuts dialog: search, recording keys with real key events, conflicts,
clearing and resetting, and what OK stores in the settings."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QLabel, QTableWidgetItem
from pytestqt.qtbot import QtBot

from reader_app.settings import Settings
from reader_app.ui.dialogs.preferences import PreferencesDialog
from reader_app.ui.dialogs.shortcuts import ShortcutsDialog

MakeDialog = Callable[..., ShortcutsDialog]


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def make_dialog(qtbot: QtBot, settings: Settings) -> MakeDialog:
    def make(profile: str | None = None) -> ShortcutsDialog:
        if profile is not None:
            settings.set("keyboard.profile", profile)
        dialog = ShortcutsDialog(settings, settings.get_str("keyboard.profile"))
        qtbot.addWidget(dialog)
        with qtbot.waitActive(dialog):
            dialog.show()
            dialog.activateWindow()
        return dialog

    return make


def record(
    qtbot: QtBot,
    dialog: ShortcutsDialog,
    key: Qt.Key,
    modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    """Click the empty key box of the selected action and press ``key`` in it."""
    box = dialog.key_edits()[-1]
    assert box.keySequence().isEmpty()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(box.hasFocus)
    qtbot.keyClick(box, key, modifiers)


def cell(dialog: ShortcutsDialog, action_id: str, column: int) -> QTableWidgetItem:
    for row in range(dialog.table.rowCount()):
        first = dialog.table.item(row, 0)
        if first is not None and first.data(Qt.ItemDataRole.UserRole) == action_id:
            found = dialog.table.item(row, column)
            assert found is not None
            return found
    raise KeyError(action_id)


def row_text(dialog: ShortcutsDialog, action_id: str, column: int) -> str:
    return cell(dialog, action_id, column).text()


# --- what is shown -------------------------------------------------------------------------


def test_every_action_is_listed_with_the_profiles_keys(make_dialog: MakeDialog) -> None:
    dialog = make_dialog("newsboat")

    assert dialog.windowTitle() == "Keyboard Shortcuts"
    assert len(dialog.visible_action_ids()) == dialog.table.rowCount() > 30
    assert row_text(dialog, "feed.next", 1) == "Next Feed"
    assert row_text(dialog, "feed.next", 2) == "J"
    assert row_text(dialog, "feed.refresh_all", 2) == "Shift+R · F5 · Ctrl+R"
    assert row_text(dialog, "view.go_all", 2) == "G then A"
    assert row_text(dialog, "view.go_all", 0) == "View"
    assert dialog.current_conflicts() == []
    assert dialog.current_action() == "file.add_feed", "the first row is selected"


def test_every_label_is_plain_text(make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    labels = [label for label in dialog.findChildren(QLabel) if label.text()]
    assert labels
    for label in labels:
        assert label.textFormat() == Qt.TextFormat.PlainText, label.text()


def test_the_single_key_note_follows_the_setting(
    make_dialog: MakeDialog, settings: Settings
) -> None:
    assert make_dialog().single_key_note.isHidden()
    settings.set("keyboard.single_key_shortcuts", False)
    assert not make_dialog().single_key_note.isHidden()


# --- search --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("toggle read", ["article.toggle_read"]),
        ("article.open", ["article.open"]),
        ("ctrl+n", ["file.add_feed"]),
        ("G then U", ["view.go_unread"]),
        ("OPML", ["file.import_opml", "file.export_opml"]),
    ],
)
def test_search_filters_by_name_id_or_key(
    qtbot: QtBot, make_dialog: MakeDialog, text: str, expected: list[str]
) -> None:
    dialog = make_dialog()
    qtbot.keyClicks(dialog.search, text)

    assert dialog.visible_action_ids() == expected
    assert dialog.current_action() == expected[0], "a visible row is selected"
    assert dialog.no_match.isHidden()


def test_a_search_without_match_says_so(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    qtbot.keyClicks(dialog.search, "zzz")

    assert dialog.visible_action_ids() == []
    assert not dialog.no_match.isHidden()
    assert "zzz" in dialog.no_match.text()
    assert not dialog.editor.isEnabled()

    dialog.search.clear()
    assert len(dialog.visible_action_ids()) == dialog.table.rowCount()
    assert dialog.editor.isEnabled()


def test_return_moves_from_search_to_list_to_key_box(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    qtbot.keyClicks(dialog.search, "copy link")

    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    assert dialog.table.hasFocus()
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)

    assert dialog.isVisible(), "Return did not close the dialog"
    assert dialog.key_edits()[0].hasFocus()


# --- editing -------------------------------------------------------------------------------


def test_recording_a_key_with_real_key_presses(
    qtbot: QtBot, make_dialog: MakeDialog, settings: Settings
) -> None:
    dialog = make_dialog()
    dialog.select_action("article.copy_link")
    assert dialog.keys("article.copy_link") == ()

    record(qtbot, dialog, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)

    assert dialog.keys("article.copy_link") == ("Ctrl+L",)
    assert row_text(dialog, "article.copy_link", 2) == "Ctrl+L"
    assert len(dialog.key_edits()) == 2, "an empty box for one more key"
    assert settings.shortcut_overrides() == {}, "nothing is stored before OK"

    heard: list[str] = []
    settings.subscribe(heard.append)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    assert not dialog.isVisible()
    assert settings.shortcut_overrides() == {"article.copy_link": ("Ctrl+L",)}
    assert heard == ["shortcuts"]


def test_a_second_key_is_added_beside_the_first(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    dialog.select_action("article.toggle_star")

    record(qtbot, dialog, Qt.Key.Key_F8)

    assert dialog.keys("article.toggle_star") == ("S", "F8")


def test_a_symbol_typed_with_shift_is_stored_without_it(
    qtbot: QtBot, make_dialog: MakeDialog
) -> None:
    dialog = make_dialog()
    dialog.select_action("article.copy_link")

    record(qtbot, dialog, Qt.Key.Key_Question, Qt.KeyboardModifier.ShiftModifier)

    assert dialog.keys("article.copy_link") == ("?",)
    assert row_text(dialog, "article.copy_link", 2) == "?"


def test_tab_leaves_the_key_box_without_recording(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    dialog.select_action("article.copy_link")
    box = dialog.key_edits()[-1]
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(box.hasFocus)

    qtbot.keyClick(box, Qt.Key.Key_Tab)

    assert not box.hasFocus()
    assert dialog.keys("article.copy_link") == ()


def test_a_conflict_shows_at_once_and_ok_refuses_naming_it(
    qtbot: QtBot, make_dialog: MakeDialog, settings: Settings
) -> None:
    dialog = make_dialog()
    dialog.select_action("article.toggle_read")

    record(qtbot, dialog, Qt.Key.Key_J)

    assert dialog.keys("article.toggle_read") == ("M", "J")
    assert not dialog.conflict_label.isHidden()
    assert dialog.conflict_label.text() == "J is used by “Next Article” and “Toggle Read”."
    assert not dialog.take_button.isHidden()

    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    assert dialog.isVisible(), "OK refused"
    assert not dialog.error_label.isHidden()
    assert "J is used by “Next Article” and “Toggle Read”" in dialog.error_label.text()
    assert dialog.current_action() == "article.next", "the first action of the conflict is shown"
    assert settings.shortcut_overrides() == {}


def test_a_key_that_starts_a_sequence_is_a_conflict(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    dialog.select_action("article.copy_link")

    record(qtbot, dialog, Qt.Key.Key_G)

    assert dialog.keys("article.copy_link")[0] == "G"
    assert "G is the first key of G then A, G then S" in dialog.conflict_label.text()
    assert "“Copy Link”" in dialog.conflict_label.text()
    dialog.accept()
    assert dialog.isVisible()


def test_taking_the_key_from_the_others_resolves_the_conflict(
    qtbot: QtBot, make_dialog: MakeDialog, settings: Settings
) -> None:
    dialog = make_dialog()
    dialog.select_action("article.toggle_read")
    record(qtbot, dialog, Qt.Key.Key_J)

    qtbot.mouseClick(dialog.take_button, Qt.MouseButton.LeftButton)

    assert dialog.current_conflicts() == []
    assert dialog.conflict_label.isHidden()
    assert dialog.keys("article.next") == ()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert settings.shortcut_overrides() == {
        "article.toggle_read": ("M", "J"),
        "article.next": (),
    }


def test_clear_unbinds_and_is_stored(
    qtbot: QtBot, make_dialog: MakeDialog, settings: Settings
) -> None:
    dialog = make_dialog()
    dialog.select_action("article.open")

    qtbot.mouseClick(dialog.clear_button, Qt.MouseButton.LeftButton)

    assert dialog.keys("article.open") == ()
    assert [box.keySequence().isEmpty() for box in dialog.key_edits()] == [True]
    assert row_text(dialog, "article.open", 2) == ""
    dialog.accept()
    assert settings.shortcut_overrides() == {"article.open": ()}


def test_reset_to_profile_gives_the_profiles_keys_back(
    qtbot: QtBot, make_dialog: MakeDialog, settings: Settings
) -> None:
    settings.set_shortcut_override("feed.next", ["Ctrl+Down"])
    settings.set_shortcut_override("feed.previous", [])
    dialog = make_dialog("newsboat")
    assert dialog.keys("feed.next") == ("Ctrl+Down",)
    assert cell(dialog, "feed.next", 2).font().bold()
    assert not cell(dialog, "feed.previous_unread", 2).font().bold()
    dialog.select_action("feed.next")
    assert "The profile has: J" in dialog.profile_label.text()

    qtbot.mouseClick(dialog.reset_button, Qt.MouseButton.LeftButton)

    assert dialog.keys("feed.next") == ("J",)
    assert [box.keySequence().toString() for box in dialog.key_edits()] == ["J", ""]
    dialog.accept()
    assert settings.shortcut_overrides() == {"feed.previous": ()}


def test_reset_all_drops_every_override(
    qtbot: QtBot, make_dialog: MakeDialog, settings: Settings
) -> None:
    settings.set_shortcut_override("feed.next", ["Ctrl+Down"])
    settings.set_shortcut_override("from.a_newer_version", ["Ctrl+9"])
    dialog = make_dialog()

    qtbot.mouseClick(dialog.reset_all_button, Qt.MouseButton.LeftButton)

    assert dialog.keys("feed.next") == ("Shift+J",)
    dialog.accept()
    assert settings.shortcut_overrides() == {}


def test_only_differences_from_the_active_profile_are_stored(
    qtbot: QtBot, make_dialog: MakeDialog, settings: Settings
) -> None:
    settings.set_shortcut_override("from.a_newer_version", ["Ctrl+9"])
    dialog = make_dialog("netnewswire")
    assert dialog.keys("article.toggle_read")[:2] == ("R", "U")
    dialog.select_action("article.copy_link")
    record(
        qtbot,
        dialog,
        Qt.Key.Key_C,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )

    dialog.accept()

    assert settings.shortcut_overrides() == {
        "article.copy_link": ("Ctrl+Shift+C",),
        "from.a_newer_version": ("Ctrl+9",),  # kept for the version that knows it
    }


def test_cancel_stores_nothing(qtbot: QtBot, make_dialog: MakeDialog, settings: Settings) -> None:
    dialog = make_dialog()
    dialog.select_action("article.copy_link")
    record(qtbot, dialog, Qt.Key.Key_F9)

    qtbot.keyClick(dialog.search, Qt.Key.Key_Escape)

    assert not dialog.isVisible()
    assert settings.shortcut_overrides() == {}


def test_a_dialog_opened_again_shows_what_was_stored(
    qtbot: QtBot, make_dialog: MakeDialog, settings: Settings
) -> None:
    first = make_dialog()
    first.select_action("article.copy_link")
    record(qtbot, first, Qt.Key.Key_F9)
    first.accept()
    QApplication.processEvents()

    second = make_dialog()

    assert second.keys("article.copy_link") == ("F9",)
    assert row_text(second, "article.copy_link", 2) == "F9"


def test_saving_preferences_keeps_the_shortcut_overrides(
    qtbot: QtBot, tmp_path: Path, settings: Settings
) -> None:
    # Preferences writes a copy of the settings built from as_dict(): the overrides must ride
    # along, or changing any preference would silently forget the user's keys.
    settings.set_shortcut_override("article.copy_link", ["F9"])
    file = tmp_path / "settings.json"
    dialog = PreferencesDialog(settings, file)
    qtbot.addWidget(dialog)
    dialog.open()
    hide_read = dialog.editor("reading.hide_read")
    assert isinstance(hide_read, QCheckBox)
    hide_read.setChecked(True)

    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    assert json.loads(file.read_text("utf-8")) == {
        "reading.hide_read": True,
        "shortcuts": {"article.copy_link": ["F9"]},
    }
    assert Settings.load(file).settings.shortcut_overrides() == {"article.copy_link": ("F9",)}


def test_refusal_counts_the_other_conflicts(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    dialog.select_action("article.toggle_read")
    record(qtbot, dialog, Qt.Key.Key_J)
    dialog.select_action("article.toggle_star")
    record(qtbot, dialog, Qt.Key.Key_K)

    dialog.accept()

    assert len(dialog.current_conflicts()) == 2
    assert "There is 1 more conflict." in dialog.error_label.text()
    assert dialog.isVisible()
