"""Bytes of a fetched document to ``ParsedFeed``: RSS, Atom and RDF through feedparser, JSON Feed
through our own reader.

Pure and in-process: no network, no files, no time limit. feedparser has quadratic paths on
hostile input (see DESIGN.md, "Known traps"), so the sync engine calls this through
``parser_pool.ParserPool``, whose worker processes can be killed.

Whatever goes wrong, the only exception that leaves :func:`parse_document` is ``ParseError``:
feedparser reports most problems as "bozo" but raises on some (a character reference to a
lone surrogate raises ``UnicodeEncodeError``), and a feed must never take the sync down.
"""

from __future__ import annotations

import html
import io
import re
import time
import xml.sax
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from reader_app.errors import ParseError
from reader_app.ingest.items import document_context, item_hash, reduced_document, split_items
from reader_app.ingest.jsonfeed import parse_json_feed, text_to_html
from reader_app.ingest.types import ParsedEntry, ParsedFeed

__all__ = ["MAX_TTL_MINUTES", "parse_changed", "parse_document"]

# RSS <ttl> is in minutes; a month is the longest that still means "check this feed".
MAX_TTL_MINUTES = 43_200

# Only these response headers mean anything to feedparser's decoding; the rest are not passed.
# Content-Location is left out on purpose: see _feedparser_headers.
_HEADERS_FOR_FEEDPARSER = ("content-type", "content-language")
_JSON_TYPES = ("application/feed+json", "application/json")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_BOM_AND_SPACE = b"\xef\xbb\xbf \t\r\n"
# An HTML page: optional XML declaration, comments and whitespace, then <!DOCTYPE html or <html.
_HTML_START = re.compile(
    rb"(?:\s|<\?.*?\?>|<!--.*?-->)*<(?:!doctype\s+html|html)[\s>]", re.IGNORECASE | re.DOTALL
)
_SPACE_RUN = re.compile(r"\s+")
_HTML_PAGE = "not a feed: the address gives an HTML page, not RSS, Atom or JSON Feed"


def parse_document(
    body: bytes, *, url: str, headers: Mapping[str, str] | None = None
) -> ParsedFeed:
    """Parse a fetched document; ``url`` is where it came from (the base for relative URLs).

    ``headers`` are the response headers (any case); Content-Type decides the character
    encoding together with the document, Content-Location the base URL.
    Raises ``ParseError`` when the document is not a usable feed.
    """
    if not body.strip(_BOM_AND_SPACE):
        raise ParseError("not a feed: the document is empty")
    lowered = {name.lower(): value for name, value in (headers or {}).items()}
    try:
        if _is_json(body, lowered.get("content-type", "")):
            return parse_json_feed(body, url=url)
        return _parse_xml(body, url, lowered)
    except ParseError:
        raise
    except RecursionError as exc:
        raise ParseError("not a feed: the document is nested too deeply") from exc
    except MemoryError as exc:
        # The parser pool's worker looks at __cause__ to report its own memory limit.
        raise ParseError("parsing ran out of memory") from exc
    except UnicodeError as exc:
        # feedparser turns "&#xD800;" into a lone surrogate and then fails to encode it.
        reason = exc.reason if isinstance(exc, UnicodeEncodeError | UnicodeDecodeError) else exc
        raise ParseError(
            f"not a feed: the document contains an invalid character ({reason})"
        ) from exc
    except Exception as exc:
        raise ParseError(f"not a feed: the parser failed ({type(exc).__name__}: {exc})") from exc


