"""The sync engine end to end: a real HTTP server on 127.0.0.1, real parser processes, a real
SQLite library file, and a fixed clock.

Every rule of the engine ends in a stored state that is checked through the library: what the
feed row says (errors, schedule, URL, warning), which articles exist and what they say. Cases
that go wrong also check that nothing else in the database changed: a healthy feed synced
before (and not due) keeps its row and its articles, and every other row of every table is
byte-for-byte what it was.
"""

from __future__ import annotations

import contextlib
import resource
import socket
import sqlite3
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from reader_app.domain import Entry, EntryQuery, Feed, FeedId
from reader_app.errors import EntryNotFoundError
from reader_app.ingest.fetch import Fetcher, FetchLimits
from reader_app.ingest.parser_pool import ParserPool
from reader_app.ingest.types import ParsedFeed
from reader_app.library import Library
from reader_app.storage import updates as update_store
from reader_app.sync import (
    FeedOutcome,
    FeedResult,
    SyncEngine,
    SyncOptions,
    SyncProgress,
    SyncReport,
    SyncSelection,
)
from tests.conftest import FixedClock
from tests.support.feedserver import FEEDS_DIR, RSS_TYPE, FeedServer, rss

MIB = 1024 * 1024
HOUR = timedelta(hours=1)
LIMITS = FetchLimits(connect_timeout=2.0, read_timeout=5.0, total_timeout=5.0, max_body_bytes=MIB)
OPTIONS = SyncOptions(default_interval_minutes=60, max_backoff_minutes=24 * 60)
HTML_PAGE = "not a feed: the address gives an HTML page, not RSS, Atom or JSON Feed"
TOO_BIG = "feed larger than 1 MB (limit)"

MakeEngine = Callable[..., SyncEngine]


# -- fixtures ----------------------------------------------------------------------------------


class CountingParserPool(ParserPool):
    """A real parser pool that counts the documents handed to it."""

    def __init__(self, workers: int, *, timeout: float) -> None:
        super().__init__(workers, timeout=timeout)
        self._count_lock = threading.Lock()
        self.calls = 0

    def parse(self, body: bytes, *, url: str, **kwargs: Any) -> ParsedFeed:
        with self._count_lock:
            self.calls += 1
        return super().parse(body, url=url, **kwargs)


@pytest.fixture(scope="module")
def parser() -> Iterator[CountingParserPool]:
    pool = CountingParserPool(2, timeout=10.0)
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture
def make_engine(
    library: Library, clock: FixedClock, parser: CountingParserPool
) -> Iterator[MakeEngine]:
    """Engines on the test's library, sharing the module's parser pool; no jitter."""
    with contextlib.ExitStack() as stack:

        def make(limits: FetchLimits = LIMITS, options: SyncOptions = OPTIONS) -> SyncEngine:
            fetcher = stack.enter_context(Fetcher(limits))
            return SyncEngine(
                library._db, fetcher, parser, options=options, clock=clock, jitter=lambda: 0.0
            )

        yield make


@pytest.fixture
def engine(make_engine: MakeEngine) -> SyncEngine:
    return make_engine()


@dataclass(frozen=True, slots=True)
class Bystander:
    """A healthy feed synced before the test: nothing the test does may change it."""

    feed_id: FeedId
    feed: Feed
    entries: list[Entry]


@pytest.fixture
def bystander(feed_server: FeedServer, library: Library, engine: SyncEngine) -> Bystander:
    feed_server.route("/healthy", body=rss("Healthy feed", items=3), etag='"healthy-1"')
    feed_id = subscribe(library, feed_server, "/healthy")
    assert sync_one(engine, feed_id).outcome is FeedOutcome.UPDATED
    entries = stored_entries(library, feed_id)
    assert len(entries) == 3
    return Bystander(feed_id, library.feed(feed_id), entries)


@dataclass(frozen=True, slots=True)
class Env:
    """The usual cast of a failure test, in one fixture."""

    server: FeedServer
    library: Library
    engine: SyncEngine
    clock: FixedClock
    bystander: Bystander


@pytest.fixture
def env(
    feed_server: FeedServer,
    library: Library,
    engine: SyncEngine,
    clock: FixedClock,
    bystander: Bystander,
) -> Env:
    return Env(feed_server, library, engine, clock, bystander)


# -- helpers -----------------------------------------------------------------------------------


def subscribe(library: Library, server: FeedServer, path: str, **kwargs: Any) -> FeedId:
    return library.add_feed(server.url(path), **kwargs).id


def sync(engine: SyncEngine, *feed_ids: FeedId, force: bool = False) -> SyncReport:
    return engine.run(SyncSelection(feed_ids=frozenset(feed_ids), force=force))


def sync_one(engine: SyncEngine, feed_id: FeedId) -> FeedResult:
    report = sync(engine, feed_id)
    assert len(report.results) == 1, report
    assert report.results[0].feed_id == feed_id
    return report.results[0]


def sync_due(engine: SyncEngine, feed_id: FeedId) -> tuple[FeedResult, float]:
    """The default selection (due feeds only): only ``feed_id`` may be due. Also the time."""
    started = time.monotonic()
    report = engine.run(SyncSelection())
    elapsed = time.monotonic() - started
    assert [r.feed_id for r in report.results] == [feed_id], report
    assert not report.cancelled
    return report.results[0], elapsed


def stored_entries(library: Library, feed_id: FeedId) -> list[Entry]:
    page = library.entries(EntryQuery(feed_ids=frozenset({feed_id}), limit=10_000))
    return [library.entry(item.id) for item in page.entries]


def by_key(entries: Sequence[Entry]) -> dict[str, Entry]:
    return {e.key: e for e in entries}


def stored_validators(engine: SyncEngine, feed_id: FeedId) -> tuple[str | None, ...]:
    (target,) = engine.targets(SyncSelection(feed_ids=frozenset({feed_id})))
    return target.etag, target.last_modified, target.body_hash


def raw_column(library: Library, feed_id: FeedId, column: str) -> Any:
    """A feeds column the domain values do not carry (icon_url)."""
    with contextlib.closing(sqlite3.connect(f"file:{library.path}?mode=ro", uri=True)) as conn:
        row = conn.execute(f"SELECT {column} FROM feeds WHERE id = ?", (feed_id,)).fetchone()
    return row[0]


