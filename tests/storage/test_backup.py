"""Backups, rotation, restore and the integrity check, on real library files."""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reader_app.domain import EntryQuery
from reader_app.errors import DatabaseDamagedError, StorageError
from reader_app.library import Library
from reader_app.storage.backup import (
    KEEP,
    check_integrity,
    labelled_backup,
    latest_good_backup,
    list_backups,
    make_backup,
    recover,
    restore_backup,
    rolling_backup,
    start_integrity_check,
)
from tests.conftest import FIXED_NOW, FixedClock, add_feed_with_entries


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _titles(path: Path) -> list[str]:
    with Library.open(path, backup_dir=path.parent / "backups-of-copy") as lib:
        return sorted(item.title or "" for item in lib.entries(EntryQuery(limit=10_000)).entries)


def closed_library(path: Path, entries: int = 50) -> Path:
    with Library.open(path, clock=FixedClock()) as lib:
        add_feed_with_entries(lib, "https://example.org/a.xml", entries)
    # Everything in the main file: the damage tests write into it directly.
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def damage_entries_page(path: Path) -> None:
    """Overwrite the header of a page holding articles with garbage."""
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    at = data.index(b"https://example.org/1-/30")  # a link stored in an entries leaf page
    page_start = at - at % page_size
    assert page_start > 0  # not the schema page: the file still opens as SQLite
    data[page_start : page_start + 64] = b"\xa5" * 64
    path.write_bytes(bytes(data))


