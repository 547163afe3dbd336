"""``reader-app backup``, ``restore`` and ``check``, and a damaged library met by any command."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest

from reader_app.library import Library
from reader_app.storage.backup import list_backups, rolling_backup
from tests.storage.test_backup import closed_library, damage_entries_page
from tests.support.cli import Cli, Result, run_in


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return partial(run_in, tmp_path / "home")


@pytest.fixture
def database(tmp_path: Path) -> Path:
    (tmp_path / "home").mkdir()
    return closed_library(tmp_path / "home" / "library.sqlite3", entries=400)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one_error_line(result: Result, *needles: str) -> None:
    assert "Traceback" not in result.out + result.err
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    for needle in needles:
        assert needle in lines[0]


def _article_count(path: Path) -> int:
    with Library.open(path, backup_dir=path.parent / "other-backups") as lib:
        return lib.unread_total()


def test_backup_writes_a_copy_and_refuses_to_overwrite(
    cli: Cli, database: Path, tmp_path: Path
) -> None:
    target = tmp_path / "copy.sqlite3"
    result = cli("backup", str(target))
    assert result.code == 0, result.err
    assert result.out.strip() == f"backed up {database} to {target}"
    assert _article_count(target) == 400

    again = cli("backup", str(target))
    assert again.code == 1
    _one_error_line(again, str(target), "already exists")


def test_check_passes_a_good_library_and_names_the_damage(cli: Cli, database: Path) -> None:
    ok = cli("check")
    assert ok.code == 0, ok.err
    assert ok.out.strip() == f"{database}: ok"

    damage_entries_page(database)
    damaged = cli("check")
    assert damaged.code == 1
    assert damaged.out.strip()  # the problems, one a line
    _one_error_line(damaged, str(database), "is damaged", "reader-app restore")


def test_a_damaged_library_is_refused_by_every_command_and_kept(cli: Cli, database: Path) -> None:
    damage_entries_page(database)
    before = _digest(database)
    for command in (["feeds"], ["articles"], ["sync"], ["backup", str(database) + ".copy"]):
        result = cli(*command)
        assert result.code == 1, command
        _one_error_line(result, str(database), "is damaged")
    assert _digest(database) == before
    assert not Path(str(database) + ".copy").exists()


def test_restore_a_named_backup_prints_what_was_moved_aside(
    cli: Cli, database: Path, tmp_path: Path
) -> None:
    backup = tmp_path / "good.sqlite3"
    assert cli("backup", str(backup)).code == 0
    damage_entries_page(database)
    damaged = _digest(database)

    result = cli("restore", str(backup))
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == f"restored {database} from {backup}"
    aside = [Path(line.removeprefix("moved aside: ")) for line in lines[1:]]
    assert aside
    assert _digest(aside[0]) == damaged
    assert cli("check").code == 0
    assert "400" in cli("feeds").out


def test_restore_without_a_file_takes_the_newest_good_backup(cli: Cli, database: Path) -> None:
    backups = database.parent / "backups"
    now = datetime.now(UTC)
    good = rolling_backup(database, backups, now - timedelta(days=2))
    bad = rolling_backup(database, backups, now - timedelta(days=1))
    assert good is not None
    assert bad is not None
    damage_entries_page(bad)
    damage_entries_page(database)

    result = cli("restore")
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == f"restored {database} from {good}"
    assert _article_count(database) == 400


def test_restore_without_any_backup_says_so(cli: Cli, database: Path) -> None:
    before = _digest(database)
    result = cli("restore")
    assert result.code == 1
    _one_error_line(result, "no good backup", "restore FILE")
    assert _digest(database) == before


def test_sync_makes_the_daily_backup_once(cli: Cli, database: Path) -> None:
    backups = database.parent / "backups"
    with Library.open(database) as lib:  # no network in this test: nothing is due
        lib.set_feed_options("https://example.org/a.xml", updates_enabled=False)
    assert list_backups(backups) == []
    for _ in range(2):
        result = cli("sync")
        assert result.code == 0, result.err
        assert result.out.startswith("0 feeds")
    made = list_backups(backups)
    assert len(made) == 1
    assert made[0].label == "daily"
    assert _article_count(made[0].path) == 400


def test_recover_then_restore_brings_a_damaged_library_back(
    cli: Cli, database: Path, tmp_path: Path
) -> None:
    damage_entries_page(database)
    new_file = tmp_path / "recovered.sqlite3"
    result = cli("recover", str(new_file))
    assert result.code == 0, result.err
    first, second = result.out.splitlines()
    assert first.startswith("recovered 1 feeds, ")
    assert f"into {new_file}" in first
    assert "unreadable stretches skipped" in first
    assert second == f"to use it: reader-app restore {new_file}"

    restored = cli("restore", str(new_file))
    assert restored.code == 0, restored.err
    assert cli("check").code == 0
    assert 0 < _article_count(database) < 400


def test_recover_refuses_an_existing_file(cli: Cli, database: Path, tmp_path: Path) -> None:
    existing = tmp_path / "mine.sqlite3"
    existing.write_bytes(b"mine")
    result = cli("recover", str(existing))
    assert result.code == 1
    _one_error_line(result, str(existing), "already exists")
    assert existing.read_bytes() == b"mine"
