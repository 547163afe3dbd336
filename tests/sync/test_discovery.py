"""Feed discovery (``reader_app.discovery.discover`` and ``reader-app add``) against a real server.

The CLI runs in-process (``reader_app.cli.run`` with its own output streams) against a data
folder in ``tmp_path``; the server records every request, so "nothing was fetched" is checked.
"""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from reader_app.cli import run
from reader_app.discovery import FoundBy, discover
from reader_app.errors import NoFeedFoundError
from reader_app.ingest.discover import COMMON_PATHS
from reader_app.ingest.fetch import Fetcher, FetchLimits
from reader_app.ingest.parser_pool import ParserPool
from tests.support.feedserver import FeedServer, rss

HTML_TYPE = "text/html; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
JSON_TYPE = "application/feed+json; charset=utf-8"
FAST = FetchLimits(connect_timeout=2.0, read_timeout=5.0, total_timeout=10.0)

RSS_BODY = rss("Server RSS", items=2)
ATOM_BODY = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Server Atom</title>
  <id>urn:test:atom</id>
  <updated>2026-11-21T18:30:02Z</updated>
  <entry><title>Atom one</title><id>urn:test:atom:1</id>
    <link href="http://example.org/a1"/><updated>2026-11-21T18:30:02Z</updated></entry>
