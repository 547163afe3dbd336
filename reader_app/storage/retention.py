"""Retention: choose the articles a policy lets go, and delete them remembering their keys.

Choosing is one set-based query (a ROW_NUMBER window per feed over ``ix_entries_feed_sort``
for the per-feed limit), so a library of hundreds of thousands of articles is decided in one
pass. Deleting goes through ``entries.delete_entries``: the keys land in ``removed_entries``
so a feed that still lists an article never brings it back, and the search index drops the
rows by trigger.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from reader_app.domain import Changes
from reader_app.domain.retention import RetentionPolicy
from reader_app.storage.entries import delete_entries
from reader_app.storage.orm import to_micros
from reader_app.storage.sql import chunked


def _keep_marks(policy: RetentionPolicy) -> str:
    """Rows a prune must never touch, whatever their age or rank."""
    return "starred = 0" + (" AND read = 1" if policy.keep_unread else "")


def select_prunable_rows(
    session: Session, policy: RetentionPolicy, now: datetime
) -> list[tuple[int, int]]:
    """``(entry id, feed id)`` of every article ``policy`` deletes at ``now``, oldest first."""
    if not policy.active:
        return []
    cutoff = policy.cutoff(now)
    params: dict[str, int] = {}
    limits: list[str] = []
    if cutoff is not None:
        limits.append("sort_at < :cutoff")
        params["cutoff"] = to_micros(cutoff)
    if policy.keep_per_feed:
        limits.append("rank > :per_feed")
        params["per_feed"] = policy.keep_per_feed
        # Ranked over every article of the feed (starred and unread too): the limit is on
        # how many the feed shows, the marks only protect single articles.
        source = (
            "(SELECT id, feed_id, sort_at, read, starred, ROW_NUMBER() OVER "
            "(PARTITION BY feed_id ORDER BY sort_at DESC, id DESC) AS rank FROM entries)"
        )
    else:
        source = "entries"
    statement = (
        f"SELECT id, feed_id FROM {source} "  # noqa: S608 - fixed fragments, values bound
        f"WHERE {_keep_marks(policy)} AND ({' OR '.join(limits)}) ORDER BY sort_at, id"
    )
    return [(row[0], row[1]) for row in session.execute(text(statement), params)]


def select_prunable(session: Session, policy: RetentionPolicy, now: datetime) -> list[int]:
    """Ids of every article ``policy`` deletes at ``now``."""
    return [entry_id for entry_id, _ in select_prunable_rows(session, policy, now)]


def prune_entries(
    session: Session, ids: Sequence[int], policy: RetentionPolicy, now: datetime
) -> Changes:
    """Delete those of ``ids`` the policy's marks still allow, remembering their keys.

    The ids were chosen in an earlier read: an article starred (or marked unread) since then
    is spared here, inside the write, so a prune never races the user's marks.
    """
    still_prunable: list[int] = []
    for chunk in chunked(ids):
        marks = ", ".join(str(int(i)) for i in chunk)
        rows = session.execute(
            text(f"SELECT id FROM entries WHERE id IN ({marks}) AND {_keep_marks(policy)}")  # noqa: S608
        )
        still_prunable.extend(row[0] for row in rows)
    return delete_entries(session, still_prunable, now)
