"""Saved-search commands of the window: save the search being shown, edit one, remove one.

A part of the main window split out by what it owns (like ``subscriptions.py``). The dialog
asks, the write runs off the GUI thread, and the feed list shows the result through
``MainWindow.apply_changes``; a saved search just made is selected, so the list shows its
articles the way it shows a feed's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from reader_app.domain import Changes
from reader_app.domain.saved_search import SavedSearch
from reader_app.ui.dialogs.errors import (
    EXPECTED_ERRORS,
    confirm_destructive,
    describe_error,
    show_error,
)
from reader_app.ui.dialogs.saved_search import SavedSearchDialog
from reader_app.ui.selection import ALL, Selection

if TYPE_CHECKING:
    from reader_app.ui.main_window import MainWindow

# A name made from the query when the user gives none of their own.
_DEFAULT_NAME_LENGTH = 60


def default_name(query: str) -> str:
    """The query as a name: what the user searched for is what they will look for."""
    text = " ".join(query.split())
    if len(text) <= _DEFAULT_NAME_LENGTH:
        return text
    return text[: _DEFAULT_NAME_LENGTH - 1].rstrip() + "\u2026"


def confirm_remove(parent: QWidget | None, name: str) -> bool:
    """Ask before removing a saved search; True when the user confirmed."""
    return confirm_destructive(
        parent,
        title="Remove Saved Search",
        question=f"Remove the saved search “{name}”?",
        detail="No article is deleted: only the search leaves the feed list.",
        action="Remove",
    )


class SavedSearchCommands:
    def __init__(self, window: MainWindow) -> None:
        self._w = window
        self.dialog: SavedSearchDialog | None = None  # the one open, for tests and focus
        # Every write brings saved searches up to date, but a window left open over midnight
        # with refreshing off writes nothing: "after:7d" must still move on with the day.
        self.day_timer = QTimer(window)
        self.day_timer.setSingleShot(True)
        self.day_timer.timeout.connect(self.day_changed)
        self._arm_day_timer()

    def day_changed(self) -> None:
        """A new local day: relative days in saved searches mean other articles now."""
        if self._w.feed_model.saved_searches():
            self._w.write(self._w.library.refresh_saved_searches, "update the saved searches")
        self._arm_day_timer()

    def _arm_day_timer(self) -> None:
        now = self._w.clock().astimezone()
        midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=5, microsecond=0)
        self.day_timer.start(max(1000, int((midnight - now).total_seconds() * 1000)))

    def save_current(self) -> None:
        """Save the search in the search field (an empty dialog when there is none)."""
        query = self._w.search_box.text().strip()
        self._open(None, name=default_name(query), query=query)

    def edit(self, search_id: int) -> None:
        search = self._w.feed_model.saved_search(search_id)
        if search is None:
            self._w.statusBar().showMessage("That saved search no longer exists", 4000)
            return
        self._open(search, name=search.name, query=search.query)

    def remove(self, search_id: int) -> None:
        search = self._w.feed_model.saved_search(search_id)
        if search is None:
            return
        if not confirm_remove(self._w, search.name):
            return
        was_shown = self._w.feed_tree.current_selection() == Selection(saved_search=search.id)

        def done(changes: Changes) -> None:
            self._w.apply_changes(changes)
            if was_shown:
                self._w.select(ALL)

        self._w.write(
            lambda: self._w.library.remove_saved_search(search.id),
            "remove the saved search",
            then=done,
        )

    def _open(self, search: SavedSearch | None, *, name: str, query: str) -> None:
        taken = [s.name for s in self._w.feed_model.saved_searches() if s != search]
        dialog = SavedSearchDialog(
            self._w.library.parse_search,
            taken,
            self._w,
            name=name,
            query=query,
            editing=search is not None,
        )
        self.dialog = dialog

        def accepted() -> None:
            name, query = dialog.name(), dialog.query()
            if search is None:
                self._run(lambda: self._w.library.save_search(name, query), "save the search")
            else:
                self._run(
                    lambda: self._w.library.edit_saved_search(search.id, name=name, query=query),
                    "change the saved search",
                )

        def finished() -> None:
            if self.dialog is dialog:
                self.dialog = None
            dialog.deleteLater()

        dialog.accepted.connect(accepted)
        dialog.finished.connect(finished)
        dialog.open()

    def _run(self, write: Callable[[], SavedSearch], what: str) -> None:
        def done(saved: SavedSearch) -> None:
            self._w.apply_changes(Changes(saved_searches=True))
            self._w.select(Selection(saved_search=saved.id))
            self._w.statusBar().showMessage(
                f"Saved “{saved.name}”: {saved.unread_count:,} unread", 6000
            )

        def failed(exc: BaseException) -> None:
            if isinstance(exc, EXPECTED_ERRORS):
                show_error(self._w, "Could not " + what, describe_error(exc))
            else:
                self._w.show_bug(exc)

        self._w.tasks.run(write, done, failed)
