"""OPML import and export on real files from tests/data/opml (no mocks)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import cast

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from reader_app.domain.urls import normalize_feed_url
from reader_app.errors import OpmlError
from reader_app.opml import (
    MAX_OPML_BYTES,
    ExportFeed,
    OpmlDocument,
    OpmlFeed,
    OpmlSkip,
    parse_opml,
    write_opml,
)

DATA = Path(__file__).parent.parent / "data" / "opml"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def line_of(data: bytes, needle: str) -> int:
    """1-based line of the only line containing ``needle``: expectations follow the file."""
    lines = [n for n, text in enumerate(data.splitlines(), start=1) if needle.encode() in text]
    assert len(lines) == 1, (needle, lines)
    return lines[0]


def by_url(document: OpmlDocument) -> dict[str, OpmlFeed]:
    return {feed.url: feed for feed in document.feeds}


# --- real exports ------------------------------------------------------------------------


def test_opml_1_0_with_folders() -> None:
    document = parse_opml(read("feedly_1.0.opml"), source="feedly.opml")

    assert document.title == "Jane subscriptions in feedly Cloud"
    assert document.skipped == ()
    assert document.feeds == (
        OpmlFeed(
            "https://feeds.arstechnica.com/arstechnica/index",
            "Ars Technica - All content",  # title= wins over text=
            "https://arstechnica.com",
            ("Tech",),
        ),
        OpmlFeed("https://lwn.net/headlines/rss", "LWN.net", "https://lwn.net", ("Tech",)),
        OpmlFeed("https://xkcd.com/rss.xml", "xkcd.com", "https://xkcd.com/", ("Comics",)),
        OpmlFeed(
            "https://daringfireball.net/feeds/main",
            "Daring Fireball",
            "https://daringfireball.net/",
            (),
        ),
    )


def test_opml_2_0_flat_with_categories_in_latin_1() -> None:
    document = parse_opml(read("flat_categories_2.0.opml"))

    assert document.title == "Subscriptions of José"
    assert document.skipped == ()
    feeds = by_url(document)
    assert list(feeds) == [
        "https://lwn.net/headlines/rss",
        "https://planetpython.org/rss20.xml",
        "https://cafebabel.example/feed.atom",
        "https://devblogs.microsoft.com/oldnewthing/feed",
    ]
    assert feeds["https://lwn.net/headlines/rss"].tags == ("News", "Tech/Linux")
    assert feeds["https://planetpython.org/rss20.xml"].tags == ("Tech/Python",)
    cafe = feeds["https://cafebabel.example/feed.atom"]
    assert cafe.title == "Café Babel"  # the ISO-8859-1 declaration was honoured
    assert cafe.tags == ("Culture", "Food")  # slashes, spaces and empty items dropped
    assert cafe.site_url is None  # a javascript: htmlUrl is not kept
    old = feeds["https://devblogs.microsoft.com/oldnewthing/feed"]
    assert (old.title, old.site_url, old.tags) == ("The Old New Thing", None, ())


def test_nested_folders_categories_and_duplicates() -> None:
    document = parse_opml(read("nested.opml"))

    bbc = "https://feeds.bbci.co.uk/news/world/europe/rss.xml"
    assert document.feeds == (
        # Listed twice (the second spelled differently); merged: first title, both folders,
        # its category, and the htmlurl only the second listing had.
        OpmlFeed(
            bbc,
            "BBC Europe",
            "https://www.bbc.co.uk/news/world/europe",
            ("Favourites", "News/Europe", "World"),
        ),
        # In a folder with a blank name: belongs to the enclosing folder. Lower-case xmlurl.
        OpmlFeed("https://www.lemonde.fr/rss/une.xml", "Le Monde", None, ("News/Europe",)),
        OpmlFeed("https://www.reuters.com/rss/world", "Reuters", None, ("News",)),
        # A "/" in a folder name means nesting, as the user wrote it.
        OpmlFeed("https://lwn.net/headlines/rss", "LWN.net", None, ("Tech/Linux",)),
        # A child of a feed outline is in the feed outline's folder.
        OpmlFeed("https://lwn.net/headlines/kernel", "Kernel", None, ("Tech/Linux",)),
    )
    assert document.skipped == ()


def test_skipped_outlines_name_line_and_reason() -> None:
    data = read("skipped.opml")
    document = parse_opml(data)

    assert [feed.url for feed in document.feeds] == [
        "https://example.org/feed.xml",
        "https://example.org/other.xml",
    ]
    only_http = "only http and https feeds are supported"
    data_url = "data:application/rss+xml;base64,PHJzcz48L3Jzcz4="
    expected = [
        OpmlSkip("No URL at all", None, line_of(data, "No URL at all"), "no xmlUrl"),
        OpmlSkip(
            "Password file",
            "file:///etc/passwd",
            line_of(data, "Password file"),
            f"{only_http} (file:)",
        ),
        OpmlSkip(
            "Script", "javascript:alert(1)", line_of(data, "Script"), f"{only_http} (javascript:)"
        ),
        OpmlSkip("Inline", data_url, line_of(data, "Inline"), f"{only_http} (data:)"),
        OpmlSkip("Relative", "feeds/a.xml", line_of(data, "Relative"), "relative URL (no scheme)"),
        OpmlSkip(
            "FTP", "ftp://ftp.example.org/feed.xml", line_of(data, '"FTP"'), f"{only_http} (ftp:)"
        ),
        OpmlSkip("Empty", "", line_of(data, '"Empty"'), "empty URL"),
        OpmlSkip("A web page", None, line_of(data, "A web page"), "not a feed (type=link)"),
        OpmlSkip("Other list", None, line_of(data, "Other list"), "not a feed (type=include)"),
        OpmlSkip(None, None, line_of(data, "<outline/>"), "no xmlUrl"),
    ]
    assert list(document.skipped) == expected


def test_title_equal_to_the_url_is_no_title() -> None:
    data = b"""<opml><body>
        <outline text="https://example.org/feed" xmlUrl="https://example.org/feed"/>
    </body></opml>"""
    assert parse_opml(data).feeds == (OpmlFeed("https://example.org/feed", None, None, ()),)


def test_utf8_bom_and_no_declaration() -> None:
    data = '\ufeff<opml><body><outline text="Ünïcode" xmlUrl="http://a.example/"/></body></opml>'
    document = parse_opml(data.encode("utf-8"))
    assert document.feeds == (OpmlFeed("http://a.example/", "Ünïcode", None, ()),)


def test_utf16_with_declaration() -> None:
    text = (
        '<?xml version="1.0" encoding="UTF-16"?>'
        '<opml><body><outline text="日本" xmlUrl="http://a.example/"/></body></opml>'
    )
    assert parse_opml(text.encode("utf-16")).feeds[0].title == "日本"


def test_plain_doctype_is_refused() -> None:
    # OPML needs no DTD, so any DOCTYPE is refused, even one that declares nothing.
    data = b"<!DOCTYPE opml>\n<opml><body/></opml>"
    with pytest.raises(OpmlError) as caught:
        parse_opml(data, source="subs.opml")
    assert str(caught.value) == (
        "subs.opml, line 1: document type declarations (DOCTYPE) are not allowed"
    )


# --- files that cannot be read ---------------------------------------------------------------


def test_malformed_xml_reports_the_line() -> None:
    data = read("malformed.opml")
    with pytest.raises(OpmlError) as caught:
        parse_opml(data, source="broken.opml")
    assert caught.value.line == line_of(data, "</folder>")
    assert caught.value.reason == "not well-formed XML (mismatched tag)"
    assert str(caught.value).startswith(f"broken.opml, line {caught.value.line}: ")


def test_truncated_file() -> None:
    data = read("feedly_1.0.opml")[:400]
    with pytest.raises(OpmlError, match="not well-formed XML"):
        parse_opml(data)


def test_invalid_token_reason_reads_well() -> None:
    with pytest.raises(OpmlError) as caught:
        parse_opml(b"<opml><body>\n<outline text=unquoted/></body></opml>")
    assert caught.value.reason == "not well-formed XML (invalid token)"
    assert caught.value.line == 2


def test_not_opml_root() -> None:
    with pytest.raises(OpmlError, match=r"not an OPML file \(the root element is <rss>") as caught:
        parse_opml(read("rss_not_opml.xml"))
    assert caught.value.line == 2


def test_opml_without_body() -> None:
    with pytest.raises(OpmlError, match=r"no <body> element"):
        parse_opml(read("no_body.opml"))


@pytest.mark.parametrize("data", [b"", b"  \n\t "], ids=["empty", "blank"])
def test_empty_file(data: bytes) -> None:
    with pytest.raises(OpmlError, match="the file is empty") as caught:
        parse_opml(data, source="empty.opml")
    assert str(caught.value) == "empty.opml: the file is empty"


def test_file_over_the_size_limit_is_refused_unread() -> None:
    # Well-formed, so only the size check can refuse it.
    head = b"<opml><body>"
    tail = b"</body></opml>"
    data = head + b" " * (MAX_OPML_BYTES + 1 - len(head) - len(tail)) + tail
    with pytest.raises(OpmlError, match="too large"):
        parse_opml(data)
    assert parse_opml(data[: MAX_OPML_BYTES - len(tail)] + tail).feeds == ()


def test_nesting_deeper_than_100_levels() -> None:
    def nested(levels: int) -> bytes:
        opening = "".join(f'<outline text="f{n}">\n' for n in range(levels))
        feed = '<outline text="deep" xmlUrl="http://a.example/"/>\n'
        return f"<opml><body>\n{opening}{feed}{'</outline>' * levels}</body></opml>".encode()

    # 99 folders + the feed = 100 levels: fine.
    document = parse_opml(nested(99))
    assert document.feeds[0].tags == ("/".join(f"f{n}" for n in range(99)),)
    with pytest.raises(OpmlError, match="nested deeper than 100 levels") as caught:
        parse_opml(nested(100))
    assert caught.value.line == 102  # <opml> line, 100 folder lines, then the 101st outline


def test_an_unexpected_error_still_becomes_opml_error() -> None:
    with pytest.raises(OpmlError, match="could not be read"):
        parse_opml(cast(bytes, 12345))


# --- hostile files --------------------------------------------------------------------------
# Each needs a DTD, and any DOCTYPE is refused where it starts, before anything in it is used.

DOCTYPE_REFUSED = r"document type declarations \(DOCTYPE\) are not allowed"


def test_billion_laughs_is_refused() -> None:
    data = read("billion_laughs.opml")
    with pytest.raises(OpmlError, match=DOCTYPE_REFUSED) as caught:
        parse_opml(data)
    assert caught.value.line == line_of(data, "<!DOCTYPE")


def test_billion_laughs_on_one_line_is_refused() -> None:
    data = read("billion_laughs_one_line.opml")
    assert data.count(b"\n") == 1
    with pytest.raises(OpmlError, match=DOCTYPE_REFUSED) as caught:
        parse_opml(data)
    assert caught.value.line == 1


def test_parameter_entity_bomb_is_refused() -> None:
    data = b"""<?xml version="1.0"?>
