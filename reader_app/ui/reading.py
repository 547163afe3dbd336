"""Reading commands of the window: showing the current article, moving to the next unread,
read and star marks, opening in the browser, remote images.

A part of the main window split out by what it owns; it reaches the window's panes and its
``write`` (library writes off the GUI thread) through the window it is given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl
from PySide6.QtGui import QGuiApplication

from reader_app.domain import Changes, EntryId
from reader_app.errors import ReaderAppError
from reader_app.ui.selection import ALL, Selection, SmartView, entry_query

if TYPE_CHECKING:
    from reader_app.ui.main_window import MainWindow


class Reading:
    def __init__(self, window: MainWindow) -> None:
        self._w = window
        # Articles whose images the user asked for in this run ("Load images").
        self._images_allowed: set[EntryId] = set()

    def current_entry_changed(self, entry_id: EntryId | None) -> None:
        if entry_id is None:
            self._w.article_view.clear()
            return
        try:
            entry = self._w.library.entry(entry_id)
        except ReaderAppError:
            self._w.article_view.clear()
            return
        feed = self._w.feed_model.feed(entry.feed_id)
        allow = (
            entry_id in self._images_allowed
            or self._w.settings.get_bool("reading.load_remote_images")
            or (feed is not None and feed.load_images)
        )
        self._w.article_view.show_entry(entry, feed, allow_images=allow)

    def next_unread(self) -> bool:
        """The next unread article here, else the first unread in the next feed with any."""
        if self._w.article_list.next_unread() is not None:
            return True
        selection = self._w.feed_tree.current_selection()
        if (selection is None or selection.is_view) and self._w.feed_tree.select(
            Selection(view=SmartView.UNREAD)
        ):
            return self._w.article_list.next_unread(after_current=False) is not None
        if self._w.feed_tree.move_to_feed(1, unread_only=True):
            return self._w.article_list.next_unread(after_current=False) is not None
        self._w.statusBar().showMessage("No more unread articles", 4000)
        return False

    def previous_unread(self) -> bool:
        """The previous unread article here, else the last unread one of the previous feed
        with any (N's mirror). Smart views hold every feed, so they have no previous one."""
        if self._w.article_list.previous_unread() is not None:
            return True
        selection = self._w.feed_tree.current_selection()
        if (
            selection is not None
            and not selection.is_view
            and self._w.feed_tree.move_to_feed(-1, unread_only=True)
        ):
            # A new list has no current article: from its bottom, its last unread one.
            return self._w.article_list.previous_unread() is not None
        self._w.statusBar().showMessage("No earlier unread articles", 4000)
        return False

    def scroll_or_next_unread(self) -> None:
        if self._w.article_view.current_entry_id is None or not self._w.article_view.scroll_page(
            down=True
        ):
            self.next_unread()

    def toggle_read(self) -> None:
        ids = self._w.article_list.selected_ids()
        if not ids:
            return
        items = self._w.library.entry_items(ids)
        read = not all(item.read for item in items.values())
        self.set_read(ids, read=read, undoable=True)

    def toggle_star(self) -> None:
        ids = self._w.article_list.selected_ids()
        if not ids:
            return
        items = self._w.library.entry_items(ids)
        starred = not all(item.starred for item in items.values())
        self.set_starred(ids, starred=starred)

    def set_read(self, ids: tuple[EntryId, ...], *, read: bool, undoable: bool = False) -> None:
        """``undoable``: the user asked for it (a command, not reading), so Ctrl+Z undoes it."""
        self._w.write(
            lambda: self._w.library.mark_read(ids, read),
            "mark the articles",
            undoable="" if undoable else None,
        )

    def set_starred(self, ids: tuple[EntryId, ...], *, starred: bool) -> None:
        self._w.write(
            lambda: self._w.library.set_starred(ids, starred), "star the articles", undoable=""
        )

    def state_change_requested(self, ids: tuple[EntryId, ...], field: str, value: bool) -> None:
        if field == "read":
            self.set_read(ids, read=value, undoable=True)
        elif field == "starred":
            self.set_starred(ids, starred=value)

    def mark_all_read(self) -> None:
        """Everything in the current view: the search results when a search is shown."""
        if self._w.article_model.search is not None:
            ids = tuple(self._w.article_model.all_ids())
            self._w.write(
                lambda: self._w.library.mark_read(ids, True),
                "mark the results read",
                undoable="the search results",
            )
            return
        self.mark_selection_read(self._w.feed_tree.current_selection() or ALL)

    def mark_selection_read(self, selection: Selection) -> None:
        query = entry_query(selection, tag_filter=self._w.tag_filter.chosen(), now=self._w.clock())
        self._w.write(
            lambda: self._w.library.mark_all_read(query),
            "mark everything read",
            undoable=self._place_name(selection),
        )

    def _place_name(self, selection: Selection) -> str:
        """How the user knows ``selection``: a feed's title, a tag, a smart view's name."""
        if selection.view is not None:
            return selection.view.label
        if selection.saved_search is not None:
            search = self._w.feed_model.saved_search(selection.saved_search)
            return search.name if search is not None else ""
        if selection.tag is not None:
            return selection.tag
        feed = self._w.feed_model.feed(selection.feed_id) if selection.feed_id else None
        return feed.display_title if feed is not None else ""

    def open_current_in_browser(self) -> None:
        self.open_entries(self._w.article_list.selected_ids()[:10])

    def open_entries(self, ids: tuple[EntryId, ...]) -> None:
        items = self._w.library.entry_items(ids)
        opened: list[EntryId] = []
        for entry_id in ids:
            item = items.get(entry_id)
            link = item.link if item else None
            if link and QUrl(link).scheme() in ("http", "https"):
                self._w.open_url(QUrl(link))
                opened.append(entry_id)
        if opened:
            self.set_read(tuple(opened), read=True)

    def copy_current_link(self) -> None:
        entry_id = self._w.article_list.current_entry_id()
        if entry_id is None:
            return
        item = self._w.library.entry_items([entry_id]).get(entry_id)
        if item and item.link:
            QGuiApplication.clipboard().setText(item.link)
            self._w.statusBar().showMessage("Link copied", 3000)

    def load_images_for_current(self) -> None:
        entry_id = self._w.article_view.current_entry_id
        if entry_id is not None:
            self.load_images(entry_id)

    def load_images(self, entry_id: int) -> None:
        self._images_allowed.add(EntryId(entry_id))
        if self._w.article_view.current_entry_id == entry_id:
            self.current_entry_changed(EntryId(entry_id))

    def always_load_images(self, feed_id: int) -> None:
        def done(changes: Changes) -> None:
            self._w.apply_changes(changes)
            current = self._w.article_view.current_entry_id
            if current is not None:
                self.current_entry_changed(EntryId(current))

        self._w.write(
            lambda: self._w.library.set_feed_options(feed_id, load_images=True),
            "change the feed's options",
            then=done,
        )

    def link_hovered(self, url: str) -> None:
        if url:
            self._w.statusBar().showMessage(url)
        else:
            self._w.statusBar().clearMessage()
