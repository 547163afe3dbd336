"""The article list: a table over ``ArticleTableModel``.

A ``QTableView``, not a ``QTreeView``: a tree view asks the model ``rowCount`` and
``columnCount`` once per row whenever it lays the list out (it looks for children), which is
~0.5 s of Python at 200,000 rows; a table view asks once.

It turns the user's moves into signals and leaves writes to the window: the window marks
read, stars or opens, then hands the ``Changes`` to ``model.apply_changes``.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QContextMenuEvent, QFocusEvent, QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView, QWidget

from reader_app.domain import EntryId
from reader_app.ui.models.article_table import DATE, FEED, STAR, TITLE, ArticleTableModel
from reader_app.ui.widgets.result_delegate import ResultDelegate

Index = QModelIndex | QPersistentModelIndex

# Past this many selected rows the context menu does not read their states to decide which
# actions apply: every action is offered.
_MENU_STATE_LIMIT: Final = 500
_SELECT_ROW = (
    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
)


class ArticleList(QTableView):
    """The articles of the selected feed, tag or view.

    Signals: ``current_entry_changed(EntryId | None)`` when the current article changes;
    ``mark_read_due(EntryId)`` when an unread article has stayed current for the mark-read
    delay; ``state_change_requested(tuple[EntryId, ...], field, value)`` with field
    ``"read"`` or ``"starred"``; ``open_requested(tuple[EntryId, ...])``.
    """

    current_entry_changed = Signal(object)
    mark_read_due = Signal(object)
    state_change_requested = Signal(object, str, bool)
    open_requested = Signal(object)

    def __init__(
        self,
        model: ArticleTableModel,
        parent: QWidget | None = None,
        *,
        mark_read_on_select: bool = True,
        mark_read_delay_ms: int = 500,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._mark_read_on_select = mark_read_on_select
        self._mark_read_delay_ms = max(0, mark_read_delay_ms)
        self._current: EntryId | None = None
        self._anchor: tuple[EntryId, int] | None = None
        self._due = QTimer(self)
        self._due.setSingleShot(True)
        self._due.timeout.connect(self._on_due)
        self._due_id: EntryId | None = None
        self._menu = QMenu(self)
        self._focusing = False
        self._unmarked: EntryId | None = None  # the next current article stays unread

        self.setModel(model)
        self._configure()
        selection = self.selectionModel()
        selection.currentChanged.connect(self._on_current_changed)
        model.modelReset.connect(self._fit_rows)
        model.modelReset.connect(self._follow_current)
        model.rowsRemoved.connect(self._follow_current)
        model.layoutAboutToBeChanged.connect(self._remember_anchor)
        model.layoutChanged.connect(self._restore_anchor)

    def _configure(self) -> None:
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSortingEnabled(False)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTabKeyNavigation(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.DefaultContextMenu)
        self.setAccessibleName("Articles")

        rows = self.verticalHeader()
        rows.hide()
        # Uniform rows: a height from the font, never measured per row (that would read
        # every row's data).
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self._fit_rows()
        # Search results show a snippet under the title (two lines, see _fit_rows).
        self.setItemDelegateForColumn(TITLE, ResultDelegate(self))

        header = self.horizontalHeader()
        header.setSectionsClickable(False)
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        metrics = self.fontMetrics()
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(FEED, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(DATE, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(STAR, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(FEED, metrics.horizontalAdvance("M") * 14)
        header.resizeSection(DATE, metrics.horizontalAdvance("0000-00-00") + 24)
        header.resizeSection(STAR, metrics.horizontalAdvance("★") + 20)
        header.setMinimumSectionSize(metrics.horizontalAdvance("★") + 12)

    def _fit_rows(self) -> None:
        """One line per row; two for search results, whose snippet sits under the title."""
        lines = 2 if self._model.search is not None else 1
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() * lines + 8)

    # Settings

    def configure_mark_read(self, *, enabled: bool, delay_ms: int) -> None:
        """Mark the current article read after ``delay_ms`` (``reading.mark_read_on_select``
        and ``reading.mark_read_delay_ms``)."""
        self.set_mark_read_on_select(enabled)
        self.set_mark_read_delay_ms(delay_ms)

    def set_mark_read_on_select(self, enabled: bool) -> None:
        self._mark_read_on_select = enabled
        if not enabled:
            self._due.stop()

    def set_mark_read_delay_ms(self, delay_ms: int) -> None:
        self._mark_read_delay_ms = max(0, delay_ms)

    # Reading the selection

    def current_entry_id(self) -> EntryId | None:
        index = self.currentIndex()
        if not index.isValid():
            return None
        return self._model.entry_id(index.row())

    def selected_ids(self) -> tuple[EntryId, ...]:
        """The selected articles, top to bottom."""
        rows: set[int] = set()
        selection = self.selectionModel().selection()
        for n in range(selection.size()):
            selected = selection.at(n)
            rows.update(range(selected.top(), selected.bottom() + 1))
        return tuple(self._model.entry_id(row) for row in sorted(rows))

    # Moving

    def select_entry(self, entry_id: int, *, mark_read: bool = True) -> bool:
        """Make ``entry_id`` the current and only selected article and scroll to it.

        ``mark_read=False`` (restoring the last session's article) leaves it unread.
        False when the list does not have it.
        """
        row = self._model.row_of(entry_id)
        if row is None and not self._model.complete:
            self._model.ensure_complete()
            row = self._model.row_of(entry_id)
        if row is None:
            return False
        if not mark_read:
            self._unmarked = EntryId(entry_id)
            if self._current == entry_id:
                self._due.stop()
        self._make_current(row)
        return True

    def move_current(self, step: int) -> bool:
        """Move the current article ``step`` rows down (up when negative); from no current
        article, go to the first. False when there is no row there."""
        count = self._model.rowCount()
        current = self.currentIndex()
        row = current.row() + step if current.isValid() else 0
        if row >= count and self._model.canFetchMore(QModelIndex()):
            self._model.fetchMore(QModelIndex())
            count = self._model.rowCount()
        if not 0 <= row < count:
            return False
        self._make_current(row)
        return True

    def next_unread(self, after_current: bool = True) -> EntryId | None:
        """Go to the next unread article of this list (below the current one, or from the
        top) and return it; None, without moving, when there is none."""
        current = self.currentIndex()
        after = current.row() if after_current and current.isValid() else None
        return self._go_to(self._model.next_unread_row(after))

    def previous_unread(self) -> EntryId | None:
        """Go to the nearest unread article above the current one (from the bottom if there
        is no current article) and return it; None, without moving, when there is none."""
        current = self.currentIndex()
        after = current.row() if current.isValid() else None
        return self._go_to(self._model.next_unread_row(after, backward=True))

    def _go_to(self, row: int | None) -> EntryId | None:
        if row is None:
            return None
        self._make_current(row)
        return self._model.entry_id(row)

    def _make_current(self, row: int) -> None:
        index = self._model.index(row, TITLE)
        self.selectionModel().setCurrentIndex(index, _SELECT_ROW)
        self.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)

    # The current article and marking it read

    def focusInEvent(self, event: QFocusEvent) -> None:
        """Focus alone opens no article: Qt makes the first row current when a list without
        one gets focus, which would show it and, after the delay, mark it read."""
        had_current = self.currentIndex().isValid()
        self._focusing = not had_current
        try:
            super().focusInEvent(event)
        finally:
            self._focusing = False
        if not had_current and not self.selectionModel().hasSelection():
            self.selectionModel().clearCurrentIndex()

    def _on_current_changed(self, _current: Index, _previous: Index) -> None:
        if not self._focusing:
            self._follow_current()

    def _follow_current(self) -> None:
        entry_id = self.current_entry_id()
        if entry_id == self._current:
            return
        self._current = entry_id
        self._due.stop()
        self._due_id = entry_id
        unmarked, self._unmarked = self._unmarked, None
        if entry_id is not None and self._mark_read_on_select and entry_id != unmarked:
            self._due.start(self._mark_read_delay_ms)
        self.current_entry_changed.emit(entry_id)

    def _on_due(self) -> None:
        entry_id = self.current_entry_id()
        if entry_id is None or entry_id != self._due_id or not self._mark_read_on_select:
            return
        item = self._model.item(self.currentIndex().row())
        if item is not None and not item.read:
            self.mark_read_due.emit(entry_id)

    # Keeping the reader's place when rows move

    def _remember_anchor(self) -> None:
        """Before the list changes: the article to keep in place (the current one if it is
        on screen, else the top one) and its distance from the top of the viewport."""
        self._anchor = None
        height = self.viewport().height()
        current = self.currentIndex()
        row = -1
        if current.isValid():
            top = self.rowViewportPosition(current.row())
            if -self.rowHeight(current.row()) < top < height:
                row = current.row()
        if row < 0:
            row = self.rowAt(0)
        if row >= 0:
            self._anchor = (self._model.entry_id(row), self.rowViewportPosition(row))

    def _restore_anchor(self) -> None:
        if self._anchor is None:
            return
        entry_id, top = self._anchor
        self._anchor = None
        row = self._model.row_of(entry_id)
        if row is None:
            return
        self.updateGeometries()  # the scroll range for the new row count
        position = self.verticalHeader().sectionPosition(row)
        self.verticalScrollBar().setValue(position - top)

    # The context menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        position = event.globalPos()
        current = self.currentIndex()
        if event.reason() == QContextMenuEvent.Reason.Keyboard and current.isValid():
            # From the menu key: beside the current row, not wherever the mouse is.
            position = self.viewport().mapToGlobal(self.visualRect(current).bottomLeft())
        self._fill_menu(ids).exec(position)

    def _fill_menu(self, ids: tuple[EntryId, ...]) -> QMenu:
        # One menu, refilled: a menu deleted later (deleteLater) crashed PySide when its
        # view was deleted before the deferred delete ran.
        menu = self._menu
        menu.clear()
        items = self._model.items(ids) if len(ids) <= _MENU_STATE_LIMIT else None
        unread = items is None or any(not i.read for i in items)
        read = items is None or any(i.read for i in items)
        unstarred = items is None or any(not i.starred for i in items)
        starred = items is None or any(i.starred for i in items)
        linked = items is None or any(i.link for i in items)

        def add(text: str, enabled: bool, slot: object) -> QAction:
            action = menu.addAction(text)
            action.setEnabled(enabled)
            action.triggered.connect(slot)
            return action

        add("Mark read", unread, lambda: self.state_change_requested.emit(ids, "read", True))
        add("Mark unread", read, lambda: self.state_change_requested.emit(ids, "read", False))
        menu.addSeparator()
        add("Star", unstarred, lambda: self.state_change_requested.emit(ids, "starred", True))
        add("Unstar", starred, lambda: self.state_change_requested.emit(ids, "starred", False))
        menu.addSeparator()
        add("Open in browser", linked, lambda: self.open_requested.emit(ids))
        add("Copy link" if len(ids) == 1 else "Copy links", linked, lambda: self._copy_links(ids))
        return menu

    def _copy_links(self, ids: tuple[EntryId, ...]) -> None:
        links = [item.link for item in self._model.items(ids) if item.link]
        if links:
            QGuiApplication.clipboard().setText("\n".join(links))
