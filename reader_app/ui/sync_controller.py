"""The window's background sync: one dedicated thread runs ``Library.update_feeds``.

Who asks for a sync: the user (refresh all, a feed, a tag), the start-up and a timer (the due
feeds). Syncs run one at a time on a single long-lived Python thread, never on the GUI thread
and never on the ``Tasks`` pool (a sync can take minutes; the pool serves short writes that
must not wait behind it). The engine itself fetches on its own threads and writes through the
database's single writer, one transaction per feed batch, so this thread mostly waits.

Requests while a sync runs::

    refresh_all  while a refresh_all runs or is queued   ignored
    refresh_due  while an all-feeds sync runs or is queued  ignored (it covers the due feeds)
    refresh(feeds) / refresh(tags)                     queued, merged with a queued one of the
                                                       same kind, run after the current sync
    refresh_all  while something else runs             queued; a queued refresh_due is dropped

Progress reaches the GUI thread like this: the engine calls ``on_progress`` on the sync thread
after each feed is written; that appends the frozen ``SyncProgress`` to an inbox and, when the
inbox was empty, posts one queued wake-up. The GUI thread drains the inbox in one slot: it
emits ``progress`` for every item, in order, then ``progress_batch`` once with the whole list.
Nothing is dropped; feeds that land while the GUI thread is busy arrive together in one event
instead of one event each. Connect either ``progress`` (one call per feed) or
``progress_batch`` (merge the batch's ``Changes`` and refresh once), not both, for refreshing
the models.

Order on the GUI thread, per sync: ``started(total)`` (when the first feed lands, or at the
end when none did, so it always comes first), ``progress``/``progress_batch`` as feeds land,
then exactly one of ``finished(SyncReport)`` or ``failed(exception)``. ``running_changed``
says when the controller goes from idle to busy and back (a queued sync keeps it busy), so the
window can enable Cancel at once, before the first feed lands.

Cancelling is checked by the engine between feeds (every 0.2 s while it waits): feeds already
written stay written, downloads in flight are abandoned and their feeds stay due. ``cancel``
also drops the queued requests: the user asked for the syncing to stop.
"""

from __future__ import annotations

import logging
import queue
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QObject, Qt, QTimer, Signal, SignalInstance, Slot

from reader_app.domain.sync import SyncOptions, SyncProgress, SyncReport, SyncSelection
from reader_app.errors import ReaderAppError
from reader_app.library import Library

log = logging.getLogger(__name__)

_MAX_INTERVAL_MINUTES = 2**31 // 60_000  # QTimer takes a signed 32-bit millisecond count
_TITLE_WIDTH = 80


@dataclass(frozen=True, slots=True)
class _Job:
    """One sync handed to the thread."""

    serial: int
    selection: SyncSelection
    options: SyncOptions
    cancel: threading.Event


class _Inbox:
    """Progress from the sync thread, waiting for the GUI thread to take it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[SyncProgress] = []

    def put(self, progress: SyncProgress) -> bool:
        """Add one; True when the inbox was empty, so the GUI thread needs waking."""
        with self._lock:
            self._items.append(progress)
            return len(self._items) == 1

    def take(self) -> list[SyncProgress]:
        with self._lock:
            items, self._items = self._items, []
        return items


class _Relay(QObject):
    """What the sync thread emits on; queued into the controller on the GUI thread.

    The thread holds this child of the controller, never the controller itself: a Python
    reference dropped on the sync thread must never be the one that destroys a QObject.
    """

    wake = Signal()
    ended = Signal(int, object, object)  # serial, SyncReport | None, exception | None


class Runner(Protocol):
    """What runs one sync: ``Library.update_feeds`` in this process, or
    ``reader_app.sync_process.update_in_child`` bound to the library's file."""

    def __call__(
        self,
        selection: SyncSelection,
        *,
        options: SyncOptions,
        on_progress: Callable[[SyncProgress], None],
        cancel: threading.Event,
    ) -> SyncReport: ...


def _serve(run: Runner, jobs: queue.SimpleQueue[_Job | None], inbox: _Inbox, relay: _Relay) -> None:
    """The sync thread: run jobs one at a time until the ``None`` that ends it."""

    def on_progress(progress: SyncProgress) -> None:
        if inbox.put(progress):
            _emit(relay, "wake")

    while (job := jobs.get()) is not None:
        try:
            report = run(
                job.selection, options=job.options, on_progress=on_progress, cancel=job.cancel
            )
        # Everything goes to the GUI thread: an environment problem gets a message there, a
        # bug a dialog; this thread must stay alive for the next sync either way.
        except BaseException as exc:  # noqa: BLE001
            _emit(relay, "ended", job.serial, None, exc)
        else:
            _emit(relay, "ended", job.serial, report, None)


