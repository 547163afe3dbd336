"""SQLite picks its index from statistics; without them a feed's unread list scanned every
unread article in the library (hundreds of milliseconds at 200,000 articles)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from reader_app.domain import EntryQuery
from reader_app.library import Library
from tests.conftest import FixedClock, add_feed_with_entries

FEED_UNREAD = (
    "SELECT id FROM entries WHERE feed_id = ? AND read = 0 ORDER BY sort_at DESC, id DESC LIMIT 201"
)


def plan(path: Path, sql: str, *params: object) -> str:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    finally:
        conn.close()
    return " | ".join(str(row[-1]) for row in rows)


def test_a_feeds_unread_list_uses_the_feed_index_after_opening(
    tmp_path: Path, clock: FixedClock
) -> None:
    path = tmp_path / "library.sqlite3"
    with Library.open(path, clock=clock) as library:
        feeds = [
            add_feed_with_entries(library, f"https://f{i}.example/feed", 200) for i in range(10)
        ]
        library.mark_all_read(EntryQuery(feed_ids=frozenset(feeds[:5])))
    # Statistics are gathered when a library is opened without them.
    with Library.open(path, clock=clock):
        pass
    assert "ix_entries_feed_sort" in plan(path, FEED_UNREAD, feeds[0])


def test_statistics_are_refreshed_after_a_sync(tmp_path: Path, clock: FixedClock) -> None:
    path = tmp_path / "library.sqlite3"
    with Library.open(path, clock=clock) as library:
        feeds = [
            add_feed_with_entries(library, f"https://f{i}.example/feed", 200) for i in range(10)
        ]
        library.mark_all_read(EntryQuery(feed_ids=frozenset(feeds[:5])))
        # No network needed: with updates off no feed is due, and a sync of nothing still
        # refreshes the statistics.
        for feed in feeds:
            library.set_feed_options(feed, updates_enabled=False)
        assert "ix_entries_read_sort" in plan(path, FEED_UNREAD, feeds[7])
        library.update_feeds()
        assert "ix_entries_feed_sort" in plan(path, FEED_UNREAD, feeds[7])
