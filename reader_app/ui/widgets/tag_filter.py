"""The tag filter above the lists: "Tags: any" or "Tags: News, Tech", a popup to choose.

The popup is a search field over a checkable list: typing narrows the list, Up/Down move,
Return or Space checks, Escape closes. Each change applies at once (``changed``), so the
tree and the article list follow while the popup is still open.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QStyle,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from reader_app.library import Library
from reader_app.ui.models.tag_filter import FeedCountRole, TagFilterModel, TagRole
from reader_app.ui.widgets.feed_tree import CountDelegate

Index = QModelIndex | QPersistentModelIndex

_MAX_LABEL_PX = 220  # the button's text past this width becomes "News, Tech +3"
_POPUP_SIZE = (300, 340)
_NAVIGATION_KEYS = {
    Qt.Key.Key_Up,
    Qt.Key.Key_Down,
    Qt.Key.Key_PageUp,
    Qt.Key.Key_PageDown,
}


def _mnemonic_safe(text: str) -> str:
    """A tag named "R&D" must not turn into an underlined "D" shortcut on a button."""
    return text.replace("&", "&&")


class _ToggleDelegate(CountDelegate):
    """A click anywhere on a row checks or unchecks it, not only on the small box."""

    def editorEvent(
        self,
        event: QEvent,
        model: QAbstractItemModel,
        option: QStyleOptionViewItem,
        index: Index,
    ) -> bool:
        if isinstance(event, QMouseEvent) and event.button() == Qt.MouseButton.LeftButton:
            if event.type() == QEvent.Type.MouseButtonRelease:
                if not option.rect.contains(event.position().toPoint()):
                    return False
                checked = index.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
                new = Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked
                return model.setData(index, new, Qt.ItemDataRole.CheckStateRole)
            if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick):
                return True  # the release toggles; the base class would toggle a second time
        return super().editorEvent(event, model, option, index)


class TagPopup(QFrame):
    """The popup: search field, checkable tag list, Clear."""

    def __init__(self, model: TagFilterModel, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._model = model
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search tags")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search tags")
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(model)
        self.proxy.setFilterRole(TagRole)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.list = QListView(self)
        self.list.setModel(self.proxy)
        self.list.setItemDelegate(_ToggleDelegate(FeedCountRole, self.list))
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setUniformItemSizes(True)
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.list.setAccessibleName("Tags")
        self.empty = QLabel(self)
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.clear_button = QPushButton("&Clear", self)
        self.clear_button.setToolTip("Show every feed")
        self.summary = QLabel(self)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)

        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.clear_button)
        layout = self._layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty, 1)
        layout.addLayout(buttons)
        self.resize(*_POPUP_SIZE)

        self.search.textChanged.connect(self._on_search)
        self.search.installEventFilter(self)
        model.modelReset.connect(self._update_state)
        model.dataChanged.connect(self._update_state)
        self._update_state()

    def prepare(self) -> None:
        """Before showing: an empty search, the first row current, focus in the field."""
        self.search.clear()
        self._on_search("")
        self.search.setFocus()

    def fitting_height(self) -> int:
        """Tall enough for the tags (a dozen rows at most), so a few tags get a small popup."""
        rows = min(max(self._model.rowCount(), 4), 12)
        row_height = self.list.sizeHintForRow(0) if self._model.rowCount() else 20
        list_height = rows * row_height + 2 * self.list.frameWidth() + 4
        margins = self._layout.contentsMargins()
        spacing = self._layout.spacing()
        chrome = (
            self.search.sizeHint().height()
            + self.clear_button.sizeHint().height()
            + margins.top()
            + margins.bottom()
            + 2 * spacing
        )
        return min(list_height + chrome, _POPUP_SIZE[1])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and isinstance(event, QKeyEvent):
            if event.type() != QEvent.Type.KeyPress:
                return False
            key = event.key()
            if key in _NAVIGATION_KEYS:
                self.list.setFocus()
                self.list.event(event)  # move the current row, as if the list had focus
                self.search.setFocus()
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.toggle_current()
                return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)

    def toggle_current(self) -> None:
        index = self.list.currentIndex()
        if not index.isValid():
            return
        checked = index.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
        new = Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked
        self.proxy.setData(index, new, Qt.ItemDataRole.CheckStateRole)

    def _on_search(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        if self.proxy.rowCount() > 0:
            self.list.setCurrentIndex(self.proxy.index(0, 0))
        self._update_state()

    def _update_state(self, *_args: object) -> None:
        has_tags = self._model.rowCount() > 0
        matches = self.proxy.rowCount() > 0
        if not has_tags:
            self.empty.setText("No tags yet.\nGive a feed tags with Edit Tags in the Feed menu.")
        else:
            self.empty.setText(f"No tag matches “{self.search.text().strip()}”.")
        self.list.setVisible(matches)
        self.empty.setVisible(not matches)
        self.search.setEnabled(has_tags)
        chosen = len(self._model.chosen())
        self.summary.setText(f"{chosen} chosen" if chosen else "Showing every feed")
        self.clear_button.setEnabled(bool(chosen))


class TagFilter(QWidget):
    """The compact filter control. ``changed(frozenset[str])`` when the user changes the
    choice (popup, Clear, the clear button), when ``reload`` drops a tag that is gone, and
    from ``set_chosen(..., emit=True)``."""

    changed = Signal(object)

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = TagFilterModel(library, self)
        self.button = QToolButton(self)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.button.setAutoRaise(True)
        self.button.setAccessibleName("Tag filter")
        self.clear_button = QToolButton(self)
        self.clear_button.setIcon(
            self.style().standardIcon(QStyle.StandardPixmap.SP_LineEditClearButton)
        )
        self.clear_button.setAutoRaise(True)
        self.clear_button.setToolTip("Clear the tag filter: show every feed")
        self.clear_button.setAccessibleName("Clear the tag filter")
        self.popup = TagPopup(self.model, self)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.button)
        layout.addWidget(self.clear_button)
        layout.addStretch(1)

        self.button.clicked.connect(self.open_popup)
        self.clear_button.clicked.connect(self.clear)
        self.popup.clear_button.clicked.connect(self.clear)
        self.model.chosen_changed.connect(self._on_chosen)
        self._update_button()

    def chosen(self) -> frozenset[str]:
        return self.model.chosen()

    def set_chosen(self, tags: Iterable[str], *, emit: bool = False) -> None:
        """Choose exactly ``tags`` (restoring a remembered choice); tags that do not exist
        any more are dropped. ``changed`` only with ``emit`` and only if the choice changed."""
        before = self.model.chosen()
        after = self.model.set_chosen(tags)
        self._update_button()
        if emit and after != before:
            self.changed.emit(after)

    def clear(self) -> None:
        """Show every feed again."""
        self.set_chosen((), emit=True)

    def reload(self) -> None:
        """Read the tags again (after tags changed); a chosen tag that is gone is dropped."""
        self.model.reload()
        self._update_button()

    def open_popup(self) -> None:
        popup = self.popup
        popup.prepare()
        below = self.button.mapToGlobal(QPoint(0, self.button.height()))
        width = max(_POPUP_SIZE[0], self.button.width())
        popup.resize(width, popup.fitting_height())
        screen = self.screen().availableGeometry()
        x = min(max(below.x(), screen.left()), screen.right() - width)
        y = below.y()
        if y + popup.height() > screen.bottom():
            y = max(screen.top(), self.button.mapToGlobal(QPoint(0, 0)).y() - popup.height())
        popup.move(x, y)
        popup.show()
        popup.activateWindow()
        popup.search.setFocus()

    def _on_chosen(self, chosen: frozenset[str]) -> None:
        self._update_button()
        self.changed.emit(chosen)

    def _update_button(self) -> None:
        chosen = sorted(self.model.chosen(), key=str.casefold)
        self.clear_button.setVisible(bool(chosen))
        metrics = self.button.fontMetrics()
        text = "Tags: " + (", ".join(chosen) if chosen else "any")
        shown = len(chosen)
        while shown > 1 and metrics.horizontalAdvance(text) > _MAX_LABEL_PX:
            shown -= 1
            text = f"Tags: {', '.join(chosen[:shown])} +{len(chosen) - shown}"
        text = metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, _MAX_LABEL_PX)
        # The triangle after the text says "this opens a list", as on a drop-down.
        self.button.setText(_mnemonic_safe(text) + " ▾")
        if chosen:
            tip = "Showing feeds tagged:\n" + "\n".join(chosen) + "\n\nClick to change (F)"
        else:
            tip = "Show only feeds with some tags (F)"
        self.button.setToolTip("<qt>" + html.escape(tip).replace("\n", "<br>") + "</qt>")
