"""Keyboard Shortcuts: see and change the key of every action.

A table of every action (area, action, keys) under a search field that filters by action name,
id or key; below it, the keys of the selected action, each recorded in a ``QKeySequenceEdit``,
with an empty box to add one more. A key held by another action shows the conflict at once, and
OK refuses to save while any conflict remains, naming it. "Clear" unbinds an action, "Reset to
Profile" gives it back the keys of the active keyboard profile, and "Reset All to Profile" does
that for every action.

OK stores in ``Settings`` only what differs from the active profile (one notification with the
key ``"shortcuts"``); the window saves the file and applies the keys again. Overrides for
actions this version does not have are kept as they are. Every label is plain text.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QKeyCombination, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QIcon, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QKeySequenceEdit,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reader_app.errors import SettingsError
from reader_app.settings import MAX_KEYS_PER_ACTION, Settings
from reader_app.ui.actions import ACTIONS, ActionSpec
from reader_app.ui.dialogs.errors import dim, plain_label
from reader_app.ui.keymap import (
    PORTABLE,
    PROFILE_TITLES,
    Bindings,
    Conflict,
    action_title,
    conflicts,
    display_key,
    effective_bindings,
    is_single_key,
    profile_bindings,
    sequence_text,
)

AREA, ACTION, KEYS = range(3)
_ID_ROLE = Qt.ItemDataRole.UserRole

# Sequences of two keys ("G, A") are the longest the default profile uses; a longer limit would
# make every recording wait a second more for keys that rarely come.
MAX_SEQUENCE_LENGTH = 2


def keys_text(keys: Sequence[str]) -> str:
    """An action's keys for a table cell: "Shift+R · F5", a sequence as "G then A"."""
    return " · ".join(display_key(key) for key in keys)


