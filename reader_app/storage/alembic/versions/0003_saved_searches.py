"""Saved searches with live unread counts, and per-feed retention limits.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

A saved search shows in the feed list with its unread count, and that count must follow every
change (a sync landing, a read mark, a renamed feed) without running the search again: a
search over 200,000 articles costs up to a quarter of a second, and the list refreshes its
counts after every mark. So each saved search keeps its matches (``saved_search_entries``)
and its unread count (``saved_searches.unread_count``), kept by triggers the way
``feeds.unread_count`` is:

- a match added or removed counts if its article is unread;
- an article marked read or unread moves the count of every search it matches;
- an article deleted (by the user, retention, or a removed feed's cascade) leaves its
  matches first, while its read mark is still there to count.

Which articles match can also change, and only Python can tell (the query is parsed there):
triggers note the articles and feeds a search may now see differently in small "dirty"
tables, and the writer re-runs each saved search over just those before it commits
(``storage/saved_searches.py``): new and edited articles, feed titles and tags for every
search; articles whose marks changed apart, only for the searches that filter by marks
(``is:``), since only those can gain or lose an article by a mark. Nothing is noted while
there is no saved search, so a library without them pays one empty-table probe per write.

Per-feed retention: ``feeds.keep_days`` and ``feeds.keep_per_feed`` override the global
settings for one feed; NULL follows them, 0 keeps forever.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TRIGGERS = {
    # The count: matches in and out, read marks, deleted articles.
    "saved_search_match_insert": """
        AFTER INSERT ON saved_search_entries
        WHEN EXISTS (SELECT 1 FROM entries WHERE id = new.entry_id AND NOT read)
        BEGIN
            UPDATE saved_searches SET unread_count = unread_count + 1 WHERE id = new.search_id;
        END""",
    "saved_search_match_delete": """
        AFTER DELETE ON saved_search_entries
        WHEN EXISTS (SELECT 1 FROM entries WHERE id = old.entry_id AND NOT read)
        BEGIN
            UPDATE saved_searches SET unread_count = unread_count - 1 WHERE id = old.search_id;
        END""",
    "saved_search_read": """
        AFTER UPDATE OF read ON entries
        WHEN old.read != new.read
        BEGIN
            UPDATE saved_searches
            SET unread_count = unread_count + (CASE WHEN new.read THEN -1 ELSE 1 END)
            WHERE id IN (SELECT search_id FROM saved_search_entries WHERE entry_id = new.id);
        END""",
    "saved_search_entry_delete": """
        BEFORE DELETE ON entries
        BEGIN
            DELETE FROM saved_search_entries WHERE entry_id = old.id;
        END""",
    # What may match differently now: noted for the writer's refresh before commit.
    "saved_search_dirty_insert": """
        AFTER INSERT ON entries
        WHEN EXISTS (SELECT 1 FROM saved_searches)
        BEGIN
            INSERT OR IGNORE INTO saved_search_dirty_entries (entry_id) VALUES (new.id);
        END""",
    "saved_search_dirty_text": """
        AFTER UPDATE OF title, author, summary, content, sort_at ON entries
        WHEN EXISTS (SELECT 1 FROM saved_searches)
        BEGIN
            INSERT OR IGNORE INTO saved_search_dirty_entries (entry_id) VALUES (new.id);
        END""",
    "saved_search_dirty_read": """
        AFTER UPDATE OF read ON entries
        WHEN old.read != new.read AND EXISTS (SELECT 1 FROM saved_searches WHERE by_read)
        BEGIN
            INSERT OR IGNORE INTO saved_search_dirty_marks (entry_id) VALUES (new.id);
        END""",
    "saved_search_dirty_starred": """
        AFTER UPDATE OF starred ON entries
        WHEN old.starred != new.starred AND EXISTS (SELECT 1 FROM saved_searches WHERE by_starred)
        BEGIN
            INSERT OR IGNORE INTO saved_search_dirty_marks (entry_id) VALUES (new.id);
        END""",
    "saved_search_dirty_feed_title": """
        AFTER UPDATE OF title, user_title, url ON feeds
        WHEN EXISTS (SELECT 1 FROM saved_searches)
        BEGIN
            INSERT OR IGNORE INTO saved_search_dirty_feeds (feed_id) VALUES (new.id);
        END""",
    "saved_search_dirty_tag_added": """
        AFTER INSERT ON feed_tags
        WHEN EXISTS (SELECT 1 FROM saved_searches)
        BEGIN
            INSERT OR IGNORE INTO saved_search_dirty_feeds (feed_id) VALUES (new.feed_id);
        END""",
    "saved_search_dirty_tag_removed": """
        AFTER DELETE ON feed_tags
        WHEN EXISTS (SELECT 1 FROM saved_searches)
        BEGIN
            INSERT OR IGNORE INTO saved_search_dirty_feeds (feed_id) VALUES (old.feed_id);
        END""",
    "saved_search_dirty_tag_renamed": """
        AFTER UPDATE OF name ON tags
        WHEN EXISTS (SELECT 1 FROM saved_searches)
        BEGIN
            INSERT OR IGNORE INTO saved_search_dirty_feeds (feed_id)
            SELECT feed_id FROM feed_tags WHERE tag_id = new.id;
        END""",
}


def upgrade() -> None:
    # Plain ADD COLUMN: a batch copy of feeds would trip over the triggers that name it.
    op.add_column("feeds", sa.Column("keep_days", sa.Integer(), nullable=True))
    op.add_column("feeds", sa.Column("keep_per_feed", sa.Integer(), nullable=True))

    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("by_read", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("by_starred", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("day", sa.Text(), nullable=True),
        sa.Column("unread_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_searches")),
        sa.UniqueConstraint("name", name=op.f("uq_saved_searches_name")),
    )
    op.create_table(
        "saved_search_entries",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("search_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["search_id"],
            ["saved_searches.id"],
            name=op.f("fk_saved_search_entries_search_id_saved_searches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", "search_id", name=op.f("pk_saved_search_entries")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_saved_search_entries_search_id", "saved_search_entries", ["search_id"], unique=False
    )
    op.create_table(
        "saved_search_dirty_entries",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_saved_search_dirty_entries")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "saved_search_dirty_marks",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_saved_search_dirty_marks")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "saved_search_dirty_feeds",
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("feed_id", name=op.f("pk_saved_search_dirty_feeds")),
        sqlite_with_rowid=False,
    )
    for name, body in _TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")  # constant SQL from this module


def downgrade() -> None:
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("saved_search_dirty_feeds")
    op.drop_table("saved_search_dirty_marks")
    op.drop_table("saved_search_dirty_entries")
    op.drop_index("ix_saved_search_entries_search_id", table_name="saved_search_entries")
    op.drop_table("saved_search_entries")
    op.drop_table("saved_searches")
    op.drop_column("feeds", "keep_per_feed")
    op.drop_column("feeds", "keep_days")
