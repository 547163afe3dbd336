"""What the article list asks for, and the keyset pages it gets back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from reader_app.domain.types import EntryItem, FeedId


@dataclass(frozen=True, slots=True)
class PageCursor:
    """Where the next page starts: the (sort_at, id) of the last row of the previous page."""

    sort_at: datetime
    entry_id: int


@dataclass(frozen=True, slots=True)
class EntryQuery:
    """A filter over articles. Empty ``feed_ids`` and ``tags`` mean every feed.

    A tag matches feeds tagged with it or with any tag nested below it (``Tech`` matches
    ``Tech/Linux``). ``feed_ids`` and ``tags`` together mean feeds in either.
    ``saved_search``: only the articles that saved search matches (its stored matches, so a
    saved view lists, pages and counts like a feed).
    """

    feed_ids: frozenset[FeedId] = field(default_factory=frozenset)
    tags: frozenset[str] = field(default_factory=frozenset)
    within_tags: frozenset[str] = field(default_factory=frozenset)
    unread_only: bool = False
    starred_only: bool = False
    since: datetime | None = None
    saved_search: int | None = None
    newest_first: bool = True
    limit: int = 200
    after: PageCursor | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= 10_000:
            raise ValueError(f"limit must be between 1 and 10000, not {self.limit}")


@dataclass(frozen=True, slots=True)
class EntryPage:
    """One page of articles; ``next_cursor`` is None on the last page."""

    entries: tuple[EntryItem, ...]
    next_cursor: PageCursor | None
