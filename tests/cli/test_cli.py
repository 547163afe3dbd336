"""The ``reader-app`` command line: subcommands, exit codes, output, and where files go.

Most cases call ``reader_app.cli.run`` in-process (fast; output captured with ``capsys``
because the handlers write to ``sys.stdout`` directly). The paths that depend on a real
process (the entry point, the environment, the exit status, stdin) run
``python -m reader_app`` in a subprocess, with ``HOME`` inside the test's folder.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from reader_app import __version__
from reader_app.cli import run
from reader_app.domain import FeedId, NewEntry
from reader_app.library import Library

DATA = Path(__file__).resolve().parent.parent / "data" / "cli"
SUBSCRIPTIONS = DATA / "subscriptions.opml"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

# What tests/data/cli/subscriptions.opml holds, as `feeds --json` should show it.
EXPECTED_FEEDS = {
    "https://euro.example.org/feed.xml": ("Euro Daily", ["News/Europe"]),
    "https://wire.example.com/rss": ("World Wire", ["Daily", "News"]),
    "https://kernel.example.net/atom": ("Kernel Notes", ["Tech"]),
    "http://blog.example.org/": ("Plain Blog", []),
}

SUBCOMMANDS = (
    "add",
    "remove",
    "feeds",
    "tags",
    "tag",
    "untag",
    "import-opml",
    "export-opml",
    "articles",
    "mark-read",
    "mark-unread",
    "star",
    "unstar",
)


# --------------------------------------------------------------------------------------------
# Helpers


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


def assert_no_traceback(result: Result) -> None:
    assert "Traceback" not in result.out
    assert "Traceback" not in result.err


def assert_one_error_line(result: Result, *needles: str) -> str:
    """stderr is exactly one line (no traceback) and mentions every needle."""
    assert_no_traceback(result)
    lines = result.err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {result.err!r}"
    for needle in needles:
        assert needle in lines[0], f"{needle!r} not in {lines[0]!r}"
    return lines[0]


class Cli:
    """Runs ``reader_app.cli.run`` in-process against one data folder."""

    def __init__(self, capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
        self._capsys = capsys
        self.data_dir = data_dir

    def __call__(self, *args: str, data_dir: Path | None = None) -> Result:
        self._capsys.readouterr()  # drop anything printed before this run
        folder = self.data_dir if data_dir is None else data_dir
        code = run(["--data-dir", str(folder), *args])
        captured = self._capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def bare(self, *args: str) -> Result:
        """Without the ``--data-dir`` this class adds."""
        self._capsys.readouterr()
        code = run(list(args))
        captured = self._capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def ok(self, *args: str) -> Result:
        result = self(*args)
        assert result.code == 0, result.err
        assert_no_traceback(result)
        return result

    def json(self, *args: str, data_dir: Path | None = None) -> Any:
        result = self(*args, "--json", data_dir=data_dir)
        assert result.code == 0, result.err
        assert result.err == ""
        return json.loads(result.out)

    def feeds(self, data_dir: Path | None = None) -> dict[str, dict[str, Any]]:
        """``feeds --json`` keyed by URL."""
        return {feed["url"]: feed for feed in self.json("feeds", data_dir=data_dir)}

    def tags(self) -> dict[str, dict[str, Any]]:
        return {tag["name"]: tag for tag in self.json("tags")}

    def articles(self, *args: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.json("articles", *args)
        return result

    def add(self, url: str, *tags: str) -> int:
        args = [arg for tag in tags for arg in ("--tag", tag)]
        result = self.ok("add", "--no-check", url, *args)
        # "added 12: https://..."
        return int(result.out.split(":", 1)[0].removeprefix("added "))


def make_entries(
    prefix: str, minutes_ago: list[int], *, title: str | None = None
) -> list[NewEntry]:
    return [
        NewEntry(
            key=f"guid:{prefix}:{m}",
            title=title if title is not None else f"{prefix} {m}",
            link=f"https://example.org/{prefix}/{m}",
            author=None,
            summary=None,
            content=None,
            content_hash=None,
            published=NOW - timedelta(minutes=m),
            updated=None,
            first_seen=NOW,
            sort_at=NOW - timedelta(minutes=m),
        )
        for m in minutes_ago
    ]


def add_articles(data_dir: Path, feed_id: int, entries: list[NewEntry]) -> None:
    """Store articles the way a sync would; the library is closed before the CLI runs."""
    with Library.open(data_dir / "library.sqlite3") as library:
        library.add_entries(FeedId(feed_id), entries)


def set_feed_error(data_dir: Path, feed_id: int, message: str) -> None:
    """No sync yet: put a last error on a feed the way the updater will."""
    connection = sqlite3.connect(data_dir / "library.sqlite3")
    try:
        with connection:
            connection.execute(
                "UPDATE feeds SET last_error = ?, error_count = 3 WHERE id = ?",
                (message, feed_id),
            )
    finally:
        connection.close()


def process_env(home: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key != "READER_APP_HOME" and not key.startswith("XDG_")
    }
    env["HOME"] = str(home)
    env.update(extra)
    return env


def run_process(
    tmp_path: Path, *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> Result:
    completed = subprocess.run(  # noqa: PLW1510 - the exit code is what we check
        [sys.executable, "-m", "reader_app", *args],
        cwd=tmp_path,
        env=env if env is not None else process_env(tmp_path / "home"),
        input=stdin,
        capture_output=True,
        timeout=60,
    )
    return Result(
        completed.returncode,
        completed.stdout.decode("utf-8"),
        completed.stderr.decode("utf-8"),
    )


# --------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], data_dir: Path) -> Cli:
    return Cli(capsys, data_dir)


@pytest.fixture
def imported(cli: Cli) -> Cli:
    """A library holding the feeds of subscriptions.opml."""
    cli.ok("import-opml", str(SUBSCRIPTIONS))
    return cli


@dataclass(frozen=True)
class Reading:
    """Two feeds with interleaved articles: A at 0, 2, 4 minutes ago, B at 1, 3, 5."""

    cli: Cli
    feed_a: int
    feed_b: int
    feed_c: int  # tagged News/Europe, two articles 10 and 11 minutes ago
    ids: dict[str, int]  # article title -> id


@pytest.fixture
def reading(cli: Cli, data_dir: Path) -> Reading:
    feed_a = cli.add("https://a.example.org/feed", "News")
    feed_b = cli.add("https://b.example.org/feed", "Tech")
    feed_c = cli.add("https://c.example.org/feed", "News/Europe")
    add_articles(data_dir, feed_a, make_entries("A", [0, 2, 4]))
    add_articles(data_dir, feed_b, make_entries("B", [1, 3, 5]))
    add_articles(data_dir, feed_c, make_entries("C", [10, 11]))
    ids = {item["title"]: item["id"] for item in cli.articles("--limit", "100")}
    assert len(ids) == 8
    return Reading(cli, feed_a, feed_b, feed_c, ids)


# --------------------------------------------------------------------------------------------
# Help and version (real processes: this is what a user types first)


def test_help_lists_every_subcommand(tmp_path: Path) -> None:
    result = run_process(tmp_path, "--help")

    assert result.code == 0
    assert result.err == ""
    assert "usage: reader-app" in result.out
    for name in SUBCOMMANDS:
        assert name in result.out
    assert "--data-dir" in result.out
    # Printing help must not create the default folders in HOME.
    assert not (tmp_path / "home").exists()


def test_version(tmp_path: Path) -> None:
    result = run_process(tmp_path, "--version")

    assert result.code == 0
    assert result.out.strip() == f"reader-app {__version__}"
    assert result.err == ""


def test_help_with_only_data_dir_creates_nothing(cli: Cli, data_dir: Path) -> None:
    result = cli()

    assert result.code == 0
    assert "import-opml" in result.out
    assert not data_dir.exists()


# --------------------------------------------------------------------------------------------
# add / remove


def test_add_shows_the_normalized_url_and_tags(cli: Cli) -> None:
    result = cli.ok(
        "add",
        "--no-check",
        "HTTPS://Example.ORG:443/Feed.xml#top",
        "--tag",
        "News",
        "-t",
        " Tech / Linux ",
    )

    assert result.out == "added 1: https://example.org/Feed.xml [News, Tech/Linux]\n"
    assert result.err == ""
    feed = cli.feeds()["https://example.org/Feed.xml"]
    assert feed["tags"] == ["News", "Tech/Linux"]
    assert feed["unread"] == 0
    assert feed["last_error"] is None


def test_add_feed_scheme(cli: Cli) -> None:
    result = cli.ok("add", "--no-check", "feed://example.org/rss")

    assert "http://example.org/rss" in result.out


def test_add_duplicate_fails_naming_the_url(cli: Cli) -> None:
    cli.add("https://example.org/feed")

    result = cli("add", "--no-check", "HTTPS://EXAMPLE.org/feed#again")

    assert result.code == 1
    assert result.out == ""
    assert_one_error_line(result, "https://example.org/feed")
    assert len(cli.feeds()) == 1


@pytest.mark.parametrize(
    ("url", "scheme"),
    [("javascript:alert(1)", "javascript:"), ("file:///etc/passwd", "file:"), ("ftp://x", "ftp:")],
)
def test_add_refuses_other_schemes(cli: Cli, url: str, scheme: str) -> None:
    result = cli("add", "--no-check", url)

    assert result.code == 2
    assert result.out == ""
    assert_one_error_line(result, scheme)
    assert cli.feeds() == {}


def test_add_refuses_an_empty_tag(cli: Cli) -> None:
    result = cli("add", "--no-check", "https://example.org/feed", "--tag", "News", "--tag", " / ")

    assert result.code == 2
    assert_one_error_line(result, "tag")
    assert cli.feeds() == {}


def test_remove_by_id_and_by_url(reading: Reading) -> None:
    cli = reading.cli

    by_id = cli.ok("remove", str(reading.feed_a))
    by_url = cli.ok("remove", "HTTPS://B.Example.org/feed")

    assert by_id.out == f"removed {reading.feed_a}: https://a.example.org/feed\n"
    assert by_url.out == f"removed {reading.feed_b}: https://b.example.org/feed\n"
    assert list(cli.feeds()) == ["https://c.example.org/feed"]
    # Their articles went with them, and so did the tags no feed carries any more.
    assert {item["feed_id"] for item in cli.articles()} == {reading.feed_c}
    assert list(cli.tags()) == ["News/Europe"]


@pytest.mark.parametrize("ref", ["42", "https://nowhere.example.org/feed"])
def test_remove_unknown_feed(cli: Cli, ref: str) -> None:
    cli.add("https://example.org/feed")

    result = cli("remove", ref)

    assert result.code == 2
    assert result.out == ""
    assert_one_error_line(result, "no feed with", ref)
    assert len(cli.feeds()) == 1


def test_remove_superscript_digit_is_bad_input(cli: Cli) -> None:
    cli.add("https://example.org/feed")

    result = cli("remove", "²")

    assert result.code == 2
    assert_one_error_line(result)
    assert "internal error" not in result.err


@pytest.mark.parametrize("args", [["remove"], ["articles", "--feed"], ["tag"]])
def test_huge_feed_id_is_not_found(cli: Cli, args: list[str]) -> None:
    cli.add("https://example.org/feed")

    extra = ["News"] if args == ["tag"] else []
    result = cli(*args, "99999999999999999999999", *extra)

    assert result.code == 2
    assert_one_error_line(result, "no feed with id")


# --------------------------------------------------------------------------------------------
# feeds / tags


def test_feeds_and_tags_json_counts(reading: Reading, data_dir: Path) -> None:
    cli = reading.cli
    cli.ok("tag", str(reading.feed_b), "News")
    set_feed_error(data_dir, reading.feed_b, "HTTP 404 Not Found")

    feeds = cli.json("feeds")
    tags = cli.json("tags")

    assert [f["url"] for f in feeds] == [
        "https://a.example.org/feed",
        "https://b.example.org/feed",
        "https://c.example.org/feed",
    ]
    by_url = {f["url"]: f for f in feeds}
    a, b, c = (by_url[f"https://{x}.example.org/feed"] for x in "abc")
    assert (a["id"], a["unread"], a["tags"]) == (reading.feed_a, 3, ["News"])
    assert (b["unread"], b["tags"]) == (3, ["News", "Tech"])
    assert (c["unread"], c["tags"]) == (2, ["News/Europe"])
    assert a["title"] == "https://a.example.org/feed"  # no title until the first update
    assert a["last_error"] is None
    assert (b["last_error"], b["error_count"]) == ("HTTP 404 Not Found", 3)
    assert set(a) >= {"id", "url", "title", "tags", "unread", "last_error", "error_count"}

    assert tags == [
        {"name": "News", "feeds": 2, "unread": 6},
        {"name": "News/Europe", "feeds": 1, "unread": 2},
        {"name": "Tech", "feeds": 1, "unread": 3},
    ]


def test_feeds_and_tags_text(reading: Reading, data_dir: Path) -> None:
    cli = reading.cli
    set_feed_error(data_dir, reading.feed_b, "HTTP 404 Not Found")

    feeds = cli.ok("feeds")
    tags = cli.ok("tags")

    lines = feeds.out.splitlines()
    assert len(lines) == 3
    a_line, b_line, c_line = lines
    assert "https://a.example.org/feed" in a_line
    assert "[News]" in a_line
    assert a_line.split()[:2] == [str(reading.feed_a), "3"]
    assert "HTTP 404 Not Found" in b_line
    assert "HTTP 404 Not Found" not in a_line
    assert "[News/Europe]" in c_line
    assert c_line.split()[:2] == [str(reading.feed_c), "2"]

    tag_lines = tags.out.splitlines()
    assert [line.split()[-1] for line in tag_lines] == ["News", "News/Europe", "Tech"]
    assert tag_lines[0].split()[:4] == ["1", "feeds", "3", "unread"]


def test_empty_library_lists_nothing(cli: Cli) -> None:
    assert cli.json("feeds") == []
    assert cli.json("tags") == []
    assert cli.json("articles") == []
    assert cli.ok("feeds").out == ""


# --------------------------------------------------------------------------------------------
# tag / untag


def test_tag_and_untag(cli: Cli) -> None:
    feed_id = cli.add("https://example.org/feed", "Old")

    tagged = cli.ok("tag", "https://EXAMPLE.org/feed", "News/Europe", " Tech ")
    assert tagged.out == f"{feed_id}: https://example.org/feed [News/Europe, Old, Tech]\n"
    assert cli.feeds()["https://example.org/feed"]["tags"] == ["News/Europe", "Old", "Tech"]

    untagged = cli.ok("untag", str(feed_id), "Old", "Tech")
    assert untagged.out == f"{feed_id}: https://example.org/feed [News/Europe]\n"
    # A tag no feed carries any more is gone from the list.
    assert list(cli.tags()) == ["News/Europe"]


def test_tag_is_idempotent(cli: Cli) -> None:
    feed_id = cli.add("https://example.org/feed", "News")

    cli.ok("tag", str(feed_id), "News", "News")

    assert cli.tags() == {"News": {"name": "News", "feeds": 1, "unread": 0}}


def test_tag_bad_input(cli: Cli) -> None:
    feed_id = cli.add("https://example.org/feed")

    empty = cli("tag", str(feed_id), "")
    unknown = cli("tag", "999", "News")
    untag_unknown = cli("untag", "https://nowhere.example.org/", "News")

    assert empty.code == 2
    assert_one_error_line(empty, "tag")
    assert unknown.code == 2
    assert_one_error_line(unknown, "999")
    assert untag_unknown.code == 2
    assert_one_error_line(untag_unknown, "https://nowhere.example.org/")
    assert cli.tags() == {}


# --------------------------------------------------------------------------------------------
# OPML


def test_import_then_feeds_in_real_processes(tmp_path: Path) -> None:
    """The issue's done-when check, plus where the files went."""
    data = tmp_path / "D"

    imported = run_process(tmp_path, "--data-dir", str(data), "import-opml", str(SUBSCRIPTIONS))
    listed = run_process(tmp_path, "--data-dir", str(data), "feeds", "--json")

    assert imported.code == 0, imported.err
    assert imported.err == ""
    assert "imported 4 feeds" in imported.out
    assert listed.code == 0, listed.err
    assert listed.err == ""
    feeds = json.loads(listed.out)
    assert {f["url"]: (f["title"], f["tags"]) for f in feeds} == EXPECTED_FEEDS
    assert all(f["unread"] == 0 and f["last_error"] is None for f in feeds)
    # One folder holds everything; nothing lands in HOME.
    assert (data / "library.sqlite3").is_file()
    for folder in ("config", "cache", "logs"):
        assert (data / folder).is_dir()
    assert not (tmp_path / "home").exists()


