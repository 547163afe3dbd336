"""What the sync engine reads and writes: due feeds, stored content hashes, update results.

One feed's update is one transaction (the caller's): new articles, changed articles, the
validators and the schedule are committed together, so a crash never leaves validators that
would hide articles that were not written.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, or_, select, update
from sqlalchemy.orm import Session

from reader_app.domain import FeedId, NewEntry
from reader_app.storage.orm import FeedRow, entries_table, feeds_table, to_micros
from reader_app.storage.search import reindex_keys
from reader_app.storage.sql import chunked, with_in_list
from reader_app.storage.tags import feeds_with_tags_select

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class UpdateTarget:
    """A feed to update, with what the fetcher and scheduler need to know."""

    feed_id: FeedId
    url: str
    title: str | None
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    username: str | None
    password: str | None
    update_interval_minutes: int | None
    error_count: int
    ttl_minutes: int | None = None  # the feed's <ttl> from its last parsed document


@dataclass(frozen=True, slots=True)
class FeedState:
    """The feed row after one update attempt. ``None`` in an optional field keeps the stored
    value, except where noted."""

    fetched_at: datetime
    next_check: datetime
    error_count: int
    last_error: str | None  # stored as given: None clears the error
    warning: str | None  # stored as given when warning_changed
    warning_changed: bool = True  # False: an unchanged document keeps its warning
    updates_enabled: bool = True
    etag: str | None = None  # with validators_changed, stored as given
    last_modified: str | None = None
    validators_changed: bool = False
    body_hash: str | None = None
    title: str | None = None
    site_url: str | None = None
    icon_url: str | None = None
    new_url: str | None = None  # a permanent redirect, once the body parsed as a feed
    ttl_minutes: int | None = None  # with ttl_changed, stored as given
    ttl_changed: bool = False
    updated_at: datetime | None = None  # when articles were added or changed


def update_targets(
    session: Session,
    now: datetime,
    *,
    feed_ids: Collection[int] = (),
    tags: Collection[str] = (),
    only_due: bool = True,
) -> list[UpdateTarget]:
    """Feeds to update. Named feeds are taken even when their updates stopped (the user asked);
    otherwise only feeds with updates enabled, and with ``only_due`` only those due by ``now``."""
    stmt = select(
        FeedRow.id,
        FeedRow.url,
        FeedRow.title,
        FeedRow.etag,
        FeedRow.last_modified,
        FeedRow.body_hash,
        FeedRow.auth_username,
        FeedRow.auth_password,
        FeedRow.update_interval_minutes,
        FeedRow.error_count,
        FeedRow.ttl_minutes,
    )
    if feed_ids:
        stmt = stmt.where(FeedRow.id.in_(sorted(feed_ids)))
    else:
        stmt = stmt.where(FeedRow.updates_enabled == True)  # noqa: E712
        if tags:
            stmt = stmt.where(FeedRow.id.in_(feeds_with_tags_select(tags)))
        if only_due:
            stmt = stmt.where(or_(FeedRow.next_check.is_(None), FeedRow.next_check <= now))
    stmt = stmt.order_by(FeedRow.next_check.is_not(None), FeedRow.next_check, FeedRow.id)
    return [
        UpdateTarget(
            feed_id=FeedId(row.id),
            url=row.url,
            title=row.title,
            etag=row.etag,
            last_modified=row.last_modified,
            body_hash=row.body_hash,
            username=row.auth_username,
            password=row.auth_password,
            update_interval_minutes=row.update_interval_minutes,
            error_count=row.error_count,
            ttl_minutes=row.ttl_minutes,
        )
        for row in session.execute(stmt)
    ]


def content_hashes(session: Session, feed_id: int, keys: Sequence[str]) -> dict[str, str | None]:
    """Stored content hashes of this feed's articles among ``keys``."""
    found: dict[str, str | None] = {}
    for chunk in chunked(keys):
        rows = session.connection().exec_driver_sql(
            with_in_list(
                "SELECT key, content_hash FROM entries WHERE feed_id = ? AND key IN", len(chunk)
            ),
            (feed_id, *chunk),
        )
        found.update((key, digest) for key, digest in rows)
    return found


def update_entry_content(
    session: Session, feed_id: int, entries: Sequence[NewEntry], now: datetime
) -> int:
    """Replace the content of articles edited upstream. Read, starred, first seen and the
    sort date are the user's view of the article and stay as they were."""
    if not entries:
        return 0
    table = entries_table
    stmt = (
        update(table)
        .where(table.c.feed_id == feed_id, table.c.key == bindparam("b_key"))
        .values(
            title=bindparam("b_title"),
            link=bindparam("b_link"),
            author=bindparam("b_author"),
            summary=bindparam("b_summary"),
            content=bindparam("b_content"),
            content_hash=bindparam("b_content_hash"),
            item_hash=bindparam("b_item_hash"),
            published=bindparam("b_published", type_=table.c.published.type),
            updated=bindparam("b_updated", type_=table.c.updated.type),
            last_seen=bindparam("b_last_seen", type_=table.c.last_seen.type),
        )
    )
    rows = [
        {
            "b_key": e.key,
            "b_title": e.title,
            "b_link": e.link,
            "b_author": e.author,
            "b_summary": e.summary,
            "b_content": e.content,
            "b_content_hash": e.content_hash,
            "b_item_hash": e.item_hash,
            "b_published": e.published,
            "b_updated": e.updated,
            "b_last_seen": now,
        }
        for e in entries
    ]
    session.connection().execute(stmt, rows)
    reindex_keys(session.connection(), feed_id, [e.key for e in entries])
    return len(rows)


