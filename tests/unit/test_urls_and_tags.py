"""Feed URL normalization and tag names: pure rules."""

from __future__ import annotations

import pytest

from reader_app.domain import normalize_tag
from reader_app.domain.tags import InvalidTagError, tag_and_ancestors
from reader_app.domain.urls import is_feed_url, normalize_feed_url
from reader_app.errors import InvalidFeedUrlError


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://example.org/feed.xml", "https://example.org/feed.xml"),
        ("  HTTPS://Example.ORG/Feed.xml  ", "https://example.org/Feed.xml"),
        ("http://example.org:80/a", "http://example.org/a"),
        ("https://example.org:443/a", "https://example.org/a"),
        ("https://example.org:8443/a", "https://example.org:8443/a"),
        ("https://example.org", "https://example.org/"),
        ("https://example.org/a?b=1#frag", "https://example.org/a?b=1"),
        ("https://example.org./a", "https://example.org/a"),
        ("feed://example.org/rss", "http://example.org/rss"),
        ("feed:https://example.org/rss", "https://example.org/rss"),
        ("https://bücher.example/feed", "https://xn--bcher-kva.example/feed"),
        ("http://[::1]:8080/feed", "http://[::1]:8080/feed"),
        ("https://user:pw@example.org/f", "https://user:pw@example.org/f"),
    ],
)
def test_normalize_feed_url(raw: str, expected: str) -> None:
    assert normalize_feed_url(raw) == expected
    assert normalize_feed_url(expected) == expected  # idempotent


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("", "empty"),
        ("file:///etc/passwd", "file:"),
        ("javascript:alert(1)", "javascript:"),
        ("data:text/xml,<rss/>", "data:"),
        ("ftp://example.org/feed", "ftp:"),
        ("feeds/a.xml", "no scheme"),
        ("https:///nohost", "no host"),
        ("http://example.org:99999/", "not a valid URL"),
    ],
)
def test_invalid_feed_urls_name_the_problem(raw: str, problem: str) -> None:
    with pytest.raises(InvalidFeedUrlError) as info:
        normalize_feed_url(raw)
    assert problem in str(info.value)
    assert not is_feed_url(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("News", "News"),
        (" News / Europe/ ", "News/Europe"),
        ("/Tech//Linux/", "Tech/Linux"),
        ("Two  words", "Two words"),
    ],
)
def test_normalize_tag(raw: str, expected: str) -> None:
    assert normalize_tag(raw) == expected


@pytest.mark.parametrize("raw", ["", " ", "/", " / / ", "x" * 201])
def test_invalid_tags(raw: str) -> None:
    with pytest.raises(InvalidTagError):
        normalize_tag(raw)


def test_tag_ancestors() -> None:
    assert tag_and_ancestors("a/b/c") == ("a", "a/b", "a/b/c")
    assert tag_and_ancestors("a") == ("a",)
