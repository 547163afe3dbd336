"""Read-state export and import between two real library files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from reader_app.domain import EntryQuery, FeedId
from reader_app.errors import StateFileError
from reader_app.library import Library
from reader_app.storage.state import MAX_FIELD, MAX_FILE_BYTES
from tests.conftest import FIXED_NOW, FixedClock, make_entries

FEED_A = "https://a.example.org/feed.xml"
FEED_B = "https://b.example.org/feed.xml"


def _fill(library: Library, url: str, count: int, prefix: str) -> FeedId:
    feed = library.add_feed(url)
    library.add_entries(feed.id, make_entries(count, prefix=prefix))
    return feed.id


def _ids(library: Library, feed_id: FeedId) -> list[int]:
    return sorted(library.entry_ids(EntryQuery(feed_ids=frozenset({feed_id}))))


def _marks(library: Library) -> dict[str, tuple[bool, datetime | None, bool]]:
    """Every article's (read, read_at, starred) by link."""
    found = {}
    for summary in library.feeds():
        for entry_id in _ids(library, summary.feed.id):
            entry = library.entry(entry_id)
            found[entry.link or ""] = (entry.read, entry.read_at, entry.starred)
    return found


@pytest.fixture
def other(tmp_path: Path) -> Iterator[Library]:
    clock = FixedClock(FIXED_NOW + timedelta(days=3))
    lib = Library.open(tmp_path / "other.sqlite3", clock=clock)
    yield lib
    lib.close()


def _document(items: list[Any], **overrides: Any) -> bytes:
    doc: dict[str, Any] = {
        "format": "reader_app.state",
        "version": 1,
        "exported_at": "2026-11-23T12:00:00+00:00",
        "articles": items,
    }
    doc.update(overrides)
    return json.dumps(doc).encode()


def test_round_trip_brings_marks_and_read_times(
    library: Library, other: Library, clock: FixedClock
) -> None:
    a = _fill(library, FEED_A, 5, "a")
    b = _fill(library, FEED_B, 3, "b")
    ids_a, ids_b = _ids(library, a), _ids(library, b)
    library.mark_read(ids_a[:2])
    clock.advance(hours=1)
    library.mark_read([ids_b[0]])
    library.set_starred([ids_a[4], ids_b[0]])
    _fill(other, FEED_A, 5, "a")
    _fill(other, FEED_B, 3, "b")

    exported = library.export_state()
    assert exported.articles == 4
    report = other.import_state(exported.data)

    assert (report.matched, report.marked_read, report.starred) == (4, 3, 2)
    assert (report.unmatched, report.skipped) == (0, 0)
    assert len(report.changes.entries) == 4
    assert _marks(other) == _marks(library)
    assert other.unread_total() == library.unread_total()
    # The same import again finds everything already marked: nothing changes.
    again = other.import_state(exported.data)
    assert (again.matched, again.marked_read, again.starred) == (4, 0, 0)
    assert not again.changes.entries


def test_export_lists_only_marked_articles_in_a_fixed_order(library: Library) -> None:
    b = _fill(library, FEED_B, 3, "b")
    a = _fill(library, FEED_A, 3, "a")
    library.set_starred(_ids(library, b))
    library.mark_read(_ids(library, a)[:1])

    first = library.export_state().data
    doc = json.loads(first)
    assert doc["format"] == "reader_app.state"
    assert doc["version"] == 1
    keys = [(item["feed"], item["key"]) for item in doc["articles"]]
    assert keys == sorted(keys)
    assert len(keys) == 4
    assert keys[0][0] == FEED_A
    read_item = doc["articles"][0]
    assert read_item["read"] is True
    assert read_item["starred"] is False
    assert datetime.fromisoformat(read_item["read_at"]) == FIXED_NOW
    assert library.export_state().data == first


def test_matches_by_link_when_keys_differ(library: Library, other: Library) -> None:
    a = _fill(library, FEED_A, 3, "a")
    library.mark_read(_ids(library, a))
    # Another reader followed the same site under another feed URL and other keys.
    feed = other.add_feed("https://mirror.example.net/rss")
    entries = make_entries(3, prefix="a")
    other.add_entries(feed.id, [replace(e, key=f"x{i}") for i, e in enumerate(entries)])
    report = other.import_state(library.export_state().data)
    assert (report.matched, report.marked_read, report.unmatched) == (3, 3, 0)
    assert other.unread_total() == 0


