"""Saved-search figures: saving, reading unread counts, and what they add to every write.

Prints figures; passes or fails nothing. Run from the repository root:

    python -m tests.benchmarks.bench_saved_searches [--path /tmp/reader_app_bench/search.sqlite3] \\
        [--repeat 15] [--plans]

A saved search shows in the feed list with a live unread count. Its matches are stored and
its count kept by triggers (migration 0003 explains the design), so reading the counts is a
small table read, and each write pays instead: the writer looks again at the articles it
touched before committing. These figures say what both cost on the search benchmark's
library (``bench_search.py``: 200,000 articles with Zipf-distributed words, 1,000 feeds in
nested tags, a third read), built there if ``--path`` does not exist.

That library is never opened here: a scratch copy next to it is, which migrates it to the
current schema (the time is printed), and the copy is deleted at the end. Then, each figure
the median and the maximum of ``--repeat`` runs after one warm-up, in ms:

1. saving each of eight typical saved searches (the full search and storing its matches),
   removing it, and the first page of its view (``EntryQuery(saved_search=...)``) beside
   the first page of a feed and of all articles;
2. the unread counts of all eight: ``saved_search_counts()``, against what the window would
   pay without stored counts (running each search with ``is:unread``) or with stored matches
   but no kept count (counting them); the three must agree, and the table says so;
3. writes with no saved search and with the eight: 50 syncs of 60 new articles each (one
   figure per write, no repeat), read
   marks of 1, 100 and 10,000 articles (the newest unread, as a user marks them) and back,
   marking a feed read and undoing it, renaming and tagging a feed, an empty write;
4. the space the stored matches take.

``--plans`` then prints the query plans of a view's page, the counts, a mark and a rename.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TypeVar
from unittest import mock

from sqlalchemy import Engine, event

from reader_app.domain import Changes, EntryQuery, FeedId, NewEntry, StateChange
from reader_app.domain.saved_search import SavedSearchId
from reader_app.domain.search import SearchOrder
from reader_app.library import Library
from reader_app.storage import migrate
from reader_app.storage.backup import check_integrity
from tests.benchmarks.bench_search import Words, article, authors_of, open_or_build, queries, timed
from tests.benchmarks.bench_storage import NOW

T = TypeVar("T")
Figures = tuple[float, float]  # median and maximum, in ms

# Articles per simulated sync of one feed, and how many feeds sync.
SYNC_ARTICLES = 60
SYNC_FEEDS = 50
MARKS = (1, 100, 10_000)
FIRST_PAGE = 80  # rows the article list reads first


def saved_queries(words: Words, lib: Library) -> dict[str, str]:
    """Eight saved searches a user might keep, from typical to the worst case."""
    typical = queries(words, lib)
    word = typical["one word (rank 1,000)"]
    return {
        "one word (rank 1,000)": word,
        "two words (ranks 300 and 1,000)": typical["two words (ranks 300 and 1,000)"],
        "a phrase from a title": typical["a phrase from a title"],
        "word + tag: (with subtags)": typical["word + tag: (with subtags)"],
        "word + is:unread": f"{word} is:unread",
        "filters only: is:unread tag:Group3": typical["filters only: is:unread tag:Group3"],
        "relative: after:7d": "after:7d",
        "worst: a word in most articles (rank 10)": typical[
            "worst: a word in most articles (rank 10)"
        ],
    }


# ---------------------------------------------------------------------------------------------
# Timing helpers


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _figures(times: Sequence[float]) -> Figures:
    return statistics.median(times), max(times)


def paired(
    do: Callable[[], T], undo: Callable[[T], object], repeat: int
) -> tuple[Figures, Figures]:
    """Time ``do`` and then ``undo`` with its result, ``repeat`` times after one untimed round:
    writes that must be taken back to be measured again."""
    undo(do())
    done: list[float] = []
    undone: list[float] = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = do()
        done.append(_ms(started))
        started = time.perf_counter()
        undo(result)
        undone.append(_ms(started))
    return _figures(done), _figures(undone)


def then(fn: Callable[[], object]) -> Callable[[object], object]:
    """An undo for ``paired`` that needs nothing from what it undoes."""
    return lambda _result: fn()


def _clocked(fn: Callable[..., T], spent: list[float]) -> Callable[..., T]:
    """``fn``, adding the seconds each call takes to ``spent``."""

    def run(*args: object, **kwargs: object) -> T:
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - started)

    return run


# ---------------------------------------------------------------------------------------------
# The scratch copy and its migration


def copy_library(source: Path, target: Path) -> float:
    """A consistent copy of ``source`` (read only, it may be open elsewhere); seconds taken."""
    started = time.perf_counter()
    with (
        closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
        closing(sqlite3.connect(target)) as dest,
    ):
        src.backup(dest)
    return time.perf_counter() - started


def open_migrating(path: Path, backups: Path) -> Library:
    """Open the copy (migrating it) and print where the time went."""
    before = migrate.current_revision(path)
    checking: list[float] = []
    backing_up: list[float] = []
    # Wrapped where they are looked up, to time the parts of opening.
    with (
        mock.patch(
            "reader_app.storage.engine.check_integrity", _clocked(check_integrity, checking)
        ),
        mock.patch.object(migrate, "backup_file", _clocked(migrate.backup_file, backing_up)),
    ):
        started = time.perf_counter()
        lib = Library.open(path, backup_dir=backups, clock=lambda: NOW)
        total = time.perf_counter() - started
    after = migrate.current_revision(path)
    for made in backups.glob("*"):
        made.unlink()  # disk is limited; the copy itself is scratch
    rest = total - sum(checking) - sum(backing_up)
    print(f"\nopening the copy: schema {before} -> {after}, {total:.1f} s in all")
    for part, seconds in (
        ("integrity check", sum(checking)),
        ("backup before upgrading", sum(backing_up)),
        ("migration and the rest", rest),
    ):
        print(f"  {part:<24}{seconds:6.1f} s")
    return lib


# ---------------------------------------------------------------------------------------------
# 1. Saving


def saving(lib: Library, searches: dict[str, str], repeat: int) -> dict[str, SavedSearchId]:
    """Save each search ``repeat`` times (removing it between), keep it saved; print a row
    per search."""
    width = max(len(name) for name in searches)
    print(
        f"\n{'saved search':<{width}}  {'matches':>7}  {'save ms':>15}  {'remove ms':>15}  "
        f"{'view page ms':>15}"
    )
    print(f"{'':<{width}}  {'':>7}" + f"  {'median':>7} {'max':>7}" * 3)
    kept: dict[str, SavedSearchId] = {}
    for name, text in searches.items():
        saved, removed = paired(partial(_save, lib, name, text), lib.remove_saved_search, repeat)
        search_id = lib.save_search(name, text).id
        kept[name] = search_id
        matches = len(lib.entry_ids(EntryQuery(saved_search=search_id)))
        page = timed(
            partial(lib.entries, EntryQuery(saved_search=search_id, limit=FIRST_PAGE)), repeat
        )
        print(
            f"{name:<{width}}  {matches:>7}  {saved[0]:7.1f} {saved[1]:7.1f}  "
            f"{removed[0]:7.1f} {removed[1]:7.1f}  {page[0]:7.1f} {page[1]:7.1f}"
        )
    reference = {
        "a feed": EntryQuery(
            feed_ids=frozenset({FeedId(lib.feeds()[0].feed.id)}), limit=FIRST_PAGE
        ),
        "all unread": EntryQuery(unread_only=True, limit=FIRST_PAGE),
        "all articles": EntryQuery(limit=FIRST_PAGE),
    }
    pages = ", ".join(
        f"{name} {timed(partial(lib.entries, query), repeat)[0]:.1f} ms"
        for name, query in reference.items()
    )
    print(f"(for comparison, the first page of {pages})")
    return kept


def _save(lib: Library, name: str, text: str) -> SavedSearchId:
    return lib.save_search(name, text).id


# ---------------------------------------------------------------------------------------------
# 2. Reading the counts


def counting(lib: Library, kept: dict[str, SavedSearchId], repeat: int) -> None:
    """The kept counts against counting each search's unread matches from scratch."""
    width = max(len(name) for name in kept)
    counts = lib.saved_search_counts()
    print(
        f"\n{'unread count of':<{width}}  {'unread':>7}  {'search again ms':>15}  "
        f"{'count stored ms':>15}  agree"
    )
    print(f"{'':<{width}}  {'':>7}" + f"  {'median':>7} {'max':>7}" * 2)
    total_search = total_stored = 0.0
    for name, search_id in kept.items():
        unread = replace(lib.parse_search(lib.saved_search(search_id).query), read=False)
        found = len(lib.search_ids(unread, order=SearchOrder.NEWEST))
        stored_query = EntryQuery(saved_search=search_id, unread_only=True)
        stored = lib.count_entries(stored_query)
        again = timed(partial(lib.search_ids, unread, order=SearchOrder.NEWEST), repeat)
        from_matches = timed(partial(lib.count_entries, stored_query), repeat)
        total_search += again[0]
        total_stored += from_matches[0]
        agree = "yes" if counts[search_id] == found == stored else f"NO: {found}, {stored}"
        print(
            f"{name:<{width}}  {counts[search_id]:>7}  {again[0]:7.1f} {again[1]:7.1f}  "
            f"{from_matches[0]:7.1f} {from_matches[1]:7.1f}  {agree}"
        )
    print(f"{'all eight, summed medians':<{width}}  {'':>7}  {total_search:7.1f} {'':>7}  ", end="")
    print(f"{total_stored:7.1f}")
    kept_counts = timed(lib.saved_search_counts, repeat * 10)
    print(
        f"saved_search_counts(), all eight at once: median {kept_counts[0]:.3f} ms, "
        f"max {kept_counts[1]:.3f} ms ({total_search / kept_counts[0]:,.0f} times less than "
        "searching again)"
    )


