"""Renaming a feed and its per-feed options, through the library on a real file."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reader_app.domain import Changes
from reader_app.errors import FeedNotFoundError
from reader_app.library import Library
from reader_app.sync import SyncSelection
from tests.conftest import FixedClock
from tests.support.feedserver import FeedServer, rss

WEEK_MINUTES = 7 * 24 * 60


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


def test_rename_sets_and_clears_the_users_title(library: Library) -> None:
    feed = library.add_feed("https://example.org/feed.xml", title="The feed's own title")
    changes = library.rename_feed(feed.id, "  My   name  ")
    assert changes == Changes(feeds=frozenset({feed.id}))
    renamed = library.feed(feed.id)
    assert renamed.user_title == "My   name"
    assert renamed.title == "The feed's own title"  # kept: an update may change it
    assert renamed.display_title == "My   name"

    for empty in ("", "   ", None):
        library.rename_feed(feed.id, "again")
        library.rename_feed(feed.id, empty)
        assert library.feed(feed.id).user_title is None
        assert library.feed(feed.id).display_title == "The feed's own title"


def test_a_renamed_feed_sorts_by_its_new_title(library: Library) -> None:
    a = library.add_feed("https://a.example/", title="Alpha")
    b = library.add_feed("https://b.example/", title="Beta")
    library.rename_feed(a.id, "Zulu")
    assert [s.feed.id for s in library.feeds()] == [b.id, a.id]


def test_rename_by_url_and_unknown_feeds(library: Library) -> None:
    feed = library.add_feed("https://example.org/feed.xml")
    library.rename_feed("https://EXAMPLE.org/feed.xml", "By address")
    assert library.feed(feed.id).user_title == "By address"
    with pytest.raises(FeedNotFoundError):
        library.rename_feed(feed.id + 1, "nobody")
    with pytest.raises(FeedNotFoundError):
        library.rename_feed("https://example.org/other.xml", "nobody")


@pytest.mark.parametrize("minutes", [1, 60, WEEK_MINUTES])
def test_update_interval_within_bounds_is_stored(library: Library, minutes: int) -> None:
    feed = library.add_feed("https://example.org/feed.xml")
    assert library.set_feed_options(feed.id, update_interval_minutes=minutes) == Changes(
        feeds=frozenset({feed.id})
    )
    assert library.feed(feed.id).update_interval_minutes == minutes


@pytest.mark.parametrize("minutes", [0, -5, WEEK_MINUTES + 1])
def test_update_interval_out_of_bounds_is_refused_and_nothing_changes(
    library: Library, minutes: int
) -> None:
    feed = library.add_feed("https://example.org/feed.xml")
    library.set_feed_options(feed.id, update_interval_minutes=30)
    with pytest.raises(ValueError, match="between 1 minute and 7 days") as info:
        library.set_feed_options(feed.id, update_interval_minutes=minutes, load_images=True)
    assert str(minutes) in str(info.value)
    after = library.feed(feed.id)
    assert after.update_interval_minutes == 30
    assert after.load_images is False  # the whole call was refused


def test_none_goes_back_to_the_global_interval(library: Library) -> None:
    feed = library.add_feed("https://example.org/feed.xml")
    library.set_feed_options(feed.id, update_interval_minutes=15)
    library.set_feed_options(feed.id, update_interval_minutes=None)
    assert library.feed(feed.id).update_interval_minutes is None


def test_options_left_out_keep_their_values(library: Library) -> None:
    feed = library.add_feed("https://example.org/feed.xml")
    library.set_feed_options(feed.id, update_interval_minutes=90, load_images=True)
    library.set_feed_options(feed.id)  # nothing asked: nothing written
    library.set_feed_options(feed.id, load_images=False)
    after = library.feed(feed.id)
    assert (after.update_interval_minutes, after.load_images) == (90, False)
    assert after.updates_enabled


def test_options_of_an_unknown_feed(library: Library) -> None:
    with pytest.raises(FeedNotFoundError):
        library.set_feed_options(12345, load_images=True)
    with pytest.raises(FeedNotFoundError):
        library.set_feed_options("https://nowhere.example/feed", update_interval_minutes=None)


def test_turning_updates_back_on_after_a_410(
    library: Library, feed_server: FeedServer, clock: FixedClock
) -> None:
    feed_server.route("/gone", status=410, body=b"gone", content_type="text/plain")
    feed = library.add_feed(feed_server.url("/gone"))
    library.update_feeds(SyncSelection(feed_ids=frozenset({feed.id}), force=True))
    stopped = library.feed(feed.id)
    assert not stopped.updates_enabled
    assert stopped.next_check is not None
    assert stopped.last_error is not None
    assert "410" in stopped.last_error

    # Stopped: long after it would have been due, a default sync still passes it by.
    clock.advance(days=3)
    report = library.update_feeds()
    assert feed.id not in {r.feed_id for r in report.results}

    library.set_feed_options(feed.id, updates_enabled=True)
    enabled = library.feed(feed.id)
    assert enabled.updates_enabled
    assert enabled.next_check is None  # due at once

    # The next ordinary sync tries it again; the feed is back and the error is cleared.
    feed_server.route("/gone", body=rss("Back", items=2))
    report = library.update_feeds()
    assert [r.feed_id for r in report.results] == [feed.id]
    back = library.feed(feed.id)
    assert (back.error_count, back.last_error) == (0, None)
    assert back.updates_enabled

    # Turning updates off by hand keeps the schedule as it is.
    library.set_feed_options(feed.id, updates_enabled=False)
    off = library.feed(feed.id)
    assert not off.updates_enabled
    assert off.next_check == back.next_check


def test_feeds_by_id_reads_only_those_that_exist(library: Library) -> None:
    a = library.add_feed("https://a.example/feed", title="Beta")
    b = library.add_feed("https://b.example/feed", title="alpha", tags=("News",))
    library.add_feed("https://c.example/feed", title="Gamma")
    found = library.feeds([a.id, b.id, 9999])
    assert [s.feed.id for s in found] == [b.id, a.id]  # sorted by displayed title
    assert found[0].feed.tags == ("News",)
    assert library.feeds([]) == []
