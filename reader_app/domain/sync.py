"""What a sync is asked to do and what it reports: values the window, the command line and
the sync engine share (frozen; they cross from the sync thread to the GUI thread).

They live here rather than in ``reader_app.sync`` so that the window can name them without
loading the engine and its HTTP and parsing libraries at start-up.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from reader_app.domain.changes import Changes
from reader_app.domain.types import FeedId


class FeedOutcome(enum.Enum):
    UPDATED = "updated"  # fetched and parsed (new, changed or no articles)
    NOT_MODIFIED = "not_modified"  # 304, or a body identical to the last one
    FAILED = "failed"  # network, HTTP or parse error: stored on the feed
    GONE = "gone"  # 410: updates stopped


@dataclass(frozen=True, slots=True)
class FeedResult:
    """How one feed's update went."""

    feed_id: FeedId
    url: str
    title: str | None
    outcome: FeedOutcome
    new_entries: int = 0
    updated_entries: int = 0
    error: str | None = None
    warning: str | None = None


@dataclass(frozen=True, slots=True)
class SyncProgress:
    """Reported after each feed is written: the window refreshes what ``changes`` names."""

    done: int
    total: int
    result: FeedResult
    changes: Changes


@dataclass(frozen=True, slots=True)
class SyncReport:
    total: int
    results: tuple[FeedResult, ...]
    cancelled: bool = False

    def count(self, outcome: FeedOutcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)

    @property
    def updated(self) -> int:
        return self.count(FeedOutcome.UPDATED)

    @property
    def not_modified(self) -> int:
        return self.count(FeedOutcome.NOT_MODIFIED)

    @property
    def failed(self) -> int:
        return self.count(FeedOutcome.FAILED) + self.count(FeedOutcome.GONE)

    @property
    def new_entries(self) -> int:
        return sum(r.new_entries for r in self.results)


@dataclass(frozen=True, slots=True)
class SyncSelection:
    """Which feeds: named ones (always), those with tags, or all; due ones unless forced."""

    feed_ids: frozenset[FeedId] = field(default_factory=frozenset)
    tags: frozenset[str] = field(default_factory=frozenset)
    force: bool = False


@dataclass(frozen=True, slots=True)
class SyncOptions:
    """Everything a sync can be tuned by; the app builds it from the settings table."""

    default_interval_minutes: int = 60
    max_backoff_minutes: int = 24 * 60
    max_connections: int = 16
    max_per_host: int = 2
    request_timeout_seconds: float = 30.0
    max_feed_bytes: int = 16 * 1024 * 1024
    parse_workers: int = 2
    parse_timeout_seconds: float = 10.0
    parse_memory_mb: int = 1024
