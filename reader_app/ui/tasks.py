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
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)

T = TypeVar("T")


_Callbacks = tuple[Callable[[Any], None] | None, Callable[[BaseException], None] | None]


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
        # Each task's callbacks, held here on the GUI thread only (see ``run``).
        self._pending: dict[Future[Any], _Callbacks] = {}
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
        # The worker lets go of ``fn`` before the task completes, and the callbacks never
        # reach it: whatever they refer to (a dialog, a widget) is released on this thread.
        # Released on a worker, the last reference to a widget without a parent destroys it
        # there, and Qt (a style animation of a radio button) crashed the window later.
        future = self._pool.submit(_call_once, [fn])
        self._pending[future] = (on_done, on_error)
        # The done callback holds neither the future (a reference cycle would keep a result
        # of 200,000 ids until a full garbage collection, which then stalls the window) nor
        # the callbacks.
        future.add_done_callback(self._finished.emit)
        return future

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    @Slot(object)
    def _deliver(self, future: Future[Any]) -> None:
        on_done, on_error = self._pending.pop(future, (None, None))
        if self._closed or future.cancelled():
            return
        exc = future.exception()
        if exc is None:
            if on_done is not None:
                on_done(future.result())
        elif on_error is not None:
            on_error(exc)
        else:
            log.error("background task failed", exc_info=exc)
            self.unhandled.emit(exc)

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop taking work; callbacks of unfinished tasks will not run."""
        self._closed = True
        self._pool.shutdown(wait=wait, cancel_futures=True)


def _call_once(box: list[Callable[[], T]]) -> T:
    """Call the one callable in ``box``, taking it out first: once the call returns, the
    worker holds no reference to it (nor, through it, to what it refers to)."""
    fn = box.pop()
    try:
        return fn()
    finally:
        del fn
