"""Values that cross layers and threads: frozen dataclasses and ids, standard library only."""

from reader_app.domain.changes import Changes, MarkChange, MarkField, StateChange
from reader_app.domain.query import EntryPage, EntryQuery, PageCursor
from reader_app.domain.tags import normalize_tag
from reader_app.domain.types import (
    Entry,
    EntryId,
    EntryItem,
    Feed,
    FeedId,
    FeedSummary,
    NewEntry,
    TagSummary,
)

__all__ = [
    "Changes",
    "Entry",
    "EntryId",
    "EntryItem",
    "EntryPage",
    "EntryQuery",
    "Feed",
    "FeedId",
    "FeedSummary",
    "MarkChange",
    "MarkField",
    "NewEntry",
    "PageCursor",
    "StateChange",
    "TagSummary",
    "normalize_tag",
]
