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

Row data (``EntryItem``, no bodies) comes from ``Library.entry_items`` in blocks of 200
around the row asked for, kept in a bounded most-recently-used cache keyed by id, so a row
keeps its data when rows move. Sorting and filtering are the query's (SQL), never a proxy.

Reloading keeps rows by id: the new id list replaces the old inside
``layoutAboutToBeChanged``/``layoutChanged`` with every persistent index (the view's
selection and current article) moved to its article's new row.

"Hide read" removes articles lazily: when the query shows only unread (or only starred)
articles, an article that stops matching while it is shown stays, drawn as it now is, until
the next ``set_query`` (the user leaves the view), so rows do not jump away under the reader.
"""

from __future__ import annotations

import html
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import Any, Final, cast

import shiboken6
from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTime,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont

from reader_app.domain import Changes, EntryId, EntryItem, EntryQuery, FeedId, PageCursor
from reader_app.errors import FeedNotFoundError, ReaderAppError
from reader_app.library import Library
from reader_app.ui.tasks import Tasks

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex

TITLE, FEED, DATE, STAR = range(4)
_HEADERS: Final = ("Title", "Feed", "Date", "★")
EntryIdRole: Final = int(Qt.ItemDataRole.UserRole) + 1

PAGE: Final = 200
LOAD_DELAY_MS: Final = 25  # from set_query to reading the complete id list
RELOAD_PAUSE_MS: Final = 1000  # between reloads while articles keep arriving
CACHE_SIZE: Final = 4000
# A change to more rows than this is not read back row by row: those rows are dropped from
# the cache and repainted (read again when shown).
REFRESH_LIMIT: Final = 2000
# Past this many changed feeds, asking each for its tags costs more than a reload.
_FEED_CHECK_LIMIT: Final = 20

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)
_ITEM_ROLES: Final = frozenset({_DISPLAY, _TOOLTIP, _FONT, _ALIGN, _ACCESSIBLE})
_VERTICAL_SORT = QAbstractItemModel.LayoutChangeHint.VerticalSortHint
_LAYOUT_SIGNATURE = "QList<QPersistentModelIndex>,QAbstractItemModel::LayoutChangeHint"


def utc_now() -> datetime:
    return datetime.now(UTC)


def format_list_date(when: datetime, now: datetime, locale: QLocale | None = None) -> str:
    """The Date column: local time of day for today's articles, else the local date."""
    local = when.astimezone()
    locale = locale or QLocale()
    if local.date() == now.astimezone().date():
        return locale.toString(QTime(local.hour, local.minute), QLocale.FormatType.ShortFormat)
    return local.strftime("%Y-%m-%d")


def tags_cover(names: Iterable[str], feed_tags: Iterable[str]) -> bool:
    """Whether a feed with ``feed_tags`` is under any of ``names`` (nested tags included),
    as ``EntryQuery.tags`` means it."""
    tags = tuple(feed_tags)
    return any(t == n or t.startswith(n + "/") for n in names for t in tags)


def _plain_tooltip(text: str) -> str:
    # Qt guesses whether a tooltip is rich text; escaped and wrapped, a feed's title is
    # always shown literally (and can never name a local file to load).
    return f"<p>{html.escape(text)}</p>"


def _beyond(row: int, start: int | None, *, backward: bool) -> bool:
    if start is None:
        return True
    return row < start if backward else row > start


