"""The feed list (left pane): smart views, tags and feeds, with counts at the right edge.

The tree keeps three things across model resets (feeds added or removed, the tag filter
changed): the current row, found again by its ``Selection``; the tags the user collapsed;
and quiet: a reset that ends on the same Selection emits nothing, so the article list does
not reload for a count change.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
    SignalInstance,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QContextMenuEvent,
    QFontMetrics,
    QIcon,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QWidget,
)

from reader_app.ui.models.feed_tree import CountRole, FeedTreeModel
from reader_app.ui.selection import ALL, Selection, SmartView

Index = QModelIndex | QPersistentModelIndex

_BADGE_GAP = 6  # pixels between an elided title and its count
_BADGE_MARGIN = 4  # pixels between the count and the row's right edge
_ROW_PADDING = 6  # pixels added to a row's natural height


def count_text(count: int) -> str:
    return f"{count:,}" if count < 100_000 else "99,999+"


class CountDelegate(QStyledItemDelegate):
    """Draws the row as usual with its title elided short of the count, then the count
    right-aligned (bold with the row when it is unread, dimmer when the row is not).

    ``count_role`` holds the number (0 or None: no count).
    """

    def __init__(self, count_role: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._count_role = count_role

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        # A little air between rows: the list is read, and clicked, all day.
        size = super().sizeHint(option, index)
        return QSize(size.width(), size.height() + _ROW_PADDING)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        count = int(index.data(self._count_role) or 0)
        if count <= 0:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        metrics = QFontMetrics(opt.font)
        text = count_text(count)
        badge = metrics.horizontalAdvance(text)
        text_rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget)
        room = text_rect.right() - (opt.rect.right() - _BADGE_MARGIN - badge) + _BADGE_GAP
        opt.text = metrics.elidedText(
            opt.text,
            opt.textElideMode,
            max(text_rect.width() - max(room, 0), 0),
        )
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)

        rect: QRect = opt.rect
        badge_rect = QRect(rect.right() - _BADGE_MARGIN - badge, rect.top(), badge, rect.height())
        palette: QPalette = opt.palette
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        if selected:
            color = palette.color(QPalette.ColorRole.HighlightedText)
        elif opt.font.bold():
            color = palette.color(QPalette.ColorRole.Text)
        else:
            color = palette.color(QPalette.ColorRole.PlaceholderText)
        painter.save()
        painter.setFont(opt.font)
        painter.setPen(color)
        painter.drawText(
            badge_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text
        )
        painter.restore()


class FeedTree(QTreeView):
    """The feed list over a ``FeedTreeModel``.

    Signals carry a ``Selection`` (views, tags, feeds) or a feed id (feed-only requests);
    the window opens the dialogs and does the writes.
    """

    selection_changed = Signal(object)  # Selection: the current row changed
    refresh_requested = Signal(object)  # Selection
    mark_all_read_requested = Signal(object)  # Selection
    rename_requested = Signal(int)
    edit_tags_requested = Signal(int)
    properties_requested = Signal(int)
    remove_requested = Signal(int)
    edit_search_requested = Signal(int)  # a saved search's id
    remove_search_requested = Signal(int)

    def __init__(self, model: FeedTreeModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._collapsed: set[str] = set()
        self._emitted: Selection | None = None
        self._saved: tuple[Selection, str | None] | None = None
        self._restoring = False
        self.setModel(model)
        self.setHeaderHidden(True)
        self.setUniformRowHeights(True)
        self.setItemDelegate(CountDelegate(CountRole, self))
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setDropIndicatorShown(True)
        self.setAccessibleName("Feeds")
        self._set_icons()
        self.selectionModel().currentChanged.connect(self._on_current_changed)
        self.expanded.connect(lambda index: self._note_expanded(index, expanded=True))
        self.collapsed.connect(lambda index: self._note_expanded(index, expanded=False))
        model.modelAboutToBeReset.connect(self._before_reset)
        model.modelReset.connect(self._after_reset)
        self._apply_expanded()

    # -- selection --------------------------------------------------------------------------

    def current_selection(self) -> Selection | None:
        return self._model.selection_at(self.currentIndex())

    def select(self, selection: Selection, *, under_tag: str | None = None) -> bool:
        """Make ``selection``'s row current; False if it is not in the tree (then nothing
        changes)."""
        index = self._model.index_of(selection, under_tag=under_tag)
        if not index.isValid():
            return False
        self.setCurrentIndex(index)
        self.scrollTo(index)
        return True

    def move_to_feed(self, step: int, unread_only: bool = False, *, wrap: bool = False) -> bool:
        """Go to the next (``step`` > 0) or previous feed row in display order, skipping other
        rows of the current feed; with ``unread_only`` only feeds with unread articles count.
        Collapsed tags are entered (and opened). False when there is no such feed."""
        rows = self._model.rows_in_order()
        if step < 0:
            rows.reverse()
        current = self.currentIndex()
        current_sel = self.current_selection()
        position = next((i for i, r in enumerate(rows) if r == current), -1)
        order = rows[position + 1 :] + (rows[: position + 1] if wrap else [])
        for index in order:
            selection = self._model.selection_at(index)
            if selection is None or selection.feed_id is None or selection == current_sel:
                continue
            if unread_only and self._model.count_of(selection) == 0:
                continue
            self.setCurrentIndex(index)
            self.scrollTo(index)
            return True
        return False

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._restoring:
            return
        selection = self._model.selection_at(current)
        if selection is not None and selection != self._emitted:
            self._emitted = selection
            self.selection_changed.emit(selection)

    # -- expanded tags ----------------------------------------------------------------------

    def expanded_tags(self) -> frozenset[str]:
        """Tags shown open (tags hidden by the tag filter keep their state)."""
        return self._model.tag_paths() - self._collapsed

    def restore_expanded(self, tags: Iterable[str]) -> None:
        """Open exactly ``tags`` (tags not known yet open when they appear)."""
        self._collapsed = set(self._model.tag_paths() - set(tags))
        self._apply_expanded()

    def _note_expanded(self, index: QModelIndex, *, expanded: bool) -> None:
        if self._restoring:
            return
        selection = self._model.selection_at(index)
        if selection is None or selection.tag is None:
            return
        if expanded:
            self._collapsed.discard(selection.tag)
        else:
            self._collapsed.add(selection.tag)

    def _apply_expanded(self) -> None:
        was_restoring, self._restoring = self._restoring, True
        try:
            for index in self._model.rows_in_order():
                selection = self._model.selection_at(index)
                if selection is not None and selection.tag is not None:
                    self.setExpanded(index, selection.tag not in self._collapsed)
        finally:
            self._restoring = was_restoring

    # -- model resets -----------------------------------------------------------------------

    def _before_reset(self) -> None:
        current = self.currentIndex()
        selection = self._model.selection_at(current)
        self._saved = None if selection is None else (selection, self._model.parent_tag_of(current))
        self._restoring = True

    def _after_reset(self) -> None:
        try:
            self._apply_expanded()
            if self._saved is None:
                return
            selection, under_tag = self._saved
            if self.select(selection, under_tag=under_tag):
                return
            # The row is gone (feed removed, or hidden by the tag filter): its tag, else All.
            if under_tag is None or not self.select(Selection(tag=under_tag)):
                self.select(ALL)
        finally:
            self._restoring = False
            self._saved = None
        self._on_current_changed(self.currentIndex(), QModelIndex())

    # -- context menu -----------------------------------------------------------------------

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if event.reason() == QContextMenuEvent.Reason.Keyboard:
            index = self.currentIndex()
            pos = self.visualRect(index).bottomLeft()
        else:
            pos = event.pos()
            index = self.indexAt(pos)
        menu = self.menu_for(index)
        if menu is None:
            return
        menu.exec(self.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def menu_for(self, index: Index) -> QMenu | None:
        """The context menu of a row (its actions emit this widget's request signals)."""
        selection = self._model.selection_at(index)
        if selection is None:
            return None
        menu = QMenu(self)

        def add(
            text: str, signal: SignalInstance, value: object, *, enabled: bool = True
        ) -> QAction:
            action = menu.addAction(text)
            action.setEnabled(enabled)
            action.triggered.connect(lambda: signal.emit(value))
            return action

        unread = self._model.count_of(selection) > 0 or selection.view is SmartView.STARRED
        if not selection.is_view:
            add("&Refresh", self.refresh_requested, selection)
        add("&Mark All as Read", self.mark_all_read_requested, selection, enabled=unread)
        if selection.saved_search is not None:
            search_id = int(selection.saved_search)
            menu.addSeparator()
            add("&Edit Saved Search…", self.edit_search_requested, search_id)
            add("Remo&ve Saved Search…", self.remove_search_requested, search_id)
        if selection.feed_id is not None:
            feed_id = int(selection.feed_id)
            menu.addSeparator()
            add("Re&name…", self.rename_requested, feed_id)
            add("Edit &Tags…", self.edit_tags_requested, feed_id)
            add("P&roperties…", self.properties_requested, feed_id)
            menu.addSeparator()
            add("Remo&ve…", self.remove_requested, feed_id)
        return menu

    # -- palette-following icons ------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._set_icons()

    def _set_icons(self) -> None:
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.Text)
        accent = palette.color(QPalette.ColorRole.Highlight)
        self._model.set_decorations(
            views={
                SmartView.ALL: _glyph(lambda p: _draw_list(p, text)),
                SmartView.UNREAD: _glyph(lambda p: _draw_dot(p, accent)),
                SmartView.STARRED: _glyph(lambda p: _draw_star(p, QColor(0xE8, 0xA8, 0x00))),
                SmartView.TODAY: _glyph(lambda p: _draw_calendar(p, text, accent)),
            },
            tag=_glyph(lambda p: _draw_tag(p, text)),
            feed=_glyph(_draw_feed),
            search=_glyph(lambda p: _draw_magnifier(p, text)),
        )

    def sizeHint(self) -> QSize:
        return QSize(240, 400)


