"""Article list figures: switching lists, scrolling to the end, a row changing.

Prints figures; passes or fails nothing. Run from the repository root:

    QT_QPA_PLATFORM=offscreen python -m tests.benchmarks.bench_article_list \\
        [--path /tmp/reader_app_bench/article_list.sqlite3] [--feeds 1000] [--entries 200000]

The library at ``--path`` is built once (as ``bench_storage.py`` builds it: a third of the
articles read) and reused while it exists. The list is the window's: an ``ArticleList``
over an ``ArticleTableModel`` that reads the complete id list through ``Tasks``.

Each figure is the median of ``--repeat`` runs after one warm-up, in milliseconds:

- switch: ``set_query`` until the first rows are painted (what the user waits for), and
  until the complete id list is in place (read off the GUI thread meanwhile);
- scroll to the end: ``scrollToBottom`` until the last rows are painted, their data read;
- mark one read: the write (``Library.mark_read``, through the writer thread), then
  ``apply_changes`` until the row is repainted;
- new articles: ``apply_changes`` for a feed that gained 5 articles, on the GUI thread, and
  until the reloaded id list is in place.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

from reader_app.domain import Changes, EntryQuery, FeedId, NewEntry
from reader_app.library import Library
from reader_app.ui.models.article_table import ArticleTableModel
from reader_app.ui.tasks import Tasks
from reader_app.ui.widgets.article_list import ArticleList
from tests.benchmarks.bench_storage import NOW, build

_NOTHING = EntryQuery(feed_ids=frozenset({FeedId(-1)}))


def open_or_build(path: Path, feeds: int, entries: int) -> tuple[Library, list[FeedId]]:
    if path.exists():
        lib = Library.open(path, clock=lambda: NOW)
        print(f"reusing {path}")
        return lib, [s.feed.id for s in lib.feeds()]
    path.parent.mkdir(parents=True, exist_ok=True)
    print(f"building {path} ({feeds} feeds, {entries} articles)...")
    return build(path, feeds, entries)


class PaintWatch(QObject):
    """Counts paint events (seen before they are handled: a count that moved on once
    ``processEvents`` returns means a paint has finished)."""

    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


class Bench:
    def __init__(self, app: QApplication, lib: Library, repeat: int) -> None:
        self.app = app
        self.lib = lib
        self.repeat = repeat
        self.tasks = Tasks()
        self.model = ArticleTableModel(lib, tasks=self.tasks, clock=lambda: NOW)
        self.view = ArticleList(self.model, mark_read_on_select=False)
        self.view.resize(1000, 800)
        self.watch = PaintWatch()
        self.view.viewport().installEventFilter(self.watch)
        self.view.show()
        self.app.processEvents()

    def paint(self) -> None:
        """Process events until the list has painted once more (its data read)."""
        before = self.watch.paints
        deadline = time.perf_counter() + 10
        while self.watch.paints == before:
            if time.perf_counter() > deadline:
                raise TimeoutError("the list did not paint")
            self.app.processEvents()

    def settle(self, timeout_s: float = 30.0) -> None:
        """Until the complete id list is in place and no read is pending."""
        deadline = time.perf_counter() + timeout_s
        while not self.model.complete or self.tasks.busy:
            if time.perf_counter() > deadline:
                raise TimeoutError("the id list did not arrive")
            self.app.processEvents()
            time.sleep(0.0005)

    def median(self, run: Callable[[], float]) -> float:
        run()
        return statistics.median(run() for _ in range(self.repeat))

    def switch(self, query: EntryQuery) -> tuple[float, float, int]:
        first: list[float] = []
        whole: list[float] = []
        for n in range(self.repeat + 1):
            self.model.set_query(_NOTHING)  # each run is a switch from another list
            self.settle()
            started = time.perf_counter()
            self.model.set_query(query)
            self.paint()
            shown = time.perf_counter()
            self.settle()
            done = time.perf_counter()
            if n:  # the first is a warm-up
                first.append((shown - started) * 1000)
                whole.append((done - started) * 1000)
        return statistics.median(first), statistics.median(whole), self.model.rowCount()

    def scroll_to_end(self, query: EntryQuery) -> float:
        def run() -> float:
            self.model.set_query(query)  # a fresh cache: the last rows must be read
            self.settle()
            self.view.viewport().update()
            self.paint()
            started = time.perf_counter()
            self.view.scrollToBottom()
            self.paint()
            elapsed = (time.perf_counter() - started) * 1000
            last = self.model.rowCount() - 1
            if self.view.rowAt(self.view.viewport().height() - 1) not in (last, -1):
                raise AssertionError("the view did not reach the end")
            return elapsed

        return self.median(run)

    def mark_one(self, query: EntryQuery) -> tuple[float, float]:
        self.model.set_query(query)
        self.settle()
        self.view.scrollToTop()
        self.view.viewport().update()
        self.paint()
        entry_id = self.model.entry_id(3)
        was_read = self.lib.entry(entry_id).read
        writes: list[float] = []
        applies: list[float] = []
        for n in range(self.repeat + 1):
            started = time.perf_counter()
            changes = self.lib.mark_read([entry_id], read=(n % 2 == 0) != was_read).changes
            written = time.perf_counter()
            self.model.apply_changes(changes)
            self.paint()
            done = time.perf_counter()
            if n:
                writes.append((written - started) * 1000)
                applies.append((done - written) * 1000)
        self.lib.mark_read([entry_id], read=was_read)
        return statistics.median(writes), statistics.median(applies)

    def new_articles(self, query: EntryQuery, feed: FeedId) -> tuple[float, float]:
        self.model.set_query(query)
        self.settle()
        gui: list[float] = []
        whole: list[float] = []
        for n in range(self.repeat + 1):
            fresh = [
                NewEntry(
                    key=f"guid:bench-new-{time.perf_counter_ns()}-{i}",
                    title=f"New article {i}",
                    link=None,
                    author=None,
                    summary=None,
                    content=None,
                    content_hash=None,
                    published=None,
                    updated=None,
                    first_seen=NOW,
                    sort_at=NOW - timedelta(minutes=i),
                )
                for i in range(5)
            ]
            added = self.lib.add_entries(feed, fresh)
            changes = Changes(feeds=frozenset({feed}), entries=frozenset(added))
            started = time.perf_counter()
            self.model.apply_changes(changes)
            returned = time.perf_counter()
            self.settle()
            self.view.viewport().update()
            self.paint()
            done = time.perf_counter()
            if n:
                gui.append((returned - started) * 1000)
                whole.append((done - started) * 1000)
            # Leave the reused library as it was, and tell the list (SQLite reuses the
            # highest ids: a list not told would take the next new ones for its own).
            self.model.apply_changes(self.lib.delete_entries(added).changes)
        return statistics.median(gui), statistics.median(whole)

    def close(self) -> None:
        self.tasks.shutdown()
        self.view.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--path", type=Path, default=Path("/tmp/reader_app_bench/article_list.sqlite3")
    )
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    app = QApplication([])
    lib, feeds = open_or_build(args.path, args.feeds, args.entries)
    bench = Bench(app, lib, args.repeat)
    one_feed = frozenset({feeds[len(feeds) // 2]})
    tag = frozenset({"Group3"})
    queries = {
        "All": EntryQuery(),
        "Unread": EntryQuery(unread_only=True),
        "All, oldest first": EntryQuery(newest_first=False),
        "one feed": EntryQuery(feed_ids=one_feed),
        "one feed, hide read": EntryQuery(feed_ids=one_feed, unread_only=True),
        "one tag (with subtags)": EntryQuery(tags=tag),
        "one tag, hide read": EntryQuery(tags=tag, unread_only=True),
    }
    print(f"\n{'switch to':<26} {'rows':>8}  {'first rows ms':>13}  {'complete ms':>11}")
    for name, query in queries.items():
        first, whole, rows = bench.switch(query)
        print(f"{name:<26} {rows:>8}  {first:>13.1f}  {whole:>11.1f}")

    print()
    figures = {
        "scroll to the end, All (ms)": bench.scroll_to_end(EntryQuery()),
    }
    write, apply = bench.mark_one(EntryQuery())
    figures["mark one read: the write (ms)"] = write
    figures["mark one read: apply_changes + repaint (ms)"] = apply
    gui, whole = bench.new_articles(EntryQuery(), feeds[0])
    figures["5 new articles, All: apply_changes (ms)"] = gui
    figures["5 new articles, All: until reloaded (ms)"] = whole
    width = max(len(name) for name in figures)
    for name, value in figures.items():
        print(f"{name:<{width}}  {value:8.1f}")
    bench.close()
    lib.close()


if __name__ == "__main__":
    main()