def test_import_json_summary_and_reimport(cli: Cli) -> None:
    first = cli.json("import-opml", str(SUBSCRIPTIONS))
    second = cli.json("import-opml", str(SUBSCRIPTIONS))

    assert sorted(first["added"]) == sorted(EXPECTED_FEEDS)
    assert first["already_subscribed"] == []
    assert first["skipped"] == []
    assert second["added"] == []
    assert sorted(second["already_subscribed"]) == sorted(EXPECTED_FEEDS)
    assert len(cli.feeds()) == 4
    assert cli.tags() == {
        "Daily": {"name": "Daily", "feeds": 1, "unread": 0},
        "News": {"name": "News", "feeds": 1, "unread": 0},
        "News/Europe": {"name": "News/Europe", "feeds": 1, "unread": 0},
        "Tech": {"name": "Tech", "feeds": 1, "unread": 0},
    }


def test_import_names_each_skipped_outline(cli: Cli) -> None:
    result = cli("import-opml", str(DATA / "skipped.opml"))

    # Skipped outlines are items that failed: exit 1, each named on one line with its line
    # number, and the good feed still comes in.
    assert_no_traceback(result)
    assert result.code == 1
    assert "imported 1 feeds" in result.out
    lines = result.err.splitlines()
    assert len(lines) == 2
    assert "line 6" in lines[0]
    assert "javascript:alert(1)" in lines[0]
    assert "line 7" in lines[1]
    assert "ftp://files.example.org/feed" in lines[1]
    assert all("skipped.opml" in line for line in lines)
    assert list(cli.feeds()) == ["https://good.example.org/feed"]


