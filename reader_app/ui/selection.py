"""What the feed list can select, and the article query that a selection means.

Plain values (no Qt), so the feed list, the article list, saved state and the tests all
speak of the same thing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime

from reader_app.domain import EntryQuery, FeedId
from reader_app.domain.saved_search import SavedSearchId


class SmartView(enum.Enum):
    ALL = "all"
    UNREAD = "unread"
    STARRED = "starred"
    TODAY = "today"

    @property
    def label(self) -> str:
        return {"all": "All", "unread": "Unread", "starred": "Starred", "today": "Today"}[
            self.value
        ]


@dataclass(frozen=True, slots=True)
class Selection:
    """One row of the feed list: a smart view, a saved search, a tag (with the tags nested
    below it) or a feed. Exactly one of the four is set."""

    view: SmartView | None = None
    tag: str | None = None
    feed_id: FeedId | None = None
    saved_search: SavedSearchId | None = None

    def __post_init__(self) -> None:
        chosen = (self.view, self.tag, self.feed_id, self.saved_search)
        if sum(x is not None for x in chosen) != 1:
            raise ValueError("a selection is one view, one saved search, one tag or one feed")

    @property
    def is_view(self) -> bool:
        """A view over every feed (a smart view or a saved search), not one feed or tag."""
        return self.view is not None or self.saved_search is not None

    def to_text(self) -> str:
        """A stable form for saved state: ``view:unread``, ``search:3``, ``tag:Tech/Linux``,
        ``feed:12``."""
        if self.view is not None:
            return f"view:{self.view.value}"
        if self.saved_search is not None:
            return f"search:{self.saved_search}"
        if self.tag is not None:
            return f"tag:{self.tag}"
        return f"feed:{self.feed_id}"

    @classmethod
    def from_text(cls, text: str) -> Selection | None:
        kind, _, value = text.partition(":")
        number = value.isascii() and value.isdecimal()
        try:
            if kind == "view":
                return cls(view=SmartView(value))
            if kind == "tag" and value:
                return cls(tag=value)
            if kind == "feed" and number:
                return cls(feed_id=FeedId(int(value)))
            if kind == "search" and number:
                return cls(saved_search=SavedSearchId(int(value)))
        except ValueError:
            return None
        return None


ALL = Selection(view=SmartView.ALL)


def start_of_local_day(now: datetime) -> datetime:
    """Midnight of ``now``'s day in the machine's time zone, as aware UTC."""
    local = now.astimezone()
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def entry_query(
    selection: Selection,
    *,
    tag_filter: frozenset[str] = frozenset(),
    hide_read: bool = False,
    newest_first: bool = True,
    now: datetime,
) -> EntryQuery:
    """The articles the list shows for ``selection``, narrowed by the tag filter.

    ``hide_read`` does not apply to Starred (starred articles are kept on purpose, read or
    not) but does to every other view.
    """
    feed_ids: frozenset[FeedId] = frozenset()
    tags: frozenset[str] = frozenset()
    saved_search = selection.saved_search
    unread_only = hide_read
    starred_only = False
    since = None
    if selection.feed_id is not None:
        feed_ids = frozenset({selection.feed_id})
    elif selection.tag is not None:
        tags = frozenset({selection.tag})
    elif selection.view is SmartView.UNREAD:
        unread_only = True
    elif selection.view is SmartView.STARRED:
        starred_only = True
        unread_only = False
    elif selection.view is SmartView.TODAY:
        since = start_of_local_day(now)
    return EntryQuery(
        feed_ids=feed_ids,
        tags=tags,
        within_tags=tag_filter,
        unread_only=unread_only,
        starred_only=starred_only,
        since=since,
        saved_search=saved_search,
        newest_first=newest_first,
    )
