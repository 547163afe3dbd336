"""What ``add URL`` finds at a URL: the feed itself, the feeds a page links, or none.

Joins the fetcher and the parser like the sync engine does; nothing here touches the database.
"""

from __future__ import annotations

import enum
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from reader_app.domain.urls import normalize_feed_url
from reader_app.errors import NoFeedFoundError, ParseError
from reader_app.ingest.discover import (
    common_feed_urls,
    find_feed_links,
    looks_like_html,
    starts_like_html,
)
from reader_app.ingest.fetch import Fetcher
from reader_app.ingest.parser_pool import ParserPool
from reader_app.ingest.types import FetchOutcome, FetchRequest, FetchResult


class FoundBy(enum.Enum):
    FEED = "feed"  # the URL itself is a feed
    LINK = "link"  # announced by the page with <link rel="alternate">
    PATH = "path"  # found at a common path on the site
    UNCHECKED = "unchecked"  # the server could not be reached; taken as given


@dataclass(frozen=True, slots=True)
class FeedCandidate:
    url: str
    title: str | None
    found_by: FoundBy
    note: str | None = None  # why it is unchecked, for the user


@dataclass(frozen=True, slots=True)
class Discovery:
    requested: str
    candidates: tuple[FeedCandidate, ...]


def _as_feed(parser: ParserPool, fetch: FetchResult, url: str) -> FeedCandidate | None:
    if fetch.outcome is not FetchOutcome.OK or fetch.body is None:
        return None
    # Many servers label feeds text/html: only a body that starts like a page is not tried.
    if starts_like_html(fetch.body):
        return None
    try:
        parsed = parser.parse(fetch.body, url=fetch.final_url or url, headers=dict(fetch.headers))
    except ParseError:
        return None
    # A permanent redirect is followed for good; a temporary one keeps the address given.
    return FeedCandidate(url=fetch.permanent_url or url, title=parsed.title, found_by=FoundBy.FEED)


def discover(url: str, fetcher: Fetcher, parser: ParserPool) -> Discovery:
    """Feeds at ``url``. Raises NoFeedFoundError when the URL answers but offers no feed."""
    url = normalize_feed_url(url)
    fetch = fetcher.fetch(FetchRequest(url=url))
    if fetch.outcome is FetchOutcome.FAILED and fetch.status is None:
        # No answer at all (offline, DNS, refused): subscribe anyway; the feed list will show
        # the error until the server answers.
        unchecked = FeedCandidate(url, None, FoundBy.UNCHECKED, note=fetch.error)
        return Discovery(url, (unchecked,))
    if fetch.outcome is not FetchOutcome.OK or fetch.body is None:
        raise NoFeedFoundError(f"no feed at {url}: {fetch.error or 'the server sent nothing'}")
    itself = _as_feed(parser, fetch, url)
    if itself is not None:
        return Discovery(url, (itself,))
    if not looks_like_html(fetch.body, fetch.content_type):
        raise NoFeedFoundError(f"{url} is neither a feed nor a web page that links to one")
    base = fetch.final_url or url
    links = find_feed_links(fetch.body, base_url=base)
    if links:
        found = tuple(FeedCandidate(link.url, link.title, FoundBy.LINK) for link in links)
        return Discovery(url, found)
    probes = common_feed_urls(base)
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="discover") as pool:
        fetched = list(pool.map(lambda u: fetcher.fetch(FetchRequest(url=u)), probes))
    found_at_paths = [
        candidate
        for probe, result in zip(probes, fetched, strict=True)
        if (candidate := _as_feed(parser, result, probe)) is not None
    ]
    if not found_at_paths:
        raise NoFeedFoundError(
            f"no feed found at {url}: the page links none and none of "
            f"{', '.join(p.rsplit('/', 1)[-1] or p for p in probes)} is a feed"
        )
    unique = {c.url: FoundBy.PATH for c in found_at_paths}
    titles = {c.url: c.title for c in found_at_paths}
    return Discovery(url, tuple(FeedCandidate(u, titles[u], kind) for u, kind in unique.items()))
