"""The JSON Feed 1.0/1.1 reader on tests/data/feeds and on documents built here (no mocks)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from reader_app.errors import ParseError
from reader_app.ingest.jsonfeed import parse_json_feed, text_to_html
from reader_app.ingest.types import ParsedEntry, ParsedFeed

DATA = Path(__file__).parent.parent / "data" / "feeds"
URL = "https://micro.example.com/feeds/feed.json"
V11 = "https://jsonfeed.org/version/1.1"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def feed_of(*items: Any, **top: Any) -> ParsedFeed:
    document = {"version": V11, "title": "T", "items": list(items), **top}
    return parse_json_feed(json.dumps(document).encode(), url=URL)


def one(**item: Any) -> ParsedEntry:
    (entry,) = feed_of(item).entries
    return entry


def test_version_1_0_file() -> None:
    feed = parse_json_feed(read("jsonfeed10.json"), url=URL)
    assert feed.format == "json10"
    assert feed.title == "Micro Notes"
    assert feed.site_url == "https://micro.example.com/"
    assert feed.icon_url == "https://micro.example.com/favicon.ico"  # favicon, resolved
    assert feed.ttl_minutes is None
    coffee, bikes, no_id = feed.entries
    assert coffee == ParsedEntry(
        guid="2026-11-22-coffee",
        link="https://micro.example.com/2026/11/22/coffee",
        title=None,  # "" is no title
        author="Robin Poster",  # the feed's author (1.0 object)
        summary=None,
        content="<p>Coffee first.<br>\nThen &lt;code&gt;.</p><p>Also: 1 &lt; 2 &amp; 3 &gt; 2.</p>",
        published=datetime(2026, 11, 22, 7, 45, tzinfo=UTC),
        updated=None,
    )
    assert bikes.guid == "1041"  # a number in the document
    assert bikes.author == "Guest Writer"
    assert bikes.summary == "A flat tyre."
    assert bikes.content == "<p>Fixed a <strong>flat</strong> today.</p>"
    assert bikes.published == datetime(2026, 11, 21, 17, 0, tzinfo=UTC)
    assert bikes.updated == datetime(2026, 11, 21, 18, 30, tzinfo=UTC)
    # No id: guid stays None and the url identifies the item; an unreadable date is None.
    assert (no_id.guid, no_id.link) == (None, "https://micro.example.com/2026/11/20/no-id")
    assert no_id.published is None
    assert feed.warnings == ("1 entry skipped: item 4 is not an object",)


def test_version_1_1_file() -> None:
    feed = parse_json_feed(read("jsonfeed11.json"), url=URL)
    assert feed.format == "json11"
    assert feed.icon_url == "https://pod.example.fm/artwork-512.png"  # icon before favicon
    episode, review = feed.entries
    assert episode.content == "<p>We answer the question.</p><ul><li>Chapter 1</li></ul>"
    assert episode.author == "Alex Host"
    assert episode.updated == datetime(2026, 11, 19, 13, 0, 0, 250_000, tzinfo=UTC)
    # external_url only when there is no url; the feed's authors when the item has none.
    assert review.link == "https://elsewhere.example.net/review-of-41"
    assert review.author == "Alex Host, Kim Cohost"
    assert review.published == datetime(2026, 11, 12, 6, 0, tzinfo=UTC)  # lower-case "z"
    assert feed.warnings == ()


@pytest.mark.parametrize(
    "version",
    [
        "https://jsonfeed.org/version/1",
        "https://jsonfeed.org/version/1.1",
        "http://jsonfeed.org/version/1",  # early hand-written 1.0 feeds
        "https://jsonfeed.org/version/1.1/",
    ],
)
def test_accepted_versions(version: str) -> None:
    body = json.dumps({"version": version, "items": []}).encode()
    assert parse_json_feed(body, url=URL).format in ("json10", "json11")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"items": []}, "without a JSON Feed version"),
        ({"version": 1.1, "items": []}, "without a JSON Feed version"),
        ({"version": "https://jsonfeed.org/version/2", "items": []}, "unknown JSON Feed version"),
        ({"version": "https://example.com/version/1", "items": []}, "unknown JSON Feed version"),
        ({"version": V11}, "no items list"),
        ({"version": V11, "items": {"id": "1"}}, "no items list"),
        ([{"version": V11, "items": []}], "not an object"),
        ("just a string", "not an object"),
    ],
)
def test_not_a_json_feed(document: object, message: str) -> None:
    with pytest.raises(ParseError, match=f"^not a feed: .*{message}"):
        parse_json_feed(json.dumps(document).encode(), url=URL)


def test_invalid_json_names_the_position() -> None:
    body = b'{\n  "version": "https://jsonfeed.org/version/1.1",\n  "items": [,]\n}'
    with pytest.raises(ParseError, match=r"invalid JSON at line 3, column 13"):
        parse_json_feed(body, url=URL)


@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xfe\xfa not utf-8 {",
        b'{"version": "https://jsonfeed.org/version/1.1", "items": [], "n": ' + b"9" * 5000 + b"}",
        b"",
        b"{",
    ],
    ids=["bad_utf8", "huge_int", "empty", "truncated"],
)
def test_unreadable_json(body: bytes) -> None:
    with pytest.raises(ParseError, match=r"^not a feed: "):
        parse_json_feed(body, url=URL)


@pytest.mark.parametrize("depth", [100_000, 1_000_000])
def test_nesting_bomb_is_a_parse_error(depth: int) -> None:
    bomb = b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", "x": '
    bomb += b"[" * depth + b"]" * depth + b"}]}"
    with pytest.raises(ParseError, match="nested too deeply"):
        parse_json_feed(bomb, url=URL)


def test_ids() -> None:
    feed = feed_of(
        {"id": 7, "title": "int"},
        {"id": 7.0, "title": "float"},
        {"id": 7.5, "title": "fraction"},
        {"id": True, "title": "bool", "url": "https://x.example/b"},
        {"id": "  spaced  ", "title": "str"},
        {"id": "", "url": "/relative/path"},
    )
    assert [e.guid for e in feed.entries] == ["7", "7", "7.5", None, "spaced", None]
    assert feed.entries[-1].link == "https://micro.example.com/relative/path"


def test_items_that_are_not_objects_or_empty_are_skipped() -> None:
    feed = feed_of(["a"], None, 5, {"title": "kept"}, {}, {"id": None})
    assert [e.title for e in feed.entries] == ["kept"]
    assert feed.warnings == ("5 entries skipped: item 1 is not an object",)
    only_empty = feed_of({"date_published": "2026-01-01T00:00:00Z"})
    assert only_empty.warnings == ("1 entry skipped: item 1 has no id, url, title or text",)


def test_content_and_summary() -> None:
    both = one(id="1", content_html="<p>html</p>", content_text="text")
    assert both.content == "<p>html</p>"
    text = one(id="1", content_text="a < b\r\n\r\n\r\nnew paragraph\nline", summary="x & y")
    assert text.content == "<p>a &lt; b</p><p>new paragraph<br>\nline</p>"
    assert text.summary == "x &amp; y"  # JSON Feed summaries are plain text; stored as HTML
    blank = one(id="1", content_html="   ", content_text=" \n ")
    assert (blank.content, blank.summary) == (None, None)


def test_authors() -> None:
    assert one(id="1", authors=[{"name": "A"}, {"name": "B"}, {"url": "x"}]).author == "A, B"
    assert one(id="1", author={"name": "Solo"}).author == "Solo"
    assert one(id="1", authors=[{"name": "New"}], author={"name": "Old"}).author == "New"
    assert one(id="1", authors="not a list").author is None
    (entry,) = feed_of({"id": "1"}, authors=[{"name": "Feed Author"}]).entries
    assert entry.author == "Feed Author"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-21T10:00:00Z", datetime(2026, 11, 21, 10, tzinfo=UTC)),
        ("2026-11-21T10:00:00+02:00", datetime(2026, 11, 21, 8, tzinfo=UTC)),
        ("2026-11-21T10:00:00.123456-05:30", datetime(2026, 11, 21, 15, 30, 0, 123456, UTC)),
        ("2026-11-21T10:00:00", datetime(2026, 11, 21, 10, tzinfo=UTC)),  # no offset: UTC
        ("2026-11-21", datetime(2026, 11, 21, tzinfo=UTC)),
        ("0001-01-01T00:00:00+01:00", None),  # before datetime.min once in UTC
        ("2026-02-30T10:00:00Z", None),
        ("last Tuesday", None),
        ("", None),
        (1_700_000_000, None),
        (None, None),
    ],
)
def test_dates(value: object, expected: datetime | None) -> None:
    entry = one(id="1", date_published=value)
    assert entry.published == expected
    if expected is not None:
        assert entry.published is not None
        assert entry.published.utcoffset() == timedelta(0)
        assert entry.published.tzinfo is UTC


def test_urls() -> None:
    feed = feed_of(
        {"id": "1", "url": "javascript:alert(1)"},
        {"id": "2", "url": "data:text/html,hi", "external_url": "https://ok.example/2"},
        {"id": "3", "url": "http://[::1"},
        {"id": "4", "url": ["not", "a", "string"]},
        {"id": "5", "url": "../up"},
        home_page_url="file:///etc/passwd",
        icon="javascript:x",
        favicon="fav.png",
    )
    assert [e.link for e in feed.entries] == [
        None,
        "https://ok.example/2",
        None,
        None,
        "https://micro.example.com/up",
    ]
    assert feed.site_url is None
    assert feed.icon_url == "https://micro.example.com/feeds/fav.png"


def test_lone_surrogates_become_replacement_characters() -> None:
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "a\\ud800b",'
        b' "items": [{"id": "x\\udfff", "title": "ok \\ud83d\\ude00"}]}'
    )
    feed = parse_json_feed(body, url=URL)
    assert feed.title == "a\ufffdb"
    (entry,) = feed.entries
    assert entry.guid == "x\ufffd"
    assert entry.title == "ok \U0001f600"  # a proper pair is one character
    assert (feed.title + entry.guid + entry.title).encode("utf-8")


def test_bom_and_utf16_are_read() -> None:
    document = json.dumps({"version": V11, "title": "Ünïcode", "items": []})
    assert parse_json_feed(b"\xef\xbb\xbf" + document.encode(), url=URL).title == "Ünïcode"
    assert parse_json_feed(document.encode("utf-16"), url=URL).title == "Ünïcode"


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("plain", "<p>plain</p>"),
        ("a\nb", "<p>a<br>\nb</p>"),
        ("one\n\ntwo", "<p>one</p><p>two</p>"),
        ("<script>alert('x')</script>", "<p>&lt;script&gt;alert('x')&lt;/script&gt;</p>"),
        ("  \n ", ""),
    ],
)
def test_text_to_html(text: str, html: str) -> None:
    assert text_to_html(text) == html
