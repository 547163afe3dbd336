"""The header above an article: its title, feed, author, date and tags.

Everything here came from a feed, so every label shows plain text. The one exception is the
title when the article has a usable link: then it is rich text of our own making, a link
around the escaped title.
"""

from __future__ import annotations

import html as html_lib
from datetime import datetime
from typing import Final

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from reader_app.domain import Entry, Feed
from reader_app.html import IMAGE_SCHEMES, absolute_url, break_long_words
from reader_app.ui.widgets.article_browser import DOCUMENT_MARGIN

TITLE_MAX_CHARS: Final = 400


def format_local_time(when: datetime) -> str:
    """An aware UTC time as the reader's local time: ``Mon 23 Nov 2026, 13:00``."""
    local = when.astimezone()
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"


class ArticleHeader(QWidget):
    """Title (a link to the article when it has one), then feed, author and date, then tags.

    Signals: ``link_activated(str)`` (the title was clicked: the article's URL),
    ``link_hovered(str)`` (the article's URL, or "" when the pointer leaves the title).
    """

    link_activated = Signal(str)
    link_hovered = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setBackgroundRole(QPalette.ColorRole.Base)
        self.setAutoFillBackground(True)
        self.title_label = QLabel(self)
        self.title_label.setObjectName("articleTitle")
        self.title_label.setWordWrap(True)
        self.title_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)
        self.title_label.setOpenExternalLinks(False)
        self.title_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.title_label.linkActivated.connect(self.link_activated.emit)
        self.title_label.linkHovered.connect(self.link_hovered.emit)
        font = QFont(self.title_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.45)
        font.setBold(True)
        self.title_label.setFont(font)

        self.meta_label = self._plain_label()
        self.tags_label = self._plain_label()
        for label in (self.meta_label, self.tags_label):
            label.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        layout = self._layout = QVBoxLayout(self)
        layout.setContentsMargins(DOCUMENT_MARGIN, 14, DOCUMENT_MARGIN, 6)
        layout.setSpacing(3)
        layout.addWidget(self.title_label)
        layout.addWidget(self.meta_label)
        layout.addWidget(self.tags_label)

    def _plain_label(self) -> QLabel:
        """A label for text that came from a feed: never interpreted as rich text."""
        label = QLabel(self)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Ignored: a long title or feed name wraps instead of widening the whole window.
        label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        return label

    def align_text(self, side: int) -> None:
        """Start the text where the article's text starts, ``side`` pixels in."""
        left = side + DOCUMENT_MARGIN
        self._layout.setContentsMargins(left, 14, left, 6)

    def show_article(self, entry: Entry, feed: Feed | None, *, title_colour: QColor) -> None:
        """Fill the labels for ``entry`` (of ``feed``, when known) and show the header.

        ``title_colour``: the pane's text colour, which a linked title keeps. It comes from
        the pane because after a palette change the pane hears of it before its children.
        """
        title = " ".join((entry.title or "").split())[:TITLE_MAX_CHARS] or "(untitled)"
        title = break_long_words(title, max_word=40, chunk=30)
        link = absolute_url(entry.link or "", None, IMAGE_SCHEMES)
        if link is not None:
            # Rich text of our own making: both parts are escaped.
            self.title_label.setTextFormat(Qt.TextFormat.RichText)
            self.title_label.setText(
                f'<a href="{html_lib.escape(link)}" '
                f'style="text-decoration:none; color:{title_colour.name()}">'
                f"{html_lib.escape(title, quote=False)}</a>"
            )
            self.title_label.setToolTip("Open the article in your browser")
        else:
            self.title_label.setTextFormat(Qt.TextFormat.PlainText)
            self.title_label.setText(title)
            self.title_label.setToolTip("")
        feed_title = feed.display_title if feed is not None else entry.feed_title
        parts = [feed_title]
        if entry.author:
            parts.append("by " + " ".join(entry.author.split())[:200])
        when = entry.published or entry.updated or entry.sort_at
        parts.append(format_local_time(when))
        self.meta_label.setText(break_long_words("  ·  ".join(p for p in parts if p), max_word=40))
        tags = feed.tags if feed is not None else ()
        self.tags_label.setText(("Tags: " + ", ".join(tags)) if tags else "")
        self.tags_label.setVisible(bool(tags))
        self.show()
