"""Full-text search: the FTS5 index of articles, kept in step by the writer, and its queries.

The index (``entries_search``, migration 0002, where its design is explained) holds each
article's title, author, feed title, summary and content as plain words, under the article's
id as its rowid. Who keeps which part in step:

- new and changed articles: ``index_entries``, called by ``entries.insert_entries`` and
  ``updates.update_entry_content`` in the same transaction (HTML to text needs Python);
- deleted articles, also a removed feed's (by cascade): a trigger on ``entries``;
- a feed whose displayed title changes (renamed, retitled by its feed, moved): a trigger on
  ``feeds`` rewrites that feed's rows.

Queries never put the user's text into SQL or into FTS5's own syntax: ``match_expression``
turns a parsed ``SearchQuery`` into an FTS5 expression whose every word is a quoted string,
and the expression and all values are bound parameters.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import pairwise
from typing import Any, Final

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from reader_app.domain import EntryId
from reader_app.domain.search import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    AllOf,
    AnyOf,
    SearchOrder,
    SearchQuery,
    Term,
    TextExpr,
)
from reader_app.storage.orm import to_micros
from reader_app.storage.search_text import clean_text, index_text
from reader_app.storage.sql import chunked, with_in_list

# Words around a match in a snippet (FTS5 allows up to 64), and the preview length of an
# article found by filters alone.
SNIPPET_TOKENS: Final = 24
PREVIEW_CHARS: Final = 200
_ELLIPSIS: Final = "\u2026"
_MAX_IN_LIST: Final = 2000

_ROWS_TO_INDEX: Final = """
    SELECT e.id, e.title, e.author, coalesce(f.user_title, f.title, f.url), e.summary, e.content
    FROM entries AS e JOIN feeds AS f ON f.id = e.feed_id
    WHERE e.id IN (SELECT value FROM json_each(?))
"""
_UNINDEX: Final = "DELETE FROM entries_search WHERE rowid IN (SELECT value FROM json_each(?))"
_INDEX: Final = (
    "INSERT INTO entries_search (rowid, title, author, feed, summary, content) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_EXCLUDED: Final = "e.id NOT IN (SELECT rowid FROM entries_search WHERE entries_search MATCH ?)"


def index_row(row: Sequence[Any]) -> tuple[int, str, str, str, str, str]:
    """One index row from (id, title, author, feed title, summary HTML, content HTML)."""
    entry_id, title, author, feed, summary, content = row
    return (
        entry_id,
        clean_text(title),
        clean_text(author),
        clean_text(feed),
        index_text(summary),
        index_text(content),
    )


def index_entries(connection: Connection, ids: Iterable[int], *, replace: bool = False) -> None:
    """(Re)index these articles from their stored rows; ``replace`` for articles already in
    the index (their text changed). Runs in the writer's transaction."""
    for chunk in chunked(list(ids)):
        id_list = json.dumps(list(chunk))
        rows = connection.exec_driver_sql(_ROWS_TO_INDEX, (id_list,)).all()
        if replace:
            connection.exec_driver_sql(_UNINDEX, (id_list,))
        if rows:
            connection.exec_driver_sql(_INDEX, [index_row(row) for row in rows])


def reindex_keys(connection: Connection, feed_id: int, keys: Sequence[str]) -> None:
    """Reindex this feed's articles with these keys (their text was just replaced)."""
    ids: list[int] = []
    for chunk in chunked(list(keys)):
        rows = connection.exec_driver_sql(
            "SELECT id FROM entries WHERE feed_id = ? AND key IN (SELECT value FROM json_each(?))",
            (feed_id, json.dumps(list(chunk))),
        )
        ids.extend(entry_id for (entry_id,) in rows)
    index_entries(connection, ids, replace=True)


# ---------------------------------------------------------------------------------------------
# Queries


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def match_expression(expr: TextExpr) -> str:
    """The FTS5 expression for ``expr``: each word a quoted string, operators our own."""
    if isinstance(expr, Term):
        return _quoted(expr.text) + (" *" if expr.prefix else "")
    if isinstance(expr, AnyOf):
        return " OR ".join(_grouped(part) for part in expr.parts)
    assert expr.include, "an exclusion alone is not an FTS5 expression"
    result = " AND ".join(_grouped(part) for part in expr.include)
    for part in expr.exclude:
        result = f"({result}) NOT {_grouped(part)}"
    return result


def _grouped(expr: TextExpr) -> str:
    return match_expression(expr) if isinstance(expr, Term) else f"({match_expression(expr)})"


def _feeds_named(connection: Connection, names: Sequence[str]) -> set[int]:
    """Feeds whose displayed title or URL contains any of ``names``, ignoring case."""
    wanted = [name.casefold() for name in names]
    rows = connection.exec_driver_sql("SELECT id, coalesce(user_title, title, url), url FROM feeds")
    return {
        feed_id
        for feed_id, title, url in rows
        if any(name in title.casefold() or name in url.casefold() for name in wanted)
    }


