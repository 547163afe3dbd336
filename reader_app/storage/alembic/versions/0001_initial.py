"""Initial schema: feeds, entries, removed entry keys, tags.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("user_title", sa.Text(), nullable=True),
        sa.Column("site_url", sa.Text(), nullable=True),
        sa.Column("icon_url", sa.Text(), nullable=True),
        sa.Column("added_at", sa.BigInteger(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("body_hash", sa.String(length=64), nullable=True),
        sa.Column("last_fetched", sa.BigInteger(), nullable=True),
        sa.Column("last_updated", sa.BigInteger(), nullable=True),
        sa.Column("next_check", sa.BigInteger(), nullable=True),
        sa.Column("error_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.BigInteger(), nullable=True),
        sa.Column("last_warning", sa.Text(), nullable=True),
        sa.Column("updates_enabled", sa.Boolean(), server_default=sa.text("1"), nullable=False),
        sa.Column("update_interval_minutes", sa.Integer(), nullable=True),
        sa.Column("ttl_minutes", sa.Integer(), nullable=True),
        sa.Column("load_images", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("auth_username", sa.Text(), nullable=True),
        sa.Column("auth_password", sa.Text(), nullable=True),
        sa.Column("unread_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feeds")),
        sa.UniqueConstraint("url", name=op.f("uq_feeds_url")),
    )
    op.create_index("ix_feeds_next_check", "feeds", ["next_check"], unique=False)

    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("name", name=op.f("uq_tags_name")),
    )

    op.create_table(
        "feed_tags",
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_id"], ["feeds.id"], name=op.f("fk_feed_tags_feed_id_feeds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_feed_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("feed_id", "tag_id", name=op.f("pk_feed_tags")),
    )
    op.create_index("ix_feed_tags_tag_id", "feed_tags", ["tag_id"], unique=False)

    # Small columns first, article bodies last: SQLite stores columns in this order, and a
    # query that reads a column after a multi-kilobyte body walks its overflow pages.
    op.create_table(
        "entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("item_hash", sa.String(length=32), nullable=True),
        sa.Column("published", sa.BigInteger(), nullable=True),
        sa.Column("updated", sa.BigInteger(), nullable=True),
        sa.Column("first_seen", sa.BigInteger(), nullable=False),
        sa.Column("last_seen", sa.BigInteger(), nullable=False),
        sa.Column("sort_at", sa.BigInteger(), nullable=False),
        sa.Column("read", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("read_at", sa.BigInteger(), nullable=True),
        sa.Column("starred", sa.Boolean(), server_default=sa.text("0"), nullable=False),
        sa.Column("starred_at", sa.BigInteger(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("author", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("content", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["feed_id"], ["feeds.id"], name=op.f("fk_entries_feed_id_feeds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entries")),
    )
    op.create_index("uq_entries_feed_id_key", "entries", ["feed_id", "key"], unique=True)
    op.create_index("ix_entries_feed_sort", "entries", ["feed_id", "sort_at", "id"], unique=False)
    op.create_index("ix_entries_read_sort", "entries", ["read", "sort_at", "id"], unique=False)
    op.create_index("ix_entries_sort", "entries", ["sort_at", "id"], unique=False)
    op.create_index(
        "ix_entries_starred",
        "entries",
        ["sort_at", "id"],
        unique=False,
        sqlite_where=sa.text("starred = 1"),
    )

    op.create_table(
        "removed_entries",
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("removed_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_id"],
            ["feeds.id"],
            name=op.f("fk_removed_entries_feed_id_feeds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("feed_id", "key", name=op.f("pk_removed_entries")),
    )

    # feeds.unread_count follows entries.read, whoever writes (sync, user, a future tool):
    # counting a million rows per refresh is what these triggers avoid.
    op.execute(
        """
        CREATE TRIGGER entries_unread_insert AFTER INSERT ON entries
        WHEN NOT new.read
        BEGIN
            UPDATE feeds SET unread_count = unread_count + 1 WHERE id = new.feed_id;
        END
        """
    )
    op.execute(
        """
        CREATE TRIGGER entries_unread_delete AFTER DELETE ON entries
        WHEN NOT old.read
        BEGIN
            UPDATE feeds SET unread_count = unread_count - 1 WHERE id = old.feed_id;
        END
        """
    )
    op.execute(
        """
        CREATE TRIGGER entries_unread_update AFTER UPDATE OF read ON entries
        WHEN old.read != new.read
        BEGIN
            UPDATE feeds SET unread_count = unread_count + (CASE WHEN new.read THEN -1 ELSE 1 END)
            WHERE id = new.feed_id;
        END
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS entries_unread_update")
    op.execute("DROP TRIGGER IF EXISTS entries_unread_delete")
    op.execute("DROP TRIGGER IF EXISTS entries_unread_insert")
    op.drop_table("removed_entries")
    op.drop_index("ix_entries_starred", table_name="entries")
    op.drop_index("ix_entries_sort", table_name="entries")
    op.drop_index("ix_entries_read_sort", table_name="entries")
    op.drop_index("ix_entries_feed_sort", table_name="entries")
    op.drop_index("uq_entries_feed_id_key", table_name="entries")
    op.drop_table("entries")
    op.drop_index("ix_feed_tags_tag_id", table_name="feed_tags")
    op.drop_table("feed_tags")
    op.drop_table("tags")
    op.drop_table("feeds")
