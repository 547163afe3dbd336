"""Pure feed discovery helpers: ``<link rel="alternate">`` parsing, common paths, HTML sniffing."""

from __future__ import annotations

import pytest

from reader_app.ingest.discover import (
    COMMON_PATHS,
    FeedLink,
    common_feed_urls,
    find_feed_links,
    looks_like_html,
)

BASE = "https://example.org/blog/post.html"


def page(head: str, body: str = "") -> bytes:
    return (
        f"<!DOCTYPE html><html><head><title>T</title>{head}</head><body>{body}</body></html>"
    ).encode()


def link(
    href: str, type_: str = "application/rss+xml", rel: str = "alternate", **attrs: str
) -> str:
    extra = "".join(f' {name}="{value}"' for name, value in attrs.items())
    return f'<link rel="{rel}" type="{type_}" href="{href}"{extra}>'


def urls(html: bytes, base: str = BASE) -> list[str]:
    return [found.url for found in find_feed_links(html, base_url=base)]


# -- find_feed_links ----------------------------------------------------------------------------


def test_rss_atom_and_json_feed_in_page_order_with_kinds_and_titles() -> None:
    html = page(
        link("/rss.xml", title="Posts")
        + link("/atom.xml", "application/atom+xml", title="Posts (Atom)")
        + link("/feed.json", "application/feed+json", title="Posts (JSON)")
    )

    found = find_feed_links(html, base_url=BASE)

    assert found == [
        FeedLink("https://example.org/rss.xml", "Posts", "RSS"),
        FeedLink("https://example.org/atom.xml", "Posts (Atom)", "Atom"),
        FeedLink("https://example.org/feed.json", "Posts (JSON)", "JSON Feed"),
    ]


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("feed.xml", "https://example.org/blog/feed.xml"),
        ("../feed.xml", "https://example.org/feed.xml"),
        ("/feed.xml", "https://example.org/feed.xml"),
        ("//cdn.example.net/feed.xml", "https://cdn.example.net/feed.xml"),
        ("?format=rss", "https://example.org/blog/post.html?format=rss"),
        ("http://other.example.com/rss", "http://other.example.com/rss"),
        ("  /spaced.xml  ", "https://example.org/spaced.xml"),
    ],
)
def test_relative_hrefs_resolve_against_the_page(href: str, expected: str) -> None:
    assert urls(page(link(href))) == [expected]


def test_entities_in_href_are_decoded() -> None:
    assert urls(page(link("/feed?a=1&amp;b=2"))) == ["https://example.org/feed?a=1&b=2"]


def test_base_href_changes_the_base_for_later_links() -> None:
    html = page('<base href="https://static.example.net/site/">' + link("feeds/all.xml"))

    assert urls(html) == ["https://static.example.net/site/feeds/all.xml"]


def test_relative_base_href_is_itself_resolved_against_the_page() -> None:
    html = page('<base href="/news/">' + link("rss"))

    assert urls(html) == ["https://example.org/news/rss"]


def test_empty_base_href_is_ignored() -> None:
    html = page('<base href="">' + link("feed.xml"))

    assert urls(html) == ["https://example.org/blog/feed.xml"]


@pytest.mark.parametrize(
    "rel",
    ["alternate", "ALTERNATE", "Alternate", "alternate feed", "home alternate", " alternate\t"],
)
def test_rel_is_a_case_insensitive_token_list(rel: str) -> None:
    assert urls(page(link("/f.xml", rel=rel))) == ["https://example.org/f.xml"]


@pytest.mark.parametrize("rel", ["", "stylesheet", "alternative", "alternate-feed", "self"])
def test_other_rels_are_ignored(rel: str) -> None:
    assert urls(page(link("/f.xml", rel=rel))) == []


def test_a_link_without_rel_is_ignored() -> None:
    html = page('<link type="application/rss+xml" href="/f.xml">')

    assert urls(html) == []


@pytest.mark.parametrize(
    ("type_", "kind"),
    [
        ("application/rss+xml", "RSS"),
        ("APPLICATION/RSS+XML", "RSS"),
        ("application/rss+xml; charset=utf-8", "RSS"),
        ("application/atom+xml;charset=UTF-8", "Atom"),
        (" application/atom+xml ", "Atom"),
        ("application/feed+json", "JSON Feed"),
        ("application/json", "JSON Feed"),
        ("application/rdf+xml", "RDF"),
        ("text/xml", "XML"),
    ],
)
def test_type_case_and_parameters(type_: str, kind: str) -> None:
    found = find_feed_links(page(link("/f", type_)), base_url=BASE)

    assert [(f.url, f.kind) for f in found] == [("https://example.org/f", kind)]


@pytest.mark.parametrize("type_", ["text/html", "text/css", "application/pdf", "", "rss"])
def test_non_feed_types_are_ignored(type_: str) -> None:
    assert urls(page(link("/f", type_))) == []


def test_a_link_without_type_is_ignored() -> None:
    assert urls(page('<link rel="alternate" href="/f.xml">')) == []


def test_tag_and_attribute_names_are_case_insensitive() -> None:
    html = b'<HTML><HEAD><LINK REL="alternate" TYPE="application/rss+xml" HREF="/x.rss"></HEAD>'

    assert urls(html) == ["https://example.org/x.rss"]