def _feeds_tagged(connection: Connection, names: Sequence[str]) -> set[int]:
    """Feeds carrying any of ``names`` or a tag nested below one, ignoring case."""
    wanted = [name.casefold() for name in names]
    tag_ids = [
        tag_id
        for tag_id, name in connection.exec_driver_sql("SELECT id, name FROM tags")
        if any(name.casefold() == w or name.casefold().startswith(w + "/") for w in wanted)
    ]
    rows = connection.exec_driver_sql(
        "SELECT DISTINCT feed_id FROM feed_tags WHERE tag_id IN (SELECT value FROM json_each(?))",
        (json.dumps(tag_ids),),
    )
    return {feed_id for (feed_id,) in rows}


def _in_list(test: str, values: Iterable[int]) -> tuple[str, list[object]]:
    """``test`` (``e.feed_id IN``) over ``values``, with its parameters: spelled out, so the
    planner knows how many, up to a length SQLite's limit on parameters leaves far behind."""
    ordered = sorted(values)
    if len(ordered) <= _MAX_IN_LIST:
        return with_in_list(test, len(ordered)), [*ordered]
    return f"{test} (SELECT value FROM json_each(?))", [json.dumps(ordered)]  # noqa: S608 - constant SQL


def _conditions(
    connection: Connection, query: SearchQuery, since: datetime | None, until: datetime | None
) -> tuple[list[str], list[object]] | None:
    """SQL conditions on ``e`` (entries) for the query's filters, with their parameters;
    None when no article can pass them (a feed: that names no feed)."""
    conditions: list[str] = []
    params: list[object] = []
    allowed: set[int] | None = None
    if query.feeds:
        allowed = _feeds_named(connection, query.feeds)
    if query.tags:
        tagged = _feeds_tagged(connection, query.tags)
        allowed = tagged if allowed is None else allowed & tagged
    excluded: set[int] = set()
    if query.not_feeds:
        excluded |= _feeds_named(connection, query.not_feeds)
    if query.not_tags:
        excluded |= _feeds_tagged(connection, query.not_tags)
    if allowed is not None:
        allowed -= excluded
        if not allowed:
            return None
        condition, values = _in_list("e.feed_id IN", allowed)
        conditions.append(condition)
        params.extend(values)
    elif excluded:
        condition, values = _in_list("e.feed_id NOT IN", excluded)
        conditions.append(condition)
        params.extend(values)
    if query.read is not None:
        # Among a few feeds, their index serves best; sampled statistics overrate the
        # index on read (one value of it is a third of a library): "+" keeps it out.
        conditions.append("e.read = ?" if allowed is None else "+e.read = ?")
        params.append(int(query.read))
    if query.starred is not None:
        conditions.append("e.starred = ?")
        params.append(int(query.starred))
    if since is not None:
        conditions.append("e.sort_at >= ?")
        params.append(to_micros(since))
    if until is not None:
        conditions.append("e.sort_at < ?")
        params.append(to_micros(until))
    return conditions, params


def _id_query(
    connection: Connection,
    query: SearchQuery,
    order: SearchOrder,
    since: datetime | None,
    until: datetime | None,
) -> tuple[str, list[object]] | None:
    """A SELECT of matching article ids in ``order``; None when nothing can match."""
    if query.empty:
        return None
    found = _conditions(connection, query, since, until)
    if found is None:
        return None
    conditions, params = found
    newest = "e.sort_at DESC, e.id DESC"
    text = query.text
    if text is None or query.excludes_only:
        sql = "SELECT e.id FROM entries AS e"
        if isinstance(text, AllOf):  # words to exclude only: every article without them
            conditions.insert(0, _EXCLUDED)
            params.insert(0, " OR ".join(_grouped(part) for part in text.exclude))
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        return f"{sql}{where} ORDER BY {newest}", params
    # The index drives (CROSS JOIN keeps it outside): a search matches a small part of the
    # library, and each match is one primary-key lookup in entries.
    sql = (
        "SELECT e.id FROM entries_search AS s CROSS JOIN entries AS e ON e.id = s.rowid "
        "WHERE entries_search MATCH ?"
    )
    params.insert(0, match_expression(text))
    for condition in conditions:
        sql += f" AND {condition}"
    ranked = "s.rank, e.sort_at DESC, e.id DESC" if order is SearchOrder.RELEVANCE else newest
    return f"{sql} ORDER BY {ranked}", params