def test_import_malformed_file_imports_nothing(cli: Cli) -> None:
    result = cli("import-opml", str(DATA / "malformed.opml"))

    assert result.code == 2
    assert result.out == ""
    assert_one_error_line(result, "malformed.opml", "line 7")
    assert cli.json("feeds") == []


def test_import_missing_file(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "nope.opml"

    result = cli("import-opml", str(missing))

    assert result.code == 2
    assert result.out == ""
    assert_one_error_line(result, "nope.opml")
    assert cli.json("feeds") == []


def test_import_from_stdin(tmp_path: Path, cli: Cli, data_dir: Path) -> None:
    result = run_process(
        tmp_path, "import-opml", "-", "--data-dir", str(data_dir), stdin=SUBSCRIPTIONS.read_bytes()
    )

    assert result.code == 0, result.err
    assert result.err == ""
    assert "imported 4 feeds" in result.out
    assert {url: (f["title"], f["tags"]) for url, f in cli.feeds().items()} == EXPECTED_FEEDS


def test_import_malformed_stdin_names_standard_input(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = (DATA / "malformed.opml").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))

    result = cli("import-opml", "-")

    assert result.code == 2
    assert_one_error_line(result, "standard input", "line 7")
    assert cli.json("feeds") == []


def test_export_to_stdout_and_reimport(imported: Cli, tmp_path: Path) -> None:
    cli = imported

    exported = cli.ok("export-opml")

    assert exported.out.startswith("<?xml")
    assert exported.err == ""
    copy = tmp_path / "export.opml"
    copy.write_text(exported.out, encoding="utf-8")
    fresh = tmp_path / "fresh"
    result = cli("import-opml", str(copy), data_dir=fresh)
    assert result.code == 0, result.err
    assert result.err == ""
    again = cli.feeds(data_dir=fresh)
    assert {url: (f["title"], f["tags"]) for url, f in again.items()} == EXPECTED_FEEDS


