"""The library facade: what the window and the command line ask of reader_app.

Use cases in, frozen domain values out (like lemon24/reader's ``Reader``). Reads run on the
caller's thread in short transactions; writes go to the database's single writer thread and
each one is a single transaction, so an import or a bulk mark-read is all or nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from reader_app.domain import (
    Changes,
    Entry,
    EntryId,
    EntryItem,
    EntryPage,
    EntryQuery,
    Feed,
    FeedId,
    FeedSummary,
    MarkChange,
    NewEntry,
    StateChange,
    TagSummary,
    normalize_tag,
)
from reader_app.domain.retention import PruneReport, RetentionPolicy, check_feed_limits
from reader_app.domain.saved_search import SavedSearch, SavedSearchId, normalize_search_name
from reader_app.domain.search import (
    SearchHit,
    SearchOrder,
    SearchPage,
    SearchQuery,
    day_bounds,
)
from reader_app.domain.search_parser import parse_search
from reader_app.domain.tags import InvalidTagError
from reader_app.domain.urls import normalize_feed_url, split_credentials
from reader_app.errors import EntryNotFoundError, FeedNotFoundError, SavedSearchNotFoundError
from reader_app.settings import Settings
from reader_app.storage import Database, Transaction
from reader_app.storage import entries as entry_store
from reader_app.storage import feeds as feed_store
from reader_app.storage import retention as retention_store
from reader_app.storage import saved_searches as saved_store
from reader_app.storage import search as search_store
from reader_app.storage import state as state_store
from reader_app.storage import tags as tag_store
from reader_app.storage.backup import make_backup, rolling_backup
from reader_app.storage.sql import chunked

if TYPE_CHECKING:
    # Fetching and parsing (httpx, feedparser) load only when a command needs the network,
    # and OPML (defusedxml) only for an import or export: the window starts without them.
    from reader_app import opml
    from reader_app.discovery import Discovery
    from reader_app.sync import SyncOptions, SyncProgress, SyncReport, SyncSelection

Clock = Callable[[], datetime]
_MAX_ID = 2**63 - 1
# A read-state file larger than this is refused before it is read.
MAX_STATE_FILE_BYTES = state_store.MAX_FILE_BYTES
# Articles deleted per write transaction by a prune: small enough that a mark or a sync batch
# waiting behind it is not held for long.
_PRUNE_CHUNK = 5000


class _Unset:
    """The type of ``_UNSET``: an option the caller did not pass (None is a value)."""


_UNSET = _Unset()


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class OpmlImportReport:
    """What an OPML import did. Nothing is imported when the file itself is refused."""

    added: tuple[str, ...]
    already_subscribed: tuple[str, ...]  # their tags from the file were added
    skipped: tuple[opml.OpmlSkip, ...]
    changes: Changes


@dataclass(frozen=True, slots=True)
class ExportedState:
    """A read-state file's bytes and how many articles it lists."""

    data: bytes
    articles: int


@dataclass(frozen=True, slots=True)
class ImportStateReport:
    """What a read-state import did. Nothing is imported when the file itself is refused.

    ``matched``: items of the file that found an article here; ``unmatched``: those that did
    not (normal between readers that follow different feeds). ``marked_read`` and ``starred``
    count articles that gained the mark; articles already marked are left as they are.
    """

    matched: int
    marked_read: int
    starred: int
    unmatched: int
    skipped: int  # items of the file that were not usable
    skip_reasons: tuple[str, ...]  # the first few, "item 3: 'key' is missing or not text"
    changes: Changes


def _normalize_tags(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({normalize_tag(name) for name in names}, key=str.casefold))