class KeyEdit(QKeySequenceEdit):
    """A ``QKeySequenceEdit`` that reports every key at once (``edited``), not only when the
    recording ends a second later, so a conflict shows while the user is still looking."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMaximumSequenceLength(MAX_SEQUENCE_LENGTH)
        self.setClearButtonEnabled(True)
        # Tab and Shift+Tab leave the box instead of being recorded, so the dialog stays
        # usable from the keyboard (neither is a sensible shortcut in a window of lists).
        self.setFinishingKeyCombinations(
            [QKeyCombination(Qt.Key.Key_Tab), QKeyCombination(Qt.Key.Key_Backtab)]
        )
        self.keySequenceChanged.connect(lambda _sequence: self.edited.emit())
        self.editingFinished.connect(self._show_canonical)

    def _show_canonical(self) -> None:
        # Show what is stored: "?" rather than the "Shift+?" some layouts record.
        text = self.key_text()
        if text is not None and text != self.keySequence().toString(PORTABLE):
            self.setKeySequence(QKeySequence.fromString(text, PORTABLE))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        super().keyPressEvent(event)
        self.edited.emit()

    def key_text(self) -> str | None:
        """The recorded keys as portable text, ``None`` when empty."""
        return sequence_text(self.keySequence())


class ShortcutsDialog(QDialog):
    """Edit the keyboard shortcuts; OK writes the differences from ``profile`` into
    ``settings`` (the caller saves the file). Refuses OK while keys conflict."""

    def __init__(
        self,
        settings: Settings,
        profile: str,
        parent: QWidget | None = None,
        *,
        actions: Sequence[ActionSpec] = ACTIONS,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard Shortcuts")
        self.setObjectName("shortcuts_dialog")
        self._settings = settings
        self._actions = {item.id: item for item in actions}
        self._profile_keys = profile_bindings(profile, actions)
        overrides = settings.shortcut_overrides()
        self._keys: Bindings = effective_bindings(profile, overrides, actions)
        # Overrides for actions this version lacks (a newer version wrote them) are kept.
        self._foreign = {key: value for key, value in overrides.items() if key not in self._actions}
        self._conflicts: list[Conflict] = []
        self._rows: dict[str, int] = {}
        self._edits: list[KeyEdit] = []
        self._editing: str | None = None

        title = PROFILE_TITLES.get(profile, profile)
        intro = plain_label(
            f"Keyboard profile: {title}. What you change here is kept on top of the profile; "
            "the keyboard profile itself is chosen in Preferences.",
            selectable=False,
        )
        self.single_key_note = dim(
            plain_label(
                "Single-key shortcuts are turned off in Preferences: keys such as J or ? "
                "without Ctrl or Alt are listed but do nothing.",
                selectable=False,
            )
        )
        self.single_key_note.setVisible(not settings.get_bool("keyboard.single_key_shortcuts"))
        self.search = self._make_search()
        self.no_match = dim(plain_label(selectable=False))
        self.no_match.hide()
        self.table = self._make_table()
        self.editor = self._make_editor()
        self.error_label = plain_label()
        self.error_label.setObjectName("shortcuts_error")
        self.error_label.hide()
        self.buttons = self._make_buttons(title)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.single_key_note)
        layout.addWidget(self.search)
        layout.addWidget(self.no_match)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.editor)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.resize(720, 640)

        self._refresh_marks()
        if self.table.rowCount():
            self.table.selectRow(0)
        self.search.setFocus()

    # --- building ------------------------------------------------------------------------

    def _make_search(self) -> QLineEdit:
        search = QLineEdit()
        search.setPlaceholderText("Search actions or keys")
        search.setClearButtonEnabled(True)
        search.setAccessibleName("Search actions or keys")
        search.textChanged.connect(self._filter)
        search.installEventFilter(self)
        return search

    def _make_buttons(self, title: str) -> QDialogButtonBox:
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.reset_all_button = QPushButton("Reset All to Profile")
        self.reset_all_button.setToolTip(
            f"Give every action the keys of the {title} profile; nothing is saved until OK."
        )
        self.reset_all_button.setAutoDefault(False)
        self.reset_all_button.clicked.connect(self.reset_all)
        buttons.addButton(self.reset_all_button, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        return buttons

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Return in the search field goes to the list, and on a row to its first key box,
        instead of closing the dialog through its default button."""
        if (
            isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            if watched is self.search:
                self.table.setFocus()
                return True
            if watched is self.table:
                self._focus_first_edit()
                return True
        return super().eventFilter(watched, event)

    def _make_table(self) -> QTableWidget:
        table = QTableWidget(len(self._actions), 3)
        table.setObjectName("shortcuts_table")
        table.setHorizontalHeaderLabels(["Area", "Action", "Shortcuts"])
        rows = table.verticalHeader()
        rows.hide()
        rows.setMinimumSectionSize(1)
        rows.setDefaultSectionSize(table.fontMetrics().height() + 8)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        # Tab leaves the table for the key boxes and the buttons instead of walking its cells.
        table.setTabKeyNavigation(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(AREA, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(ACTION, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        for row, item in enumerate(self._actions.values()):
            self._rows[item.id] = row
            area = QTableWidgetItem(item.group)
            area.setData(_ID_ROLE, item.id)
            name = QTableWidgetItem(action_title(item))
            name.setToolTip(item.tip or item.id)
            table.setItem(row, AREA, area)
            table.setItem(row, ACTION, name)
            table.setItem(row, KEYS, QTableWidgetItem())
        table.itemSelectionChanged.connect(self._on_selection)
        # Return or a double click on a row goes to its first key box, ready to record.
        table.doubleClicked.connect(lambda _index: self._focus_first_edit())
        table.installEventFilter(self)
        return table

    def _make_editor(self) -> QGroupBox:
        box = QGroupBox("Shortcuts")
        self.edits_grid = QGridLayout()
        self.edits_grid.setHorizontalSpacing(8)
        hint = dim(
            plain_label(
                "Click a box and press the keys. Two keys one after the other, such as G then "
                "A, make a sequence. Tab leaves the box.",
                selectable=False,
            )
        )
        self.conflict_label = plain_label()
        self.conflict_label.setObjectName("shortcuts_conflict")
        self.conflict_icon = QLabel()
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        self.conflict_icon.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(size)
        )
        self.conflict_icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.take_button = QPushButton("Remove From the Others")
        self.take_button.setToolTip("Keep these keys here and take them from the other actions.")
        self.take_button.setAutoDefault(False)
        self.take_button.clicked.connect(self.take_keys)
        conflict_row = QHBoxLayout()
        conflict_row.addWidget(self.conflict_icon, 0, Qt.AlignmentFlag.AlignTop)
        conflict_row.addWidget(self.conflict_label, 1)
        conflict_row.addWidget(self.take_button, 0, Qt.AlignmentFlag.AlignTop)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Remove every key of this action.")
        self.clear_button.clicked.connect(self.clear_current)
        self.reset_button = QPushButton("Reset to Profile")
        self.reset_button.setToolTip("Give this action the keys of the keyboard profile.")
        self.reset_button.clicked.connect(self.reset_current)
        for button in (self.clear_button, self.reset_button):
            button.setAutoDefault(False)
        self.profile_label = dim(plain_label(selectable=False))
        actions_row = QHBoxLayout()
        actions_row.addWidget(self.clear_button)
        actions_row.addWidget(self.reset_button)
        actions_row.addWidget(self.profile_label, 1)

        layout = QVBoxLayout(box)
        layout.addLayout(self.edits_grid)
        layout.addWidget(hint)
        layout.addLayout(conflict_row)
        layout.addLayout(actions_row)
        self._show_conflict(None)
        return box

    # --- public --------------------------------------------------------------------------

    @property
    def ok_button(self) -> QPushButton:
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert button is not None
        return button

    def keys(self, action_id: str) -> tuple[str, ...]:
        """The keys ``action_id`` has in the dialog now (portable text)."""
        return self._keys[action_id]

    def bindings(self) -> Bindings:
        return dict(self._keys)

    def current_action(self) -> str | None:
        return self._editing

    def select_action(self, action_id: str) -> None:
        row = self._rows[action_id]
        self.table.selectRow(row)
        item = self.table.item(row, ACTION)
        if item is not None:
            self.table.scrollToItem(item)
            # Rows just shown again by a cleared search are laid out on the next turn.
            QTimer.singleShot(0, self, lambda: self.table.scrollToItem(item))

    def key_edits(self) -> list[KeyEdit]:
        """The key boxes of the selected action, the empty one for a new key last."""
        return list(self._edits)

    def visible_action_ids(self) -> list[str]:
        return [
            action_id for action_id, row in self._rows.items() if not self.table.isRowHidden(row)
        ]

    def current_conflicts(self) -> list[Conflict]:
        return list(self._conflicts)

    def set_keys(self, action_id: str, keys: Sequence[str]) -> None:
        """Give ``action_id`` these keys (portable text) in the dialog."""
        self._keys[action_id] = tuple(dict.fromkeys(keys))
        self._changed(action_id)
        if action_id == self._editing:
            self._build_edits(action_id)

    def clear_current(self) -> None:
        if self._editing is not None:
            self.set_keys(self._editing, ())

    def reset_current(self) -> None:
        if self._editing is not None:
            self.set_keys(self._editing, self._profile_keys[self._editing])

    def reset_all(self) -> None:
        self._keys = dict(self._profile_keys)
        self._foreign = {}
        self._refresh_marks()
        if self._editing is not None:
            self._build_edits(self._editing)
            self._show_editor_state(self._editing)

    def take_keys(self) -> None:
        """Keep the selected action's conflicting keys and take them from the others."""
        current = self._editing
        if current is None:
            return
        for conflict in self._conflicts:
            if current not in conflict.action_ids:
                continue
            contested = {conflict.sequence, *conflict.longer}
            for other in conflict.action_ids:
                if other != current:
                    self._keys[other] = tuple(k for k in self._keys[other] if k not in contested)
        self._changed(current)

    def overrides(self) -> dict[str, tuple[str, ...]]:
        """What OK stores: the keys that differ from the profile, plus kept foreign ones."""
        differing = {
            action_id: keys
            for action_id, keys in self._keys.items()
            if keys != self._profile_keys[action_id]
        }
        return {**self._foreign, **differing}

    def accept(self) -> None:
        if self._conflicts:
            first = self._conflicts[0]
            more = len(self._conflicts) - 1
            tail = ""
            if more:
                tail = " There is 1 more conflict." if more == 1 else f" There are {more} more."
            self.error_label.setText(
                f"Cannot save while keys conflict: {first.describe(list(self._actions.values()))}"
                f"{tail} Change or clear one of the keys, or use “Remove From the Others”."
            )
            self.error_label.show()
            self.search.clear()
            self.select_action(first.action_ids[0])
            return
        try:
            self._settings.set_shortcut_overrides(self.overrides())
        except SettingsError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return
        self.error_label.hide()
        super().accept()

    # --- reacting ------------------------------------------------------------------------

    def _on_selection(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        action_id = rows[0].data(_ID_ROLE) if rows else None
        self._editing = action_id if isinstance(action_id, str) else None
        self.editor.setEnabled(self._editing is not None)
        if self._editing is None:
            self._build_edits(None)
            self.editor.setTitle("Shortcuts")
            self._show_conflict(None)
            return
        self.editor.setTitle(f"Shortcuts of “{action_title(self._actions[self._editing])}”")
        self._build_edits(self._editing)
        self._show_editor_state(self._editing)

    def _build_edits(self, action_id: str | None) -> None:
        """One box per key of ``action_id`` and an empty one for another key."""
        for edit in self._edits:
            self.edits_grid.removeWidget(edit)
            edit.hide()
            edit.deleteLater()
        self._edits = []
        if action_id is None:
            return
        for key in self._keys[action_id]:
            self._add_edit(action_id, key)
        if len(self._edits) < MAX_KEYS_PER_ACTION:
            self._add_edit(action_id, None)

    def _add_edit(self, action_id: str, key: str | None) -> None:
        edit = KeyEdit(self.editor)
        if key is not None:
            edit.setKeySequence(
                QKeySequence.fromString(key, QKeySequence.SequenceFormat.PortableText)
            )
        title = action_title(self._actions[action_id])
        edit.setAccessibleName(f"Shortcut {len(self._edits) + 1} of {title}")
        edit.edited.connect(lambda a=action_id: self._on_edited(a))
        position = len(self._edits)
        self.edits_grid.addWidget(edit, position // 4, position % 4)
        edit.show()  # the layout would show it only on the next turn of the event loop
        self._edits.append(edit)

    def _on_edited(self, action_id: str) -> None:
        if action_id != self._editing:
            return  # a box of a row no longer shown finishing its recording
        keys = [text for edit in self._edits if (text := edit.key_text()) is not None]
        self._keys[action_id] = tuple(dict.fromkeys(keys))
        last = self._edits[-1] if self._edits else None
        if (
            last is not None
            and last.key_text() is not None
            and len(self._edits) < MAX_KEYS_PER_ACTION
        ):
            self._add_edit(action_id, None)
        self._changed(action_id)

    def _focus_first_edit(self) -> None:
        if self._edits:
            self._edits[0].setFocus()

    def _changed(self, action_id: str) -> None:
        self.error_label.hide()
        self._refresh_marks()
        if action_id == self._editing:
            self._show_editor_state(action_id)

    def _refresh_marks(self) -> None:
        """Every row's keys, bold where they differ from the profile, a warning where they
        conflict."""
        self._conflicts = conflicts(self._keys)
        actions = list(self._actions.values())
        troubles: dict[str, list[str]] = {}
        for conflict in self._conflicts:
            for action_id in conflict.action_ids:
                troubles.setdefault(action_id, []).append(conflict.describe(actions))
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        single_keys_off = not self._settings.get_bool("keyboard.single_key_shortcuts")
        for action_id, row in self._rows.items():
            keys = self._keys[action_id]
            cell = self.table.item(row, KEYS)
            assert cell is not None
            cell.setText(keys_text(keys))
            changed = keys != self._profile_keys[action_id]
            font = QFont(self.table.font())
            font.setBold(changed)
            cell.setFont(font)
            notes = list(troubles.get(action_id, ()))
            if changed:
                profile = keys_text(self._profile_keys[action_id]) or "no keys"
                notes.append(f"Changed from the profile, which has: {profile}.")
            if single_keys_off and any(is_single_key(key) for key in keys):
                notes.append("Single-key shortcuts are turned off in Preferences.")
            cell.setToolTip("\n".join(notes))
            cell.setIcon(warning if action_id in troubles else QIcon())

    def _show_editor_state(self, action_id: str) -> None:
        involved = [c for c in self._conflicts if action_id in c.action_ids]
        self._show_conflict(involved)
        profile = self._profile_keys[action_id]
        if self._keys[action_id] == profile:
            self.profile_label.setText("As in the profile.")
        else:
            self.profile_label.setText(f"The profile has: {keys_text(profile) or 'no keys'}.")
        self.reset_button.setEnabled(self._keys[action_id] != profile)
        self.clear_button.setEnabled(bool(self._keys[action_id]))

    def _show_conflict(self, involved: list[Conflict] | None) -> None:
        shown = bool(involved)
        actions = list(self._actions.values())
        self.conflict_label.setText(
            "\n".join(conflict.describe(actions) for conflict in involved or ())
        )
        for widget in (self.conflict_label, self.conflict_icon, self.take_button):
            widget.setVisible(shown)

    def _filter(self, text: str) -> None:
        """Show the rows whose area, action name, id or keys contain ``text``."""
        needle = text.strip().casefold()
        for action_id, row in self._rows.items():
            item = self._actions[action_id]
            keys = self._keys[action_id]
            haystack = " ".join(
                [item.group, action_title(item), action_id, *keys, keys_text(keys)]
            ).casefold()
            self.table.setRowHidden(row, bool(needle) and needle not in haystack)
        visible = self.visible_action_ids()
        self.no_match.setText(f"No action or key matches “{text.strip()}”.")
        self.no_match.setVisible(not visible)
        if self._editing is not None and self._editing not in visible:
            self.table.clearSelection()
            if visible:
                self.select_action(visible[0])
        elif self._editing is None and visible:
            self.select_action(visible[0])
