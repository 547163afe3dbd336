"""A sync in a child process, against the real local HTTP server and a real library file."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from pathlib import Path

import pytest

from reader_app.domain.sync import FeedOutcome, SyncOptions, SyncProgress, SyncSelection
from reader_app.errors import StorageError
from reader_app.library import Library
from reader_app.sync_process import BACKGROUND_NICENESS, update_in_child
from tests.support.feedserver import FeedServer, rss


def test_progress_arrives_per_feed_and_the_articles_are_stored(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    path = tmp_path / "library.sqlite3"
    for name in ("a", "b", "c"):
        feed_server.route(f"/{name}.xml", body=rss(name, items=2))
    with Library.open(path) as library:
        ids = {library.add_feed(feed_server.url(f"/{n}.xml")).id for n in ("a", "b", "c")}
    seen: list[SyncProgress] = []
    report = update_in_child(
        path, SyncSelection(force=True), options=SyncOptions(), on_progress=seen.append
    )
    assert [p.done for p in seen] == [1, 2, 3]
    assert {p.result.feed_id for p in seen} == ids
    assert report.new_entries == 6
    assert not report.cancelled
    with Library.open(path) as library:
        assert library.unread_total() == 6


def test_a_cancel_stops_between_feeds_and_keeps_what_was_written(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    path = tmp_path / "library.sqlite3"
    feed_server.route("/fast.xml", body=rss("fast", items=1))
    for n in range(4):
        feed_server.route(f"/slow{n}.xml", body=rss("slow", items=1), delay=30)
    with Library.open(path) as library:
        fast = library.add_feed(feed_server.url("/fast.xml")).id
        for n in range(4):
            library.add_feed(feed_server.url(f"/slow{n}.xml"))
    cancel = threading.Event()

    def on_progress(progress: SyncProgress) -> None:
        if progress.result.feed_id == fast:
            cancel.set()

    started = time.monotonic()
    report = update_in_child(
        path,
        SyncSelection(force=True),
        options=SyncOptions(request_timeout_seconds=60),
        on_progress=on_progress,
        cancel=cancel,
    )
    assert time.monotonic() - started < 20  # not the 30 s the slow feeds take
    assert report.cancelled
    assert [r.feed_id for r in report.results if r.outcome is FeedOutcome.UPDATED] == [fast]
    with Library.open(path) as library:
        assert library.unread_total() == 1


def test_a_file_that_is_not_a_library_is_an_environment_error(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    path.write_text("not a database", encoding="utf-8")
    with pytest.raises(StorageError):
        update_in_child(path, SyncSelection(force=True), options=SyncOptions())
    assert path.read_text(encoding="utf-8") == "not a database"


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="no process priorities here")
def test_the_sync_process_runs_at_a_lower_priority_than_the_window(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    path = tmp_path / "library.sqlite3"
    feed_server.route("/fast.xml", body=rss("fast", items=1))
    feed_server.route("/slow.xml", body=rss("slow", items=1), delay=1.0)
    with Library.open(path) as library:
        library.add_feed(feed_server.url("/fast.xml"))
        library.add_feed(feed_server.url("/slow.xml"))
    children: list[int] = []

    def on_progress(_progress: SyncProgress) -> None:
        # Called while the child still works on the slow feed.
        children.extend(
            os.getpriority(os.PRIO_PROCESS, child.pid)
            for child in multiprocessing.active_children()
            if child.pid is not None
        )

    update_in_child(path, SyncSelection(force=True), options=SyncOptions(), on_progress=on_progress)
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    assert children, "no sync process was seen"
    assert min(children) == min(mine + BACKGROUND_NICENESS, 19)
