"""Finding feeds from a web page: ``<link rel="alternate">`` first, then common paths.

Pure functions over bytes already fetched; the probing (I/O) is in ``reader_app.sync``.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

FEED_TYPES = {
    "application/rss+xml": "RSS",
    "application/atom+xml": "Atom",
    "application/feed+json": "JSON Feed",
    "application/json": "JSON Feed",
    "application/rdf+xml": "RDF",
    "application/xml": "XML",
    "text/xml": "XML",
}

# Paths where sites commonly publish feeds, tried in this order when a page links none.
COMMON_PATHS = (
    "/feed",
    "/rss",
    "/feed.xml",
    "/rss.xml",
    "/atom.xml",
    "/index.xml",
    "/feed.json",
    "/feeds/posts/default",
)

_MAX_LINKS = 50


@dataclass(frozen=True, slots=True)
class FeedLink:
    url: str
    title: str | None
    kind: str  # "RSS", "Atom", "JSON Feed", ...


class _LinkFinder(HTMLParser):
    def __init__(self, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.links: list[FeedLink] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "base":
            href = dict(attrs).get("href")
            if href:
                self.base_url = urljoin(self.base_url, href.strip())
            return
        if tag != "link" or len(self.links) >= _MAX_LINKS:
            return
        values = {name.lower(): (value or "") for name, value in attrs}
        rels = values.get("rel", "").lower().split()
        kind = FEED_TYPES.get(values.get("type", "").split(";")[0].strip().lower())
        href = values.get("href", "").strip()
        if "alternate" not in rels or kind is None or not href:
            return
        url = urljoin(self.base_url, href)
        if urlsplit(url).scheme not in ("http", "https"):
            return
        title = " ".join(values.get("title", "").split()) or None
        self.links.append(FeedLink(url=url, title=title, kind=kind))


def find_feed_links(html: bytes, *, base_url: str) -> list[FeedLink]:
    """Feeds a page announces, in page order, without duplicates."""
    finder = _LinkFinder(base_url)
    # Charset sniffing is not worth it here: attribute values we need are ASCII in practice.
    finder.feed(html.decode("utf-8", errors="replace"))
    finder.close()
    seen: set[str] = set()
    unique = []
    for link in finder.links:
        if link.url not in seen:
            seen.add(link.url)
            unique.append(link)
    return unique


def common_feed_urls(page_url: str) -> list[str]:
    """Candidate feed URLs on the page's site, for pages that link none."""
    parts = urlsplit(page_url)
    root = f"{parts.scheme}://{parts.netloc}"
    return [root + path for path in COMMON_PATHS]


def starts_like_html(body: bytes) -> bool:
    """The body itself says HTML (whatever the server's Content-Type claims)."""
    head = body[:512].removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def looks_like_html(body: bytes, content_type: str | None) -> bool:
    if content_type and "html" in content_type.lower():
        return True
    return starts_like_html(body)
