"""Articles: keyset-paged listing, read/star state, storing and removing.

Every list query is ordered by ``(sort_at, id)`` and served by an index of that shape
(see orm.py), so the thousandth page costs what the first does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    Integer,
    RowMapping,
    Select,
    bindparam,
    delete,
    exists,
    func,
    literal,
    select,
    tuple_,
    type_coerce,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import insert

from reader_app.domain import (
    Changes,
    Entry,
    EntryId,
    EntryItem,
    EntryPage,
    EntryQuery,
    FeedId,
    MarkChange,
    MarkField,
    NewEntry,
    PageCursor,
    StateChange,
)
from reader_app.storage.orm import (
    EntryRow,
    FeedRow,
    SavedSearchEntryRow,
    UtcTimestamp,
    entries_table,
    removed_entries_table,
)
from reader_app.storage.search import index_entries
from reader_app.storage.sql import chunked, first_column, with_in_list
from reader_app.storage.tags import feeds_with_tags_select

_S = TypeVar("_S", bound=Select[*tuple[Any, ...]])

# SQLite's limit on bound parameters is 32766 since 3.32; stay far below it.
_CHUNK = 500

_FEED_TITLE = func.coalesce(FeedRow.user_title, FeedRow.title, FeedRow.url).label("feed_title")

_ITEM_COLUMNS = (
    EntryRow.id,
    EntryRow.feed_id,
    _FEED_TITLE,
    EntryRow.title,
    EntryRow.link,
    EntryRow.author,
    EntryRow.published,
    EntryRow.sort_at,
    EntryRow.read,
    EntryRow.starred,
)


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _changes_of(rows: Iterable[tuple[int, int]]) -> Changes:
    """The Changes of an UPDATE ... RETURNING id, feed_id."""
    entries: set[EntryId] = set()
    feeds: set[FeedId] = set()
    for entry_id, feed_id in rows:
        entries.add(EntryId(entry_id))
        feeds.add(FeedId(feed_id))
    return Changes(feeds=frozenset(feeds), entries=frozenset(entries))


def _to_item(m: RowMapping) -> EntryItem:
    return EntryItem(
        id=EntryId(m["id"]),
        feed_id=FeedId(m["feed_id"]),
        feed_title=m["feed_title"],
        title=m["title"],
        link=m["link"],
        author=m["author"],
        published=m["published"],
        sort_at=m["sort_at"],
        read=bool(m["read"]),
        starred=bool(m["starred"]),
    )


# A saved search's articles in list order: with few matches, reading the matches and sorting
# them is fastest; with many, walking the list's index and checking each article's match
# finds a page at once, where sorting 100,000 matches takes 140 ms. For a page the two cross
# at about a thousand matches; for the whole list, about half the library (sorting n rows
# against a walk of every article). Figures: tests/benchmarks/bench_saved_searches.py.
_DENSE_FOR_A_PAGE = 1000


def _walk_index(session: Session, query: EntryQuery, *, page: bool) -> bool:
    """Whether to list ``query``'s saved search by walking the list's index (EXISTS)
    rather than by sorting its matches (IN)."""
    if query.saved_search is None:
        return False
    matches = session.execute(
        select(func.count()).where(SavedSearchEntryRow.search_id == query.saved_search)
    ).scalar_one()
    if page:
        return int(matches) > _DENSE_FOR_A_PAGE
    last_id = session.execute(select(func.max(EntryRow.id))).scalar_one() or 0
    return 2 * int(matches) > int(last_id)


def _filtered(stmt: _S, query: EntryQuery, *, walk_index: bool = False) -> _S:
    """``stmt`` narrowed to the articles ``query`` names (its paging is left to the caller).
    ``walk_index``: see ``_walk_index``."""
    if query.feed_ids or query.tags:
        feed_filter = []
        if query.feed_ids:
            feed_filter.append(EntryRow.feed_id.in_(sorted(query.feed_ids)))
        if query.tags:
            feed_filter.append(EntryRow.feed_id.in_(feeds_with_tags_select(query.tags)))
        stmt = stmt.where(
            feed_filter[0] if len(feed_filter) == 1 else feed_filter[0] | feed_filter[1]
        )
    if query.within_tags:
        stmt = stmt.where(EntryRow.feed_id.in_(feeds_with_tags_select(query.within_tags)))
    if query.unread_only:
        stmt = stmt.where(EntryRow.read == False)  # noqa: E712 - SQL, not Python truth
    if query.starred_only:
        stmt = stmt.where(EntryRow.starred == True)  # noqa: E712
    if query.since is not None:
        stmt = stmt.where(EntryRow.sort_at >= query.since)
    if query.saved_search is not None and walk_index:
        stmt = stmt.where(
            exists().where(
                SavedSearchEntryRow.entry_id == EntryRow.id,
                SavedSearchEntryRow.search_id == query.saved_search,
            )
        )
    elif query.saved_search is not None:
        matches = select(SavedSearchEntryRow.entry_id).where(
            SavedSearchEntryRow.search_id == query.saved_search
        )
        stmt = stmt.where(EntryRow.id.in_(matches))
    return stmt


def query_entries(session: Session, query: EntryQuery) -> EntryPage:
    """One page of articles matching ``query``, after ``query.after`` if given."""
    walk = _walk_index(session, query, page=True)
    stmt = _filtered(
        select(*_ITEM_COLUMNS).join(FeedRow, FeedRow.id == EntryRow.feed_id), query, walk_index=walk
    )
    key = tuple_(EntryRow.sort_at, EntryRow.id)
    if query.after is not None:
        # Bind with the column's type: a bare datetime would be compared as text.
        cursor = tuple_(literal(query.after.sort_at, UtcTimestamp()), literal(query.after.entry_id))
        stmt = stmt.where(key < cursor if query.newest_first else key > cursor)
    if query.newest_first:
        stmt = stmt.order_by(EntryRow.sort_at.desc(), EntryRow.id.desc())
    else:
        stmt = stmt.order_by(EntryRow.sort_at.asc(), EntryRow.id.asc())
    rows = session.execute(stmt.limit(query.limit + 1)).mappings().all()
    items = tuple(_to_item(row) for row in rows[: query.limit])
    next_cursor = None
    if len(rows) > query.limit:
        last = items[-1]
        next_cursor = PageCursor(sort_at=last.sort_at, entry_id=last.id)
    return EntryPage(entries=items, next_cursor=next_cursor)


def count_entries(session: Session, query: EntryQuery) -> int:
    """How many articles ``query`` matches (paging ignored)."""
    stmt = _filtered(select(func.count()).select_from(EntryRow), query)
    return int(session.execute(stmt).scalar_one())


def entry_ids(
    session: Session, query: EntryQuery, check: Callable[[], None] | None = None
) -> list[EntryId]:
    """The ids of every article ``query`` matches, in list order (``limit`` and ``after``
    ignored): what a lazy article list holds, paging the rows themselves in by id.
    Served by the same indexes as ``query_entries``; one integer per row. ``check``: see
    ``first_column``."""
    stmt = _filtered(select(EntryRow.id), query, walk_index=_walk_index(session, query, page=False))
    if query.newest_first:
        stmt = stmt.order_by(EntryRow.sort_at.desc(), EntryRow.id.desc())
    else:
        stmt = stmt.order_by(EntryRow.sort_at.asc(), EntryRow.id.asc())
    return first_column(session.connection(), stmt, check)


def items_by_id(session: Session, ids: Sequence[int]) -> dict[EntryId, EntryItem]:
    """List rows for ``ids`` (those that still exist), keyed by id."""
    found: dict[EntryId, EntryItem] = {}
    for chunk in _chunks(ids):
        stmt = (
            select(*_ITEM_COLUMNS)
            .join(FeedRow, FeedRow.id == EntryRow.feed_id)
            .where(EntryRow.id.in_(chunk))
        )
        for row in session.execute(stmt).mappings():
            item = _to_item(row)
            found[item.id] = item
    return found


def mark_matching_read(session: Session, query: EntryQuery, now: datetime) -> StateChange:
    """Mark every unread article ``query`` matches as read (paging ignored): "mark all read"
    on a feed, tag or view, in one statement."""
    unread = EntryQuery(
        feed_ids=query.feed_ids,
        tags=query.tags,
        within_tags=query.within_tags,
        unread_only=True,
        starred_only=query.starred_only,
        since=query.since,
        saved_search=query.saved_search,
    )
    ids = _filtered(select(EntryRow.id), unread)
    result = session.execute(
        update(EntryRow)
        .where(EntryRow.id.in_(ids.scalar_subquery()))
        .values(read=True, read_at=now)
        .returning(EntryRow.id, EntryRow.feed_id)
        .execution_options(synchronize_session=False)
    )
    rows = [(row[0], row[1]) for row in result]
    changed = tuple(EntryId(entry_id) for entry_id, _ in rows)
    return StateChange(_changes_of(rows), (), MarkChange("read", True, changed))


def get_entry(session: Session, entry_id: int) -> Entry | None:
    row = session.execute(
        select(EntryRow, _FEED_TITLE)
        .join(FeedRow, FeedRow.id == EntryRow.feed_id)
        .where(EntryRow.id == entry_id)
    ).first()
    if row is None:
        return None
    e: EntryRow = row[0]
    return Entry(
        id=EntryId(e.id),
        feed_id=FeedId(e.feed_id),
        feed_title=row[1],
        key=e.key,
        title=e.title,
        link=e.link,
        author=e.author,
        summary=e.summary,
        content=e.content,
        published=e.published,
        updated=e.updated,
        first_seen=e.first_seen,
        sort_at=e.sort_at,
        read=e.read,
        read_at=e.read_at,
        starred=e.starred,
    )


def existing_entry_ids(session: Session, ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for chunk in _chunks(ids):
        found.update(session.execute(select(EntryRow.id).where(EntryRow.id.in_(chunk))).scalars())
    return found


def set_read(
    session: Session, ids: Sequence[int], read: bool, now: datetime
) -> tuple[Changes, MarkChange]:
    """Mark articles read or unread; only rows whose state changes are touched."""
    return _set_mark(session, ids, "read", read, now)


def set_starred(
    session: Session, ids: Sequence[int], starred: bool, now: datetime
) -> tuple[Changes, MarkChange]:
    return _set_mark(session, ids, "starred", starred, now)


def _mark_columns(field: MarkField) -> tuple[Any, Any]:
    if field == "read":
        return EntryRow.read, EntryRow.read_at
    return EntryRow.starred, EntryRow.starred_at


def _set_mark(
    session: Session, ids: Sequence[int], field: MarkField, value: bool, now: datetime
) -> tuple[Changes, MarkChange]:
    """Set one mark on the articles that do not have it yet; what undoes it comes back too
    (clearing a mark loses its time, so the times are read first, in the same
    transaction)."""
    column, time_column = _mark_columns(field)
    # ``+ 0`` keeps the mark's index out: sampled statistics put a few hundred articles
    # behind each value of ``read`` where there are 100,000, and SQLite then walked that
    # index instead of looking the ids up (tests/storage/test_query_plans.py).
    mark = type_coerce(column, Integer) + 0
    rows: list[tuple[int, int]] = []
    times: dict[int, datetime | None] = {}
    for chunk in _chunks(ids):
        if not value:
            marked = select(EntryRow.id, time_column).where(EntryRow.id.in_(chunk), mark == 1)
            times.update((row[0], row[1]) for row in session.execute(marked))
        result = session.execute(
            update(EntryRow)
            .where(EntryRow.id.in_(chunk), mark == int(not value))
            .values({column: value, time_column: now if value else None})
            .returning(EntryRow.id, EntryRow.feed_id)
            .execution_options(synchronize_session=False)
        )
        rows.extend((row[0], row[1]) for row in result)
    changed = tuple(EntryId(entry_id) for entry_id, _ in rows)
    before = tuple(times.get(entry_id) for entry_id in changed) if not value else ()
    return _changes_of(rows), MarkChange(field, value, changed, before)


def restore_marks(session: Session, marks: MarkChange) -> Changes:
    """Put back what ``marks`` changed: each article gets the mark and the time it had
    before, whatever happened to it since (articles deleted since are skipped)."""
    column, time_column = _mark_columns(marks.field)
    rows: list[tuple[int, int]] = []
    if marks.value:  # the change set the mark: clear it again
        for chunk in _chunks(marks.entry_ids):
            result = session.execute(
                update(EntryRow)
                .where(EntryRow.id.in_(chunk))
                .values({column: False, time_column: None})
                .returning(EntryRow.id, EntryRow.feed_id)
                .execution_options(synchronize_session=False)
            )
            rows.extend((row[0], row[1]) for row in result)
        return _changes_of(rows)
    times = marks.times_before or (None,) * marks.count
    statement = (
        update(EntryRow)
        .where(EntryRow.id == bindparam("entry_id"))
        .values({column: True, time_column: bindparam("at", type_=time_column.type)})
        .execution_options(synchronize_session=False)
    )
    session.connection().execute(
        statement,
        [{"entry_id": e, "at": t} for e, t in zip(marks.entry_ids, times, strict=True)],
    )
    for chunk in _chunks(marks.entry_ids):
        found = select(EntryRow.id, EntryRow.feed_id).where(EntryRow.id.in_(chunk))
        rows.extend((row[0], row[1]) for row in session.execute(found))
    return _changes_of(rows)


def insert_entries(
    session: Session, feed_id: int, entries: Sequence[NewEntry], *, checked: bool = False
) -> list[EntryId]:
    """Store new articles of one feed in one statement batch (Core, not ORM objects).

    Keys the user deleted or retention pruned are skipped: they must never return as unread.
    ``checked``: the caller has already left out stored and removed keys in this transaction
    (the sync engine's decision), so they are not looked up again.
    """
    if not entries:
        return []
    keys = [e.key for e in entries]
    skip: set[str] = set()
    if not checked:
        skip = removed_keys(session, feed_id, keys) | _existing_keys(session, feed_id, keys)
    rows: dict[str, dict[str, object]] = {}
    for e in entries:
        if e.key in skip or e.key in rows:
            continue
        rows[e.key] = {
            "feed_id": feed_id,
            "key": e.key,
            "title": e.title,
            "link": e.link,
            "author": e.author,
            "summary": e.summary,
            "content": e.content,
            "content_hash": e.content_hash,
            "item_hash": e.item_hash,
            "published": e.published,
            "updated": e.updated,
            "first_seen": e.first_seen,
            "last_seen": e.first_seen,
            "sort_at": e.sort_at,
        }
    if not rows:
        return []
    result = session.connection().execute(
        insert(entries_table).returning(entries_table.c.id, sort_by_parameter_order=True),
        list(rows.values()),
    )
    ids = [EntryId(i) for i in result.scalars()]
    index_entries(session.connection(), ids)  # searchable in the same transaction
    return ids


def key_ids(session: Session, feed_id: int, keys: Sequence[str]) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        t = entries_table
        rows = session.connection().execute(
            select(t.c.id, t.c.key).where(t.c.feed_id == feed_id, t.c.key.in_(chunk))
        )
        found.extend((row.id, row.key) for row in rows)
    return found


def _existing_keys(session: Session, feed_id: int, keys: Sequence[str]) -> set[str]:
    return {key for _, key in key_ids(session, feed_id, keys)}


def removed_keys(session: Session, feed_id: int, keys: Sequence[str]) -> set[str]:
    """Keys among ``keys`` that the user deleted or retention pruned from this feed."""
    found: set[str] = set()
    for chunk in chunked(keys):
        rows = session.connection().exec_driver_sql(
            with_in_list(
                "SELECT key FROM removed_entries WHERE feed_id = ? AND key IN", len(chunk)
            ),
            (feed_id, *chunk),
        )
        found.update(key for (key,) in rows)
    return found


def delete_entries(session: Session, ids: Sequence[int], now: datetime) -> Changes:
    """Delete articles and remember their keys so a later sync does not bring them back."""
    deleted: list[tuple[int, int, str]] = []
    for chunk in _chunks(ids):
        deleted.extend(
            (row.id, row.feed_id, row.key)
            for row in session.execute(
                select(EntryRow.id, EntryRow.feed_id, EntryRow.key).where(EntryRow.id.in_(chunk))
            )
        )
    if not deleted:
        return Changes()
    session.execute(
        sqlite_insert(removed_entries_table).on_conflict_do_nothing(),
        [{"feed_id": feed_id, "key": key, "removed_at": now} for _, feed_id, key in deleted],
    )
    for chunk in _chunks([entry_id for entry_id, _, _ in deleted]):
        session.execute(
            delete(EntryRow)
            .where(EntryRow.id.in_(chunk))
            .execution_options(synchronize_session=False)
        )
    return Changes(
        feeds=frozenset(FeedId(feed_id) for _, feed_id, _ in deleted),
        entries=frozenset(EntryId(entry_id) for entry_id, _, _ in deleted),
    )


def change_state(
    session: Session,
    ids: Sequence[int],
    apply: Callable[[Session, list[int]], Changes | tuple[Changes, MarkChange]],
) -> StateChange:
    """Apply a bulk change to the ids that exist; report the ones that do not."""
    wanted = list(dict.fromkeys(ids))
    found = existing_entry_ids(session, wanted)
    missing = tuple(i for i in wanted if i not in found)
    result = apply(session, [i for i in wanted if i in found])
    if isinstance(result, Changes):
        return StateChange(result, missing)
    changes, marks = result
    return StateChange(changes, missing, marks)


def unread_counts(session: Session) -> dict[FeedId, int]:
    """Unread articles per feed, from the trigger-kept counters: one row per feed."""
    rows = session.execute(select(FeedRow.id, FeedRow.unread_count))
    return {FeedId(feed_id): count for feed_id, count in rows}


def unread_total(session: Session) -> int:
    """All unread articles: a sum over feeds' trigger-kept counters, not an entry scan."""
    return int(
        session.execute(select(func.coalesce(func.sum(FeedRow.unread_count), 0))).scalar_one()
    )


def starred_count(session: Session) -> int:
    stmt = select(func.count()).select_from(EntryRow).where(EntryRow.starred == True)  # noqa: E712
    return int(session.execute(stmt).scalar_one())
