"""The keyboard cheat sheet ("?"): every action that has a shortcut, grouped by menu.

It is generated from the live ``QAction``s, not from the table in ``actions.py``, so what it
shows is what the keys do now: the chosen keyboard profile and the user's own changes
included. Everything is plain-text labels; nothing here is rich text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations, pairwise

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from reader_app.ui.actions import spec

TOGGLE_ACTION = "help.cheat_sheet"
DEFAULT_TOGGLE_KEYS = ("?",)  # while the actions have no cheat sheet action of their own

# Menu names as a heading over a list of shortcuts reads them.
GROUP_TITLES = {
    "File": "File",
    "Edit": "Edit",
    "View": "View",
    "Feed": "Feeds",
    "Article": "Articles",
    "Help": "Help",
}
_COLUMN_MIN_WIDTH = 360  # a name and two or three keys side by side
_MAX_COLUMNS = 3
# Qt numbers the keys of media, launch and zoom buttons (and phones) from Key_Back up.
_FIRST_DEVICE_KEY = Qt.Key.Key_Back.value


def action_label(text: str) -> str:
    """An action's menu text as a sentence shows it: "&&" stays as "&", a lone "&" (the
    mnemonic marker) goes, and so does a trailing ellipsis."""
    out: list[str] = []
    chars = iter(text)
    for char in chars:
        if char == "&":
            following = next(chars, "")
            out.append(following)
        else:
            out.append(char)
    label = "".join(out).strip()
    for ellipsis in ("…", "..."):
        label = label.removesuffix(ellipsis)
    return label.strip()


def chords(sequence: QKeySequence) -> list[str]:
    """The keys of a sequence one by one, in the platform's own spelling ("Ctrl+R";
    "⌘R" on macOS): a two-key sequence "G, A" gives ["G", "A"]."""
    return [
        QKeySequence(sequence[i]).toString(  # type: ignore[index]  # stubs lack __getitem__
            QKeySequence.SequenceFormat.NativeText
        )
        for i in range(sequence.count())
    ]


def sequence_text(sequence: QKeySequence) -> str:
    """One shortcut as text: "Ctrl+R", or "G then A" for a sequence of two keys."""
    return " then ".join(chords(sequence))


def _on_a_plain_keyboard(sequence: QKeySequence) -> bool:
    """False for sequences with a key found only on special keyboards (the "Zoom In" or
    media keys some standard shortcuts add): a cheat sheet of them reads like noise."""
    for i in range(sequence.count()):
        key = sequence[i].key().value  # type: ignore[index]
        if key >= _FIRST_DEVICE_KEY:
            return False
    return True


def shown_shortcuts(action: QAction) -> list[QKeySequence]:
    """The shortcuts of ``action`` worth showing a person, in the action's order."""
    return [s for s in action.shortcuts() if not s.isEmpty() and _on_a_plain_keyboard(s)]


def group_of(action_id: str) -> str:
    """The menu an action sits in: from the table, else from its id ("feed.x" -> "Feed")."""
    try:
        return spec(action_id).group
    except KeyError:
        return action_id.partition(".")[0].capitalize()


def group_title(group: str) -> str:
    return GROUP_TITLES.get(group, group)


@dataclass(frozen=True, slots=True)
class SheetRow:
    action_id: str
    label: str
    shortcuts: tuple[tuple[str, ...], ...]  # each shortcut as its chords

    def search_text(self, group: str) -> str:
        keys = " ".join(" ".join(chord) for chord in self.shortcuts)
        return f"{self.label} {group} {keys}".casefold()


def sheet_rows(actions: Mapping[str, QAction]) -> list[tuple[str, list[SheetRow]]]:
    """Sections (group title, rows) in the order the actions come; actions without a
    shortcut and hidden actions are left out."""
    sections: dict[str, list[SheetRow]] = {}
    for action_id, action in actions.items():
        if not action.isVisible():
            continue
        shortcuts = tuple(tuple(chords(sequence)) for sequence in shown_shortcuts(action))
        if not shortcuts:
            continue
        row = SheetRow(action_id, action_label(action.text()), shortcuts)
        sections.setdefault(group_title(group_of(action_id)), []).append(row)
    return list(sections.items())


