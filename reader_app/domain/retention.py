"""What retention keeps and what a prune did: values shared by storage, library, CLI and window."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from reader_app.domain.changes import Changes
from reader_app.domain.types import FeedId


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """Which articles a prune deletes.

    An article goes when it is older than ``keep_days`` (by its list date, ``sort_at``) or is
    beyond the newest ``keep_per_feed`` of its feed; 0 turns either limit off. Starred
    articles are never deleted, nor unread ones when ``keep_unread``. Starred and unread
    articles still count towards ``keep_per_feed``: the limit is on what the feed shows.
    """

    keep_days: int = 0
    keep_per_feed: int = 0
    keep_unread: bool = True

    def __post_init__(self) -> None:
        if self.keep_days < 0 or self.keep_per_feed < 0:
            raise ValueError("retention limits must be 0 (off) or more")

    @property
    def active(self) -> bool:
        """False when both limits are off: nothing can ever be pruned."""
        return self.keep_days > 0 or self.keep_per_feed > 0

    def cutoff(self, now: datetime) -> datetime | None:
        """Articles listed before this time are old enough to go; None when age is no limit."""
        return now - timedelta(days=self.keep_days) if self.keep_days else None


@dataclass(frozen=True, slots=True)
class PruneReport:
    """What a prune deleted (or, with ``dry_run``, would delete), per feed and in total."""

    per_feed: dict[FeedId, int] = field(default_factory=dict)
    dry_run: bool = False
    changes: Changes = field(default_factory=Changes)

    @property
    def total(self) -> int:
        return sum(self.per_feed.values())