# ---------------------------------------------------------------------------------------------
# 3. Writes


class Writes:
    """The writes measured with and without saved searches, on the same articles and feeds."""

    def __init__(self, lib: Library, words: Words) -> None:
        self.lib = lib
        self.words = words
        self.rng = random.Random(3)
        self.authors = authors_of(words)
        feeds = [s.feed.id for s in lib.feeds()]
        self.renamed, self.tagged, self.marked_feed = feeds[0], feeds[1], feeds[2]
        self.syncing = feeds[100 : 100 + SYNC_FEEDS]
        # The newest unread articles, as a user marks them from the top of the list.
        self.unread = lib.entry_ids(EntryQuery(unread_only=True))[: max(MARKS)]
        self.rename_size = lib.count_entries(EntryQuery(feed_ids=frozenset({self.renamed})))
        self.marked_size = lib.count_entries(
            EntryQuery(feed_ids=frozenset({self.marked_feed}), unread_only=True)
        )
        self.round = 0

    def _batches(self) -> list[tuple[FeedId, list[NewEntry]]]:
        """New articles for each syncing feed, with keys no earlier round used."""
        self.round += 1
        first = 10_000 * self.round
        return [
            (
                feed_id,
                [
                    article(self.words, self.rng, feed_id, n, self.authors)
                    for n in range(first, first + SYNC_ARTICLES)
                ],
            )
            for feed_id in self.syncing
        ]

    def measure(self, repeat: int) -> dict[str, Figures]:
        lib = self.lib
        results: dict[str, Figures] = {}
        times = []
        for feed_id, batch in self._batches():
            started = time.perf_counter()
            lib.add_entries(feed_id, batch)
            times.append(_ms(started))
        results[f"add_entries: {SYNC_ARTICLES} new articles (x{SYNC_FEEDS} feeds)"] = _figures(
            times
        )
        for count in MARKS:
            ids = self.unread[:count]
            read, unread = paired(
                partial(lib.mark_read, ids), then(partial(lib.mark_read, ids, False)), repeat
            )
            results[f"mark_read {count:,}"] = read
            results[f"mark_read {count:,} back to unread"] = unread
        feed_query = EntryQuery(feed_ids=frozenset({self.marked_feed}))
        marked, undone = paired(
            partial(lib.mark_all_read, feed_query),
            partial(_undo, lib),
            repeat,
        )
        results[f"mark_all_read of a feed ({self.marked_size} unread)"] = marked
        results["undo_marks of it"] = undone
        names = itertools.cycle(["Renamed feed", None])
        results[f"rename_feed ({self.rename_size} articles)"] = timed(
            lambda: lib.rename_feed(self.renamed, next(names)), repeat
        )
        tagged, untagged = paired(
            partial(lib.tag_feed, self.tagged, ["Bench"]),
            then(partial(lib.untag_feed, self.tagged, ["Bench"])),
            repeat,
        )
        results["tag_feed"] = tagged
        results["untag_feed"] = untagged
        results["an empty write (refresh_saved_searches)"] = timed(
            lib.refresh_saved_searches, repeat
        )
        return results


