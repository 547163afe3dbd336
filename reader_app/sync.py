"""The sync engine: update feeds with fetching and parsing off the caller's thread.

The pipeline, like lemon24/reader's, as a shell pipe::

    targets | fetch (threads, bounded per host) | hash-check | parse (worker processes)
            | decide + write (the database's single writer, one transaction per feed)

Fetch and parse run in parallel; decide and write run one feed at a time on the writer thread,
so user actions queue behind at most one feed's write. A feed's failure is stored on the feed,
never raised. Progress is reported after each feed's write, so counts update as feeds land.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import random
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any

from reader_app.domain import Changes, EntryId
from reader_app.domain.sync import (
    FeedOutcome,
    FeedResult,
    SyncOptions,
    SyncProgress,
    SyncReport,
    SyncSelection,
)
from reader_app.errors import ParseError
from reader_app.ingest.decide import decide_entries
from reader_app.ingest.fetch import Fetcher, FetchLimits
from reader_app.ingest.identity import entry_key
from reader_app.ingest.parser_pool import ParserPool
from reader_app.ingest.schedule import ScheduleInputs, next_check
from reader_app.ingest.types import FetchOutcome, FetchRequest, FetchResult, ParsedFeed
from reader_app.storage import Database, Transaction
from reader_app.storage import entries as entry_store
from reader_app.storage import updates as update_store

__all__ = [
    "FeedOutcome",
    "FeedResult",
    "SyncEngine",
    "SyncOptions",
    "SyncProgress",
    "SyncReport",
    "SyncSelection",
    "open_engine",
]

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class _Fetched:
    """A feed after fetch (and parse, when its body changed): what the writer needs."""

    target: update_store.UpdateTarget
    fetch: FetchResult
    body_hash: str | None = None
    parsed: ParsedFeed | None = None
    keys: tuple[str, ...] = ()
    parse_error: str | None = None


_WRITE_BATCH = 16


def _body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class SyncEngine:
    """Runs updates against one database with one fetcher and one parser pool."""

    def __init__(
        self,
        db: Database,
        fetcher: Fetcher,
        parser: ParserPool,
        *,
        options: SyncOptions | None = None,
        clock: Clock,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._db = db
        self._fetcher = fetcher
        self._parser = parser
        self._options = options or SyncOptions()
        self._clock = clock
        self._jitter = jitter

    def targets(self, selection: SyncSelection) -> list[update_store.UpdateTarget]:
        now = self._clock()
        return self._db.read(
            lambda s: update_store.update_targets(
                s,
                now,
                feed_ids=selection.feed_ids,
                tags=selection.tags,
                only_due=not selection.force,
            )
        )

    def run(
        self,
        selection: SyncSelection,
        *,
        on_progress: Callable[[SyncProgress], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> SyncReport:
        """Update the selected feeds; returns when all are written or the sync is cancelled.

        Cancelling (the event, or Ctrl+C in the calling thread) stops between feeds: feeds
        already written stay written, feeds in flight are dropped and stay due.
        """
        cancel = cancel or threading.Event()
        targets = self.targets(selection)
        results: list[FeedResult] = []
        pool = ThreadPoolExecutor(
            max_workers=max(1, self._options.max_connections), thread_name_prefix="fetch"
        )
        # Finished fetches arrive on a queue: waiting on the whole set of futures each round
        # (concurrent.futures.wait) costs time proportional to the feeds still pending.
        finished: queue.SimpleQueue[Future[_Fetched]] = queue.SimpleQueue()
        for target in targets:
            future = pool.submit(self._fetch_and_parse, target, cancel)
            future.add_done_callback(finished.put)
        handled = 0
        try:
            while handled < len(targets) and not cancel.is_set():
                try:
                    batch = [finished.get(timeout=0.2)]
                except queue.Empty:
                    continue
                # Feeds that finished together are written in one transaction (each is still
                # all or nothing), at most _WRITE_BATCH at a time so a user's action never
                # waits long behind a sync.
                while len(batch) < _WRITE_BATCH:
                    try:
                        batch.append(finished.get_nowait())
                    except queue.Empty:
                        break
                handled += len(batch)
                fetched = [future.result() for future in batch]
                written = self._db.write_sync(partial(self._write_batch, batch=fetched))
                for result, changes in written:
                    results.append(result)
                    if on_progress is not None:
                        on_progress(SyncProgress(len(results), len(targets), result, changes))
        except KeyboardInterrupt:
            cancel.set()
        finally:
            if handled < len(targets):
                cancel.set()
            # Cancelled: requests still in flight are abandoned (their results would be
            # dropped anyway) rather than waited for, which could take a request timeout.
            pool.shutdown(wait=not cancel.is_set(), cancel_futures=True)
        return SyncReport(total=len(targets), results=tuple(results), cancelled=cancel.is_set())

    # Runs on a fetch thread.
    def _fetch_and_parse(
        self, target: update_store.UpdateTarget, cancel: threading.Event
    ) -> _Fetched:
        request = FetchRequest(
            url=target.url,
            etag=target.etag,
            last_modified=target.last_modified,
            username=target.username,
            password=target.password,
        )
        if cancel.is_set():
            return _Fetched(
                target, FetchResult(request_url=target.url, outcome=FetchOutcome.FAILED)
            )
        fetch = self._fetcher.fetch(request)
        if fetch.outcome is not FetchOutcome.OK or fetch.body is None:
            return _Fetched(target, fetch)
        body_hash = _body_hash(fetch.body)
        if body_hash == target.body_hash:
            # Same bytes as last time (a server without validators): nothing to parse.
            return _Fetched(target, replace(fetch, body=None), body_hash=body_hash)
        headers = dict(fetch.headers)
        # Items seen before with the same bytes are not parsed again: an update that brings
        # three new items costs three items' parsing, not sixty.
        known = self._db.read_plain(lambda c: update_store.item_hashes(c, target.feed_id))
        try:
            parsed = self._parser.parse(
                fetch.body, url=fetch.final_url or target.url, headers=headers, known_items=known
            )
        except ParseError as exc:
            fetch = replace(fetch, body=None)
            return _Fetched(target, fetch, body_hash=body_hash, parse_error=str(exc))
        keys = tuple(entry_key(entry) for entry in parsed.entries)
        # The body is parsed; results can wait for the writer without holding it.
        fetch = replace(fetch, body=None)
        return _Fetched(target, fetch, body_hash=body_hash, parsed=parsed, keys=keys)

    def _write_batch(
        self, session: Transaction, batch: list[_Fetched]
    ) -> list[tuple[FeedResult, Changes]]:
        return [self._write(session, fetched) for fetched in batch]

    # Runs on the database's writer thread, inside the feed's transaction.
    def _write(self, session: Transaction, fetched: _Fetched) -> tuple[FeedResult, Changes]:
        now = self._clock()
        target, fetch = fetched.target, fetched.fetch
        interval = target.update_interval_minutes or self._options.default_interval_minutes
        failed = fetch.outcome in (FetchOutcome.FAILED, FetchOutcome.GONE) or bool(
            fetched.parse_error
        )
        error_count = target.error_count + 1 if failed else 0
        schedule = ScheduleInputs(
            interval_minutes=interval,
            ttl_minutes=fetched.parsed.ttl_minutes if fetched.parsed else target.ttl_minutes,
            max_age_seconds=fetch.max_age_seconds,
            retry_after_seconds=fetch.retry_after_seconds,
            error_count=error_count,
            max_backoff_minutes=self._options.max_backoff_minutes,
        )
        due = next_check(schedule, now, self._jitter())
        feed_id = target.feed_id

        if fetch.outcome in (FetchOutcome.FAILED, FetchOutcome.GONE) or fetched.parse_error:
            gone = fetch.outcome is FetchOutcome.GONE
            error = fetched.parse_error or fetch.error or "update failed"
            update_store.record_update(
                session,
                feed_id,
                update_store.FeedState(
                    fetched_at=now,
                    next_check=due,
                    error_count=error_count,
                    last_error=error,
                    warning=None,
                    updates_enabled=not gone,
                ),
            )
            outcome = FeedOutcome.GONE if gone else FeedOutcome.FAILED
            result = FeedResult(feed_id, target.url, target.title, outcome, error=error)
            return result, Changes(feeds=frozenset({feed_id}))

        if fetched.parsed is None:
            return self._write_unchanged(session, fetched, now, due)
        return self._write_parsed(session, fetched, fetched.parsed, now, due)

    @staticmethod
    def _success_state(
        fetched: _Fetched, now: datetime, due: datetime, **changes: Any
    ) -> update_store.FeedState:
        """The feed row after a successful fetch; ``changes`` adds what the document said."""
        fetch = fetched.fetch
        state = update_store.FeedState(
            fetched_at=now,
            next_check=due,
            error_count=0,
            last_error=None,
            warning=None,
            etag=fetch.etag,
            last_modified=fetch.last_modified,
            validators_changed=True,
            body_hash=fetched.body_hash,
            # A permanent redirect moves the feed once the document is known to parse: this
            # one did, or it is unchanged since it last did (a 304 only follows a success).
            new_url=fetch.permanent_url,
        )
        return replace(state, **changes)

    def _write_unchanged(
        self, session: Transaction, fetched: _Fetched, now: datetime, due: datetime
    ) -> tuple[FeedResult, Changes]:
        """A 304, or a 200 with the same body as last time."""
        target, fetch = fetched.target, fetched.fetch
        # The document did not change, so neither did what was wrong with it: keep the warning.
        state = self._success_state(fetched, now, due, warning_changed=False)
        update_store.record_update(session, target.feed_id, state)
        url = fetch.permanent_url or target.url
        result = FeedResult(target.feed_id, url, target.title, FeedOutcome.NOT_MODIFIED)
        return result, Changes(feeds=frozenset({target.feed_id}))

    def _write_parsed(
        self,
        session: Transaction,
        fetched: _Fetched,
        parsed: ParsedFeed,
        now: datetime,
        due: datetime,
    ) -> tuple[FeedResult, Changes]:
        target, fetch = fetched.target, fetched.fetch
        feed_id = target.feed_id
        keys = list(dict.fromkeys(fetched.keys))
        stored = update_store.content_hashes(session, feed_id, keys)
        removed = entry_store.removed_keys(session, feed_id, keys)
        decision = decide_entries(
            parsed.entries,
            stored,
            removed,
            now,
            positions=parsed.positions,
            item_hashes=parsed.item_hashes,
        )
        if parsed.title and parsed.title != target.title:
            update_store.set_feed_title(session, feed_id, parsed.title)
        new_ids = entry_store.insert_entries(session, feed_id, decision.new, checked=True)
        update_store.update_entry_content(session, feed_id, decision.updated, now)
        update_store.touch_entries(session, feed_id, list(decision.unchanged_keys), now)
        update_store.touch_items(session, feed_id, list(parsed.unchanged_items), now)
        if parsed.item_hashes is not None:
            # Parsed again but unchanged (its bytes moved, or first seen before hashing):
            # remember its bytes' hash so the next update skips it.
            by_key = dict(zip(fetched.keys, parsed.item_hashes, strict=True))
            update_store.set_item_hashes(
                session, feed_id, {key: by_key[key] for key in decision.unchanged_keys}
            )
        changed_ids = [
            EntryId(i)
            for i, _key in entry_store.key_ids(session, feed_id, [e.key for e in decision.updated])
        ]
        warning = "; ".join(parsed.warnings) or None
        state = self._success_state(
            fetched,
            now,
            due,
            warning=warning,
            title=parsed.title,
            site_url=parsed.site_url,
            icon_url=parsed.icon_url,
            ttl_minutes=parsed.ttl_minutes,
            ttl_changed=True,
            updated_at=now if new_ids or decision.updated else None,
        )
        update_store.record_update(session, feed_id, state)
        result = FeedResult(
            feed_id,
            fetch.permanent_url or target.url,
            parsed.title or target.title,
            FeedOutcome.UPDATED,
            new_entries=len(new_ids),
            updated_entries=len(decision.updated),
            warning=warning,
        )
        changes = Changes(feeds=frozenset({feed_id}), entries=frozenset([*new_ids, *changed_ids]))
        return result, changes


@contextmanager
def open_engine(db: Database, options: SyncOptions, *, clock: Clock) -> Iterator[SyncEngine]:
    """A sync engine with its own fetcher and parser workers, closed on exit."""
    limits = FetchLimits(
        total_timeout=options.request_timeout_seconds,
        max_body_bytes=options.max_feed_bytes,
        max_connections=options.max_connections,
        max_per_host=options.max_per_host,
    )
    with (
        Fetcher(limits) as fetcher,
        ParserPool(
            options.parse_workers,
            timeout=options.parse_timeout_seconds,
            memory_limit_mb=options.parse_memory_mb,
        ) as parser,
    ):
        yield SyncEngine(db, fetcher, parser, options=options, clock=clock)