<!DOCTYPE opml [
<!ENTITY % a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
<!ENTITY % b "%a;%a;%a;%a;%a;%a;%a;%a;%a;%a;%a;%a;%a;%a;%a;%a;">
]>
<opml><body/></opml>"""
    with pytest.raises(OpmlError, match=DOCTYPE_REFUSED) as caught:
        parse_opml(data)
    assert caught.value.line == 2


def test_external_entity_is_refused_and_nothing_is_read() -> None:
    data = read("external_entity.opml")
    with pytest.raises(OpmlError, match=DOCTYPE_REFUSED) as caught:
        parse_opml(data)
    assert caught.value.line == line_of(data, "<!DOCTYPE")
    assert "root:" not in str(caught.value)
    assert caught.value.__cause__ is None


def secret_file(tmp_path: Path) -> tuple[Path, str]:
    secret = "TOP-SECRET-7f3a"
    path = tmp_path / "secret.dtd"
    path.write_text(
        f'<!ENTITY secret "{secret}">\n<!ATTLIST outline xmlUrl CDATA "http://{secret}/">\n'
    )
    return path, secret


def test_external_dtd_is_refused_unread(tmp_path: Path) -> None:
    path, secret = secret_file(tmp_path)
    data = (
        f'<?xml version="1.0"?>\n<!DOCTYPE opml SYSTEM "{path.as_uri()}">\n'
        '<opml><body><outline text="&secret;" xmlUrl="http://a.example/"/></body></opml>'
    ).encode()
    with pytest.raises(OpmlError, match=DOCTYPE_REFUSED) as caught:
        parse_opml(data)
    assert caught.value.line == 2
    assert secret not in str(caught.value)


def test_external_parameter_entity_is_refused(tmp_path: Path) -> None:
    path, secret = secret_file(tmp_path)
    data = (
        f'<!DOCTYPE opml [\n<!ENTITY % ext SYSTEM "{path.as_uri()}">\n%ext;\n]>\n'
        "<opml><body><outline text='&secret;'/></body></opml>"
    ).encode()
    with pytest.raises(OpmlError, match=DOCTYPE_REFUSED) as caught:
        parse_opml(data)
    assert caught.value.line == 1
    assert secret not in str(caught.value)


def test_attribute_defaults_are_refused() -> None:
    # Without the refusal, every outline would silently gain this xmlUrl.
    data = b"""<!DOCTYPE opml [
<!ATTLIST outline xmlUrl CDATA "http://injected.example/">
]>
<opml><body><outline text="a folder-less note"/></body></opml>"""
    with pytest.raises(OpmlError, match=DOCTYPE_REFUSED) as caught:
        parse_opml(data)
    assert caught.value.line == 1


def test_undefined_entity_is_an_error() -> None:
    with pytest.raises(OpmlError, match="undefined entity"):
        parse_opml(b'<opml><body><outline text="&nbsp;" xmlUrl="http://a/"/></body></opml>')


# --- size -----------------------------------------------------------------------------------


def test_ten_thousand_outlines() -> None:
    rows = [
        f'    <outline type="rss" text="Feed {n}" xmlUrl="https://host{n % 97}.example/f/{n}"'
        f' category="c{n % 13}"/>'
        for n in range(10_000)
    ]
    data = "\n".join(['<opml version="2.0"><body>', *rows, "</body></opml>"]).encode()
    document = parse_opml(data)
    assert len(document.feeds) == 10_000
    assert document.feeds[-1] == OpmlFeed(
        "https://host8.example/f/9999", "Feed 9999", None, ("c2",)
    )


# --- export ---------------------------------------------------------------------------------

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def outline_names(element: ET.Element) -> list[str]:
    return [child.attrib["text"] for child in element.findall("outline")]


def test_export_structure() -> None:
    feeds = [
        ExportFeed("https://b.example/feed", "bravo", "https://b.example/", ("News/Europe",)),
        ExportFeed("https://a.example/feed", "Alpha", None, ("News/Europe", "Tech")),
        ExportFeed("https://c.example/feed", None, None, ()),
        ExportFeed("https://d.example/feed", "Delta", None, ("news",)),
    ]
    data = write_opml(feeds, title="My feeds", now=NOW)

    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    root = ET.fromstring(data)
    assert root.findtext("head/title") == "My feeds"
    assert root.findtext("head/dateCreated") == "Fri, 02 Jan 2026 03:04:05 GMT"
    body = root.find("body")
    assert body is not None
    # Folders first, then feeds; each sorted case-insensitively.
    assert outline_names(body) == ["News", "news", "Tech", "https://c.example/feed"]
    news = body.findall("outline")[0]
    assert outline_names(news) == ["Europe"]
    assert "xmlUrl" not in news.attrib
    europe = news.find("outline")
    assert europe is not None
    assert outline_names(europe) == ["Alpha", "bravo"]
    alpha = europe.findall("outline")[0]
    assert alpha.attrib == {
        "type": "rss",
        "text": "Alpha",
        "title": "Alpha",
        "xmlUrl": "https://a.example/feed",
    }
    assert europe.findall("outline")[1].attrib["htmlUrl"] == "https://b.example/"
    untitled = body.findall("outline")[3]
    assert untitled.attrib == {
        "type": "rss",
        "text": "https://c.example/feed",
        "xmlUrl": "https://c.example/feed",
    }
    # A feed with two tags appears once under each.
    tech = body.findall("outline")[2]
    assert [o.attrib["xmlUrl"] for o in tech.findall("outline")] == ["https://a.example/feed"]


def test_export_is_stable_and_dates_are_utc() -> None:
    feeds = [
        ExportFeed("https://a.example/", "A", None, ("x", "y/z")),
        ExportFeed("https://b.example/", "B", None, ("y/z",)),
    ]
    eastern = NOW.astimezone(timezone(timedelta(hours=-5)))
    assert write_opml(feeds, now=NOW) == write_opml(reversed(feeds), now=eastern)
    root = ET.fromstring(write_opml([], now=datetime(2026, 1, 2, 3, 4, 5)))  # naive: UTC
    assert root.findtext("head/dateCreated") == "Fri, 02 Jan 2026 03:04:05 GMT"
    assert root.findtext("head/title") == "reader_app subscriptions"


def test_export_escapes_and_drops_what_xml_cannot_hold() -> None:
    title = "Tom & Jerry <b>\"quoted\"</b> 'single'\nsecond line\x01\x0b"
    tag = 'R&D <lab>/"Q"'
    data = write_opml(
        [ExportFeed("https://e.example/?a=1&b=2", title, "https://e.example/?x=<y>", (tag,))],
        now=NOW,
    )
    assert b"Tom &amp; Jerry &lt;b&gt;&quot;quoted&quot;" in data
    assert b"\x01" not in data
    assert b"\x0b" not in data
    root = ET.fromstring(data)  # well-formed
    feed = root.find("body/outline/outline/outline")
    assert feed is not None
    assert feed.attrib["title"] == "Tom & Jerry <b>\"quoted\"</b> 'single'\nsecond line"
    assert feed.attrib["xmlUrl"] == "https://e.example/?a=1&b=2"
    document = parse_opml(data)
    assert document.feeds == (
        OpmlFeed(
            "https://e.example/?a=1&b=2",
            "Tom & Jerry <b>\"quoted\"</b> 'single'\nsecond line",
            "https://e.example/?x=<y>",
            ('R&D <lab>/"Q"',),
        ),
    )


def test_round_trip_of_the_samples() -> None:
    for name in ("feedly_1.0.opml", "flat_categories_2.0.opml", "nested.opml"):
        first = parse_opml(read(name))
        exported = write_opml(
            (ExportFeed(f.url, f.title, f.site_url, f.tags) for f in first.feeds), now=NOW
        )
        assert set(parse_opml(exported).feeds) == set(first.feeds), name


# Printable text XML can carry, plus the characters escaping must get right.
_TEXT_CHARS = st.characters(exclude_categories=("Cs", "Cc", "Cn"), include_characters="&<>\"'\t\n")


def _stripped_text(alphabet: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.text(alphabet, min_size=1, max_size=20).filter(lambda s: s == s.strip())


_SEGMENT = _stripped_text(
    st.characters(
        exclude_categories=("Cs", "Cc", "Cn"), exclude_characters="/", include_characters='&<"'
    )
)
_TAG = st.lists(_SEGMENT, min_size=1, max_size=3).map("/".join)
_FEED = st.builds(
    ExportFeed,
    url=st.from_regex(
        r"https?://[a-z0-9]{1,12}\.example/[a-z0-9/]{0,12}(\?[a-z0-9=&]{1,8})?", fullmatch=True
    ),
    title=st.none() | _stripped_text(_TEXT_CHARS),
    site_url=st.none() | st.from_regex(r"https://[a-z]{1,8}\.example/[a-z]{0,5}", fullmatch=True),
    tags=st.lists(_TAG, max_size=3).map(tuple),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_FEED, max_size=8, unique_by=lambda f: normalize_feed_url(f.url)))
def test_round_trip_property(feeds: list[ExportFeed]) -> None:
    for feed in feeds:
        assume(feed.title not in (feed.url, normalize_feed_url(feed.url)))
    document = parse_opml(write_opml(feeds, now=NOW))
    expected = {
        (normalize_feed_url(f.url), f.title, f.site_url, tuple(sorted(set(f.tags)))) for f in feeds
    }
    assert {(f.url, f.title, f.site_url, f.tags) for f in document.feeds} == expected
    assert document.skipped == ()