# -- glyphs: small icons drawn in the palette's colours, so they read on light and dark -------


def _glyph(draw: Callable[[QPainter], None]) -> QIcon:
    """An icon drawn on a 16-unit square at several sizes (crisp on high-density screens)."""
    icon = QIcon()
    for size in (16, 24, 32, 48):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.scale(size / 16, size / 16)
        draw(painter)
        painter.end()
        icon.addPixmap(pixmap)
    return icon


def _draw_list(p: QPainter, color: QColor) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    for y in (3.0, 7.0, 11.0):
        p.drawRoundedRect(QRectF(2, y, 12, 2), 1, 1)


def _draw_dot(p: QPainter, color: QColor) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    p.drawEllipse(QPointF(8, 8), 4.5, 4.5)


def _draw_star(p: QPainter, color: QColor) -> None:
    points = []
    for i in range(10):
        radius = 7.0 if i % 2 == 0 else 3.0
        angle = -math.pi / 2 + i * math.pi / 5
        points.append(QPointF(8 + radius * math.cos(angle), 8.6 + radius * math.sin(angle)))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    p.drawPolygon(QPolygonF(points))


def _draw_calendar(p: QPainter, color: QColor, accent: QColor) -> None:
    p.setPen(QPen(color, 1.3))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRoundedRect(QRectF(2, 3, 12, 11), 1.5, 1.5)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    p.drawRect(QRectF(2, 3, 12, 3))
    p.setBrush(accent)
    p.drawRect(QRectF(8.5, 9, 3, 3))


