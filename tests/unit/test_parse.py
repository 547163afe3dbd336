"""parse_document on real feed files from tests/data/feeds and on hostile documents built here.

In-process and without mocks. The hostile documents that only a time limit can stop (100,000
attributes, 20,000 namespaces) are in tests/sync/test_parser_pool.py.
"""

from __future__ import annotations

import pickle
import resource
import time
from collections.abc import Mapping
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader_app.errors import ParseError
from reader_app.ingest.parse import parse_document
from reader_app.ingest.types import ParsedEntry, ParsedFeed

DATA = Path(__file__).parent.parent / "data" / "feeds"
URL = "https://feeds.example.com/path/feed.xml"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def parse(name: str, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    return parse_document(read(name), url=URL, headers=headers)


def rss(items: str, *, channel: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        f"{channel}{items}</channel></rss>"
    ).encode()


def all_text(feed: ParsedFeed) -> str:
    """Every string the feed carries, for "this must appear nowhere" checks."""
    parts = [str(getattr(feed, f.name)) for f in fields(feed) if f.name != "entries"]
    for entry in feed.entries:
        parts += [str(getattr(entry, f.name)) for f in fields(entry)]
    return "\n".join(parts)


def utc(year: int, month: int, day: int, *clock: int) -> datetime:
    """``utc(2026, 11, 2, 8, 30)``: a date and as much of the time of day as needed."""
    hour, minute, second = (*clock, 0, 0, 0)[:3]
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# -- formats ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt", "title", "count", "warnings"),
    [
        ("rss20.xml", "rss20", "Example Engineering Blog", 3, 0),
        ("rss20_noguid.xml", "rss20", "Town Council Notices", 3, 0),
        ("rss091.xml", "rss091n", "Old School News", 2, 0),
        ("rdf10.xml", "rss10", "Science Department News", 2, 0),
        ("atom10.xml", "atom10", "Dev Journal", 3, 0),
        ("atom03.xml", "atom03", "Legacy Atom Weblog", 1, 0),
        ("jsonfeed10.json", "json10", "Micro Notes", 3, 1),  # one item is a string
        ("jsonfeed11.json", "json11", "The Podcast Companion", 2, 0),
        ("latin1.xml", "rss20", "Café Müller - Neuigkeiten", 1, 0),
    ],
)
def test_formats(name: str, fmt: str, title: str, count: int, warnings: int) -> None:
    feed = parse(name)
    assert (feed.format, feed.title, len(feed.entries)) == (fmt, title, count)
    assert len(feed.warnings) == warnings
    for entry in feed.entries:
        for stamp in (entry.published, entry.updated):
            assert stamp is None or stamp.tzinfo is UTC
        assert entry.link is None or entry.link.startswith(("http://", "https://"))


def test_rss20_fields() -> None:
    feed = parse("rss20.xml")
    assert feed.site_url == "https://feeds.example.com/blog/"  # "/blog/" against the feed's URL
    assert feed.icon_url == "https://feeds.example.com/img/logo.png"  # <image><url>, resolved
    assert feed.ttl_minutes == 60
    first, second, third = feed.entries
    assert first == ParsedEntry(
        guid="tag:blog.example.com,2026:post-1042",
        link="https://feeds.example.com/blog/2026/11/cache-postmortem",
        title="Postmortem: the cache that <wasn't>",  # plain text, entities decoded
        author="Jane Doe",
        summary="<p>Short version: a TTL of zero means <em>forever</em>.</p>",
        content=first.content,
        published=utc(2026, 11, 2, 8, 30),  # +0100 moved to UTC
        updated=None,
    )
    # content:encoded, as received: relative URIs inside the HTML are not rewritten and
    # nothing is sanitized (that happens at display time).
    assert first.content is not None
    assert first.content.startswith("<p>Short version")
    assert '<a href="/blog/2025/caching">' in first.content
    assert '<img src="images/latency.png"' in first.content
    assert second.author == "Release Team"  # "releases@example.com (Release Team)"
    assert second.title == "Release 4.2 & what comes next"
    assert second.content is None
    assert third.link == "https://feeds.example.com/path/jobs/sre"
    assert third.published == utc(2026, 10, 28, 15, 15)


