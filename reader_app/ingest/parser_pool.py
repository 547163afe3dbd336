"""Parsing in worker processes that can be stopped.

feedparser has quadratic paths on hostile input (100,000 attributes on one element take minutes
for a 1 MB document, so do 20,000 namespaces), and a thread that is stuck in one cannot be
stopped. So :class:`ParserPool` runs :func:`parse_document` in long-lived worker processes: a
parse that takes longer than the time limit gets its process killed and replaced, and each
process has an address-space limit (``RLIMIT_AS``) so that one document cannot take the machine's
memory.

Workers are started with ``spawn``, never ``fork``: the GUI process runs Qt threads, and a
forked child of a threaded process may inherit locks held by threads that do not exist in it.
A spawned worker imports feedparser once (about 100-300 ms) and then serves many documents.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnContext, SpawnProcess
from types import TracebackType
from typing import Any, Final

from reader_app.errors import ParseError
from reader_app.ingest.parse import parse_changed
from reader_app.ingest.types import ParsedFeed

__all__ = ["ParserPool"]

# How long a fresh worker may take to import its modules and say it is ready. Not part of the
# parse time limit: on a loaded machine (a sync just started 20 fetch threads) the imports alone
# can take seconds, and that is no fault of the document.
_START_TIMEOUT: Final = 60.0
# How long close() waits for an idle worker to exit by itself before killing it.
_STOP_TIMEOUT: Final = 2.0

_MEMORY_MESSAGE: Final = "parsing ran out of memory (limit {limit} MB)"

# Messages between the pool and a worker (tuples, pickled by Connection.send):
#   worker -> pool   ("ready",) once after start-up
#   pool -> worker   (url, headers) followed by the body as raw bytes (send_bytes, no pickling)
#   worker -> pool   ("ok", ParsedFeed) | ("error", message) | ("memory",)
# A worker exits when its connection is closed, and after reporting "memory" (its heap may be
# in a state no one wants to parse the next feed in).


class ParserPool:
    """Parses documents in ``workers`` processes with a time and a memory limit per document.

    Thread-safe: any number of threads may call :meth:`parse` at once; up to ``workers`` parse
    in parallel and the others wait for a free worker. Workers start on first use and a lost one
    (timed out, out of memory, crashed) is replaced at once. Use as a context manager, or call
    :meth:`close`, so that no worker process outlives the pool.
    """

    def __init__(
        self, workers: int = 2, *, timeout: float = 10.0, memory_limit_mb: int = 512
    ) -> None:
        if workers < 1:
            raise ValueError(f"a parser pool needs at least one worker, not {workers}")
        if not timeout > 0:
            raise ValueError(f"the parse time limit must be positive, not {timeout}")
        if memory_limit_mb < 1:
            raise ValueError(f"the memory limit must be positive, not {memory_limit_mb} MB")
        self._timeout = timeout
        self._memory_limit_mb = memory_limit_mb
        self._context = multiprocessing.get_context("spawn")
        # A permit per worker: whoever holds one may use (or start) one worker.
        self._slots = threading.BoundedSemaphore(workers)
        self._lock = threading.Lock()  # guards everything below
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._closed = False

    @property
    def timeout(self) -> float:
        return self._timeout

    @property
    def memory_limit_mb(self) -> int:
        return self._memory_limit_mb

    def parse(
        self,
        body: bytes,
        *,
        url: str,
        headers: Mapping[str, str] | None = None,
        known_items: AbstractSet[str] = frozenset(),
    ) -> ParsedFeed:
        """:func:`parse_changed` in a worker; blocks until a worker is free and has answered.

        Items whose raw hash is in ``known_items`` are not parsed (see ``parse_changed``).

        Raises ``ParseError`` for a document that is not a usable feed, that took longer than
        the time limit, or that needed more memory than the limit; ``RuntimeError`` when the
        pool is closed.
        """
        self._check_open()
        with self._slots:
            worker = self._take_worker()
            try:
                feed = self._run(
                    worker, body, url, dict(headers) if headers else None, frozenset(known_items)
                )
            except ParseError:
                # After a "not a feed" answer the worker is fine; after a timeout or a death
                # it is gone and needs a successor.
                if worker.usable:
                    self._give_back(worker)
                else:
                    self._replace(worker)
                raise
            except BaseException:
                # Interrupted between request and answer (KeyboardInterrupt, a bug): its reply
                # may still be on the way and would reach the next caller. Start afresh.
                self._replace(worker)
                raise
            self._give_back(worker)
            return feed

    def close(self) -> None:
        """Stop every worker, busy ones too (their callers get ``ParseError``). Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            idle, self._idle = self._idle, []
            workers = list(self._all)
            self._all.clear()
        for worker in idle:
            worker.stop()
        for worker in workers:
            # Busy ones are killed: their parse may be the runaway that made us close.
            worker.kill()

    def __enter__(self) -> ParserPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the parser pool is closed")

    def _take_worker(self) -> _Worker:
        with self._lock:
            if self._closed:
                # Closed while this caller waited for a free worker: like a parse in flight.
                raise ParseError("parsing was stopped: the parser pool was closed")
            if self._idle:
                return self._idle.pop()
            # The caller holds a slot and no worker is idle, so fewer than `workers` exist.
            worker = _Worker.start(self._context, self._memory_limit_mb)
            self._all.add(worker)
            return worker

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            if not self._closed and worker.usable:
                self._idle.append(worker)
                return
        worker.kill()

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)
            if self._closed:
                return
            # Started now, so that its imports run while this caller reports the failure.
            fresh = _Worker.start(self._context, self._memory_limit_mb)
            self._all.add(fresh)
            self._idle.append(fresh)

    def _run(
        self,
        worker: _Worker,
        body: bytes,
        url: str,
        headers: dict[str, str] | None,
        known_items: frozenset[str],
    ) -> ParsedFeed:
        if not worker.ready:
            worker.wait_ready(_START_TIMEOUT, self._closing_error)
        try:
            worker.conn.send((url, headers, known_items))
            worker.conn.send_bytes(body)
        except (OSError, EOFError, ValueError):
            # The process died while idle (killed from outside, or close() ran), or it could not
            # hold the body: then it said so before exiting, and that answer is read below.
            if not _has_answer(worker.conn):
                raise self._death_error(worker) from None
        else:
            # The clock starts when the body is handed over: a big body's transfer is not
            # parsing.
            if not _has_answer(worker.conn, self._timeout):
                worker.kill()
                raise ParseError(
                    f"parsing took longer than {self._timeout:g} s; "
                    "the feed is too complex or hostile"
                )
        try:
            reply: tuple[Any, ...] = worker.conn.recv()
        except (OSError, EOFError, ValueError):
            raise self._death_error(worker) from None
        kind = reply[0]
        if kind == "ok" and isinstance(reply[1], ParsedFeed):
            return reply[1]
        if kind == "error":
            raise ParseError(str(reply[1]))
        if kind == "memory":
            worker.kill()  # it exits by itself; make sure, and reap it
            raise ParseError(_MEMORY_MESSAGE.format(limit=self._memory_limit_mb))
        worker.kill()
        raise ParseError(f"the parser process answered nonsense ({kind!r})")

    def _closing_error(self) -> ParseError | None:
        return (
            ParseError("parsing was stopped: the parser pool was closed") if self._closed else None
        )

    def _death_error(self, worker: _Worker) -> ParseError:
        worker.kill()
        closing = self._closing_error()
        if closing is not None:
            return closing
        return ParseError(f"the parser process died ({_describe_exit(worker.exitcode)})")


