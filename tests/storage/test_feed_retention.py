"""A feed's own retention limits through the library: stored, shown on the Feed value,
validated before anything is written."""

from __future__ import annotations

import pytest

from reader_app.errors import FeedNotFoundError
from reader_app.library import Library


def test_limits_are_stored_and_shown_on_the_feed(library: Library) -> None:
    feed = library.add_feed("https://a.example/feed")
    assert (feed.keep_days, feed.keep_per_feed) == (None, None)

    changes = library.set_feed_options(feed.id, keep_days=14, keep_per_feed=0)

    assert changes.feeds == {feed.id}
    stored = library.feed(feed.id)
    assert (stored.keep_days, stored.keep_per_feed) == (14, 0)
    listed = {s.feed.id: s.feed for s in library.feeds()}[feed.id]
    assert (listed.keep_days, listed.keep_per_feed) == (14, 0)


def test_a_limit_left_out_keeps_its_value_and_none_goes_back_to_the_global(
    library: Library,
) -> None:
    feed = library.add_feed("https://a.example/feed")
    library.set_feed_options(feed.id, keep_days=30, keep_per_feed=100)

    library.set_feed_options(feed.id, keep_per_feed=None)
    assert (library.feed(feed.id).keep_days, library.feed(feed.id).keep_per_feed) == (30, None)

    library.set_feed_options(feed.id, load_images=True)  # other options leave limits alone
    assert library.feed(feed.id).keep_days == 30


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"keep_days": -1}, "days to keep articles"),
        ({"keep_days": 36501}, "days to keep articles"),
        ({"keep_per_feed": 1_000_001}, "number of articles to keep"),
        ({"keep_per_feed": 3.0}, "articles to keep must be a whole number"),
        ({"keep_days": 7, "keep_per_feed": -2}, "number of articles to keep"),
    ],
)
def test_a_bad_limit_is_refused_and_nothing_is_written(
    library: Library, options: dict[str, object], named: str
) -> None:
    feed = library.add_feed("https://a.example/feed")
    library.set_feed_options(feed.id, keep_days=5)

    with pytest.raises(ValueError, match=named):
        library.set_feed_options(feed.id, **options)  # type: ignore[arg-type]

    assert library.feed(feed.id).keep_days == 5
    assert library.feed(feed.id).keep_per_feed is None


def test_limits_for_a_feed_that_is_not_there(library: Library) -> None:
    with pytest.raises(FeedNotFoundError):
        library.set_feed_options(404, keep_days=3)
