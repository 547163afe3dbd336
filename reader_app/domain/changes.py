"""What a write changed, so each screen refreshes only what it shows (Anki's OpChanges)."""

from __future__ import annotations

from dataclasses import dataclass, field

from reader_app.domain.types import EntryId, FeedId


@dataclass(frozen=True, slots=True)
class Changes:
    """Ids touched by one write.

    ``feeds``: feeds whose row or counts changed. ``entries``: articles whose state or content
    changed. ``feeds_removed``: feeds that no longer exist. ``tags``: the set of tags changed.
    """

    feeds: frozenset[FeedId] = field(default_factory=frozenset)
    entries: frozenset[EntryId] = field(default_factory=frozenset)
    feeds_removed: frozenset[FeedId] = field(default_factory=frozenset)
    tags: bool = False

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            feeds=self.feeds | other.feeds,
            entries=self.entries | other.entries,
            feeds_removed=self.feeds_removed | other.feeds_removed,
            tags=self.tags or other.tags,
        )

    @property
    def empty(self) -> bool:
        return not (self.feeds or self.entries or self.feeds_removed or self.tags)


@dataclass(frozen=True, slots=True)
class StateChange:
    """The result of a bulk read/star/delete: what changed, and the ids that did not exist."""

    changes: Changes
    missing: tuple[int, ...]
