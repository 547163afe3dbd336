"""Migrations on real files: empty to head, ORM agrees with migrations, backups, refusals."""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from reader_app.errors import SchemaTooNewError, StorageError
from reader_app.storage import Database
from reader_app.storage.migrate import head_revision
from reader_app.storage.orm import Base


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_empty_file_is_migrated_to_head(tmp_path: Path) -> None:
    path = tmp_path / "lib.sqlite3"
    Database(path).close()
    with closing(sqlite3.connect(path)) as conn:
        (version,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        triggers = {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
        }
        (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
    assert version == head_revision()
    assert {"feeds", "entries", "removed_entries", "tags", "feed_tags"} <= tables
    assert {"entries_unread_insert", "entries_unread_update", "entries_unread_delete"} <= triggers
    assert mode == "wal"


def test_schema_head_constant_is_alembics_head() -> None:
    """SCHEMA_HEAD lets an up-to-date library open without importing Alembic."""
    from reader_app.storage.migrate import SCHEMA_HEAD

    assert head_revision() == SCHEMA_HEAD


def _not_the_search_index(name: str | None, kind: str, _parents: object) -> bool:
    # Migration 0002 creates the search index (an FTS5 table and its shadow tables) in SQL;
    # the ORM does not describe it.
    return not (kind == "table" and name is not None and name.startswith("entries_search"))


def test_orm_metadata_agrees_with_migrations(tmp_path: Path) -> None:
    path = tmp_path / "lib.sqlite3"
    Database(path).close()
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": _not_the_search_index}
            )
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_connection_pragmas(tmp_path: Path) -> None:
    db = Database(tmp_path / "lib.sqlite3")
    try:

        def pragmas(session: object) -> dict[str, object]:
            from sqlalchemy import text
            from sqlalchemy.orm import Session

            assert isinstance(session, Session)
            return {
                name: session.execute(text(f"PRAGMA {name}")).scalar()
                for name in ("foreign_keys", "busy_timeout", "synchronous", "journal_mode")
            }

        for values in (db.read(pragmas), db.write_sync(pragmas)):
            assert values["foreign_keys"] == 1
            assert values["busy_timeout"] >= 1000  # type: ignore[operator]
            assert values["synchronous"] == 1  # NORMAL
            assert values["journal_mode"] == "wal"
    finally:
        db.close()


def test_reading_connections_cannot_write(tmp_path: Path) -> None:
    """Only the writer thread writes: a write through a read session fails loudly."""
    from sqlalchemy import text

    db = Database(tmp_path / "lib.sqlite3")
    try:
        with pytest.raises(StorageError):
            db.read(lambda s: s.execute(text("DELETE FROM feeds")))
    finally:
        db.close()


def _stamp_revision(path: Path, revision: str) -> None:
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))


def test_newer_schema_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "lib.sqlite3"
    Database(path).close()
    _stamp_revision(path, "9999_from_the_future")
    # Leave the file in rollback-journal mode so any write we did would show in its bytes.
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")
    before = _digest(path)
    listing = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(SchemaTooNewError) as info:
        Database(path)
    assert "newer version" in str(info.value)
    assert "9999_from_the_future" in str(info.value)
    assert _digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing  # no backup, no WAL file


def test_existing_file_is_backed_up_before_migration(tmp_path: Path) -> None:
    path = tmp_path / "lib.sqlite3"
    backups = tmp_path / "backups"
    Database(path, backup_dir=backups).close()
    assert not backups.exists()  # a new file needs no backup
    # Pretend the file is one revision behind by removing its stamp: an unstamped but
    # reader_app-shaped file is an old one. Instead, downgrade through Alembic for real.
    from alembic import command
    from alembic.config import Config

    from reader_app.storage.migrate import _SCRIPT_LOCATION

    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", str(_SCRIPT_LOCATION))
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    engine.dispose()
    db = Database(path, backup_dir=backups)
    db.close()
    made = list(backups.iterdir())
    assert len(made) == 1
    assert db.backup == made[0]
    with closing(sqlite3.connect(made[0])) as conn:
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone() == (0,)


def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "lib.sqlite3"
    path.write_bytes(b"this is a text file, not a database\n" * 100)
    before = _digest(path)
    with pytest.raises(StorageError) as info:
        Database(path)
    assert str(path) in str(info.value)
    assert _digest(path) == before


def test_a_foreign_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "lib.sqlite3"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY)")
    before = _digest(path)
    with pytest.raises(StorageError) as info:
        Database(path)
    assert "not a reader_app library" in str(info.value)
    assert _digest(path) == before


def test_reopening_at_head_makes_no_backup(tmp_path: Path) -> None:
    path = tmp_path / "lib.sqlite3"
    Database(path).close()
    db = Database(path)
    db.close()
    assert db.backup is None
    assert not (tmp_path / "backups").exists()