def test_self_closing_links_count() -> None:
    html = page('<link rel="alternate" type="application/atom+xml" href="/a.xml" />')

    assert urls(html) == ["https://example.org/a.xml"]


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:void(0)",
        "java\tscript:alert(1)",
        "data:application/rss+xml,<rss/>",
        "mailto:feeds@example.org",
        "ftp://example.org/feed.xml",
        "file:///etc/passwd",
        "feed:https://example.org/feed",
    ],
)
def test_non_http_hrefs_are_dropped(href: str) -> None:
    html = page(link(href) + link("/good.xml"))

    assert urls(html) == ["https://example.org/good.xml"]


def test_empty_or_missing_href_is_dropped() -> None:
    html = page(
        link("")
        + link("   ")
        + '<link rel="alternate" type="application/rss+xml">'
        + '<link rel="alternate" type="application/rss+xml" href>'
    )

    assert urls(html) == []


def test_duplicates_are_dropped_after_resolving_keeping_the_first() -> None:
    html = page(
        link("/feed.xml", title="First")
        + link("https://example.org/feed.xml", title="Second")
        + link("../feed.xml", "application/atom+xml", title="Third")
        + link("/other.xml", title="Other")
    )

    found = find_feed_links(html, base_url=BASE)

    assert [(f.url, f.title) for f in found] == [
        ("https://example.org/feed.xml", "First"),
        ("https://example.org/other.xml", "Other"),
    ]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("  Daily   News \n Feed ", "Daily News Feed"),
        ("\t", None),
        ("", None),
        ("Caf&eacute; &amp; Bar", "Café & Bar"),
    ],
)
def test_title_whitespace_is_collapsed_and_empty_is_none(title: str, expected: str | None) -> None:
    found = find_feed_links(page(link("/f.xml", title=title)), base_url=BASE)

    assert [f.title for f in found] == [expected]


def test_missing_title_is_none() -> None:
    [found] = find_feed_links(page(link("/f.xml")), base_url=BASE)

    assert found.title is None


def test_links_in_the_body_and_anchors() -> None:
    # <link> is honoured wherever it is; an <a rel="alternate"> is not a feed announcement.
    html = page(
        '<a rel="alternate" type="application/rss+xml" href="/anchor.xml">feed</a>',
        body=link("/in-body.xml"),
    )

    assert urls(html) == ["https://example.org/in-body.xml"]


def test_pages_with_many_links_are_bounded() -> None:
    html = page("".join(link(f"/feed{i}.xml") for i in range(5000)))

    found = urls(html)

    assert 1 <= len(found) <= 100
    assert found[:3] == [f"https://example.org/feed{i}.xml" for i in range(3)]
    assert len(set(found)) == len(found)


def test_garbage_and_non_utf8_bytes_do_not_raise() -> None:
    html = b"\xff\xfe<html><head>" + link("/f.xml").encode() + b"\x80\x81<link <<< </head"

    assert urls(html) == ["https://example.org/f.xml"]


def test_no_html_at_all() -> None:
    assert find_feed_links(b"", base_url=BASE) == []
    assert find_feed_links(b"just text", base_url=BASE) == []


# -- common_feed_urls ---------------------------------------------------------------------------


def test_common_paths_are_on_the_pages_origin() -> None:
    found = common_feed_urls("https://example.org:8443/blog/2026/post.html?x=1#top")

    assert found == [f"https://example.org:8443{path}" for path in COMMON_PATHS]
    assert "https://example.org:8443/feed.xml" in found
    assert "https://example.org:8443/feed.json" in found
    assert found[0] == "https://example.org:8443/feed"


def test_common_paths_have_no_duplicates_and_keep_the_scheme() -> None:
    found = common_feed_urls("http://example.org")

    assert len(found) == len(set(found)) == len(COMMON_PATHS)
    assert all(url.startswith("http://example.org/") for url in found)


# -- looks_like_html ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    ["text/html", "text/html; charset=utf-8", "TEXT/HTML", "application/xhtml+xml"],
)
def test_html_content_types(content_type: str) -> None:
    assert looks_like_html(b"anything", content_type)


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html></html>",
        b"<!doctype HTML>",
        b"  \n\t<html lang='en'>",
        b"<HTML><HEAD>",
    ],
)
def test_html_sniffed_from_the_body_without_a_content_type(body: bytes) -> None:
    assert looks_like_html(body, None)
    assert looks_like_html(body, "application/octet-stream")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'<?xml version="1.0"?><rss version="2.0"></rss>', "application/rss+xml"),
        (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"/>', None),
        (b'{"version": "https://jsonfeed.org/version/1.1"}', "application/feed+json"),
        (b"<rss><channel><title>html</title></channel></rss>", "text/xml"),
        (b"", None),
    ],
)
def test_feeds_are_not_html(body: bytes, content_type: str | None) -> None:
    assert not looks_like_html(body, content_type)


def test_html_inside_a_feed_does_not_make_it_html() -> None:
    assert not looks_like_html(b"<rss><channel><description><html>" * 10, None)


def test_html_after_a_byte_order_mark() -> None:
    assert looks_like_html(b"\xef\xbb\xbf<!DOCTYPE html><html>", None)
