"""The toolbar's search field: what the user types becomes a search after a short pause.

The text is parsed here (``Library.parse_search``, no database), so a query that cannot be
read is reported at once, with the column, and never reaches the article list. The last word
is matched as a prefix while typing, so results narrow as the user types; Enter searches at
once. Clearing the field (its clear button, or Escape twice) ends the search.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

from reader_app.domain.search import SearchQuery
from reader_app.errors import SearchSyntaxError
from reader_app.library import Library

# From the last key typed to the search: long enough not to search for every letter of a
# word typed at speed, short enough to feel immediate.
TYPING_PAUSE_MS = 250


class SearchBox(QLineEdit):
    """``search_requested(SearchQuery)`` for a readable query; ``search_cleared()`` when the
    field becomes empty; ``invalid(str)`` with the parser's message for one that is not."""

    search_requested = Signal(object)
    search_cleared = Signal()
    invalid = Signal(str)

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._library = library
        self.setObjectName("search_box")
        self.setPlaceholderText("Search articles")
        self.setClearButtonEnabled(True)
        self.setAccessibleName("Search articles")
        self.setToolTip(
            'Words, "phrases", -exclude, OR, feed:NAME, tag:T, is:unread, is:starred,\n'
            "before:DATE, after:DATE (YYYY-MM-DD, today, yesterday, 7d)"
        )
        self.setMinimumWidth(220)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(TYPING_PAUSE_MS)
        self._timer.timeout.connect(lambda: self._search(prefix_last=True))
        self.textEdited.connect(self._edited)
        self.returnPressed.connect(lambda: self._search(prefix_last=False))
        # The clear button changes the text without textEdited.
        self.textChanged.connect(self._changed)
        self._active = False

    def event(self, event: QEvent) -> bool:
        # Enter belongs to the field (search now), not to the window's "open in browser"
        # shortcut on the same key: claim it before the shortcut map sees it.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            event.accept()
            return True
        return super().event(event)

    @property
    def active(self) -> bool:
        """Whether a search is shown (the field holds a query that was searched for)."""
        return self._active

    def clear_search(self) -> bool:
        """Empty the field and end the search; False when there was none."""
        if not self.text() and not self._active:
            return False
        self._timer.stop()
        self.clear()
        self._end()
        return True

    def forget(self) -> None:
        """The list shows something else now (the user chose a feed): empty the field
        without asking for the previous list back."""
        self._timer.stop()
        self._active = False
        self.blockSignals(True)
        self.clear()
        self.blockSignals(False)
        self._mark_invalid(None)

    def _edited(self, text: str) -> None:
        if text.strip():
            self._timer.start()
        else:
            self._timer.stop()
            self._end()

    def _changed(self, text: str) -> None:
        if not text and self._active:
            self._timer.stop()
            self._end()

    def _search(self, *, prefix_last: bool) -> None:
        self._timer.stop()
        text = self.text()
        if not text.strip():
            self._end()
            return
        try:
            query: SearchQuery = self._library.parse_search(text, prefix_last=prefix_last)
        except SearchSyntaxError as exc:
            self._mark_invalid(str(exc))
            self.invalid.emit(str(exc))
            return
        self._mark_invalid(None)
        self._active = True
        self.search_requested.emit(query)

    def _end(self) -> None:
        self._mark_invalid(None)
        if self._active:
            self._active = False
            self.search_cleared.emit()

    def _mark_invalid(self, message: str | None) -> None:
        # A red frame says "not searched"; the message itself goes to the status bar.
        self.setProperty("invalid", message is not None)
        self.setStyleSheet("QLineEdit#search_box { border: 1px solid #d0342c; }" if message else "")
