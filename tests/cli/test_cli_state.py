"""``reader-app export-state`` and ``import-state``: marks moving between two library files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reader_app.domain import EntryQuery
from reader_app.library import Library
from tests.conftest import make_entries
from tests.support.cli import Cli, run_in

FEED = "https://a.example.org/feed.xml"


@pytest.fixture
def cli() -> Cli:
    return run_in


def _home(tmp_path: Path, name: str, *, read: int = 0, starred: int = 0) -> Path:
    """A data folder whose library has one feed of 5 articles, the first ``read`` read."""
    home = tmp_path / name
    home.mkdir()
    with Library.open(home / "library.sqlite3") as lib:
        feed = lib.add_feed(FEED)
        lib.add_entries(feed.id, make_entries(5, prefix="a"))
        ids = lib.entry_ids(EntryQuery(newest_first=True))
        lib.mark_read(ids[:read])
        lib.set_starred(ids[:starred])
    return home


def _state(home: Path) -> tuple[int, int]:
    with Library.open(home / "library.sqlite3") as lib:
        return lib.unread_total(), lib.starred_count()


def test_export_then_import_moves_marks(cli: Cli, tmp_path: Path) -> None:
    source, target = _home(tmp_path, "a", read=3, starred=1), _home(tmp_path, "b")
    marks = tmp_path / "marks.json"

    exported = cli(source, "export-state", str(marks))
    assert (exported.code, exported.err) == (0, "")
    assert exported.out == f"exported 3 articles to {marks}\n"
    imported = cli(target, "import-state", str(marks))
    assert imported.code == 0
    assert imported.out.startswith("matched 3 articles: 3 marked read, 1 starred")
    assert _state(target) == (2, 1)


def test_export_to_stdout_is_the_file(cli: Cli, tmp_path: Path) -> None:
    home = _home(tmp_path, "a", read=2)
    result = cli(home, "export-state", "-")
    assert result.code == 0
    doc = json.loads(result.out)
    assert doc["format"] == "reader_app.state"
    assert [item["read"] for item in doc["articles"]] == [True, True]


def test_import_json_summary_and_unmatched(cli: Cli, tmp_path: Path) -> None:
    home = _home(tmp_path, "b")
    marks = tmp_path / "marks.json"
    items = [
        {"feed": FEED, "key": "guid:a0", "read": True},
        {"feed": "https://other.example/", "key": "x", "read": True},
        {"feed": FEED, "key": 7, "read": True},
    ]
    marks.write_text(json.dumps({"format": "reader_app.state", "version": 1, "articles": items}))
    result = cli(home, "import-state", str(marks), "--json")
    assert result.code == 0  # articles this library lacks are normal
    summary = json.loads(result.out)
    assert summary["matched"] == 1
    assert summary["marked_read"] == 1
    assert summary["unmatched"] == 1
    assert summary["skipped"] == 1
    assert summary["skip_reasons"] == ["item 3: 'key' is missing or not text"]
    assert "item 3" in result.err


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"not json at all", "not JSON"),
        (b'"a string"', "not a JSON object"),
        (b'{"format": "opml", "version": 1, "articles": []}', "not a reader_app state file"),
        (b'{"format": "reader_app.state", "version": 9, "articles": []}', "newer"),
        (b'{"format": "reader_app.state", "version": 1, "articles": "x"}', "'articles'"),
    ],
)
def test_bad_file_exits_2_and_changes_nothing(
    cli: Cli, tmp_path: Path, content: bytes, needle: str
) -> None:
    home = _home(tmp_path, "b")
    marks = tmp_path / "marks.json"
    marks.write_bytes(content)
    result = cli(home, "import-state", str(marks))
    assert result.code == 2
    assert "Traceback" not in result.err
    lines = result.err.splitlines()
    assert len(lines) == 1
    assert str(marks) in lines[0]
    assert needle in lines[0]
    assert _state(home) == (5, 0)


def test_missing_file_exits_2(cli: Cli, tmp_path: Path) -> None:
    home = _home(tmp_path, "b")
    result = cli(home, "import-state", str(tmp_path / "absent.json"))
    assert result.code == 2
    assert "absent.json: cannot read the file" in result.err


def test_huge_file_is_refused_before_reading(cli: Cli, tmp_path: Path) -> None:
    home = _home(tmp_path, "b")
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:  # sparse: no disk used, but stat says 257 MB
        handle.truncate(257 * 1024 * 1024)
    result = cli(home, "import-state", str(huge))
    assert result.code == 2
    assert "larger than 256 MB" in result.err
    assert _state(home) == (5, 0)


def test_export_to_a_missing_folder_fails_cleanly(cli: Cli, tmp_path: Path) -> None:
    home = _home(tmp_path, "a", read=1)
    result = cli(home, "export-state", str(tmp_path / "no" / "marks.json"))
    assert result.code == 1
    assert result.err.startswith("reader-app: error: cannot write")
    assert not (tmp_path / "no").exists()
