"""Retention on real library files: what a policy deletes, what it never touches, and that a
pruned article stays gone when its feed still lists it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from reader_app.domain import EntryQuery, FeedId
from reader_app.domain.retention import PruneReport, RetentionPolicy
from reader_app.library import Library
from reader_app.storage.retention import select_prunable
from reader_app.sync import SyncOptions, SyncSelection
from reader_app.sync_process import update_in_child
from tests.conftest import FIXED_NOW, FixedClock, add_feed_with_entries
from tests.support.feedserver import FeedServer, rss


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """The real local HTTP server (as in tests/sync/conftest.py, which this folder does not see)."""
    with FeedServer() as server:
        yield server


def _ids(library: Library, feed_id: FeedId) -> list[int]:
    """The feed's article ids, newest first."""
    return list(library.entry_ids(EntryQuery(feed_ids=frozenset({feed_id}))))


def _all_read(library: Library, feed_id: FeedId) -> None:
    library.mark_read(_ids(library, feed_id))


def test_policy_refuses_negative_limits() -> None:
    with pytest.raises(ValueError, match="0"):
        RetentionPolicy(keep_days=-1)
    assert not RetentionPolicy().active


def test_age_limit_deletes_only_older_articles(library: Library, clock: FixedClock) -> None:
    # make_entries spaces articles a minute apart back from FIXED_NOW; ten days on, a
    # ten-day limit with a 5-minute margin keeps the newest five.
    feed = add_feed_with_entries(library, "https://a.example/feed", 10)
    _all_read(library, feed)
    clock.now = FIXED_NOW + timedelta(days=10) - timedelta(minutes=4, seconds=30)
    newest_five = _ids(library, feed)[:5]

    report = library.prune(RetentionPolicy(keep_days=10, keep_unread=False))

    assert report.total == 5
    assert report.per_feed == {feed: 5}
    assert _ids(library, feed) == newest_five
    assert len(report.changes.entries) == 5
    assert report.changes.feeds == {feed}


def test_per_feed_limit_keeps_newest_of_each_feed(library: Library) -> None:
    a = add_feed_with_entries(library, "https://a.example/feed", 8)
    b = add_feed_with_entries(library, "https://b.example/feed", 2)
    _all_read(library, a)
    _all_read(library, b)
    newest_a = _ids(library, a)[:3]
    all_b = _ids(library, b)

    report = library.prune(RetentionPolicy(keep_per_feed=3, keep_unread=False))

    assert report.per_feed == {a: 5}
    assert _ids(library, a) == newest_a
    assert _ids(library, b) == all_b


def test_starred_articles_are_never_pruned(library: Library) -> None:
    feed = add_feed_with_entries(library, "https://a.example/feed", 6)
    _all_read(library, feed)
    oldest = _ids(library, feed)[-1]
    library.set_starred([oldest])

    report = library.prune(RetentionPolicy(keep_per_feed=2, keep_unread=False))

    assert report.total == 3  # the starred one counts towards the two but is never deleted
    remaining = _ids(library, feed)
    assert oldest in remaining
    assert len(remaining) == 3


def test_unread_articles_kept_only_when_asked(library: Library) -> None:
    feed = add_feed_with_entries(library, "https://a.example/feed", 6)
    ids = _ids(library, feed)
    library.mark_read(ids[:4])  # the two oldest stay unread

    kept = library.prune(RetentionPolicy(keep_per_feed=1, keep_unread=True))
    assert kept.total == 3
    assert _ids(library, feed) == [ids[0], *ids[4:]]
    assert library.unread_counts()[feed] == 2

    gone = library.prune(RetentionPolicy(keep_per_feed=1, keep_unread=False))
    assert gone.total == 2
    assert _ids(library, feed) == [ids[0]]
    assert library.unread_counts()[feed] == 0


def test_dry_run_changes_nothing(library: Library) -> None:
    feed = add_feed_with_entries(library, "https://a.example/feed", 5)
    before = _ids(library, feed)
    policy = RetentionPolicy(keep_per_feed=2, keep_unread=False)

    report = library.prune(policy, dry_run=True)

    assert report.dry_run
    assert report.per_feed == {feed: 3}
    assert report.changes.empty
    assert _ids(library, feed) == before
    assert library.prune(policy).total == 3


def test_both_limits_off_prunes_nothing(library: Library) -> None:
    feed = add_feed_with_entries(library, "https://a.example/feed", 5)
    _all_read(library, feed)
    assert library.prune(RetentionPolicy(keep_unread=False)).total == 0
    assert len(_ids(library, feed)) == 5


def test_select_prunable_is_either_limit(library: Library, clock: FixedClock) -> None:
    feed = add_feed_with_entries(library, "https://a.example/feed", 4)
    _all_read(library, feed)
    ids = _ids(library, feed)
    clock.now = FIXED_NOW + timedelta(days=1) - timedelta(minutes=1, seconds=30)

    def prunable(keep_per_feed: int) -> list[int]:
        policy = RetentionPolicy(keep_days=1, keep_per_feed=keep_per_feed, keep_unread=False)
        return sorted(library._db.read(lambda s: select_prunable(s, policy, clock())))

    # The day limit alone takes the two oldest; whichever limit takes more wins.
    assert prunable(3) == sorted(ids[2:])
    assert prunable(1) == sorted(ids[1:])


def test_search_no_longer_finds_pruned_articles(library: Library) -> None:
    feed = add_feed_with_entries(library, "https://a.example/feed", 4)
    _all_read(library, feed)
    oldest = _ids(library, feed)[-1]
    assert oldest in library.search_ids('"title 3"')

    library.prune(RetentionPolicy(keep_per_feed=1, keep_unread=False))

    assert library.search_ids('"title 3"') == []
    assert library.search_ids("title") == _ids(library, feed)


def test_pruned_article_never_comes_back(
    library: Library, clock: FixedClock, feed_server: FeedServer
) -> None:
    feed_server.route("/feed.xml", body=rss(items=3))
    feed = library.add_feed(feed_server.url("/feed.xml")).id
    assert library.update_feeds(SyncSelection(force=True)).new_entries == 3
    _all_read(library, feed)
    clock.advance(days=40)

    assert library.prune(RetentionPolicy(keep_days=30, keep_unread=False)).total == 3

    report = library.update_feeds(SyncSelection(force=True))
    assert report.failed == 0
    assert report.new_entries == 0
    assert _ids(library, feed) == []


def test_the_window_sync_process_prunes_after_the_sync(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.route("/feed.xml", body=rss(items=4))
    path = tmp_path / "child.sqlite3"
    with Library.open(path) as library:
        feed = library.add_feed(feed_server.url("/feed.xml")).id
    pruned: list[PruneReport] = []

    report = update_in_child(
        path,
        SyncSelection(force=True),
        options=SyncOptions(),
        retention=RetentionPolicy(keep_per_feed=1, keep_unread=False),
        on_pruned=pruned.append,
    )

    assert report.new_entries == 4
    assert [p.per_feed for p in pruned] == [{feed: 3}]
    assert len(pruned[0].changes.entries) == 3
    with Library.open(path) as library:
        assert library.count_entries(EntryQuery()) == 1
