"""Backups, restore and the integrity check of a library file (plain sqlite3, no ORM).

Backups are ``VACUUM INTO`` copies: consistent even while another connection writes (they read
one snapshot, WAL included) and compact. The rolling backups in the backup folder are named
``<stem>-<label>-<UTC stamp><suffix>`` (``library-daily-20261123T120000000000Z.sqlite3``,
``library-before-0003-...``); only files named that way are ever counted or deleted, so a user's
own files in that folder are safe.

A file being replaced is never deleted: it is renamed ``<name>.replaced-<stamp>`` (its ``-wal``
and ``-shm`` follow as ``<name>.replaced-<stamp>-wal``, so SQLite still opens the pair).
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from reader_app.errors import StorageError

log = logging.getLogger(__name__)

KEEP = 5
DAILY_LABEL = "daily"
DAILY_EVERY = timedelta(days=1)
_STAMP_FORMAT = "%Y%m%dT%H%M%S%fZ"
_NAME = re.compile(
    r"^(?P<stem>.+)-(?P<label>daily|before-[A-Za-z0-9_]+)-(?P<stamp>\d{8}T\d{12}Z)(?P<suffix>\.[A-Za-z0-9]+)?$"
)
_SIDE_FILES = ("-wal", "-shm")
# How many problems quick_check reports at most; the first few are enough to name the damage.
_MAX_PROBLEMS = 20


@dataclass(frozen=True, slots=True)
class Backup:
    """One rolling backup found in the backup folder."""

    path: Path
    label: str  # "daily" or "before-<schema revision>"
    made_at: datetime  # from the name, UTC


def stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime(_STAMP_FORMAT)


def backup_name(db_path: Path, label: str, now: datetime) -> str:
    return f"{db_path.stem}-{label}-{stamp(now)}{db_path.suffix}"


def _parse(path: Path) -> Backup | None:
    match = _NAME.match(path.name)
    if match is None:
        return None
    made_at = datetime.strptime(match["stamp"], _STAMP_FORMAT).replace(tzinfo=UTC)
    return Backup(path=path, label=match["label"], made_at=made_at)


def list_backups(backup_dir: Path, *, db_path: Path | None = None) -> list[Backup]:
    """Our rolling backups in ``backup_dir``, newest first (one directory listing).

    With ``db_path``, only the backups of that library (by its file name).
    """
    try:
        names = os.listdir(backup_dir)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise StorageError(f"cannot list the backups in {backup_dir}: {exc.strerror}") from None
    found = []
    for name in names:
        backup = _parse(backup_dir / name)
        if backup is None:
            continue
        if db_path is not None and not name.startswith(f"{db_path.stem}-{backup.label}-"):
            continue
        if db_path is not None and not name.endswith(db_path.suffix):
            continue
        found.append(backup)
    found.sort(key=lambda b: (b.made_at, b.path.name), reverse=True)
    return found


def make_backup(db_path: Path, target: Path) -> Path:
    """Write a consistent copy of ``db_path`` (live, WAL or not) to ``target``.

    Refuses an existing target. The copy is written under a temporary name next to the target
    and renamed when complete, so a failed backup never leaves a half file behind.
    """
    if not db_path.is_file():
        raise StorageError(f"cannot back up {db_path}: there is no such file")
    if target.exists():
        raise StorageError(f"{target} already exists; choose a new file name for the backup")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create {target.parent}: {exc.strerror or exc}") from None
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    try:
        source = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            source.execute("PRAGMA busy_timeout = 10000")
            source.execute("VACUUM INTO ?", (str(partial),))
        finally:
            source.close()
        if target.exists():  # appeared while we copied: keep theirs
            raise StorageError(f"{target} already exists; choose a new file name for the backup")
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as exc:
        raise StorageError(f"cannot back up {db_path} to {target}: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return target


def prune_backups(db_path: Path, backup_dir: Path, *, keep: int = KEEP) -> list[Path]:
    """Delete this library's rolling backups beyond the newest ``keep``; returns the deleted."""
    deleted = []
    for old in list_backups(backup_dir, db_path=db_path)[keep:]:
        try:
            old.path.unlink()
        except OSError as exc:
            log.warning("cannot delete the old backup %s: %s", old.path, exc)
            continue
        deleted.append(old.path)
    return deleted


