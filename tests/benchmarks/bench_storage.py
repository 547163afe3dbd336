"""Storage figures: unread counts and list pages over a generated library.

Prints figures; passes or fails nothing. Run:

    python tests/benchmarks/bench_storage.py [--feeds 1000] [--entries 100000] [--dir DIR]

Each figure is the median of repeated runs after one warm-up, in milliseconds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from reader_app.domain import EntryQuery, FeedId, NewEntry
from reader_app.library import Library

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def build(path: Path, feeds: int, entries: int, seed: int = 1) -> tuple[Library, list[FeedId]]:
    rng = random.Random(seed)
    lib = Library.open(path, clock=lambda: NOW)
    tags = [f"Group{g}" for g in range(20)] + [
        f"Group{g}/Sub{s}" for g in range(20) for s in (1, 2)
    ]
    opml = "".join(
        f'<outline text="Feed {i}" xmlUrl="https://host{i % 300}.example/feed/{i}" '
        f'category="{rng.choice(tags)}"/>'
        for i in range(feeds)
    )
    lib.import_opml(f'<opml version="2.0"><body>{opml}</body></opml>'.encode())
    ids = [s.feed.id for s in lib.feeds()]
    per_feed = entries // feeds
    started = time.perf_counter()
    for feed_id in ids:
        batch = [
            NewEntry(
                key=f"guid:{feed_id}-{n}",
                title=f"Article {n} of feed {feed_id}",
                link=f"https://example.org/{feed_id}/{n}",
                author=None,
                summary="<p>" + "word " * 40 + "</p>",
                content=None,
                content_hash=None,
                published=NOW - timedelta(minutes=rng.randrange(0, 60 * 24 * 365)),
                updated=None,
                first_seen=NOW,
                sort_at=NOW - timedelta(minutes=rng.randrange(0, 60 * 24 * 365)),
            )
            for n in range(per_feed)
        ]
        lib.add_entries(feed_id, batch)
    insert_s = time.perf_counter() - started
    # Read about a third, as a long-used library would have.
    all_ids: list[int] = []
    query = EntryQuery(limit=10_000)
    while True:
        page = lib.entries(query)
        all_ids.extend(i.id for i in page.entries)
        if page.next_cursor is None:
            break
        query = EntryQuery(limit=10_000, after=page.next_cursor)
    lib.mark_read(rng.sample(all_ids, len(all_ids) // 3))
    print(f"built {feeds} feeds, {len(all_ids)} articles in {insert_s:.1f} s of inserts")
    print(
        f"  ({len(all_ids) / insert_s:,.0f} articles/s through Library.add_entries, one "
        "transaction per feed)"
    )
    return lib, ids


def median_ms(fn: Callable[[], object], repeat: int = 30) -> float:
    fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        lib, ids = build(Path(tmp) / "library.sqlite3", args.feeds, args.entries)
        some_feed = frozenset({ids[len(ids) // 2]})
        figures: dict[str, Callable[[], object]] = {
            "unread counts, every feed (Library.unread_counts)": lib.unread_counts,
            "every feed with tags and counts (Library.feeds)": lib.feeds,
            "unread counts, every tag (Library.tags)": lib.tags,
            "unread total (smart view 'Unread')": lib.unread_total,
            "starred count": lib.starred_count,
            "first page of 200, All": lambda: lib.entries(EntryQuery()),
            "first page of 200, Unread": lambda: lib.entries(EntryQuery(unread_only=True)),
            "first page of 200, one feed": lambda: lib.entries(EntryQuery(feed_ids=some_feed)),
            "first page of 200, one tag with subtags": lambda: lib.entries(
                EntryQuery(tags=frozenset({"Group3"}))
            ),
        }
        page = lib.entries(EntryQuery(limit=10_000))
        for _ in range(4):
            if page.next_cursor is None:
                break
            page = lib.entries(EntryQuery(limit=10_000, after=page.next_cursor))
        cursor = page.next_cursor
        if cursor is not None:
            figures["page of 200 after 50,000 rows (keyset)"] = lambda: lib.entries(
                EntryQuery(after=cursor)
            )
        width = max(len(name) for name in figures)
        print(f"\n{'query':<{width}}  median ms")
        for name, fn in figures.items():
            print(f"{name:<{width}}  {median_ms(fn):9.2f}")
        lib.close()


if __name__ == "__main__":
    main()