class Library:
    """One open library file."""

    def __init__(self, db: Database, *, clock: Clock = utc_now) -> None:
        self._db = db
        self._clock = clock
        # Whoever writes (sync, marks, edits), saved searches follow before the commit.
        db.before_commit = self._refresh_saved_searches

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        backup_dir: Path | None = None,
        clock: Clock = utc_now,
        checked: Future[list[str]] | None = None,
    ) -> Library:
        """Open the library at ``path``; ``checked``: its integrity check, started earlier
        (``storage.backup.start_integrity_check``) so it ran beside other start-up work."""
        return cls(Database(path, backup_dir=backup_dir, checked=checked), clock=clock)

    @property
    def path(self) -> Path:
        return self._db.path

    def close(self) -> None:
        self._db.close()

    # Backups (storage/backup.py): copies made while the library is open and in use.

    def backup_to(self, target: Path) -> Path:
        """A consistent copy of the library at ``target`` (refused if it exists)."""
        return make_backup(self._db.path, target)

    def daily_backup(self) -> Path | None:
        """Make the rolling daily backup if it is due (the newest is a day old); None if not.

        Cheap when not due (one directory listing); otherwise it copies the whole file, so the
        window calls it off the GUI thread.
        """
        return rolling_backup(self._db.path, self._db.backup_dir, self._clock())

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # Feeds

    def feeds(self, ids: Iterable[int] | None = None) -> list[FeedSummary]:
        """Every feed, sorted by displayed title; with ``ids``, only those (missing ones are
        left out): one query however many, for refreshing a few rows."""
        if ids is None:
            return self._db.read(feed_store.list_feeds)
        wanted = sorted(set(ids))
        found: list[FeedSummary] = []
        # Bounded statements: SQLite limits bound parameters.
        for start in range(0, len(wanted), 500):
            found.extend(
                self._db.read(partial(feed_store.list_feeds, ids=wanted[start : start + 500]))
            )
        found.sort(key=lambda s: (s.feed.display_title.casefold(), s.feed.id))
        return found

    def resolve_feed(self, ref: str | int) -> FeedId:
        """A feed id from an id (``12``, ``"12"``) or a URL; FeedNotFoundError if none."""
        text = str(ref).strip()
        if text.isascii() and text.isdecimal():
            feed_id = int(text)
            # Past SQLite's integer range no feed can exist (and binding it would overflow).
            if feed_id > _MAX_ID or not self._db.read(lambda s: feed_store.feed_exists(s, feed_id)):
                raise FeedNotFoundError(f"no feed with id {feed_id}")
            return FeedId(feed_id)
        url, _, _ = split_credentials(normalize_feed_url(text))
        found = self._db.read(lambda s: feed_store.find_feed_id(s, url))
        if found is None:
            raise FeedNotFoundError(f"no feed with URL {url}")
        return found

    def feed(self, ref: str | int) -> Feed:
        feed_id = self.resolve_feed(ref)
        feed = self._db.read(lambda s: feed_store.get_feed(s, feed_id))
        if feed is None:  # removed between the two reads
            raise FeedNotFoundError(f"no feed with id {feed_id}")
        return feed

    def add_feed(
        self,
        url: str,
        *,
        tags: Iterable[str] = (),
        title: str | None = None,
        user_title: str | None = None,
    ) -> Feed:
        """Subscribe to ``url`` (normalized); FeedExistsError if already subscribed.

        ``title`` is the feed's own (updates replace it); ``user_title`` is the user's name for
        it, which updates never touch.
        """
        bare, username, password = split_credentials(normalize_feed_url(url))
        new = feed_store.FeedToAdd(
            url=bare,
            title=title,
            site_url=None,
            tags=_normalize_tags(tags),
            user_title=user_title.strip() if user_title and user_title.strip() else None,
            username=username,
            password=password,
        )
        now = self._clock()
        feed_id = self._db.write_sync(lambda s: feed_store.add_feed(s, new, now))
        return self.feed(feed_id)

    def remove_feed(self, ref: str | int) -> Changes:
        feed_id = self.resolve_feed(ref)
        if not self._db.write_sync(lambda s: feed_store.remove_feed(s, feed_id)):
            raise FeedNotFoundError(f"no feed with id {feed_id}")
        return Changes(feeds_removed=frozenset({feed_id}), tags=True)

    def rename_feed(self, ref: str | int, user_title: str | None) -> Changes:
        """Give a feed the user's own title; empty or None goes back to the feed's title."""
        feed_id = self.resolve_feed(ref)
        title = user_title.strip() if user_title and user_title.strip() else None
        if not self._db.write_sync(lambda s: feed_store.rename_feed(s, feed_id, title)):
            raise FeedNotFoundError(f"no feed with id {feed_id}")
        return Changes(feeds=frozenset({feed_id}))

    def set_feed_options(
        self,
        ref: str | int,
        *,
        update_interval_minutes: int | _Unset | None = _UNSET,
        load_images: bool | _Unset = _UNSET,
        updates_enabled: bool | _Unset = _UNSET,
        keep_days: int | _Unset | None = _UNSET,
        keep_per_feed: int | _Unset | None = _UNSET,
    ) -> Changes:
        """Change per-feed options; an argument left out keeps its value.

        ``update_interval_minutes=None`` goes back to the global interval. Turning updates
        back on after a 410 clears the stop so the next sync tries the feed again.
        ``keep_days`` (0 to 36500) and ``keep_per_feed`` (0 to 1,000,000) are the feed's own
        retention: None follows the global settings, 0 keeps its articles forever by that
        measure. A value out of range raises ValueError naming it.
        """
        feed_id = self.resolve_feed(ref)
        values: dict[str, object] = {}
        check_feed_limits(
            None if isinstance(keep_days, _Unset) else keep_days,
            None if isinstance(keep_per_feed, _Unset) else keep_per_feed,
        )
        if not isinstance(keep_days, _Unset):
            values["keep_days"] = keep_days
        if not isinstance(keep_per_feed, _Unset):
            values["keep_per_feed"] = keep_per_feed
        if not isinstance(update_interval_minutes, _Unset):
            if update_interval_minutes is not None and not (
                1 <= update_interval_minutes <= 7 * 24 * 60
            ):
                raise ValueError(
                    "the update interval must be between 1 minute and 7 days, "
                    f"not {update_interval_minutes} minutes"
                )
            values["update_interval_minutes"] = update_interval_minutes
        if not isinstance(load_images, _Unset):
            values["load_images"] = bool(load_images)
        if not isinstance(updates_enabled, _Unset):
            values["updates_enabled"] = bool(updates_enabled)
            if updates_enabled:
                values["next_check"] = None
        if values and not self._db.write_sync(
            lambda s: feed_store.set_feed_options(s, feed_id, values)
        ):
            raise FeedNotFoundError(f"no feed with id {feed_id}")
        return Changes(feeds=frozenset({feed_id}))

    # Tags

    def tags(self) -> list[TagSummary]:
        return self._db.read(tag_store.tag_summaries)

    def tag_feed(self, ref: str | int, tags: Iterable[str]) -> Changes:
        feed_id = self.resolve_feed(ref)
        names = _normalize_tags(tags)
        self._db.write_sync(lambda s: tag_store.add_feed_tags(s, [(feed_id, n) for n in names]))
        return Changes(feeds=frozenset({feed_id}), tags=True)

    def untag_feed(self, ref: str | int, tags: Iterable[str]) -> Changes:
        feed_id = self.resolve_feed(ref)
        names = _normalize_tags(tags)
        self._db.write_sync(lambda s: tag_store.remove_feed_tags(s, feed_id, names))
        return Changes(feeds=frozenset({feed_id}), tags=True)

    # OPML

    def import_opml(self, data: bytes, *, source: str = "OPML") -> OpmlImportReport:
        """Import subscriptions in one transaction. OpmlError (nothing imported) for a bad file."""
        from reader_app import opml

        document = opml.parse_opml(data, source=source)
        now = self._clock()
        wanted = []
        for item in document.feeds:
            bare, username, password = split_credentials(item.url)
            wanted.append(
                feed_store.FeedToAdd(
                    url=bare,
                    title=item.title,
                    site_url=item.site_url,
                    tags=_valid_tags(item.tags),
                    username=username,
                    password=password,
                )
            )

        result = self._db.write_sync(lambda s: feed_store.import_feeds(s, wanted, now))
        self._db.analyze()
        return OpmlImportReport(
            added=tuple(result.added),
            already_subscribed=tuple(result.already_subscribed),
            skipped=document.skipped,
            changes=Changes(feeds=result.feed_ids, tags=True),
        )

    def export_opml(self) -> bytes:
        from reader_app import opml

        feeds = [
            opml.ExportFeed(
                url=s.feed.url,
                title=s.feed.user_title or s.feed.title,
                site_url=s.feed.site_url,
                tags=s.feed.tags,
            )
            for s in self.feeds()
        ]
        return opml.write_opml(feeds, now=self._clock())

    # Read state (storage/state.py describes the file)

    def export_state(self) -> ExportedState:
        """Every read or starred article's marks as a JSON state file."""
        articles = self._db.read(state_store.marked_articles)
        return ExportedState(state_store.encode_state(articles, self._clock()), len(articles))

    def import_state(self, data: bytes, *, source: str = "state file") -> ImportStateReport:
        """Add the read and starred marks of a state file; never removes a mark.

        StateFileError (nothing imported) for a file that cannot be used. One transaction per
        chunk of articles, so a huge file never holds the writer for long.
        """
        now = self._clock()
        parsed = state_store.parse_state(data, source=source, now=now)
        matched = marked_read = starred = 0
        changes = Changes()
        for chunk in chunked(parsed.articles):
            done = self._db.write_sync(partial(state_store.apply_marks, articles=chunk, now=now))
            matched += done.matched
            marked_read += done.marked_read
            starred += done.starred
            changes |= done.changes
        return ImportStateReport(
            matched=matched,
            marked_read=marked_read,
            starred=starred,
            unmatched=len(parsed.articles) - matched,
            skipped=parsed.skipped,
            skip_reasons=parsed.reasons,
            changes=changes,
        )

    def discover(self, url: str, *, options: SyncOptions | None = None) -> Discovery:
        """What subscribing to ``url`` would mean: the feed itself, or the feeds a page links.

        Raises NoFeedFoundError when the URL answers with neither. Needs the network.
        """
        from reader_app.discovery import discover
        from reader_app.ingest.fetch import Fetcher, FetchLimits
        from reader_app.ingest.parser_pool import ParserPool
        from reader_app.sync import SyncOptions

        options = options or SyncOptions()
        limits = FetchLimits(
            total_timeout=options.request_timeout_seconds, max_body_bytes=options.max_feed_bytes
        )
        with (
            Fetcher(limits) as fetcher,
            ParserPool(1, timeout=options.parse_timeout_seconds) as parser,
        ):
            return discover(url, fetcher, parser)

    # Updating

    def update_feeds(
        self,
        selection: SyncSelection | None = None,
        *,
        options: SyncOptions | None = None,
        on_progress: Callable[[SyncProgress], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> SyncReport:
        """Fetch and store the selected feeds (the due ones by default); see sync.py."""
        from reader_app.sync import SyncOptions, SyncSelection, open_engine

        with open_engine(self._db, options or SyncOptions(), clock=self._clock) as engine:
            report = engine.run(
                selection or SyncSelection(), on_progress=on_progress, cancel=cancel
            )
        # New articles shift what the planner should choose; refreshing is cheap.
        self._db.analyze().result()
        return report

    # Articles

    def entries(self, query: EntryQuery) -> EntryPage:
        return self._db.read(lambda s: entry_store.query_entries(s, query))

    def entry(self, entry_id: int) -> Entry:
        found = self._db.read(lambda s: entry_store.get_entry(s, entry_id))
        if found is None:
            raise EntryNotFoundError(f"no article with id {entry_id}")
        return found

    def count_entries(self, query: EntryQuery) -> int:
        return self._db.read(lambda s: entry_store.count_entries(s, query))

    def entry_ids(
        self, query: EntryQuery, *, check: Callable[[], None] | None = None
    ) -> list[EntryId]:
        """Every matching article id in list order (``limit``/``after`` ignored).

        ``check`` is called every few thousand rows; an exception it raises abandons the
        read and comes out of this call (for a worker whose result is no longer wanted)."""
        return self._db.read(lambda s: entry_store.entry_ids(s, query, check))

    def entry_items(self, ids: Sequence[int]) -> dict[EntryId, EntryItem]:
        """List rows for ``ids``; ids that no longer exist are absent."""
        return self._db.read(lambda s: entry_store.items_by_id(s, ids))

    def mark_all_read(self, query: EntryQuery) -> StateChange:
        """Mark read every article ``query`` matches (a feed, a tag, a view), in one write."""
        now = self._clock()
        return self._db.write_sync(lambda s: entry_store.mark_matching_read(s, query, now))

    def unread_counts(self) -> dict[FeedId, int]:
        """Unread articles per feed: what the feed list refreshes after a change."""
        return self._db.read(entry_store.unread_counts)

    def unread_total(self) -> int:
        return self._db.read(entry_store.unread_total)

    def starred_count(self) -> int:
        return self._db.read(entry_store.starred_count)

    def mark_read(self, ids: Sequence[int], read: bool = True) -> StateChange:
        now = self._clock()
        return self._db.write_sync(
            lambda s: entry_store.change_state(
                s, ids, lambda s, found: entry_store.set_read(s, found, read, now)
            )
        )

    def set_starred(self, ids: Sequence[int], starred: bool = True) -> StateChange:
        now = self._clock()
        return self._db.write_sync(
            lambda s: entry_store.change_state(
                s, ids, lambda s, found: entry_store.set_starred(s, found, starred, now)
            )
        )

    def undo_marks(self, marks: MarkChange) -> Changes:
        """Put read or star marks back as they were before the change ``marks`` records
        (``StateChange.marks``), times included; articles deleted since are skipped."""
        return self._db.write_sync(lambda s: entry_store.restore_marks(s, marks))

    def delete_entries(self, ids: Sequence[int]) -> StateChange:
        """Delete articles; their keys are remembered so a sync never brings them back."""
        now = self._clock()
        return self._db.write_sync(
            lambda s: entry_store.change_state(
                s, ids, lambda s, found: entry_store.delete_entries(s, found, now)
            )
        )

    def prune(self, policy: RetentionPolicy, *, dry_run: bool = False) -> PruneReport:
        """Delete the articles ``policy`` lets go; their keys are remembered (never re-added).

        One read chooses them, then one write per chunk deletes them, so a big first prune
        never holds the writer (and a waiting mark or sync) for long. With ``dry_run``
        nothing is written and the report says what would go.

        Feeds with limits of their own (``set_feed_options``) are pruned by them, the others
        by ``policy``; the report's ``policy`` says whether any feed has its own limit.
        """
        now = self._clock()
        resolved, rows = self._db.read(
            lambda s: (
                retention_store.resolve_policy(s, policy),
                retention_store.select_prunable_rows(s, policy, now),
            )
        )
        if dry_run:
            return PruneReport(per_feed=_count_per_feed(rows), dry_run=True, policy=resolved)
        changes = Changes()
        # In rowid order each chunk touches neighbouring pages: about twice as fast as list order.
        ids = sorted(entry_id for entry_id, _ in rows)
        for chunk in chunked(ids, _PRUNE_CHUNK):
            changes |= self._db.write_sync(
                partial(retention_store.prune_entries, ids=chunk, policy=policy, now=now)
            )
        # Articles starred or marked unread between the read and the write were spared.
        done = [row for row in rows if EntryId(row[0]) in changes.entries]
        return PruneReport(per_feed=_count_per_feed(done), changes=changes, policy=resolved)

    def add_entries(self, feed_id: FeedId, entries: Sequence[NewEntry]) -> list[EntryId]:
        """Store new articles for a feed (the sync engine's write; also used by tests)."""
        return self._db.write_sync(lambda s: entry_store.insert_entries(s, feed_id, entries))

    # Search

    def parse_search(self, text: str, *, prefix_last: bool = False) -> SearchQuery:
        """Parse what the user typed (the grammar: ``domain/search_parser.py``); relative days
        count from today, locally. ``prefix_last``: the word being typed matches as a prefix.
        Raises SearchSyntaxError, which names the column."""
        return parse_search(text, today=self._today(), prefix_last=prefix_last)

    def search(
        self,
        query: str | SearchQuery,
        *,
        limit: int = 50,
        offset: int = 0,
        order: SearchOrder = SearchOrder.RELEVANCE,
    ) -> SearchPage:
        """One page of ranked results with snippets (see ``SearchHit``). An empty query finds
        nothing; filters alone (``is:starred tag:News``) list newest first."""
        if not 1 <= limit <= 10_000:
            raise ValueError(f"limit must be between 1 and 10000, not {limit}")
        parsed = self._parsed(query)
        since, until = day_bounds(parsed)
        offset = max(offset, 0)

        def read(session: Transaction) -> tuple[list[EntryId], list[SearchHit]]:
            # One read transaction: the ids, their rows and their snippets agree.
            ids = search_store.search_ids(
                session, parsed, order=order, since=since, until=until,
                limit=limit + 1, offset=offset,
            )  # fmt: skip
            shown = ids[:limit]
            items = entry_store.items_by_id(session, shown)
            snippets = search_store.snippets(session, parsed, shown)
            return ids, [SearchHit(items[i], snippets.get(i, "")) for i in shown if i in items]

        ids, hits = self._db.read(read)
        return SearchPage(tuple(hits), offset + limit if len(ids) > limit else None)

    def search_ids(
        self,
        query: str | SearchQuery,
        *,
        order: SearchOrder = SearchOrder.RELEVANCE,
        limit: int | None = None,
    ) -> list[EntryId]:
        """Every article the query finds, in ``order`` (the first ``limit`` of them): what a
        lazy article list holds, its rows read with ``entry_items`` and their snippets with
        ``search_snippets``. Ranking reads every match: a word in most of a large library
        takes a fraction of a second, so call this off the GUI thread."""
        parsed = self._parsed(query)
        since, until = day_bounds(parsed)
        return self._db.read(
            lambda s: search_store.search_ids(
                s, parsed, order=order, since=since, until=until, limit=limit
            )
        )

    def search_snippets(self, query: str | SearchQuery, ids: Sequence[int]) -> dict[EntryId, str]:
        """Snippets for these articles (see ``SearchHit.snippet``); ids no longer there, or
        not matching the query, are absent."""
        parsed = self._parsed(query)
        return self._db.read(lambda s: search_store.snippets(s, parsed, ids))

    def _parsed(self, query: str | SearchQuery) -> SearchQuery:
        return self.parse_search(query) if isinstance(query, str) else query

    # Saved searches

    def saved_searches(self) -> list[SavedSearch]:
        """Every saved search in the user's order, with its unread count."""
        return self._db.read_plain(saved_store.saved_searches)

    def saved_search_counts(self) -> dict[SavedSearchId, int]:
        """Unread articles per saved search: kept by the writer, so a read of a small table
        (what the feed list refreshes after each change)."""
        return self._db.read_plain(saved_store.unread_counts)

    def saved_search(self, ref: str | int) -> SavedSearch:
        """A saved search by id or by name (ignoring case)."""
        found = self._db.read_plain(lambda c: saved_store.find(c, ref))
        if found is None:
            raise SavedSearchNotFoundError(f"no saved search {ref!r}")
        return found

    def save_search(self, name: str, query: str) -> SavedSearch:
        """Keep ``query`` under ``name``, after the other saved searches. Raises
        SearchSyntaxError for a query that cannot be read (naming the column) and
        ValueError for a bad or taken name or a query that finds nothing by definition."""
        name = normalize_search_name(name)
        text, parsed, today = self._saved_query(query)
        now = self._clock()

        def write(session: Transaction) -> SavedSearchId:
            if saved_store.find(session.connection(), name) is not None:
                raise ValueError(f"there is already a saved search named {name!r}")
            return saved_store.create(session, name, text, query=parsed, today=today, now=now)

        return self.saved_search(self._db.write_sync(write))

    def edit_saved_search(
        self, ref: str | int, *, name: str | None = None, query: str | None = None
    ) -> SavedSearch:
        """Rename a saved search or change its query (its matches are found again)."""
        current = self.saved_search(ref)
        new_name = current.name if name is None else normalize_search_name(name)
        text, parsed, today = self._saved_query(current.query if query is None else query)

        def write(session: Transaction) -> None:
            other = saved_store.find(session.connection(), new_name)
            if other is not None and other.id != current.id:
                raise ValueError(f"there is already a saved search named {new_name!r}")
            saved_store.update(
                session, current.id, name=new_name, text=text, query=parsed, today=today
            )

        self._db.write_sync(write)
        return self.saved_search(current.id)

    def remove_saved_search(self, ref: str | int) -> Changes:
        search_id = self.saved_search(ref).id
        self._db.write_sync(lambda s: saved_store.delete(s, search_id))
        return Changes(saved_searches=True)

    def reorder_saved_searches(self, order: Sequence[int]) -> Changes:
        """Put the saved searches in this order (ids); any left out follow them."""
        ids = [SavedSearchId(i) for i in order]
        self._db.write_sync(lambda s: saved_store.reorder(s, ids))
        return Changes(saved_searches=True)

    def refresh_saved_searches(self) -> Changes:
        """Match saved searches with relative days (``after:7d``) again if the day changed.

        Every write already does this; a window left open over midnight without a sync
        calls it so "today" moves on."""
        self._db.write_sync(lambda _session: None)
        return Changes(saved_searches=True)

    def _saved_query(self, query: str) -> tuple[str, SearchQuery, date]:
        text = query.strip()
        today = self._today()
        parsed = parse_search(text, today=today)
        if parsed.empty:
            raise ValueError("a saved search needs words to find or filters (like is:unread)")
        return text, parsed, today

    def _today(self) -> date:
        return self._clock().astimezone().date()

    def _refresh_saved_searches(self, session: Transaction) -> None:
        saved_store.refresh(session, self._today())


def _count_per_feed(rows: Iterable[tuple[int, int]]) -> dict[FeedId, int]:
    counts: dict[FeedId, int] = {}
    for _, feed_id in rows:
        counts[FeedId(feed_id)] = counts.get(FeedId(feed_id), 0) + 1
    return counts


def _valid_tags(names: Iterable[str]) -> tuple[str, ...]:
    """Tags from a file: normalized; a name that cannot be a tag is dropped, not fatal."""
    valid: set[str] = set()
    for name in names:
        try:
            valid.add(normalize_tag(name))
        except InvalidTagError:
            continue
    return tuple(sorted(valid, key=str.casefold))


def retention_policy(settings: Settings) -> RetentionPolicy:
    """The retention settings as a policy: ``reader-app sync``, ``prune`` and the window's
    sync apply it. It holds the global limits only: whether a feed has its own is left
    unknown (``feed_limits=None``, so ``active`` is True), and each prune looks at the feeds
    in the read that chooses the articles, so a limit set a moment ago is never missed."""
    return RetentionPolicy(
        keep_days=settings.get_int("retention.keep_days"),
        keep_per_feed=settings.get_int("retention.keep_per_feed"),
        keep_unread=settings.get_bool("retention.keep_unread"),
    )