def test_export_to_file_and_reimport(imported: Cli, tmp_path: Path) -> None:
    cli = imported
    target = tmp_path / "out" / "subs.opml"
    target.parent.mkdir()

    result = cli.ok("export-opml", str(target))

    assert result.out == f"exported 4 feeds to {target}\n"
    assert target.read_bytes().startswith(b"<?xml")
    fresh = tmp_path / "fresh"
    assert cli("import-opml", str(target), data_dir=fresh).code == 0
    original = cli.feeds()
    again = cli.feeds(data_dir=fresh)
    assert {u: (f["title"], f["tags"]) for u, f in again.items()} == {
        u: (f["title"], f["tags"]) for u, f in original.items()
    }


def test_export_to_unwritable_path(imported: Cli, tmp_path: Path) -> None:
    result = imported("export-opml", str(tmp_path / "missing-folder" / "subs.opml"))

    assert result.code == 1
    assert_one_error_line(result, "missing-folder")


# --------------------------------------------------------------------------------------------
# articles


def test_articles_newest_first(reading: Reading) -> None:
    items = reading.cli.articles()

    assert [i["title"] for i in items] == ["A 0", "B 1", "A 2", "B 3", "A 4", "B 5", "C 10", "C 11"]
    dates = [i["date"] for i in items]
    assert dates == sorted(dates, reverse=True)
    first = items[0]
    assert first["feed_id"] == reading.feed_a
    assert first["feed"] == "https://a.example.org/feed"
    assert first["link"] == "https://example.org/A/0"
    assert first["read"] is False
    assert first["starred"] is False
    assert datetime.fromisoformat(first["date"]) == NOW


