"""A writer and readers at once, on a real WAL file: no "database is locked", no torn reads."""

from __future__ import annotations

import threading
from pathlib import Path

from reader_app.domain import EntryQuery, FeedId
from reader_app.library import Library
from tests.conftest import FixedClock, make_entries


def test_writer_and_reader_loops_run_together(tmp_path: Path, clock: FixedClock) -> None:
    path = tmp_path / "library.sqlite3"
    writer_lib = Library.open(path, clock=clock)
    feed = writer_lib.add_feed("https://example.org/feed.xml")
    errors: list[BaseException] = []
    stop = threading.Event()
    batches = 40
    per_batch = 50
    observed_counts: list[int] = []

    def write() -> None:
        try:
            for batch in range(batches):
                added = writer_lib.add_entries(
                    feed.id, make_entries(per_batch, prefix=f"b{batch}-")
                )
                assert len(added) == per_batch
                assert writer_lib.mark_read(added[:10]).changes.entries == set(added[:10])
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            stop.set()

    def read(lib: Library) -> None:
        try:
            while not stop.is_set():
                summaries = lib.feeds()
                unread = summaries[0].unread_count
                query = EntryQuery(feed_ids=frozenset({FeedId(feed.id)}), unread_only=True)
                page = lib.entries(query)
                assert all(not item.read for item in page.entries)
                observed_counts.append(unread)
                assert unread >= 0
                lib.tags()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    # Separate Library objects: separate connection pools, as a second process would have.
    reader_libs = [Library.open(path, clock=clock) for _ in range(3)]
    threads = [threading.Thread(target=write)]
    threads += [threading.Thread(target=read, args=(lib,)) for lib in reader_libs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for lib in reader_libs:
        lib.close()
    try:
        assert errors == []
        assert observed_counts, "the readers never ran"
        total = batches * per_batch
        assert writer_lib.feeds()[0].unread_count == total - batches * 10
        # Counts only grow by whole batches minus marks: every observed value is consistent.
        assert max(observed_counts) <= total
    finally:
        writer_lib.close()


def test_two_writers_in_two_libraries_wait_instead_of_failing(
    tmp_path: Path, clock: FixedClock
) -> None:
    """Two processes (here: two Library objects) writing at once queue on busy_timeout."""
    path = tmp_path / "library.sqlite3"
    first = Library.open(path, clock=clock)
    second = Library.open(path, clock=clock)
    feed = first.add_feed("https://example.org/a.xml")
    errors: list[BaseException] = []

    def write(lib: Library, prefix: str) -> None:
        try:
            for i in range(30):
                lib.add_entries(feed.id, make_entries(20, prefix=f"{prefix}{i}-"))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [
        threading.Thread(target=write, args=(first, "a")),
        threading.Thread(target=write, args=(second, "b")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert errors == []
        assert first.feeds()[0].unread_count == 2 * 30 * 20
    finally:
        first.close()
        second.close()
