"""Subscription commands of the window: adding and importing feeds, renaming, tags,
properties, removing, refreshing.

A part of the main window split out by what it owns; dialogs open window-modal and report
back through callbacks, and every write's ``Changes`` goes to ``MainWindow.apply_changes``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from reader_app.domain import Changes, Feed
from reader_app.domain.sync import SyncSelection
from reader_app.errors import ReaderAppError
from reader_app.library import retention_policy
from reader_app.ui.dialogs.add_feed import AddFeedDialog
from reader_app.ui.dialogs.errors import confirm_remove_feed
from reader_app.ui.dialogs.feed_properties import (
    FeedPropertiesDialog,
    edit_tags_dialog,
    rename_feed_dialog,
)
from reader_app.ui.dialogs.import_opml import import_opml
from reader_app.ui.resources import resource_path
from reader_app.ui.selection import ALL, Selection

if TYPE_CHECKING:
    from reader_app.ui.main_window import MainWindow


class Subscriptions:
    def __init__(self, window: MainWindow) -> None:
        self._w = window

    def with_current_feed(self, action: Callable[[Feed], None]) -> None:
        selection = self._w.feed_tree.current_selection()
        feed_id = selection.feed_id if selection else None
        if feed_id is None:
            entry_id = self._w.article_list.current_entry_id()
            item = self._w.library.entry_items([entry_id]).get(entry_id) if entry_id else None
            feed_id = item.feed_id if item else None
        if feed_id is None:
            self._w.statusBar().showMessage("Select a feed first", 4000)
            return
        self.with_feed(feed_id, action)

    def with_feed(self, feed_id: int, action: Callable[[Feed], None]) -> None:
        try:
            feed = self._w.library.feed(feed_id)
        except ReaderAppError as exc:
            self._w.statusBar().showMessage(str(exc), 6000)
            return
        action(feed)

    def add_feed(self, url: str = "") -> None:
        dialog = AddFeedDialog(
            self._w.library, self._w.tasks, self._w, options=self._w.sync_options(), url=url
        )
        dialog.feed_added.connect(self.feed_added)
        self._w.open_dialog(dialog)

    def feed_added(self, feed: Feed) -> None:
        self._w.apply_changes(Changes(feeds=frozenset({feed.id}), tags=True))
        self._w.feed_tree.select(Selection(feed_id=feed.id))
        self._w.sync.refresh(SyncSelection(feed_ids=frozenset({feed.id}), force=True))

    def import_opml(self, path: Path | None = None) -> None:
        import_opml(self._w, self._w.library, self._w.tasks, path, on_imported=self.opml_imported)

    def opml_imported(self, changes: Changes) -> None:
        self._w.apply_changes(changes)
        if changes.feeds:
            self._w.sync.refresh(SyncSelection(feed_ids=changes.feeds, force=True))

    def add_starter_feeds(self) -> None:
        self.import_opml(resource_path("starter.opml"))

    def rename_feed(self, feed: Feed) -> None:
        rename_feed_dialog(
            self._w, self._w.library, self._w.tasks, feed, on_done=self._w.apply_changes
        )

    def edit_tags(self, feed: Feed) -> None:
        edit_tags_dialog(
            self._w, self._w.library, self._w.tasks, feed, on_done=self._w.apply_changes
        )

    def feed_properties(self, feed: Feed) -> None:
        dialog = FeedPropertiesDialog(
            self._w.library,
            self._w.tasks,
            feed,
            self._w,
            default_interval_minutes=self._w.settings.get_int("sync.interval_minutes"),
            global_retention=retention_policy(self._w.settings),
        )
        dialog.changed.connect(self._w.apply_changes)
        self._w.open_dialog(dialog)

    def remove_feed(self, feed: Feed) -> None:
        if confirm_remove_feed(self._w, feed.display_title):
            self._w.write(lambda: self._w.library.remove_feed(feed.id), "remove the feed")

    def tag_dropped(self, feed_id: int, tag: str) -> None:
        self._w.write(lambda: self._w.library.tag_feed(feed_id, [tag]), "tag the feed")

    def refresh_current(self) -> None:
        self.refresh_selection(self._w.feed_tree.current_selection() or ALL)

    def refresh_selection(self, selection: Selection) -> None:
        if selection.feed_id is not None:
            self._w.sync.refresh(SyncSelection(feed_ids=frozenset({selection.feed_id}), force=True))
        elif selection.tag is not None:
            self._w.sync.refresh(SyncSelection(tags=frozenset({selection.tag}), force=True))
        else:
            self._w.sync.refresh_all()
