"""What the feed list reads after a write, as one value (no Qt).

A sync lands a feed every few milliseconds. Reading the changed feeds and the counts on the
GUI thread cost a dozen short queries per landing, and while the sync's threads run, every
query there gives up the GIL and waits up to a switch interval to get it back: 150 ms stalls.
So during a sync the window reads an update on a worker (``read_update``) and the model
applies it on the GUI thread without touching the database (``FeedTreeModel.apply_update``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from reader_app.domain import Changes, FeedId, FeedSummary
from reader_app.domain.saved_search import SavedSearch
from reader_app.library import Library
from reader_app.ui.selection import Selection, SmartView, entry_query

# Beyond this many changed feeds one read of every feed is as cheap as reading those.
MAX_PARTIAL = 64


@dataclass(frozen=True, slots=True)
class FeedTreeUpdate:
    """``everything``: every feed, when the tree must be rebuilt (tags changed, feeds gone,
    or many changed); else ``fresh``: the changed feeds that still exist. ``unread``: every
    feed's unread count. ``view_counts``: the smart views' counts. ``saved``: the saved
    searches with their counts (a read of one small table: the writer keeps the counts)."""

    changes: Changes
    everything: tuple[FeedSummary, ...] | None
    fresh: tuple[FeedSummary, ...]
    unread: Mapping[FeedId, int]
    view_counts: Mapping[SmartView, int]
    saved: tuple[SavedSearch, ...] = ()


def read_view_counts(library: Library, now: datetime) -> dict[SmartView, int]:
    unread = library.unread_total()
    today = library.count_entries(
        entry_query(Selection(view=SmartView.TODAY), hide_read=True, now=now)
    )
    return {
        SmartView.ALL: unread,
        SmartView.UNREAD: unread,
        SmartView.STARRED: library.starred_count(),
        SmartView.TODAY: today,
    }


def read_update(library: Library, changes: Changes, now: datetime) -> FeedTreeUpdate:
    """Everything the feed list needs to show after ``changes`` (safe on any thread)."""
    full = changes.tags or bool(changes.feeds_removed) or len(changes.feeds) > MAX_PARTIAL
    everything = tuple(library.feeds()) if full else None
    fresh = () if full or not changes.feeds else tuple(library.feeds(changes.feeds))
    return FeedTreeUpdate(
        changes=changes,
        everything=everything,
        fresh=fresh,
        unread=library.unread_counts(),
        view_counts=read_view_counts(library, now),
        saved=tuple(library.saved_searches()),
    )


def read_everything(library: Library, now: datetime) -> FeedTreeUpdate:
    return read_update(library, Changes(tags=True, saved_searches=True), now)