def labelled_backup(db_path: Path, backup_dir: Path, label: str, now: datetime) -> Path:
    """A rolling backup named with ``label``, then the oldest beyond ``KEEP`` are deleted."""
    made = make_backup(db_path, backup_dir / backup_name(db_path, label, now))
    prune_backups(db_path, backup_dir)
    return made


def rolling_backup(db_path: Path, backup_dir: Path, now: datetime) -> Path | None:
    """The daily backup: made when the newest backup is a day old or more; None when not due.

    Not due costs one directory listing. A library file that does not exist yet needs none.
    """
    newest = list_backups(backup_dir, db_path=db_path)
    if newest and now - newest[0].made_at < DAILY_EVERY:
        return None
    if not db_path.is_file() or db_path.stat().st_size == 0:
        return None
    made = labelled_backup(db_path, backup_dir, DAILY_LABEL, now)
    log.info("daily backup of %s: %s", db_path, made)
    return made


def check_integrity(db_path: Path) -> list[str]:
    """``PRAGMA quick_check`` on ``db_path``, read-only: the problems found, [] when fine.

    A file that is not SQLite is a problem reported, not raised; a file that cannot be opened
    or is locked raises StorageError, as that is no sign of damage.
    """
    try:
        conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open {db_path} to check it: {exc}") from None
    try:
        conn.execute("PRAGMA busy_timeout = 10000")
        rows = conn.execute(f"PRAGMA quick_check({_MAX_PROBLEMS})").fetchall()
    except sqlite3.OperationalError as exc:
        if _is_environment(exc):  # a locked file or a folder we may not use: not damage
            raise StorageError(f"cannot check {db_path}: {exc}") from None
        return [str(exc)]
    except sqlite3.Error as exc:
        return [str(exc)]
    finally:
        conn.close()
    problems = [str(row[0]) for row in rows]
    return [] if problems == ["ok"] else problems


def start_integrity_check(db_path: Path) -> Future[list[str]] | None:
    """``check_integrity`` started now on a thread, for a library opened a little later: the
    check (0.2 s at 200,000 articles) reads the file in SQLite's C code without the
    interpreter's lock, so the window's start-up imports run beside it instead of after
    it. None when there is no library yet (nothing to check). Give the result to
    ``Library.open`` as ``checked``."""
    if not db_path.exists() or db_path.stat().st_size == 0:
        return None
    result: Future[list[str]] = Future()

    def run() -> None:
        try:
            result.set_result(check_integrity(db_path))
        except BaseException as exc:  # noqa: BLE001 - raised again where the result is read
            result.set_exception(exc)

    threading.Thread(target=run, name="integrity-check", daemon=True).start()
    return result


def _is_environment(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return any(word in text for word in ("unable to open", "locked", "busy", "readonly"))


def _is_library(path: Path) -> bool:
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        return (
            conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
            ).fetchone()
            is not None
            and conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'entries'").fetchone()
            is not None
        )
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def ensure_not_in_use(db_path: Path) -> None:
    """Raise StorageError when another connection (a running window) has ``db_path`` open.

    Best effort: an exclusive lock is refused while any other connection holds the file open
    in WAL mode, which the window always does. (When nothing else has it open, closing this
    probe checkpoints the file's WAL into it, as any open would: the data is kept.)
    """
    if not db_path.exists():
        return
    try:
        conn = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    except sqlite3.Error:
        return  # unreadable: nothing can be using it as a library either
    try:
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc).lower() or "busy" in str(exc).lower():
            raise StorageError(
                f"{db_path} is in use (is the reader_app window open?); close it and try again"
            ) from None
    except sqlite3.DatabaseError:
        pass  # damaged: that is what a restore is for
    finally:
        conn.close()


