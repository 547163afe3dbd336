"""``reader-app sync`` end to end against a real HTTP server on 127.0.0.1.

Most runs are in-process (``reader_app.cli.run`` with its own output streams, so stderr is not a
terminal); Ctrl+C needs a real process and a real SIGINT.
"""

from __future__ import annotations

import io
import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from reader_app.cli import run
from reader_app.domain import EntryQuery
from reader_app.library import Library
from tests.support.feedserver import FeedServer, rss

ATOM_TYPE = "application/atom+xml; charset=utf-8"
RSS_ITEMS = 3
ATOM_ITEMS = 2
ATOM_BODY = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<feed xmlns="http://www.w3.org/2005/Atom"><title>Healthy Atom</title>'
    "<id>urn:test:atom</id><updated>2026-11-21T18:30:02Z</updated>"
    + "".join(
        f"<entry><title>Atom {i}</title><id>urn:test:atom:{i}</id>"
        f'<link href="http://example.org/atom/{i}"/>'
        f"<updated>2026-11-2{i}T10:00:00Z</updated></entry>"
        for i in range(ATOM_ITEMS)
    )
    + "</feed>"
).encode()


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class _TtyStream(io.StringIO):
    def isatty(self) -> bool:
        return True


class Cli:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def __call__(self, *args: str, tty: bool = False) -> Result:
        out = io.StringIO()
        err = _TtyStream() if tty else io.StringIO()
        code = run(["--data-dir", str(self.data_dir), *args], stdout=out, stderr=err)
        result = Result(code, out.getvalue(), err.getvalue())
        assert "Traceback" not in result.out + result.err
        return result

    def add(self, url: str, *tags: str) -> int:
        args = [arg for tag in tags for arg in ("--tag", tag)]
        result = self("add", "--no-check", url, *args)
        assert result.code == 0, result.err
        return int(result.out.split(":", 1)[0].removeprefix("added "))

    def articles(self, *args: str) -> list[dict[str, Any]]:
        result = self("articles", "--json", "--limit", "1000", *args)
        assert result.code == 0, result.err
        items: list[dict[str, Any]] = result.json()
        return items


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.delenv("READER_APP_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return Cli(tmp_path / "data")


@dataclass(frozen=True)
class Three:
    cli: Cli
    server: FeedServer
    rss_id: int
    atom_id: int
    broken_id: int
    rss_url: str
    atom_url: str
    broken_url: str


@pytest.fixture
def three(cli: Cli, feed_server: FeedServer) -> Three:
    """A healthy RSS feed (tag News), a healthy Atom feed (News/Europe), one answering 500."""
    feed_server.route("/rss.xml", body=rss("Healthy RSS", items=RSS_ITEMS))
    feed_server.route("/atom.xml", body=ATOM_BODY, content_type=ATOM_TYPE)
    feed_server.route("/broken.xml", status=500, body=b"oops\n", content_type="text/plain")
    rss_url, atom_url, broken_url = (
        feed_server.url(p) for p in ("/rss.xml", "/atom.xml", "/broken.xml")
    )
    ids = (cli.add(rss_url, "News"), cli.add(atom_url, "News/Europe"), cli.add(broken_url, "Tech"))
    assert feed_server.requests == []
    return Three(cli, feed_server, *ids, rss_url, atom_url, broken_url)


def paths(server: FeedServer) -> list[str]:
    return sorted(r.path for r in server.requests)


# --------------------------------------------------------------------------------------------


def test_sync_all_json_summary(three: Three) -> None:
    result = three.cli("sync", "--all", "--json")

    assert result.code == 1
    summary = result.json()
    assert summary["feeds"] == 3
    assert summary["updated"] == 2
    assert summary["not_modified"] == 0
    assert summary["failed"] == 1
    assert summary["new_entries"] == RSS_ITEMS + ATOM_ITEMS
    assert summary["cancelled"] is False
    [failure] = summary["failures"]
    assert failure["url"] == three.broken_url
    assert failure["feed_id"] == three.broken_id
    assert "500" in failure["error"]
    assert paths(three.server) == ["/atom.xml", "/broken.xml", "/rss.xml"]


def test_sync_text_progress_on_stderr_and_summary_on_stdout(three: Three) -> None:
    result = three.cli("sync", "--all")

    assert result.code == 1
    assert result.out == (
        f"3 feeds: 2 updated, 0 not modified, 1 failed, {RSS_ITEMS + ATOM_ITEMS} new articles\n"
    )
    lines = result.err.splitlines()
    assert len(lines) == 3, result.err
    assert sorted(line[:5] for line in lines) == ["[1/3]", "[2/3]", "[3/3]"]
    by_feed = {
        name: [line for line in lines if name in line]
        for name in ("Healthy RSS", "Healthy Atom", three.broken_url)
    }
    assert all(len(found) == 1 for found in by_feed.values()), by_feed
    assert f"updated, {RSS_ITEMS} new" in by_feed["Healthy RSS"][0]
    assert f"updated, {ATOM_ITEMS} new" in by_feed["Healthy Atom"][0]
    assert "failed" in by_feed[three.broken_url][0]
    assert "500" in by_feed[three.broken_url][0]
    assert "\r" not in result.err
    assert "\x1b" not in result.err


def test_sync_on_a_terminal_draws_a_bar_and_keeps_failures(three: Three) -> None:
    result = three.cli("sync", "--all", tty=True)

    assert result.code == 1
    assert "\r" in result.err
    assert "[3/3]" in result.err
    assert "#" * 30 in result.err  # the bar is full at the end
    # The failure stays on screen as a line of its own; the bar is cleared at the end.
    assert any(three.broken_url in line and "500" in line for line in result.err.split("\n"))
    assert result.err.endswith("\r\x1b[K")
    assert result.out.startswith("3 feeds: 2 updated")


def test_a_second_sync_fetches_nothing_because_nothing_is_due(three: Three) -> None:
    first = three.cli("sync", "--all")
    assert first.code == 1
    fetched = len(three.server.requests)

    second = three.cli("sync")

    assert second.code == 0, second.err
    assert second.out.startswith("0 feeds")
    assert second.err == ""
    assert len(three.server.requests) == fetched


def test_sync_without_all_takes_the_due_ones(three: Three) -> None:
    result = three.cli("sync", "--json")  # never synced: all are due

    assert result.code == 1
    assert result.json()["feeds"] == 3


def test_sync_feed_by_id(three: Three) -> None:
    result = three.cli("sync", "--feed", str(three.atom_id), "--json")

    assert result.code == 0, result.err
    summary = result.json()
    assert (summary["feeds"], summary["updated"], summary["new_entries"]) == (1, 1, ATOM_ITEMS)
    assert summary["failures"] == []
    assert paths(three.server) == ["/atom.xml"]


def test_sync_feed_by_url_is_forced_even_when_not_due(three: Three) -> None:
    assert three.cli("sync", "--feed", three.rss_url).code == 0
    assert paths(three.server) == ["/rss.xml"]

    again = three.cli("sync", "--feed", three.rss_url, "--json")

    assert again.code == 0, again.err
    summary = again.json()
    assert summary["feeds"] == 1
    assert summary["new_entries"] == 0
    assert paths(three.server) == ["/rss.xml", "/rss.xml"]


def test_sync_a_failing_feed_by_id_exits_1(three: Three) -> None:
    result = three.cli("sync", "--feed", str(three.broken_id))

    assert result.code == 1
    assert result.out.startswith("1 feeds: 0 updated, 0 not modified, 1 failed")
    assert three.broken_url in result.err


def test_sync_tag_takes_the_tag_and_nested_tags(three: Three) -> None:
    result = three.cli("sync", "--tag", "News", "--json")

    assert result.code == 0, result.err
    summary = result.json()
    assert (summary["feeds"], summary["updated"]) == (2, 2)
    assert paths(three.server) == ["/atom.xml", "/rss.xml"]


def test_sync_nested_tag_only(three: Three) -> None:
    result = three.cli("sync", "--all", "--tag", "News/Europe", "--json")

    assert result.code == 0, result.err
    assert result.json()["feeds"] == 1
    assert paths(three.server) == ["/atom.xml"]


def test_sync_unknown_feed_is_bad_usage(three: Three) -> None:
    result = three.cli("sync", "--feed", "999")

    assert result.code == 2
    assert result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert "999" in lines[0]
    assert three.server.requests == []


def test_sync_unknown_feed_url_is_bad_usage(three: Three) -> None:
    result = three.cli("sync", "--feed", three.server.url("/nope.xml"))

    assert result.code == 2
    assert len(result.err.splitlines()) == 1
    assert three.server.requests == []


def test_articles_after_sync_lists_the_synced_items(three: Three) -> None:
    assert three.cli("articles", "--json").json() == []

    three.cli("sync", "--all")

    items = three.cli.articles()
    titles = sorted(item["title"] for item in items)
    assert titles == sorted(
        [f"Item {i}" for i in range(RSS_ITEMS)] + [f"Atom {i}" for i in range(ATOM_ITEMS)]
    )
    assert {item["feed_id"] for item in items} == {three.rss_id, three.atom_id}
    assert all(item["read"] is False for item in items)
    assert [i["title"] for i in three.cli.articles("--feed", str(three.atom_id))] != []


def test_sync_with_no_feeds(cli: Cli, feed_server: FeedServer) -> None:
    result = cli("sync", "--all", "--json")

    assert result.code == 0, result.err
    summary = result.json()
    assert (summary["feeds"], summary["failed"], summary["failures"]) == (0, 0, [])


# --------------------------------------------------------------------------------------------
# Ctrl+C in a real process


SLOW_FEEDS = 5


def _prepare_interrupt(data_dir: Path, cli: Cli, server: FeedServer, delay: float) -> list[str]:
    # Every feed downloads at once (one host here), so the fast one is never queued behind
    # slow ones.
    (data_dir / "config").mkdir(parents=True, exist_ok=True)
    (data_dir / "config" / "settings.json").write_text(json.dumps({"sync.max_per_host": 8}))
    urls = [server.url("/fast.xml")]
    server.route("/fast.xml", body=rss("Fast feed", items=RSS_ITEMS))
    for i in range(SLOW_FEEDS):
        server.route(f"/slow{i}.xml", body=rss(f"Slow {i}", items=2), delay=delay)
        urls.append(server.url(f"/slow{i}.xml"))
    for url in urls:
        cli.add(url)
    return urls


def _start_sync(data_dir: Path, home: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "READER_APP_HOME"}
    env["HOME"] = str(home)
    # As from a terminal: a test run started in the background (``cmd &``) has SIGINT ignored,
    # which a child inherits (and Python then leaves ignored). A handled signal is reset to
    # the default at exec, so handle it here while the child starts.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "reader_app", "--data-dir", str(data_dir), "sync", "--all"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            # Its own process group: SIGINT goes to the whole group, as a terminal's Ctrl+C
            # does (parser workers included).
            start_new_session=True,
        )
    finally:
        signal.signal(signal.SIGINT, previous)


