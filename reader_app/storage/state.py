"""Read and starred marks as a file, so history moves between machines and readers.

The file is one JSON object::

    {"format": "reader_app.state", "version": 1, "exported_at": "2026-11-23T12:00:00+00:00",
     "articles": [{"feed": "https://example.org/feed.xml", "key": "guid:abc",
                   "link": "https://example.org/abc" or null, "title": "..." or null,
                   "read": true, "read_at": "2026-11-20T08:00:00+00:00" or null,
                   "starred": false}, ...]}

Only articles that are read or starred are listed (unread and unstarred is where every
reader starts), ordered by feed URL then key so two exports of the same state are the same
bytes apart from ``exported_at``.

An import only ever adds marks: an article is found by (feed URL, key), else by its link in
any feed (exact string), and gets the read mark (with the file's ``read_at`` when it is a
valid time not in the future) and/or the star. Nothing is ever marked unread or unstarred.
A file that cannot be read at all raises ``StateFileError`` and nothing is imported; bad
items inside a good file are skipped and counted.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, select, tuple_, update
from sqlalchemy.orm import Session

from reader_app.domain import Changes, EntryId, FeedId
from reader_app.errors import StateFileError
from reader_app.storage.orm import EntryRow, FeedRow, entries_table
from reader_app.storage.sql import chunked

FORMAT = "reader_app.state"
VERSION = 1
# Refused before reading: a real history of a million marks is well under 300 bytes each.
MAX_FILE_BYTES = 256 * 1024 * 1024
# Feed URLs, keys and links longer than this are not real ones; titles are cut to it.
MAX_FIELD = 8 * 1024
# The first few reasons an item was skipped are kept for the report; the rest are counted.
KEPT_REASONS = 5


@dataclass(frozen=True, slots=True)
class StateArticle:
    """One article's marks as the file holds them."""

    feed: str
    key: str
    link: str | None
    title: str | None
    read: bool
    read_at: datetime | None
    starred: bool


@dataclass(frozen=True, slots=True)
class ParsedState:
    """The usable articles of a file, and what was skipped."""

    articles: tuple[StateArticle, ...]
    skipped: int
    reasons: tuple[str, ...]  # the first KEPT_REASONS, "item 3: ..."


@dataclass(frozen=True, slots=True)
class AppliedMarks:
    """What one chunk of an import did."""

    matched: int
    marked_read: int
    starred: int
    changes: Changes


# Export


def marked_articles(session: Session) -> list[StateArticle]:
    """Every read or starred article, by feed URL then key."""
    stmt = (
        select(
            FeedRow.url,
            EntryRow.key,
            EntryRow.link,
            EntryRow.title,
            EntryRow.read,
            EntryRow.read_at,
            EntryRow.starred,
        )
        .join(FeedRow, FeedRow.id == EntryRow.feed_id)
        .where(or_(EntryRow.read == True, EntryRow.starred == True))  # noqa: E712 - SQL
        .order_by(FeedRow.url, EntryRow.key)
    )
    return [
        StateArticle(url, key, link, title, bool(read), read_at if read else None, bool(starred))
        for url, key, link, title, read, read_at, starred in session.execute(stmt)
    ]


def encode_state(articles: Sequence[StateArticle], now: datetime) -> bytes:
    document = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": now.isoformat(),
        "articles": [
            {
                "feed": a.feed,
                "key": a.key,
                "link": a.link,
                "title": a.title,
                "read": a.read,
                "read_at": a.read_at.isoformat() if a.read_at is not None else None,
                "starred": a.starred,
            }
            for a in articles
        ],
    }
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


# Import: reading the file (pure; no database)


def parse_state(data: bytes, *, source: str, now: datetime) -> ParsedState:
    """The articles of a state file; StateFileError naming ``source`` if the file is unusable."""
    if len(data) > MAX_FILE_BYTES:
        raise StateFileError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB", source=source)
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise StateFileError("not UTF-8 text", source=source) from None
    except (ValueError, RecursionError) as exc:
        raise StateFileError(f"not JSON ({_short(str(exc))})", source=source) from None
    if not isinstance(document, dict):
        raise StateFileError("not a JSON object", source=source)
    if document.get("format") != FORMAT:
        raise StateFileError(f"not a reader_app state file (format is not {FORMAT!r})", source)
    version = document.get("version")
    if type(version) is not int or version < 1:
        raise StateFileError("its version is missing or not a positive whole number", source)
    if version > VERSION:
        raise StateFileError(
            f"written by a newer reader_app (version {version}; this one reads {VERSION})", source
        )
    items = document.get("articles")
    if not isinstance(items, list):
        raise StateFileError("'articles' is missing or not a list", source=source)

    articles: list[StateArticle] = []
    seen: set[tuple[str, str]] = set()
    skipped = 0
    reasons: list[str] = []
    for number, item in enumerate(items, start=1):
        article, reason = _article(item, now)
        if article is not None and (article.feed, article.key) in seen:
            article, reason = None, "the same feed and key as an earlier item"
        if article is None:
            skipped += 1
            if len(reasons) < KEPT_REASONS:
                reasons.append(f"item {number}: {reason}")
            continue
        seen.add((article.feed, article.key))
        articles.append(article)
    return ParsedState(tuple(articles), skipped, tuple(reasons))