def _draw_magnifier(p: QPainter, color: QColor) -> None:
    """A saved search: a magnifying glass, in the text colour (readable on a selected row)."""
    p.setPen(QPen(color, 1.6))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawEllipse(QPointF(6.5, 6.5), 4.2, 4.2)
    pen = QPen(color, 2.2)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    p.drawLine(QPointF(9.7, 9.7), QPointF(14, 14))


def _draw_tag(p: QPainter, color: QColor) -> None:
    path = QPainterPath()
    path.addPolygon(
        QPolygonF(
            [
                QPointF(1.5, 8),
                QPointF(5.5, 3.5),
                QPointF(14.5, 3.5),
                QPointF(14.5, 12.5),
                QPointF(5.5, 12.5),
            ]
        )
    )
    path.closeSubpath()
    hole = QPainterPath()
    hole.addEllipse(QPointF(6, 8), 1.3, 1.3)
    p.setPen(QPen(color, 1.3))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPath(path.subtracted(hole))
    p.drawEllipse(QPointF(6, 8), 1.1, 1.1)


def _draw_feed(p: QPainter) -> None:
    """The familiar web-feed mark, for feeds without a favicon."""
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(0xF2, 0x8C, 0x28))
    p.drawRoundedRect(QRectF(1, 1, 14, 14), 3, 3)
    white = QColor(Qt.GlobalColor.white)
    p.setBrush(white)
    p.drawEllipse(QPointF(4.6, 11.4), 1.5, 1.5)
    pen = QPen(white, 1.8)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    for radius in (5.0, 8.8):
        p.drawArc(QRectF(4.6 - radius, 11.4 - radius, 2 * radius, 2 * radius), 0, 90 * 16)
