"""Saved searches: their rows, the articles each matches, and keeping those in step.

A saved search's unread count is a column kept by triggers from its matches (migration 0003
explains why and how). Which articles match is decided here, in Python, because the query is
parsed here: in full when a search is saved or edited (or, for one with relative days, when
the local day changes), and otherwise only over the articles that triggers noted as touched
since (``refresh``, run by the writer before every commit).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from reader_app.domain import EntryId
from reader_app.domain.saved_search import SavedSearch, SavedSearchId
from reader_app.domain.search import SearchOrder, SearchQuery, day_bounds
from reader_app.domain.search_parser import parse_search
from reader_app.errors import SearchSyntaxError
from reader_app.storage import search as search_store
from reader_app.storage.orm import to_micros
from reader_app.storage.sql import chunked

log = logging.getLogger(__name__)

_COLUMNS = "id, name, query, unread_count, position"


def _to_value(row: Sequence[Any]) -> SavedSearch:
    search_id, name, query, unread, position = row
    return SavedSearch(SavedSearchId(search_id), name, query, unread, position)


def saved_searches(connection: Connection) -> list[SavedSearch]:
    """Every saved search in the user's order."""
    rows = connection.exec_driver_sql(
        f"SELECT {_COLUMNS} FROM saved_searches ORDER BY position, name COLLATE NOCASE, id"  # noqa: S608 - constant
    )
    return [_to_value(row) for row in rows]


def unread_counts(connection: Connection) -> dict[SavedSearchId, int]:
    """Each saved search's unread count: one small table read, however large the library."""
    rows = connection.exec_driver_sql("SELECT id, unread_count FROM saved_searches")
    return {SavedSearchId(search_id): count for search_id, count in rows}


def find(connection: Connection, ref: str | int) -> SavedSearch | None:
    """The saved search with this id, or this name (ignoring case)."""
    if isinstance(ref, int):
        row = connection.exec_driver_sql(
            f"SELECT {_COLUMNS} FROM saved_searches WHERE id = ?",  # noqa: S608 - constant
            (ref,),
        ).first()
    else:
        row = connection.exec_driver_sql(
            f"SELECT {_COLUMNS} FROM saved_searches WHERE name = ? COLLATE NOCASE",  # noqa: S608
            (ref,),
        ).first()
    return None if row is None else _to_value(tuple(row))


def is_relative(text: str, today: date) -> bool:
    """Whether ``text`` means other articles on another day (``after:7d``, ``today``)."""
    return parse_search(text, today=today) != parse_search(text, today=today + timedelta(days=1))


def create(
    session: Session, name: str, text: str, *, query: SearchQuery, today: date, now: datetime
) -> SavedSearchId:
    """Store a new saved search after the others and find its matches."""
    connection = session.connection()
    position = connection.exec_driver_sql(
        "SELECT coalesce(max(position), -1) + 1 FROM saved_searches"
    ).scalar_one()
    cursor = connection.exec_driver_sql(
        "INSERT INTO saved_searches (name, query, position, created_at, by_read, by_starred, day) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (name, text, position, to_micros(now), *_flags(text, query, today)),
    )
    search_id = SavedSearchId(cursor.scalar_one())
    _match_all(session, search_id, query)
    return search_id


def update(
    session: Session,
    search_id: SavedSearchId,
    *,
    name: str,
    text: str,
    query: SearchQuery,
    today: date,
) -> None:
    """Rename a saved search and (when its query changed) find its matches again."""
    connection = session.connection()
    old = connection.exec_driver_sql(
        "SELECT query FROM saved_searches WHERE id = ?", (search_id,)
    ).scalar_one()
    connection.exec_driver_sql(
        "UPDATE saved_searches SET name = ?, query = ?, by_read = ?, by_starred = ?, day = ? "
        "WHERE id = ?",
        (name, text, *_flags(text, query, today), search_id),
    )
    if old != text:
        _match_all(session, search_id, query)


def delete(session: Session, search_id: SavedSearchId) -> bool:
    """Forget a saved search (its matches go by cascade). False if there was none."""
    cursor = session.connection().exec_driver_sql(
        "DELETE FROM saved_searches WHERE id = ?", (search_id,)
    )
    return bool(cursor.rowcount)


def reorder(session: Session, order: Sequence[SavedSearchId]) -> None:
    """Put the saved searches in ``order``; any left out keep their place after them."""
    connection = session.connection()
    rest = [s.id for s in saved_searches(connection) if s.id not in set(order)]
    connection.exec_driver_sql(
        "UPDATE saved_searches SET position = ? WHERE id = ?",
        [(position, search_id) for position, search_id in enumerate([*order, *rest])],
    )


def _flags(text: str, query: SearchQuery, today: date) -> tuple[bool, bool, str | None]:
    """(by_read, by_starred, day): what besides new articles can change its matches."""
    day = today.isoformat() if is_relative(text, today) else None
    return query.read is not None, query.starred is not None, day