def test_backup_of_a_live_library_has_the_committed_rows_only(
    tmp_path: Path, library: Library
) -> None:
    add_feed_with_entries(library, "https://example.org/a.xml", 20)
    # Another writer holds a transaction open with a row it has not committed.
    with closing(sqlite3.connect(library.path, isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE entries SET title = 'uncommitted'")
        target = make_backup(library.path, tmp_path / "copy.sqlite3")
        writer.execute("ROLLBACK")
    assert target == tmp_path / "copy.sqlite3"
    assert check_integrity(target) == []
    titles = _titles(target)
    assert len(titles) == 20
    assert "uncommitted" not in titles
    assert titles == sorted(
        item.title or "" for item in library.entries(EntryQuery(limit=100)).entries
    )


def test_backup_refuses_an_existing_target_and_leaves_no_half_file(tmp_path: Path) -> None:
    source = closed_library(tmp_path / "library.sqlite3", entries=3)
    existing = tmp_path / "out" / "existing.sqlite3"
    existing.parent.mkdir()
    existing.write_bytes(b"mine")
    with pytest.raises(StorageError, match="already exists"):
        make_backup(source, existing)
    assert existing.read_bytes() == b"mine"

    not_sqlite = tmp_path / "notes.sqlite3"
    not_sqlite.write_bytes(b"plain text, not a database\n" * 200)
    with pytest.raises(StorageError, match="cannot back up"):
        make_backup(not_sqlite, tmp_path / "out" / "new.sqlite3")
    assert sorted(p.name for p in existing.parent.iterdir()) == ["existing.sqlite3"]


def test_rotation_keeps_the_newest_five_of_ours_and_nothing_else(tmp_path: Path) -> None:
    db = closed_library(tmp_path / "library.sqlite3", entries=3)
    backups = tmp_path / "backups"
    backups.mkdir()
    foreign = [
        "notes.txt",
        "library-daily-yesterday.sqlite3",  # our words, not our stamp
        "other-daily-20200101T000000000000Z.sqlite3",  # another library's
        "library.sqlite3",
    ]
    for name in foreign:
        (backups / name).write_bytes(b"keep me")

    first = labelled_backup(db, backups, "before-0002", FIXED_NOW - timedelta(days=10))
    made = [first]
    for day in range(7):
        now = FIXED_NOW + timedelta(days=day)
        made_now = rolling_backup(db, backups, now)
        assert made_now is not None
        made.append(made_now)
        assert rolling_backup(db, backups, now + timedelta(hours=23)) is None  # not due

    kept = list_backups(backups, db_path=db)
    assert [b.path for b in kept] == list(reversed(made))[:KEEP]
    assert all(b.label == "daily" for b in kept)
    assert not first.exists()  # the pre-migration backup is counted with the daily ones
    for name in foreign:
        assert (backups / name).read_bytes() == b"keep me"
    assert len(list(backups.iterdir())) == KEEP + len(foreign)


def test_the_pre_migration_backup_is_a_rolling_backup(tmp_path: Path) -> None:
    db = closed_library(tmp_path / "library.sqlite3", entries=3)
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
        conn.commit()
    backups = tmp_path / "backups"
    # The pre-migration backup is stamped with the real time: the daily ones come before it.
    now = datetime.now(UTC)
    for day in range(KEEP):
        rolling_backup(db, backups, now - timedelta(days=KEEP - day))
    # Whether re-running 0001 -> 0002 works does not matter here: it backs up first.
    with suppress(StorageError):
        Library.open(db, backup_dir=backups).close()
    found = list_backups(backups, db_path=db)
    assert len(found) == KEEP
    assert found[0].label.startswith("before-")


def test_check_reports_a_file_that_is_not_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    path.write_bytes(b"this is a text file\n" * 500)
    problems = check_integrity(path)
    assert problems
    assert "not a database" in problems[0]


def test_an_integrity_check_started_early_is_the_one_the_library_uses(tmp_path: Path) -> None:
    assert start_integrity_check(tmp_path / "none.sqlite3") is None  # nothing to check yet
    path = closed_library(tmp_path / "library.sqlite3", entries=400)
    healthy = start_integrity_check(path)
    assert healthy is not None
    assert healthy.result(timeout=30) == []
    Library.open(path, checked=healthy).close()
    damage_entries_page(path)
    before = _digest(path)
    damaged = start_integrity_check(path)
    assert damaged is not None
    problems = damaged.result(timeout=30)
    assert problems == check_integrity(path) != []
    with pytest.raises(DatabaseDamagedError) as info:
        Library.open(path, checked=damaged)
    assert list(info.value.problems) == problems
    assert _digest(path) == before


def test_a_damaged_library_is_detected_and_refused_untouched(tmp_path: Path) -> None:
    path = closed_library(tmp_path / "library.sqlite3", entries=400)
    assert check_integrity(path) == []
    damage_entries_page(path)
    before = _digest(path)
    listing = sorted(p.name for p in tmp_path.iterdir())

    problems = check_integrity(path)
    assert problems

    with pytest.raises(DatabaseDamagedError) as info:
        Library.open(path)
    assert str(path) in str(info.value)
    assert info.value.path == path
    assert info.value.problems[0] == problems[0]
    assert _digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing  # no new, empty library


def test_restore_moves_the_old_file_aside_and_the_backup_opens(tmp_path: Path) -> None:
    db = closed_library(tmp_path / "library.sqlite3", entries=400)
    backup = make_backup(db, tmp_path / "good.sqlite3")
    expected = _titles(backup)
    damage_entries_page(db)
    (tmp_path / "library.sqlite3-wal").write_bytes(b"")
    damaged = _digest(db)

    moved = restore_backup(backup, db, now=FIXED_NOW)

    stamp = "20261123T120000000000Z"
    aside = tmp_path / f"library.sqlite3.replaced-{stamp}"
    assert moved[0] == aside
    # Side files follow with the same name, so SQLite still opens them as a pair.
    assert all(path.name.startswith(aside.name) for path in moved)
    assert _digest(moved[0]) == damaged
    assert not (tmp_path / "library.sqlite3-wal").exists()
    assert not (tmp_path / "library.sqlite3-shm").exists()
    assert _titles(db) == expected
    assert backup.exists()


def test_restore_refuses_a_damaged_or_foreign_backup(tmp_path: Path) -> None:
    db = closed_library(tmp_path / "library.sqlite3", entries=3)
    before = _digest(db)
    damaged = closed_library(tmp_path / "damaged.sqlite3", entries=400)
    damage_entries_page(damaged)
    foreign = tmp_path / "foreign.sqlite3"
    with closing(sqlite3.connect(foreign)) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(StorageError, match="damaged"):
        restore_backup(damaged, db)
    with pytest.raises(StorageError, match="not a reader_app library"):
        restore_backup(foreign, db)
    assert _digest(db) == before
    assert not list(tmp_path.glob("*.replaced-*"))


def test_restore_refuses_a_library_in_use(tmp_path: Path) -> None:
    db = closed_library(tmp_path / "library.sqlite3", entries=3)
    backup = make_backup(db, tmp_path / "good.sqlite3")
    with Library.open(db) as lib:
        assert lib.unread_total() == 3
        with pytest.raises(StorageError, match="in use"):
            restore_backup(backup, db)
    assert not list(tmp_path.glob("*.replaced-*"))


def test_latest_good_backup_skips_a_damaged_one(tmp_path: Path) -> None:
    db = closed_library(tmp_path / "library.sqlite3", entries=400)
    backups = tmp_path / "backups"
    older = rolling_backup(db, backups, FIXED_NOW)
    newer = rolling_backup(db, backups, FIXED_NOW + timedelta(days=1))
    assert older is not None
    assert newer is not None
    damage_entries_page(newer)
    found = latest_good_backup(db, backups)
    assert found is not None
    assert found.path == older


def test_library_daily_backup_uses_the_clock(tmp_path: Path) -> None:
    clock = FixedClock()
    backups = tmp_path / "backups"
    with Library.open(tmp_path / "library.sqlite3", backup_dir=backups, clock=clock) as lib:
        add_feed_with_entries(lib, "https://example.org/a.xml", 5)
        first = lib.daily_backup()
        assert first is not None
        assert lib.daily_backup() is None
        clock.advance(days=1)
        assert lib.daily_backup() is not None
        copy = lib.backup_to(tmp_path / "copy.sqlite3")
    assert len(_titles(copy)) == 5
    assert len(list_backups(backups)) == 2
    assert len(_titles(first)) == 5


def test_recover_copies_the_readable_rows_into_a_working_library(tmp_path: Path) -> None:
    db = tmp_path / "library.sqlite3"
    with Library.open(db, clock=FixedClock()) as lib:
        kept_feed = add_feed_with_entries(lib, "https://example.org/a.xml", 400, tags=("News",))
        lib.mark_read([1, 2], True)
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    damage_entries_page(db)
    before = _digest(db)

    report = recover(db, tmp_path / "recovered.sqlite3")

    assert _digest(db) == before  # only read
    assert report.copied["feeds"] == 1
    assert report.copied["tags"] == 1
    assert 0 < report.copied["entries"] < 400  # the damaged page's rows are gone
    assert report.unreadable["entries"] > 0
    assert check_integrity(report.target) == []
    with Library.open(report.target) as lib:
        (summary,) = lib.feeds()
        assert summary.feed.id == kept_feed
        assert summary.feed.tags == ("News",)
        count = lib.count_entries(EntryQuery())
        assert count == report.copied["entries"]
        unread = count - sum(1 for item in lib.entries(EntryQuery(limit=1000)).entries if item.read)
        assert lib.unread_total() == unread  # counts rebuilt, not copied
        assert len(lib.search("title", limit=1000).hits) == count  # the index rebuilt


def test_recover_keeps_saved_searches_and_finds_their_matches_again(tmp_path: Path) -> None:
    db = tmp_path / "library.sqlite3"
    with Library.open(db, clock=FixedClock()) as lib:
        add_feed_with_entries(lib, "https://example.org/a.xml", 400, tags=("News",))
        lib.save_search("Nines", '"title 9"')
        lib.save_search("Recent", "after:1d")
        lib.mark_read([1, 2], True)
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    damage_entries_page(db)

    report = recover(db, tmp_path / "recovered.sqlite3")

    assert report.copied["saved_searches"] == 2
    with Library.open(report.target) as lib:
        for search in lib.saved_searches():
            found = set(lib.search_ids(search.query))
            assert set(lib.entry_ids(EntryQuery(saved_search=search.id))) == found
            items = lib.entry_items(sorted(found)).values()
            assert search.unread_count == sum(not item.read for item in items)
        assert [s.name for s in lib.saved_searches()] == ["Nines", "Recent"]


def test_recover_refuses_an_existing_target(tmp_path: Path) -> None:
    db = closed_library(tmp_path / "library.sqlite3", entries=3)
    existing = tmp_path / "mine.sqlite3"
    existing.write_bytes(b"mine")
    with pytest.raises(StorageError, match="already exists"):
        recover(db, existing)
    assert existing.read_bytes() == b"mine"
