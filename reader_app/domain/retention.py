"""What retention keeps and what a prune did: values shared by storage, library, CLI and window."""

from __future__ import annotations

from dataclasses import dataclass, field

from reader_app.domain.changes import Changes
from reader_app.domain.types import Feed, FeedId

# The bounds of a limit, global (settings.py) or a feed's own (Library.set_feed_options).
MAX_KEEP_DAYS = 36500  # a hundred years: "forever" is 0, not a large number
MAX_KEEP_PER_FEED = 1_000_000


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """Which articles a prune deletes.

    An article goes when it is older than its feed's day limit (by its list date,
    ``sort_at``) or is beyond the newest N of its feed. ``keep_days`` and ``keep_per_feed``
    are the global limits, 0 turning either off; a feed may have its own value for either
    (``Feed.keep_days``, ``Feed.keep_per_feed``: None follows the global one, 0 is no limit
    for that feed). The feeds' own values are read by the prune's query from the feeds
    table, not carried here, so a thousand feeds cost one pass, not a thousand.

    Starred articles are never deleted, nor unread ones when ``keep_unread``. Starred and
    unread articles still count towards the per-feed number: the limit is on what the feed
    shows.

    ``feed_limits``: whether some feed has a limit of its own (above 0). None when not
    known, as for a policy read from the settings alone: a prune looks it up in the same
    read that chooses the articles, and its report carries the policy with the answer.
    """

    keep_days: int = 0
    keep_per_feed: int = 0
    keep_unread: bool = True
    feed_limits: bool | None = None

    def __post_init__(self) -> None:
        if self.keep_days < 0 or self.keep_per_feed < 0:
            raise ValueError("retention limits must be 0 (off) or more")

    @property
    def global_active(self) -> bool:
        """Whether a global limit is on (feeds without their own values follow it)."""
        return self.keep_days > 0 or self.keep_per_feed > 0

    @property
    def active(self) -> bool:
        """Whether anything could be pruned: a global limit is on, or some feed has a limit
        of its own, or may have one (``feed_limits`` not yet known: the prune looks)."""
        return self.global_active or self.feed_limits is not False

    def for_feed(self, feed: Feed) -> FeedRetention:
        """The limits ``feed`` gets under this policy, and where each comes from."""
        return FeedRetention(
            keep_days=self.keep_days if feed.keep_days is None else feed.keep_days,
            keep_per_feed=self.keep_per_feed if feed.keep_per_feed is None else feed.keep_per_feed,
            days_from_feed=feed.keep_days is not None,
            per_feed_from_feed=feed.keep_per_feed is not None,
        )


@dataclass(frozen=True, slots=True)
class FeedRetention:
    """One feed's effective limits (0: no limit) and whether each is the feed's own value
    (True) or the global setting (False)."""

    keep_days: int
    keep_per_feed: int
    days_from_feed: bool
    per_feed_from_feed: bool

    @property
    def active(self) -> bool:
        return self.keep_days > 0 or self.keep_per_feed > 0


def check_feed_limits(keep_days: object, keep_per_feed: object) -> None:
    """Refuse a feed's own limit that is not a whole number in range, naming it; None
    (follow the global setting) is fine. Typed ``object``: the values may come from a
    caller that parsed them, and a float or a bool must not reach the database."""
    _check_limit("the days to keep articles", keep_days, MAX_KEEP_DAYS, "forever")
    _check_limit("the number of articles to keep", keep_per_feed, MAX_KEEP_PER_FEED, "no limit")


def _check_limit(name: str, value: object, maximum: int, zero: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(
            f"{name} must be a whole number (or None: the global setting), not {value!r}"
        )
    if not 0 <= value <= maximum:
        raise ValueError(f"{name} must be between 0 ({zero}) and {maximum:,}, not {value:,}")


@dataclass(frozen=True, slots=True)
class PruneReport:
    """What a prune deleted (or, with ``dry_run``, would delete), per feed and in total.

    ``policy``: the policy the prune applied, with ``feed_limits`` looked up, so
    ``report.policy.active`` says whether anything could have been pruned at all.
    """

    per_feed: dict[FeedId, int] = field(default_factory=dict)
    dry_run: bool = False
    changes: Changes = field(default_factory=Changes)
    policy: RetentionPolicy = field(default_factory=lambda: RetentionPolicy(feed_limits=False))

    @property
    def total(self) -> int:
        return sum(self.per_feed.values())
