"""Table definitions. ORM classes never leave the ``storage`` package.

Times are stored as integer microseconds since the Unix epoch (UTC): compact, indexable, and
an exact round trip of an aware ``datetime``. ``UtcTimestamp`` does the conversion so every
value read back is aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}


def to_micros(value: datetime) -> int:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: reader_app stores aware UTC times only")
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int) -> datetime:
    seconds, micros = divmod(value, 1_000_000)
    return datetime.fromtimestamp(seconds, UTC).replace(microsecond=micros)


class UtcTimestamp(TypeDecorator[datetime]):
    """An aware UTC datetime stored as integer microseconds."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> int | None:
        return None if value is None else to_micros(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else from_micros(int(value))


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class FeedRow(Base):
    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    user_title: Mapped[str | None] = mapped_column(Text)
    site_url: Mapped[str | None] = mapped_column(Text)
    icon_url: Mapped[str | None] = mapped_column(Text)
    added_at: Mapped[datetime] = mapped_column(UtcTimestamp)
    # HTTP validators and the hash of the last body parsed: stored in the same transaction
    # as the entries they produced, so a crash never leaves a 304 hiding unwritten entries.
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    body_hash: Mapped[str | None] = mapped_column(String(64))
    last_fetched: Mapped[datetime | None] = mapped_column(UtcTimestamp)
    last_updated: Mapped[datetime | None] = mapped_column(UtcTimestamp)
    next_check: Mapped[datetime | None] = mapped_column(UtcTimestamp)
    error_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UtcTimestamp)
    # A survivable problem of the last update (encoding overridden, entries skipped).
    last_warning: Mapped[str | None] = mapped_column(Text)
    updates_enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("1"))
    update_interval_minutes: Mapped[int | None] = mapped_column(Integer)
    ttl_minutes: Mapped[int | None] = mapped_column(Integer)  # the feed's own <ttl>
    load_images: Mapped[bool] = mapped_column(Boolean, server_default=text("0"))
    auth_username: Mapped[str | None] = mapped_column(Text)
    auth_password: Mapped[str | None] = mapped_column(Text)
    # Kept by triggers on `entries` (migration 0001) so unread counts are a read of this
    # table, not a scan of a million articles.
    unread_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # Retention for this feed (migration 0003): NULL follows the global settings, 0 keeps
    # forever.
    keep_days: Mapped[int | None] = mapped_column(Integer)
    keep_per_feed: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_feeds_next_check", "next_check"),)


class EntryRow(Base):
    __tablename__ = "entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    # Hash of the item's raw bytes in the feed document: an item seen before with the same
    # bytes is not parsed again (ingest/items.py).
    item_hash: Mapped[str | None] = mapped_column(String(32))
    published: Mapped[datetime | None] = mapped_column(UtcTimestamp)
    updated: Mapped[datetime | None] = mapped_column(UtcTimestamp)
    first_seen: Mapped[datetime] = mapped_column(UtcTimestamp)
    last_seen: Mapped[datetime] = mapped_column(UtcTimestamp)
    sort_at: Mapped[datetime] = mapped_column(UtcTimestamp)
    read: Mapped[bool] = mapped_column(Boolean, server_default=text("0"))
    read_at: Mapped[datetime | None] = mapped_column(UtcTimestamp)
    starred: Mapped[bool] = mapped_column(Boolean, server_default=text("0"))
    starred_at: Mapped[datetime | None] = mapped_column(UtcTimestamp)
    # Article bodies last: see migration 0001.
    title: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    content: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("uq_entries_feed_id_key", "feed_id", "key", unique=True),
        # SQLite walks an index backwards for ORDER BY sort_at DESC, id DESC, so plain
        # ascending columns serve both directions (and Alembic can compare them).
        Index("ix_entries_feed_sort", "feed_id", "sort_at", "id"),
        Index("ix_entries_read_sort", "read", "sort_at", "id"),
        Index("ix_entries_sort", "sort_at", "id"),
        Index("ix_entries_starred", "sort_at", "id", sqlite_where=text("starred = 1")),
    )


class RemovedEntryRow(Base):
    """Keys of articles the user deleted or retention pruned, so they never return as unread."""

    __tablename__ = "removed_entries"

    feed_id: Mapped[int] = mapped_column(
        ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    removed_at: Mapped[datetime] = mapped_column(UtcTimestamp)


class TagRow(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)


class FeedTagRow(Base):
    __tablename__ = "feed_tags"

    feed_id: Mapped[int] = mapped_column(
        ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_feed_tags_tag_id", "tag_id"),)


class SavedSearchRow(Base):
    """A search the user keeps in the feed list. Its matches and unread count are kept by
    triggers and the writer (migration 0003, storage/saved_searches.py)."""

    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    query: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(UtcTimestamp)
    # Whether its matches depend on read or star marks (is: filters): only then do mark
    # changes send articles back to it.
    by_read: Mapped[bool] = mapped_column(Boolean, server_default=text("0"))
    by_starred: Mapped[bool] = mapped_column(Boolean, server_default=text("0"))
    # For a query with relative days (after:7d): the local day its matches were found for.
    day: Mapped[str | None] = mapped_column(Text)
    unread_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class SavedSearchEntryRow(Base):
    """One article a saved search matches. Keyed by article first: the triggers that keep
    counts look matches up by article."""

    __tablename__ = "saved_search_entries"

    entry_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    search_id: Mapped[int] = mapped_column(
        ForeignKey("saved_searches.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (
        Index("ix_saved_search_entries_search_id", "search_id"),
        {"sqlite_with_rowid": False},
    )


class SavedSearchDirtyEntryRow(Base):
    """Articles saved searches must look at again before the writer commits."""

    __tablename__ = "saved_search_dirty_entries"

    entry_id: Mapped[int] = mapped_column(Integer, primary_key=True)

    __table_args__ = ({"sqlite_with_rowid": False},)


class SavedSearchDirtyMarkRow(Base):
    """Articles whose read or star mark changed: only saved searches filtering by marks
    look at them again."""

    __tablename__ = "saved_search_dirty_marks"

    entry_id: Mapped[int] = mapped_column(Integer, primary_key=True)

    __table_args__ = ({"sqlite_with_rowid": False},)


class SavedSearchDirtyFeedRow(Base):
    """Feeds whose articles saved searches must look at again (a new title or tags)."""

    __tablename__ = "saved_search_dirty_feeds"

    feed_id: Mapped[int] = mapped_column(Integer, primary_key=True)

    __table_args__ = ({"sqlite_with_rowid": False},)


# Core tables for bulk statements: ORM bulk inserts cost ~4x more per row and report no rowcount.
feeds_table = cast(Table, FeedRow.__table__)
entries_table = cast(Table, EntryRow.__table__)
removed_entries_table = cast(Table, RemovedEntryRow.__table__)
tags_table = cast(Table, TagRow.__table__)
feed_tags_table = cast(Table, FeedTagRow.__table__)
saved_searches_table = cast(Table, SavedSearchRow.__table__)