def test_articles_oldest_first(reading: Reading) -> None:
    items = reading.cli.articles("--oldest-first", "--limit", "2")

    assert [i["title"] for i in items] == ["C 11", "C 10"]


def test_articles_limit_gives_the_newest(reading: Reading) -> None:
    items = reading.cli.articles("--limit", "3")

    assert [i["title"] for i in items] == ["A 0", "B 1", "A 2"]


def test_articles_by_feed_id_and_url(reading: Reading) -> None:
    cli = reading.cli

    by_id = cli.articles("--feed", str(reading.feed_b))
    by_url = cli.articles("--feed", "HTTPS://b.example.org/feed")
    both = cli.articles("--feed", str(reading.feed_b), "--feed", "https://c.example.org/feed")

    assert [i["title"] for i in by_id] == ["B 1", "B 3", "B 5"]
    assert by_url == by_id
    assert [i["title"] for i in both] == ["B 1", "B 3", "B 5", "C 10", "C 11"]


def test_articles_unknown_feed(reading: Reading) -> None:
    result = reading.cli("articles", "--feed", "https://nowhere.example.org/")

    assert result.code == 2
    assert result.out == ""
    assert_one_error_line(result, "https://nowhere.example.org/")


def test_articles_by_tag_includes_nested_tags(reading: Reading) -> None:
    cli = reading.cli

    news = cli.articles("--tag", "News")
    europe = cli.articles("--tag", "News/Europe")
    tech = cli.articles("--tag", "Tech")

    assert [i["title"] for i in news] == ["A 0", "A 2", "A 4", "C 10", "C 11"]
    assert [i["title"] for i in europe] == ["C 10", "C 11"]
    assert [i["title"] for i in tech] == ["B 1", "B 3", "B 5"]
    assert cli.articles("--tag", "Nothing") == []


