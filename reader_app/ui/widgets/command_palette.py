"""The command palette (Ctrl+K): type a few letters of any command, feed or tag, press Return.

A frameless popup near the top of the window: a search field over a list of the best
matches (ranked in ``reader_app.ui.models.command_palette``). The keys stay in the field:
Up, Down, Page Up and Page Down move in the list, Return chooses, Escape closes.

Feed titles and tag names come from the web or the user: the delegate paints them as plain
text, elided, and they never reach a rich-text widget.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QLabel,
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from reader_app.domain import Feed, FeedSummary, TagSummary
from reader_app.domain.saved_search import SavedSearch
from reader_app.ui.models.command_palette import (
    Candidate,
    DetailRole,
    Kind,
    PaletteModel,
    TrailingRole,
    action_candidates,
    feed_candidates,
    rank,
    saved_search_candidates,
    tag_candidates,
)

Index = QModelIndex | QPersistentModelIndex

_RECENT_LIMIT = 5  # commands remembered, to offer first in an empty palette
_VISIBLE_ROWS = 12


class RowDelegate(QStyledItemDelegate):
    """Title, dim detail after it, trailing text at the right: all painted as plain text
    (``drawText`` never reads markup), the title elided to the row (a feed title can be a
    paragraph long)."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(200, option.fontMetrics.height() + 10)

    def pieces(self, option: QStyleOptionViewItem, index: Index) -> list[tuple[QRect, str, bool]]:
        """What a row paints: (where, text, dim) for the title, detail and trailing text."""
        rect = option.rect.adjusted(10, 0, -10, 0)
        metrics = option.fontMetrics
        trailing = str(index.data(TrailingRole) or "")
        detail = str(index.data(DetailRole) or "")
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        found: list[tuple[QRect, str, bool]] = []
        right = rect.right()
        if trailing:
            width = metrics.horizontalAdvance(trailing)
            found.append((QRect(right - width, rect.top(), width, rect.height()), trailing, True))
            right -= width + 16
        detail_width = metrics.horizontalAdvance(detail) + 12 if detail else 0
        room = max(0, right - rect.left() - detail_width)
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, room)
        used = min(room, metrics.horizontalAdvance(shown))
        found.append((QRect(rect.left(), rect.top(), used + 1, rect.height()), shown, False))
        if detail and right - rect.left() - used >= detail_width:
            left = rect.left() + used + 12
            found.append((QRect(left, rect.top(), right - left, rect.height()), detail, True))
        return found

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""  # the style draws the row's background and focus, not its text
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        enabled = bool(opt.state & QStyle.StateFlag.State_Enabled)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = QPalette.ColorGroup.Normal if enabled else QPalette.ColorGroup.Disabled
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        main = opt.palette.color(group, role)
        # Dim text on a selected or disabled row would vanish: it takes the main colour.
        dim = (
            opt.palette.color(group, QPalette.ColorRole.PlaceholderText)
            if enabled and not selected
            else main
        )
        flags = int(
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextSingleLine
        )
        painter.save()
        for rect, text, is_dim in self.pieces(opt, index):
            painter.setPen(dim if is_dim else main)
            painter.drawText(rect, flags, text)
        painter.restore()


_KEYS_TO_LIST = {
    Qt.Key.Key_Up,
    Qt.Key.Key_Down,
    Qt.Key.Key_PageUp,
    Qt.Key.Key_PageDown,
}


