"""``reader-app search``: ranked results with snippets, JSON, and bad queries named by column.

In-process through ``reader_app.cli.run`` with its output streams captured; one case runs the
real entry point in a subprocess for the exit status.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from reader_app.domain import NewEntry
from reader_app.library import Library
from tests.support.cli import run_in

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def article(key: str, title: str, summary: str, minutes_ago: int) -> NewEntry:
    return NewEntry(
        key=key,
        title=title,
        link=f"https://example.org/{key}",
        author=None,
        summary=summary,
        content=None,
        content_hash=None,
        published=NOW - timedelta(minutes=minutes_ago),
        updated=None,
        first_seen=NOW,
        sort_at=NOW - timedelta(minutes=minutes_ago),
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A library with two feeds: a title match, body matches, a read and a starred one."""
    folder = tmp_path / "data"
    with Library.open(folder / "library.sqlite3") as library:
        lwn = library.add_feed("https://lwn.example.net/rss", title="LWN Weekly", tags=["Tech"])
        cook = library.add_feed("https://cook.example.org/feed", title="Kitchen Notes")
        lwn_ids = library.add_entries(
            lwn.id,
            [
                article("l1", "Kernel scheduler", "<p>The EEVDF scheduler lands.</p>", 60),
                article("l2", "Filesystems", "<p>Btrfs and the kernel page cache.</p>", 10),
            ],
        )
        [bread] = library.add_entries(
            cook.id, [article("c1", "Sourdough", "<p>Flour and water, no kernel.</p>", 5)]
        )
        library.mark_read([lwn_ids[1]])
        library.set_starred([bread])
    return folder


cli = run_in


def search_json(data_dir: Path, *args: str) -> list[dict[str, Any]]:
    result = cli(data_dir, "search", "--json", *args)
    assert result.code == 0, result.err
    assert result.err == ""
    found: list[dict[str, Any]] = json.loads(result.out)
    return found


def test_results_best_match_first_with_snippets(data_dir: Path) -> None:
    result = cli(data_dir, "search", "kernel")
    assert result.code == 0
    assert result.err == ""
    lines = result.out.splitlines()
    # The title match first; each article is a line like `articles` prints and its snippet.
    assert "Kernel scheduler" in lines[0]
    assert "LWN Weekly" in lines[0]
    assert "2026-11-23" in lines[0]
    assert lines[1].strip() == "The EEVDF scheduler lands."
    assert {line for line in lines if "[" in line} == {
        "          Btrfs and the [kernel] page cache.",
        "          Flour and water, no [kernel].",
    }
    assert len(lines) == 6


def test_words_may_be_separate_arguments(data_dir: Path) -> None:
    joined = search_json(data_dir, "kernel page")
    separate = search_json(data_dir, "kernel", "page")
    assert [hit["title"] for hit in joined] == ["Filesystems"]
    assert joined == separate


def test_json_has_the_article_the_snippet_and_where_it_matched(data_dir: Path) -> None:
    [hit] = search_json(data_dir, "btrfs")
    assert hit["title"] == "Filesystems"
    assert hit["feed"] == "LWN Weekly"
    assert hit["read"] is True
    assert hit["snippet"] == "Btrfs and the kernel page cache."
    assert hit["highlights"] == [[0, 5]]
    assert {"id", "feed_id", "link", "date", "published", "starred"} <= set(hit)


def test_filters_and_order(data_dir: Path) -> None:
    assert [h["title"] for h in search_json(data_dir, "is:starred")] == ["Sourdough"]
    assert [h["title"] for h in search_json(data_dir, "kernel", "tag:tech", "is:unread")] == [
        "Kernel scheduler"
    ]
    newest = search_json(data_dir, "kernel", "--newest-first")
    assert [h["title"] for h in newest] == ["Sourdough", "Filesystems", "Kernel scheduler"]
    assert len(search_json(data_dir, "kernel", "--limit", "2")) == 2


def test_a_leading_minus_after_a_double_dash(data_dir: Path) -> None:
    titles = [h["title"] for h in search_json(data_dir, "kernel", "--", "-sourdough")]
    assert titles == ["Kernel scheduler", "Filesystems"]
    quoted = [h["title"] for h in search_json(data_dir, "kernel -sourdough")]
    assert quoted == titles


def test_no_matches(data_dir: Path) -> None:
    result = cli(data_dir, "search", "walrus")
    assert (result.code, result.out, result.err) == (0, "no matches\n", "")
    assert search_json(data_dir, "walrus") == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('kernel "page', "unclosed quote at column 8"),
        ("(kernel", "unclosed parenthesis at column 1"),
        ("kernel OR", "OR needs a search term on both sides at column 8"),
        ("title:kernel", 'unknown filter "title:" at column 1'),
        ("after:someday", 'after: needs a day, not "someday" at column 1'),
    ],
)
def test_a_bad_query_is_bad_input_named_by_column(data_dir: Path, query: str, message: str) -> None:
    result = cli(data_dir, "search", query)
    assert result.code == 2
    assert result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"reader-app: error: {message}")
    assert "Traceback" not in result.err


def test_nothing_to_search_for(data_dir: Path) -> None:
    result = cli(data_dir, "search", "+++")
    assert result.code == 2
    assert result.err == "reader-app: error: nothing to search for: give words or filters\n"


def test_hostile_article_text_is_one_clean_line(data_dir: Path) -> None:
    with Library.open(data_dir / "library.sqlite3") as library:
        feed = library.add_feed("https://evil.example/feed", title="Evil\x1b[31m feed")
        library.add_entries(
            feed.id,
            [article("e1", "Walrus\x1b]0;pwned\x07", "<p>walrus\x1b[2J\r\nclear \x02x\x03</p>", 1)],
        )
    result = cli(data_dir, "search", "walrus")
    assert result.code == 0
    assert "\x1b" not in result.out
    assert "\x07" not in result.out
    lines = result.out.splitlines()
    assert len(lines) == 2
    assert lines[1].strip() == "[walrus] [2J clear x"


def test_in_a_real_process(data_dir: Path, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "reader_app", "--data-dir", str(data_dir)]
    env = {**os.environ, "HOME": str(tmp_path / "home")}
    found = subprocess.run(  # noqa: PLW1510 - the exit code is what we check
        [*command, "search", "eevdf"], capture_output=True, env=env, timeout=60
    )
    assert found.returncode == 0
    assert b"Kernel scheduler" in found.stdout
    bad = subprocess.run(  # noqa: PLW1510
        [*command, "search", '"eevdf'], capture_output=True, env=env, timeout=60
    )
    assert bad.returncode == 2
    assert bad.stderr.decode().strip() == "reader-app: error: unclosed quote at column 1"
    listed = subprocess.run(  # noqa: PLW1510
        [*command, "--help"], capture_output=True, env=env, timeout=60
    )
    assert b"search" in listed.stdout