def test_articles_tag_prefix_is_not_a_parent(cli: Cli, data_dir: Path) -> None:
    """``News`` must not match ``Newsletters`` (only ``News/...``); ``_`` is not a wildcard."""
    letters = cli.add("https://letters.example.org/feed", "Newsletters")
    underscore = cli.add("https://under.example.org/feed", "A_B")
    other = cli.add("https://other.example.org/feed", "AxB")
    add_articles(data_dir, letters, make_entries("L", [1]))
    add_articles(data_dir, underscore, make_entries("U", [2]))
    add_articles(data_dir, other, make_entries("O", [3]))

    assert cli.articles("--tag", "News") == []
    assert [i["title"] for i in cli.articles("--tag", "A_B")] == ["U 2"]


def test_articles_tag_case_is_consistent(reading: Reading) -> None:
    lower = {i["feed_id"] for i in reading.cli.articles("--tag", "news")}

    # Either tags are case-sensitive (nothing matches) or not (both News feeds match).
    assert lower in (set(), {reading.feed_a, reading.feed_c})


def test_articles_tag_is_normalized(reading: Reading) -> None:
    cli = reading.cli
    expected = cli.articles("--tag", "News")

    assert cli.articles("--tag", " News / ") == expected
    empty = cli("articles", "--tag", "")
    assert empty.code == 2
    assert_one_error_line(empty, "tag")


def test_articles_unread_and_starred(reading: Reading) -> None:
    cli = reading.cli
    ids = reading.ids
    cli.ok("mark-read", str(ids["A 0"]), str(ids["B 1"]))
    cli.ok("star", str(ids["B 3"]))

    unread = cli.articles("--unread")
    starred = cli.articles("--starred")
    unread_news = cli.articles("--unread", "--tag", "News", "--limit", "1")

    assert [i["title"] for i in unread] == ["A 2", "B 3", "A 4", "B 5", "C 10", "C 11"]
    assert [i["title"] for i in starred] == ["B 3"]
    assert starred[0]["starred"] is True
    assert [i["title"] for i in unread_news] == ["A 2"]


def test_articles_text(reading: Reading) -> None:
    cli = reading.cli
    cli.ok("mark-read", str(reading.ids["A 0"]))
    cli.ok("star", str(reading.ids["B 1"]))

    lines = cli.ok("articles", "--limit", "3").out.splitlines()

    assert len(lines) == 3
    assert lines[0].split()[0] == str(reading.ids["A 0"])
    assert lines[0].endswith("A 0")
    assert "https://a.example.org/f" in lines[0]  # the feed column is cut to 24
    assert "•" not in lines[0]  # read
    assert "★" in lines[1]
    assert "•" in lines[1]
    assert "★" not in lines[2]


# --------------------------------------------------------------------------------------------
# mark-read / mark-unread / star / unstar


