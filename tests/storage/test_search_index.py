"""The search index stays exactly in step with the articles, on a real library file.

Every path that writes article text or a feed's displayed title is taken for real: articles
stored and edited by a sync against a local HTTP server, deleted, a feed removed (cascade),
renamed, retitled by its own feed. After each, ``assert_index_in_step`` compares every row of
the index with what indexing the stored articles afresh gives. Then the migration that
creates the index, from the schema before it, with articles already stored.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from reader_app.domain import FeedId
from reader_app.library import Library
from reader_app.storage.migrate import _SCRIPT_LOCATION, SCHEMA_HEAD
from reader_app.storage.orm import Base
from reader_app.storage.search import index_row
from reader_app.sync import SyncSelection
from tests.conftest import FixedClock, article
from tests.support.feedserver import FeedServer

INDEX_COLUMNS = "rowid, title, author, feed, summary, content"
FTS_TABLES = (
    "entries_search",
    "entries_search_config",
    "entries_search_content",
    "entries_search_data",
    "entries_search_docsize",
    "entries_search_idx",
)


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


def index_rows(path: Path) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(f"SELECT {INDEX_COLUMNS} FROM entries_search ORDER BY rowid").fetchall()


def expected_rows(path: Path) -> list[tuple[object, ...]]:
    """What indexing every stored article afresh gives."""
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute(
            "SELECT e.id, e.title, e.author, coalesce(f.user_title, f.title, f.url), "
            "e.summary, e.content FROM entries AS e JOIN feeds AS f ON f.id = e.feed_id "
            "ORDER BY e.id"
        ).fetchall()
    return [index_row(row) for row in rows]


def assert_index_in_step(library: Library) -> None:
    assert index_rows(library.path) == expected_rows(library.path)


def index_row_of(library: Library, entry_id: int) -> dict[str, object]:
    with closing(sqlite3.connect(library.path)) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute(
            f"SELECT {INDEX_COLUMNS} FROM entries_search WHERE rowid = ?", (entry_id,)
        ).fetchone()
    return dict(row) if row is not None else {}


# -- new articles --------------------------------------------------------------------------------


def test_new_articles_are_indexed_as_words(library: Library) -> None:
    feed = library.add_feed("https://a.example.org/feed", title="Alpha Weekly")
    [entry_id] = library.add_entries(
        feed.id,
        [
            article(
                "a1",
                "Kernel\x02 news",
                author="Ann Author",
                summary="<p>The <b>sched</b>uler &amp; friends</p><script>hidden()</script>",
                content="<ul><li>apple</li><li>pear</li></ul>",
            )
        ],
    )
    assert index_row_of(library, entry_id) == {
        "rowid": entry_id,
        "title": "Kernel news",  # control characters never reach the index
        "author": "Ann Author",
        "feed": "Alpha Weekly",
        "summary": "The scheduler & friends",
        "content": "apple pear",
    }
    assert [hit.item.id for hit in library.search("scheduler").hits] == [entry_id]
    assert library.search("hidden").hits == ()
    assert_index_in_step(library)


def test_keys_already_stored_or_removed_are_not_indexed_twice(library: Library) -> None:
    feed = library.add_feed("https://a.example.org/feed")
    [first] = library.add_entries(feed.id, [article("k", "Original words")])
    assert library.add_entries(feed.id, [article("k", "Duplicate words")]) == []
    library.delete_entries([first])
    assert library.add_entries(feed.id, [article("k", "Returning words")]) == []
    assert index_rows(library.path) == []
    assert_index_in_step(library)


# -- a sync stores and edits articles, and retitles its feed -------------------------------------


def rss(title: str, items: list[tuple[str, str, str]]) -> bytes:
    body = "".join(
        f"<item><guid isPermaLink='false'>{guid}</guid><title>{item_title}</title>"
        f"<link>http://example.org/{guid}</link><description>{summary}</description>"
        "<pubDate>Sat, 21 Nov 2026 10:00:00 GMT</pubDate></item>"
        for guid, item_title, summary in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://example.org/</link><description>d</description>"
        f"{body}</channel></rss>"
    ).encode()


def sync(library: Library, feed_id: FeedId) -> None:
    report = library.update_feeds(SyncSelection(feed_ids=frozenset({feed_id}), force=True))
    assert report.failed == 0, report.results


def test_a_sync_indexes_new_articles_and_reindexes_edited_ones(
    library: Library, feed_server: FeedServer, clock: FixedClock
) -> None:
    items = [
        ("g1", "Tulip season", "&lt;p&gt;Bulbs in &lt;b&gt;Haarlem&lt;/b&gt;&lt;/p&gt;"),
        ("g2", "Other news", "Nothing about flowers"),
    ]
    feed_server.route("/feed.xml", body=rss("Garden Notes", items))
    feed = library.add_feed(feed_server.url("/feed.xml"))
    sync(library, feed.id)
    found = library.search("haarlem").hits
    assert [hit.item.title for hit in found] == ["Tulip season"]
    edited_id = found[0].item.id
    assert_index_in_step(library)

    # Edited upstream: the old words leave the index, the new ones are found.
    items[0] = ("g1", "Tulip season", "Bulbs in Lisse instead")
    feed_server.route("/feed.xml", body=rss("Garden Notes", items))
    clock.advance(hours=2)
    sync(library, feed.id)
    assert library.search("haarlem").hits == ()
    assert [hit.item.id for hit in library.search("lisse").hits] == [edited_id]
    assert_index_in_step(library)


def test_a_feed_retitled_by_its_own_feed_is_found_by_its_new_title(
    library: Library, feed_server: FeedServer, clock: FixedClock
) -> None:
    feed_server.route("/feed.xml", body=rss("Garden Notes", [("g1", "Tulips", "Bulbs")]))
    feed = library.add_feed(feed_server.url("/feed.xml"))
    sync(library, feed.id)
    assert len(library.search("garden").hits) == 1

    feed_server.route("/feed.xml", body=rss("Orchard Journal", [("g1", "Tulips", "Bulbs")]))
    clock.advance(hours=2)
    sync(library, feed.id)
    assert library.feed(feed.id).title == "Orchard Journal"
    assert library.search("garden").hits == ()
    assert len(library.search("orchard").hits) == 1
    assert_index_in_step(library)


# -- the user's writes ---------------------------------------------------------------------------


def test_renaming_a_feed_reindexes_its_articles_only(library: Library) -> None:
    alpha = library.add_feed("https://a.example.org/feed", title="Alpha Weekly")
    beta = library.add_feed("https://b.example.org/feed", title="Beta Weekly")
    library.add_entries(alpha.id, [article(f"a{i}", f"Alpha story {i}") for i in range(3)])
    library.add_entries(beta.id, [article("b1", "Beta story")])

    library.rename_feed(alpha.id, "Gamma Digest")
    assert len(library.search("gamma").hits) == 3
    assert library.search("alpha weekly").hits == ()
    assert len(library.search("weekly").hits) == 1  # Beta is untouched
    assert_index_in_step(library)

    library.rename_feed(alpha.id, None)  # back to the feed's own title
    assert len(library.search('"alpha weekly"').hits) == 3
    assert library.search("gamma").hits == ()
    assert_index_in_step(library)


def test_a_feed_without_a_title_is_indexed_by_its_url(library: Library) -> None:
    feed = library.add_feed("https://zeta.example.org/feed")
    [entry_id] = library.add_entries(feed.id, [article("z1", "Some story")])
    assert index_row_of(library, entry_id)["feed"] == "https://zeta.example.org/feed"
    library.rename_feed(feed.id, "Named")
    assert index_row_of(library, entry_id)["feed"] == "Named"


def test_other_feed_changes_leave_the_index_alone(library: Library) -> None:
    feed = library.add_feed("https://a.example.org/feed", title="Alpha")
    [entry_id] = library.add_entries(feed.id, [article("a1", "Story")])
    library.set_feed_options(feed.id, load_images=True, update_interval_minutes=30)
    library.tag_feed(feed.id, ["Tech"])
    library.mark_read([entry_id])
    library.set_starred([entry_id])
    assert index_row_of(library, entry_id)["feed"] == "Alpha"
    assert_index_in_step(library)


def test_deleted_articles_leave_the_index(library: Library) -> None:
    feed = library.add_feed("https://a.example.org/feed")
    ids = library.add_entries(feed.id, [article(f"a{i}", f"Walrus {i}") for i in range(4)])
    library.delete_entries(ids[:3])
    assert [hit.item.id for hit in library.search("walrus").hits] == [ids[3]]
    assert [row[0] for row in index_rows(library.path)] == [ids[3]]
    assert_index_in_step(library)


def test_a_removed_feed_takes_its_articles_out_of_the_index(library: Library) -> None:
    gone = library.add_feed("https://gone.example.org/feed")
    kept = library.add_feed("https://kept.example.org/feed")
    library.add_entries(gone.id, [article(f"g{i}", f"Walrus {i}") for i in range(5)])
    [kept_id] = library.add_entries(kept.id, [article("k1", "Walrus kept")])
    library.remove_feed(gone.id)
    assert [hit.item.id for hit in library.search("walrus").hits] == [kept_id]
    assert [row[0] for row in index_rows(library.path)] == [kept_id]
    assert_index_in_step(library)


# -- the migration -------------------------------------------------------------------------------


def _alembic(path: Path, action: str, revision: str) -> None:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            config = Config()
            config.set_main_option("script_location", str(_SCRIPT_LOCATION))
            config.attributes["connection"] = conn
            getattr(command, action)(config, revision)
    finally:
        engine.dispose()


def _library_at_0001(path: Path) -> None:
    """A library as the version before search left it: feeds and articles, no index."""
    _alembic(path, "upgrade", "0001")
    micros = 1_795_000_000_000_000
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(
            "INSERT INTO feeds (id, url, title, user_title, added_at) VALUES "
            "(1, 'https://a.example.org/feed', 'Alpha Weekly', NULL, 0), "
            "(2, 'https://b.example.org/feed', 'Beta', 'My Beta', 0)"
        )
        rows = [
            (1, "a1", "Tulip season", "<p>Bulbs in <b>Haarlem</b></p>", None),
            (1, "a2", "Café culture", None, "<div>Espresso<br>and <i>naïve</i> art</div>"),
            (2, "b1", "Broken markup", "<![if x]> Walrus <!x[", "<p>unclosed <b>tags"),
            (2, "b2", "Empty", None, None),
        ]
        conn.executemany(
            "INSERT INTO entries (feed_id, key, title, summary, content, first_seen, "
            "last_seen, sort_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(*row, micros, micros, micros) for row in rows],
        )


def test_migrating_a_library_with_articles_indexes_them_all(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    _library_at_0001(path)
    with Library.open(path, clock=FixedClock()) as library:
        assert library.search("haarlem").hits[0].item.title == "Tulip season"
        assert library.search("cafe naive").hits[0].item.title == "Café culture"
        assert library.search("walrus").hits[0].item.title == "Broken markup"
        assert library.search('feed:"my beta"').hits != ()
        assert len(library.search("weekly").hits) == 2  # the feed title is searchable
        assert_index_in_step(library)
        # And it is kept in step from then on.
        library.rename_feed(1, "Renamed")
        assert_index_in_step(library)
    with closing(sqlite3.connect(path)) as conn:
        (version,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        options = dict(conn.execute("SELECT k, v FROM entries_search_config"))
    assert version == SCHEMA_HEAD
    # Merging was paused for the bulk load only; the ranking weights are stored.
    assert (options["automerge"], options["crisismerge"]) == (4, 16)
    assert options["rank"].startswith("bm25(10.0")
    assert len(list((tmp_path / "backups").iterdir())) == 1  # backed up before migrating


def test_downgrading_removes_the_index_and_its_triggers(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    _library_at_0001(path)
    Library.open(path).close()
    _alembic(path, "downgrade", "0001")
    with closing(sqlite3.connect(path)) as conn, conn:
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert not {n for n in names if "search" in n}
        # Writes that fired the triggers still work without the index.
        conn.execute("DELETE FROM entries WHERE key = 'a1'")
        conn.execute("UPDATE feeds SET user_title = 'x' WHERE id = 1")
    with Library.open(path) as library:  # and upgrading again indexes what is there
        assert [hit.item.title for hit in library.search("espresso").hits] == ["Café culture"]
        assert_index_in_step(library)


def test_orm_metadata_agrees_with_migrations_besides_the_index(tmp_path: Path) -> None:
    """The ORM does not describe the FTS5 table (migration 0002 creates it in SQL); every
    other table must still agree (tests/storage/test_migrations.py checks the same without
    leaving the index out)."""
    path = tmp_path / "library.sqlite3"
    Library.open(path).close()
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "include_name": lambda name, kind, _parent: (
                        not (kind == "table" and name in FTS_TABLES)
                    ),
                },
            )
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_indexing_on_insert_and_in_the_migration_agree(tmp_path: Path) -> None:
    """The same article gives the same index row whichever path indexed it."""
    migrated = tmp_path / "migrated.sqlite3"
    _library_at_0001(migrated)
    Library.open(migrated).close()
    fresh = tmp_path / "fresh.sqlite3"
    with Library.open(fresh) as library:
        alpha = library.add_feed("https://a.example.org/feed", title="Alpha Weekly")
        beta = library.add_feed("https://b.example.org/feed", title="Beta", user_title="My Beta")
        base = article("x", "x")
        library.add_entries(
            alpha.id,
            [
                replace(base, key="a1", title="Tulip season",
                        summary="<p>Bulbs in <b>Haarlem</b></p>"),
                replace(base, key="a2", title="Café culture",
                        content="<div>Espresso<br>and <i>naïve</i> art</div>"),
            ],
        )  # fmt: skip
        library.add_entries(
            beta.id,
            [
                replace(base, key="b1", title="Broken markup",
                        summary="<![if x]> Walrus <!x[", content="<p>unclosed <b>tags"),
                replace(base, key="b2", title="Empty"),
            ],
        )  # fmt: skip
    assert index_rows(fresh) == index_rows(migrated)