def _runs(rows: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted rows grouped into (first, last) runs of consecutive rows."""
    runs: list[tuple[int, int]] = []
    for row in sorted(set(rows)):
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


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
        self._tasks = tasks
        self._clock = clock
        self._query: EntryQuery | None = None
        self._ids: list[EntryId] = []
        self._rows: dict[EntryId, int] | None = None  # id -> row, built when first needed
        self._cache: OrderedDict[EntryId, EntryItem | None] = OrderedDict()  # None: gone
        self._kept: set[EntryId] = set()
        self._cursor: PageCursor | None = None  # where fetchMore goes on
        self._complete = True
        self._token = 0  # a load's result is used only if no set_query came since
        self._loading = False
        self._reload_again = False
        self._gone: set[EntryId] = set()
        self._reported = -1  # the query (token) whose failed row read was reported
        self._bold = QFont()
        self._bold.setBold(True)

    # Qt's model interface

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's default
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(_HEADERS):
            return None
        if role == _DISPLAY:
            return _HEADERS[section]
        if role in (_TOOLTIP, _ACCESSIBLE) and section == STAR:
            return "Starred"
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        row = index.row()
        if role == EntryIdRole:
            return self._ids[row]
        if role not in _ITEM_ROLES:
            return None
        item = self._item_at(row)
        if item is None:
            return None
        return self._item_data(item, index.column(), role)

    def _item_data(self, item: EntryItem, column: int, role: int) -> Any:
        if role == _FONT:
            return None if item.read else self._bold
        if role == _ALIGN:
            return Qt.AlignmentFlag.AlignCenter if column == STAR else None
        if column == TITLE:
            title = " ".join((item.title or "").split()) or "(no title)"
            return _plain_tooltip(title) if role == _TOOLTIP else title
        if column == FEED:
            feed = " ".join(item.feed_title.split())
            return _plain_tooltip(feed) if role == _TOOLTIP else feed
        if column == DATE:
            if role == _TOOLTIP:
                return item.sort_at.astimezone().strftime("%Y-%m-%d %H:%M")
            return format_list_date(item.sort_at, self._clock())
        if role == _DISPLAY:
            return "★" if item.starred else ""
        return "Starred" if item.starred else "Not starred"

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
            self._remember(fresh)
            self.endInsertRows()

    # The list's API

    @property
    def query(self) -> EntryQuery | None:
        return self._query

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
        self._token += 1
        self._loading = False
        self._reload_again = False
        self._query = query
        self._ids = [item.id for item in page.entries]
        self._rows = None
        self._cache.clear()
        self._kept.clear()
        self._gone.clear()
        self._remember(page.entries)
        self._cursor = page.next_cursor
        self._complete = page.next_cursor is None
        self.endResetModel()
        if self._complete:
            self.loaded.emit()
        else:
            self._start_load(immediate=False)

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
        found = (fetched.get(entry_id) or self._cache.get(entry_id) for entry_id in ids)
        return [item for item in found if item is not None]

    def ensure_complete(self) -> None:
        """Read the complete id list now, on this thread, if it has not arrived yet."""
        if self._complete or self._query is None:
            return
        self._token += 1
        self._loading = False
        self._reload_again = False
        self._finish_load(self._token, self._library.entry_ids(self._query))

    def next_unread_row(self, after_row: int | None, *, backward: bool = False) -> int | None:
        """The first row below ``after_row`` (above it when ``backward``) whose article is
        unread; from the top (the bottom) when ``after_row`` is None.

        Asks the library for the query's unread articles past that row's sort key, so it
        costs a page or two however far away the next unread article is.
        """
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
                if row is not None and _beyond(row, after_row, backward=backward):
                    return row
            if page.next_cursor is None:
                return None
            query = replace(query, after=page.next_cursor)

    def apply_changes(self, changes: Changes) -> None:
        """Refresh the rows of changed articles in place; reload the ids if articles may
        have joined or left the list (new articles in a covered feed, a removed feed,
        changed tags under a tag query)."""
        if self._query is None or changes.empty:
            return
        rows = self._row_map()
        present = [e for e in changes.entries if e in rows]
        if present:
            if self._query.unread_only or self._query.starred_only:
                # Kept even if it still matches: harmless, and no read is needed to know.
                self._kept.update(present)
            self._refresh(present)
        if self._needs_reload(changes, unknown=len(present) < len(changes.entries)):
            if self._loading:
                self._reload_again = True
            else:
                self._start_load(immediate=True)

    # Rows and the cache

    def _row_map(self) -> dict[EntryId, int]:
        if self._rows is None:
            self._rows = dict(zip(self._ids, range(len(self._ids)), strict=True))
        return self._rows

    def _remember(self, items: Iterable[EntryItem]) -> None:
        for item in items:
            self._cache[item.id] = item
            self._cache.move_to_end(item.id)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)

    def _item_at(self, row: int) -> EntryItem | None:
        entry_id = self._ids[row]
        try:
            item = self._cache[entry_id]
        except KeyError:
            return self._fetch_block(row)
        self._cache.move_to_end(entry_id)
        return item

    def _fetch_block(self, row: int) -> EntryItem | None:
        start = row - row % PAGE
        block = [i for i in self._ids[start : start + PAGE] if i not in self._cache]
        try:
            found = self._library.entry_items(block)
        except ReaderAppError as exc:
            # Called while painting: draw an empty row instead of raising, and report it
            # once, after the paint (a dialog opened inside a paint would nest event loops).
            log.warning("could not read article rows: %s", exc)
            if self._reported != self._token:
                self._reported = self._token
                QTimer.singleShot(0, self, partial(self.load_failed.emit, exc))
            return None
        gone = [i for i in block if i not in found]
        self._remember(found[i] for i in block if i in found)
        if gone:
            for entry_id in gone:
                self._cache[entry_id] = None
            self._schedule_removal(gone)
        return self._cache.get(self._ids[row])

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
        for first, last in reversed(_runs(rows[i] for i in ids if i in rows)):
            self.beginRemoveRows(QModelIndex(), first, last)
            removed = self._ids[first : last + 1]
            del self._ids[first : last + 1]
            self._rows = None  # rebuilt when next needed
            for entry_id in removed:
                self._cache.pop(entry_id, None)
                self._kept.discard(entry_id)
            self.endRemoveRows()

    def _refresh(self, present: list[EntryId]) -> None:
        rows = self._row_map()
        if len(present) > REFRESH_LIMIT:
            for entry_id in present:
                self._cache.pop(entry_id, None)
            changed = [rows[i] for i in present]
            self._emit_changed([(min(changed), max(changed))])
            return
        found = self._library.entry_items(present)
        self._remember(found.values())
        self._emit_changed(_runs(rows[i] for i in found))
        self._remove_rows(i for i in present if i not in found)

    def _emit_changed(self, runs: Iterable[tuple[int, int]]) -> None:
        last_column = len(_HEADERS) - 1
        for first, last in runs:
            self.dataChanged.emit(self.index(first, 0), self.index(last, last_column), [])

    # Reloading the id list

    def _needs_reload(self, changes: Changes, *, unknown: bool) -> bool:
        query = self._query
        assert query is not None
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
        return any(self._covers(feed_id) for feed_id in changes.feeds)

    def _covers(self, feed_id: FeedId) -> bool:
        """Whether the query's feeds include ``feed_id`` (its other filters aside)."""
        query = self._query
        assert query is not None
        if not (query.tags or query.within_tags):
            return feed_id in query.feed_ids
        try:
            tags = self._library.feed(feed_id).tags
        except FeedNotFoundError:
            return False
        in_scope = (
            not (query.feed_ids or query.tags)
            or feed_id in query.feed_ids
            or tags_cover(query.tags, tags)
        )
        return in_scope and (not query.within_tags or tags_cover(query.within_tags, tags))

    def _start_load(self, *, immediate: bool) -> None:
        """Read the complete id list, on a worker if there is one, else here.

        After ``set_query`` (not ``immediate``) the read starts a moment later, when the
        view has painted the first page: a worker reading 200,000 ids holds the GIL most of
        the time, and started at once it doubled the time to that first paint (a zero delay
        is not enough: it runs before the view's own delayed layout and paint).
        """
        token = self._token
        self._loading = True
        if immediate:
            self._begin_load(token)
        else:
            QTimer.singleShot(LOAD_DELAY_MS, self, lambda: self._begin_load(token))

    def _begin_load(self, token: int) -> None:
        query = self._query
        if token != self._token or query is None:
            return
        if self._tasks is None:
            self._load_here(token, query)
            return
        library = self._library
        self._tasks.run(
            lambda: library.entry_ids(query),
            lambda ids: self._finish_load(token, ids),
            lambda exc: self._load_error(token, exc),
        )

    def _load_here(self, token: int, query: EntryQuery) -> None:
        if token != self._token:
            return
        try:
            ids = self._library.entry_ids(query)
        except ReaderAppError as exc:
            self._load_error(token, exc)
            return
        self._finish_load(token, ids)

    def _load_error(self, token: int, exc: BaseException) -> None:
        if not shiboken6.isValid(self) or token != self._token:
            return
        self._loading = False
        self._reload_again = False
        if not isinstance(exc, ReaderAppError) and self._tasks is not None:
            self._tasks.unhandled.emit(exc)  # a bug: shown as one, like any task's
            return
        log.warning("could not read the article list: %s", exc)
        self.load_failed.emit(exc)

    def _finish_load(self, token: int, ids: list[EntryId]) -> None:
        if not shiboken6.isValid(self) or token != self._token:
            return  # the model is gone, or shows another query now
        self._loading = False
        self._take_ids(ids)
        self._complete = True
        self._cursor = None
        if self._reload_again:
            # Articles arrived while reading: read again, after a pause, so a sync landing
            # feed after feed reloads a long list a few times, not once per feed.
            self._reload_again = False
            self._loading = True
            QTimer.singleShot(RELOAD_PAUSE_MS, self, lambda: self._begin_load(token))
        else:
            self.loaded.emit()

    def _take_ids(self, fresh: list[EntryId]) -> None:
        old = self._ids
        if fresh == old:
            return
        if not self._complete and fresh[: len(old)] == old:
            # The usual end of a feed switch: the rows below the first page arrive.
            self.beginInsertRows(QModelIndex(), len(old), len(fresh) - 1)
            self._ids = fresh
            self._rows = None
            self.endInsertRows()
            return
        merged = self._with_kept(old, fresh)
        if merged == old:
            return
        # PySide only resolves the overload with the hint by name; the hint lets the
        # selection model track one index per selected row instead of one per cell.
        cast(Any, self.layoutAboutToBeChanged)[_LAYOUT_SIGNATURE].emit([], _VERTICAL_SORT)
        moved = self.persistentIndexList()
        old_ids = [old[p.row()] for p in moved]
        self._ids = merged
        self._rows = None
        rows = self._row_map()
        targets = []
        for entry_id, index in zip(old_ids, moved, strict=True):
            row = rows.get(entry_id)
            targets.append(QModelIndex() if row is None else self.index(row, index.column()))
        self.changePersistentIndexList(moved, targets)
        cast(Any, self.layoutChanged)[_LAYOUT_SIGNATURE].emit([], _VERTICAL_SORT)

    def _with_kept(self, old: list[EntryId], fresh: list[EntryId]) -> list[EntryId]:
        """``fresh`` plus the kept articles of ``old`` it lacks, each placed after the
        article it followed in ``old`` (so it stays beside its neighbours)."""
        if not self._kept:
            return fresh
        in_fresh = set(fresh)
        after: dict[EntryId | None, list[EntryId]] = {}
        previous: EntryId | None = None
        for entry_id in old:
            if entry_id in in_fresh:
                previous = entry_id
            elif entry_id in self._kept:
                after.setdefault(previous, []).append(entry_id)
        if not after:
            return fresh
        merged = list(after.get(None, ()))
        for entry_id in fresh:
            merged.append(entry_id)
            extra = after.get(entry_id)
            if extra:
                merged.extend(extra)
        return merged


__all__ = [
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