def parse_changed(
    body: bytes,
    *,
    url: str,
    headers: Mapping[str, str] | None = None,
    known_items: AbstractSet[str] = frozenset(),
) -> ParsedFeed:
    """Like :func:`parse_document`, but items whose raw bytes hash to one of ``known_items``
    are left out of the parse (see items.py); the result says which were left out.

    The entries returned are exactly those a whole-document parse gives for the kept items.
    Whenever that cannot be guaranteed (no safe split, an entry skipped by the parser), the
    whole document is parsed and the result carries no item hashes.
    """
    lowered = {name.lower(): value for name, value in (headers or {}).items()}
    if _is_json(body, lowered.get("content-type", "")):
        return parse_document(body, url=url, headers=headers)
    split = split_items(body)
    if split is None:
        return parse_document(body, url=url, headers=headers)
    base = f"{url} {lowered.get('content-location', '')}"
    context = document_context(body, split, url=base, content_type=lowered.get("content-type", ""))
    hashes = [item_hash(body[start:end], context) for start, end in split.spans]
    keep = [i for i, digest in enumerate(hashes) if digest not in known_items]
    document = body if len(keep) == len(hashes) else reduced_document(body, split, keep)
    parsed = parse_document(document, url=url, headers=headers)
    if len(parsed.entries) != len(keep):
        # The parser dropped or merged an item: entries no longer line up with the items.
        return parsed if document is body else parse_document(body, url=url, headers=headers)
    return replace(
        parsed,
        item_hashes=tuple(hashes[i] for i in keep),
        positions=tuple(keep),
        unchanged_items=tuple(d for d in hashes if d in known_items),
    )


def _is_json(body: bytes, content_type: str) -> bool:
    start = body.lstrip(_BOM_AND_SPACE)[:1]
    if start == b"{":
        return True
    # A server that calls its RSS "application/json" is wrong; the body decides. Only when the
    # body starts with neither "{" nor "<" does the declared type get a say.
    return start != b"<" and _media_type(content_type) in _JSON_TYPES