def test_read_state_shows_in_articles_and_counts(reading: Reading) -> None:
    cli = reading.cli
    a0, a2, b1 = (reading.ids[t] for t in ("A 0", "A 2", "B 1"))

    marked = cli.ok("mark-read", str(a0), str(a2), str(b1))

    assert marked.out == "mark-read: 3 articles (3 changed)\n"
    assert marked.err == ""
    feeds = cli.feeds()
    assert feeds["https://a.example.org/feed"]["unread"] == 1
    assert feeds["https://b.example.org/feed"]["unread"] == 2
    assert cli.tags()["News"]["unread"] == 1
    read = {i["id"]: i["read"] for i in cli.articles()}
    assert {i for i, r in read.items() if r} == {a0, a2, b1}

    again = cli.ok("mark-read", str(a0))
    assert again.out == "mark-read: 1 articles (0 changed)\n"

    cli.ok("mark-unread", str(a2))
    assert cli.feeds()["https://a.example.org/feed"]["unread"] == 2
    assert {i["id"] for i in cli.articles("--unread", "--feed", str(reading.feed_a))} == {
        a2,
        reading.ids["A 4"],
    }


def test_star_and_unstar(reading: Reading) -> None:
    cli = reading.cli
    a4, c10 = reading.ids["A 4"], reading.ids["C 10"]

    cli.ok("star", str(a4), str(c10))
    assert [i["id"] for i in cli.articles("--starred")] == [a4, c10]
    # Starring does not change what is unread.
    assert cli.feeds()["https://a.example.org/feed"]["unread"] == 3

    result = cli.ok("unstar", str(a4))
    assert result.out == "unstar: 1 articles (1 changed)\n"
    assert [i["id"] for i in cli.articles("--starred")] == [c10]


def test_mark_read_with_a_missing_id(reading: Reading) -> None:
    cli = reading.cli
    a0, b1 = reading.ids["A 0"], reading.ids["B 1"]

    result = cli("mark-read", str(a0), "9999", str(b1))

    assert result.code == 1
    assert_one_error_line(result, "9999")
    assert result.out == "mark-read: 2 articles (2 changed)\n"
    read = {i["id"] for i in cli.articles() if i["read"]}
    assert read == {a0, b1}


def test_mark_read_repeated_missing_id(reading: Reading) -> None:
    result = reading.cli("mark-read", "9999", "9999")

    assert result.code == 1
    assert result.out == "mark-read: 0 articles (0 changed)\n"


# --------------------------------------------------------------------------------------------
# Bad usage


@pytest.mark.parametrize(
    "args",
    [
        ["frobnicate"],
        ["add"],
        ["remove"],
        ["tag", "1"],
        ["feeds", "--bogus"],
        ["articles", "--limit", "0"],
        ["articles", "--limit", "-3"],
        ["articles", "--limit", "many"],
        ["mark-read", "abc"],
        ["mark-read"],
        ["star", "0"],
        ["unstar", "1", "2x"],
        ["export-opml", "a", "b"],
    ],
)
def test_bad_usage(cli: Cli, data_dir: Path, args: list[str]) -> None:
    result = cli(*args)

    assert result.code == 2
    assert result.out == ""
    line = assert_one_error_line(result)
    assert line.startswith("reader-app")
    # Refused before anything is created.
    assert not data_dir.exists()


def test_bad_usage_in_a_real_process(tmp_path: Path) -> None:
    result = run_process(tmp_path, "--data-dir", str(tmp_path / "D"), "mark-read", "abc")

    assert result.code == 2
    assert result.out == ""
    assert_one_error_line(result, "abc")
    assert not (tmp_path / "D").exists()


# --------------------------------------------------------------------------------------------
# Where files go


def test_data_dir_before_and_after_the_subcommand(cli: Cli, data_dir: Path, tmp_path: Path) -> None:
    after = cli.bare("add", "--no-check", "https://example.org/feed", "--data-dir", str(data_dir))
    before = cli.bare("--data-dir", str(data_dir), "feeds", "--json")

    assert after.code == 0, after.err
    assert [f["url"] for f in json.loads(before.out)] == ["https://example.org/feed"]
    assert (data_dir / "library.sqlite3").is_file()
    assert not (tmp_path / "home").exists()