def test_content_location_is_the_base_for_relative_links() -> None:
    feed = parse(
        "rss20.xml",
        headers={"Content-Location": "https://mirror.example.net/m/feed.xml"},
    )
    assert feed.site_url == "https://mirror.example.net/blog/"
    assert feed.entries[2].link == "https://mirror.example.net/m/jobs/sre"
    relative = parse("rss20.xml", headers={"content-location": "/other/feed.xml"})
    assert relative.entries[2].link == "https://feeds.example.com/other/jobs/sre"


def test_guids_do_not_depend_on_the_url_the_feed_came_from() -> None:
    # An RSS guid without isPermaLink="false" is a permalink by default, and feedparser would
    # resolve "1234" against the base URL: then a redirect would change every entry's identity.
    body = rss("<item><title>x</title><guid>1234</guid></item>")
    here = parse_document(body, url="http://old.example.com/feed")
    there = parse_document(body, url="https://new.example.org/rss")
    assert here.entries[0].guid == there.entries[0].guid == "1234"
    # As a permalink without <link>, it is also the link, and that one is resolved.
    assert here.entries[0].link == "http://old.example.com/1234"


def test_relative_xml_base() -> None:
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="sub/"><title>t</title><id>urn:f</id>
<link href="./"/><entry><id>urn:1</id><title>x</title><link href="p"/></entry>
<entry xml:base="https://abs.example/x/"><id>urn:2</id><title>y</title><link href="q"/></entry>
<entry xml:base="deeper/"><id>urn:3</id><title>z</title><link href="r"/></entry>
</feed>"""
    feed = parse_document(body, url="https://h.example/a/feed.atom")
    assert feed.site_url == "https://h.example/a/sub/"
    one, two, three = feed.entries
    assert one.link == "https://h.example/a/sub/p"
    assert two.link == "https://abs.example/x/q"
    # Known limit: feedparser runs without a base URL (see test above), and then drops a
    # relative xml:base nested in another relative one; the outer one still applies.
    assert three.link == "https://h.example/a/sub/r"


def test_rss_without_guid_keeps_guid_none() -> None:
    first, second, bare = parse("rss20_noguid.xml").entries
    assert first.guid is None
    assert first.link == "https://council.example.org/notices/road-closure-high-street"
    assert first.published == utc(2026, 11, 10, 12)
    assert second.published is None
    # An item with only a description is kept: storage keys it by a content hash.
    assert (bare.guid, bare.link, bare.title) == (None, None, None)
    assert bare.summary is not None


def test_rss091_and_rdf() -> None:
    old = parse("rss091.xml")
    assert old.icon_url == "http://oldschool.example.net/logo.gif"
    assert [e.guid for e in old.entries] == [None, None]
    rdf = parse("rdf10.xml")
    first = rdf.entries[0]
    assert first.author == "Dr. Ada Astronomer"
    # dc:date is what feedparser calls "updated"; published stays what the document says.
    assert (first.published, first.updated) == (None, utc(2026, 11, 20, 21, 15))


def test_atom10_xml_base_dates_and_titles() -> None:
    feed = parse("atom10.xml")
    assert feed.site_url == "https://dev.example.io/journal/"
    assert feed.icon_url == "https://dev.example.io/favicon.png"  # <icon> before <logo>
    fsync, mirrored, xhtml = feed.entries
    assert fsync.link == "https://dev.example.io/journal/2026/11/fsync"  # feed's xml:base
    assert fsync.title == "Why fsync matters"  # type="html" title as plain text
    assert fsync.author == "Sam Developer"
    # Only <updated>: published stays None; the sync engine picks the sort date.
    assert (fsync.published, fsync.updated) == (None, utc(2026, 11, 21, 18, 30, 2))
    assert mirrored.link == "https://other.example.io/mirror/note-7"  # the entry's own xml:base
    assert mirrored.published == utc(2026, 11, 14, 6)
    assert mirrored.updated == utc(2026, 11, 15, 7, 10, 11)
    # type="text" content is plain text: escaped into HTML so that it shows as written.
    assert mirrored.content == (
        "<p>Plain text with &lt;markup&gt; &amp; ampersands<br>\nthat must stay text.</p>"
    )
    assert xhtml.title == "An xhtml title"
    assert xhtml.content == "<p>Inline <strong>XHTML</strong> content.</p>"


def test_atom03() -> None:
    (entry,) = parse("atom03.xml").entries
    assert entry.link == "http://legacy.example.com/2005/07/31/atom03"
    assert entry.content == "<p>Some feeds <b>never</b> migrated.</p>"
    assert entry.published == utc(2005, 7, 31, 12, 29, 29)


def test_json_feeds_are_detected_by_body_and_content_type() -> None:
    body = read("jsonfeed11.json")
    assert parse_document(b"\xef\xbb\xbf \n" + body, url=URL).format == "json11"
    assert parse_document(body, url=URL, headers={"content-type": "text/plain"}).format == "json11"
    # A server calling its RSS "application/json": the body decides.
    rss_body = read("rss20.xml")
    labelled = parse_document(rss_body, url=URL, headers={"Content-Type": "application/json"})
    assert labelled.format == "rss20"
    with pytest.raises(ParseError, match="JSON"):
        parse_document(b"[1, 2]", url=URL, headers={"content-type": "application/feed+json"})


# -- encodings and content types --------------------------------------------------------------


def test_latin1_declared_and_real() -> None:
    feed = parse("latin1.xml")
    (entry,) = feed.entries
    assert entry.title == "Grüße aus Köln"
    assert entry.summary == "Schöne Grüße, ça va? © 2026 €5"


@pytest.mark.parametrize("content_type", ["text/xml", "application/rss+xml", "text/rss+xml"])
def test_xml_content_type_without_charset_lets_the_document_decide(content_type: str) -> None:
    # RFC 3023 would read text/xml without charset as US-ASCII and flag every accented letter.
    feed = parse("latin1.xml", headers={"Content-Type": content_type})
    assert feed.entries[0].title == "Grüße aus Köln"
    assert feed.warnings == ()


def test_wrong_charset_survives_with_a_warning() -> None:
    feed = parse("wrong_charset.xml")
    assert feed.title == "Boulangerie Pâtisserie"
    assert feed.entries[0].title == "Crêpes et gâteaux"
    (warning,) = feed.warnings
    assert "utf-8" in warning
    assert "windows-1252" in warning


def test_charset_header_wins_over_the_document() -> None:
    feed = parse("wrong_charset.xml", headers={"content-type": "application/xml; charset=latin-1"})
    assert feed.entries[0].title == "Crêpes et gâteaux"


@pytest.mark.parametrize(
    "content_type", ["text/html; charset=utf-8", "application/octet-stream", "text/plain"]
)
def test_non_xml_content_type_survives_with_a_warning(content_type: str) -> None:
    feed = parse("rss20.xml", headers={"content-type": content_type})
    assert len(feed.entries) == 3
    (warning,) = feed.warnings
    assert warning.startswith("wrong content type")
    assert content_type.split(";", maxsplit=1)[0] in warning


# -- what is not a feed -----------------------------------------------------------------------


@pytest.mark.parametrize("headers", [None, {"content-type": "text/html; charset=utf-8"}])
def test_html_page_is_not_a_feed(headers: dict[str, str] | None) -> None:
    with pytest.raises(ParseError, match=r"^not a feed: .*HTML page"):
        parse("html_page.html", headers=headers)


def test_malformed_xml_keeps_recovered_entries_with_a_warning() -> None:
    feed = parse("malformed.xml")
    assert [e.title for e in feed.entries] == ["Fish & Chips", "Second post"]
    (warning,) = feed.warnings
    assert "not well-formed" in warning
    assert "line 8" in warning


def test_broken_document_is_not_a_feed() -> None:
    with pytest.raises(ParseError, match=r"^not a feed: .*not well-formed XML \(line 2"):
        parse("broken.xml")


@pytest.mark.parametrize("body", [b"", b"  \r\n\t ", b"\xef\xbb\xbf", b"\xef\xbb\xbf\n "])
def test_empty_is_not_a_feed(body: bytes) -> None:
    with pytest.raises(ParseError, match="empty"):
        parse_document(body, url=URL)


def test_empty_file() -> None:
    with pytest.raises(ParseError, match="empty"):
        parse("empty.xml")


@pytest.mark.parametrize(
    "body",
    [b"hello world", b"\x00\x01\x02\xff garbage", b"<note><to>Tove</to></note>", b"12345"],
)
def test_other_documents_are_not_feeds(body: bytes) -> None:
    with pytest.raises(ParseError, match=r"^not a feed: "):
        parse_document(body, url=URL)


def test_surrogate_character_reference_is_a_parse_error() -> None:
    # feedparser raises UnicodeEncodeError here instead of reporting bozo.
    with pytest.raises(ParseError, match="invalid character"):
        parse("surrogate_charref.xml")
    with pytest.raises(ParseError):
        parse_document(rss("<item><title>x &#xD800;</title></item>"), url=URL)
    with pytest.raises(ParseError):  # the loose parser (not well-formed XML) raises too
        parse_document(b"<rss version='2.0'><channel><title>&#xDFFF; &bad;</title>", url=URL)


def test_a_body_that_is_a_file_name_is_not_read_from_disk(tmp_path: Path) -> None:
    # Given bytes, feedparser would first try them as a path; a server must not be able to
    # make us read a local file by answering with its name.
    secret = tmp_path / "secret.xml"
    secret.write_text(rss("<item><title>SECRET FROM DISK</title></item>").decode())
    with pytest.raises(ParseError):
        parse_document(str(secret).encode(), url=URL)


# -- entries and fields ------------------------------------------------------------------------


def test_an_empty_entry_is_skipped_with_a_warning() -> None:
    feed = parse_document(rss("<item><title>kept</title></item><item></item>"), url=URL)
    assert [e.title for e in feed.entries] == ["kept"]
    assert feed.warnings == ("1 entry skipped: entry 2 has no id, link, title or text",)
    two = parse_document(
        rss("<item/><item><title> </title></item><item><guid>g</guid></item>"), url=URL
    )
    assert [e.guid for e in two.entries] == ["g"]
    assert two.warnings[0].startswith("2 entries skipped: entry 1 ")


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("Sat, 21 Nov 2026 15:00:00 +0100", utc(2026, 11, 21, 14)),
        ("2026-11-21T15:00:00-05:00", utc(2026, 11, 21, 20)),
        ("0000-00-00T00:00:00Z", None),  # MySQL's zero date: feedparser yields year -1
        ("Mon, 01 Jan 0000 00:00:00 GMT", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_dates(date: str, expected: datetime | None) -> None:
    feed = parse_document(rss(f"<item><title>x</title><pubDate>{date}</pubDate></item>"), url=URL)
    assert feed.entries[0].published == expected


@pytest.mark.parametrize(
    ("ttl", "expected"),
    [
        ("60", 60),
        (" 15 ", 15),
        ("1", 1),
        ("43200", 43200),
        ("0", None),
        ("43201", None),
        ("-5", None),
        ("soon", None),
        ("1e3", None),
        ("", None),
    ],
)
def test_ttl(ttl: str, expected: int | None) -> None:
    feed = parse_document(
        rss("<item><title>x</title></item>", channel=f"<ttl>{ttl}</ttl>"), url=URL
    )
    assert feed.ttl_minutes == expected


def test_content_prefers_the_longest_html() -> None:
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:f</id>
<entry><id>urn:1</id><title>one</title>
<content type="text">a much longer plain text version of the article</content>
</entry>
<entry><id>urn:2</id><title>two</title>
<content type="html">&lt;p&gt;short&lt;/p&gt;</content>
</entry></feed>"""
    one, two = parse_document(body, url=URL).entries
    assert one.content == "<p>a much longer plain text version of the article</p>"
    assert two.content == "<p>short</p>"
    rss_body = rss(
        "<item xmlns:content='http://purl.org/rss/1.0/modules/content/'><title>x</title>"
        "<description>teaser</description>"
        "<content:encoded>&lt;p&gt;full &lt;b&gt;text&lt;/b&gt;&lt;/p&gt;</content:encoded></item>"
    )
    (entry,) = parse_document(rss_body, url=URL).entries
    assert (entry.summary, entry.content) == ("teaser", "<p>full <b>text</b></p>")


