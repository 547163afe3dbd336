"""The library's values: what storage returns and what the ui and cli display.

All datetimes are timezone-aware UTC. Instances are frozen so they can cross threads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NewType

FeedId = NewType("FeedId", int)
EntryId = NewType("EntryId", int)


@dataclass(frozen=True, slots=True)
class Feed:
    """A subscription and its update state."""

    id: FeedId
    url: str
    title: str | None
    user_title: str | None
    site_url: str | None
    tags: tuple[str, ...]
    added_at: datetime
    icon_url: str | None = None
    last_fetched: datetime | None = None
    last_updated: datetime | None = None
    next_check: datetime | None = None
    error_count: int = 0
    last_error: str | None = None
    last_error_at: datetime | None = None
    last_warning: str | None = None
    updates_enabled: bool = True
    update_interval_minutes: int | None = None
    load_images: bool = False
    # Retention for this feed alone (domain/retention.py): None follows the global setting,
    # 0 keeps its articles forever by that measure, N > 0 is the feed's own limit.
    keep_days: int | None = None
    keep_per_feed: int | None = None

    @property
    def display_title(self) -> str:
        """What the user sees: their own title, else the feed's, else the URL."""
        return self.user_title or self.title or self.url


@dataclass(frozen=True, slots=True)
class FeedSummary:
    """A feed with its article counts, as the feed list and ``reader-app feeds`` show it."""

    feed: Feed
    unread_count: int


@dataclass(frozen=True, slots=True)
class TagSummary:
    """A tag with how many feeds carry it and how many unread articles those feeds have.

    Counts are for feeds tagged with exactly this name; nesting (``Tech/Linux`` under
    ``Tech``) is summed by whoever draws the tree.
    """

    name: str
    feed_count: int
    unread_count: int

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.name.split("/"))


@dataclass(frozen=True, slots=True)
class Entry:
    """One article. ``sort_at`` is its date when plausible, else when it was first seen."""

    id: EntryId
    feed_id: FeedId
    feed_title: str
    key: str
    title: str | None
    link: str | None
    author: str | None
    summary: str | None
    content: str | None
    published: datetime | None
    updated: datetime | None
    first_seen: datetime
    sort_at: datetime
    read: bool
    read_at: datetime | None
    starred: bool


@dataclass(frozen=True, slots=True)
class EntryItem:
    """An article as a list shows it: no bodies, so a page of rows stays small."""

    id: EntryId
    feed_id: FeedId
    feed_title: str
    title: str | None
    link: str | None
    author: str | None
    published: datetime | None
    sort_at: datetime
    read: bool
    starred: bool


@dataclass(frozen=True, slots=True)
class NewEntry:
    """An article to store, as the sync engine decided it (``sort_at`` already plausible)."""

    key: str
    title: str | None
    link: str | None
    author: str | None
    summary: str | None
    content: str | None
    content_hash: str | None
    published: datetime | None
    updated: datetime | None
    first_seen: datetime
    sort_at: datetime
    item_hash: str | None = None  # raw bytes of its item in the feed (see ingest/items.py)
