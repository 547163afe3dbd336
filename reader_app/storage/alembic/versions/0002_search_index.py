"""Full-text search: an FTS5 index of articles, kept in step by triggers and the writer.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07

Why a plain FTS5 table (it keeps its own copy of the indexed text):

- snippets need the text: FTS5's ``snippet()`` reads it from the table, so a contentless
  table (``content=''``), the smallest, cannot show where an article matched (and before
  SQLite 3.43, which Python often does not bundle yet, it cannot delete a row either);
- an external-content table (``content='entries'``) stores no copy, but what it indexes must
  be exactly what the content table holds, and ours is derived (HTML turned into words, the
  feed's title). Deleting a row from such an index needs the very words it was indexed with:
  a change in how HTML becomes text (a new nh3, a fix) would leave words that can never be
  removed, and a renamed feed would need every one of its articles re-read and re-parsed.
  With its own copy, a row is deleted by rowid alone, which a trigger can do in plain SQL.

The price is size: the copy is the articles' text without markup (about half their HTML)
and the index of words adds two thirds of that again; at 200,000 articles the search index
is about as large as the articles themselves (figures in tests/benchmarks/bench_search.py).

So the index is exact whoever writes: deletions (one article, a feed's articles by cascade,
retention) and feed title changes are SQL triggers below; only new and changed articles need
Python (HTML to text), and the two functions that write article text call
``storage.search.index_entries`` in the same transaction.

Tokenizer: ``unicode61 remove_diacritics 2`` matches words regardless of case and accents
(cafe finds Café). ``prefix='3'`` keeps three-letter prefixes, so a search as the user types
(``par*``) reads one list instead of merging every word that starts so: four times faster at
200,000 articles, for a word index about four fifths larger (120 MiB, 9% of that file).
Prefixes need three letters (domain/search_parser.py): shorter ones match most articles.
``detail=full`` (the default) keeps positions, which phrases and snippets need.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from alembic import op
from sqlalchemy import Connection, Row

from reader_app.storage.search import index_row

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)

BATCH = 2000


def upgrade() -> None:
    op.execute(
        """
        CREATE VIRTUAL TABLE entries_search USING fts5(
            title, author, feed, summary, content,
            tokenize = 'unicode61 remove_diacritics 2',
            prefix = '3'
        )
        """
    )
    # Ranking: bm25 weighted by column (title, author, feed, summary, content), so a word in the
    # title counts as much as ten in the body. Stored in the table; ORDER BY rank uses it.
    op.execute(
        "INSERT INTO entries_search (entries_search, rank) "
        "VALUES ('rank', 'bm25(10.0, 3.0, 2.0, 2.0, 1.0)')"
    )
    # A removed article leaves the index, whoever removes it (also ON DELETE CASCADE from feeds).
    op.execute(
        """
        CREATE TRIGGER entries_search_delete AFTER DELETE ON entries
        BEGIN
            DELETE FROM entries_search WHERE rowid = old.id;
        END
        """
    )
    # The feed title a search matches is the one the user sees: their own, the feed's, its URL.
    op.execute(
        """
        CREATE TRIGGER feeds_search_title AFTER UPDATE OF title, user_title, url ON feeds
        WHEN coalesce(new.user_title, new.title, new.url)
             IS NOT coalesce(old.user_title, old.title, old.url)
        BEGIN
            UPDATE entries_search SET feed = coalesce(new.user_title, new.title, new.url)
            WHERE rowid IN (SELECT id FROM entries WHERE feed_id = new.id);
        END
        """
    )
    _index_existing_articles()


def _index_existing_articles() -> None:
    """Index the articles already stored, in id order and bounded batches.

    Two threads share the work: this one reads a batch and inserts the words of the
    previous one (SQLite tokenizes them without holding the GIL), while a second one turns
    the next batch's HTML into words: for a large library, about a third less time.
    """
    connection = op.get_bind()
    started = time.perf_counter()
    # While loading, no merging of the index's segments (FTS5 would merge again and again as
    # they pile up); one merge at the end. About a fifth faster for a large library.
    _set_option("automerge", 0)
    _set_option("crisismerge", 64)
    count = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="search-index") as words:
        pending: Future[list[tuple[int, str, str, str, str, str]]] | None = None
        for rows in _batches(connection):
            ready = words.submit(_index_rows, rows)
            if pending is not None:
                count += _insert(connection, pending.result())
            pending = ready
        if pending is not None:
            count += _insert(connection, pending.result())
    _set_option("automerge", 4)  # FTS5's defaults, for the writes to come
    _set_option("crisismerge", 16)
    if count:
        # One merged b-tree instead of the segments the load left: smaller, faster to query.
        connection.exec_driver_sql(
            "INSERT INTO entries_search (entries_search) VALUES ('optimize')"
        )
        log.info("indexed %d articles for search in %.1f s", count, time.perf_counter() - started)


def _index_rows(rows: Sequence[Row[Any]]) -> list[tuple[int, str, str, str, str, str]]:
    return [index_row(row) for row in rows]


def _batches(connection: Connection) -> Iterator[Sequence[Row[Any]]]:
    last_id = 0
    while True:
        rows = connection.exec_driver_sql(
            "SELECT e.id, e.title, e.author, coalesce(f.user_title, f.title, f.url), "
            "e.summary, e.content FROM entries AS e JOIN feeds AS f ON f.id = e.feed_id "
            "WHERE e.id > ? ORDER BY e.id LIMIT ?",
            (last_id, BATCH),
        ).all()
        if not rows:
            return
        yield rows
        last_id = rows[-1][0]


def _insert(connection: Connection, rows: list[tuple[int, str, str, str, str, str]]) -> int:
    connection.exec_driver_sql(
        "INSERT INTO entries_search (rowid, title, author, feed, summary, content) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    return len(rows)


def _set_option(name: str, value: int) -> None:
    op.get_bind().exec_driver_sql(
        "INSERT INTO entries_search (entries_search, rank) VALUES (?, ?)", (name, value)
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS feeds_search_title")
    op.execute("DROP TRIGGER IF EXISTS entries_search_delete")
    op.execute("DROP TABLE IF EXISTS entries_search")