def test_dangerous_and_odd_urls_are_dropped() -> None:
    body = rss(
        "<item><title>a</title><link>javascript:alert(1)</link></item>"
        "<item><title>b</title><link>data:text/html,hi</link></item>"
        "<item><title>c</title><link>file:///etc/passwd</link></item>"
        "<item><title>d</title><link>http://[::1</link></item>"
        "<item><title>e</title><link>  https://ok.example.com/e  </link></item>",
        channel="<link>javascript:void(0)</link>",
    )
    feed = parse_document(body, url=URL)
    assert feed.site_url is None
    assert [e.link for e in feed.entries] == [None, None, None, None, "https://ok.example.com/e"]


def test_parsed_feed_pickles() -> None:
    feed = parse("atom10.xml")
    assert pickle.loads(pickle.dumps(feed)) == feed


# -- hostile documents -------------------------------------------------------------------------


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def laughs(separator: str) -> bytes:
    """The billion laughs: 10 entities, each ten of the previous one: 10**10 "a"s."""
    entities = '<!ENTITY a "aaaaaaaaaa">' + separator
    for level in range(1, 11):
        name, previous = chr(ord("a") + level), chr(ord("a") + level - 1)
        entities += f'<!ENTITY {name} "{f"&{previous};" * 10}">' + separator
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [{entities}]>'
        '<rss version="2.0"><channel><title>&k;</title>'
        "<item><title>&k;</title><description>&k;</description></item></channel></rss>"
    ).encode()


