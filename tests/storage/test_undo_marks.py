"""Undoing read and star changes: each article gets back exactly the mark and time it had."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from reader_app.domain import EntryId, EntryQuery
from reader_app.library import Library
from tests.conftest import FixedClock, add_feed_with_entries


def marks(library: Library, ids: list[EntryId]) -> list[tuple[object, ...]]:
    """Each article's read and star columns as stored (read straight from the file: the
    starred time is not part of ``Entry``)."""
    with closing(sqlite3.connect(library.path)) as db:
        return [
            db.execute(
                "SELECT read, read_at, starred, starred_at FROM entries WHERE id = ?", (i,)
            ).fetchone()
            for i in ids
        ]


def test_undoing_mark_read_restores_exactly_the_articles_it_changed(
    library: Library, clock: FixedClock
) -> None:
    feed = add_feed_with_entries(library, "https://a.example/feed", 4)
    ids = library.entry_ids(EntryQuery(feed_ids=frozenset({feed})))
    library.mark_read([ids[0]])  # read earlier, with its own time
    clock.advance(minutes=5)
    before = marks(library, ids)
    change = library.mark_read(ids)
    assert change.marks is not None
    assert set(change.marks.entry_ids) == set(ids[1:])  # the one already read is not in it
    assert library.unread_total() == 0
    undone = library.undo_marks(change.marks)
    assert marks(library, ids) == before
    assert undone.entries == frozenset(ids[1:])
    assert undone.feeds == frozenset({feed})
    assert library.unread_counts()[feed] == 3


def test_undoing_mark_unread_brings_back_each_read_time(
    library: Library, clock: FixedClock
) -> None:
    feed = add_feed_with_entries(library, "https://a.example/feed", 3)
    ids = library.entry_ids(EntryQuery(feed_ids=frozenset({feed})))
    for entry_id in ids:  # three different read times
        library.mark_read([entry_id])
        clock.advance(minutes=1)
    before = marks(library, ids)
    assert len({m[1] for m in before}) == 3
    change = library.mark_read(ids, read=False)
    assert change.marks is not None
    assert change.marks.value is False
    assert all(not m[0] and m[1] is None for m in marks(library, ids))
    library.undo_marks(change.marks)
    assert marks(library, ids) == before


def test_undoing_stars_restores_starred_times(library: Library, clock: FixedClock) -> None:
    feed = add_feed_with_entries(library, "https://a.example/feed", 3)
    ids = library.entry_ids(EntryQuery(feed_ids=frozenset({feed})))
    library.set_starred(ids[:2])
    clock.advance(hours=1)
    before = marks(library, ids)
    unstar = library.set_starred(ids, starred=False)
    assert unstar.marks is not None
    assert len(unstar.marks.entry_ids) == 2
    library.undo_marks(unstar.marks)
    assert marks(library, ids) == before
    star = library.set_starred(ids)
    assert star.marks is not None
    assert star.marks.entry_ids == (ids[2],)
    library.undo_marks(star.marks)
    assert marks(library, ids) == before
    assert library.starred_count() == 2


def test_undoing_mark_all_read_restores_the_unread_set_of_that_view(library: Library) -> None:
    a = add_feed_with_entries(library, "https://a.example/feed", 5)
    b = add_feed_with_entries(library, "https://b.example/feed", 5)
    a_ids = library.entry_ids(EntryQuery(feed_ids=frozenset({a})))
    library.mark_read(a_ids[:2])
    before = marks(library, a_ids)
    change = library.mark_all_read(EntryQuery(feed_ids=frozenset({a})))
    assert change.marks is not None
    assert set(change.marks.entry_ids) == set(a_ids[2:])
    assert library.unread_counts() == {a: 0, b: 5}
    library.undo_marks(change.marks)
    assert marks(library, a_ids) == before
    assert library.unread_counts() == {a: 3, b: 5}


def test_articles_deleted_since_are_skipped(library: Library) -> None:
    feed = add_feed_with_entries(library, "https://a.example/feed", 3)
    ids = library.entry_ids(EntryQuery(feed_ids=frozenset({feed})))
    change = library.mark_read(ids, read=True)
    library.delete_entries([ids[0]])
    assert change.marks is not None
    undone = library.undo_marks(change.marks)
    assert undone.entries == frozenset(ids[1:])
    assert library.unread_total() == 2
