"""Values the ingest layer hands to the sync engine. Frozen and picklable (they cross
process boundaries from the parser workers)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """One item of a feed, as the document says it. HTML is kept as received."""

    guid: str | None  # RSS guid, Atom id, JSON Feed id
    link: str | None  # absolute URL of the article
    title: str | None  # plain text
    author: str | None
    summary: str | None  # HTML or text
    content: str | None  # the fullest HTML content, if any
    published: datetime | None  # aware UTC
    updated: datetime | None  # aware UTC


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A whole parsed document."""

    format: str  # "rss20", "atom10", "rss10", "json11", ... (feedparser's version names)
    title: str | None
    site_url: str | None
    icon_url: str | None
    ttl_minutes: int | None  # RSS <ttl>
    entries: tuple[ParsedEntry, ...]
    # Survivable problems (encoding overridden, wrong content type, entries skipped): the feed
    # is kept and these are shown to the user as warnings.
    warnings: tuple[str, ...] = ()
    # Set by parse.parse_changed when the document could be split into items: each entry's
    # raw-item hash and position in the document (aligned with ``entries``), and the hashes of
    # the items left out because they were seen before. None: the whole document was parsed.
    item_hashes: tuple[str, ...] | None = None
    positions: tuple[int, ...] | None = None
    unchanged_items: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FetchRequest:
    """What the fetcher needs to know about one feed."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    username: str | None = None
    password: str | None = None


class FetchOutcome(enum.Enum):
    OK = "ok"  # 200 with a body
    NOT_MODIFIED = "not_modified"  # 304
    GONE = "gone"  # 410: stop updating this feed
    FAILED = "failed"  # anything else: see FetchResult.error


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one request for a feed produced. Failures are values, not exceptions."""

    request_url: str
    outcome: FetchOutcome
    status: int | None = None  # final HTTP status, None when no response arrived
    final_url: str | None = None  # after redirects
    # Set when every redirect hop was permanent (301/308): the feed's new address, to be stored
    # once the body parses as a feed. 302/307 anywhere in the chain leave it None.
    permanent_url: str | None = None
    body: bytes | None = None  # decompressed, at most the size cap
    content_type: str | None = None
    headers: tuple[tuple[str, str], ...] = ()  # the final response's headers, lower-case names
    etag: str | None = None
    last_modified: str | None = None
    retry_after_seconds: float | None = None  # from Retry-After (429, 503, or any response)
    max_age_seconds: int | None = None  # from Cache-Control: max-age
    error: str | None = None  # one sentence for the user when outcome is FAILED or GONE
    elapsed_seconds: float = 0.0
