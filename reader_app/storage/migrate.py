"""Schema upgrades on open: inspect read-only, refuse what is newer, back up, then migrate.

The inspection opens the file read-only so a database from a newer reader_app (or a file that
is not ours) is left byte-for-byte untouched when it is refused.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from reader_app.errors import SchemaTooNewError, StorageError
from reader_app.storage.backup import labelled_backup

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

_SCRIPT_LOCATION = Path(__file__).parent / "alembic"

# The newest migration's revision. Opening a library that is already at this revision needs no
# Alembic at all, which keeps it out of every command's start-up (about 0.1 s of imports).
# tests/storage/test_migrations.py checks it against Alembic's own head.
SCHEMA_HEAD = "0003"


def _alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_SCRIPT_LOCATION))
    return config


def head_revision() -> str:
    """The head according to the migration scripts (slow: imports Alembic)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None, "no migrations shipped"
    return head


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def current_revision(path: Path) -> str | None:
    """The schema revision of an existing file, or None for an empty database.

    Raises StorageError for a file that is not SQLite or has tables but is not ours.
    """
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open {path}: {exc}") from None
    try:
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if "alembic_version" in tables:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            return None if row is None else str(row[0])
        if tables:
            raise StorageError(
                f"{path} is an SQLite database but not a reader_app library "
                f"(it has tables {', '.join(sorted(tables)[:5])}); choose another data folder"
            )
        return None
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"{path} is not a reader_app library: {exc}") from None
    finally:
        conn.close()


def backup_file(path: Path, backup_dir: Path, label: str) -> Path:
    """A consistent copy of a live SQLite file in the rolling backups (``backup.py``): named like
    the daily ones, so the "last 5 kept" counts both."""
    return labelled_backup(path, backup_dir, label, datetime.now(UTC))


def upgrade(path: Path, *, backup_dir: Path) -> Path | None:
    """Bring ``path`` to the newest schema. Returns the backup made, if any.

    A database whose revision this code does not know was written by a newer version: it is
    refused with SchemaTooNewError and not modified.
    """
    exists = path.exists() and path.stat().st_size > 0
    current = current_revision(path) if exists else None
    if current == SCHEMA_HEAD:
        return None
    from alembic import command
    from sqlalchemy import create_engine

    head = head_revision()
    if current is not None and current not in _known_revisions():
        raise SchemaTooNewError(
            f"{path} was written by a newer version of reader_app (schema {current}; this version "
            f"knows up to {head}). Update reader_app to open it; the file was not changed."
        )
    backup = None
    if exists:
        try:
            backup = backup_file(path, backup_dir, f"before-{head}")
        except StorageError as exc:
            raise StorageError(f"not upgrading {path}: {exc}") from None
        log.info("backed up %s to %s before migrating %s -> %s", path, backup, current, head)
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:
            config = _alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except Exception as exc:
        raise StorageError(f"cannot upgrade {path} to schema {head}: {exc}") from exc
    finally:
        engine.dispose()
    return backup
