"""The window's keyboard: the chosen profile and the user's overrides applied to its actions,
the shortcuts editor, the cheat sheet, the command palette, and Escape.

A part of the main window split out by what it owns (like ``reading.py``). The keys
themselves live in ``keymap.py``; this applies them whenever the settings that decide them
change, from Preferences, from the shortcuts editor or from the command line.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from reader_app.domain import FeedId, FeedSummary
from reader_app.domain.saved_search import SavedSearchId
from reader_app.errors import SettingsError
from reader_app.ui import keymap
from reader_app.ui.dialogs.errors import show_error
from reader_app.ui.selection import Selection

if TYPE_CHECKING:
    from reader_app.ui.dialogs.cheat_sheet import CheatSheet
    from reader_app.ui.main_window import MainWindow
    from reader_app.ui.widgets.command_palette import CommandPalette

# The editor, the cheat sheet and the palette (with rapidfuzz) load when first opened: about
# 35 ms less before the window first paints.

log = logging.getLogger(__name__)


def is_text_field(widget: QWidget | None) -> bool:
    """Whether ``widget`` takes typed text (where Escape means "leave this field")."""
    if isinstance(widget, (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox)):
        return not (isinstance(widget, (QTextEdit, QPlainTextEdit)) and widget.isReadOnly())
    return isinstance(widget, QComboBox) and widget.isEditable()


# Keys a focused button presses itself with; window-wide shortcuts on them (Space scrolls the
# article, Return opens it) must not take them from the button.
_BUTTON_KEYS = frozenset({Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Select})


class ButtonKeys(QObject):
    """Installed on the window's buttons: claims Space and Return for the focused button
    before Qt looks for a shortcut on them (Qt asks the focus widget first, with a
    ShortcutOverride event, which buttons themselves leave alone)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() in _BUTTON_KEYS
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            event.accept()
        return False


class Keyboard:
    """Made before the window's actions (their handlers are its methods); ``apply`` once
    they exist, and again on its own when a setting that decides the keys changes."""

    def __init__(self, window: MainWindow) -> None:
        self._w = window
        self._cheat_sheet: CheatSheet | None = None  # built when first asked for
        self._palette: CommandPalette | None = None
        self._button_keys: ButtonKeys | None = None
        self._unsubscribe = window.settings.subscribe(self._setting_changed)

    @property
    def profile(self) -> str:
        return self._w.settings.get_str("keyboard.profile")

    def apply(self) -> None:
        """Set every action's keys from the profile, the overrides and the single-key
        setting; problems in a hand-edited settings file go to the status bar and the log."""
        warnings = keymap.apply_settings(self._w.actions_by_id, self._w.settings)
        for warning in warnings:
            log.warning("%s", warning)
        if warnings:
            self._w.statusBar().showMessage(warnings[0], 15_000)

    def close(self) -> None:
        self._unsubscribe()

    def let_buttons_take_their_keys(self) -> None:
        """Space and Return press the focused button (first-run panel, tag filter, Undo...)
        instead of scrolling or opening the article. Only buttons are watched: a filter on
        the whole application would run Python for every event the window gets."""
        self._button_keys = ButtonKeys(self._w)
        for button in self._w.findChildren(QAbstractButton):
            if button.focusPolicy() & Qt.FocusPolicy.TabFocus:
                button.installEventFilter(self._button_keys)

    def _setting_changed(self, key: str) -> None:
        if key in keymap.SETTING_KEYS:
            self.apply()
            if self._cheat_sheet is not None:
                self._cheat_sheet.set_profile(keymap.PROFILE_TITLES[self.profile])

    # --- commands ---------------------------------------------------------------------------

    def edit_shortcuts(self) -> None:
        from reader_app.ui.dialogs.shortcuts import ShortcutsDialog

        dialog = ShortcutsDialog(self._w.settings, self.profile, self._w)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            self._w.settings.save(self._w.paths.settings_file)
        except SettingsError as exc:
            # The new keys are in effect for this run; say that they will not last.
            show_error(
                self._w,
                "Could not save the keyboard shortcuts",
                f"{exc}\n\nThe new shortcuts work until you quit.",
            )

    def toggle_cheat_sheet(self) -> None:
        if self._cheat_sheet is None:
            from reader_app.ui.dialogs.cheat_sheet import CheatSheet

            self._cheat_sheet = CheatSheet(
                self._w.actions_by_id, keymap.PROFILE_TITLES[self.profile], self._w
            )
        self._cheat_sheet.toggle()

    @property
    def palette(self) -> CommandPalette:
        if self._palette is None:
            from reader_app.ui.widgets.command_palette import CommandPalette

            self._palette = CommandPalette(self._w.actions_by_id, self._w)
            self._palette.action_chosen.connect(self._trigger)
            self._palette.feed_chosen.connect(
                lambda feed_id: self._w.select(Selection(feed_id=FeedId(feed_id)))
            )
            self._palette.tag_chosen.connect(lambda tag: self._w.select(Selection(tag=tag)))
            self._palette.saved_search_chosen.connect(
                lambda search_id: self._w.select(Selection(saved_search=SavedSearchId(search_id)))
            )
        return self._palette

    def open_palette(self) -> None:
        model = self._w.feed_model
        feeds = [
            FeedSummary(feed=feed, unread_count=model.count_of(Selection(feed_id=feed.id)))
            for feed in model.feeds()
        ]
        tags: list[str] = sorted(model.tag_paths(), key=str.casefold)
        self.palette.open_with(feeds, tags, model.saved_searches())

    def escape(self) -> None:
        """Escape: leave the text field being typed in; else end the search; else clear the
        tag filter; else nothing."""
        focus = QApplication.focusWidget()
        if focus is not None and is_text_field(focus) and self._w.isAncestorOf(focus):
            self._w.article_list.setFocus()
            return
        if self._w.clear_search():
            return
        if self._w.tag_filter.chosen():
            self._w.tag_filter.clear()

    def _trigger(self, action_id: str) -> None:
        action = self._w.actions_by_id.get(action_id)
        if action is not None and action.isEnabled():
            action.trigger()
