"""The feed list's model: the smart views, tags nested by ``/``, feeds under each of their tags.

Rows, top to bottom: All, Unread, Starred, Today; the saved searches; then tags as groups
(``News/Europe`` under ``News``; inside a group the nested tags come before the feeds); then
the untagged feeds. A feed with several tags appears under each of them, so a row is
identified by its ``Selection`` plus, for a feed, the tag it sits under.

Counts come from the library's trigger-kept counters, so refreshing them after a write is a
few small reads; the tree is rebuilt (a model reset) only when feeds or tags come or go, or a
title changes its place in the order. The view keeps its current row across a reset by
asking ``index_of`` for the Selection it had.

The rows themselves are built by ``feed_tree_nodes`` (pure, no Qt), what a row says by
``feed_labels``, and the drag format by ``feed_drag``; this module is the Qt model over them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QFont, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QStyle

from reader_app.domain import Changes, Feed, FeedId, FeedSummary
from reader_app.domain.saved_search import SavedSearch
from reader_app.domain.tags import tag_and_ancestors
from reader_app.library import Library
from reader_app.ui.models.feed_drag import FEED_MIME_TYPE, dragged_feed_ids, feed_ids_mime
from reader_app.ui.models.feed_labels import (
    count_phrase,
    feed_is_failing,
    feed_label,
    feed_tooltip,
    saved_search_tooltip,
    tag_tooltip,
)
from reader_app.ui.models.feed_tree_nodes import (
    FeedNodes,
    Node,
    build_nodes,
    feed_ids_under,
    parent_tag,
    tag_counts,
)
from reader_app.ui.models.feed_tree_update import FeedTreeUpdate, read_everything, read_update
from reader_app.ui.selection import Selection, SmartView

SelectionRole = Qt.ItemDataRole.UserRole + 1  # the row's Selection
FeedIdRole = Qt.ItemDataRole.UserRole + 2  # the feed id of a feed row, else None
CountRole = Qt.ItemDataRole.UserRole + 3  # the number drawn beside the title (0: none)

Index = QModelIndex | QPersistentModelIndex
_TOP = QModelIndex()  # the invisible root's index, as a default argument
IconProvider = Callable[[int], QIcon | None]  # feed id -> favicon, or None


def _utc_now() -> datetime:
    return datetime.now(UTC)


class FeedTreeModel(QAbstractItemModel):
    """One column; ``reload`` after feeds or tags change, ``apply_changes`` after any write.

    ``tag_drop_requested(feed_id, tag)``: a feed row was dropped on a tag row; the window
    does the write (and then calls ``apply_changes``).
    """

    tag_drop_requested = Signal(int, str)

    def __init__(
        self,
        library: Library,
        parent: QObject | None = None,
        *,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        super().__init__(parent)
        self._library = library
        self._clock = clock
        self._summaries: dict[FeedId, FeedSummary] = {}
        self._order: list[FeedId] = []  # display order (the library sorts by title)
        self._view_counts: dict[SmartView, int] = dict.fromkeys(SmartView, 0)
        self._saved: tuple[SavedSearch, ...] = ()
        self._search_icon: QIcon | None = None
        self._tag_counts: dict[str, int] = {}
        self._tag_filter: frozenset[str] = frozenset()
        self._icon_provider: IconProvider | None = None
        self._view_icons: dict[SmartView, QIcon] = {}
        self._tag_icon: QIcon | None = None
        self._feed_icon: QIcon | None = None
        self._error_icon: QIcon | None = None
        self._tree = FeedNodes()
        self._order_stale = False
        first = read_everything(library, clock())
        self._summaries = {s.feed.id: s for s in first.everything or ()}
        self._order = [s.feed.id for s in first.everything or ()]
        self._view_counts = dict(first.view_counts)
        self._saved = first.saved
        self._build()

    # -- public API -------------------------------------------------------------------------

    def reload(self) -> None:
        """Read every feed again and rebuild the tree (views re-select by Selection)."""
        self.apply_update(read_everything(self._library, self._clock()))

    def apply_changes(self, changes: Changes) -> None:
        """Refresh what ``changes`` touched, reading here (after the user's own writes)."""
        if changes.empty:
            return
        self.apply_update(read_update(self._library, changes, self._clock()))

    def apply_update(self, update: FeedTreeUpdate, *, keep_order: bool = False) -> None:
        """Show an update read elsewhere (``read_update``), without reading anything.

        Counts and feed rows change in place; the tree is rebuilt when feeds come or go or
        a feed's tags change. A renamed feed moves to its place in the order at once, or with
        ``keep_order`` (during a sync, when the first fetch names many feeds) only at the next
        ``settle_order``, so the rows do not jump under the reader.
        """
        # Saved searches come, go, or are renamed: their rows are rebuilt with the rest.
        saved_moved = _rows_differ(self._saved, update.saved)
        self._saved = update.saved
        if update.everything is not None:
            self._rebuild(
                {s.feed.id: s for s in update.everything},
                [s.feed.id for s in update.everything],
                update.view_counts,
            )
            return
        summaries = dict(self._summaries)
        rebuild = False
        renamed = False
        found = {s.feed.id for s in update.fresh}
        for summary in update.fresh:
            old = summaries.get(summary.feed.id)
            if old is None or old.feed.tags != summary.feed.tags:
                rebuild = True
            elif old.feed.display_title != summary.feed.display_title:
                renamed = True
            summaries[summary.feed.id] = summary
        for gone in update.changes.feeds - found:
            rebuild = rebuild or summaries.pop(gone, None) is not None
        if set(update.unread) != set(summaries):
            # Feeds came or went in another write this update does not know of.
            self.reload()
            return
        for fid, count in update.unread.items():
            if summaries[fid].unread_count != count:
                summaries[fid] = FeedSummary(feed=summaries[fid].feed, unread_count=count)
        if rebuild or saved_moved or (renamed and not keep_order):
            self._rebuild(summaries, _sorted_ids(summaries.values()), update.view_counts)
            return
        self._order_stale = self._order_stale or renamed
        self._summaries = summaries
        if renamed:
            for summary in update.fresh:
                for node in self._tree.feeds.get(summary.feed.id, ()):
                    node.label = feed_label(summary.feed)
        self._view_counts = dict(update.view_counts)
        self._recount_tags()
        self._emit_counts_changed(update.changes.feeds)

    def settle_order(self) -> None:
        """Put feeds renamed under ``keep_order`` in their place (after a sync)."""
        if self._order_stale:
            self._rebuild(self._summaries, _sorted_ids(self._summaries.values()), None)

    def set_tag_filter(self, tags: frozenset[str]) -> None:
        """Show only feeds carrying one of ``tags`` (or a tag nested below one), under those
        tags. The smart views and their counts stay as they are."""
        tags = frozenset(tags)
        if tags == self._tag_filter:
            return
        self.beginResetModel()
        self._tag_filter = tags
        self._build()
        self.endResetModel()

    def tag_filter(self) -> frozenset[str]:
        return self._tag_filter

    def set_icon_provider(self, provider: IconProvider | None) -> None:
        """Favicons: ``provider(feed_id)`` returns an icon or None (a generic one shows)."""
        self._icon_provider = provider
        self._emit_all(Qt.ItemDataRole.DecorationRole)

    def set_decorations(
        self,
        *,
        views: dict[SmartView, QIcon] | None = None,
        tag: QIcon | None = None,
        feed: QIcon | None = None,
        error: QIcon | None = None,
        search: QIcon | None = None,
    ) -> None:
        """Icons the view draws (it rebuilds them when the palette changes)."""
        if views is not None:
            self._view_icons = dict(views)
        self._search_icon = search or self._search_icon
        self._tag_icon = tag or self._tag_icon
        self._feed_icon = feed or self._feed_icon
        self._error_icon = error or self._error_icon
        self._emit_all(Qt.ItemDataRole.DecorationRole)

    def icon_changed(self, feed_id: int) -> None:
        """A favicon arrived: redraw that feed's rows."""
        for node in self._tree.feeds.get(FeedId(feed_id), ()):
            index = self.createIndex(node.row, 0, node.uid)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def index_of(self, selection: Selection, *, under_tag: str | None = None) -> QModelIndex:
        """The row showing ``selection`` (invalid if hidden or gone). A feed listed under
        several tags is found under ``under_tag`` when it is there, else its first row."""
        if selection.view is not None:
            return self.index(list(SmartView).index(selection.view), 0)
        if selection.saved_search is not None:
            node = self._tree.searches.get(selection.saved_search)
        elif selection.tag is not None:
            node = self._tree.tags.get(selection.tag)
        elif selection.feed_id is not None:
            nodes = self._tree.feeds.get(selection.feed_id, [])
            node = next((n for n in nodes if parent_tag(n) == under_tag), None)
            node = node or (nodes[0] if nodes else None)
        else:
            node = None
        return QModelIndex() if node is None else self.createIndex(node.row, 0, node.uid)

    def selection_at(self, index: Index) -> Selection | None:
        node = self._node(index)
        return None if node is None else node.selection

    def parent_tag_of(self, index: Index) -> str | None:
        """The tag a row sits under, or None at the top level."""
        node = self._node(index)
        return None if node is None else parent_tag(node)

    def feed(self, feed_id: int) -> Feed | None:
        summary = self._summaries.get(FeedId(feed_id))
        return None if summary is None else summary.feed

    def saved_search(self, search_id: int) -> SavedSearch | None:
        return next((s for s in self._saved if s.id == search_id), None)

    def saved_searches(self) -> tuple[SavedSearch, ...]:
        """The saved searches as last read, in the user's order."""
        return self._saved

    def feeds(self) -> list[Feed]:
        """Every feed as last read (the window's one copy of the feed list)."""
        return [summary.feed for summary in self._summaries.values()]

    def count_of(self, selection: Selection) -> int:
        """The count shown beside ``selection``'s row (unread; starred for Starred)."""
        if selection.view is not None:
            return self._view_counts[selection.view]
        if selection.saved_search is not None:
            search = self.saved_search(selection.saved_search)
            return 0 if search is None else search.unread_count
        if selection.tag is not None:
            return self._tag_counts.get(selection.tag, 0)
        summary = self._summaries.get(selection.feed_id) if selection.feed_id else None
        return 0 if summary is None else summary.unread_count

    def tag_paths(self) -> frozenset[str]:
        """Every tag group of the unfiltered tree (ancestors of nested tags included)."""
        return frozenset(
            path
            for s in self._summaries.values()
            for t in s.feed.tags
            for path in tag_and_ancestors(t)
        )

    def visible_feed_ids(self) -> frozenset[FeedId]:
        """Feeds with a row in the tree as filtered now."""
        return frozenset(self._tree.feeds)

    def rows_in_order(self) -> list[QModelIndex]:
        """Every row, depth first, as the tree shows them when fully expanded."""
        return [self.createIndex(n.row, 0, n.uid) for n in self._tree.root.walk()]

    # -- QAbstractItemModel -----------------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = _TOP) -> QModelIndex:
        node = self._node(parent) if parent.isValid() else self._tree.root
        if node is None or column != 0 or not 0 <= row < len(node.children):
            return QModelIndex()
        return self.createIndex(row, 0, node.children[row].uid)

    def parent(self, child: Index = _TOP) -> QModelIndex:  # type: ignore[override]
        node = self._node(child)
        if node is None or node.parent is None or node.parent is self._tree.root:
            return QModelIndex()
        return self.createIndex(node.parent.row, 0, node.parent.uid)

    def rowCount(self, parent: Index = _TOP) -> int:
        if parent.column() > 0:
            return 0
        node = self._node(parent) if parent.isValid() else self._tree.root
        return 0 if node is None else len(node.children)

    def columnCount(self, parent: Index = _TOP) -> int:
        return 1

    def flags(self, index: Index) -> Qt.ItemFlag:
        node = self._node(index)
        if node is None:
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if node.is_feed:
            flags |= Qt.ItemFlag.ItemIsDragEnabled | Qt.ItemFlag.ItemNeverHasChildren
        elif node.is_tag:
            flags |= Qt.ItemFlag.ItemIsDropEnabled
        else:
            flags |= Qt.ItemFlag.ItemNeverHasChildren
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        node = self._node(index)
        if node is None or node.selection is None:
            return None
        selection = node.selection
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return node.label
        if role == SelectionRole:
            return selection
        if role == FeedIdRole:
            return selection.feed_id
        if role == CountRole:
            return self.count_of(selection)
        if role == Qt.ItemDataRole.FontRole:
            return self._font(selection)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._decoration(selection)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(selection)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{node.label}, {self._count_phrase(selection)}"
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(selection)
        return None

    # Drag a feed row onto a tag row: the window tags the feed.

    def mimeTypes(self) -> list[str]:
        return [FEED_MIME_TYPE]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        return feed_ids_mime(fid for i in indexes if (fid := self._feed_id_at(i)) is not None)

    def supportedDropActions(self) -> Qt.DropAction:
        # Copy, never Move: a drop adds a tag, and the view must not remove the dragged row.
        return Qt.DropAction.CopyAction

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        tag = self._drop_tag(parent)
        if tag is None or action not in (Qt.DropAction.CopyAction, Qt.DropAction.MoveAction):
            return False
        return bool(self._untagged_ids(data, tag))

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        tag = self._drop_tag(parent)
        assert tag is not None
        for feed_id in self._untagged_ids(data, tag):
            self.tag_drop_requested.emit(feed_id, tag)
        return True

    # -- building ---------------------------------------------------------------------------

    def _rebuild(
        self,
        summaries: dict[FeedId, FeedSummary],
        order: list[FeedId],
        view_counts: Mapping[SmartView, int] | None,
    ) -> None:
        self.beginResetModel()
        self._summaries = summaries
        self._order = order
        self._order_stale = False
        if view_counts is not None:
            self._view_counts = dict(view_counts)
        self._build()
        self.endResetModel()

    def _build(self) -> None:
        self._tree = build_nodes(self._order, self._summaries, self._tag_filter, self._saved)
        self._recount_tags()

    def _recount_tags(self) -> None:
        self._tag_counts = tag_counts(self._tree.tags, self._summaries)

    # -- refreshing in place ----------------------------------------------------------------

    def _emit_counts_changed(self, feed_ids: Iterable[FeedId]) -> None:
        """Counts may have changed anywhere above a feed; a few rows are cheap to redraw."""
        roles = [
            Qt.ItemDataRole.DisplayRole,
            CountRole,
            Qt.ItemDataRole.FontRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.DecorationRole,
            Qt.ItemDataRole.ForegroundRole,
            Qt.ItemDataRole.AccessibleTextRole,
        ]
        # The smart views and the saved searches: the top rows, counted after every write.
        last_view = len(SmartView) + len(self._saved) - 1
        self.dataChanged.emit(self.index(0, 0), self.index(last_view, 0), roles)
        changed: list[Node] = []
        for fid in feed_ids:
            for node in self._tree.feeds.get(fid, ()):
                parent = node.parent
                while parent is not None and parent is not self._tree.root:
                    changed.append(parent)
                    parent = parent.parent
                changed.append(node)
        for node in {id(n): n for n in changed}.values():
            index = self.createIndex(node.row, 0, node.uid)
            self.dataChanged.emit(index, index, roles)

    def _emit_all(self, role: int) -> None:
        for node in self._tree.root.walk():
            index = self.createIndex(node.row, 0, node.uid)
            self.dataChanged.emit(index, index, [role])

    # -- helpers ----------------------------------------------------------------------------

    def _node(self, index: Index) -> Node | None:
        if not index.isValid() or index.model() is not self:
            return None
        return self._tree.by_uid.get(index.internalId())

    def _feed_id_at(self, index: Index) -> FeedId | None:
        node = self._node(index)
        return None if node is None or node.selection is None else node.selection.feed_id

    def _drop_tag(self, parent: Index) -> str | None:
        """The tag a drop lands on: a tag row, or between the rows inside a tag group."""
        node = self._node(parent)
        if node is None or node.selection is None:
            return None
        return node.selection.tag

    def _untagged_ids(self, data: QMimeData, tag: str) -> list[int]:
        """Feed ids in a drag that do not carry ``tag`` yet (an unknown or garbled drag:
        none)."""
        found = []
        for feed_id in dragged_feed_ids(data):
            summary = self._summaries.get(feed_id)
            if summary is not None and tag not in summary.feed.tags:
                found.append(int(feed_id))
        return found

    def _font(self, selection: Selection) -> QFont | None:
        if selection.view is SmartView.STARRED or self.count_of(selection) == 0:
            return None
        # Only the weight is set: the delegate resolves the rest against the view's font.
        font = QFont()
        font.setBold(True)
        return font

    def _decoration(self, selection: Selection) -> QIcon | None:
        if selection.view is not None:
            return self._view_icons.get(selection.view)
        if selection.saved_search is not None:
            return self._search_icon or _style_icon(QStyle.StandardPixmap.SP_FileDialogContentsView)
        if selection.tag is not None:
            return self._tag_icon or _style_icon(QStyle.StandardPixmap.SP_DirIcon)
        assert selection.feed_id is not None
        feed = self._summaries[selection.feed_id].feed
        if feed_is_failing(feed):
            return self._error_icon or _style_icon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        icon = self._icon_provider(feed.id) if self._icon_provider is not None else None
        return icon if icon is not None and not icon.isNull() else self._feed_icon

    def _tooltip(self, selection: Selection) -> str | None:
        if selection.saved_search is not None:
            search = self.saved_search(selection.saved_search)
            if search is None:
                return None
            return saved_search_tooltip(search.name, search.query, self._count_phrase(selection))
        if selection.feed_id is not None:
            summary = self._summaries[selection.feed_id]
            return feed_tooltip(summary.feed, summary.unread_count)
        if selection.tag is not None:
            feeds = len(feed_ids_under(self._tree.tags[selection.tag]))
            return tag_tooltip(selection.tag, feeds, self._count_phrase(selection))
        return None

    def _count_phrase(self, selection: Selection) -> str:
        starred = selection.view is SmartView.STARRED
        return count_phrase(self.count_of(selection), starred=starred)

    def _foreground(self, selection: Selection) -> QBrush | None:
        """Feeds whose updates are stopped are greyed: they will not get new articles."""
        if selection.feed_id is None:
            return None
        if self._summaries[selection.feed_id].feed.updates_enabled:
            return None
        palette = QGuiApplication.palette()
        return palette.brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)


def _style_icon(pixmap: QStyle.StandardPixmap) -> QIcon:
    return QApplication.style().standardIcon(pixmap)


__all__ = [
    "FEED_MIME_TYPE",
    "CountRole",
    "FeedIdRole",
    "FeedTreeModel",
    "IconProvider",
    "Index",
    "SelectionRole",
]


def _rows_differ(old: Sequence[SavedSearch], new: Sequence[SavedSearch]) -> bool:
    """Whether the saved searches' rows differ (ids, names, order), counts aside."""
    return [(s.id, s.name) for s in old] != [(s.id, s.name) for s in new]


def _sorted_ids(summaries: Iterable[FeedSummary]) -> list[FeedId]:
    """The library's order: by the title the user sees, then by id."""
    ordered = sorted(summaries, key=lambda s: (s.feed.display_title.casefold(), s.feed.id))
    return [s.feed.id for s in ordered]
