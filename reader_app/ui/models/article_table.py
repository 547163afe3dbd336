"""The article list's model: ids for every row, list rows paged in by id.

Why a first page and then the ids: at 200,000 articles ``Library.entry_ids`` takes ~200 ms
(the Python side of 200,000 rows; SQLite's scan alone is ~60 ms), four times the 50 ms a feed
switch may take, while the first keyset page (``Library.entries``) takes ~3 ms. So
``set_query`` shows that page at once and reads the complete id list afterwards: on a worker
through ``Tasks`` when one is given (the GUI keeps painting), else on the GUI thread on the
next turn of the event loop, after the first rows are painted. Until the list arrives,
``canFetchMore``/``fetchMore`` page further down by keyset, so a fast scroll never waits;
when it arrives, the rows below the first page are appended (``beginInsertRows``), or, if
the library changed meanwhile, merged by id as in a reload. A pure ``fetchMore`` list was
not chosen: its scroll bar would not show the list's length, and jumping to an article deep
in the list (restoring a selection, "next unread") would page through everything above it.

Row data (``EntryItem``, no bodies) comes from ``Library.entry_items`` in blocks of 64
(``BLOCK``) around the row asked for, kept in a bounded most-recently-used cache keyed by
id, so a row keeps its data when rows move. Sorting and filtering are the query's (SQL),
never a proxy.

Reloading keeps rows by id: the new id list replaces the old inside
``layoutAboutToBeChanged``/``layoutChanged`` with every persistent index (the view's
selection and current article) moved to its article's new row.

"Hide read" removes articles lazily: when the query shows only unread (or only starred)
articles, an article that stops matching while it is shown stays, drawn as it now is, until
the next ``set_query`` (the user leaves the view), so rows do not jump away under the reader.

The parts: ``article_columns`` (what each cell shows), ``article_rows`` (the row cache and
reading the id list), ``article_scope`` (whether a write may change which articles the list
holds); this module is the Qt model that ties them together.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import Any, Final, cast

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont

from reader_app.domain import Changes, EntryId, EntryItem, EntryQuery, FeedId, PageCursor
from reader_app.domain.search import SearchQuery
from reader_app.errors import FeedNotFoundError, ReaderAppError
from reader_app.library import Library
from reader_app.ui.models.article_columns import (
    DATE,
    DISPLAY,
    FEED,
    HEADERS,
    ITEM_ROLES,
    STAR,
    TITLE,
    EntryIdRole,
    SnippetRole,
    format_list_date,
    header_data,
    item_data,
)
from reader_app.ui.models.article_rows import (
    CACHE_SIZE,
    IdList,
    IdListLoader,
    RowCache,
    beyond,
    runs,
    with_kept,
)
from reader_app.ui.models.article_scope import needs_reload, tags_cover
from reader_app.ui.tasks import Tasks

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex

# The first page shown at once on a switch (and the keyset pages after it): a screen shows
# about 45 rows, and every row read before the first paint delays it.
PAGE: Final = 80
# Rows read at once when painting reaches rows not in the cache. Small, because it happens
# inside a paint on the GUI thread: 64 rows take about 2 ms, 200 took 7 (mostly converting
# them); a screen holds about 40.
BLOCK: Final = 64
# A change to more rows than this is not read back row by row: those rows are dropped from
# the cache and repainted (read again when shown).
REFRESH_LIMIT: Final = 2000

_VERTICAL_SORT = QAbstractItemModel.LayoutChangeHint.VerticalSortHint
_LAYOUT_SIGNATURE = "QList<QPersistentModelIndex>,QAbstractItemModel::LayoutChangeHint"


def utc_now() -> datetime:
    return datetime.now(UTC)


class ArticleTableModel(QAbstractTableModel):
    """Articles of one ``EntryQuery``: Title, Feed, Date, Star.

    ``tasks``: where the complete id list is read (see the module docstring); without it,
    reads run on the GUI thread. ``clock``: what "today" is for the Date column.
    ``loaded`` is emitted when the complete id list is in place; ``load_failed(exc)`` when
    reading it (or a page of rows) failed, for the window to report.
    """

    loaded = Signal()
    load_failed = Signal(object)

    def __init__(
        self,
        library: Library,
        parent: QObject | None = None,
        *,
        tasks: Tasks | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__(parent)
        self._library = library
        self._clock = clock
        self._query: EntryQuery | None = None
        self._search: SearchQuery | None = None  # a search's results instead of a query's
        self._snippets: dict[EntryId, str] = {}
        self._ids: list[EntryId] = []
        self._rows: dict[EntryId, int] | None = None  # id -> row, built when first needed
        self._cache = RowCache(CACHE_SIZE)
        self._kept: set[EntryId] = set()
        self._cursor: PageCursor | None = None  # where fetchMore goes on
        self._complete = True
        self._loader = IdListLoader(library, tasks, self)
        self._loader.ids_read.connect(self._ids_read)
        self._loader.loaded.connect(self.loaded)
        self._loader.failed.connect(self.load_failed)
        self._gone: set[EntryId] = set()
        self._reported = -1  # the query (token) whose failed row read was reported
        self._bold = QFont()
        self._bold.setBold(True)

    # Qt's model interface

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's default
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        return header_data(section, orientation, role)

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid():
            return None
        row = index.row()
        if role == EntryIdRole:
            return self._ids[row]
        if role == SnippetRole:
            return self._snippet_at(row) if index.column() == TITLE else None
        if role not in ITEM_ROLES:
            return None
        item = self._item_at(row)
        if item is None:
            return None
        return item_data(item, index.column(), role, bold=self._bold, clock=self._clock)

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and not self._complete and self._cursor is not None

    def fetchMore(self, parent: Index) -> None:
        """The next keyset page, while the complete id list is still on its way."""
        if not self.canFetchMore(parent) or self._query is None:
            return
        page = self._library.entries(replace(self._query, limit=PAGE, after=self._cursor))
        known = self._row_map()
        fresh = [item for item in page.entries if item.id not in known]
        self._cursor = page.next_cursor
        if self._cursor is None:
            self._complete = True
        if fresh:
            start = len(self._ids)
            self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
            self._ids.extend(item.id for item in fresh)
            self._rows = None
            self._cache.remember(fresh)
            self.endInsertRows()

    # The list's API

    @property
    def query(self) -> EntryQuery | None:
        """The query shown; None while a search's results are shown."""
        return self._query

    @property
    def search(self) -> SearchQuery | None:
        """The search whose results are shown, ranked; None for a feed, tag or view."""
        return self._search

    def all_ids(self) -> list[EntryId]:
        """Every row's article, the list read whole first if it is still arriving."""
        self.ensure_complete()
        return list(self._ids)

    @property
    def complete(self) -> bool:
        """Whether every matching article has a row (else more are being read)."""
        return self._complete

    def set_query(self, query: EntryQuery) -> None:
        """Show ``query``'s articles: the first page now, the rest's ids soon after.

        Also forgets the read articles kept in an unread-only list. A failing read raises
        (StorageError) and leaves the list as it was.
        """
        page = self._library.entries(replace(query, limit=PAGE, after=None))
        self.beginResetModel()
        self._loader.restart()
        self._query = query
        self._search = None
        self._ids = [item.id for item in page.entries]
        self._rows = None
        self._forget_rows()
        self._cache.remember(page.entries)
        self._cursor = page.next_cursor
        self._complete = page.next_cursor is None
        self.endResetModel()
        if self._complete:
            self.loaded.emit()
        else:
            self._loader.start(query, immediate=False)

    def set_search(self, search: SearchQuery) -> None:
        """Show the results of ``search``, best first: the list is empty until the ranked
        ids arrive from a worker (ranking reads every match), then ``loaded``."""
        self.beginResetModel()
        self._loader.restart()
        self._query = None
        self._search = search
        self._ids = []
        self._rows = None
        self._forget_rows()
        self._cursor = None
        self._complete = False
        self.endResetModel()
        self._loader.start(search, immediate=True)

    def _forget_rows(self) -> None:
        self._cache.clear()
        self._snippets.clear()
        self._kept.clear()
        self._gone.clear()

    def entry_id(self, row: int) -> EntryId:
        """The id of the article on ``row`` (IndexError outside the list)."""
        if not 0 <= row < len(self._ids):
            raise IndexError(f"no row {row} in a list of {len(self._ids)}")
        return self._ids[row]

    def row_of(self, entry_id: int) -> int | None:
        """The row of ``entry_id`` among the rows the list has now, or None."""
        return self._row_map().get(EntryId(entry_id))

    def item(self, row: int) -> EntryItem | None:
        """The list row of ``row`` (paged in if needed); None if the article is gone."""
        if not 0 <= row < len(self._ids):
            return None
        return self._item_at(row)

    def items(self, ids: Sequence[EntryId]) -> list[EntryItem]:
        """List rows for ``ids`` that exist, from the cache where possible."""
        missing = [i for i in ids if i not in self._cache]
        fetched = self._library.entry_items(missing) if missing else {}
        found = (fetched.get(entry_id) or self._cache.peek(entry_id) for entry_id in ids)
        return [item for item in found if item is not None]

    def ensure_complete(self) -> None:
        """Read the complete id list now, on this thread, if it has not arrived yet."""
        source = self._search or self._query
        if self._complete or source is None:
            return
        self._loader.read_now(source)

    def next_unread_row(self, after_row: int | None, *, backward: bool = False) -> int | None:
        """The first row below ``after_row`` (above it when ``backward``) whose article is
        unread; from the top (the bottom) when ``after_row`` is None.

        Asks the library for the query's unread articles past that row's sort key, so it
        costs a page or two however far away the next unread article is. Search results are
        ranked, not sorted: their rows are read in order until an unread one comes.
        """
        if self._search is not None:
            return self._next_unread_result(after_row, backward=backward)
        if self._query is None:
            return None
        cursor = None
        if after_row is not None:
            item = self.item(after_row)
            if item is not None:
                cursor = PageCursor(sort_at=item.sort_at, entry_id=item.id)
        newest_first = self._query.newest_first != backward
        query = replace(
            self._query, unread_only=True, newest_first=newest_first, limit=PAGE, after=cursor
        )
        while True:
            page = self._library.entries(query)
            for found in page.entries:
                row = self.row_of(found.id)
                if row is None and not self._complete:
                    self.ensure_complete()
                    row = self.row_of(found.id)
                if row is not None and beyond(row, after_row, backward=backward):
                    return row
            if page.next_cursor is None:
                return None
            query = replace(query, after=page.next_cursor)

    def apply_changes(self, changes: Changes) -> None:
        """Refresh the rows of changed articles in place; reload the ids if articles may
        have joined or left the list (new articles in a covered feed, a removed feed,
        changed tags under a tag query). Search results stay as found: rows change, and go
        when their article is deleted, but new articles wait for the next search."""
        if changes.empty:
            return
        if self._search is not None:
            rows = self._row_map()
            present = [e for e in changes.entries if e in rows]
            for entry_id in present:
                self._snippets.pop(entry_id, None)  # the text may have changed
            if present:
                self._refresh(present)
            return
        if self._query is None:
            return
        rows = self._row_map()
        present = [e for e in changes.entries if e in rows]
        if present:
            if self._query.unread_only or self._query.starred_only:
                # Kept even if it still matches: harmless, and no read is needed to know.
                self._kept.update(present)
            self._refresh(present)
        unknown = len(present) < len(changes.entries)
        if needs_reload(self._query, changes, unknown=unknown, feed_tags=self._feed_tags):
            self._loader.reload(self._query)

    # Rows and the cache

    def _row_map(self) -> dict[EntryId, int]:
        if self._rows is None:
            self._rows = dict(zip(self._ids, range(len(self._ids)), strict=True))
        return self._rows

    def _item_at(self, row: int) -> EntryItem | None:
        try:
            return self._cache.use(self._ids[row])
        except KeyError:
            return self._fetch_block(row)

    def _next_unread_result(self, after_row: int | None, *, backward: bool) -> int | None:
        self.ensure_complete()
        rows = (
            range(len(self._ids) - 1 if after_row is None else after_row - 1, -1, -1)
            if backward
            else range(0 if after_row is None else after_row + 1, len(self._ids))
        )
        for row in rows:
            item = self._item_at(row)
            if item is not None and not item.read:
                return row
        return None

    def _snippet_at(self, row: int) -> str | None:
        if self._search is None:
            return None
        entry_id = self._ids[row]
        if entry_id not in self._snippets:
            self._item_at(row)  # a block read brings the snippets with the rows
        if entry_id not in self._snippets:  # the row was cached, its snippet dropped
            start = row - row % BLOCK
            try:
                self._read_snippets(
                    [i for i in self._ids[start : start + BLOCK] if i not in self._snippets]
                )
            except ReaderAppError as exc:
                log.warning("could not read search snippets: %s", exc)
                return None
        return self._snippets.get(entry_id)

    def _read_snippets(self, ids: list[EntryId]) -> None:
        if self._search is None or not ids:
            return
        found = self._library.search_snippets(self._search, ids)
        for entry_id in ids:  # "" for none: asked once
            self._snippets[entry_id] = found.get(entry_id, "")

    def _fetch_block(self, row: int) -> EntryItem | None:
        start = row - row % BLOCK
        block = [i for i in self._ids[start : start + BLOCK] if i not in self._cache]
        try:
            found = self._library.entry_items(block)
            self._read_snippets(block)
        except ReaderAppError as exc:
            # Called while painting: draw an empty row instead of raising, and report it
            # once, after the paint (a dialog opened inside a paint would nest event loops).
            log.warning("could not read article rows: %s", exc)
            if self._reported != self._loader.token:
                self._reported = self._loader.token
                QTimer.singleShot(0, self, partial(self.load_failed.emit, exc))
            return None
        gone = [i for i in block if i not in found]
        self._cache.remember(found[i] for i in block if i in found)
        if gone:
            self._cache.mark_gone(gone)
            self._schedule_removal(gone)
        return self._cache.peek(self._ids[row])

    def _schedule_removal(self, ids: Iterable[EntryId]) -> None:
        # Found while painting: rows cannot be removed inside data(), so on the next turn.
        if not self._gone:
            QTimer.singleShot(0, self, self._remove_gone)
        self._gone.update(ids)

    def _remove_gone(self) -> None:
        gone, self._gone = self._gone, set()
        self._remove_rows(gone)

    def _remove_rows(self, ids: Iterable[EntryId]) -> None:
        rows = self._row_map()
        # Bottom run first, so the rows of the runs above stay where they were found.
        for first, last in reversed(runs(rows[i] for i in ids if i in rows)):
            self.beginRemoveRows(QModelIndex(), first, last)
            removed = self._ids[first : last + 1]
            del self._ids[first : last + 1]
            self._rows = None  # rebuilt when next needed
            for entry_id in removed:
                self._cache.discard(entry_id)
                self._kept.discard(entry_id)
            self.endRemoveRows()

    def _refresh(self, present: list[EntryId]) -> None:
        rows = self._row_map()
        if len(present) > REFRESH_LIMIT:
            for entry_id in present:
                self._cache.discard(entry_id)
            changed = [rows[i] for i in present]
            self._emit_changed([(min(changed), max(changed))])
            return
        found = self._library.entry_items(present)
        self._cache.remember(found.values())
        self._emit_changed(runs(rows[i] for i in found))
        self._remove_rows(i for i in present if i not in found)

    def _emit_changed(self, row_runs: Iterable[tuple[int, int]]) -> None:
        last_column = len(HEADERS) - 1
        for first, last in row_runs:
            self.dataChanged.emit(self.index(first, 0), self.index(last, last_column), [])

    # Reloading the id list

    def _feed_tags(self, feed_id: FeedId) -> tuple[str, ...] | None:
        try:
            return self._library.feed(feed_id).tags
        except FeedNotFoundError:
            return None

    def _ids_read(self, ids: IdList) -> None:
        """The complete id list arrived: every matching article has a row from now on."""
        self._take_ids(ids)
        self._complete = True
        self._cursor = None

    def _take_ids(self, read: IdList) -> None:
        old, fresh = self._ids, read.ids
        if fresh == old:
            return
        if not self._complete and fresh[: len(old)] == old:
            # The usual end of a feed switch: the rows below the first page arrive.
            self.beginInsertRows(QModelIndex(), len(old), len(fresh) - 1)
            self._ids = fresh
            self._rows = read.rows
            self.endInsertRows()
            return
        merged = with_kept(old, fresh, self._kept, read.rows)
        if merged == old:
            return
        # PySide only resolves the overload with the hint by name; the hint lets the
        # selection model track one index per selected row instead of one per cell.
        cast(Any, self.layoutAboutToBeChanged)[_LAYOUT_SIGNATURE].emit([], _VERTICAL_SORT)
        moved = self.persistentIndexList()
        old_ids = [old[p.row()] for p in moved]
        self._ids = merged
        self._rows = read.rows if merged is fresh else None
        rows = self._row_map()
        targets = []
        for entry_id, index in zip(old_ids, moved, strict=True):
            row = rows.get(entry_id)
            targets.append(QModelIndex() if row is None else self.index(row, index.column()))
        self.changePersistentIndexList(moved, targets)
        cast(Any, self.layoutChanged)[_LAYOUT_SIGNATURE].emit([], _VERTICAL_SORT)


__all__ = [
    "BLOCK",
    "CACHE_SIZE",
    "DATE",
    "FEED",
    "PAGE",
    "STAR",
    "TITLE",
    "ArticleTableModel",
    "EntryIdRole",
    "format_list_date",
    "tags_cover",
]