def _emit(relay: _Relay, name: str, *args: object) -> None:
    try:
        signal: SignalInstance = getattr(relay, name)
        signal.emit(*args)
    except RuntimeError:
        # The controller (and its relay) was deleted after the window closed: nobody listens.
        pass


def _kind(selection: SyncSelection) -> str:
    """Which requests can merge: named feeds with named feeds, tags with tags."""
    if selection.feed_ids:
        return "feeds"
    if selection.tags:
        return "tags"
    return "all" if selection.force else "due"


def clean_title(text: str, width: int = _TITLE_WIDTH) -> str:
    """A feed's title fit for one line of plain text: no control or direction-changing
    characters (a title may carry them to garble the status bar), spaces collapsed, cut."""
    kept = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch
        for ch in text
        if not ("\u202a" <= ch <= "\u202e" or "\u2066" <= ch <= "\u2069")
    )
    line = " ".join(kept.split())
    return line if len(line) <= width else line[: width - 1].rstrip() + "…"


def status_text(progress: SyncProgress) -> str:
    """``Updating 12 of 340: Feed title``: the feed that just landed."""
    result = progress.result
    title = clean_title(result.title or result.url) or clean_title(result.url)
    return f"Updating {progress.done} of {progress.total}: {title}"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def summary_text(report: SyncReport) -> str:
    """``Updated 12 feeds, 37 new articles, 2 failed``, for the status bar after a sync."""
    if report.total == 0:
        return "No feeds to update"
    succeeded = report.updated + report.not_modified
    new = _count(report.new_entries, "new article", "new articles")
    failed = f", {report.failed} failed" if report.failed else ""
    if report.cancelled:
        return (
            f"Refresh cancelled: updated {succeeded} of {_count(report.total, 'feed', 'feeds')}, "
            f"{new}{failed}"
        )
    return f"Updated {_count(succeeded, 'feed', 'feeds')}, {new}{failed}"


