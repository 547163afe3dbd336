"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1) to ``ParsedFeed``.

feedparser does not read JSON Feed, and the format is small enough to read by hand. The reader
is lenient where feeds in the wild are sloppy (numeric ids, relative URLs, a missing ``id``,
dates without an offset) and strict where the document is plainly not a feed (not JSON, not an
object, no JSON Feed version, no ``items`` list): those raise ``ParseError``.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from reader_app.errors import ParseError
from reader_app.ingest.types import ParsedEntry, ParsedFeed

__all__ = ["JSON_FEED_VERSIONS", "parse_json_feed", "text_to_html"]

# The spec's version URLs. The http:// spelling and a trailing slash appear in early 1.0 feeds
# written by hand; they mean the same version, so they are accepted too.
JSON_FEED_VERSIONS: Mapping[str, str] = {
    "https://jsonfeed.org/version/1": "json10",
    "https://jsonfeed.org/version/1.1": "json11",
}

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")


def parse_json_feed(body: bytes, *, url: str) -> ParsedFeed:
    """Read a JSON Feed document fetched from ``url`` (the base for relative URLs).

    Raises ``ParseError`` (and nothing else) when the document is not a usable JSON Feed. Items
    that cannot be read are skipped and counted in ``warnings``.
    """
    try:
        return _parse(body, url)
    except ParseError:
        raise
    except RecursionError as exc:
        # json's C scanner recurses once per nesting level: "[[[[...]]]]" a few thousand deep
        # (a few kilobytes) exhausts the stack. That is a hostile document, not a bug.
        raise ParseError("not a feed: the JSON document is nested too deeply") from exc
    except MemoryError as exc:
        raise ParseError("parsing ran out of memory") from exc
    except Exception as exc:
        # Anything else escaping the reader is a document we did not foresee; the sync engine
        # stores ParseError on the feed, so the user sees the problem instead of a crash.
        raise ParseError(f"not a feed: unreadable JSON Feed ({type(exc).__name__}: {exc})") from exc