def search_ids(
    session: Session,
    query: SearchQuery,
    *,
    order: SearchOrder,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[EntryId]:
    """Ids of the articles ``query`` finds, in ``order``; ``since``/``until`` are its day
    filters as instants. Filters alone or exclusions alone list newest first."""
    connection = session.connection()
    found = _id_query(connection, query, order, since, until)
    if found is None:
        return []
    sql, params = found
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params = [*params, limit, offset]
    cursor = connection.connection.driver_connection.execute(sql, params)  # type: ignore[union-attr]
    return [EntryId(row[0]) for row in cursor]


def matching_within(
    session: Session,
    query: SearchQuery,
    ids: Sequence[int],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> set[EntryId]:
    """Which of ``ids`` the query finds: a saved search looking again at the articles a
    write touched, instead of searching the whole library.

    The words are matched over ranges of rowids around ``ids``: FTS5 answers a MATCH bounded
    by rowid in a fraction of a millisecond, while checking articles one by one costs a
    fresh MATCH each (0.1 ms and more). New articles have neighbouring ids, so a sync's are
    a range or a few.
    """
    if query.empty or not ids:
        return set()
    connection = session.connection()
    found = _conditions(connection, query, since, until)
    if found is None:
        return set()
    conditions, params = found
    candidates = sorted(set(ids))
    text = query.text
    if text is not None:
        if query.excludes_only:
            assert isinstance(text, AllOf)
            words = " OR ".join(_grouped(part) for part in text.exclude)
            excluded = _words_within(connection, words, candidates)
            candidates = [i for i in candidates if i not in excluded]
        else:
            matched = _words_within(connection, match_expression(text), candidates)
            candidates = [i for i in candidates if i in matched]
    if not conditions:
        return {EntryId(i) for i in candidates}
    driver = connection.connection.driver_connection
    where = " AND ".join(conditions)
    sql = (
        f"SELECT e.id FROM entries AS e WHERE e.id IN (SELECT value FROM json_each(?)) AND {where}"  # noqa: S608 - constant fragments, values bound
    )
    result: set[EntryId] = set()
    for chunk in chunked(candidates, _MAX_IN_LIST):
        cursor = driver.execute(sql, [json.dumps(list(chunk)), *params])  # type: ignore[union-attr]
        result.update(EntryId(row[0]) for row in cursor)
    return result


# Rowid ranges a scoped match reads: more, narrower ranges read fewer index entries, each
# range costs one MATCH. Ids closer than _RANGE_GAP share a range.
_MAX_RANGES: Final = 32
_RANGE_GAP: Final = 256


def rowid_ranges(ids: Sequence[int]) -> list[tuple[int, int]]:
    """``(low, high)`` ranges covering the sorted ``ids``: split at the widest gaps (at most
    ``_MAX_RANGES`` ranges), and never at a gap narrower than ``_RANGE_GAP``."""
    if not ids:
        return []
    widest = sorted(range(1, len(ids)), key=lambda k: ids[k] - ids[k - 1], reverse=True)
    splits = sorted(k for k in widest[: _MAX_RANGES - 1] if ids[k] - ids[k - 1] > _RANGE_GAP)
    bounds = [0, *splits, len(ids)]
    return [(ids[start], ids[end - 1]) for start, end in pairwise(bounds)]


def _words_within(connection: Connection, expression: str, ids: Sequence[int]) -> set[int]:
    """Rowids among the ranges around ``ids`` whose text matches the FTS5 ``expression``."""
    driver = connection.connection.driver_connection
    matched: set[int] = set()
    for low, high in rowid_ranges(ids):
        cursor = driver.execute(  # type: ignore[union-attr]
            "SELECT rowid FROM entries_search WHERE entries_search MATCH ? "
            "AND rowid BETWEEN ? AND ?",
            (expression, low, high),
        )
        matched.update(row[0] for row in cursor)
    return matched


def snippets(session: Session, query: SearchQuery, ids: Sequence[int]) -> dict[EntryId, str]:
    """A snippet of each article's summary or content around what ``query`` matched, with
    ``HIGHLIGHT_START``/``HIGHLIGHT_END`` around matched words; without words to match, the
    beginning of the article's text."""
    connection = session.connection()
    text = query.text
    found: dict[EntryId, str] = {}
    for chunk in chunked(list(ids)):
        id_list = json.dumps(list(chunk))
        if text is None or query.excludes_only:
            rows = connection.exec_driver_sql(
                "SELECT rowid, substr(summary, 1, ?), substr(content, 1, ?) FROM entries_search "
                "WHERE rowid IN (SELECT value FROM json_each(?))",
                (PREVIEW_CHARS + 1, PREVIEW_CHARS + 1, id_list),
            )
            found.update((EntryId(i), _preview(s, c)) for i, s, c in rows)
            continue
        rows = connection.exec_driver_sql(
            "SELECT rowid, snippet(entries_search, 3, ?, ?, ?, ?), "
            "snippet(entries_search, 4, ?, ?, ?, ?) FROM entries_search "
            "WHERE entries_search MATCH ? AND rowid IN (SELECT value FROM json_each(?))",
            (
                *(HIGHLIGHT_START, HIGHLIGHT_END, _ELLIPSIS, SNIPPET_TOKENS) * 2,
                match_expression(text),
                id_list,
            ),
        )
        found.update((EntryId(i), _better_snippet(s, c)) for i, s, c in rows)
    return found


def _better_snippet(summary: str, content: str) -> str:
    """The snippet with more highlighted words; the summary's on a tie (it leads)."""
    if content.count(HIGHLIGHT_START) > summary.count(HIGHLIGHT_START):
        return content
    return summary or content


def _preview(summary: str | None, content: str | None) -> str:
    text = summary or content or ""
    if len(text) <= PREVIEW_CHARS:
        return text
    cut = text[:PREVIEW_CHARS].rsplit(" ", 1)[0]
    return cut + _ELLIPSIS
