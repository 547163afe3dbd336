"""The window's sync controller against a real HTTP server on 127.0.0.1, real parser processes
and a real library file.

Every signal the controller emits is recorded with the thread it arrived on; the tests check
the order the window relies on (started, one progress per feed, then finished), that each
feed's articles are readable when its progress arrives, and what is stored in the library
after a cancel, a shutdown or a dead server.
"""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import QApplication

from reader_app.domain import Changes, EntryQuery, FeedId
from reader_app.errors import StorageError
from reader_app.library import Library
from reader_app.sync import (
    FeedOutcome,
    FeedResult,
    SyncOptions,
    SyncProgress,
    SyncReport,
    SyncSelection,
)
from reader_app.ui.sync_controller import SyncController, clean_title, status_text, summary_text
from tests.support.feedserver import FeedServer, rss

# All feeds share one host here: let them all be fetched at once. A slow feed answers after
# SLOW seconds, longer than the request timeout, so a test that waited for it would hang.
SLOW = 60.0
OPTIONS = SyncOptions(max_per_host=8, request_timeout_seconds=20.0, parse_workers=1)
WAIT_MS = 30_000


@dataclass
class Recorder:
    """Every signal of a controller, in arrival order, and whether it came on the GUI thread."""

    library: Library
    events: list[tuple[str, Any]] = field(default_factory=list)
    off_gui_thread: list[str] = field(default_factory=list)
    # For each progress: the landed feed's unread count and the total, read in the slot.
    counts_seen: list[tuple[FeedId, int, int]] = field(default_factory=list)

    def attach(self, controller: SyncController) -> None:
        # Direct connections: the slots run on whichever thread emits, so the check in _add
        # sees the controller's own thread, not one Qt would have queued the call to.
        direct = Qt.ConnectionType.DirectConnection
        controller.started.connect(lambda total: self._add("started", total), direct)
        controller.progress.connect(self._progress, direct)
        controller.progress_batch.connect(lambda items: self._add("batch", list(items)), direct)
        controller.finished.connect(lambda report: self._add("finished", report), direct)
        controller.failed.connect(lambda exc: self._add("failed", exc), direct)
        controller.running_changed.connect(lambda on: self._add("running", on), direct)

    def _add(self, name: str, value: Any) -> None:
        app = QApplication.instance()
        assert app is not None
        if QThread.currentThread() is not app.thread() or (
            threading.current_thread() is not threading.main_thread()
        ):
            self.off_gui_thread.append(name)
        self.events.append((name, value))

    def _progress(self, progress: SyncProgress) -> None:
        self._add("progress", progress)
        feed_id = progress.result.feed_id
        unread = self.library.unread_counts().get(feed_id, 0)
        self.counts_seen.append((feed_id, unread, self.library.unread_total()))

    def names(self) -> list[str]:
        return [name for name, _ in self.events]

    def of(self, name: str) -> list[Any]:
        return [value for n, value in self.events if n == name]

    @property
    def progress(self) -> list[SyncProgress]:
        return self.of("progress")

    @property
    def reports(self) -> list[SyncReport]:
        return self.of("finished")


@pytest.fixture
def controller(qtbot: Any, library: Library) -> Iterator[SyncController]:
    ctl = SyncController(library, lambda: OPTIONS)
    yield ctl
    assert ctl.shutdown(timeout=10.0), "the sync thread did not end"


@pytest.fixture
def recorder(controller: SyncController, library: Library) -> Recorder:
    rec = Recorder(library)
    rec.attach(controller)
    return rec


def serve(server: FeedServer, library: Library, name: str, items: int, **route: Any) -> FeedId:
    """Serve ``items`` articles at ``/name.xml`` and subscribe to it."""
    server.route(f"/{name}.xml", body=rss(f"Feed {name}", items=items), **route)
    return library.add_feed(server.url(f"/{name}.xml")).id


def article_count(library: Library, feed_id: FeedId) -> int:
    return library.count_entries(EntryQuery(feed_ids=frozenset({feed_id})))