def _article(item: Any, now: datetime) -> tuple[StateArticle | None, str]:
    if not isinstance(item, dict):
        return None, "not an object"
    feed, problem = _text(item.get("feed"), "feed")
    if feed is None:
        return None, problem
    key, problem = _text(item.get("key"), "key")
    if key is None:
        return None, problem
    link = item.get("link")
    if link is not None:
        link, problem = _text(link, "link")
        if link is None:
            return None, problem
    read, starred = item.get("read", False), item.get("starred", False)
    if type(read) is not bool or type(starred) is not bool:
        return None, "'read' and 'starred' must be true or false"
    if not (read or starred):
        return None, "neither read nor starred"
    title = item.get("title")
    title = title[:MAX_FIELD] if isinstance(title, str) else None
    read_at = _time(item.get("read_at"), now) if read else None
    return StateArticle(feed, key, link, title, read, read_at, starred), ""


def _text(value: Any, name: str) -> tuple[str | None, str]:
    if not isinstance(value, str) or not value:
        return None, f"'{name}' is missing or not text"
    if len(value) > MAX_FIELD:
        return None, f"'{name}' is longer than {MAX_FIELD} characters"
    if "\x00" in value:
        return None, f"'{name}' holds a NUL character"
    return value, ""


def _time(value: Any, now: datetime) -> datetime | None:
    """A read time from the file, or None (the import uses its own "now") when it is not an
    ISO-8601 time with an offset, or lies in the future (a clock set wrong elsewhere)."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed > now:
        return None
    return parsed


def _short(text: str) -> str:
    return text if len(text) <= 120 else text[:117] + "..."


# Import: writing the marks (one transaction per chunk)


def apply_marks(session: Session, articles: Sequence[StateArticle], now: datetime) -> AppliedMarks:
    """Add the marks of ``articles`` (a chunk of at most sql.CHUNK) to the articles they match."""
    found = _match(session, articles)
    read_rows: dict[int, datetime] = {}
    star_ids: set[int] = set()
    feeds: dict[int, int] = {}
    for article, entries in zip(articles, found, strict=True):
        for entry_id, feed_id, is_read, is_starred in entries:
            feeds[entry_id] = feed_id
            if article.read and not is_read and entry_id not in read_rows:
                read_rows[entry_id] = article.read_at or now
            if article.starred and not is_starred:
                star_ids.add(entry_id)
    if read_rows:
        # One statement run for every row (each has its own time), on the table itself:
        # the ORM's bulk UPDATE wants primary-key names in the parameters.
        table = entries_table
        session.connection().execute(
            update(table)
            .where(table.c.id == bindparam("entry_id"), table.c.read == False)  # noqa: E712
            .values(read=True, read_at=bindparam("when")),
            [{"entry_id": i, "when": when} for i, when in read_rows.items()],
        )
    for chunk in chunked(sorted(star_ids)):
        session.execute(
            update(EntryRow)
            .where(EntryRow.id.in_(chunk), EntryRow.starred == False)  # noqa: E712
            .values(starred=True, starred_at=now)
            .execution_options(synchronize_session=False)
        )
    changed = set(read_rows) | star_ids
    changes = Changes(
        feeds=frozenset(FeedId(feeds[i]) for i in changed),
        entries=frozenset(EntryId(i) for i in changed),
    )
    matched = sum(1 for entries in found if entries)
    return AppliedMarks(matched, len(read_rows), len(star_ids), changes)


_Found = tuple[int, int, bool, bool]  # entry id, feed id, read, starred


def _match(session: Session, articles: Sequence[StateArticle]) -> list[list[_Found]]:
    """For each article, the stored articles it stands for: by (feed URL, key), else by link."""
    pairs = list({(a.feed, a.key) for a in articles})
    by_key: dict[tuple[str, str], _Found] = {}
    for chunk in chunked(pairs, 250):  # two parameters per pair
        rows = session.execute(
            select(
                FeedRow.url, EntryRow.key, EntryRow.id, EntryRow.feed_id,
                EntryRow.read, EntryRow.starred,
            )
            .join(FeedRow, FeedRow.id == EntryRow.feed_id)
            .where(tuple_(FeedRow.url, EntryRow.key).in_(chunk))
        )  # fmt: skip
        for url, key, entry_id, feed_id, read, starred in rows:
            by_key[(url, key)] = (entry_id, feed_id, bool(read), bool(starred))

    links = list({a.link for a in articles if a.link and (a.feed, a.key) not in by_key})
    by_link: dict[str, list[_Found]] = {}
    for link_chunk in chunked(links):
        link_rows = session.execute(
            select(EntryRow.link, EntryRow.id, EntryRow.feed_id, EntryRow.read, EntryRow.starred)
            .where(EntryRow.link.in_(link_chunk))
            .order_by(EntryRow.id)
        )
        for link, entry_id, feed_id, read, starred in link_rows:
            by_link.setdefault(link or "", []).append(
                (entry_id, feed_id, bool(read), bool(starred))
            )

    found: list[list[_Found]] = []
    for a in articles:
        if (a.feed, a.key) in by_key:
            found.append([by_key[(a.feed, a.key)]])
        else:
            found.append(by_link.get(a.link, []) if a.link else [])
    return found
