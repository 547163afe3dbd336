"""Undo for read and star changes: a journal of what the user changed, and the status bar's
"Undo" offer after each change.

Each change made by a command (toggle read, toggle star, mark all read, the list's context
menu) is recorded with the ``MarkChange`` the library returned: the articles it changed and
the times they had, so an undo puts back exactly the previous state. Marks set by reading
(mark read after the delay, opening in the browser) are not recorded: Ctrl+Z undoes what the
user did on purpose, not what happened by looking.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from reader_app.domain import MarkChange

# How many changes can be undone, newest first; a bulk change of 200,000 articles holds
# 200,000 ids, so the journal stays short.
JOURNAL_SIZE = 30

# How long the status bar offers "Undo" after a change.
OFFER_MS = 10_000


@dataclass(frozen=True, slots=True)
class JournalEntry:
    label: str  # what was done, as a sentence: "Marked 12 articles read"
    marks: MarkChange


def describe(marks: MarkChange, where: str | None = None) -> str:
    """A sentence for what ``marks`` did: "Marked 3 articles read in Linux Weekly"."""
    count = marks.count
    articles = f"{count:,} article" + ("" if count == 1 else "s")
    if marks.field == "read":
        text = f"Marked {articles} {'read' if marks.value else 'unread'}"
    elif marks.value:
        text = f"Starred {articles}"
    else:
        text = f"Removed the star from {articles}"
    return f"{text} in {where}" if where else text


class UndoJournal(QObject):
    """The last changes, newest on top. ``changed`` when one is added or taken."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None, *, size: int = JOURNAL_SIZE) -> None:
        super().__init__(parent)
        self._entries: deque[JournalEntry] = deque(maxlen=size)

    def record(self, label: str, marks: MarkChange) -> bool:
        """Keep a change; one that changed nothing is not worth an undo (returns False)."""
        if not marks.count:
            return False
        self._entries.append(JournalEntry(label, marks))
        self.changed.emit()
        return True

    def take(self) -> JournalEntry | None:
        """The newest change, removed from the journal (None when there is none)."""
        if not self._entries:
            return None
        entry = self._entries.pop()
        self.changed.emit()
        return entry

    def put_back(self, entry: JournalEntry) -> None:
        """Return a change whose undo failed, so it can be tried again."""
        self._entries.append(entry)
        self.changed.emit()

    def peek(self) -> JournalEntry | None:
        return self._entries[-1] if self._entries else None

    def __len__(self) -> int:
        return len(self._entries)


class UndoOffer(QWidget):
    """The status bar's "Marked 12 articles read  [Undo]", shown for a while after a change."""

    undo_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.button = QToolButton(self)
        self.button.setText("Undo")
        # A framed button: in the status bar's plain text a flat one reads as more text.
        self.button.setAutoRaise(False)
        self.button.setObjectName("undo_button")
        self.button.clicked.connect(self.undo_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.label)
        layout.addWidget(self.button)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def offer(self, text: str, shortcut: str) -> None:
        self.label.setText(text)
        self.button.setToolTip(f"Undo ({shortcut})" if shortcut else "Undo")
        self.show()
        self._timer.start(OFFER_MS)

    def withdraw(self) -> None:
        self._timer.stop()
        self.hide()