def db_rows(library: Library, *except_feeds: FeedId) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, except those of the feeds under test (row, articles...).

    SQLite's planner statistics (``sqlite_stat*``) are left out: a sync refreshes them, and
    they describe the data rather than hold any.
    """
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with contextlib.closing(sqlite3.connect(f"file:{library.path}?mode=ro", uri=True)) as conn:
        names = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_stat%'"
                # The search index is derived from the articles; tests/storage/
                # test_search_index.py checks it matches them exactly.
                " AND name NOT LIKE 'entries_search%' ORDER BY name"
            )
        ]
        for name in names:
            cursor = conn.execute(f'SELECT * FROM "{name}"')
            columns = [d[0] for d in cursor.description]
            found = cursor.fetchall()
            column = "id" if name == "feeds" else "feed_id"
            if column in columns:
                index = columns.index(column)
                found = [r for r in found if r[index] not in except_feeds]
            rows[name] = sorted(found, key=repr)
    return rows


def assert_nothing_else_changed(
    library: Library,
    bystander: Bystander,
    before: dict[str, list[tuple[Any, ...]]],
    feed_id: FeedId,
) -> None:
    assert library.feed(bystander.feed_id) == bystander.feed
    assert stored_entries(library, bystander.feed_id) == bystander.entries
    assert db_rows(library, feed_id) == before


def assert_failed_and_empty(library: Library, feed_id: FeedId, error: str, now: datetime) -> Feed:
    """The stored state of a first failed update: the error, no articles, no title."""
    feed = library.feed(feed_id)
    assert feed.error_count == 1
    assert feed.last_error == error
    assert feed.last_error_at == now
    assert feed.last_fetched == now
    assert feed.next_check == now + HOUR
    assert feed.updates_enabled
    assert feed.title is None
    assert feed.last_updated is None
    assert feed.last_warning is None
    assert stored_entries(library, feed_id) == []
    return feed


def max_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def rss_doc(title: str, items: Sequence[str], *, extra: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://example.org/</link><description>d</description>"
        f"{extra}{''.join(items)}</channel></rss>"
    ).encode()


def rss_item(guid: str, title: str, summary: str, pub_date: str | None = None) -> str:
    date = f"<pubDate>{pub_date}</pubDate>" if pub_date else ""
    return (
        f"<item><guid isPermaLink='false'>{guid}</guid><title>{title}</title>"
        f"<link>http://example.org/{guid}</link><description>{summary}</description>{date}</item>"
    )


def many_attributes(count: int = 100_000) -> bytes:
    # xml.sax looks attributes up by name in a list: quadratic, minutes for 100,000.
    attributes = " ".join(f'a{i}="v"' for i in range(count))
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        f"<item {attributes}><title>x</title></item></channel></rss>"
    ).encode()


def fast_gzip_bomb(size: int) -> bytes:
    """gzip of ``size`` zero bytes, one member; level 1 builds 256 MiB in well under a second."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = bytes(MIB)
    parts = [compressor.compress(zeros) for _ in range(size // MIB)]
    parts.append(compressor.flush())
    return b"".join(parts)


# -- conditional GET, unchanged bodies, validators ---------------------------------------------


def test_200_then_304_sends_both_validators_and_parses_nothing(
    feed_server: FeedServer,
    library: Library,
    engine: SyncEngine,
    clock: FixedClock,
    parser: CountingParserPool,
) -> None:
    modified = "Sun, 22 Nov 2026 10:00:00 GMT"
    feed_server.route("/feed", body=rss("Validators", items=2), etag='"v1"', last_modified=modified)
    feed_id = subscribe(library, feed_server, "/feed")

    calls = parser.calls
    first = sync_one(engine, feed_id)
    assert first.outcome is FeedOutcome.UPDATED
    assert first.new_entries == 2
    assert parser.calls == calls + 1
    etag, last_modified, body_hash = stored_validators(engine, feed_id)
    assert (etag, last_modified) == ('"v1"', modified)
    assert body_hash is not None
    entries = stored_entries(library, feed_id)

    clock.advance(hours=1)
    result, _ = sync_due(engine, feed_id)
    assert result.outcome is FeedOutcome.NOT_MODIFIED
    assert parser.calls == calls + 1  # a 304 has nothing to parse

    second = feed_server.requests_for("/feed")[1]
    assert second.header("if-none-match") == '"v1"'
    assert second.header("if-modified-since") == modified
    feed = library.feed(feed_id)
    assert feed.last_fetched == clock.now
    assert feed.next_check == clock.now + HOUR
    assert feed.error_count == 0
    assert stored_validators(engine, feed_id) == (etag, last_modified, body_hash)
    assert stored_entries(library, feed_id) == entries


def test_unchanged_body_without_validators_is_not_parsed_again(
    feed_server: FeedServer,
    library: Library,
    engine: SyncEngine,
    clock: FixedClock,
    parser: CountingParserPool,
) -> None:
    feed_server.route("/plain", body=rss("No validators", items=2))
    feed_id = subscribe(library, feed_server, "/plain")

    calls = parser.calls
    assert sync_one(engine, feed_id).outcome is FeedOutcome.UPDATED
    assert parser.calls == calls + 1
    entries = stored_entries(library, feed_id)

    clock.advance(hours=1)
    result = sync_one(engine, feed_id)
    assert result.outcome is FeedOutcome.NOT_MODIFIED
    assert parser.calls == calls + 1  # same bytes: not handed to the parser
    assert [r.header("if-none-match") for r in feed_server.requests_for("/plain")] == [None, None]
    feed = library.feed(feed_id)
    assert feed.last_fetched == clock.now
    assert feed.next_check == clock.now + HOUR
    assert stored_entries(library, feed_id) == entries

    feed_server.route("/plain", body=rss("No validators", items=3))
    clock.advance(hours=1)
    result = sync_one(engine, feed_id)
    assert result.outcome is FeedOutcome.UPDATED
    assert result.new_entries == 1
    assert parser.calls == calls + 2


def test_validators_of_an_unparsable_body_are_not_stored(
    feed_server: FeedServer, library: Library, engine: SyncEngine, clock: FixedClock
) -> None:
    feed_server.route("/feed", body=rss("Good", items=1), etag='"good"')
    feed_id = subscribe(library, feed_server, "/feed")
    assert sync_one(engine, feed_id).outcome is FeedOutcome.UPDATED
    good = stored_validators(engine, feed_id)

    broken = (FEEDS_DIR / "broken.xml").read_bytes()
    feed_server.route("/feed", body=broken, etag='"broken"')
    clock.advance(hours=1)
    result = sync_one(engine, feed_id)
    assert result.outcome is FeedOutcome.FAILED
    assert stored_validators(engine, feed_id) == good

    # The next request still asks for what was last stored, so the fixed feed is not hidden
    # behind a 304 for the broken one.
    feed_server.route("/feed", body=rss("Good again", items=2), etag='"broken"')
    clock.advance(hours=1)
    result = sync_one(engine, feed_id)
    assert feed_server.requests_for("/feed")[-1].header("if-none-match") == '"good"'
    assert result.outcome is FeedOutcome.UPDATED
    assert result.new_entries == 1
    assert stored_validators(engine, feed_id)[0] == '"broken"'


def test_validators_are_committed_with_the_articles_or_not_at_all(
    feed_server: FeedServer,
    library: Library,
    engine: SyncEngine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A failure after the feed row was written (validators included) rolls the articles
    back with it: no validators are left that would hide articles that were never stored."""
    feed_server.route("/feed", body=rss("Atomic", items=2), etag='"v1"')
    feed_id = subscribe(library, feed_server, "/feed")
    real = update_store.record_update

    def record_then_crash(session: Any, fid: int, state: update_store.FeedState) -> None:
        real(session, fid, state)
        raise RuntimeError("simulated crash before commit")

    monkeypatch.setattr(update_store, "record_update", record_then_crash)
    with pytest.raises(RuntimeError, match="simulated crash"):
        sync(engine, feed_id)
    assert stored_validators(engine, feed_id) == (None, None, None)
    assert stored_entries(library, feed_id) == []
    assert library.feed(feed_id).last_fetched is None

    monkeypatch.setattr(update_store, "record_update", real)
    result = sync_one(engine, feed_id)
    assert feed_server.requests_for("/feed")[-1].header("if-none-match") is None
    assert result.outcome is FeedOutcome.UPDATED
    assert result.new_entries == 2
    assert stored_validators(engine, feed_id)[0] == '"v1"'


# -- redirects ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 308])
def test_permanent_redirect_to_a_feed_moves_the_feed(
    feed_server: FeedServer, library: Library, engine: SyncEngine, status: int
) -> None:
    feed_server.route("/old", status=status, redirect_to="/new")
    feed_server.route("/new", body=rss("Moved", items=2))
    feed_id = subscribe(library, feed_server, "/old")

    result = sync_one(engine, feed_id)
    assert result.outcome is FeedOutcome.UPDATED
    assert result.url == feed_server.url("/new")
    assert library.feed(feed_id).url == feed_server.url("/new")
    assert len(stored_entries(library, feed_id)) == 2

    sync(engine, feed_id)
    assert len(feed_server.requests_for("/old")) == 1  # the next sync goes to the new address
    assert len(feed_server.requests_for("/new")) == 2


@pytest.mark.parametrize("status", [302, 307])
def test_temporary_redirect_keeps_the_url(
    feed_server: FeedServer, library: Library, engine: SyncEngine, status: int
) -> None:
    feed_server.route("/old", status=status, redirect_to="/elsewhere")
    feed_server.route("/elsewhere", body=rss("Visiting", items=1))
    feed_id = subscribe(library, feed_server, "/old")

    result = sync_one(engine, feed_id)
    assert result.outcome is FeedOutcome.UPDATED
    assert len(stored_entries(library, feed_id)) == 1
    assert library.feed(feed_id).url == feed_server.url("/old")

    sync(engine, feed_id)
    assert len(feed_server.requests_for("/old")) == 2


def test_permanent_redirect_to_a_non_feed_keeps_the_url(
    feed_server: FeedServer,
    library: Library,
    engine: SyncEngine,
    clock: FixedClock,
    bystander: Bystander,
) -> None:
    feed_server.route("/old", status=301, redirect_to="/home")
    feed_server.route_file("/home", "html_page.html", content_type="text/html; charset=utf-8")
    feed_id = subscribe(library, feed_server, "/old")
    before = db_rows(library, feed_id)

    result, _ = sync_due(engine, feed_id)
    assert result.outcome is FeedOutcome.FAILED
    assert result.error == HTML_PAGE
    feed = assert_failed_and_empty(library, feed_id, HTML_PAGE, clock.now)
    assert feed.url == feed_server.url("/old")
    assert_nothing_else_changed(library, bystander, before, feed_id)


@pytest.mark.parametrize("validators", [True, False], ids=["304", "same-bytes"])
def test_permanent_redirect_to_the_same_document_moves_the_feed(
    feed_server: FeedServer,
    library: Library,
    engine: SyncEngine,
    clock: FixedClock,
    validators: bool,
) -> None:
    # The usual http -> https move: same document, same ETag, and a 301 at the old address.
    body = rss("Moving house", items=2)
    etag = '"same"' if validators else None
    feed_server.route("/old", body=body, etag=etag)
    feed_id = subscribe(library, feed_server, "/old")
    assert sync_one(engine, feed_id).outcome is FeedOutcome.UPDATED

    feed_server.route("/old", status=301, redirect_to="/new")
    feed_server.route("/new", body=body, etag=etag)
    clock.advance(hours=1)
    result = sync_one(engine, feed_id)
    assert result.outcome is FeedOutcome.NOT_MODIFIED
    assert library.feed(feed_id).url == feed_server.url("/new")


def test_redirect_loop_fails_and_keeps_the_url(
    feed_server: FeedServer,
    library: Library,
    engine: SyncEngine,
    clock: FixedClock,
    bystander: Bystander,
) -> None:
    feed_server.route("/a", status=301, redirect_to="/b")
    feed_server.route("/b", status=301, redirect_to="/a")
    feed_id = subscribe(library, feed_server, "/a")
    before = db_rows(library, feed_id)

    result, elapsed = sync_due(engine, feed_id)
    assert result.outcome is FeedOutcome.FAILED
    assert (result.error or "").startswith("redirect loop")
    feed = assert_failed_and_empty(library, feed_id, result.error or "", clock.now)
    assert feed.url == feed_server.url("/a")
    assert elapsed < 5
    assert len(feed_server.requests_for("/a")) == 1
    assert_nothing_else_changed(library, bystander, before, feed_id)


# -- HTTP errors, back-off, Retry-After, 410 ---------------------------------------------------


def test_410_stops_updates_until_the_feed_is_named(
    feed_server: FeedServer,
    library: Library,
    engine: SyncEngine,
    clock: FixedClock,
    bystander: Bystander,
) -> None:
    feed_server.route("/gone", status=410, body=b"gone", content_type="text/plain")
    feed_id = subscribe(library, feed_server, "/gone")
    before = db_rows(library, feed_id)
    t0 = clock.now

    result, _ = sync_due(engine, feed_id)
    assert result.outcome is FeedOutcome.GONE
    reason = "the server says the feed is gone (410); updates stopped"
    assert result.error == reason
    feed = library.feed(feed_id)
    assert not feed.updates_enabled
    assert feed.last_error == reason
    assert feed.last_error_at == t0
    assert feed.error_count == 1
    assert stored_entries(library, feed_id) == []
    assert_nothing_else_changed(library, bystander, before, feed_id)

    # Long after it would have been due: a default update skips it.
    clock.advance(hours=25)
    report = library.update_feeds()
    assert feed_id not in {r.feed_id for r in report.results}
    assert len(feed_server.requests_for("/gone")) == 1
    assert not library.feed(feed_id).updates_enabled

    # Named explicitly, it is tried; once it answers with a feed again, updates resume.
    feed_server.route("/gone", body=rss("Back again", items=1))
    result = sync_one(engine, feed_id)
    assert len(feed_server.requests_for("/gone")) == 2
    assert result.outcome is FeedOutcome.UPDATED
    feed = library.feed(feed_id)
    assert feed.updates_enabled
    assert (feed.error_count, feed.last_error, feed.last_error_at) == (0, None, None)
    assert len(stored_entries(library, feed_id)) == 1


def test_404_backs_off_exponentially_and_a_success_clears_the_error(
    feed_server: FeedServer,
    library: Library,
    engine: SyncEngine,
    clock: FixedClock,
    bystander: Bystander,
) -> None:
    feed_server.route("/missing", status=404, body=b"not here", content_type="text/plain")
    feed_id = subscribe(library, feed_server, "/missing")
    before = db_rows(library, feed_id)
    t0 = clock.now

    result, _ = sync_due(engine, feed_id)
    assert result.outcome is FeedOutcome.FAILED
    assert result.error == "HTTP 404 Not Found"
    assert_nothing_else_changed(library, bystander, before, feed_id)

    waits = []
    for attempt in range(1, 5):
        if attempt > 1:
            result = sync_one(engine, feed_id)
            assert result.outcome is FeedOutcome.FAILED
        feed = library.feed(feed_id)
        assert feed.error_count == attempt
        assert feed.last_error == "HTTP 404 Not Found"
        assert feed.last_error_at == t0  # failing since the first failure
        assert feed.last_fetched == clock.now
        assert feed.updates_enabled
        assert feed.next_check is not None
        waits.append(feed.next_check - clock.now)
        # Not due a minute early, due on time.
        clock.now = feed.next_check - timedelta(minutes=1)
        assert feed_id not in {t.feed_id for t in engine.targets(SyncSelection())}
        clock.now = feed.next_check
        assert feed_id in {t.feed_id for t in engine.targets(SyncSelection())}
    assert waits == [HOUR, 2 * HOUR, 4 * HOUR, 8 * HOUR]
    assert len(feed_server.requests_for("/missing")) == 4

    feed_server.route("/missing", body=rss("Found", items=2))
    result = sync_one(engine, feed_id)
    assert result.outcome is FeedOutcome.UPDATED
    feed = library.feed(feed_id)
    assert (feed.error_count, feed.last_error, feed.last_error_at) == (0, None, None)
    assert feed.next_check == clock.now + HOUR
    assert len(stored_entries(library, feed_id)) == 2


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize("kind", ["500", "503", "dns", "refused"])
def test_server_and_network_errors_are_recorded_and_counted(env: Env, kind: str) -> None:
    if kind == "500":
        env.server.route("/feed", status=500, body=b"oops", content_type="text/plain")
        url, message = env.server.url("/feed"), "HTTP 500 Internal Server Error"
    elif kind == "503":
        env.server.route("/feed", status=503, body=b"busy", content_type="text/plain")
        url, message = env.server.url("/feed"), "HTTP 503 Service Unavailable"
    elif kind == "dns":
        host = "feeds.reader-app-test.invalid"
        url, message = f"http://{host}/feed.xml", f"could not resolve host {host}"
    else:
        port = _closed_port()
        url, message = f"http://127.0.0.1:{port}/feed", f"connection refused by 127.0.0.1:{port}"
    feed_id = env.library.add_feed(url).id
    before = db_rows(env.library, feed_id)
    t0 = env.clock.now

    result, elapsed = sync_due(env.engine, feed_id)
    assert result.outcome is FeedOutcome.FAILED
    assert result.error == message
    assert_failed_and_empty(env.library, feed_id, message, t0)
    assert elapsed < 10
    assert_nothing_else_changed(env.library, env.bystander, before, feed_id)

    env.clock.advance(hours=1)
    assert sync_one(env.engine, feed_id).outcome is FeedOutcome.FAILED
    feed = env.library.feed(feed_id)
    assert feed.error_count == 2
    assert feed.last_error == message
    assert feed.last_error_at == t0
    assert feed.next_check == env.clock.now + 2 * HOUR


@pytest.mark.parametrize(
    ("status", "retry_after", "wait"),
    [
        (429, "7200", timedelta(hours=2)),
        (503, "10800", timedelta(hours=3)),
        (429, "60", HOUR),  # shorter than the back-off: the back-off wins
    ],
)
def test_retry_after_is_respected(env: Env, status: int, retry_after: str, wait: timedelta) -> None:
    env.server.route(
        "/busy",
        status=status,
        body=b"slow down",
        content_type="text/plain",
        headers={"Retry-After": retry_after},
    )
    feed_id = subscribe(env.library, env.server, "/busy")
    before = db_rows(env.library, feed_id)

    result, _ = sync_due(env.engine, feed_id)
    assert result.outcome is FeedOutcome.FAILED
    assert (result.error or "").startswith(f"HTTP {status}")
    feed = env.library.feed(feed_id)
    assert feed.error_count == 1
    assert feed.next_check == env.clock.now + wait
    assert stored_entries(env.library, feed_id) == []
    assert_nothing_else_changed(env.library, env.bystander, before, feed_id)


# -- slow, broken and oversized responses ------------------------------------------------------


def test_body_trickling_past_the_timeout_fails_in_time(
    feed_server: FeedServer,
    library: Library,
    make_engine: MakeEngine,
    clock: FixedClock,
    bystander: Bystander,
) -> None:
    # 100 bytes every 0.1 s: each read is quick, the whole body would take seconds.
    feed_server.route("/slow", body=rss("Slow", items=50), trickle=(100, 0.1))
    engine = make_engine(
        FetchLimits(connect_timeout=1.0, read_timeout=5.0, total_timeout=1.0, max_body_bytes=MIB)
    )
    feed_id = subscribe(library, feed_server, "/slow")
    before = db_rows(library, feed_id)

    result, elapsed = sync_due(engine, feed_id)
    assert result.outcome is FeedOutcome.FAILED
    assert result.error == "timed out after 1 s"
    assert elapsed < 5
    assert_failed_and_empty(library, feed_id, "timed out after 1 s", clock.now)
    assert_nothing_else_changed(library, bystander, before, feed_id)


def test_connection_reset_mid_body(
    feed_server: FeedServer,
    library: Library,
    engine: SyncEngine,
    clock: FixedClock,
    bystander: Bystander,
) -> None:
    feed_server.route("/reset", body=rss("Reset", items=300), reset_after=1000)
    feed_id = subscribe(library, feed_server, "/reset")
    before = db_rows(library, feed_id)

    result, elapsed = sync_due(engine, feed_id)
    assert result.outcome is FeedOutcome.FAILED
    assert result.error in (
        "connection reset while reading the body",
        "the server closed the connection before sending the whole body",
    )
    assert elapsed < 5
    assert_failed_and_empty(library, feed_id, result.error or "", clock.now)
    assert_nothing_else_changed(library, bystander, before, feed_id)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_body_over_the_size_cap(env: Env, chunked: bool) -> None:
    # 32 MiB of XML comments, with or without a Content-Length to reject up front.
    env.server.route("/huge", body=b"<!-- padding -->" * 4096, repeat=512, chunked=chunked)
    feed_id = subscribe(env.library, env.server, "/huge")
    before = db_rows(env.library, feed_id)

    result, elapsed = sync_due(env.engine, feed_id)
    assert result.outcome is FeedOutcome.FAILED
    assert result.error == TOO_BIG
    assert elapsed < 5
    assert_failed_and_empty(env.library, feed_id, TOO_BIG, env.clock.now)
    assert env.server.wait_idle()
    sent = env.server.responses[-1]
    assert not sent.complete
    assert sent.body_bytes_sent < 16 * MIB
    assert_nothing_else_changed(env.library, env.bystander, before, feed_id)


def test_gzip_bomb_stops_at_the_cap_with_bounded_memory(
    feed_server: FeedServer,
    library: Library,
    engine: SyncEngine,
    clock: FixedClock,
    bystander: Bystander,
) -> None:
    route = feed_server.route("/bomb", body=fast_gzip_bomb(256 * MIB))  # 256 MiB of zeros
    route.content_encoding = "gzip"
    assert len(route.body) < 2 * MIB
    feed_id = subscribe(library, feed_server, "/bomb")
    before = db_rows(library, feed_id)

    rss_before = max_rss_bytes()
    result, elapsed = sync_due(engine, feed_id)
    grown = max_rss_bytes() - rss_before
    assert result.outcome is FeedOutcome.FAILED
    assert result.error == TOO_BIG
    assert elapsed < 5
    assert grown < 100 * MIB, f"max RSS grew by {grown / MIB:.0f} MiB"
    assert_failed_and_empty(library, feed_id, TOO_BIG, clock.now)
    assert_nothing_else_changed(library, bystander, before, feed_id)


# -- documents: formats, broken ones, hostile ones ---------------------------------------------


class Survivable(NamedTuple):
    name: str
    content_type: str
    warning: str  # how the warning starts
    title: str
    entries: int


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            Survivable(
                "wrong_charset.xml",
                RSS_TYPE,
                "character encoding: document declared as utf-8, but parsed as windows-1252",
                "Boulangerie Pâtisserie",
                1,
            ),
            id="wrong-charset",
        ),
        pytest.param(
            Survivable(
                "rss20.xml",
                "text/html; charset=utf-8",
                "wrong content type: text/html; charset=utf-8 is not an XML media type",
                "Example Engineering Blog",
                3,
            ),
            id="wrong-content-type",
        ),
        pytest.param(
            Survivable(
                "malformed.xml",
                RSS_TYPE,
                "the document is not well-formed XML",
                "Hand-rolled Feed",
                2,
            ),
            id="malformed-xml",
        ),
    ],
)
def test_survivable_problem_is_stored_with_a_warning(env: Env, case: Survivable) -> None:
    name, content_type, warning, title, entries = case
    env.server.route_file("/feed", name, content_type=content_type)
    feed_id = subscribe(env.library, env.server, "/feed")
    before = db_rows(env.library, feed_id)

    result, _ = sync_due(env.engine, feed_id)
    assert result.outcome is FeedOutcome.UPDATED
    assert (result.warning or "").startswith(warning)
    assert result.new_entries == entries
    feed = env.library.feed(feed_id)
    assert feed.last_warning == result.warning
    assert feed.title == title
    assert (feed.error_count, feed.last_error) == (0, None)
    assert feed.last_updated == env.clock.now
    assert len(stored_entries(env.library, feed_id)) == entries
    assert_nothing_else_changed(env.library, env.bystander, before, feed_id)

    # Once the document is fixed, the warning goes.
    env.server.route("/feed", body=rss("Fixed", items=1))
    env.clock.advance(hours=1)
    assert sync_one(env.engine, feed_id).warning is None
    assert env.library.feed(feed_id).last_warning is None


def test_wrong_charset_is_decoded_as_what_it_is(
    feed_server: FeedServer, library: Library, engine: SyncEngine
) -> None:
    feed_server.route_file("/feed", "wrong_charset.xml")
    feed_id = subscribe(library, feed_server, "/feed")
    sync_one(engine, feed_id)
    (entry,) = stored_entries(library, feed_id)
    assert entry.title == "Crêpes et gâteaux"
    assert entry.summary == "Très bon, déjà vu."


def test_wrong_content_type_and_charset_keep_the_text_intact(
    feed_server: FeedServer, library: Library, engine: SyncEngine
) -> None:
    # UTF-8 declared in the document, served as an HTML page in Latin-1.
    body = rss_doc("Café", [rss_item("g1", "Crème brûlée", "<p>déjà</p>")])
    feed_server.route("/feed", body=body, content_type="text/html; charset=iso-8859-1")
    feed_id = subscribe(library, feed_server, "/feed")

    result = sync_one(engine, feed_id)
    assert result.outcome is FeedOutcome.UPDATED
    assert result.warning == (
        "wrong content type: text/html; charset=iso-8859-1 is not an XML media type"
    )
    feed = library.feed(feed_id)
    assert feed.title == "Café"
    assert feed.last_warning == result.warning
    (entry,) = stored_entries(library, feed_id)
    assert (entry.title, entry.summary) == ("Crème brûlée", "<p>déjà</p>")


def test_warning_stays_while_the_document_is_unchanged(
    feed_server: FeedServer, library: Library, engine: SyncEngine, clock: FixedClock
) -> None:
    feed_server.route_file("/feed", "wrong_charset.xml", etag='"w1"')
    feed_id = subscribe(library, feed_server, "/feed")
    warning = sync_one(engine, feed_id).warning
    assert warning is not None

    clock.advance(hours=1)
    assert sync_one(engine, feed_id).outcome is FeedOutcome.NOT_MODIFIED
    assert library.feed(feed_id).last_warning == warning


@pytest.mark.parametrize(
    ("name", "content_type", "error"),
    [
        pytest.param("html_page.html", "text/html; charset=utf-8", HTML_PAGE, id="html-page"),
        pytest.param(
            "broken.xml",
            RSS_TYPE,
            "not a feed: the document is not well-formed XML (line 2, column 1: "
            "not well-formed (invalid token))",
            id="malformed-beyond-recovery",
        ),
        pytest.param(
            "surrogate_charref.xml",
            RSS_TYPE,
            "not a feed: the document contains an invalid character (surrogates not allowed)",
            id="surrogate-charref",
        ),
        pytest.param("empty.xml", RSS_TYPE, "not a feed: the document is empty", id="empty"),
    ],
)
def test_unusable_document_records_the_parse_error_and_stores_nothing(
    env: Env, parser: CountingParserPool, name: str, content_type: str, error: str
) -> None:
    env.server.route_file("/feed", name, content_type=content_type, etag='"e1"')
    feed_id = subscribe(env.library, env.server, "/feed")
    before = db_rows(env.library, feed_id)
    calls = parser.calls

    result, _ = sync_due(env.engine, feed_id)
    assert parser.calls == calls + 1
    assert result.outcome is FeedOutcome.FAILED
    assert result.error == error
    assert_failed_and_empty(env.library, feed_id, error, env.clock.now)
    assert stored_validators(env.engine, feed_id) == (None, None, None)
    assert_nothing_else_changed(env.library, env.bystander, before, feed_id)


def test_hostile_document_hits_the_parse_time_limit_and_the_next_feed_is_stored(
    feed_server: FeedServer, library: Library, clock: FixedClock, bystander: Bystander
) -> None:
    feed_server.route("/hostile", body=many_attributes())
    feed_server.route("/next", body=rss("Next feed", items=2))
    hostile = subscribe(library, feed_server, "/hostile")
    following = subscribe(library, feed_server, "/next")
    before = db_rows(library, hostile, following)

    started = time.monotonic()
    report = library.update_feeds(options=SyncOptions(parse_timeout_seconds=1.0, parse_workers=1))
    elapsed = time.monotonic() - started

    results = {r.feed_id: r for r in report.results}
    assert set(results) == {hostile, following}
    message = "parsing took longer than 1 s; the feed is too complex or hostile"
    assert results[hostile].outcome is FeedOutcome.FAILED
    assert results[hostile].error == message
    assert elapsed < 10
    feed = library.feed(hostile)
    assert (feed.error_count, feed.last_error, feed.last_error_at) == (1, message, clock.now)
    assert stored_entries(library, hostile) == []

    assert results[following].outcome is FeedOutcome.UPDATED
    assert library.feed(following).title == "Next feed"
    assert len(stored_entries(library, following)) == 2

    assert library.feed(bystander.feed_id) == bystander.feed
    assert stored_entries(library, bystander.feed_id) == bystander.entries
    assert db_rows(library, hostile, following) == before


def _billion_laughs() -> bytes:
    levels = ['<!ENTITY l0 "' + "a" * 70 + '">']
    levels += [f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n' + "\n".join(levels) + "\n]>\n"
        '<rss version="2.0"><channel><title>Laughs &l9;</title><link>http://example.org/</link>'
        "<description>d</description><item><title>Boom &l9;</title><guid>urn:bomb:1</guid>"
        "<description>&l9;</description></item></channel></rss>"
    ).encode()


def _quadratic_blowup() -> bytes:
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY q "' + "a" * 50_000 + '">]>\n'
        '<rss version="2.0"><channel><title>Quadratic</title><link>http://example.org/</link>'
        "<description>d</description><item><title>t</title><guid>urn:quad:1</guid>"
        f"<description>{'&q;' * 20_000}</description></item></channel></rss>"
    ).encode()


@pytest.mark.parametrize("body", [_billion_laughs(), _quadratic_blowup()], ids=["laughs", "quad"])
def test_entity_expansion_bomb_is_refused_quickly_with_bounded_memory(
    feed_server: FeedServer,
    library: Library,
    engine: SyncEngine,
    bystander: Bystander,
    body: bytes,
) -> None:
    feed_server.route("/bomb", body=body)
    feed_id = subscribe(library, feed_server, "/bomb")
    before = db_rows(library, feed_id)

    rss_before = max_rss_bytes()
    result, elapsed = sync_due(engine, feed_id)
    grown = max_rss_bytes() - rss_before
    assert elapsed < 5
    assert grown < 100 * MIB, f"max RSS grew by {grown / MIB:.0f} MiB"
    assert result.outcome in (FeedOutcome.UPDATED, FeedOutcome.FAILED)
    # Whatever survived, no entity was expanded: every stored text stays small.
    feed = library.feed(feed_id)
    texts = [feed.title or "", feed.last_warning or "", feed.last_error or ""]
    for entry in stored_entries(library, feed_id):
        texts += [entry.title or "", entry.summary or "", entry.content or ""]
    assert all(len(text) < len(body) for text in texts)
    assert not any("a" * 1000 in text for text in texts)
    assert_nothing_else_changed(library, bystander, before, feed_id)


def test_external_entities_are_never_read(
    feed_server: FeedServer,
    library: Library,
    engine: SyncEngine,
    bystander: Bystander,
    tmp_path: Path,
) -> None:
    marker = f"XXE-MARKER-{uuid.uuid4().hex}"
    secret = tmp_path / "secret.txt"
    secret.write_text(marker)
    probe = feed_server.url("/xxe-probe")
    feed_server.route("/xxe-probe", body=marker.encode(), content_type="text/plain")
    body = (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret.as_uri()}">'
        f'<!ENTITY net SYSTEM "{probe}">]>\n'
        '<rss version="2.0"><channel><title>Leak &xxe;</title><link>http://example.org/</link>'
        "<description>&net;</description><item><title>Item &xxe;</title>"
        "<guid>urn:xxe:1</guid><description>&xxe; &net;</description></item></channel></rss>"
    ).encode()
    feed_server.route("/feed", body=body)
    feed_id = subscribe(library, feed_server, "/feed")
    before = db_rows(library, feed_id)

    result, elapsed = sync_due(engine, feed_id)
    assert elapsed < 5
    assert result.outcome in (FeedOutcome.UPDATED, FeedOutcome.FAILED)
    assert marker not in repr(library.feeds())
    assert all(marker not in repr(entry) for entry in stored_entries(library, feed_id))
    assert marker not in repr(db_rows(library))
    assert feed_server.requests_for("/xxe-probe") == []
    assert_nothing_else_changed(library, bystander, before, feed_id)


def test_json_feed_11_is_stored(
    feed_server: FeedServer, library: Library, engine: SyncEngine, clock: FixedClock
) -> None:
    feed_server.route_file("/feed.json", "jsonfeed11.json")
    feed_id = subscribe(library, feed_server, "/feed.json")

    result = sync_one(engine, feed_id)
    assert result.outcome is FeedOutcome.UPDATED
    assert result.new_entries == 2
    assert result.warning is None
    feed = library.feed(feed_id)
    assert feed.title == "The Podcast Companion"
    assert feed.site_url == "https://pod.example.fm/"
    assert raw_column(library, feed_id, "icon_url") == "https://pod.example.fm/artwork-512.png"
    entries = by_key(stored_entries(library, feed_id))
    assert set(entries) == {
        "guid:https://pod.example.fm/episodes/42",
        "guid:https://pod.example.fm/episodes/41",
    }
    ep42 = entries["guid:https://pod.example.fm/episodes/42"]
    assert ep42.title == "Episode 42: Everything"
    assert ep42.link == "https://pod.example.fm/episodes/42"
    assert ep42.content == "<p>We answer the question.</p><ul><li>Chapter 1</li></ul>"
    assert ep42.published == datetime(2026, 11, 19, 11, 0, tzinfo=UTC)
    assert ep42.sort_at == ep42.published
    assert ep42.first_seen == clock.now
    assert not ep42.read
    ep41 = entries["guid:https://pod.example.fm/episodes/41"]
    assert ep41.title == "Episode 41: Review elsewhere"
    assert ep41.published == datetime(2026, 11, 12, 6, 0, tzinfo=UTC)


def test_feed_title_site_and_icon_follow_the_document(
    feed_server: FeedServer, library: Library, engine: SyncEngine, clock: FixedClock
) -> None:
    atom = (FEEDS_DIR / "atom10.xml").read_bytes()
    feed_server.route("/atom", body=atom, content_type="application/atom+xml")
    feed_id = subscribe(library, feed_server, "/atom", user_title="My name for it")

    assert sync_one(engine, feed_id).outcome is FeedOutcome.UPDATED
    feed = library.feed(feed_id)
    assert feed.title == "Dev Journal"
    assert feed.site_url == "https://dev.example.io/journal/"
    assert raw_column(library, feed_id, "icon_url") == "https://dev.example.io/favicon.png"
    assert feed.user_title == "My name for it"

    changed = (
        atom.replace(b'<title type="text">Dev Journal</title>', b"<title>Sam's Journal</title>")
        .replace(b'href="./"', b'href="https://sam.example.net/"')
        .replace(b"<icon>/favicon.png</icon>", b"<icon>https://sam.example.net/i.png</icon>")
    )
    assert changed != atom
    feed_server.route("/atom", body=changed, content_type="application/atom+xml")
    clock.advance(hours=1)
    result = sync_one(engine, feed_id)
    assert result.title == "Sam's Journal"
    feed = library.feed(feed_id)
    assert feed.title == "Sam's Journal"
    assert feed.site_url == "https://sam.example.net/"
    assert raw_column(library, feed_id, "icon_url") == "https://sam.example.net/i.png"
    assert feed.user_title == "My name for it"
    assert feed.display_title == "My name for it"


def test_ttl_still_applies_after_a_304(
    feed_server: FeedServer, library: Library, engine: SyncEngine, clock: FixedClock
) -> None:
    body = rss_doc("Slow publisher", [rss_item("t1", "one", "x")], extra="<ttl>180</ttl>")
    feed_server.route("/ttl", body=body, etag='"t"')
    feed_id = subscribe(library, feed_server, "/ttl")
    sync_one(engine, feed_id)
    assert library.feed(feed_id).next_check == clock.now + 3 * HOUR

    clock.advance(hours=3)
    assert sync_one(engine, feed_id).outcome is FeedOutcome.NOT_MODIFIED
    assert library.feed(feed_id).next_check == clock.now + 3 * HOUR


# -- articles: identity, edits, deletions ------------------------------------------------------


def test_entries_without_guid_use_links_and_a_resync_adds_nothing(
    feed_server: FeedServer,
    library: Library,
    engine: SyncEngine,
    clock: FixedClock,
    parser: CountingParserPool,
) -> None:
    body = (FEEDS_DIR / "rss20_noguid.xml").read_bytes()
    feed_server.route("/council", body=body)
    feed_id = subscribe(library, feed_server, "/council")

    assert sync_one(engine, feed_id).new_entries == 3
    first = stored_entries(library, feed_id)
    keys = {e.key for e in first}
    assert {k for k in keys if k.startswith("link:")} == {
        "link:https://council.example.org/notices/road-closure-high-street",
        "link:https://council.example.org/notices/library-hours",
    }
    assert len([k for k in keys if k.startswith("hash:")]) == 1

    # Different bytes (so it is parsed again), same items.
    feed_server.route("/council", body=body + b"<!-- regenerated -->\n")
    clock.advance(hours=1)
    calls = parser.calls
    result = sync_one(engine, feed_id)
    assert parser.calls == calls + 1
    assert result.outcome is FeedOutcome.UPDATED
    assert (result.new_entries, result.updated_entries) == (0, 0)
    assert stored_entries(library, feed_id) == first
    assert library.feed(feed_id).last_updated == clock.now - HOUR


def _context_change(kind: str) -> tuple[bytes, bytes, str, str]:
    """Two versions of a document whose item bytes are identical but mean something else:
    (before, after, what the entry says before, what it says after)."""
    if kind == "encoding":
        # Latin-1 bytes first declared as KOI8-R (mojibake), then declared correctly.
        def doc(encoding: str) -> bytes:
            return (
                f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
                "<title>Cafe</title><link>http://example.org/</link><description>d</description>"
                "<item><guid>g1</guid><title>Crème brûlée</title></item></channel></rss>"
            ).encode("latin-1")

        text = "Crème brûlée"
        return doc("koi8-r"), doc("iso-8859-1"), text.encode("latin-1").decode("koi8-r"), text

    # The site moved to https: the feed's xml:base changes, the items' relative links do not.
    def atom(base: str) -> bytes:
        return (
            '<?xml version="1.0" encoding="utf-8"?>'
            f'<feed xmlns="http://www.w3.org/2005/Atom" xml:base="{base}"><title>Moved</title>'
            "<id>urn:moved</id><updated>2026-11-20T10:00:00Z</updated>"
            '<entry><id>urn:moved:1</id><title>Post</title><link href="post-1"/>'
            "<updated>2026-11-20T10:00:00Z</updated></entry></feed>"
        ).encode()

    return (
        atom("http://old.example.org/"),
        atom("https://new.example.org/"),
        "http://old.example.org/post-1",
        "https://new.example.org/post-1",
    )


@pytest.mark.parametrize("kind", ["encoding", "xml-base"])
def test_document_context_change_reaches_unchanged_items(
    feed_server: FeedServer, library: Library, engine: SyncEngine, clock: FixedClock, kind: str
) -> None:
    before, after, old, new = _context_change(kind)
    feed_server.route("/feed", body=before, content_type="application/rss+xml")
    feed_id = subscribe(library, feed_server, "/feed")
    sync_one(engine, feed_id)
    (entry,) = stored_entries(library, feed_id)
    assert old in (entry.title, entry.link)

    feed_server.route("/feed", body=after, content_type="application/rss+xml")
    clock.advance(hours=1)
    assert sync_one(engine, feed_id).outcome is FeedOutcome.UPDATED
    (entry,) = stored_entries(library, feed_id)
    assert new in (entry.title, entry.link)


def test_entry_edited_upstream_keeps_read_starred_and_sort_date(
    feed_server: FeedServer, library: Library, engine: SyncEngine, clock: FixedClock
) -> None:
    kept = rss_item("kept", "Kept", "<p>same</p>", "Fri, 20 Nov 2026 10:00:00 GMT")
    v1 = rss_item("edited", "First title", "<p>v1</p>", "Sat, 21 Nov 2026 10:00:00 GMT")
    feed_server.route("/feed", body=rss_doc("Edits", [v1, kept]))
    feed_id = subscribe(library, feed_server, "/feed")
    assert sync_one(engine, feed_id).new_entries == 2
    before = by_key(stored_entries(library, feed_id))
    edited_id = before["guid:edited"].id
    library.mark_read([edited_id])
    library.set_starred([edited_id])
    before = by_key(stored_entries(library, feed_id))

    v2 = rss_item("edited", "Edited title", "<p>v2</p>", "Sun, 22 Nov 2026 10:00:00 GMT")
    feed_server.route("/feed", body=rss_doc("Edits", [v2, kept]))
    clock.advance(hours=1)
    progress: list[SyncProgress] = []
    report = engine.run(SyncSelection(feed_ids=frozenset({feed_id})), on_progress=progress.append)
    (result,) = report.results
    assert result.outcome is FeedOutcome.UPDATED
    assert (result.new_entries, result.updated_entries) == (0, 1)
    assert progress[0].changes.entries == frozenset({edited_id})

    after = by_key(stored_entries(library, feed_id))
    old, new = before["guid:edited"], after["guid:edited"]
    assert new.id == old.id
    assert (new.title, new.summary) == ("Edited title", "<p>v2</p>")
    assert new.published == datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    assert (new.read, new.read_at, new.starred) == (True, old.read_at, True)
    assert new.sort_at == old.sort_at == datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    assert new.first_seen == old.first_seen
    assert after["guid:kept"] == before["guid:kept"]
    assert library.feed(feed_id).last_updated == clock.now


def test_entry_deleted_by_the_user_never_comes_back(
    feed_server: FeedServer, library: Library, engine: SyncEngine, clock: FixedClock
) -> None:
    feed_server.route("/feed", body=rss("Deletions", items=2))
    feed_id = subscribe(library, feed_server, "/feed")
    sync_one(engine, feed_id)
    doomed = by_key(stored_entries(library, feed_id))["guid:urn:test:0"]
    library.delete_entries([doomed.id])

    clock.advance(hours=1)
    assert sync_one(engine, feed_id).outcome is FeedOutcome.NOT_MODIFIED  # same bytes

    # The feed still has it, next to a new item: only the new one is added.
    feed_server.route("/feed", body=rss("Deletions", items=3))
    clock.advance(hours=1)
    result = sync_one(engine, feed_id)
    assert (result.new_entries, result.updated_entries) == (1, 0)
    assert {e.key for e in stored_entries(library, feed_id)} == {
        "guid:urn:test:1",
        "guid:urn:test:2",
    }
    with pytest.raises(EntryNotFoundError):
        library.entry(doomed.id)


# -- selection, progress, cancellation ---------------------------------------------------------


def test_only_due_feeds_are_fetched_unless_forced(
    feed_server: FeedServer, library: Library, engine: SyncEngine, clock: FixedClock
) -> None:
    for path in ("/a", "/b", "/c"):
        feed_server.route(path, body=rss(path, items=1))
    a = subscribe(library, feed_server, "/a")
    b = subscribe(library, feed_server, "/b")

    def fetched() -> dict[str, int]:
        return {p: len(feed_server.requests_for(p)) for p in ("/a", "/b", "/c")}

    assert {r.feed_id for r in engine.run(SyncSelection()).results} == {a, b}
    assert fetched() == {"/a": 1, "/b": 1, "/c": 0}

    clock.advance(minutes=30)
    c = subscribe(library, feed_server, "/c")  # never checked: due
    assert [r.feed_id for r in engine.run(SyncSelection()).results] == [c]
    assert fetched() == {"/a": 1, "/b": 1, "/c": 1}

    report = engine.run(SyncSelection(force=True))
    assert {r.feed_id for r in report.results} == {a, b, c}
    assert fetched() == {"/a": 2, "/b": 2, "/c": 2}

    clock.advance(minutes=59)
    assert engine.run(SyncSelection()).total == 0
    assert fetched() == {"/a": 2, "/b": 2, "/c": 2}

    clock.advance(minutes=1)
    assert {r.feed_id for r in engine.run(SyncSelection()).results} == {a, b, c}
    assert fetched() == {"/a": 3, "/b": 3, "/c": 3}


def test_progress_is_reported_once_per_feed(
    feed_server: FeedServer, library: Library, engine: SyncEngine
) -> None:
    ids = []
    for i in range(3):
        feed_server.route(f"/p{i}", body=rss(f"Feed {i}", items=i + 1))
        ids.append(subscribe(library, feed_server, f"/p{i}"))
    progress: list[SyncProgress] = []

    report = engine.run(SyncSelection(), on_progress=progress.append)
    assert [p.done for p in progress] == [1, 2, 3]
    assert all(p.total == 3 for p in progress)
    assert report.results == tuple(p.result for p in progress)
    assert {p.result.feed_id for p in progress} == set(ids)
    for p in progress:
        feed_id = p.result.feed_id
        stored = stored_entries(library, feed_id)
        assert p.result.outcome is FeedOutcome.UPDATED
        assert p.result.new_entries == len(stored) == ids.index(feed_id) + 1
        assert p.changes.feeds == frozenset({feed_id})
        assert p.changes.entries == frozenset(e.id for e in stored)
    assert (report.total, report.updated, report.new_entries, report.cancelled) == (3, 3, 6, False)


def test_cancel_from_progress_keeps_written_feeds_and_leaves_the_rest_due(
    feed_server: FeedServer, library: Library, engine: SyncEngine, clock: FixedClock
) -> None:
    ids = []
    for i in range(4):
        feed_server.route(f"/c{i}", body=rss(f"Feed {i}", items=2))
        ids.append(subscribe(library, feed_server, f"/c{i}"))
    cancel = threading.Event()
    progress: list[SyncProgress] = []

    def on_progress(p: SyncProgress) -> None:
        progress.append(p)
        cancel.set()

    report = engine.run(SyncSelection(), on_progress=on_progress, cancel=cancel)
    assert report.cancelled
    assert report.total == 4
    # Feeds that finished together are written in one transaction; the cancel takes effect
    # after it, so one batch lands (one feed, or more when their fetches finished together).
    assert 1 <= len(report.results) == len(progress) < 4
    written = {r.feed_id for r in report.results}
    assert written == {p.result.feed_id for p in progress}
    for feed_id in written:
        assert library.feed(feed_id).last_fetched == clock.now
        assert len(stored_entries(library, feed_id)) == 2

    rest = set(ids) - written
    for feed_id in rest:
        feed = library.feed(feed_id)
        assert (feed.last_fetched, feed.next_check, feed.title) == (None, None, None)
        assert stored_entries(library, feed_id) == []
    assert {t.feed_id for t in engine.targets(SyncSelection())} == rest

    report = engine.run(SyncSelection())
    assert not report.cancelled
    assert {r.feed_id for r in report.results} == rest