@pytest.mark.parametrize("separator", ["", "\n"], ids=["one_line", "multi_line"])
def test_billion_laughs_is_refused_quickly(separator: str) -> None:
    before = peak_rss_mb()
    start = time.monotonic()
    try:
        feed = parse_document(laughs(separator), url=URL)
    except ParseError:
        pass
    else:
        # Survived as a feed: then nothing was expanded.
        assert "aaaaaaaaaaaaaaaaaaaa" not in all_text(feed)
        assert len(all_text(feed)) < 10_000
    assert time.monotonic() - start < 3
    assert peak_rss_mb() - before < 200


@pytest.mark.parametrize("separator", ["", "\n"], ids=["one_line", "multi_line"])
def test_external_entities_are_never_read(separator: str) -> None:
    passwd = Path("/etc/passwd").read_text().splitlines()[0]  # "root:x:0:0:..."
    body = (
        '<?xml version="1.0"?>'
        f'<!DOCTYPE rss [{separator}<!ENTITY xxe SYSTEM "file:///etc/passwd">{separator}]>'
        '<rss version="2.0"><channel><title>&xxe;</title>'
        "<item><title>before &xxe; after</title><guid>g</guid></item></channel></rss>"
    ).encode()
    try:
        feed = parse_document(body, url=URL)
    except ParseError:
        return
    text = all_text(feed)
    assert passwd not in text
    assert "root:" not in text