def refresh_and_wait(qtbot: Any, controller: SyncController, start: Any) -> SyncReport:
    with qtbot.waitSignal(controller.finished, timeout=WAIT_MS) as blocker:
        start()
    report = blocker.args[0]
    assert isinstance(report, SyncReport)
    return report


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# -- a whole sync --------------------------------------------------------------------------------


def test_refresh_reports_each_feed_on_the_gui_thread_as_it_lands(
    qtbot, controller, recorder, feed_server, library
):
    items = {"a": 2, "b": 3, "c": 4}
    ids = {name: serve(feed_server, library, name, n) for name, n in items.items()}
    items_by_id = {ids[name]: n for name, n in items.items()}

    report = refresh_and_wait(qtbot, controller, controller.refresh_all)

    assert recorder.off_gui_thread == []
    names = recorder.names()
    assert recorder.events[:2] == [("running", True), ("started", 3)]
    assert names[-2:] == ["finished", "running"]
    assert recorder.events[-1] == ("running", False)
    assert names.count("progress") == 3
    assert names.index("finished") > max(i for i, n in enumerate(names) if n == "progress")
    # One progress per feed, in the order they were written, each naming its feed.
    progress = recorder.progress
    assert [p.done for p in progress] == [1, 2, 3]
    assert {p.total for p in progress} == {3}
    assert {p.result.feed_id for p in progress} == set(ids.values())
    assert all(p.changes.feeds == {p.result.feed_id} for p in progress)
    assert [len(p.changes.entries) for p in progress] == [
        items_by_id[p.result.feed_id] for p in progress
    ]
    # The batches carry the same items, in the same order.
    assert [p for batch in recorder.of("batch") for p in batch] == progress
    # Counts read in the slot already include the feed that just landed.
    landed = 0
    for feed_id, unread, total in recorder.counts_seen:
        landed += items_by_id[feed_id]
        assert unread == items_by_id[feed_id]
        assert total >= landed
    assert report.total == 3
    assert not report.cancelled
    assert {r.outcome for r in report.results} == {FeedOutcome.UPDATED}
    assert report.new_entries == 9
    assert {feed_id: article_count(library, feed_id) for feed_id in ids.values()} == items_by_id
    assert not controller.running


def test_refresh_of_one_feed_touches_only_that_feed(
    qtbot, controller, recorder, feed_server, library
):
    ids = {name: serve(feed_server, library, name, 2) for name in ("a", "b", "c")}

    report = refresh_and_wait(
        qtbot,
        controller,
        lambda: controller.refresh(SyncSelection(feed_ids=frozenset({ids["b"]}), force=True)),
    )

    assert [r.feed_id for r in report.results] == [ids["b"]]
    assert [p.result.feed_id for p in recorder.progress] == [ids["b"]]
    assert [r.path for r in feed_server.requests] == ["/b.xml"]
    assert article_count(library, ids["b"]) == 2
    for name in ("a", "c"):
        assert article_count(library, ids[name]) == 0
        assert library.feed(ids[name]).last_fetched is None


def test_refresh_of_a_tag_updates_its_feeds(qtbot, controller, feed_server, library):
    tagged = serve(feed_server, library, "tagged", 2)
    serve(feed_server, library, "other", 2)
    library.tag_feed(tagged, ["News"])

    report = refresh_and_wait(
        qtbot,
        controller,
        lambda: controller.refresh(SyncSelection(tags=frozenset({"News"}), force=True)),
    )

    assert [r.feed_id for r in report.results] == [tagged]
    assert [r.path for r in feed_server.requests] == ["/tagged.xml"]


def test_nothing_to_update_still_starts_and_finishes(qtbot, controller, recorder):
    report = refresh_and_wait(qtbot, controller, controller.refresh_due)

    assert report.total == 0
    assert recorder.names() == ["running", "started", "finished", "running"]
    assert recorder.of("started") == [0]
    assert summary_text(report) == "No feeds to update"


# -- cancelling and closing ----------------------------------------------------------------------


