"""What a write changed, so each screen refreshes only what it shows (Anki's OpChanges)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from reader_app.domain.types import EntryId, FeedId

MarkField = Literal["read", "starred"]


@dataclass(frozen=True, slots=True)
class Changes:
    """Ids touched by one write.

    ``feeds``: feeds whose row or counts changed. ``entries``: articles whose state or content
    changed. ``feeds_removed``: feeds that no longer exist. ``tags``: the set of tags changed.
    ``saved_searches``: a saved search was added, removed, renamed, edited or moved (their
    unread counts follow every write; a list showing them reads those again anyway).
    """

    feeds: frozenset[FeedId] = field(default_factory=frozenset)
    entries: frozenset[EntryId] = field(default_factory=frozenset)
    feeds_removed: frozenset[FeedId] = field(default_factory=frozenset)
    tags: bool = False
    saved_searches: bool = False

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            feeds=self.feeds | other.feeds,
            entries=self.entries | other.entries,
            feeds_removed=self.feeds_removed | other.feeds_removed,
            tags=self.tags or other.tags,
            saved_searches=self.saved_searches or other.saved_searches,
        )

    @property
    def empty(self) -> bool:
        return not (
            self.feeds or self.entries or self.feeds_removed or self.tags or self.saved_searches
        )


@dataclass(frozen=True, slots=True)
class MarkChange:
    """One change of read or star marks, kept so it can be undone exactly.

    ``entry_ids``: the articles whose mark it changed (articles already in the new state are
    not among them), so each had ``not value`` before. ``times_before``: when a change
    clears marks (``value`` false), the read or starred time each article had, in the order
    of ``entry_ids``; empty when it sets them (a cleared mark has no time).
    """

    field: MarkField
    value: bool
    entry_ids: tuple[EntryId, ...]
    times_before: tuple[datetime | None, ...] = ()

    def __post_init__(self) -> None:
        if self.times_before and len(self.times_before) != len(self.entry_ids):
            raise ValueError("times_before must match entry_ids")

    @property
    def count(self) -> int:
        return len(self.entry_ids)


@dataclass(frozen=True, slots=True)
class StateChange:
    """The result of a bulk read/star/delete: what changed, and the ids that did not exist.
    ``marks``: for a read or star change, what undoes it."""

    changes: Changes
    missing: tuple[int, ...]
    marks: MarkChange | None = None