def _plain(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class _KeyCap(QLabel):
    """One key drawn as a small key cap."""

    def __init__(self, text: str, parent: QWidget) -> None:
        super().__init__(text, parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # palette(...) follows the light or dark palette the widget has when it is polished.
        self.setStyleSheet(
            "QLabel { border: 1px solid palette(mid); border-bottom-width: 2px;"
            " border-radius: 4px; padding: 0px 5px; background: palette(base); }"
        )


def _keys_widget(shortcuts: Sequence[tuple[str, ...]], parent: QWidget) -> QWidget:
    """ "[Shift+R] or [F5]", "[G] then [A]": key caps with small joining words."""
    box = QWidget(parent)
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(4)
    layout.addStretch(1)
    for n, shortcut in enumerate(shortcuts):
        if n:
            layout.addWidget(_joiner("or", box))
        for m, chord in enumerate(shortcut):
            if m:
                layout.addWidget(_joiner("then", box))
            layout.addWidget(_KeyCap(chord, box))
    return box


def _joiner(word: str, parent: QWidget) -> QLabel:
    label = _plain(word, parent)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


class _Section(QWidget):
    """A heading and its rows: the action's name at the left, its keys at the right."""

    def __init__(self, title: str, rows: Sequence[SheetRow], parent: QWidget) -> None:
        super().__init__(parent)
        self.title = title
        heading = _plain(title, self)
        font = heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        heading.setFont(font)
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(3)
        grid.setColumnStretch(0, 1)
        self.rows: list[tuple[SheetRow, QLabel, QWidget, str]] = []
        for n, row in enumerate(rows):
            name = _plain(row.label, self)
            keys = _keys_widget(row.shortcuts, self)
            name.setAccessibleDescription(
                " or ".join(" then ".join(chord) for chord in row.shortcuts)
            )
            grid.addWidget(name, n, 0)
            grid.addWidget(keys, n, 1)
            self.rows.append((row, name, keys, row.search_text(title)))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 10)
        layout.setSpacing(4)
        layout.addWidget(heading)
        layout.addLayout(grid)

    def apply_filter(self, words: Sequence[str]) -> int:
        """Show the rows that contain every word; returns how many are shown."""
        shown = 0
        for _row, name, keys, text in self.rows:
            visible = all(word in text for word in words)
            name.setVisible(visible)
            keys.setVisible(visible)
            shown += visible
        self.setVisible(shown > 0)
        return shown

    def visible_rows(self) -> list[SheetRow]:
        return [row for row, name, _keys, _text in self.rows if not name.isHidden()]


def balance(weights: Sequence[int], columns: int) -> list[int]:
    """The column of each section: the sections keep their order, and the tallest column
    is as short as it can be (every way to cut a handful of sections is tried)."""
    count = len(weights)
    columns = max(1, min(columns, count))
    best: tuple[int, ...] = ()
    best_height = sum(weights) + 1
    for cuts in combinations(range(1, count), columns - 1):
        bounds = (0, *cuts, count)
        height = max(sum(weights[a:b]) for a, b in pairwise(bounds))
        if height < best_height:
            best, best_height = bounds, height
    if not best:
        return [0] * count
    return [n for n, (a, b) in enumerate(pairwise(best)) for _ in range(a, b)]


class CheatSheet(QDialog):
    """The shortcuts of ``actions`` (ordered as the menus), a filter field, and nothing to
    press: Escape or the cheat sheet's own shortcut ("?") closes it.

    Not modal, so the window stays usable while it is open; it reads the actions again
    each time it is shown and whenever one of them changes while it is open.
    """

    def __init__(
        self, actions: Mapping[str, QAction], profile: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("cheat_sheet")
        self._actions = actions
        self._profile = profile
        self.sections: list[_Section] = []

        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter shortcuts")
        self.filter.setClearButtonEnabled(True)
        self.filter.setAccessibleName("Filter shortcuts")
        self.hint = _plain("", self)
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addSpacing(12)
        top.addWidget(self.hint)

        self.body = QWidget()
        self._columns_layout = QHBoxLayout(self.body)
        self._columns_layout.setContentsMargins(4, 4, 4, 4)
        self._columns_layout.setSpacing(32)
        self._columns: list[QVBoxLayout] = []
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidget(self.body)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.empty = _plain("", self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.empty.hide()

        layout = self._layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 10)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(self.empty, 1)

        self._rebuild_pending = False
        for action in actions.values():
            action.changed.connect(self._schedule_rebuild)
        self.filter.textChanged.connect(self._apply_filter)
        self.filter.installEventFilter(self)
        self.set_profile(profile)
        self.rebuild()

    # --- public -------------------------------------------------------------------------

    def set_profile(self, profile: str) -> None:
        """The keyboard profile named in the title ("Default", "NetNewsWire", ...)."""
        self._profile = profile
        self.setWindowTitle(f"Keyboard Shortcuts — {profile}")
        keys = [sequence_text(s) for s in self._close_sequences()]
        self.hint.setText(f"{profile} shortcuts · {' or '.join([*keys, 'Esc'])} to close")

    def toggle(self) -> None:
        """What the cheat sheet's action does: show it, or close it if it is open."""
        if self.isVisible():
            self.close()
            return
        self.show()
        self.raise_()
        self.activateWindow()

    def rebuild(self) -> None:
        """Read the actions again (their shortcuts may have changed) and lay them out."""
        self._rebuild_pending = False
        for section in self.sections:
            section.hide()
            section.deleteLater()
        self.sections = [
            _Section(title, rows, self.body) for title, rows in sheet_rows(self._actions)
        ]
        self.set_profile(self._profile)
        self._apply_filter(self.filter.text())

    def shown_rows(self) -> dict[str, list[SheetRow]]:
        """What the sheet shows now, by section title (for tests and accessibility)."""
        return {
            section.title: section.visible_rows()
            for section in self.sections
            if not section.isHidden()
        }

    def column_of(self, title: str) -> int:
        for n, column in enumerate(self._columns):
            for i in range(column.count()):
                item = column.itemAt(i)
                widget = item.widget() if item is not None else None
                if isinstance(widget, _Section) and widget.title == title:
                    return n
        raise KeyError(title)

    # --- events -------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        self.rebuild()
        self._fit_to_window()
        self.filter.setFocus()
        super().showEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.filter
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and self._is_close_key(event)
        ):
            self.close()
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._is_close_key(event):
            self.close()
            return
        super().keyPressEvent(event)  # Escape: QDialog rejects, which closes

    # --- inside -------------------------------------------------------------------------

    def _close_sequences(self) -> list[QKeySequence]:
        """The cheat sheet's own shortcuts ("?"), which close it again. When the user has
        unbound them (or turned off single-key shortcuts), only Escape closes it."""
        action = self._actions.get(TOGGLE_ACTION)
        if action is None:
            return [QKeySequence(key) for key in DEFAULT_TOGGLE_KEYS]
        return [s for s in action.shortcuts() if not s.isEmpty()]

    def _is_close_key(self, event: QKeyEvent) -> bool:
        """Whether ``event`` is one of the cheat sheet's own single-key shortcuts. "?" is
        typed with Shift on most layouts while the shortcut is written without it, so for
        a symbol Shift is ignored, as Qt's own shortcut matching does."""
        combination = event.keyCombination()
        pressed = [QKeySequence(combination)]
        text = event.text()
        if text and text.isprintable() and not text.isalnum() and not text.isspace():
            unshifted = combination.keyboardModifiers() & ~Qt.KeyboardModifier.ShiftModifier
            pressed.append(QKeySequence(combination.key() | unshifted))
        return any(sequence in pressed for sequence in self._close_sequences())

    def _schedule_rebuild(self) -> None:
        # Several actions change at once (a profile switch): rebuild once, afterwards.
        if self.isVisible() and not self._rebuild_pending:
            self._rebuild_pending = True
            QTimer.singleShot(0, self, self.rebuild)

    def _column_count(self) -> int:
        host = self.parentWidget()
        width = host.window().width() if host is not None else 1280
        return max(1, min(_MAX_COLUMNS, (width - 80) // _COLUMN_MIN_WIDTH))

    def _apply_filter(self, text: str) -> None:
        words = text.casefold().split()
        weights = []
        shown: list[_Section] = []
        for section in self.sections:
            rows = section.apply_filter(words)
            if rows:
                shown.append(section)
                weights.append(rows + 2)  # the heading and the gap below it weigh two rows
        self._lay_out(shown, balance(weights, self._column_count()))
        self.scroll_area.setVisible(bool(shown))
        self.empty.setVisible(not shown)
        if not shown:
            self.empty.setText(
                f"No shortcut matches “{text.strip()}”."
                if words
                else "No action has a keyboard shortcut."
            )

    def _lay_out(self, sections: Sequence[_Section], columns: Sequence[int]) -> None:
        """Put the sections into columns, top-aligned; the number of columns follows the
        window's width when the sheet is shown."""
        count = self._column_count()
        if count != len(self._columns):
            while (item := self._columns_layout.takeAt(0)) is not None:
                inner = item.layout()
                if inner is not None:
                    inner.deleteLater()
            self._columns = [QVBoxLayout() for _ in range(count)]
            for column in self._columns:
                column.setSpacing(0)
                self._columns_layout.addLayout(column, 1)
        for column in self._columns:
            while column.takeAt(0) is not None:
                pass  # section widgets stay, only their places in the layout go
        for section, placed in zip(sections, columns, strict=True):
            self._columns[placed].addWidget(section)
        for column in self._columns:
            column.addStretch(1)

    def _fit_to_window(self) -> None:
        """As big as the shortcuts need, at most the window's size (then it scrolls), and
        centred over the window."""
        self.body.adjustSize()
        margins = self._layout.contentsMargins()
        want_w = self.body.sizeHint().width() + margins.left() + margins.right() + 8
        want_h = (
            self.body.sizeHint().height()
            + self.filter.sizeHint().height()
            + margins.top()
            + margins.bottom()
            + self._layout.spacing()
            + 8
        )
        host = self.parentWidget()
        if host is not None:
            window = host.window()
            bound_w, bound_h = window.width() - 40, window.height() - 40
        else:
            screen = self.screen().availableGeometry()
            bound_w, bound_h = screen.width() - 80, screen.height() - 80
        self.resize(max(320, min(want_w, bound_w)), max(200, min(want_h, bound_h)))
        if host is not None:
            centre = host.window().geometry().center()
            frame = self.frameGeometry()
            frame.moveCenter(centre)
            self.move(frame.topLeft())
