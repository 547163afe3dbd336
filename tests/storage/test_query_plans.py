"""SQLite picks its index from statistics; without them a feed's unread list scanned every
unread article in the library (hundreds of milliseconds at 200,000 articles)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from sqlalchemy import Engine, event

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


def _statements_of(call: Callable[[], object]) -> list[tuple[str, Sequence[object]]]:
    """The statements ``call`` sends through SQLAlchemy, with their parameters."""
    seen: list[tuple[str, Sequence[object]]] = []

    def record(_c: object, _cur: object, sql: str, params: Sequence[object], _x: object,
               many: bool) -> None:  # fmt: skip
        if not many:
            seen.append((sql, params))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    return seen


@pytest.mark.parametrize("read", [True, False])
def test_marking_articles_finds_them_by_id_whatever_the_statistics_say(
    tmp_path: Path, clock: FixedClock, read: bool
) -> None:
    """Sampled statistics (``PRAGMA analysis_limit``) put a few hundred rows behind each value
    of ``read`` where a large library has a hundred thousand; marking 500 articles then
    walked the whole (read, sort_at) index: 26 ms a chunk instead of 1.4 at 200,000."""
    path = tmp_path / "library.sqlite3"
    with Library.open(path, clock=clock) as library:
        add_feed_with_entries(library, "https://f.example/feed", 600)
    with sqlite3.connect(path) as conn:  # statistics as a sampled ANALYZE left them
        conn.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'entries'")
        conn.executemany(
            "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('entries', ?, ?)",
            [("ix_entries_read_sort", "158700 401 1 1"), ("ix_entries_sort", "158700 1 1"),
             ("ix_entries_feed_sort", "158700 159 1 1"),
             ("uq_entries_feed_id_key", "158700 159 1")],
        )  # fmt: skip
    with Library.open(path, clock=clock) as library:
        ids = library.entry_ids(EntryQuery())[:500]
        if not read:
            library.mark_read(ids)
        sent = _statements_of(lambda: library.mark_read(ids, read=read))
    marks = [(sql, params) for sql, params in sent if "read" in sql and "IN (" in sql]
    assert marks  # the statements that find the articles to mark
    for sql, params in marks:
        shown = plan(path, sql, *params)
        assert "ix_entries_read_sort" not in shown, (sql, shown)