def refresh(session: Session, today: date) -> None:
    """Bring every saved search's matches up to date with this transaction's writes.

    Runs before each commit. Triggers noted the articles and feeds that changed in ways a
    search can see; each search looks again at just those articles. A search with relative
    days whose day has passed is matched again in full.
    """
    connection = session.connection()
    searches = connection.exec_driver_sql(
        "SELECT id, query, day, by_read OR by_starred FROM saved_searches"
    ).all()
    dirty_entries = _drain(connection, "saved_search_dirty_entries", "entry_id")
    dirty_marks = _drain(connection, "saved_search_dirty_marks", "entry_id")
    dirty_feeds = _drain(connection, "saved_search_dirty_feeds", "feed_id")
    day = today.isoformat()
    stale = {row[0] for row in searches if row[2] not in (None, day)}
    if not searches or not (dirty_entries or dirty_marks or dirty_feeds or stale):
        return
    scope = set(dirty_entries)
    for chunk in chunked(dirty_feeds):
        rows = connection.exec_driver_sql(
            "SELECT id FROM entries WHERE feed_id IN (SELECT value FROM json_each(?))",
            (_json(chunk),),
        )
        scope.update(row[0] for row in rows)
    text_scope = sorted(scope)
    # A mark only moves an article in or out of a search that filters by marks.
    marks_scope = sorted(scope.union(dirty_marks))
    for search_id, text, _, by_marks in searches:
        try:
            query = parse_search(text, today=today)
        except SearchSyntaxError as exc:
            # Saved by an earlier version whose grammar accepted it: keep its last matches.
            log.warning("saved search %d (%r) cannot be read: %s", search_id, text, exc)
            continue
        if search_id in stale:
            _match_all(session, SavedSearchId(search_id), query)
            connection.exec_driver_sql(
                "UPDATE saved_searches SET day = ? WHERE id = ?", (day, search_id)
            )
            continue
        within = marks_scope if by_marks else text_scope
        if within:
            _match_within(session, SavedSearchId(search_id), query, within)


def match_all_again(session: Session, today: date) -> None:
    """Find every saved search's matches from scratch (a recovered library's articles)."""
    connection = session.connection()
    searches = connection.exec_driver_sql("SELECT id, query FROM saved_searches").all()
    for search_id, text in searches:
        try:
            query = parse_search(text, today=today)
        except SearchSyntaxError as exc:
            log.warning("saved search %d (%r) cannot be read: %s", search_id, text, exc)
            continue
        _match_all(session, SavedSearchId(search_id), query)
        connection.exec_driver_sql(
            "UPDATE saved_searches SET day = CASE WHEN day IS NULL THEN NULL ELSE ? END "
            "WHERE id = ?",
            (today.isoformat(), search_id),
        )


def _match_all(session: Session, search_id: SavedSearchId, query: SearchQuery) -> None:
    """Make the stored matches of ``search_id`` exactly what ``query`` finds now."""
    since, until = day_bounds(query)
    found = set(
        search_store.search_ids(session, query, order=SearchOrder.NEWEST, since=since, until=until)
    )
    rows = session.connection().exec_driver_sql(
        "SELECT entry_id FROM saved_search_entries WHERE search_id = ?", (search_id,)
    )
    stored = {EntryId(row[0]) for row in rows}
    _apply(session.connection(), search_id, add=found - stored, remove=stored - found)


def _match_within(
    session: Session, search_id: SavedSearchId, query: SearchQuery, scope: Sequence[int]
) -> None:
    """Update the stored matches of ``search_id`` for the articles in ``scope`` only."""
    since, until = day_bounds(query)
    found = search_store.matching_within(session, query, scope, since=since, until=until)
    connection = session.connection()
    stored: set[EntryId] = set()
    for chunk in chunked(scope):
        rows = connection.exec_driver_sql(
            "SELECT entry_id FROM saved_search_entries "
            "WHERE entry_id IN (SELECT value FROM json_each(?)) AND search_id = ?",
            (_json(chunk), search_id),
        )
        stored.update(EntryId(row[0]) for row in rows)
    _apply(connection, search_id, add=found - stored, remove=stored - found)


def _apply(
    connection: Connection,
    search_id: SavedSearchId,
    *,
    add: Iterable[EntryId],
    remove: Iterable[EntryId],
) -> None:
    # Triggers move the unread count with each row.
    added = [(entry_id, search_id) for entry_id in sorted(add)]
    removed = [(entry_id, search_id) for entry_id in sorted(remove)]
    if added:
        connection.exec_driver_sql(
            "INSERT INTO saved_search_entries (entry_id, search_id) VALUES (?, ?)", added
        )
    if removed:
        connection.exec_driver_sql(
            "DELETE FROM saved_search_entries WHERE entry_id = ? AND search_id = ?", removed
        )


def _drain(connection: Connection, table: str, column: str) -> list[int]:
    """Every id noted in one of the dirty tables, which is left empty."""
    ids = [row[0] for row in connection.exec_driver_sql(f"SELECT {column} FROM {table}")]  # noqa: S608 - our names
    if ids:
        connection.exec_driver_sql(f"DELETE FROM {table}")  # noqa: S608
    return ids


def _json(values: Sequence[int]) -> str:
    return "[" + ",".join(str(int(v)) for v in values) + "]"