def test_data_dir_after_the_subcommand_wins(cli: Cli, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"

    result = cli.bare(
        "--data-dir",
        str(first),
        "add",
        "--no-check",
        "https://example.org/feed",
        "--data-dir",
        str(second),
    )

    assert result.code == 0, result.err
    assert (second / "library.sqlite3").is_file()
    assert not first.exists()


def test_reader_app_home_in_a_real_process(tmp_path: Path) -> None:
    home = tmp_path / "portable"
    env = process_env(tmp_path / "home", READER_APP_HOME=str(home))

    result = run_process(
        tmp_path, "add", "--no-check", "https://example.org/feed", "--tag", "News", env=env
    )

    assert result.code == 0, result.err
    assert result.err == ""
    assert (home / "library.sqlite3").is_file()
    for folder in ("config", "cache", "logs"):
        assert (home / folder).is_dir()
    assert not (tmp_path / "home").exists()


def test_reader_app_home_in_process_and_data_dir_beats_it(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env_home, arg_home = tmp_path / "env", tmp_path / "arg"
    monkeypatch.setenv("READER_APP_HOME", str(env_home))

    assert cli.bare("add", "--no-check", "https://env.example.org/feed").code == 0
    assert (
        cli.bare(
            "--data-dir", str(arg_home), "add", "--no-check", "https://arg.example.org/feed"
        ).code
        == 0
    )

    listed = cli.bare("feeds", "--json")
    assert [f["url"] for f in json.loads(listed.out)] == ["https://env.example.org/feed"]
    assert (arg_home / "library.sqlite3").is_file()
    assert not (tmp_path / "home").exists()


def test_data_dir_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a regular file, not a folder\n")

    result = run_process(tmp_path, "--data-dir", str(blocker), "feeds")

    assert result.code == 1
    assert result.out == ""
    assert_one_error_line(result, str(blocker))
    assert blocker.read_text() == "a regular file, not a folder\n"


def test_log_file_that_cannot_be_opened(cli: Cli, data_dir: Path) -> None:
    (data_dir / "logs" / "reader-app.log").mkdir(parents=True)

    result = cli("feeds")

    assert result.code in (0, 1)
    assert_no_traceback(result)
    assert len(result.err.splitlines()) <= 1


def test_run_writes_to_the_given_streams(data_dir: Path) -> None:
    out, err = io.StringIO(), io.StringIO()

    code = run(
        ["--data-dir", str(data_dir), "add", "--no-check", "https://example.org/feed"],
        stdout=out,
        stderr=err,
    )

    assert code == 0
    assert "https://example.org/feed" in out.getvalue()


# --------------------------------------------------------------------------------------------
# Untrusted text never reaches the terminal raw


def test_hostile_feed_title_is_one_clean_line(cli: Cli) -> None:
    cli.ok("import-opml", str(DATA / "hostile_titles.opml"))

    text = cli.ok("feeds").out

    lines = text.splitlines()
    assert len(lines) == 2
    evil = next(line for line in lines if "evil.example.org" in line)
    assert "\u202e" not in text
    assert "\t" not in text
    assert "Evil tab second line" in evil
    # JSON keeps the title as it is; that is for programs, not terminals.
    title = cli.feeds()["https://evil.example.org/feed"]["title"]
    assert "\u202e" in title


def test_hostile_article_and_error_text_is_one_clean_line(cli: Cli, data_dir: Path) -> None:
    feed_id = cli.add("https://example.org/feed")
    add_articles(
        data_dir, feed_id, make_entries("X", [1], title="red \x1b[31mALERT\x1b[0m\nnext\u2028line")
    )
    set_feed_error(data_dir, feed_id, "bad\x1b[2Jthing\r\nhappened\u202e")

    articles = cli.ok("articles").out
    feeds = cli.ok("feeds").out

    for text in (articles, feeds):
        assert len(text.splitlines()) == 1
        assert "\x1b" not in text
        assert "\u202e" not in text
        assert "\r" not in text
    assert "ALERT" in articles
    assert "happened" in feeds


def test_hostile_tags_are_not_printed_raw(cli: Cli) -> None:
    cli.ok("import-opml", str(DATA / "hostile_tags.opml"))
    added = cli("add", "--no-check", "https://example.org/feed", "--tag", "\x1b[31mred")

    outputs = [added, cli("feeds"), cli("tags")]

    for result in outputs:
        for text in (result.out, result.err):
            assert "\x1b" not in text
            assert "\u202e" not in text


def test_urls_with_control_characters_do_not_break_lines(cli: Cli) -> None:
    added = cli("add", "--no-check", "https://example.org/a\x1b[31mb")
    missing = cli("remove", "https://example.org/a\u2028b")

    assert "\x1b" not in added.out + added.err
    assert missing.code == 2
    assert_one_error_line(missing)