def test_import_never_clears_a_mark(library: Library, other: Library) -> None:
    _fill(library, FEED_A, 2, "a")
    a = _fill(other, FEED_A, 2, "a")
    ids = _ids(other, a)
    other.mark_read(ids)
    other.set_starred(ids)
    before = _marks(other)
    exported = library.export_state()  # nothing read or starred there
    assert exported.articles == 0
    report = other.import_state(exported.data)
    # Items that explicitly say unread/unstarred are not marks; they are skipped.
    items = [{"feed": FEED_A, "key": "guid:a0", "read": False, "starred": False}]
    skipped = other.import_state(_document(items))
    assert report.matched == 0
    assert skipped.skipped == 1
    assert _marks(other) == before


def test_unmatched_and_already_marked(library: Library, other: Library) -> None:
    a = _fill(other, FEED_A, 2, "a")
    other.mark_read(_ids(other, a)[:1])
    items = [
        {"feed": FEED_A, "key": "guid:a0", "link": None, "read": True},
        {"feed": FEED_A, "key": "guid:a1", "read": True, "read_at": "garbage"},
        {"feed": FEED_B, "key": "nope", "link": "https://nowhere/", "starred": True},
    ]
    report = other.import_state(_document(items))
    assert (report.matched, report.marked_read, report.unmatched) == (2, 1, 1)
    # An unreadable read_at becomes the importing library's "now".
    assert other.entry(_ids(other, a)[0]).read_at == FIXED_NOW + timedelta(days=3)


def test_future_or_naive_read_times_are_not_trusted(other: Library) -> None:
    a = _fill(other, FEED_A, 3, "a")
    future = (FIXED_NOW + timedelta(days=30)).isoformat()
    past = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    items = [
        {"feed": FEED_A, "key": "guid:a0", "read": True, "read_at": future},
        {"feed": FEED_A, "key": "guid:a1", "read": True, "read_at": "2025-01-02T03:04:05"},
        {"feed": FEED_A, "key": "guid:a2", "read": True, "read_at": past.isoformat()},
    ]
    other.import_state(_document(items))
    times = {other.entry(i).link: other.entry(i).read_at for i in _ids(other, a)}
    now = FIXED_NOW + timedelta(days=3)
    assert times == {
        "https://example.org/a/0": now,
        "https://example.org/a/1": now,
        "https://example.org/a/2": past,
    }


def test_bad_items_are_skipped_and_counted(other: Library) -> None:
    _fill(other, FEED_A, 1, "a")
    good = {"feed": FEED_A, "key": "guid:a0", "read": True}
    items: list[Any] = [
        "text",
        {"feed": 3, "key": "k", "read": True},
        {"feed": FEED_A, "read": True},
        {"feed": FEED_A, "key": "k\x00", "read": True},
        {"feed": FEED_A, "key": "k" * (MAX_FIELD + 1), "read": True},
        {"feed": FEED_A, "key": "k", "read": "yes"},
        {"feed": FEED_A, "key": "k", "link": ["x"], "read": True},
        good,
        good,  # a duplicate
    ]
    report = other.import_state(_document(items))
    assert report.skipped == 8
    assert report.marked_read == 1
    assert report.matched == 1
    assert len(report.skip_reasons) == 5
    assert report.skip_reasons[0] == "item 1: not an object"
    assert "'feed'" in report.skip_reasons[1]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"\xff\xfe", "not UTF-8"),
        (b"{not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b"[" * 100_000 + b"]" * 100_000, "not"),
        (_document([], format="other"), "not a reader_app state file"),
        (_document([], version=2), "newer reader_app"),
        (_document([], version="1"), "version"),
        (_document([], version=True), "version"),
        (_document([], articles={"a": 1}), "'articles'"),
    ],
)
def test_bad_files_are_refused_whole(other: Library, data: bytes, problem: str) -> None:
    a = _fill(other, FEED_A, 1, "a")
    with pytest.raises(StateFileError) as caught:
        other.import_state(data, source="marks.json")
    assert str(caught.value).startswith("marks.json: ")
    assert problem in str(caught.value)
    assert other.entry(_ids(other, a)[0]).read is False


def test_oversized_data_is_refused(other: Library) -> None:
    with pytest.raises(StateFileError, match="larger than 256 MB"):
        other.import_state(b" " * (MAX_FILE_BYTES + 1))


def test_large_import_spans_chunks(library: Library, other: Library) -> None:
    a = _fill(library, FEED_A, 1200, "a")
    library.mark_read(_ids(library, a))
    _fill(other, FEED_A, 1200, "a")
    report = other.import_state(library.export_state().data)
    assert (report.matched, report.marked_read) == (1200, 1200)
    assert other.unread_total() == 0
