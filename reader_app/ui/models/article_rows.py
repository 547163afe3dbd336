"""The article list's rows behind the model: the cache of row data, and reading the id list.

``RowCache`` holds ``EntryItem`` values (no bodies) by id in a bounded most-recently-used
order, so a row keeps its data when rows move, and row data stays bounded however long
the list.

``IdListLoader`` reads a query's complete id list: on a worker through ``Tasks`` when one is
given (the GUI keeps painting), else on the GUI thread.
Only one read runs at a time; a reload asked for during a read runs after it, once, after a
pause; a result arrives only if no newer query (``restart``) came since. The model turns
what it delivers into row signals.

The pure helpers below group rows into runs and keep articles a list must not drop.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Final

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal

from reader_app.domain import EntryId, EntryItem, EntryQuery
from reader_app.domain.search import SearchQuery
from reader_app.errors import ReaderAppError
from reader_app.library import Library
from reader_app.ui.tasks import Tasks

log = logging.getLogger(__name__)

CACHE_SIZE: Final = 4000
LOAD_DELAY_MS: Final = 25  # from set_query to reading the complete id list
RELOAD_PAUSE_MS: Final = 1000  # between reloads while articles keep arriving


class RowCache:
    """List rows by id, the most recently used kept; ``None`` marks an article known gone."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._size = size
        self._items: OrderedDict[EntryId, EntryItem | None] = OrderedDict()

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._items

    def __len__(self) -> int:
        return len(self._items)

    def use(self, entry_id: EntryId) -> EntryItem | None:
        """The row of ``entry_id``, now the most recently used; KeyError if not cached."""
        item = self._items[entry_id]
        self._items.move_to_end(entry_id)
        return item

    def peek(self, entry_id: EntryId) -> EntryItem | None:
        """The row of ``entry_id`` if cached (None if not, or gone), leaving the order."""
        return self._items.get(entry_id)

    def remember(self, items: Iterable[EntryItem]) -> None:
        """Store fresh rows as the most recent, dropping the least recent past the size."""
        for item in items:
            self._items[item.id] = item
            self._items.move_to_end(item.id)
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    def mark_gone(self, entry_ids: Iterable[EntryId]) -> None:
        """Articles found deleted: their rows draw empty until removed."""
        for entry_id in entry_ids:
            self._items[entry_id] = None

    def discard(self, entry_id: EntryId) -> None:
        self._items.pop(entry_id, None)

    def clear(self) -> None:
        self._items.clear()


@dataclass(frozen=True, slots=True)
class IdList:
    """A query's complete id list and the row of each id, built together where the list is
    read: for 200,000 articles the row map alone takes tens of milliseconds, which the GUI
    thread cannot spare while a sync lands articles. Handed over whole; nobody changes it."""

    ids: list[EntryId]
    rows: dict[EntryId, int]


class Superseded(Exception):
    """Raised inside a worker's read whose result is no longer wanted: it stops early."""


IdSource = EntryQuery | SearchQuery
"""What a list shows: the articles of a feed, tag or view, or the results of a search."""


def read_id_list(
    library: Library, query: IdSource, check: Callable[[], None] | None = None
) -> IdList:
    if isinstance(query, SearchQuery):
        ids = library.search_ids(query)  # ranked: read whole, then checked
    else:
        ids = library.entry_ids(query, check=check)
    if check is not None:
        check()
    return IdList(ids, dict(zip(ids, range(len(ids)), strict=True)))


def _rows_in(ids: list[EntryId], wanted: set[EntryId]) -> list[int]:
    """The rows of ``wanted`` in ``ids``, ascending (a few: found one by one, in C)."""
    if len(wanted) > 16:
        return [row for row, entry_id in enumerate(ids) if entry_id in wanted]
    found = []
    for entry_id in wanted:
        try:
            found.append(ids.index(entry_id))
        except ValueError:
            continue
    return sorted(found)