def text_to_html(text: str) -> str:
    """Plain text as HTML: escaped, blank lines become paragraphs, single newlines ``<br>``.

    Content is stored as HTML (sanitized only at display), so plain text has to be turned into
    HTML that shows it as written, ``<`` and ``&`` included.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return ""
    paragraphs = [p.strip() for p in _PARAGRAPH_BREAK.split(text) if p.strip()]
    return "".join(
        "<p>" + html.escape(p, quote=False).replace("\n", "<br>\n") + "</p>" for p in paragraphs
    )


def _parse(body: bytes, url: str) -> ParsedFeed:
    try:
        # json.loads(bytes) detects UTF-8/16/32 and skips a UTF-8 BOM, as RFC 8259 asks.
        document = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"not a feed: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    except UnicodeDecodeError as exc:
        raise ParseError(
            f"not a feed: the JSON document is not valid UTF-8 (byte {exc.start})"
        ) from exc
    except ValueError as exc:
        # For example an integer with more digits than int() accepts (CVE-2020-10735 limit).
        raise ParseError(f"not a feed: invalid JSON: {exc}") from exc

    if not isinstance(document, dict):
        raise ParseError("not a feed: the JSON document is not an object")
    version = document.get("version")
    if not isinstance(version, str):
        raise ParseError("not a feed: JSON without a JSON Feed version")
    canonical = "https://" + version.strip().removeprefix("https://").removeprefix("http://")
    feed_format = JSON_FEED_VERSIONS.get(canonical.rstrip("/"))
    if feed_format is None:
        raise ParseError(f"not a feed: unknown JSON Feed version {_clip(version)!r}")
    items = document.get("items")
    if not isinstance(items, list):
        raise ParseError("not a feed: the JSON Feed has no items list")

    feed_authors = _authors(document)
    entries: list[ParsedEntry] = []
    skipped: list[str] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            skipped.append(f"item {index + 1} is not an object")
            continue
        try:
            entry = _entry(item, url, feed_authors)
        except (ValueError, TypeError, AttributeError) as exc:
            skipped.append(f"item {index + 1}: {type(exc).__name__}: {exc}")
            continue
        if entry is None:
            skipped.append(f"item {index + 1} has no id, url, title or text")
            continue
        entries.append(entry)

    warnings: list[str] = []
    if skipped:
        noun = "entry" if len(skipped) == 1 else "entries"
        warnings.append(f"{len(skipped)} {noun} skipped: {skipped[0]}")
    return ParsedFeed(
        format=feed_format,
        title=_text(document.get("title")),
        site_url=_url(document.get("home_page_url"), url),
        icon_url=_url(document.get("icon"), url) or _url(document.get("favicon"), url),
        ttl_minutes=None,
        entries=tuple(entries),
        warnings=tuple(warnings),
    )


def _entry(item: dict[str, Any], base: str, feed_authors: str | None) -> ParsedEntry | None:
    guid = _id(item.get("id"))
    link = _url(item.get("url"), base) or _url(item.get("external_url"), base)
    title = _text(item.get("title"))
    # JSON Feed's summary is plain text; stored summaries are HTML (RSS descriptions are).
    summary_text = _text(item.get("summary"))
    summary = html.escape(summary_text, quote=False) if summary_text else None
    content_html = _text(item.get("content_html"))
    content_text = _text(item.get("content_text"))
    content = content_html or (text_to_html(content_text) if content_text else None)
    if not (guid or link or title or summary or content):
        return None
    return ParsedEntry(
        guid=guid,
        link=link,
        title=title,
        # Spec 1.1: an item without authors has the feed's authors.
        author=_authors(item) or feed_authors,
        summary=summary,
        content=content,
        published=_date(item.get("date_published")),
        updated=_date(item.get("date_modified")),
    )


def _id(value: object) -> str | None:
    # The spec says string, but many generators emit the database id as a number. A bool is
    # an int in Python and is never a sensible id.
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return _text(value)


def _authors(obj: Mapping[str, Any]) -> str | None:
    """``authors`` (1.1: a list of objects) or ``author`` (1.0: one object) as names."""
    found = obj.get("authors")
    candidates: list[object] = found if isinstance(found, list) else [obj.get("author")]
    names: list[str] = []
    for author in candidates:
        if isinstance(author, dict):
            name = _text(author.get("name"))
            if name and name not in names:
                names.append(name)
    return ", ".join(names) or None


def _date(value: object) -> datetime | None:
    """An RFC 3339 date as aware UTC; anything unreadable is ``None``, not an error."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    # fromisoformat in 3.11 reads "Z" itself, but a lower-case "z" (allowed by RFC 3339) not.
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        # RFC 3339 requires an offset; without one, UTC is the least surprising reading.
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        # 0001-01-01T00:00:00+01:00 lies before datetime.min once moved to UTC.
        return None


def _url(value: object, base: str) -> str | None:
    """An absolute http(s) URL, relative ones resolved against ``base``; others dropped.

    These links are opened in the browser and icons are fetched; ``javascript:``, ``data:``
    and ``file:`` URLs from a feed are never followed.
    """
    text = _text(value)
    if text is None:
        return None
    try:
        absolute = urljoin(base, text)
        scheme = urlsplit(absolute).scheme.lower()
    except ValueError:
        # urlsplit rejects some malformed hosts ("http://[::1", bad IPv6 brackets).
        return None
    return absolute if scheme in ("http", "https") else None


def _text(value: object) -> str | None:
    """A stripped, storable string, or ``None`` for anything that is not a non-blank string."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    if not text.isascii():
        # JSON may spell lone surrogates ("\\ud800"); they cannot be encoded as UTF-8 and would
        # fail later, in the database. U+FFFD keeps the rest of the text.
        text = _LONE_SURROGATE.sub("\ufffd", text)
    return text


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