class CommandPalette(QFrame):
    """The popup. Open it with ``open_with(feeds, tags)``; choosing a row closes it and emits
    one of the signals; Escape or a click elsewhere closes it without a choice."""

    action_chosen = Signal(str)
    feed_chosen = Signal(int)
    tag_chosen = Signal(str)
    saved_search_chosen = Signal(int)

    def __init__(self, actions: Mapping[str, QAction], parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("command_palette")
        # A visible edge on the dark palette too, where the style's own frame is near black
        # on near black. palette(mid) follows the palette the popup is polished with.
        self.setStyleSheet(
            "QFrame#command_palette { border: 1px solid palette(mid);"
            " background: palette(window); }"
        )
        self._actions = actions
        self._host = parent
        self._recent: list[str | int] = []

        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Type a command, a feed or a tag")
        self.search.setAccessibleName("Search commands, feeds and tags")
        self.model = PaletteModel(self)
        self.list = QListView(self)
        self.list.setModel(self.model)
        self.delegate = RowDelegate(self.list)
        self.list.setItemDelegate(self.delegate)
        self.list.setUniformItemSizes(True)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # typing always goes to the field
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setFrameShape(QFrame.Shape.NoFrame)
        self.list.setAccessibleName("Matches")
        self.empty = QLabel(self)
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        self.empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.empty.setContentsMargins(10, 6, 10, 6)
        self.empty.hide()

        layout = self._layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty)

        self.search.textChanged.connect(self._filter)
        self.search.installEventFilter(self)
        self.list.clicked.connect(self._choose_index)

    # --- public -------------------------------------------------------------------------

    def open_with(
        self,
        feeds: Iterable[FeedSummary | Feed] = (),
        tags: Iterable[str | TagSummary] = (),
        searches: Iterable[SavedSearch] = (),
    ) -> None:
        """Show the palette over its window with an empty query, offering every command
        (as enabled or checked as it is now), the given feeds, tags and saved searches."""
        candidates = (
            action_candidates(self._actions)
            + feed_candidates(feeds)
            + saved_search_candidates(searches)
            + tag_candidates(tags)
        )
        self.model.set_candidates(candidates)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self._filter("")
        self._place()
        self.show()
        self.raise_()
        self.activateWindow()
        self.search.setFocus()

    def shown(self) -> list[Candidate]:
        """The rows in the list now, in order."""
        return [self.model.candidate(row) for row in range(self.model.rowCount())]

    def current(self) -> Candidate | None:
        index = self.list.currentIndex()
        return self.model.candidate(index.row()) if index.isValid() else None

    def choose_current(self) -> None:
        self._choose_index(self.list.currentIndex())

    # --- events -------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.search
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
        ):
            key = Qt.Key(event.key())
            if key in _KEYS_TO_LIST:
                self._move(key)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.choose_current()
                return True
            if key == Qt.Key.Key_Escape:
                self.close()
                return True
        return super().eventFilter(watched, event)

    # --- inside -------------------------------------------------------------------------

    def _filter(self, text: str) -> None:
        rows = rank(self.model.candidates(), text, self._recent)
        self.model.show_rows(rows)
        first = self._enabled_row(0, 1)
        if first is not None:
            self.list.setCurrentIndex(self.model.index(first))
            self.list.scrollTo(self.model.index(first))
        has_rows = bool(rows)
        self.list.setVisible(has_rows)
        self.empty.setVisible(not has_rows)
        if not has_rows:
            self.empty.setText(f"Nothing matches “{' '.join(text.split())}”.")
        if self.isVisible():
            self._fit_height()

    def _enabled_row(self, start: int, step: int) -> int | None:
        """The first row from ``start`` in direction ``step`` that can be chosen."""
        row = start
        while 0 <= row < self.model.rowCount():
            if self.model.candidate(row).enabled:
                return row
            row += step
        return None

    def _move(self, key: Qt.Key) -> None:
        count = self.model.rowCount()
        if not count:
            return
        current = self.list.currentIndex().row() if self.list.currentIndex().isValid() else -1
        page = max(1, self.list.viewport().height() // max(1, self.list.sizeHintForRow(0)) - 1)
        step = {
            Qt.Key.Key_Up: -1,
            Qt.Key.Key_Down: 1,
            Qt.Key.Key_PageUp: -page,
            Qt.Key.Key_PageDown: page,
        }[key]
        target = min(max(current + step, 0), count - 1)
        direction = 1 if step > 0 else -1
        # Skip rows that cannot be chosen; at the end of the list, look back the other way.
        found = self._enabled_row(target, direction)
        if found is None:
            found = self._enabled_row(target, -direction)
        if found is not None:
            self.list.setCurrentIndex(self.model.index(found))
            self.list.scrollTo(self.model.index(found))

    def _choose_index(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        item = self.model.candidate(index.row())
        if item.kind is Kind.ACTION:
            action = self._actions.get(str(item.key))
            if action is None or not action.isEnabled():
                return  # disabled since the palette opened, or never enabled
        self.close()
        if item.kind is Kind.ACTION:
            self._remember(item.key)
            self.action_chosen.emit(str(item.key))
        elif item.kind is Kind.FEED:
            self.feed_chosen.emit(int(item.key))
        elif item.kind is Kind.SEARCH:
            self.saved_search_chosen.emit(int(item.key))
        else:
            self.tag_chosen.emit(str(item.key))

    def _remember(self, key: str | int) -> None:
        if key in self._recent:
            self._recent.remove(key)
        self._recent.insert(0, key)
        del self._recent[_RECENT_LIMIT:]

    def _fit_height(self) -> None:
        """Just tall enough for the matches, up to a dozen rows (then the list scrolls)."""
        count = self.model.rowCount()
        if count:
            rows = min(count, _VISIBLE_ROWS)
            self.list.setFixedHeight(
                rows * self.list.sizeHintForRow(0) + 2 * self.list.frameWidth()
            )
        self._layout.activate()
        height = self._layout.sizeHint().height()
        if height != self.height():  # resizing a window is not free: only when it changes
            self.resize(self.width(), height)

    def _place(self) -> None:
        """Centred across the window, near its top, as wide as reads well."""
        window = self._host.window()
        width = min(max(window.width() // 2, 480), 680, window.width() - 24)
        self.resize(width, self.height())
        self._fit_height()
        top_left = window.mapToGlobal(QPoint(0, 0))
        x = top_left.x() + (window.width() - width) // 2
        y = top_left.y() + max(40, window.height() // 10)
        self.move(x, y)