def move_aside(db_path: Path, now: datetime) -> list[Path]:
    """Rename ``db_path`` and its -wal/-shm to ``<name>.replaced-<stamp>``; returns where."""
    aside = db_path.with_name(f"{db_path.name}.replaced-{stamp(now)}")
    moved = []
    for suffix in ("", *_SIDE_FILES):
        source = db_path.with_name(db_path.name + suffix)
        if not source.exists():
            continue
        target = aside.with_name(aside.name + suffix)
        try:
            os.replace(source, target)
        except OSError as exc:
            raise StorageError(f"cannot move {source} aside: {exc.strerror or exc}") from None
        moved.append(target)
    return moved


def restore_backup(backup: Path, db_path: Path, *, now: datetime | None = None) -> list[Path]:
    """Put ``backup`` in place of ``db_path``; returns the files moved aside (never deleted).

    The backup must be an undamaged reader_app library. Nothing must have ``db_path`` open.
    """
    now = now or datetime.now(UTC)
    if not backup.is_file():
        raise StorageError(f"cannot restore {backup}: there is no such file")
    if backup.resolve() == db_path.resolve():
        raise StorageError(f"{backup} is the library itself; choose a backup to restore")
    problems = check_integrity(backup)
    if problems:
        raise StorageError(f"{backup} is damaged ({problems[0]}); choose another backup")
    if not _is_library(backup):
        raise StorageError(f"{backup} is not a reader_app library; choose another backup")
    ensure_not_in_use(db_path)
    moved = move_aside(db_path, now)
    try:
        make_backup(backup, db_path)
    except StorageError:
        # Put the old file back rather than leave no library at all.
        for path in moved:
            original = db_path.with_name(path.name.replace(f".replaced-{stamp(now)}", ""))
            os.replace(path, original)
        raise
    log.info("restored %s from %s; moved aside: %s", db_path, backup, moved)
    return moved


def latest_good_backup(db_path: Path, backup_dir: Path) -> Backup | None:
    """The newest of this library's rolling backups that passes the integrity check."""
    for backup in list_backups(backup_dir, db_path=db_path):
        if not check_integrity(backup.path) and _is_library(backup.path):
            return backup
    return None


# Recovery: what can still be read from a damaged library, copied into a new one.

# In this order, so a row's feed (and tag) is copied before the rows that point to it. Saved
# searches come last: their matches are found again in the recovered articles.
_RECOVERED_TABLES = (
    "feeds",
    "tags",
    "feed_tags",
    "entries",
    "removed_entries",
    "saved_searches",
)
# Counters kept by triggers: rebuilt from the rows actually recovered, never copied.
_REBUILT_COLUMNS = {"feeds": {"unread_count"}, "saved_searches": {"unread_count"}}
# Rows whose parent did not survive are left out (the new library keeps its foreign keys).
_PARENTS = {
    "feed_tags": (("feed_id", "feeds"), ("tag_id", "tags")),
    "entries": (("feed_id", "feeds"),),
    "removed_entries": (("feed_id", "feeds"),),
}
_READ_BATCH = 500


@dataclass(frozen=True, slots=True)
class RecoveryReport:
    """What ``recover`` copied, per table, and how many stretches of rows it could not read."""

    target: Path
    copied: dict[str, int]
    unreadable: dict[str, int]


def _readable_rows(
    source: sqlite3.Connection, table: str, columns: list[str]
) -> tuple[list[tuple[object, ...]], int]:
    """Every row of ``table`` that can be read, by rowid, stepping over damaged stretches.

    A batch that fails is read again one row at a time up to the damage; a row that cannot be
    read is skipped by a growing step (1, 2, 4... rowids) until reading works again, so a
    damaged page costs a few dozen failed reads at most rather than one per row.
    """
    listed = ", ".join(f'"{c}"' for c in columns)
    # Names from our own schema (PRAGMA table_info of a fresh library), never from input.
    sql = f'SELECT rowid, {listed} FROM "{table}" WHERE rowid > ? ORDER BY rowid LIMIT ?'  # noqa: S608
    rows: list[tuple[object, ...]] = []
    failures = 0
    last, step, limit = -(2**63), 1, _READ_BATCH
    while last < 2**62:
        try:
            batch = source.execute(sql, (last, limit)).fetchall()
        except sqlite3.DatabaseError:
            if limit > 1:  # the rows before the damage in this batch: one at a time
                limit = 1
                continue
            failures += 1
            last = max(last, -1) + step
            step *= 2
            continue
        if not batch:
            break
        rows.extend(tuple(row[1:]) for row in batch)
        last = int(batch[-1][0])
        step, limit = 1, _READ_BATCH
    return rows, failures


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [str(row[1]) for row in conn.execute(f'PRAGMA table_info("{table}")')]


