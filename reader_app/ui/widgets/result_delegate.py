"""The Title cell of a search result: the title on the first line, and under it the snippet of
the article's text around what matched, the matched words in bold.

Drawn with QPainter from plain text runs (``split_highlights``), never as rich text: the
snippet comes from a feed, and Qt's rich text would read local files named in it.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from reader_app.domain.search import split_highlights
from reader_app.ui.models.article_columns import SnippetRole

Index = QModelIndex | QPersistentModelIndex

_ELLIPSIS = "…"


def snippet_runs(snippet: str) -> list[tuple[str, bool]]:
    """The snippet as (text, highlighted) runs on one line: white space collapsed."""
    runs = []
    for text, marked in split_highlights(snippet):
        flat = " ".join(text.split())
        if text[:1].isspace():
            flat = " " + flat
        if text[-1:].isspace() and flat.strip():
            flat += " "
        if flat:
            runs.append((flat, marked))
    return runs


class ResultDelegate(QStyledItemDelegate):
    """Two lines for a search result's Title cell; other cells and other lists as usual."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        snippet = index.data(SnippetRole)
        if snippet is None:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        title = opt.text
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        # Background, selection and focus as every other cell; the text is ours.
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)

        rect: QRect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette: QPalette = opt.palette
        text_color = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        dim_color = text_color if selected else palette.color(QPalette.ColorRole.PlaceholderText)
        title_font = QFont(opt.font)
        metrics = QFontMetrics(title_font)
        line = metrics.height()
        top = rect.top() + max(0, (rect.height() - 2 * line) // 2)

        painter.save()
        painter.setClipRect(opt.rect)
        painter.setFont(title_font)
        painter.setPen(text_color)
        painter.drawText(
            QRect(rect.left(), top, rect.width(), line),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            metrics.elidedText(title, Qt.TextElideMode.ElideRight, rect.width()),
        )
        self._draw_snippet(
            painter,
            QRect(rect.left(), top + line, rect.width(), line),
            snippet_runs(snippet),
            font=QFont(opt.font),
            color=dim_color,
            marked_color=text_color,
        )
        painter.restore()

    def _draw_snippet(
        self,
        painter: QPainter,
        rect: QRect,
        runs: list[tuple[str, bool]],
        *,
        font: QFont,
        color: QColor,
        marked_color: QColor,
    ) -> None:
        plain = QFont(font)
        plain.setBold(False)
        bold = QFont(font)
        bold.setBold(True)
        x = rect.left()
        right = rect.right()
        for text, marked in runs:
            run_font = bold if marked else plain
            metrics = QFontMetrics(run_font)
            width = metrics.horizontalAdvance(text)
            room = right - x
            if room <= metrics.horizontalAdvance(_ELLIPSIS):
                break
            shown = text
            if width > room:
                shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, room)
                width = metrics.horizontalAdvance(shown)
            painter.setFont(run_font)
            painter.setPen(marked_color if marked else color)
            painter.drawText(
                QRect(x, rect.top(), width + 1, rect.height()),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                shown,
            )
            x += width
            if shown != text:
                break