def _parse_xml(body: bytes, url: str, headers: Mapping[str, str]) -> ParsedFeed:
    if _HTML_START.match(body[:4096]):
        # A moved feed often answers with the site's home page; no need to let feedparser
        # chew through a megabyte of it to find no feed.
        raise ParseError(_HTML_PAGE)
    fp_headers = _feedparser_headers(headers)
    # A BytesIO, never the bytes themselves: given bytes, feedparser first tries them as a file
    # name, so a response body of "/home/me/.ssh/config" would be read from the local disk. And
    # never a URL: its downloader has no timeout and no size cap.
    result: Any = feedparser.parse(
        io.BytesIO(body),
        response_headers=fp_headers,
        # Stored as received and sanitized at display time with nh3 (half of feedparser's time
        # goes into its own sanitizer and URI rewriting).
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    version: str = result.get("version") or ""
    raw_entries: list[Any] = list(result.get("entries") or [])
    bozo_exception: BaseException | None = (
        result.get("bozo_exception") if result.get("bozo") else None
    )

    if not version and not raw_entries:
        if bozo_exception is not None and not _is_encoding_notice(bozo_exception):
            raise ParseError(f"not a feed: {_describe_bozo(bozo_exception)}")
        if _media_type(headers.get("content-type", "")) in _HTML_TYPES:
            raise ParseError(_HTML_PAGE)
        raise ParseError("not a feed: no RSS, Atom or JSON Feed found in the document")

    warnings: list[str] = []
    if bozo_exception is not None:
        warning = _bozo_warning(bozo_exception, headers)
        if warning:
            warnings.append(warning)

    # HTTP allows a relative Content-Location; it is relative to the request URL.
    location = headers.get("content-location", "").strip()
    base = _safe_join(url, location) if location else url
    entries: list[ParsedEntry] = []
    skipped: list[str] = []
    for index, raw in enumerate(raw_entries):
        try:
            entry = _entry(raw, base)
        except (ValueError, TypeError, AttributeError, KeyError, OverflowError) as exc:
            skipped.append(f"entry {index + 1}: {type(exc).__name__}: {exc}")
            continue
        if entry is None:
            skipped.append(f"entry {index + 1} has no id, link, title or text")
            continue
        entries.append(entry)
    if skipped:
        noun = "entry" if len(skipped) == 1 else "entries"
        warnings.append(f"{len(skipped)} {noun} skipped: {skipped[0]}")

    feed: Any = result.get("feed") or {}
    return ParsedFeed(
        format=version or "unknown",
        title=_plain_title(_get(feed, "title"), _get(feed, "title_detail")),
        site_url=_url(_get(feed, "link"), base),
        # Atom <icon> is the small square meant for lists; RSS <image> and Atom <logo> are
        # larger banners, still better than nothing.
        icon_url=(
            _url(_get(feed, "icon"), base)
            or _url(_get(_get(feed, "image"), "href"), base)
            or _url(_get(feed, "logo"), base)
        ),
        ttl_minutes=_ttl(_get(feed, "ttl")),
        entries=tuple(entries),
        warnings=tuple(warnings),
    )


def _feedparser_headers(headers: Mapping[str, str]) -> dict[str, str]:
    # No Content-Location, so feedparser works without a base URL: given one, it resolves not
    # only links against it but also every RSS <guid> without isPermaLink="false" ("1234"
    # becomes "https://host/1234"), and then an entry's identity would change whenever the
    # feed is fetched from another address (a redirect, http to https). xml:base in the
    # document still applies; what stays relative is resolved here against the document's URL.
    out = {name: headers[name] for name in _HEADERS_FOR_FEEDPARSER if name in headers}
    content_type = out.get("content-type")
    if content_type and "charset" not in content_type.lower():
        media = _media_type(content_type)
        if media.startswith("text/") and (media == "text/xml" or media.endswith("+xml")):
            # RFC 3023 made text/xml without a charset mean US-ASCII whatever the XML declaration
            # says, and feedparser follows it: every such feed with one accented letter would be
            # flagged as "encoding overridden". RFC 7303, which replaced it, lets the XML
            # declaration decide, which is what application/xml means to feedparser.
            out["content-type"] = "application/" + media.removeprefix("text/")
    return out


def _entry(raw: Any, base: str) -> ParsedEntry | None:
    guid = _text(_get(raw, "id"))
    link = _url(_get(raw, "link"), base)
    title = _plain_title(_get(raw, "title"), _get(raw, "title_detail"))
    summary = _html_or_escaped(_get(raw, "summary"), _get(raw, "summary_detail"))
    content = _best_content(_get(raw, "content") or ())
    if not (guid or link or title or summary or content):
        return None
    return ParsedEntry(
        guid=guid,
        link=link,
        title=title,
        # "Release Team", not "releases@example.com (Release Team)": RSS <author> holds an
        # address with the name in brackets, and feedparser splits it in author_detail.
        author=_text(_get(_get(raw, "author_detail"), "name")) or _text(_get(raw, "author")),
        summary=summary,
        content=content,
        # Only what the document says: an entry with only <updated> has no published date;
        # the sync engine chooses the date to sort by.
        published=_utc(_get(raw, "published_parsed")),
        updated=_utc(_get(raw, "updated_parsed")),
    )


def _get(mapping: Any, key: str) -> Any:
    # dict.get, not FeedParserDict.get: the latter answers "updated_parsed" with the published
    # date when there is no <updated> (a deprecated fallback that also warns), and the two
    # dates must stay what the document says.
    return dict.get(mapping, key) if isinstance(mapping, dict) else None


def _best_content(contents: Iterable[Any]) -> str | None:
    """The fullest HTML among the entry's contents; plain text only when there is no HTML."""
    html_values: list[str] = []
    text_values: list[str] = []
    for item in contents:
        value = _text(item.get("value"))
        if value is None:
            continue
        kind = str(item.get("type") or "text/html").lower()
        (text_values if kind == "text/plain" else html_values).append(value)
    if html_values:
        return max(html_values, key=len)
    if text_values:
        # Content is stored as HTML; plain text must show as written ("<" and "&" included).
        return text_to_html(max(text_values, key=len)) or None
    return None


def _html_or_escaped(value: object, detail: object) -> str | None:
    """A summary as HTML: RSS descriptions are HTML already, an Atom ``type="text"`` summary is
    escaped so that "a <b> tag" shows as written rather than turning the rest bold."""
    text = _text(value)
    if text is None:
        return None
    kind = _get(detail, "type")
    return html.escape(text, quote=False) if kind == "text/plain" else text


def _plain_title(value: object, detail: object) -> str | None:
    """Titles are shown as plain text: an Atom title of type html or xhtml loses its markup."""
    text = _text(value)
    if text is None:
        return None
    kind = detail.get("type") if isinstance(detail, Mapping) else None
    if kind in ("text/html", "application/xhtml+xml"):
        text = _html_to_text(text)
    return _SPACE_RUN.sub(" ", text).strip() or None


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _html_to_text(markup: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    return "".join(extractor.parts)


def _utc(value: object) -> datetime | None:
    """feedparser's UTC ``struct_time`` as an aware datetime; impossible dates are ``None``."""
    if not isinstance(value, time.struct_time):
        return None
    try:
        # A leap second (":60", which some date formats let through) keeps the date as ":59".
        seconds = min(value.tm_sec, 59)
        # MySQL's "0000-00-00 00:00:00" comes out as year -1; datetime refuses it.
        return datetime(*value[:5], seconds, tzinfo=UTC)
    except (ValueError, OverflowError, TypeError):
        return None


def _ttl(value: object) -> int | None:
    try:
        minutes = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return minutes if 1 <= minutes <= MAX_TTL_MINUTES else None


def _url(value: object, base: str) -> str | None:
    """An absolute http(s) URL; relative ones are resolved against ``base``, others dropped.

    Links are opened in the browser and icons are fetched, so ``javascript:``, ``data:`` and
    ``file:`` URLs from a feed go nowhere.
    """
    text = _text(value)
    if text is None:
        return None
    absolute = _safe_join(base, text)
    try:
        scheme = urlsplit(absolute).scheme.lower()
    except ValueError:
        return None
    return absolute if scheme in ("http", "https") else None


def _safe_join(base: str, reference: str) -> str:
    try:
        return urljoin(base, reference)
    except ValueError:
        # urljoin parses both and rejects malformed IPv6 hosts ("http://[::1/").
        return reference


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _is_encoding_notice(exc: BaseException) -> bool:
    return isinstance(exc, feedparser.CharacterEncodingOverride | feedparser.NonXMLContentType)


def _describe_bozo(exc: BaseException) -> str:
    if isinstance(exc, xml.sax.SAXParseException):
        # str() starts with "<unknown>:line:column:"; say it the way a person reads it.
        return (
            f"the document is not well-formed XML (line {exc.getLineNumber()}, "
            f"column {exc.getColumnNumber()}: {exc.getMessage()})"
        )
    if isinstance(exc, feedparser.CharacterEncodingUnknown):
        return f"unknown character encoding ({exc})"
    return f"{type(exc).__name__}: {exc}"


def _bozo_warning(exc: BaseException, headers: Mapping[str, str]) -> str | None:
    """One sentence for the user about a problem the feed survived."""
    if isinstance(exc, feedparser.CharacterEncodingOverride):
        content_type = headers.get("content-type", "")
        if "declared as us-ascii" in str(exc) and "charset" not in content_type.lower():
            # Not a real declaration: feedparser's RFC 3023 default for text/* without a
            # charset. What is worth saying is the content type itself.
            media = _media_type(content_type)
            return (
                f"wrong content type: the server says {media}, not an XML type" if media else None
            )
        return f"character encoding: {exc}"
    if isinstance(exc, feedparser.NonXMLContentType):
        if "content-type" not in headers:
            # feedparser flags a response without Content-Type; the document decided, fine.
            return None
        return f"wrong content type: {exc}"
    return f"{_describe_bozo(exc)}; the entries that could be read were kept"
