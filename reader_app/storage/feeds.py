"""Feeds: rows in, frozen ``Feed`` values out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import RowMapping, delete, insert, select, update
from sqlalchemy.orm import Session

from reader_app.domain import Feed, FeedId, FeedSummary
from reader_app.errors import FeedExistsError
from reader_app.storage import tags as tag_store
from reader_app.storage.orm import FeedRow, feeds_table

_FEED_COLUMNS = (
    FeedRow.id,
    FeedRow.url,
    FeedRow.title,
    FeedRow.user_title,
    FeedRow.site_url,
    FeedRow.icon_url,
    FeedRow.added_at,
    FeedRow.last_fetched,
    FeedRow.last_updated,
    FeedRow.next_check,
    FeedRow.error_count,
    FeedRow.last_error,
    FeedRow.last_error_at,
    FeedRow.last_warning,
    FeedRow.updates_enabled,
    FeedRow.update_interval_minutes,
    FeedRow.load_images,
    FeedRow.unread_count,
    FeedRow.keep_days,
    FeedRow.keep_per_feed,
)


@dataclass(frozen=True, slots=True)
class FeedToAdd:
    url: str  # normalized
    title: str | None
    site_url: str | None
    tags: tuple[str, ...]  # normalized
    user_title: str | None = None
    username: str | None = None  # HTTP basic authentication
    password: str | None = None


def _to_feed(m: RowMapping, tags: Sequence[str]) -> Feed:
    return Feed(
        id=FeedId(m["id"]),
        url=m["url"],
        title=m["title"],
        user_title=m["user_title"],
        site_url=m["site_url"],
        icon_url=m["icon_url"],
        tags=tuple(tags),
        added_at=m["added_at"],
        last_fetched=m["last_fetched"],
        last_updated=m["last_updated"],
        next_check=m["next_check"],
        error_count=m["error_count"],
        last_error=m["last_error"],
        last_error_at=m["last_error_at"],
        last_warning=m["last_warning"],
        updates_enabled=bool(m["updates_enabled"]),
        update_interval_minutes=m["update_interval_minutes"],
        load_images=bool(m["load_images"]),
        keep_days=m["keep_days"],
        keep_per_feed=m["keep_per_feed"],
    )


def list_feeds(session: Session, ids: Sequence[int] | None = None) -> list[FeedSummary]:
    """Every feed (or those of ``ids`` that exist) with its unread count, sorted by the title
    the user sees."""
    stmt = select(*_FEED_COLUMNS)
    if ids is not None:
        stmt = stmt.where(FeedRow.id.in_(list(ids)))
    tags = tag_store.tags_by_feed(session, ids)
    summaries = [
        FeedSummary(feed=_to_feed(row, tags.get(row["id"], ())), unread_count=row["unread_count"])
        for row in session.execute(stmt).mappings()
    ]
    summaries.sort(key=lambda s: (s.feed.display_title.casefold(), s.feed.id))
    return summaries


def get_feed(session: Session, feed_id: int) -> Feed | None:
    row = session.execute(select(*_FEED_COLUMNS).where(FeedRow.id == feed_id)).mappings().first()
    if row is None:
        return None
    return _to_feed(row, tag_store.tags_by_feed(session, [feed_id]).get(feed_id, ()))


def feed_exists(session: Session, feed_id: int) -> bool:
    return session.execute(select(FeedRow.id).where(FeedRow.id == feed_id)).first() is not None


def find_feed_id(session: Session, url: str) -> FeedId | None:
    found = session.execute(select(FeedRow.id).where(FeedRow.url == url)).scalar()
    return None if found is None else FeedId(found)


def existing_urls(session: Session, urls: Iterable[str]) -> set[str]:
    urls = list(urls)
    found: set[str] = set()
    # Stay under SQLite's bound-parameter limit for very large imports.
    for start in range(0, len(urls), 500):
        chunk = urls[start : start + 500]
        found.update(session.execute(select(FeedRow.url).where(FeedRow.url.in_(chunk))).scalars())
    return found


def add_feed(session: Session, feed: FeedToAdd, now: datetime) -> FeedId:
    if find_feed_id(session, feed.url) is not None:
        raise FeedExistsError(f"already subscribed to {feed.url}")
    feed_id = session.execute(
        insert(FeedRow)
        .values(
            url=feed.url,
            title=feed.title,
            user_title=feed.user_title,
            site_url=feed.site_url,
            auth_username=feed.username,
            auth_password=feed.password,
            added_at=now,
        )
        .returning(FeedRow.id)
    ).scalar_one()
    tag_store.add_feed_tags(session, [(feed_id, tag) for tag in feed.tags])
    return FeedId(feed_id)


def add_feeds(session: Session, feeds: Sequence[FeedToAdd], now: datetime) -> list[FeedId]:
    """Insert many new feeds at once (OPML import); the caller has removed duplicates."""
    if not feeds:
        return []
    session.execute(
        insert(feeds_table),
        [
            {
                "url": f.url,
                "title": f.title,
                "site_url": f.site_url,
                "auth_username": f.username,
                "auth_password": f.password,
                "added_at": now,
            }
            for f in feeds
        ],
    )
    ids: dict[str, int] = {}
    urls = [f.url for f in feeds]
    for start in range(0, len(urls), 500):
        chunk = urls[start : start + 500]
        rows = session.execute(select(FeedRow.url, FeedRow.id).where(FeedRow.url.in_(chunk)))
        ids.update((url, feed_id) for url, feed_id in rows)
    tag_store.add_feed_tags(session, [(ids[f.url], tag) for f in feeds for tag in f.tags])
    return [FeedId(ids[url]) for url in urls]


def remove_feed(session: Session, feed_id: int) -> bool:
    """Delete a feed with its articles and tags (by cascade); False if it did not exist."""
    result = session.connection().execute(delete(feeds_table).where(feeds_table.c.id == feed_id))
    tag_store.delete_unused_tags(session)
    return result.rowcount > 0


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: list[str]
    already_subscribed: list[str]
    feed_ids: frozenset[FeedId]


def import_feeds(session: Session, wanted: Sequence[FeedToAdd], now: datetime) -> ImportResult:
    """Add the feeds not yet subscribed; give those already there the tags from the import."""
    existing = existing_urls(session, [f.url for f in wanted])
    new = [f for f in wanted if f.url not in existing]
    touched: set[FeedId] = set(add_feeds(session, new, now))
    merged: list[tuple[int, str]] = []
    for item in wanted:
        if item.url in existing:
            feed_id = find_feed_id(session, item.url)
            if feed_id is not None:
                touched.add(feed_id)
                merged.extend((feed_id, tag) for tag in item.tags)
    tag_store.add_feed_tags(session, merged)
    return ImportResult(
        added=[f.url for f in new],
        already_subscribed=[f.url for f in wanted if f.url in existing],
        feed_ids=frozenset(touched),
    )


def rename_feed(session: Session, feed_id: int, user_title: str | None) -> bool:
    """Set (or with None clear) the user's own title; False if the feed does not exist."""
    result = session.connection().execute(
        update(feeds_table).where(feeds_table.c.id == feed_id).values(user_title=user_title)
    )
    return result.rowcount > 0


def set_feed_options(session: Session, feed_id: int, values: dict[str, object]) -> bool:
    """Update per-feed options (columns named by the caller, checked by the library)."""
    result = session.connection().execute(
        update(feeds_table).where(feeds_table.c.id == feed_id).values(**values)
    )
    return result.rowcount > 0
