"""A sync in a child process: the window's process keeps its GIL to itself.

The sync engine is Python through and through (HTTP, decisions, SQLAlchemy writes). Run on
threads inside the window's process, its threads and the GUI thread take turns on one GIL,
and every time the window paints or reads it may wait a switch interval for it: the event
loop stalled for 100 ms and more during a 1000-feed sync (tests/benchmarks/bench_gui_stall.py).
In a child process the sync has its own interpreter; the window only receives the small
``SyncProgress`` values over a pipe, as they are written.

The child opens the same library file. SQLite serialises the two processes' writes (WAL,
``BEGIN IMMEDIATE``, a busy timeout); each of the child's transactions is one batch of feeds,
so a mark-read from the window waits at most for one batch. A cancel reaches the engine
between feeds; a child that does not end in time is terminated, which SQLite survives by
design: an unfinished transaction is rolled back, everything committed stays.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event as ProcessEvent
from pathlib import Path

from reader_app.domain.retention import PruneReport, RetentionPolicy
from reader_app.domain.sync import SyncOptions, SyncProgress, SyncReport, SyncSelection
from reader_app.errors import ReaderAppError, StorageError, UpdateError
from reader_app.library import Library

log = logging.getLogger(__name__)

# How long a cancelled child may take to finish its current batch before it is terminated.
STOP_GRACE_SECONDS = 5.0

# The child's nice value above the window's: on a busy machine (two cores, the sync's parser
# processes on both) the scheduler gives the window's painting about nine tenths of a core it
# shares with the sync, so a refresh slows the sync a little instead of stalling the window.
BACKGROUND_NICENESS = 10


@dataclass(frozen=True, slots=True)
class _Job:
    database: str
    selection: SyncSelection
    options: SyncOptions
    log_file: str  # "" for none
    retention: RetentionPolicy | None  # pruned after a sync that was not cancelled


@dataclass(frozen=True, slots=True)
class _Done:
    report: SyncReport


@dataclass(frozen=True, slots=True)
class _Failed:
    environment: bool  # a ReaderAppError (disk full, database locked...), else a bug
    message: str
    details: str


class SyncProcessError(UpdateError):
    """The sync process failed in a way that is not a stored feed error."""


def update_in_child(
    database: Path,
    selection: SyncSelection,
    *,
    options: SyncOptions,
    on_progress: Callable[[SyncProgress], None] | None = None,
    cancel: threading.Event | None = None,
    log_file: Path | None = None,
    retention: RetentionPolicy | None = None,
    on_pruned: Callable[[PruneReport], None] | None = None,
) -> SyncReport:
    """``Library.update_feeds`` for the library at ``database``, run in a child process.

    Blocks the calling thread (mostly waiting on the pipe, without the GIL) and calls
    ``on_progress`` on it for each feed written. Raises StorageError for an environment
    problem in the child and SyncProcessError for anything else, with the child's traceback
    logged here.

    With ``retention``, the child prunes after a sync that was not cancelled (while the
    library is open there anyway) and ``on_pruned`` receives what it deleted, before the
    report; a failed prune is logged and leaves the sync's result alone.
    """
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_child,
        args=(
            _Job(str(database), selection, options, str(log_file or ""), retention),
            stop,
            sender,
        ),
        name="reader-app-sync",
    )
    process.start()
    sender.close()  # the child holds the only sending end: EOF means it is gone
    try:
        while True:
            if cancel is not None and cancel.is_set():
                stop.set()
            if not receiver.poll(0.1):
                continue
            try:
                message = receiver.recv()
            except EOFError:
                process.join(1.0)
                raise SyncProcessError(
                    f"the sync process ended unexpectedly (exit code {process.exitcode})"
                ) from None
            if isinstance(message, SyncProgress):
                if on_progress is not None:
                    on_progress(message)
            elif isinstance(message, PruneReport) and on_pruned is not None:
                on_pruned(message)
            elif isinstance(message, _Done):
                return message.report
            elif isinstance(message, _Failed):
                log.error("the sync process failed:\n%s", message.details)
                if message.environment:
                    raise StorageError(message.message)
                raise SyncProcessError(f"the sync process failed: {message.message}")
    finally:
        stop.set()
        process.join(STOP_GRACE_SECONDS)
        if process.is_alive():
            log.warning("the sync process did not stop in time; terminating it")
            process.terminate()
            process.join()
        receiver.close()


def lower_priority(niceness: int = BACKGROUND_NICENESS) -> int:
    """Make this process (and the parser processes it starts, which inherit it) yield the
    CPU to the window; returns the new nice value (unchanged where the OS has none)."""
    if not hasattr(os, "nice"):  # Windows: the sync still works, at normal priority
        return 0
    try:
        return os.nice(niceness)
    except OSError as exc:  # a sandbox may refuse; the sync still works
        log.info("could not lower the sync process's priority: %s", exc)
        return os.nice(0)


def _prune(library: Library, policy: RetentionPolicy, conn: Connection) -> None:
    # The articles are stored; a prune that fails (disk full, a locked file) must not turn
    # the sync into a failure. The next sync tries again.
    try:
        conn.send(library.prune(policy))
    except ReaderAppError as exc:
        log.warning("no pruning after the sync: %s", exc)


def _child(job: _Job, stop: ProcessEvent, conn: Connection) -> None:
    """The child process: one sync, its progress sent as it goes, then the report."""
    lower_priority()
    # Ctrl+C in a terminal reaches the whole process group: the parent decides, the child
    # stops when told to (or is terminated).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if job.log_file:
        handler = logging.FileHandler(job.log_file, encoding="utf-8")
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s sync-process %(name)s: %(message)s")
        )
        logging.getLogger().addHandler(handler)
        logging.getLogger().setLevel(logging.INFO)
    cancel = threading.Event()

    def relay_stop() -> None:
        # Polled, never waited on: a process that ends inside Event.wait() leaves the event's
        # condition expecting a sleeper to wake, and the parent's set() would hang for ever.
        while not stop.is_set():
            time.sleep(0.1)
        cancel.set()

    threading.Thread(target=relay_stop, daemon=True).start()
    try:
        with Library.open(Path(job.database)) as library:
            report = library.update_feeds(
                job.selection, options=job.options, on_progress=conn.send, cancel=cancel
            )
            if job.retention is not None and job.retention.active and not report.cancelled:
                _prune(library, job.retention, conn)
        conn.send(_Done(report))
    except ReaderAppError as exc:
        conn.send(_Failed(True, str(exc), traceback.format_exc()))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which shows it
        conn.send(_Failed(False, f"{type(exc).__name__}: {exc}", traceback.format_exc()))
    finally:
        conn.close()
