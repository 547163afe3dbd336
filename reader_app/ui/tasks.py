"""The bridge from worker threads back to the GUI thread.

Blocking work (a library write waiting for the writer thread, discovery over the network,
reading an OPML file) runs on a small thread pool; its result or exception comes back to the
GUI thread through a queued Qt signal, where the caller's callback runs. Only plain Python
values travel: frozen dataclasses, ids, exceptions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Done:
    future: Future[Any]
    on_done: Callable[[Any], None] | None
    on_error: Callable[[BaseException], None] | None


class Tasks(QObject):
    """Runs callables off the GUI thread and calls back on it.

    ``unhandled`` is emitted with an exception that had no ``on_error``: the application
    shows it as a bug (a dialog and the log), so nothing fails silently.
    """

    unhandled = Signal(object)
    _finished = Signal(object)

    def __init__(self, parent: QObject | None = None, *, max_workers: int = 4) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="ui-task")
        self._pending: set[Future[Any]] = set()
        self._closed = False
        # Emitted from a worker thread; queued, so the slot runs on this object's thread.
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def run(
        self,
        fn: Callable[[], T],
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> Future[T]:
        """Call ``fn()`` on a worker; then ``on_done(result)`` or ``on_error(exc)`` here.

        After ``shutdown`` (the window is closing) nothing runs: the future comes back
        cancelled, as a timer firing late may still ask for work.
        """
        if self._closed:
            cancelled: Future[T] = Future()
            cancelled.cancel()
            return cancelled
        future = self._pool.submit(fn)
        self._pending.add(future)
        # The callback must not hold the future: a future that refers to itself through its
        # own callback is a reference cycle, and its result (an id list of 200,000 rows) would
        # wait for a full garbage collection, which then stalls the window freeing it.
        future.add_done_callback(partial(self._emit_finished, on_done, on_error))
        return future

    def _emit_finished(
        self,
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None,
        future: Future[Any],
    ) -> None:
        self._finished.emit(_Done(future, on_done, on_error))

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    @Slot(object)
    def _deliver(self, done: _Done) -> None:
        self._pending.discard(done.future)
        if self._closed or done.future.cancelled():
            return
        exc = done.future.exception()
        if exc is None:
            if done.on_done is not None:
                done.on_done(done.future.result())
        elif done.on_error is not None:
            done.on_error(exc)
        else:
            log.error("background task failed", exc_info=exc)
            self.unhandled.emit(exc)

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop taking work; callbacks of unfinished tasks will not run."""
        self._closed = True
        self._pool.shutdown(wait=wait, cancel_futures=True)