def _copy_table(
    connection: Any,
    source: sqlite3.Connection,
    table: str,
    columns: list[str],
    kept: dict[str, set[object]],
) -> tuple[int, int]:
    """Copy ``table``'s readable rows whose parents were kept; (rows copied, failed reads)."""
    rows, failures = _readable_rows(source, table, columns)
    for column, parent in _PARENTS.get(table, ()):
        at = columns.index(column)
        rows = [row for row in rows if row[at] in kept[parent]]
    if "id" in columns:
        kept[table] = {row[columns.index("id")] for row in rows}
    listed = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    insert = f'INSERT OR IGNORE INTO "{table}" ({listed}) VALUES ({marks})'  # noqa: S608 - our names
    for start in range(0, len(rows), _READ_BATCH):
        connection.exec_driver_sql(insert, rows[start : start + _READ_BATCH])
    return len(rows), failures


def _copy_tables(
    session: Any,
    source: sqlite3.Connection,
    wanted: dict[str, list[str]],
    copied: dict[str, int],
    unreadable: dict[str, int],
) -> None:
    """In the new library's one write transaction: copy, then rebuild counts and the index."""
    from reader_app.storage import saved_searches, search

    connection = session.connection()
    kept: dict[str, set[object]] = {}
    for table in _RECOVERED_TABLES:
        try:
            have = set(_columns(source, table))
        except sqlite3.DatabaseError:
            have = set()
        rebuilt = _REBUILT_COLUMNS.get(table, set())
        columns = [c for c in wanted[table] if c in have and c not in rebuilt]
        if not columns or ("id" not in columns and table in ("feeds", "tags", "entries")):
            copied[table], unreadable[table] = 0, 1
            kept[table] = set()
            continue
        copied[table], unreadable[table] = _copy_table(connection, source, table, columns, kept)
    connection.exec_driver_sql(
        "UPDATE feeds SET unread_count = "
        "(SELECT count(*) FROM entries WHERE feed_id = feeds.id AND NOT read)"
    )
    ids = [row[0] for row in connection.exec_driver_sql("SELECT id FROM entries")]
    search.index_entries(connection, ids)
    saved_searches.match_all_again(session, datetime.now().astimezone().date())


def recover(damaged: Path, target: Path) -> RecoveryReport:
    """Copy every readable feed, tag and article of ``damaged`` into a new library ``target``.

    ``damaged`` is only read. The new library is complete in itself (unread counts and the
    search index are rebuilt); ``restore_backup`` can then put it in place.
    """
    from reader_app.storage.engine import Database

    if target.exists():
        raise StorageError(f"{target} already exists; choose a new file for the recovered library")
    try:
        # Read on the new library's writer thread, inside its transaction.
        source = sqlite3.connect(
            f"{damaged.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise StorageError(f"cannot read {damaged}: {exc}") from None
    copied: dict[str, int] = {}
    unreadable: dict[str, int] = {}
    try:
        with Database(target, backup_dir=target.parent / "backups", check=False) as db:
            fresh = sqlite3.connect(target)
            try:
                wanted = {table: _columns(fresh, table) for table in _RECOVERED_TABLES}
            finally:
                fresh.close()

            db.write_sync(lambda session: _copy_tables(session, source, wanted, copied, unreadable))
    except BaseException:
        # A half-recovered library must not pass for a good one.
        for suffix in ("", *_SIDE_FILES):
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        raise
    finally:
        source.close()
    log.info(
        "recovered %s into %s: %s (unreadable stretches: %s)", damaged, target, copied, unreadable
    )
    return RecoveryReport(target=target, copied=copied, unreadable=unreadable)
