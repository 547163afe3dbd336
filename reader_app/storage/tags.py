"""Tags and which feeds carry them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, delete, false, func, or_, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from reader_app.domain import TagSummary
from reader_app.storage.orm import FeedRow, FeedTagRow, TagRow, feed_tags_table, tags_table


def ensure_tags(session: Session, names: Iterable[str]) -> dict[str, int]:
    """Ids for ``names`` (already normalized), creating the missing tags."""
    wanted = set(names)
    if not wanted:
        return {}
    rows = [{"name": name} for name in sorted(wanted)]
    session.execute(sqlite_insert(tags_table).on_conflict_do_nothing(), rows)
    found = session.execute(select(TagRow.name, TagRow.id).where(TagRow.name.in_(wanted)))
    return {name: tag_id for name, tag_id in found}  # noqa: C416 - Result is not a mapping


def add_feed_tags(session: Session, pairs: Iterable[tuple[int, str]]) -> int:
    """Attach tags to feeds; pairs already present are left alone. Returns pairs added."""
    pairs = list(pairs)
    if not pairs:
        return 0
    ids = ensure_tags(session, {name for _, name in pairs})
    rows = [{"feed_id": feed_id, "tag_id": ids[name]} for feed_id, name in set(pairs)]
    result = session.connection().execute(
        sqlite_insert(feed_tags_table).on_conflict_do_nothing(), rows
    )
    return max(result.rowcount, 0)


def remove_feed_tags(session: Session, feed_id: int, names: Iterable[str]) -> int:
    """Detach tags from one feed; returns how many were attached."""
    names = set(names)
    tag_ids = select(TagRow.id).where(TagRow.name.in_(names))
    result = session.connection().execute(
        delete(feed_tags_table).where(
            feed_tags_table.c.feed_id == feed_id, feed_tags_table.c.tag_id.in_(tag_ids)
        )
    )
    delete_unused_tags(session)
    return max(result.rowcount, 0)


def delete_unused_tags(session: Session) -> None:
    """A tag exists while a feed carries it; the tree never shows empty tags."""
    used = select(FeedTagRow.tag_id).distinct()
    session.execute(delete(TagRow).where(TagRow.id.not_in(used)))


def tags_by_feed(session: Session, feed_ids: Iterable[int] | None = None) -> dict[int, list[str]]:
    stmt = select(FeedTagRow.feed_id, TagRow.name).join(TagRow, TagRow.id == FeedTagRow.tag_id)
    if feed_ids is not None:
        stmt = stmt.where(FeedTagRow.feed_id.in_(list(feed_ids)))
    result: dict[int, list[str]] = defaultdict(list)
    for feed_id, name in session.execute(stmt):
        result[feed_id].append(name)
    for names in result.values():
        names.sort(key=str.casefold)
    return result


def tag_summaries(session: Session) -> list[TagSummary]:
    """Every tag with its feed count and the unread count of those feeds (no entry scan)."""
    stmt = (
        select(
            TagRow.name,
            func.count(FeedTagRow.feed_id),
            func.coalesce(func.sum(FeedRow.unread_count), 0),
        )
        .join(FeedTagRow, FeedTagRow.tag_id == TagRow.id)
        .join(FeedRow, FeedRow.id == FeedTagRow.feed_id)
        .group_by(TagRow.id)
    )
    summaries = [
        TagSummary(name=name, feed_count=int(count), unread_count=int(unread))
        for name, count, unread in session.execute(stmt)
    ]
    summaries.sort(key=lambda t: t.name.casefold())
    return summaries


def feeds_with_tags_select(names: Iterable[str]) -> Select[int]:
    """A SELECT of feed ids carrying ``names`` or their descendants, for use as a subquery."""
    conditions: list[ColumnElement[bool]] = []
    for name in names:
        # Tag names are case-sensitive; LIKE is not (and treats % and _ specially).
        prefix = name + "/"
        conditions.append(TagRow.name == name)
        conditions.append(func.substr(TagRow.name, 1, len(prefix)) == prefix)
    return (
        select(FeedTagRow.feed_id)
        .join(TagRow, TagRow.id == FeedTagRow.tag_id)
        .where(or_(*conditions) if conditions else false())
    )
