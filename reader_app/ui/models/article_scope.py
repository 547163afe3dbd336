"""Whether a write may have changed which articles an article list holds.

Rows the list shows are refreshed in place; this decides the other case, where articles may
have joined or left the list (new articles in a feed the query covers, a removed feed,
changed tags under a tag query), so the id list must be read again. Pure but for one
look-up, the tags of a feed, passed in as a function so it is asked only when needed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final

from reader_app.domain import Changes, EntryQuery, FeedId

# Past this many changed feeds, asking each for its tags costs more than a reload.
_FEED_CHECK_LIMIT: Final = 20

# A feed's tags, or None when the feed is gone.
FeedTags = Callable[[FeedId], tuple[str, ...] | None]


def tags_cover(names: Iterable[str], feed_tags: Iterable[str]) -> bool:
    """Whether a feed with ``feed_tags`` is under any of ``names`` (nested tags included),
    as ``EntryQuery.tags`` means it."""
    tags = tuple(feed_tags)
    return any(t == n or t.startswith(n + "/") for n in names for t in tags)


def needs_reload(
    query: EntryQuery, changes: Changes, *, unknown: bool, feed_tags: FeedTags
) -> bool:
    """Whether ``changes`` may add articles to ``query``'s list or take some away.

    ``unknown``: some changed articles have no row in the list (they may be new to it).
    """
    if query.saved_search is not None and (
        changes.saved_searches or changes.tags or (changes.feeds and not changes.entries)
    ):
        # Its query may now match other articles: edited, or a feed renamed or retagged
        # (``feed:``, ``tag:`` and feed titles are what it searches).
        return True
    scoped = bool(query.feed_ids or query.tags or query.within_tags)
    if changes.feeds_removed:
        # A removed feed's tags are gone: only a query naming feeds alone can tell.
        if not (query.feed_ids and not query.tags and not query.within_tags):
            return True
        if changes.feeds_removed & query.feed_ids:
            return True
    if changes.tags and (query.tags or query.within_tags):
        return True
    if not unknown or not changes.feeds:
        return False
    if not scoped or len(changes.feeds) > _FEED_CHECK_LIMIT:
        return True
    return any(covers(query, feed_id, feed_tags) for feed_id in changes.feeds)


def covers(query: EntryQuery, feed_id: FeedId, feed_tags: FeedTags) -> bool:
    """Whether the query's feeds include ``feed_id`` (its other filters aside)."""
    if not (query.tags or query.within_tags):
        return feed_id in query.feed_ids
    tags = feed_tags(feed_id)
    if tags is None:
        return False
    in_scope = (
        not (query.feed_ids or query.tags)
        or feed_id in query.feed_ids
        or tags_cover(query.tags, tags)
    )
    return in_scope and (not query.within_tags or tags_cover(query.within_tags, tags))