# ``last_seen`` is kept to the day: rewriting sixty article rows on every update of a feed
# costs more than the rest of the update, and retention counts in days.
LAST_SEEN_RESOLUTION = timedelta(days=1)


def touch_entries(session: Session, feed_id: int, keys: Sequence[str], now: datetime) -> None:
    """Record that these articles are still in the feed (retention keeps what a feed shows)."""
    table = entries_table
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        session.connection().execute(
            update(table)
            .where(
                table.c.feed_id == feed_id,
                table.c.key.in_(chunk),
                table.c.last_seen < now - LAST_SEEN_RESOLUTION,
            )
            .values(last_seen=now)
        )


def item_hashes(connection: Connection, feed_id: int) -> frozenset[str]:
    """Raw-item hashes of this feed's stored articles: items to skip when parsing.

    Takes a plain connection (``Database.read_plain``): it runs once per changed feed.
    """
    rows = connection.exec_driver_sql(
        "SELECT item_hash FROM entries WHERE feed_id = ? AND item_hash IS NOT NULL", (feed_id,)
    )
    return frozenset(digest for (digest,) in rows)


def touch_items(session: Session, feed_id: int, hashes: Sequence[str], now: datetime) -> None:
    """Like ``touch_entries``, for items recognised by their raw hash without parsing."""
    cutoff = to_micros(now - LAST_SEEN_RESOLUTION)
    for chunk in chunked(hashes):
        session.connection().exec_driver_sql(
            with_in_list(
                "UPDATE entries SET last_seen = ? "
                "WHERE feed_id = ? AND last_seen < ? AND item_hash IN",
                len(chunk),
            ),
            (to_micros(now), feed_id, cutoff, *chunk),
        )


def set_item_hashes(session: Session, feed_id: int, hashes: Mapping[str, str]) -> None:
    """Remember raw-item hashes (by article key) of articles parsed again but unchanged."""
    if not hashes:
        return
    session.connection().execute(
        update(entries_table)
        .where(entries_table.c.feed_id == feed_id, entries_table.c.key == bindparam("b_key"))
        .values(item_hash=bindparam("b_item_hash")),
        [{"b_key": key, "b_item_hash": digest} for key, digest in hashes.items()],
    )


def url_taken(session: Session, url: str, feed_id: int) -> bool:
    """Whether another feed already has ``url`` (a redirect onto an existing subscription)."""
    found = session.execute(select(FeedRow.id).where(FeedRow.url == url)).scalar()
    return found is not None and found != feed_id


def set_feed_title(session: Session, feed_id: int, title: str) -> None:
    """The feed's own title, ahead of ``record_update``: written before the feed's new
    articles, they are indexed for search under it at once. Written after them, the search
    index's feed-title trigger would rewrite every one of those rows (whole, content
    included): a cold sync spent a quarter of its writer's time doing that."""
    session.connection().execute(
        update(feeds_table).where(feeds_table.c.id == feed_id).values(title=title)
    )


def record_update(session: Session, feed_id: int, state: FeedState) -> None:
    """Store the outcome of one update attempt on the feed row."""
    values: dict[str, object] = {
        "last_fetched": state.fetched_at,
        "next_check": state.next_check,
        "error_count": state.error_count,
        "last_error": state.last_error,
        "last_error_at": state.fetched_at if state.last_error else None,
        "updates_enabled": state.updates_enabled,
    }
    if state.warning_changed:
        values["last_warning"] = state.warning
    if state.ttl_changed:
        values["ttl_minutes"] = state.ttl_minutes
    if state.error_count > 1 and state.last_error:
        # Keep when the failure started, so the tooltip can say "failing since".
        current = session.execute(
            select(FeedRow.last_error_at).where(FeedRow.id == feed_id)
        ).scalar()
        if current is not None:
            values["last_error_at"] = current
    if state.validators_changed:
        values["etag"] = state.etag
        values["last_modified"] = state.last_modified
    optional = {
        "body_hash": state.body_hash,
        "title": state.title,
        "site_url": state.site_url,
        "icon_url": state.icon_url,
        "last_updated": state.updated_at,
    }
    values.update({key: value for key, value in optional.items() if value is not None})
    if state.new_url is not None and not url_taken(session, state.new_url, feed_id):
        values["url"] = state.new_url
    session.connection().execute(
        update(feeds_table).where(feeds_table.c.id == feed_id).values(**values)
    )