class _Worker:
    """One worker process and the pool's end of its pipe. Used by one thread at a time."""

    def __init__(self, process: SpawnProcess, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.ready = False
        self._dead = False
        self._exitcode: int | None = None
        self._lock = threading.Lock()  # kill() may come from close() and the parsing thread

    @classmethod
    def start(cls, context: SpawnContext, memory_limit_mb: int) -> _Worker:
        parent_conn, child_conn = context.Pipe(duplex=True)
        process = context.Process(
            target=_worker_main,
            args=(child_conn, memory_limit_mb),
            name="reader-app-parser",
            # If the app exits without closing the pool, multiprocessing's exit handler still
            # terminates daemonic children instead of waiting for them.
            daemon=True,
        )
        process.start()
        # Only the child may hold this end: then its death shows here as end of file.
        child_conn.close()
        return cls(process, parent_conn)

    @property
    def usable(self) -> bool:
        return not self._dead and self.process.is_alive()

    @property
    def exitcode(self) -> int | None:
        return self._exitcode if self._dead else self.process.exitcode

    def wait_ready(self, timeout: float, closing: Callable[[], ParseError | None]) -> None:
        try:
            if self.conn.poll(timeout) and self.conn.recv() == ("ready",):
                self.ready = True
                return
        except (OSError, EOFError, ValueError):
            pass
        started = self.process.is_alive() if not self._dead else False
        self.kill()
        error = closing()
        if error is not None:
            raise error
        if started:
            raise ParseError(f"the parser process did not start within {timeout:g} s")
        raise ParseError(f"the parser process could not start ({_describe_exit(self.exitcode)})")

    def stop(self) -> None:
        """Let an idle worker exit by itself (it sees end of file), then make sure."""
        with self._lock:
            if not self._dead:
                self.conn.close()
                self.process.join(_STOP_TIMEOUT)
        self.kill()

    def kill(self) -> None:
        """Kill and reap the process; safe to call twice and from two threads."""
        with self._lock:
            if self._dead:
                return
            self._dead = True
            if self.process.is_alive():
                self.process.kill()
            self.process.join()
            self._exitcode = self.process.exitcode
            self.conn.close()
            self.process.close()  # releases its sentinel descriptor now, not at collection


def _has_answer(conn: Connection, timeout: float = 0.0) -> bool:
    """Whether something (an answer, or the end of file of a dead worker) can be read."""
    try:
        return conn.poll(timeout)
    except (OSError, EOFError, ValueError):
        return True  # close() closed the connection meanwhile; recv() reports it


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "exit code unknown"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"exit code {code}, killed by {name}"
    return f"exit code {code}"


# -- the worker process ------------------------------------------------------------------------


def _worker_main(conn: Connection, memory_limit_mb: int) -> None:
    """Serve parse requests until the pool closes the connection."""
    _limit_memory(memory_limit_mb * 1024 * 1024)
    # Ctrl+C in a terminal reaches the whole process group; stopping workers is the pool's job,
    # and a KeyboardInterrupt traceback from each of them would only bury the real message.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        conn.send(("ready",))
    except OSError:
        return  # the pool was closed while this worker was still importing
    while True:
        try:
            request = conn.recv()
            body = conn.recv_bytes()
        except (EOFError, OSError):
            return  # the pool closed: exit quietly
        except MemoryError:
            _report_memory(conn)
            return
        reply: tuple[Any, ...]
        try:
            url, headers, known_items = request
            reply = ("ok", parse_changed(body, url=url, headers=headers, known_items=known_items))
        except ParseError as exc:
            if _caused_by_memory(exc):
                del body
                _report_memory(conn)
                return
            reply = ("error", str(exc))
        except MemoryError:
            del body
            _report_memory(conn)
            return
        del body
        try:
            conn.send(reply)
        except MemoryError:
            # Pickling a huge result can be the allocation that fails.
            del reply
            _report_memory(conn)
            return
        except (OSError, EOFError):
            return


def _limit_memory(limit_bytes: int) -> None:
    if sys.platform == "win32":  # pragma: no cover - no RLIMIT_AS there; the time limit stays
        return
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit_bytes = min(limit_bytes, hard)  # an unprivileged process cannot raise its hard limit
    resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))


def _caused_by_memory(exc: BaseException) -> bool:
    # parse_document turns MemoryError into ParseError (its contract); the cause survives.
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, MemoryError):
            return True
        seen = seen.__cause__
    return False


def _report_memory(conn: Connection) -> None:
    # If even this fails, the pool sees the process die instead.
    with contextlib.suppress(OSError, EOFError, MemoryError):
        conn.send(("memory",))
