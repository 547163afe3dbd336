"""What a freshly parsed feed means for storage: which entries are new, which were edited.

Like lemon24/reader's ``Decider``, this module only processes data: the sync engine asks
storage what it knows about the keys in the document, calls :func:`decide_entries`, and hands
the resulting :class:`FeedDecision` to the writer. Nothing here reads the clock, the network
or the database, so every rule is tested with plain values (DESIGN.md, rule 3).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from reader_app.domain.types import NewEntry
from reader_app.ingest.identity import content_hash, entry_key
from reader_app.ingest.types import ParsedEntry

__all__ = [
    "EARLIEST_PLAUSIBLE",
    "FUTURE_SKEW",
    "FeedDecision",
    "decide_entries",
    "plausible_sort_at",
]

# Dates before the first feeds existed come from broken generators (the Unix epoch, year 1).
EARLIEST_PLAUSIBLE = datetime(1995, 1, 1, tzinfo=UTC)
# Publishers' clocks drift a little; a date this far ahead is taken as "just now" rather than
# rejected. Further ahead is a scheduled post or a wrong time zone, and would pin the entry to
# the top of every list until that day.
FUTURE_SKEW = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class FeedDecision:
    """What to write for one parsed document of one feed.

    ``new`` and ``updated`` are in document order. For ``updated`` entries storage replaces
    the content columns only (title, link, author, summary, content, content hash, published,
    updated): read, starred, read_at, ``first_seen`` and ``sort_at`` are the user's view of the
    article and stay as stored, so the ``first_seen`` and ``sort_at`` of an update are ignored.
    """

    new: tuple[NewEntry, ...]
    # Keys that exist with a different content hash: the entry was edited upstream.
    updated: tuple[NewEntry, ...]
    # Seen again with the same content: storage only records that they are still in the feed.
    unchanged_keys: tuple[str, ...]
    # Keys the user deleted or retention pruned, present in the document again: never re-added,
    # or a deleted article would come back unread on the next sync.
    skipped_removed: int
    # Extra occurrences of a key already met earlier in the same document (the first wins).
    duplicates_in_feed: int


def decide_entries(
    parsed: Sequence[ParsedEntry],
    stored: Mapping[str, str | None],
    removed_keys: AbstractSet[str],
    now: datetime,
    *,
    positions: Sequence[int] | None = None,
    item_hashes: Sequence[str] | None = None,
) -> FeedDecision:
    """Sort the entries of one document into new, updated, unchanged and skipped.

    ``stored`` maps the keys of this feed's existing entries to their content hash (only keys
    that occur in ``parsed`` matter; storage is asked for those). ``removed_keys`` are keys of
    entries deleted by the user or pruned by retention. An existing entry wins over a removed
    key: it is in storage, so it is updated or touched, not re-added. A stored hash of ``None``
    (unknown) differs from any hash, so the entry is rewritten once and gets its hash.

    Entries without a plausible date are sorted by when they were first seen, which is ``now``
    for the whole batch. To keep such a feed in its own order, the i-th entry of the document
    gets ``now - i`` microseconds: the first item in the document counts as the newest, which
    is how feeds list their items. ``first_seen`` itself stays ``now``. When only some items of
    the document were parsed, ``positions`` gives each entry's index in the whole document, so
    the offsets are the same as for a whole parse; ``item_hashes`` (aligned with ``parsed``)
    are stored with new and updated entries.

    Raises ``ValueError`` for a naive ``now`` or a naive entry date.
    """
    _require_aware("now", now)
    seen: set[str] = set()
    new: list[NewEntry] = []
    updated: list[NewEntry] = []
    unchanged: list[str] = []
    skipped_removed = 0
    duplicates = 0
    if positions is not None and len(positions) != len(parsed):
        raise ValueError("positions must be aligned with the parsed entries")
    if item_hashes is not None and len(item_hashes) != len(parsed):
        raise ValueError("item_hashes must be aligned with the parsed entries")
    for order, entry in enumerate(parsed):
        index = positions[order] if positions is not None else order
        raw_hash = item_hashes[order] if item_hashes is not None else None
        key = entry_key(entry)
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        digest = content_hash(entry)
        if key in stored:
            if stored[key] == digest:
                unchanged.append(key)
            else:
                updated.append(_new_entry(entry, key, digest, index, now, raw_hash=raw_hash))
        elif key in removed_keys:
            skipped_removed += 1
        else:
            new.append(_new_entry(entry, key, digest, index, now, raw_hash=raw_hash))
    return FeedDecision(
        new=tuple(new),
        updated=tuple(updated),
        unchanged_keys=tuple(unchanged),
        skipped_removed=skipped_removed,
        duplicates_in_feed=duplicates,
    )


def plausible_sort_at(
    published: datetime | None,
    updated: datetime | None,
    first_seen: datetime,
    now: datetime,
) -> datetime:
    """The date to sort an entry by: its own date when believable, else when we first saw it.

    Feed dates are not trusted blindly (NetNewsWire's rule): ``published`` is used when it is
    not before 1995 and not more than ten minutes ahead of ``now``; else ``updated`` under the
    same rule; else ``first_seen``. The result is never later than ``now``, so a slightly fast
    publisher clock cannot put an entry above ones that arrive later. The result is UTC.
    """
    _require_aware("now", now)
    _require_aware("first_seen", first_seen)
    for name, candidate in (("published", published), ("updated", updated)):
        if candidate is None:
            continue
        _require_aware(name, candidate)
        if EARLIEST_PLAUSIBLE <= candidate <= now + FUTURE_SKEW:
            return min(candidate, now).astimezone(UTC)
    return min(first_seen, now).astimezone(UTC)


def _new_entry(
    entry: ParsedEntry, key: str, digest: str, index: int, now: datetime, *, raw_hash: str | None
) -> NewEntry:
    # See decide_entries: undated entries keep document order through tiny offsets.
    fallback = now - timedelta(microseconds=index)
    return NewEntry(
        key=key,
        title=entry.title,
        link=entry.link,
        author=entry.author,
        summary=entry.summary,
        content=entry.content,
        content_hash=digest,
        published=entry.published,
        updated=entry.updated,
        first_seen=now.astimezone(UTC),
        sort_at=plausible_sort_at(entry.published, entry.updated, fallback, now),
        item_hash=raw_hash,
    )


def _require_aware(name: str, moment: datetime) -> None:
    # Comparing naive and aware datetimes raises TypeError deep inside; say what is wrong.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {moment!r}")
