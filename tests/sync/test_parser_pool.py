"""ParserPool with real worker processes: time limit, memory limit, crashes, threads, close.

No mocks: hostile documents are built here and really make feedparser slow or hungry, and a
worker is really killed from outside. The whole file runs in well under 20 s.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from reader_app.errors import ParseError
from reader_app.ingest.parse import parse_changed, parse_document
from reader_app.ingest.parser_pool import ParserPool
from reader_app.ingest.types import ParsedFeed

DATA = Path(__file__).parent.parent / "data" / "feeds"
URL = "https://feeds.example.com/feed"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def workers() -> list[multiprocessing.process.BaseProcess]:
    return [p for p in multiprocessing.active_children() if p.name == "reader-app-parser"]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def many_attributes(count: int = 100_000) -> bytes:
    # xml.sax looks attributes up by name in a list: quadratic, about 140 s for 100,000.
    attributes = " ".join(f'a{i}="v"' for i in range(count))
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        f"<item {attributes}><title>x</title></item></channel></rss>"
    ).encode()


def many_namespaces(count: int = 20_000) -> bytes:
    # 20,000 prefixes declared and used: about 14 s in feedparser's namespace bookkeeping.
    declarations = " ".join(f'xmlns:n{i}="http://example.org/ns{i}"' for i in range(count))
    uses = "".join(f"<n{i}:x>v</n{i}:x>" for i in range(count))
    return (
        f'<?xml version="1.0"?><rss version="2.0" {declarations}><channel><title>t</title>'
        f"<item><title>x</title>{uses}</item></channel></rss>"
    ).encode()


def giant_text(megabytes: int = 20) -> bytes:
    # One text node: feedparser holds about seven copies of it at its peak (bytes, str, the
    # SAX pieces, the joined value...), so 20 MB needs about 160 MB of address space.
    return (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>x</title><description>"
        + b"word " * (megabytes * 1024 * 1024 // 5)
        + b"</description></item></channel></rss>"
    )


@pytest.fixture
def pool() -> Iterator[ParserPool]:
    with ParserPool(2, timeout=10.0, memory_limit_mb=512) as p:
        yield p
    assert workers() == []


def test_parses_like_in_process(pool: ParserPool) -> None:
    for name in ("rss20.xml", "atom10.xml", "jsonfeed11.json", "wrong_charset.xml"):
        body = read(name)
        assert pool.parse(body, url=URL) == parse_changed(body, url=URL)
    headers = {"Content-Type": "text/xml", "Content-Location": "https://m.example.net/x/"}
    body = read("rss20.xml")
    assert pool.parse(body, url=URL, headers=headers) == parse_changed(
        body, url=URL, headers=headers
    )


def test_known_items_reach_the_worker(pool: ParserPool) -> None:
    body = read("rss20.xml")
    whole = pool.parse(body, url=URL)
    assert whole.item_hashes is not None
    known = frozenset(whole.item_hashes[1:])
    partial = pool.parse(body, url=URL, known_items=known)
    assert partial.entries == whole.entries[:1]
    assert set(partial.unchanged_items) == known


def test_parse_errors_keep_their_message(pool: ParserPool) -> None:
    for name in ("html_page.html", "broken.xml", "surrogate_charref.xml", "empty.xml"):
        with pytest.raises(ParseError) as in_process:
            parse_document(read(name), url=URL)
        with pytest.raises(ParseError) as pooled:
            pool.parse(read(name), url=URL)
        assert str(pooled.value) == str(in_process.value)
    # A "not a feed" answer does not cost the worker: still one process.
    assert pool.parse(read("rss20.xml"), url=URL).title == "Example Engineering Blog"
    assert len(workers()) == 1


@pytest.mark.parametrize(
    "hostile", [many_attributes, many_namespaces], ids=["100k_attributes", "20k_namespaces"]
)
def test_time_limit_kills_and_replaces_the_worker(hostile: object) -> None:
    assert callable(hostile)
    body: bytes = hostile()
    with ParserPool(1, timeout=1.0) as pool:
        pool.parse(read("rss20.xml"), url=URL)  # the worker is up: the clock is the parse's
        (first,) = workers()
        first_pid = first.pid  # the pool closes the process object once it is reaped
        assert first_pid is not None
        start = time.monotonic()
        with pytest.raises(ParseError) as caught:
            pool.parse(body, url=URL)
        elapsed = time.monotonic() - start
        assert str(caught.value) == (
            "parsing took longer than 1 s; the feed is too complex or hostile"
        )
        assert 1.0 <= elapsed < 4.0
        assert not alive(first_pid)
        # A fresh worker takes the next document.
        assert pool.parse(read("atom10.xml"), url=URL).title == "Dev Journal"
        (second,) = workers()
        assert second.pid != first_pid
    assert workers() == []


def test_memory_limit() -> None:
    body = giant_text(20)
    with ParserPool(1, memory_limit_mb=100) as pool:
        with pytest.raises(ParseError, match=r"^parsing ran out of memory \(limit 100 MB\)$"):
            pool.parse(body, url=URL)
        # The worker that ran out is gone; its successor parses normal feeds under that limit.
        assert pool.parse(read("rss20.xml"), url=URL).title == "Example Engineering Blog"
    # The same document with room to breathe: the limit, not the document, was the problem.
    with ParserPool(1, memory_limit_mb=1024) as pool:
        (entry,) = pool.parse(body, url=URL).entries
        assert entry.summary is not None
        assert len(entry.summary) > 20_000_000


def test_a_worker_that_dies_is_reported_and_replaced() -> None:
    with ParserPool(1, timeout=30.0) as pool:
        pool.parse(read("rss20.xml"), url=URL)
        (victim,) = workers()
        assert victim.pid is not None
        killer = threading.Timer(0.5, os.kill, (victim.pid, signal.SIGKILL))
        killer.start()
        try:
            with pytest.raises(ParseError) as caught:
                pool.parse(many_attributes(), url=URL)
        finally:
            killer.join()
        assert str(caught.value) == ("the parser process died (exit code -9, killed by SIGKILL)")
        assert pool.parse(read("atom03.xml"), url=URL).format == "atom03"


def test_an_idle_worker_killed_from_outside_is_reported_and_replaced() -> None:
    with ParserPool(1) as pool:
        pool.parse(read("rss20.xml"), url=URL)
        (victim,) = workers()
        assert victim.pid is not None
        os.kill(victim.pid, signal.SIGKILL)
        victim.join(5)
        # Noticed at the next request: that document fails, the one after is parsed.
        with pytest.raises(ParseError, match="died"):
            pool.parse(read("rss20.xml"), url=URL)
        assert pool.parse(read("rss20.xml"), url=URL).title == "Example Engineering Blog"


def test_eight_threads_two_workers() -> None:
    names = [
        "rss20.xml",
        "rss20_noguid.xml",
        "rss091.xml",
        "rdf10.xml",
        "atom10.xml",
        "atom03.xml",
        "jsonfeed10.json",
        "jsonfeed11.json",
        "latin1.xml",
        "wrong_charset.xml",
        "malformed.xml",
    ] * 4
    expected = {name: parse_changed(read(name), url=URL) for name in names}
    seen_workers: set[int | None] = set()

    with ParserPool(2) as shared, ThreadPoolExecutor(max_workers=8) as threads:

        def job(name: str) -> tuple[str, ParsedFeed]:
            feed = shared.parse(read(name), url=URL)
            seen_workers.update(p.pid for p in workers())
            return name, feed

        results = list(threads.map(job, names))
    assert [name for name, _ in results] == names
    for name, feed in results:
        assert feed == expected[name]
    assert 1 <= len(seen_workers) <= 2
    assert workers() == []


def test_close_leaves_no_children_and_is_idempotent() -> None:
    pool = ParserPool(3)
    threads = [
        threading.Thread(target=pool.parse, args=(read("rss20.xml"),), kwargs={"url": URL})
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 <= len(workers()) <= 3
    pool.close()
    assert multiprocessing.active_children() == []
    pool.close()
    with pytest.raises(RuntimeError, match="closed"):
        pool.parse(read("rss20.xml"), url=URL)


def test_close_stops_a_parse_in_flight() -> None:
    pool = ParserPool(1, timeout=60.0)
    pool.parse(read("rss20.xml"), url=URL)
    outcome: list[BaseException | ParsedFeed] = []

    def hostile() -> None:
        try:
            outcome.append(pool.parse(many_attributes(), url=URL))
        except (ParseError, RuntimeError) as exc:
            outcome.append(exc)

    thread = threading.Thread(target=hostile)
    thread.start()
    time.sleep(0.5)
    start = time.monotonic()
    pool.close()
    thread.join(10)
    assert time.monotonic() - start < 5
    (result,) = outcome
    assert isinstance(result, ParseError)
    assert "closed" in str(result)
    assert workers() == []


def test_workers_start_on_first_use() -> None:
    with ParserPool(2) as pool:
        assert workers() == []
        pool.parse(read("rss20.xml"), url=URL)
        assert len(workers()) == 1


@pytest.mark.parametrize(
    "arguments",
    [{"workers": 0}, {"workers": -1}, {"timeout": 0.0}, {"memory_limit_mb": 0}],
)
def test_invalid_arguments(arguments: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=r"must be positive|at least one worker"):
        ParserPool(**arguments)  # type: ignore[arg-type]