def test_external_dtd_is_never_read() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "file:///etc/passwd">'
        b'<rss version="2.0"><channel><title>t</title><item><title>x</title></item></channel></rss>'
    )
    feed = parse_document(body, url=URL)
    assert "root:" not in all_text(feed)


def test_deep_nesting_ends_in_a_result_not_a_crash() -> None:
    depth = 100_000
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>x</title>'
        + "<d>" * depth
        + "</d>" * depth
        + "</item></channel></rss>"
    ).encode()
    start = time.monotonic()
    feed = parse_document(body, url=URL)
    assert [e.title for e in feed.entries] == ["x"]
    assert time.monotonic() - start < 15


def test_deeply_nested_html_in_a_description() -> None:
    depth = 100_000
    item = (
        "<item><title>x</title><description><![CDATA["
        + "<div>" * depth
        + "]]></description></item>"
    )
    feed = parse_document(rss(item), url=URL)
    assert feed.entries[0].summary == "<div>" * depth  # stored as received; nh3 bounds it later


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=300),
        st.lists(
            st.sampled_from(
                [
                    b"<rss version='2.0'>",
                    b"<channel>",
                    b"<item>",
                    b"</item>",
                    b"<title>",
                    b"</title>",
                    b"<feed xmlns='http://www.w3.org/2005/Atom'>",
                    b"<entry>",
                    b"&#xD800;",
                    b"&#0;",
                    b"&amp;",
                    b"&bogus;",
                    b"<![CDATA[",
                    b"]]>",
                    b"{",
                    b'"version": "https://jsonfeed.org/version/1.1", "items": [',
                    b"]",
                    b"}",
                    b"<?xml version='1.0' encoding='utf-16'?>",
                    b"\xff\xfe",
                    b"\xef\xbb\xbf",
                    b"<link>",
                    b"</link>",
                    b"<pubDate>Mon, 01 Jan 0000</pubDate>",
                    b"x",
                    b"<!DOCTYPE rss [<!ENTITY e 'v'>]>",
                    b"&e;",
                    b"<guid>",
                    b"</guid>",
                ]
            ),
            max_size=30,
        ).map(b"".join),
    )
)
def test_only_parse_errors_escape(body: bytes) -> None:
    try:
        feed = parse_document(body, url=URL)
    except ParseError:
        return
    assert isinstance(feed, ParsedFeed)
    all_text(feed).encode("utf-8")  # storable: no lone surrogates