def _undo(lib: Library, change: StateChange) -> Changes:
    assert change.marks is not None, "a mark change records what undoes it"
    return lib.undo_marks(change.marks)


def print_writes(without: dict[str, Figures], with_eight: dict[str, Figures]) -> None:
    width = max(len(name) for name in without)
    print(f"\n{'write':<{width}}  {'no saved search':>15}  {'8 saved searches':>16}  {'added':>7}")
    print(f"{'':<{width}}  {'median':>7} {'max':>7}  {'median':>7} {'max':>8}  {'median':>7}")
    for name, plain in without.items():
        saved = with_eight[name]
        print(
            f"{name:<{width}}  {plain[0]:7.1f} {plain[1]:7.1f}  {saved[0]:7.1f} {saved[1]:8.1f}  "
            f"{saved[0] - plain[0]:+7.1f}"
        )


# ---------------------------------------------------------------------------------------------
# 4. Space


def match_space(path: Path) -> tuple[int, float, float]:
    """Stored matches: rows, MiB of the table and MiB of its index by search."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        (rows,) = conn.execute("SELECT count(*) FROM saved_search_entries").fetchone()
        sizes = dict(
            conn.execute(
                "SELECT name, sum(pgsize) FROM dbstat WHERE name IN "
                "('saved_search_entries', 'ix_saved_search_entries_search_id') GROUP BY name"
            ).fetchall()
        )
    return (
        rows,
        sizes.get("saved_search_entries", 0) / 2**20,
        sizes.get("ix_saved_search_entries_search_id", 0) / 2**20,
    )


def print_space(path: Path) -> None:
    rows, table, index = match_space(path)
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        (pages,) = conn.execute("SELECT sum(pgsize) FROM dbstat").fetchone()
    per_match = (table + index) * 2**20 / rows if rows else 0.0
    print(
        f"\nstored matches: {rows:,} rows, {table:.1f} MiB + {index:.1f} MiB index by search "
        f"({per_match:.0f} bytes per match), {(table + index) / (pages / 2**20):.1%} "
        f"of the library's {pages / 2**20:,.0f} MiB"
    )


# ---------------------------------------------------------------------------------------------
# Query plans (--plans)


def plan_calls(
    lib: Library, writes: Writes, typical: SavedSearchId, worst: SavedSearchId
) -> dict[str, Callable[[], object]]:
    """The reads and writes whose plans matter for saved searches (the writes made twice:
    done and undone)."""
    ids = writes.unread[:100]
    names = itertools.cycle(["Renamed feed", None])
    return {
        "a view's first page (typical)": partial(
            lib.entries, EntryQuery(saved_search=typical, limit=FIRST_PAGE)
        ),
        "a view's first page (worst)": partial(
            lib.entries, EntryQuery(saved_search=worst, limit=FIRST_PAGE)
        ),
        "a view's unread count from its matches": partial(
            lib.count_entries, EntryQuery(saved_search=worst, unread_only=True)
        ),
        "saved_search_counts()": lib.saved_search_counts,
        "mark_read 100 and back": lambda: (lib.mark_read(ids), lib.mark_read(ids, False)),
        "rename_feed and back": lambda: [
            lib.rename_feed(writes.renamed, next(names)) for _ in "ab"
        ],
    }


def statements(call: Callable[[], object]) -> dict[str, Sequence[object]]:
    """Each distinct statement ``call`` sends through SQLAlchemy, with its first parameters
    (inserts and pragmas left out)."""
    seen: dict[str, Sequence[object]] = {}

    def record(
        _conn: object,
        _cursor: object,
        statement: str,
        parameters: Sequence[object],
        _context: object,
        executemany: bool,
    ) -> None:
        if not executemany and not statement.lstrip().upper().startswith(("INSERT", "PRAGMA")):
            seen.setdefault(statement, parameters)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    return seen


def print_plans(path: Path, calls: dict[str, Callable[[], object]]) -> None:
    """EXPLAIN QUERY PLAN of what each call asks (the FTS5 queries go to the driver directly
    and are left out; so are the triggers' bodies)."""
    for name, call in calls.items():
        print(f"\nplans: {name}")
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            for statement, parameters in statements(call).items():
                print("  " + " ".join(statement.split())[:160])
                for row in conn.execute(f"EXPLAIN QUERY PLAN {statement}", parameters):
                    print(f"      {row[3]}")


# ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--path", type=Path, default=Path("/tmp/reader_app_bench/search.sqlite3"))
    parser.add_argument("--feeds", type=int, default=1000, help="when building --path")
    parser.add_argument("--entries", type=int, default=200_000, help="when building --path")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--plans", action="store_true", help="print the query plans at the end")
    args = parser.parse_args()

    if not args.path.exists():
        open_or_build(args.path, args.feeds, args.entries).close()
    with tempfile.TemporaryDirectory(dir=args.path.parent, prefix="saved-searches-") as tmp:
        scratch = Path(tmp) / "library.sqlite3"
        copied = copy_library(args.path, scratch)
        print(f"copied {args.path} to {scratch} in {copied:.1f} s")
        lib = open_migrating(scratch, Path(tmp) / "backups")
        try:
            words = Words(random.Random(1))
            searches = saved_queries(words, lib)
            writes = Writes(lib, words)
            articles = lib.count_entries(EntryQuery())
            print(f"{articles:,} articles; measuring writes with no saved search...")
            without = writes.measure(args.repeat)
            kept = saving(lib, searches, args.repeat)
            counting(lib, kept, args.repeat)
            with_eight = writes.measure(args.repeat)
            print_writes(without, with_eight)
            print_space(scratch)
            if args.plans:
                typical = kept["one word (rank 1,000)"]
                worst = kept["worst: a word in most articles (rank 10)"]
                print_plans(scratch, plan_calls(lib, writes, typical, worst))
        finally:
            lib.close()


if __name__ == "__main__":
    main()
