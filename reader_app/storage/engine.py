"""The database connection: SQLite PRAGMAs, read sessions, and the single writer thread.

Only the writer thread writes (DESIGN.md "Threads"): its transactions start with
``BEGIN IMMEDIATE`` so they never fail half-way on a lock upgrade, and reading connections are
``query_only`` so a write from any other thread fails loudly instead of racing.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.pool import ConnectionPoolEntry

from reader_app.errors import DatabaseDamagedError, StorageError
from reader_app.storage import migrate
from reader_app.storage.backup import check_integrity

log = logging.getLogger(__name__)

T = TypeVar("T")

BUSY_TIMEOUT_MS = 10_000


def _make_engine(path: Path, *, writer: bool) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False},
        pool_size=1 if writer else 4,
        max_overflow=0 if writer else 8,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        # Take transaction control from the driver so BEGIN is ours (SQLAlchemy's recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA temp_store = MEMORY")
            if not writer:
                cursor.execute("PRAGMA query_only = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

    return engine


def describe_db_error(exc: BaseException, path: Path) -> str:
    """A user-facing sentence for an SQLite failure: environment problems, named plainly."""
    original = exc.orig if isinstance(exc, DBAPIError) else exc
    text = str(original)
    lowered = text.lower()
    if "disk is full" in lowered or "database or disk is full" in lowered:
        return f"the disk holding {path} is full; free some space and try again"
    if "locked" in lowered or "busy" in lowered:
        return f"{path} is locked by another program; close it and try again"
    if "readonly" in lowered or "read-only" in lowered:
        return f"{path} cannot be written (read-only file or folder)"
    if "malformed" in lowered or "not a database" in lowered:
        return f"{path} is damaged: {text}"
    return f"database error in {path}: {text}"


def _analyze(execute: Callable[[str], object]) -> None:
    # Sampled: a few hundred rows per index is plenty to choose between our indexes.
    execute("PRAGMA analysis_limit = 400")
    execute("ANALYZE")


class Database:
    """An open library file: migrated on open, read from any thread, written by one."""

    def __init__(
        self,
        path: Path,
        *,
        backup_dir: Path | None = None,
        check: bool = True,
        checked: Future[list[str]] | None = None,
    ) -> None:
        """Open (creating or migrating) ``path``. With ``check``, a quick integrity check comes
        first (``PRAGMA quick_check``: about 0.2 s for a 200 MB, 200,000-article library);
        ``checked`` is that check already started (``backup.start_integrity_check``)."""
        self.path = path
        backup_dir = backup_dir if backup_dir is not None else path.parent / "backups"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create {path.parent}: {exc.strerror or exc}") from None
        self.backup_dir = backup_dir
        if check and path.exists() and path.stat().st_size > 0:
            # Before anything writes: a damaged file is refused as it is, never migrated,
            # switched to WAL or replaced by an empty library.
            problems = checked.result() if checked is not None else check_integrity(path)
            if problems:
                raise DatabaseDamagedError(path, problems)
        self.backup = migrate.upgrade(path, backup_dir=backup_dir)
        self._enable_wal()
        self._write_engine = _make_engine(path, writer=True)
        self._read_engine = _make_engine(path, writer=False)
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-writer")
        self._closed = False
        # Runs at the end of every write, in its transaction: work that must follow any
        # write whoever made it (saved searches' matches, see storage/saved_searches.py).
        self.before_commit: Callable[[Session], None] | None = None

    def _enable_wal(self) -> None:
        # journal_mode is persistent in the file; set once, outside any transaction.
        try:
            conn = sqlite3.connect(self.path)
            try:
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise StorageError(describe_db_error(exc, self.path)) from None
        if str(mode).lower() != "wal":
            log.warning("%s: could not switch to WAL (journal_mode=%s)", self.path, mode)
        self._analyze_if_never_analyzed()

    def _analyze_if_never_analyzed(self) -> None:
        """Gather planner statistics once for a file that has none (see ``analyze``)."""
        try:
            conn = sqlite3.connect(self.path)
            try:
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                # An empty table gets no row, so a library analyzed when new is again.
                has_stats = (
                    conn.execute(
                        "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
                    ).fetchone()
                    and conn.execute("SELECT 1 FROM sqlite_stat1 WHERE tbl = 'entries'").fetchone()
                )
                if not has_stats:
                    _analyze(conn.execute)
                    conn.commit()
            finally:
                conn.close()
        except sqlite3.Error as exc:
            # Only the speed of some queries depends on it; the library works without.
            log.warning("%s: could not gather query statistics: %s", self.path, exc)

    def analyze(self) -> Future[None]:
        """Refresh the query planner's statistics, on the writer (after a sync or an import).

        Without statistics SQLite guesses, and for "this feed's unread articles" it guessed
        the (read, sort_at) index and walked every unread article of the library: 300 ms at
        200,000 articles instead of 0.1 ms. A sampled ANALYZE costs about 2 ms.
        """
        return self.write(lambda session: _analyze(session.connection().exec_driver_sql))

    def read(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn`` in a short read transaction on the calling thread."""
        try:
            with Session(self._read_engine) as session, session.begin():
                return fn(session)
        except DBAPIError as exc:
            raise StorageError(describe_db_error(exc, self.path)) from exc

    def read_plain(self, fn: Callable[[Connection], T]) -> T:
        """Like ``read`` without an ORM session, for small hot queries (a third of the cost)."""
        try:
            with self._read_engine.connect() as connection, connection.begin():
                return fn(connection)
        except DBAPIError as exc:
            raise StorageError(describe_db_error(exc, self.path)) from exc

    def write(self, fn: Callable[[Session], T]) -> Future[T]:
        """Queue ``fn`` for the writer thread: one transaction, committed when it returns."""
        if self._closed:
            raise StorageError(f"{self.path} is closed")
        return self._writer.submit(self._run_write, fn)

    def write_sync(self, fn: Callable[[Session], T]) -> T:
        """``write`` and wait for the result (command line, tests)."""
        return self.write(fn).result()

    def _run_write(self, fn: Callable[[Session], T]) -> T:
        try:
            with Session(self._write_engine, expire_on_commit=False) as session:
                with session.begin():
                    result = fn(session)
                    if self.before_commit is not None:
                        self.before_commit(session)
                return result
        except DBAPIError as exc:
            raise StorageError(describe_db_error(exc, self.path)) from exc

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._writer.shutdown(wait=True)
        self._write_engine.dispose()
        self._read_engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
