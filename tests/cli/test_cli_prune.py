"""``reader-app prune`` and the prune that follows ``reader-app sync``, on real files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from reader_app.domain import EntryQuery
from tests.conftest import add_feed_with_entries
from tests.support.cli import Cli, library_in, run_in, set_retention
from tests.support.feedserver import FeedServer, rss


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def cli(home: Path) -> Cli:
    return partial(run_in, home)


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


def _read_feed(home: Path, count: int) -> int:
    """A feed of ``count`` articles, all read."""
    with library_in(home) as library:
        feed = add_feed_with_entries(library, "https://a.example/feed", count)
        library.mark_read(library.entry_ids(EntryQuery()))
        return feed


def _article_count(home: Path) -> int:
    with library_in(home) as library:
        return library.count_entries(EntryQuery())


def test_prune_uses_the_settings(cli: Cli, home: Path) -> None:
    _read_feed(home, 6)
    set_retention(home, keep_per_feed=2)

    result = cli("prune")

    assert result.code == 0, result.err
    assert "deleted 4 articles" in result.out
    assert "a.example" in result.out
    assert _article_count(home) == 2


def test_dry_run_says_what_would_go_and_deletes_nothing(cli: Cli, home: Path) -> None:
    feed = _read_feed(home, 5)

    result = cli("prune", "--dry-run", "--keep-per-feed", "1", "--json")

    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert summary["dry_run"] is True
    assert summary["total"] == 4
    assert summary["feeds"] == [{"feed_id": feed, "url": "https://a.example/feed", "deleted": 4}]
    assert _article_count(home) == 5


def test_keep_unread_setting_protects_unread(cli: Cli, home: Path) -> None:
    with library_in(home) as library:
        add_feed_with_entries(library, "https://a.example/feed", 5)  # all unread

    assert "deleted 0 articles" in cli("prune", "--keep-per-feed", "1").out
    set_retention(home, keep_unread=False)
    assert "deleted 4 articles" in cli("prune", "--keep-per-feed", "1").out
    assert _article_count(home) == 1


def test_retention_off_prunes_nothing(cli: Cli, home: Path) -> None:
    _read_feed(home, 3)
    result = cli("prune")
    assert result.code == 0
    assert "retention is off" in result.out
    assert _article_count(home) == 3


def test_bad_override_is_a_usage_error(cli: Cli, home: Path) -> None:
    result = cli("prune", "--keep-days", "-3")
    assert result.code == 2
    assert "--keep-days" in result.err
    assert "Traceback" not in result.err


def test_sync_prunes_after_updating(cli: Cli, home: Path, feed_server: FeedServer) -> None:
    feed_server.route("/feed.xml", body=rss(items=3))
    set_retention(home, keep_per_feed=1, keep_unread=False)
    assert cli("add", "--no-check", feed_server.url("/feed.xml")).code == 0

    result = cli("sync", "--all")

    assert result.code == 0, result.err
    assert "3 new articles" in result.out
    assert "pruned 2 old articles" in result.err
    assert _article_count(home) == 1
    # The feed still lists the pruned articles: they stay gone, and nothing is pruned again.
    again = cli("sync", "--all")
    assert "0 new articles" in again.out
    assert "pruned" not in again.err
    assert _article_count(home) == 1