</feed>
"""
JSON_BODY = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Server JSON",
        "items": [{"id": "j1", "url": "http://example.org/j1", "content_text": "hi"}],
    }
).encode()


def page(*links: str, body: str = "<p>Welcome</p>") -> bytes:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Home</title>"
        f"{''.join(links)}</head><body>{body}</body></html>"
    ).encode()


def alt(href: str, type_: str = "application/rss+xml", title: str | None = None) -> str:
    titled = f' title="{title}"' if title is not None else ""
    return f'<link rel="alternate" type="{type_}" href="{href}"{titled}>'


def closed_port_url(path: str = "/feed.xml") -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


# --------------------------------------------------------------------------------------------
# The command line, in-process


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    def one_error_line(self, *needles: str) -> str:
        assert "Traceback" not in self.out + self.err
        lines = self.err.splitlines()
        assert len(lines) == 1, f"expected one line on stderr, got {self.err!r}"
        for needle in needles:
            assert needle in lines[0], f"{needle!r} not in {lines[0]!r}"
        return lines[0]


class Cli:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def __call__(self, *args: str) -> Result:
        out, err = io.StringIO(), io.StringIO()
        code = run(["--data-dir", str(self.data_dir), *args], stdout=out, stderr=err)
        return Result(code, out.getvalue(), err.getvalue())

    def ok(self, *args: str) -> Result:
        result = self(*args)
        assert result.code == 0, result.err
        assert "Traceback" not in result.out + result.err
        return result

    def feeds(self) -> list[dict[str, Any]]:
        result = self.ok("feeds", "--json")
        feeds: list[dict[str, Any]] = json.loads(result.out)
        return feeds


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.delenv("READER_APP_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return Cli(tmp_path / "data")


@pytest.fixture(scope="module")
def parser() -> Iterator[ParserPool]:
    with ParserPool(1, timeout=10.0) as pool:
        yield pool


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(FAST) as f:
        yield f


# --------------------------------------------------------------------------------------------
# discover()


def test_discover_a_feed_url_is_the_feed_itself(
    feed_server: FeedServer, fetcher: Fetcher, parser: ParserPool
) -> None:
    feed_server.route("/feed.xml", body=RSS_BODY)

    found = discover(feed_server.url("/feed.xml"), fetcher, parser)

    assert found.requested == feed_server.url("/feed.xml")
    [candidate] = found.candidates
    assert candidate.url == feed_server.url("/feed.xml")
    assert candidate.title == "Server RSS"
    assert candidate.found_by is FoundBy.FEED


def test_discover_lists_rss_atom_and_json_links_in_page_order(
    feed_server: FeedServer, fetcher: Fetcher, parser: ParserPool
) -> None:
    feed_server.route(
        "/",
        body=page(
            alt("/rss.xml", title="Posts (RSS)"),
            alt("atom.xml", "application/atom+xml", "Posts (Atom)"),
            alt("/feed.json", "application/feed+json", "Posts (JSON)"),
        ),
        content_type=HTML_TYPE,
    )

    found = discover(feed_server.url("/"), fetcher, parser)

    assert [(c.url, c.title, c.found_by) for c in found.candidates] == [
        (feed_server.url("/rss.xml"), "Posts (RSS)", FoundBy.LINK),
        (feed_server.url("/atom.xml"), "Posts (Atom)", FoundBy.LINK),
        (feed_server.url("/feed.json"), "Posts (JSON)", FoundBy.LINK),
    ]


def test_discover_resolves_links_against_the_page_after_redirects(
    feed_server: FeedServer, fetcher: Fetcher, parser: ParserPool
) -> None:
    feed_server.route("/blog", status=302, redirect_to="/blog/index.html")
    feed_server.route("/blog/index.html", body=page(alt("feed.xml")), content_type=HTML_TYPE)

    found = discover(feed_server.url("/blog"), fetcher, parser)

    assert [c.url for c in found.candidates] == [feed_server.url("/blog/feed.xml")]


def test_discover_common_paths_skip_html_answers(
    feed_server: FeedServer, fetcher: Fetcher, parser: ParserPool
) -> None:
    # A site that answers every path with its home page (200, HTML) and has a feed at one.
    home = page(body="<p>single page app</p>")
    feed_server.route("/", body=home, content_type=HTML_TYPE)
    for path in COMMON_PATHS:
        feed_server.route(path, body=home, content_type=HTML_TYPE)
    feed_server.route("/atom.xml", body=ATOM_BODY, content_type=ATOM_TYPE)

    found = discover(feed_server.url("/"), fetcher, parser)

    assert [(c.url, c.title, c.found_by) for c in found.candidates] == [
        (feed_server.url("/atom.xml"), "Server Atom", FoundBy.PATH)
    ]
    for path in COMMON_PATHS:  # every common path was tried
        assert feed_server.requests_for(path), path


def test_discover_nothing_raises_naming_the_url(
    feed_server: FeedServer, fetcher: Fetcher, parser: ParserPool
) -> None:
    feed_server.route("/", body=page(), content_type=HTML_TYPE)

    with pytest.raises(NoFeedFoundError, match=r"127\.0\.0\.1"):
        discover(feed_server.url("/"), fetcher, parser)


def test_discover_temporary_redirect_keeps_the_given_url(
    feed_server: FeedServer, fetcher: Fetcher, parser: ParserPool
) -> None:
    feed_server.route("/current", status=302, redirect_to="/2026/feed.xml")
    feed_server.route("/2026/feed.xml", body=RSS_BODY)

    [candidate] = discover(feed_server.url("/current"), fetcher, parser).candidates

    assert candidate.url == feed_server.url("/current")
    assert candidate.found_by is FoundBy.FEED


def test_discover_unreachable_is_taken_unchecked(fetcher: Fetcher, parser: ParserPool) -> None:
    url = closed_port_url()

    [candidate] = discover(url, fetcher, parser).candidates

    assert candidate.url == url
    assert candidate.found_by is FoundBy.UNCHECKED
    assert candidate.note


# --------------------------------------------------------------------------------------------
# reader-app add


def test_add_a_feed_url_uses_the_feeds_title(cli: Cli, feed_server: FeedServer) -> None:
    feed_server.route("/feed.xml", body=RSS_BODY)
    url = feed_server.url("/feed.xml")

    result = cli.ok("add", url)

    assert result.out == f"added 1: {url}\n"
    assert result.err == ""
    [feed] = cli.feeds()
    assert feed["url"] == url
    assert feed["title"] == "Server RSS"


def test_add_a_page_with_one_link_adds_that_feed(cli: Cli, feed_server: FeedServer) -> None:
    feed_server.route("/", body=page(alt("/news/feed.xml", title="News")), content_type=HTML_TYPE)
    feed_server.route("/news/feed.xml", body=RSS_BODY)

    result = cli.ok("add", feed_server.url("/"))

    assert result.out == f"added 1: {feed_server.url('/news/feed.xml')}\n"
    assert result.err == ""
    assert [f["url"] for f in cli.feeds()] == [feed_server.url("/news/feed.xml")]


def three_feeds(server: FeedServer) -> None:
    server.route(
        "/",
        body=page(
            alt("/rss.xml", title="Posts (RSS)"),
            alt("/atom.xml", "application/atom+xml", "Posts (Atom)"),
            alt("/feed.json", "application/feed+json", "Posts (JSON)"),
        ),
        content_type=HTML_TYPE,
    )
    server.route("/rss.xml", body=RSS_BODY)
    server.route("/atom.xml", body=ATOM_BODY, content_type=ATOM_TYPE)
    server.route("/feed.json", body=JSON_BODY, content_type=JSON_TYPE)


def test_add_a_page_with_three_feeds_lists_them_and_adds_none(
    cli: Cli, feed_server: FeedServer
) -> None:
    three_feeds(feed_server)

    result = cli("add", feed_server.url("/"))

    assert result.code == 2
    result.one_error_line("--pick")
    lines = result.out.splitlines()
    assert lines[0] == f"3 feeds found at {feed_server.url('/')}:"
    assert lines[1:] == [
        f"  1. Posts (RSS)  {feed_server.url('/rss.xml')}",
        f"  2. Posts (Atom)  {feed_server.url('/atom.xml')}",
        f"  3. Posts (JSON)  {feed_server.url('/feed.json')}",
    ]
    assert cli.feeds() == []


def test_add_pick_2_adds_the_second(cli: Cli, feed_server: FeedServer) -> None:
    three_feeds(feed_server)

    result = cli.ok("add", feed_server.url("/"), "--pick", "2")

    assert result.out == f"added 1: {feed_server.url('/atom.xml')}\n"
    assert [(f["url"], f["title"]) for f in cli.feeds()] == [
        (feed_server.url("/atom.xml"), "Posts (Atom)")
    ]


def test_add_pick_beyond_the_list_adds_nothing(cli: Cli, feed_server: FeedServer) -> None:
    three_feeds(feed_server)

    result = cli("add", feed_server.url("/"), "--pick", "9")

    assert result.code == 2
    result.one_error_line("--pick 9", "3")
    assert cli.feeds() == []


def test_add_pick_zero_is_bad_usage_before_any_request(cli: Cli, feed_server: FeedServer) -> None:
    three_feeds(feed_server)

    result = cli("add", feed_server.url("/"), "--pick", "0")

    assert result.code == 2
    result.one_error_line("--pick")
    assert feed_server.requests == []


def test_listing_strips_control_characters_from_page_titles(
    cli: Cli, feed_server: FeedServer
) -> None:
    feed_server.route(
        "/",
        body=page(alt("/a.xml", title="Evil\x1b[2J\x07 one"), alt("/b.xml", title="Two")),
        content_type=HTML_TYPE,
    )

    result = cli("add", feed_server.url("/"))

    assert result.code == 2
    assert "\x1b" not in result.out
    assert "\x07" not in result.out
    assert "Evil" in result.out


def test_add_finds_a_feed_at_a_common_path(cli: Cli, feed_server: FeedServer) -> None:
    feed_server.route("/", body=page(), content_type=HTML_TYPE)
    feed_server.route("/feed.xml", body=RSS_BODY)

    result = cli.ok("add", feed_server.url("/"))

    assert result.out == f"added 1: {feed_server.url('/feed.xml')}\n"
    assert [(f["url"], f["title"]) for f in cli.feeds()] == [
        (feed_server.url("/feed.xml"), "Server RSS")
    ]


def test_add_with_nothing_anywhere_is_an_error_and_adds_nothing(
    cli: Cli, feed_server: FeedServer
) -> None:
    feed_server.route("/", body=page(), content_type=HTML_TYPE)

    result = cli("add", feed_server.url("/"))

    assert result.code == 2
    assert result.out == ""
    result.one_error_line("error", "no feed")
    assert cli.feeds() == []


def test_add_a_404_is_an_error_and_adds_nothing(cli: Cli, feed_server: FeedServer) -> None:
    result = cli("add", feed_server.url("/missing.xml"))

    assert result.code == 2
    result.one_error_line("404")
    assert cli.feeds() == []
    # Nothing was probed beyond the URL itself.
    assert [r.path for r in feed_server.requests] == ["/missing.xml"]


def test_add_something_that_is_neither_feed_nor_page(cli: Cli, feed_server: FeedServer) -> None:
    feed_server.route("/notes.txt", body=b"just some text\n", content_type="text/plain")

    result = cli("add", feed_server.url("/notes.txt"))

    assert result.code == 2
    result.one_error_line("neither a feed nor a web page")
    assert cli.feeds() == []


def test_add_when_the_server_refuses_the_connection_adds_unchecked(cli: Cli) -> None:
    url = closed_port_url()

    result = cli("add", url)

    assert result.code == 0
    assert result.out == f"added 1: {url}\n"
    result.one_error_line("warning", "added as given")
    assert [f["url"] for f in cli.feeds()] == [url]


def test_add_no_check_sends_no_request(cli: Cli, feed_server: FeedServer) -> None:
    feed_server.route("/", body=page(), content_type=HTML_TYPE)

    result = cli.ok("add", "--no-check", feed_server.url("/"), "--tag", "Later")

    assert result.out == f"added 1: {feed_server.url('/')} [Later]\n"
    assert result.err == ""
    assert feed_server.requests == []
    assert [(f["url"], f["tags"]) for f in cli.feeds()] == [(feed_server.url("/"), ["Later"])]


def test_a_bad_tag_is_refused_before_any_request(cli: Cli, feed_server: FeedServer) -> None:
    feed_server.route("/feed.xml", body=RSS_BODY)

    result = cli("add", feed_server.url("/feed.xml"), "--tag", " / ")

    assert result.code == 2
    result.one_error_line("tag")
    assert feed_server.requests == []
    assert cli.feeds() == []


def test_user_title_is_kept_through_a_sync(cli: Cli, feed_server: FeedServer) -> None:
    feed_server.route("/feed.xml", body=RSS_BODY)
    url = feed_server.url("/feed.xml")

    cli.ok("add", url, "--title", "My  own name")
    assert [f["title"] for f in cli.feeds()] == ["My  own name"]

    synced = cli("sync", "--all", "--json")
    assert synced.code == 0, synced.err
    assert json.loads(synced.out)["updated"] == 1

    [feed] = cli.feeds()
    assert feed["title"] == "My  own name"
    assert feed["unread"] == 2


def test_a_permanent_redirect_stores_the_final_url(cli: Cli, feed_server: FeedServer) -> None:
    feed_server.route("/old.xml", status=301, redirect_to="/new.xml")
    feed_server.route("/new.xml", body=RSS_BODY)

    result = cli.ok("add", feed_server.url("/old.xml"))

    assert result.out == f"added 1: {feed_server.url('/new.xml')}\n"
    assert [f["url"] for f in cli.feeds()] == [feed_server.url("/new.xml")]


def test_tags_are_applied(cli: Cli, feed_server: FeedServer) -> None:
    feed_server.route("/", body=page(alt("/feed.xml")), content_type=HTML_TYPE)
    feed_server.route("/feed.xml", body=RSS_BODY)

    result = cli.ok("add", feed_server.url("/"), "--tag", "News", "-t", " Tech / Linux ")

    assert result.out == f"added 1: {feed_server.url('/feed.xml')} [News, Tech/Linux]\n"
    [feed] = cli.feeds()
    assert feed["tags"] == ["News", "Tech/Linux"]


def test_a_javascript_href_is_ignored(cli: Cli, feed_server: FeedServer) -> None:
    feed_server.route(
        "/",
        body=page(alt("javascript:alert(1)", title="Trap"), alt("/real.xml", title="Real")),
        content_type=HTML_TYPE,
    )
    feed_server.route("/real.xml", body=RSS_BODY)

    result = cli.ok("add", feed_server.url("/"))

    # One feed left, so it is added without a list.
    assert result.out == f"added 1: {feed_server.url('/real.xml')}\n"
    assert [f["url"] for f in cli.feeds()] == [feed_server.url("/real.xml")]


def test_a_page_linking_only_javascript_has_no_feed(cli: Cli, feed_server: FeedServer) -> None:
    feed_server.route("/", body=page(alt("javascript:alert(1)")), content_type=HTML_TYPE)

    result = cli("add", feed_server.url("/"))

    assert result.code == 2
    result.one_error_line("no feed")
    assert cli.feeds() == []


def test_a_feed_served_as_text_html_is_still_a_feed(cli: Cli, feed_server: FeedServer) -> None:
    feed_server.route("/feed", body=RSS_BODY, content_type=HTML_TYPE)

    result = cli("add", feed_server.url("/feed"))

    assert result.code == 0, result.err
    assert [f["url"] for f in cli.feeds()] == [feed_server.url("/feed")]
