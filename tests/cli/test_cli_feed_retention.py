"""``reader-app feed-retention``, and feeds with limits of their own under ``prune`` and in
``feeds --json``, on real library files."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pytest

from reader_app.domain import EntryQuery, FeedId
from tests.conftest import add_feed_with_entries
from tests.support.cli import Cli, library_in, run_in, set_retention


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def cli(home: Path) -> Cli:
    return partial(run_in, home)


def _read_feeds(home: Path, *names: str, count: int = 5) -> list[FeedId]:
    """Feeds of ``count`` read articles each."""
    with library_in(home) as library:
        feeds = [
            add_feed_with_entries(library, f"https://{name}.example/feed", count) for name in names
        ]
        library.mark_read(library.entry_ids(EntryQuery()))
        return feeds


def _limits(home: Path, feed: int) -> tuple[int | None, int | None]:
    with library_in(home) as library:
        stored = library.feed(feed)
        return stored.keep_days, stored.keep_per_feed


def _counts(home: Path) -> dict[FeedId, int]:
    with library_in(home) as library:
        return {
            s.feed.id: library.count_entries(EntryQuery(feed_ids=frozenset({s.feed.id})))
            for s in library.feeds()
        }


def test_without_options_it_shows_where_each_limit_comes_from(cli: Cli, home: Path) -> None:
    (feed,) = _read_feeds(home, "a")
    set_retention(home, keep_days=30)

    result = cli("feed-retention", str(feed))

    assert result.code == 0, result.err
    assert f"{feed}: https://a.example/feed" in result.out
    assert "keep for:     30 days (global setting retention.keep_days)" in result.out
    assert "keep at most: no limit (global setting retention.keep_per_feed)" in result.out
    assert _limits(home, feed) == (None, None)


def test_options_set_the_feed_limits_and_global_clears_them(cli: Cli, home: Path) -> None:
    (feed,) = _read_feeds(home, "a")

    result = cli(
        "feed-retention", "https://a.example/feed", "--keep-days", "7", "--keep-per-feed", "0"
    )

    assert result.code == 0, result.err
    assert _limits(home, feed) == (7, 0)
    assert "keep for:     7 days (this feed's own)" in result.out
    assert "keep at most: no limit (this feed's own)" in result.out

    again = cli("feed-retention", str(feed), "--keep-days", "global")
    assert again.code == 0, again.err
    assert _limits(home, feed) == (None, 0)  # the option left out kept its value
    assert "keep for:     forever (global setting retention.keep_days)" in again.out


def test_json_gives_effective_values_and_their_source(cli: Cli, home: Path) -> None:
    (feed,) = _read_feeds(home, "a")
    set_retention(home, keep_per_feed=50, keep_unread=False)

    result = cli("feed-retention", str(feed), "--keep-days", "3", "--json")

    assert result.code == 0, result.err
    assert json.loads(result.out) == {
        "feed_id": feed,
        "url": "https://a.example/feed",
        "keep_days": 3,
        "keep_days_from": "feed",
        "keep_per_feed": 50,
        "keep_per_feed_from": "global",
        "keep_unread": False,
    }


@pytest.mark.parametrize("ref", ["999", "https://missing.example/feed"])
def test_a_feed_that_is_not_there_is_a_usage_error(cli: Cli, home: Path, ref: str) -> None:
    _read_feeds(home, "a")
    result = cli("feed-retention", ref, "--keep-days", "3")
    assert result.code == 2
    assert ("999" if ref == "999" else "missing.example") in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--keep-days", "-1"),
        ("--keep-days", "36501"),
        ("--keep-days", "forever"),
        ("--keep-per-feed", "1000001"),
        ("--keep-per-feed", "2.5"),
    ],
)
def test_a_bad_value_is_a_usage_error_naming_the_option(
    cli: Cli, home: Path, option: str, value: str
) -> None:
    (feed,) = _read_feeds(home, "a")
    result = cli("feed-retention", str(feed), option, value)
    assert result.code == 2
    assert option in result.err
    assert repr(value) in result.err
    assert "global" in result.err  # says what it accepts
    assert "Traceback" not in result.err
    assert _limits(home, feed) == (None, None)


def test_feeds_json_shows_the_feed_limits(cli: Cli, home: Path) -> None:
    own, follows = _read_feeds(home, "own", "follows")
    assert cli("feed-retention", str(own), "--keep-per-feed", "10").code == 0

    feeds = {f["id"]: f for f in json.loads(cli("feeds", "--json").out)}

    assert (feeds[own]["keep_days"], feeds[own]["keep_per_feed"]) == (None, 10)
    assert (feeds[follows]["keep_days"], feeds[follows]["keep_per_feed"]) == (None, None)


def test_prune_applies_a_feed_limit_with_the_global_limits_off(cli: Cli, home: Path) -> None:
    own, follows = _read_feeds(home, "own", "follows")
    off = cli("prune")
    assert "retention is off" in off.out
    assert cli("feed-retention", str(own), "--keep-per-feed", "2").code == 0

    dry = cli("prune", "--dry-run", "--json")
    assert json.loads(dry.out)["feed_limits"] is True
    assert json.loads(dry.out)["total"] == 3

    result = cli("prune")
    assert result.code == 0, result.err
    assert "deleted 3 articles" in result.out
    assert _counts(home) == {own: 2, follows: 5}


def test_prune_overrides_change_only_the_global_values(cli: Cli, home: Path) -> None:
    forever, own, follows = _read_feeds(home, "forever", "own", "follows")
    assert cli("feed-retention", str(forever), "--keep-per-feed", "0").code == 0
    assert cli("feed-retention", str(own), "--keep-per-feed", "4").code == 0

    result = cli("prune", "--keep-per-feed", "1")

    assert result.code == 0, result.err
    assert _counts(home) == {forever: 5, own: 4, follows: 1}


def test_prune_help_says_the_overrides_are_global(cli: Cli) -> None:
    result = cli("prune", "--help")
    assert result.code == 0
    assert "own limit" in " ".join(result.out.split())