class SyncController(QObject):
    """Runs syncs on one background thread and reports them on the GUI thread.

    ``options_provider`` is called on the GUI thread when each sync starts, so a change in
    the preferences applies to the next sync.
    """

    started = Signal(int)  # feeds in this sync
    progress = Signal(object)  # SyncProgress, one per feed, in order
    progress_batch = Signal(object)  # list[SyncProgress]: the same items, once per drain
    finished = Signal(object)  # SyncReport
    failed = Signal(object)  # BaseException raised by the engine itself
    running_changed = Signal(bool)

    def __init__(
        self,
        library: Library,
        options_provider: Callable[[], SyncOptions],
        parent: QObject | None = None,
        *,
        runner: Runner | None = None,
    ) -> None:
        super().__init__(parent)
        self._library = library
        self._runner: Runner = runner or library.update_feeds
        self._options_provider = options_provider
        self._relay = _Relay(self)
        # Explicitly queued: the slots run on this object's (the GUI) thread.
        self._relay.wake.connect(self._on_wake, Qt.ConnectionType.QueuedConnection)
        self._relay.ended.connect(self._on_ended, Qt.ConnectionType.QueuedConnection)
        self._inbox = _Inbox()
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._current: _Job | None = None
        self._started_sent = False
        self._pending: list[SyncSelection] = []
        self._serial = 0
        self._closed = False
        self._was_running = False
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh_due)

    # -- requests ------------------------------------------------------------------------------

    def refresh_all(self) -> None:
        """Update every feed whose updates are on, due or not."""
        self._request(SyncSelection(force=True))

    def refresh_due(self) -> None:
        """Update the feeds that are due (what the timer and the start-up ask for)."""
        self._request(SyncSelection())

    def refresh(self, selection: SyncSelection) -> None:
        """Update named feeds or the feeds of tags, as ``selection`` says (the window passes
        ``force=True``: the user asked for these). Queued when a sync is running."""
        self._request(selection)

    def cancel(self) -> None:
        """Stop the running sync between feeds and drop the queued ones."""
        self._pending.clear()
        if self._current is not None:
            self._current.cancel.set()

    @property
    def running(self) -> bool:
        """A sync is running or queued."""
        return self._current is not None or bool(self._pending)

    # -- the timer -----------------------------------------------------------------------------

    def set_interval(self, minutes: int) -> None:
        """Check for due feeds every ``minutes``; 0 turns the timer off."""
        if not 0 <= minutes <= _MAX_INTERVAL_MINUTES:
            raise ValueError(
                f"the check interval must be 0 (off) to {_MAX_INTERVAL_MINUTES} minutes, "
                f"not {minutes}"
            )
        self._set_interval_ms(minutes * 60_000)

    def _set_interval_ms(self, ms: int) -> None:
        """The timer in milliseconds (tests use short ones); 0 turns it off."""
        if ms <= 0 or self._closed:
            self._timer.stop()
        else:
            self._timer.start(ms)

    # -- closing -------------------------------------------------------------------------------

    def shutdown(self, timeout: float) -> bool:
        """Cancel, drop the queue and wait up to ``timeout`` seconds for the thread to end.

        For closing the window. Returns whether the thread ended. It normally does within a
        fraction of a second: the engine sees the cancel within 0.2 s, abandons downloads in
        flight instead of waiting for them, then closes its parser processes. If it does not
        (a write still queued behind a long one), this returns after ``timeout`` anyway and the
        thread finishes on its own: it is a daemon, every feed's write is one transaction on
        the database's writer thread (which ``Library.close`` waits for), and nothing is
        emitted any more.

        Downloads the engine abandoned go on in its fetch threads until they end, at the
        request timeout at the latest. Nothing waits for them while the window runs, but the
        interpreter joins those threads on exit, so the process can outlive its closed window
        by up to ``SyncOptions.request_timeout_seconds`` (the written feeds are committed).
        """
        if not self._closed:
            self._closed = True
            self._timer.stop()
            self.cancel()
            # The controller lets go of the sync: it reports nothing more, runs nothing more.
            self._current = None
            if self._thread is not None:
                self._jobs.put(None)
        if self._thread is None:
            return True
        self._thread.join(max(0.0, timeout))
        return not self._thread.is_alive()

    # -- internals (GUI thread) ----------------------------------------------------------------

    def _request(self, selection: SyncSelection) -> None:
        if self._closed:
            return
        if self._current is None:
            self._start(selection)
        else:
            self._enqueue(selection)
        self._announce_running()

    def _enqueue(self, selection: SyncSelection) -> None:
        kind = _kind(selection)
        assert self._current is not None
        busy_kinds = {_kind(self._current.selection), *(_kind(s) for s in self._pending)}
        if kind == "all" and "all" in busy_kinds:
            log.debug("refresh of all feeds ignored: one is running or queued")
            return
        if kind == "due" and busy_kinds & {"all", "due"}:
            log.debug("refresh of due feeds ignored: a sync of all feeds is running or queued")
            return
        if kind == "all":
            self._pending = [s for s in self._pending if _kind(s) != "due"]
        for i, queued in enumerate(self._pending):
            if _kind(queued) == kind:
                self._pending[i] = SyncSelection(
                    feed_ids=queued.feed_ids | selection.feed_ids,
                    tags=queued.tags | selection.tags,
                    force=queued.force or selection.force,
                )
                return
        self._pending.append(selection)

    def _start(self, selection: SyncSelection) -> None:
        try:
            options = self._options_provider()
        except Exception as exc:  # noqa: BLE001 - a bug in the settings: the window shows it
            self._pending.clear()
            self.failed.emit(exc)
            return
        self._serial += 1
        job = _Job(self._serial, selection, options, threading.Event())
        self._current = job
        self._started_sent = False
        if self._thread is None:
            self._thread = threading.Thread(
                target=_serve,
                args=(self._runner, self._jobs, self._inbox, self._relay),
                name="sync-controller",
                # Never keeps the process alive after the window closed; see shutdown().
                daemon=True,
            )
            self._thread.start()
        self._jobs.put(job)

    def _announce_running(self) -> None:
        running = self.running
        if running != self._was_running and not self._closed:
            self._was_running = running
            self.running_changed.emit(running)

    def _deliver(self, items: list[SyncProgress]) -> bool:
        """Emit what landed; False when a slot shut the controller down meanwhile."""
        if not items:
            return not self._closed
        if not self._started_sent:
            self._started_sent = True
            self.started.emit(items[0].total)
        for item in items:
            if self._closed:
                return False
            self.progress.emit(item)
        if not self._closed:
            self.progress_batch.emit(items)
        return not self._closed

    @Slot()
    def _on_wake(self) -> None:
        if self._closed or self._current is None:
            return
        self._deliver(self._inbox.take())

    @Slot(int, object, object)
    def _on_ended(
        self, serial: int, report: SyncReport | None, error: BaseException | None
    ) -> None:
        if self._closed or self._current is None or serial != self._current.serial:
            return
        if not self._deliver(self._inbox.take()):
            return
        if not self._started_sent:
            self._started_sent = True
            self.started.emit(report.total if report is not None else 0)
        self._current = None
        if error is not None:
            # The next queued sync would meet the same disk or the same bug: drop it.
            self._pending.clear()
            if isinstance(error, (ReaderAppError, OSError)):
                log.warning("sync failed: %s", error)
            self.failed.emit(error)
        else:
            assert report is not None
            self.finished.emit(report)
        while self._current is None and self._pending and not self._closed:
            self._start(self._pending.pop(0))
        self._announce_running()

    # Text for the status bar (plain text: titles come from feeds).

    @staticmethod
    def status_text(progress: SyncProgress) -> str:
        return status_text(progress)

    @staticmethod
    def summary_text(report: SyncReport) -> str:
        return summary_text(report)