def test_cancel_stops_between_feeds_and_keeps_what_was_written(
    qtbot, controller, recorder, feed_server, library
):
    fast = [serve(feed_server, library, f"fast{i}", 3) for i in range(2)]
    slow = [serve(feed_server, library, f"slow{i}", 3, delay=SLOW) for i in range(3)]

    with qtbot.waitSignal(controller.finished, timeout=WAIT_MS) as blocker:
        controller.refresh_all()
        qtbot.waitUntil(lambda: len(recorder.progress) == 2, timeout=WAIT_MS)
        assert controller.running  # the slow feeds are still in flight
        controller.cancel()
    report: SyncReport = blocker.args[0]

    assert report.cancelled
    assert report.total == 5
    assert {r.feed_id for r in report.results} == set(fast)
    assert recorder.of("failed") == []
    for feed_id in fast:
        assert article_count(library, feed_id) == 3
    for feed_id in slow:
        # Dropped in flight: nothing stored, no error, still due for the next sync.
        feed = library.feed(feed_id)
        assert (feed.last_fetched, feed.error_count, feed.last_error) == (None, 0, None)
        assert article_count(library, feed_id) == 0
    assert summary_text(report).startswith("Refresh cancelled: updated 2 of 5 feeds")
    assert not controller.running


def test_shutdown_with_a_slow_feed_in_flight_returns_and_keeps_the_library_consistent(
    qtbot, controller, recorder, feed_server, library
):
    fast = serve(feed_server, library, "fast", 4)
    slow = serve(feed_server, library, "slow", 4, delay=SLOW)

    controller.refresh_all()
    qtbot.waitUntil(lambda: len(recorder.progress) == 1, timeout=WAIT_MS)
    assert feed_server.wait_idle(timeout=0.5) is False  # the slow feed is being served

    # Well under the 20 s request timeout: the abandoned download is not waited for.
    assert controller.shutdown(timeout=5.0)

    events_at_shutdown = len(recorder.events)
    qtbot.wait(300)  # whatever was still queued for the GUI thread is not delivered
    assert len(recorder.events) == events_at_shutdown
    assert recorder.of("finished") == []
    controller.refresh_all()  # a closed controller starts nothing
    assert not controller.running
    assert article_count(library, fast) == 4
    assert library.feed(slow).last_fetched is None
    assert article_count(library, slow) == 0
    with contextlib.closing(sqlite3.connect(f"file:{library.path}?mode=ro", uri=True)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


# -- requests while a sync runs ------------------------------------------------------------------


def test_a_second_refresh_all_while_one_runs_is_ignored(
    qtbot, controller, recorder, feed_server, library
):
    ids = [serve(feed_server, library, name, 2, delay=0.5) for name in ("a", "b", "c")]

    with qtbot.waitSignal(controller.finished, timeout=WAIT_MS):
        controller.refresh_all()
        assert controller.running
        controller.refresh_all()
        controller.refresh_due()  # covered by the sync of every feed

    # A queued sync would have started in the finished slot and be running now (its feeds
    # take half a second): nothing was queued.
    assert not controller.running
    assert len(recorder.reports) == 1
    assert recorder.of("running") == [True, False]
    assert sorted(r.path for r in feed_server.requests) == ["/a.xml", "/b.xml", "/c.xml"]
    assert {r.feed_id for r in recorder.reports[0].results} == set(ids)


def test_a_feed_refresh_while_a_sync_runs_is_queued_and_runs_after(
    qtbot, controller, recorder, feed_server, library
):
    ids = [serve(feed_server, library, name, 2, delay=0.5) for name in ("a", "b", "c")]
    fresh = serve(feed_server, library, "fresh", 5)

    controller.refresh(SyncSelection(feed_ids=frozenset(ids), force=True))
    controller.refresh(SyncSelection(feed_ids=frozenset({fresh}), force=True))
    controller.refresh(SyncSelection(feed_ids=frozenset({ids[0]}), force=True))  # merged
    qtbot.waitUntil(lambda: len(recorder.reports) == 2, timeout=WAIT_MS)

    first, second = recorder.reports
    assert {r.feed_id for r in first.results} == set(ids)
    assert {r.feed_id for r in second.results} == {fresh, ids[0]}
    # The second sync started only once the first had finished, and nothing else ran.
    order = [n for n in recorder.names() if n in ("started", "finished", "running")]
    assert order == ["running", "started", "finished", "started", "finished", "running"]
    assert article_count(library, fresh) == 5
    assert len(feed_server.requests_for("/a.xml")) == 2


def test_the_timer_refreshes_the_due_feeds(qtbot, controller, feed_server, library):
    old = serve(feed_server, library, "old", 2)
    refresh_and_wait(qtbot, controller, controller.refresh_all)
    assert library.feed(old).next_check is not None  # synced: not due for a while
    new = serve(feed_server, library, "new", 3)

    with qtbot.waitSignal(controller.finished, timeout=WAIT_MS) as blocker:
        controller._set_interval_ms(50)
    controller.set_interval(0)
    report: SyncReport = blocker.args[0]

    assert [r.feed_id for r in report.results] == [new]
    assert len(feed_server.requests_for("/old.xml")) == 1
    assert article_count(library, new) == 3


def test_the_interval_is_checked(controller):
    with pytest.raises(ValueError, match="interval"):
        controller.set_interval(-1)


# -- failures ------------------------------------------------------------------------------------


def test_a_dead_server_gives_failed_feeds_not_an_error(qtbot, controller, recorder, library):
    port = closed_port()
    ids = [library.add_feed(f"http://127.0.0.1:{port}/feed{i}.xml").id for i in range(2)]

    report = refresh_and_wait(qtbot, controller, controller.refresh_all)

    assert recorder.of("failed") == []
    assert [r.outcome for r in report.results] == [FeedOutcome.FAILED] * 2
    assert report.failed == 2
    for feed_id in ids:
        feed = library.feed(feed_id)
        assert feed.error_count == 1
        assert feed.last_error
    assert summary_text(report) == "Updated 0 feeds, 0 new articles, 2 failed"


def test_an_error_of_the_engine_itself_arrives_as_failed(
    qtbot, controller, recorder, feed_server, library
):
    serve(feed_server, library, "a", 2)
    library.close()  # the library cannot be written any more: the first write raises

    with qtbot.waitSignal(controller.failed, timeout=WAIT_MS) as blocker:
        controller.refresh_all()

    assert isinstance(blocker.args[0], StorageError)
    assert recorder.off_gui_thread == []
    assert recorder.reports == []
    assert recorder.names()[-3:] == ["started", "failed", "running"]
    assert not controller.running


# -- status text ---------------------------------------------------------------------------------


def _progress(title: str | None, *, done: int = 12, total: int = 340) -> SyncProgress:
    result = FeedResult(FeedId(1), "https://example.org/feed", title, FeedOutcome.UPDATED)
    return SyncProgress(done, total, result, Changes())


def test_status_text_names_the_feed_in_plain_text():
    assert status_text(_progress("Feed title")) == "Updating 12 of 340: Feed title"
    assert status_text(_progress(None)) == "Updating 12 of 340: https://example.org/feed"
    hostile = "Evil\x1b[31m\n\u202etitle\u2066 \t two\x00"
    assert status_text(_progress(hostile)) == "Updating 12 of 340: Evil [31m title two"
    assert status_text(_progress("\x07\n")) == "Updating 12 of 340: https://example.org/feed"
    long_title = clean_title("word " * 40)
    assert len(long_title) == 80
    assert long_title.endswith("…")


def test_summary_text_counts_feeds_articles_and_failures():
    def report(*outcomes: FeedOutcome, new: int = 0, cancelled: bool = False) -> SyncReport:
        results = tuple(
            FeedResult(
                FeedId(i),
                f"https://e.org/{i}",
                None,
                outcome,
                new_entries=new if outcome is FeedOutcome.UPDATED else 0,
            )
            for i, outcome in enumerate(outcomes)
        )
        return SyncReport(total=len(outcomes) + 1, results=results, cancelled=cancelled)

    updated, same, failed = FeedOutcome.UPDATED, FeedOutcome.NOT_MODIFIED, FeedOutcome.FAILED
    assert summary_text(report(updated, same, failed, FeedOutcome.GONE, new=3)) == (
        "Updated 2 feeds, 3 new articles, 2 failed"
    )
    assert summary_text(report(updated, new=1)) == "Updated 1 feed, 1 new article"
    assert summary_text(report(same, cancelled=True)) == (
        "Refresh cancelled: updated 1 of 2 feeds, 0 new articles"
    )