def _wait_for_line(process: subprocess.Popen[bytes], needle: bytes, deadline: float) -> bytes:
    """Read stderr as it comes until a line holding ``needle`` has arrived."""
    assert process.stderr is not None
    seen = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stderr, selectors.EVENT_READ)
        while needle not in seen or not seen.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(f"no {needle!r} on stderr in time; got {seen!r}")
            if selector.select(min(left, 0.1)):
                chunk = os.read(process.stderr.fileno(), 4096)
                if not chunk:
                    pytest.fail(f"stderr closed before {needle!r}; got {seen!r}")
                seen += chunk
    return seen


def _interrupt(process: subprocess.Popen[bytes], wait: float) -> tuple[int | None, bytes, bytes]:
    """SIGINT to the group; (exit code or None if still running after ``wait``, out, err)."""
    os.killpg(process.pid, signal.SIGINT)
    try:
        out, err = process.communicate(timeout=wait)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate(timeout=10)
        return None, out, err
    return process.returncode, out, err


@pytest.fixture
def sync_process(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:  # never leave one behind when a test fails early
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate(timeout=10)


def test_ctrl_c_stops_between_feeds_and_keeps_what_was_written(
    cli: Cli, feed_server: FeedServer, tmp_path: Path, sync_process: list[subprocess.Popen[bytes]]
) -> None:
    urls = _prepare_interrupt(cli.data_dir, cli, feed_server, delay=2.5)
    process = _start_sync(cli.data_dir, tmp_path / "home")
    sync_process.append(process)

    early = _wait_for_line(process, b"[1/6] Fast feed", time.monotonic() + 20)
    code, out, err = _interrupt(process, wait=20)

    assert code == 130
    stderr = (early + err).decode()
    stdout = out.decode()
    assert "Traceback" not in stderr + stdout
    assert "KeyboardInterrupt" not in stderr
    # Only the fast feed was written; the summary says the run was cut short.
    assert [line for line in stderr.splitlines() if line.startswith("[")] == [
        f"[1/6] Fast feed: updated, {RSS_ITEMS} new"
    ]
    assert stdout == (
        f"6 feeds: 1 updated, 0 not modified, 0 failed, {RSS_ITEMS} new articles (interrupted)\n"
    )

    with Library.open(cli.data_dir / "library.sqlite3") as library:
        feeds = {s.feed.url: s.feed for s in library.feeds()}
        counts = {
            url: len(library.entries(EntryQuery(feed_ids=frozenset({feeds[url].id}))).entries)
            for url in urls
        }
    assert counts[urls[0]] == RSS_ITEMS
    assert feeds[urls[0]].last_fetched is not None
    for url in urls[1:]:
        assert counts[url] == 0
        assert feeds[url].last_fetched is None
        assert feeds[url].next_check is None  # still due
        assert feeds[url].last_error is None

    # Still due: a plain sync picks the slow ones up again (and only those).
    for i in range(SLOW_FEEDS):
        feed_server.route(f"/slow{i}.xml", body=rss(f"Slow {i}", items=2))
    again = cli("sync", "--json")
    assert again.json()["feeds"] == SLOW_FEEDS


def test_ctrl_c_exits_within_seconds_while_downloads_hang(
    cli: Cli, feed_server: FeedServer, tmp_path: Path, sync_process: list[subprocess.Popen[bytes]]
) -> None:
    _prepare_interrupt(cli.data_dir, cli, feed_server, delay=30)
    process = _start_sync(cli.data_dir, tmp_path / "home")
    sync_process.append(process)
    _wait_for_line(process, b"[1/6] Fast feed", time.monotonic() + 20)

    started = time.monotonic()
    code, _out, err = _interrupt(process, wait=3.0)

    assert code == 130, f"still running {time.monotonic() - started:.1f} s after Ctrl+C"
    assert b"Traceback" not in err
