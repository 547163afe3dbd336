"""Retention on real library files: what a policy deletes, what it never touches, and that a
pruned article stays gone when its feed still lists it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from reader_app.domain import EntryQuery, FeedId
from reader_app.domain.retention import PruneReport, RetentionPolicy
from reader_app.library import Library, retention_policy
from reader_app.settings import Settings
from reader_app.storage.retention import FeedOverrides, feed_overrides, select_prunable
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
    assert not RetentionPolicy(feed_limits=False).active


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


# --- per-feed limits -------------------------------------------------------------------------


def _read_feed(library: Library, name: str, count: int) -> FeedId:
    """A feed of ``count`` read articles, one minute apart back from FIXED_NOW."""
    feed = add_feed_with_entries(library, f"https://{name}.example/feed", count)
    _all_read(library, feed)
    return feed


def test_a_feed_with_its_own_days_is_pruned_by_them_and_others_by_the_global(
    library: Library, clock: FixedClock
) -> None:
    follows = _read_feed(library, "follows", 10)
    longer = _read_feed(library, "longer", 10)
    shorter = _read_feed(library, "shorter", 10)
    library.set_feed_options(longer, keep_days=20)
    library.set_feed_options(shorter, keep_days=5)
    # Ten days on with a 5-minute margin: the global ten days keep the newest five.
    clock.now = FIXED_NOW + timedelta(days=10) - timedelta(minutes=4, seconds=30)
    newest_five = _ids(library, follows)[:5]
    all_longer = _ids(library, longer)

    report = library.prune(RetentionPolicy(keep_days=10, keep_unread=False))

    assert report.per_feed == {follows: 5, shorter: 10}
    assert _ids(library, follows) == newest_five
    assert _ids(library, longer) == all_longer
    assert _ids(library, shorter) == []


def test_a_feed_with_zero_keeps_everything_while_the_global_limits_prune_others(
    library: Library, clock: FixedClock
) -> None:
    kept = _read_feed(library, "kept", 6)
    ageless = _read_feed(library, "ageless", 6)
    other = _read_feed(library, "other", 6)
    library.set_feed_options(kept, keep_days=0, keep_per_feed=0)
    library.set_feed_options(ageless, keep_days=0)  # the global count still applies
    clock.advance(days=30)
    all_kept = _ids(library, kept)
    newest_ageless = _ids(library, ageless)[:2]

    report = library.prune(RetentionPolicy(keep_days=10, keep_per_feed=2, keep_unread=False))

    assert report.per_feed == {ageless: 4, other: 6}
    assert _ids(library, kept) == all_kept
    assert _ids(library, ageless) == newest_ageless
    assert _ids(library, other) == []


def test_a_feed_count_limit_of_its_own(library: Library) -> None:
    own = _read_feed(library, "own", 8)
    follows = _read_feed(library, "follows", 8)
    unlimited = _read_feed(library, "unlimited", 8)
    library.set_feed_options(own, keep_per_feed=2)
    library.set_feed_options(unlimited, keep_per_feed=0)
    newest_own = _ids(library, own)[:2]
    newest_follows = _ids(library, follows)[:5]

    report = library.prune(RetentionPolicy(keep_per_feed=5, keep_unread=False))

    assert report.per_feed == {own: 6, follows: 3}
    assert _ids(library, own) == newest_own
    assert _ids(library, follows) == newest_follows
    assert len(_ids(library, unlimited)) == 8


def test_a_feed_limit_makes_the_prune_active_with_the_global_limits_off(
    library: Library, clock: FixedClock
) -> None:
    counted = _read_feed(library, "counted", 5)
    aged = _read_feed(library, "aged", 5)
    untouched = _read_feed(library, "untouched", 5)
    policy = retention_policy(Settings(values={"retention.keep_unread": False}))
    assert not policy.global_active
    assert policy.active  # not yet known whether a feed has a limit of its own

    nothing = library.prune(policy)
    assert nothing.total == 0
    assert nothing.policy.feed_limits is False
    assert not nothing.policy.active

    library.set_feed_options(counted, keep_per_feed=1)
    library.set_feed_options(aged, keep_days=1)
    clock.advance(days=1, minutes=-2, seconds=-30)  # the newest three are under a day old
    report = library.prune(policy)

    assert report.per_feed == {counted: 4, aged: 2}
    assert report.policy.feed_limits is True
    assert report.policy.active
    assert len(_ids(library, untouched)) == 5


def test_starred_and_unread_stay_protected_under_feed_limits(library: Library) -> None:
    feed = add_feed_with_entries(library, "https://a.example/feed", 6)
    ids = _ids(library, feed)  # newest first
    library.mark_read(ids[:4])  # the two oldest stay unread
    library.set_starred([ids[3]])
    library.set_feed_options(feed, keep_per_feed=1)

    kept = library.prune(RetentionPolicy(keep_unread=True))

    assert kept.total == 2  # ids[1] and ids[2]: read, not starred, past the newest one
    assert _ids(library, feed) == [ids[0], ids[3], ids[4], ids[5]]

    gone = library.prune(RetentionPolicy(keep_unread=False))
    assert gone.total == 2
    assert _ids(library, feed) == [ids[0], ids[3]]


def test_dry_run_counts_with_feed_limits_and_deletes_nothing(
    library: Library, clock: FixedClock
) -> None:
    own = _read_feed(library, "own", 7)
    follows = _read_feed(library, "follows", 7)
    library.set_feed_options(own, keep_per_feed=3)
    library.set_feed_options(follows, keep_days=None)  # None: back to the global
    clock.now = FIXED_NOW + timedelta(days=2) - timedelta(minutes=1, seconds=30)
    policy = RetentionPolicy(keep_days=2, keep_unread=False)

    dry = library.prune(policy, dry_run=True)

    assert dry.dry_run
    assert dry.per_feed == {own: 5, follows: 5}  # own: its 3 and the age; follows: age only
    assert dry.changes.empty
    assert library.count_entries(EntryQuery()) == 14
    assert library.prune(policy).per_feed == dry.per_feed
    assert library.count_entries(EntryQuery()) == 4


def test_the_age_and_count_limits_of_one_feed_take_whichever_deletes_more(
    library: Library, clock: FixedClock
) -> None:
    feed = _read_feed(library, "a", 6)
    ids = _ids(library, feed)
    clock.now = FIXED_NOW + timedelta(days=1) - timedelta(minutes=2, seconds=30)

    def prunable(keep_per_feed: int) -> list[int]:
        library.set_feed_options(feed, keep_days=1, keep_per_feed=keep_per_feed)
        policy = RetentionPolicy(keep_unread=False)
        return sorted(library._db.read(lambda s: select_prunable(s, policy, clock())))

    assert prunable(4) == sorted(ids[3:])  # the day takes three, the count two
    assert prunable(2) == sorted(ids[2:])  # the count takes four


def test_feed_overrides_are_read_cheaply_and_exactly(library: Library) -> None:
    a = _read_feed(library, "a", 1)
    b = _read_feed(library, "b", 1)

    def overrides() -> FeedOverrides:
        return library._db.read(feed_overrides)

    assert overrides() == FeedOverrides(days=False, per_feed=False)
    library.set_feed_options(a, keep_days=0, keep_per_feed=0)  # no limit is not a limit
    assert not overrides().any
    library.set_feed_options(b, keep_per_feed=10)
    assert overrides() == FeedOverrides(days=False, per_feed=True)
    library.set_feed_options(a, keep_days=3)
    assert overrides() == FeedOverrides(days=True, per_feed=True)


def test_the_window_sync_process_prunes_by_a_feed_limit_with_the_global_off(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.route("/feed.xml", body=rss(items=4))
    feed_server.route("/other.xml", body=rss(items=4))
    path = tmp_path / "child.sqlite3"
    with Library.open(path) as library:
        feed = library.add_feed(feed_server.url("/feed.xml")).id
        library.add_feed(feed_server.url("/other.xml"))
        library.set_feed_options(feed, keep_per_feed=1)
    pruned: list[PruneReport] = []

    # As the window builds it from the settings: both global limits off.
    policy = retention_policy(Settings(values={"retention.keep_unread": False}))
    update_in_child(
        path,
        SyncSelection(force=True),
        options=SyncOptions(),
        retention=policy,
        on_pruned=pruned.append,
    )

    assert [p.per_feed for p in pruned] == [{feed: 3}]
    with Library.open(path) as library:
        assert library.count_entries(EntryQuery()) == 5
