"""Retention values without I/O: a feed's effective limits, when a prune can do anything,
and which per-feed limits are refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reader_app.domain import Feed, FeedId
from reader_app.domain.retention import (
    MAX_KEEP_DAYS,
    MAX_KEEP_PER_FEED,
    FeedRetention,
    RetentionPolicy,
    check_feed_limits,
)


def _feed(keep_days: int | None = None, keep_per_feed: int | None = None) -> Feed:
    return Feed(
        id=FeedId(1),
        url="https://a.example/feed",
        title=None,
        user_title=None,
        site_url=None,
        tags=(),
        added_at=datetime(2026, 1, 1, tzinfo=UTC),
        keep_days=keep_days,
        keep_per_feed=keep_per_feed,
    )


def test_a_feed_without_values_follows_the_global_limits() -> None:
    policy = RetentionPolicy(keep_days=30, keep_per_feed=200)
    assert policy.for_feed(_feed()) == FeedRetention(30, 200, False, False)


def test_a_feed_value_wins_and_zero_is_no_limit() -> None:
    policy = RetentionPolicy(keep_days=30, keep_per_feed=200)
    assert policy.for_feed(_feed(keep_days=7)) == FeedRetention(7, 200, True, False)
    forever = policy.for_feed(_feed(keep_days=0, keep_per_feed=0))
    assert forever == FeedRetention(0, 0, True, True)
    assert not forever.active


def test_active_means_anything_could_be_pruned() -> None:
    assert RetentionPolicy(keep_days=1, feed_limits=False).active
    assert RetentionPolicy(keep_per_feed=1, feed_limits=False).active
    assert RetentionPolicy(feed_limits=True).active  # a feed has its own limit
    assert RetentionPolicy().active  # not known yet: the prune looks
    assert not RetentionPolicy(feed_limits=False).active
    assert not RetentionPolicy(feed_limits=True).global_active


@pytest.mark.parametrize(
    ("days", "count"),
    [(None, None), (0, 0), (MAX_KEEP_DAYS, MAX_KEEP_PER_FEED), (1, None), (None, 1)],
)
def test_limits_in_range_pass(days: int | None, count: int | None) -> None:
    check_feed_limits(days, count)


@pytest.mark.parametrize(
    ("days", "count", "message"),
    [
        (-1, None, "days to keep articles must be between 0 .forever. and 36,500, not -1"),
        (MAX_KEEP_DAYS + 1, None, "not 36,501"),
        (None, -5, "number of articles to keep must be between 0 .no limit. and 1,000,000"),
        (None, MAX_KEEP_PER_FEED + 1, "not 1,000,001"),
        (2.5, None, "days to keep articles must be a whole number"),
        (None, True, "articles to keep must be a whole number"),
        ("7", None, "not '7'"),
    ],
)
def test_limits_out_of_range_or_not_whole_are_named(
    days: object, count: object, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        check_feed_limits(days, count)