class IdListLoader(QObject):
    """Reads the complete id list of the list's query; a child of the model it serves.

    ``ids_read(IdList)`` carries each list read; ``loaded()`` follows unless another
    read is due. ``failed(exc)`` carries a failed read (a ``ReaderAppError``; a bug in a
    worker goes to ``Tasks.unhandled`` instead, shown like any task's). Nothing arrives once
    the loader (with its model) is deleted, or after a ``restart`` since the read began.
    """

    ids_read = Signal(object)
    loaded = Signal()
    failed = Signal(object)

    def __init__(self, library: Library, tasks: Tasks | None, parent: QObject) -> None:
        super().__init__(parent)
        self._library = library
        self._tasks = tasks
        self._token = 0  # a read's result is used only if no restart came since
        self._loading = False
        self._reload_again = False

    @property
    def token(self) -> int:
        """Changes with every ``restart``: which query (and which complete read) is current."""
        return self._token

    def restart(self) -> None:
        """Forget any read under way: a new query, or a read done here and now."""
        self._token += 1
        self._loading = False
        self._reload_again = False

    def start(self, query: IdSource, *, immediate: bool) -> None:
        """Read the complete id list, on a worker if there is one, else here.

        After ``set_query`` (not ``immediate``) the read starts a moment later, when the
        view has painted the first page: a worker reading 200,000 ids holds the GIL most of
        the time, and started at once it doubled the time to that first paint (a zero delay
        is not enough: it runs before the view's own delayed layout and paint).
        """
        token = self._token
        self._loading = True
        if immediate:
            self._begin(token, query)
        else:
            QTimer.singleShot(LOAD_DELAY_MS, self, lambda: self._begin(token, query))

    def reload(self, query: IdSource) -> None:
        """Read the list again now, or, while a read runs, once more after it."""
        if self._loading:
            self._reload_again = True
        else:
            self.start(query, immediate=True)

    def read_now(self, query: IdSource) -> None:
        """Read the list on this thread and deliver it (a failing read raises)."""
        self.restart()
        self._finish(self._token, query, read_id_list(self._library, query))

    def _begin(self, token: int, query: IdSource) -> None:
        if token != self._token:
            return
        if self._tasks is None:
            self._read_here(token, query)
            return
        library = self._library

        def check() -> None:
            # On the worker: a newer query (or a deleted model) makes this read pointless,
            # and 200,000 ids hold the GIL the GUI thread needs for the new list.
            if token != self._token:
                raise Superseded

        self._tasks.run(
            lambda: read_id_list(library, query, check),
            lambda ids: self._finish(token, query, ids),
            lambda exc: self._failed(token, exc),
        )

    def _read_here(self, token: int, query: IdSource) -> None:
        try:
            ids = read_id_list(self._library, query)
        except ReaderAppError as exc:
            self._failed(token, exc)
            return
        self._finish(token, query, ids)

    def _failed(self, token: int, exc: BaseException) -> None:
        if not shiboken6.isValid(self) or token != self._token or isinstance(exc, Superseded):
            return
        self._loading = False
        self._reload_again = False
        if not isinstance(exc, ReaderAppError) and self._tasks is not None:
            self._tasks.unhandled.emit(exc)  # a bug: shown as one, like any task's
            return
        log.warning("could not read the article list: %s", exc)
        self.failed.emit(exc)

    def _finish(self, token: int, query: IdSource, ids: IdList) -> None:
        if not shiboken6.isValid(self) or token != self._token:
            return  # the model is gone, or shows another query now
        self._loading = False
        self.ids_read.emit(ids)
        if self._reload_again:
            # Articles arrived while reading: read again, after a pause, so a sync landing
            # feed after feed reloads a long list a few times, not once per feed.
            self._reload_again = False
            self._loading = True
            QTimer.singleShot(RELOAD_PAUSE_MS, self, lambda: self._begin(token, query))
        else:
            self.loaded.emit()


def runs(rows: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted rows grouped into (first, last) runs of consecutive rows."""
    found: list[tuple[int, int]] = []
    for row in sorted(set(rows)):
        if found and found[-1][1] == row - 1:
            found[-1] = (found[-1][0], row)
        else:
            found.append((row, row))
    return found


def beyond(row: int, start: int | None, *, backward: bool) -> bool:
    """Whether ``row`` lies past ``start`` in the direction of travel (any row, from None)."""
    if start is None:
        return True
    return row < start if backward else row > start


def with_kept(
    old: list[EntryId],
    fresh: list[EntryId],
    kept: set[EntryId],
    fresh_rows: Mapping[EntryId, int] | None = None,
) -> list[EntryId]:
    """``fresh`` plus the ``kept`` articles of ``old`` it lacks, each placed after the
    article it followed in ``old`` (so it stays beside its neighbours).

    ``fresh_rows`` (each id of ``fresh`` to its row) saves building it. Only the kept
    articles are looked at one by one; the lists are sliced, so a list of 200,000 rows
    with a few kept articles costs a few milliseconds."""
    if not kept:
        return fresh
    rows = fresh_rows if fresh_rows is not None else {e: r for r, e in enumerate(fresh)}
    missing = {entry_id for entry_id in kept if entry_id not in rows}
    if not missing:
        return fresh
    # Each missing article goes after the nearest article above it in ``old`` that
    # ``fresh`` has (row -1 of fresh: before everything); ties keep their order in ``old``.
    inserts: list[tuple[int, int, EntryId]] = []  # (row in fresh to follow, row in old, id)
    scanned, follows = -1, -1  # old rows up to ``scanned`` are looked at: ``follows`` is it
    for old_row in _rows_in(old, missing):
        for above in range(old_row - 1, scanned, -1):
            if old[above] in rows:
                follows = rows[old[above]]
                break
        scanned = old_row
        inserts.append((follows, old_row, old[old_row]))
    inserts.sort()
    merged: list[EntryId] = []
    start = 0
    for after, _old_row, entry_id in inserts:
        merged.extend(fresh[start : after + 1])
        start = max(start, after + 1)
        merged.append(entry_id)
    merged.extend(fresh[start:])
    return merged
