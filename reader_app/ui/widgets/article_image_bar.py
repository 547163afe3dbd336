"""The bar above an article that offers to load its remote pictures.

Remote pictures are off by default: loading one tells its server when the article is read.
The bar says how many the article has and offers to load them once, or always for its feed.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from reader_app.domain import Feed
from reader_app.html import SanitizedHtml
from reader_app.ui.widgets.article_browser import DOCUMENT_MARGIN


class ArticleImageBar(QFrame):
    """The line "This article has N remote images.", "Load images" and "Always for this feed".

    Signals: ``load_clicked()`` (load this article's pictures), ``always_clicked()`` (load
    pictures in every article of its feed).
    """

    load_clicked = Signal()
    always_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("imageBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self.setAutoFillBackground(True)
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.label.setToolTip(
            "Pictures from the web are not loaded until you allow it: loading them tells their "
            "servers when you read the article."
        )
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.load_images_button = QPushButton("Load images", self)
        self.load_images_button.setToolTip("Load the pictures of this article from the web")
        self.load_images_button.clicked.connect(self.load_clicked)
        self.always_button = QPushButton("Always for this feed", self)
        self.always_button.setToolTip("Load pictures from the web in every article of this feed")
        self.always_button.clicked.connect(self.always_clicked)
        layout = self._layout = QHBoxLayout(self)
        layout.setContentsMargins(DOCUMENT_MARGIN, 6, 8, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.load_images_button)
        layout.addWidget(self.always_button)

    def align_text(self, side: int) -> None:
        """Start the text where the article's text starts, ``side`` pixels in."""
        self._layout.setContentsMargins(side + DOCUMENT_MARGIN, 6, max(8, side), 6)

    def offer_for(self, result: SanitizedHtml, feed: Feed | None, *, allow_images: bool) -> None:
        """Show the bar for an article with ``result``'s remote pictures, or hide it when
        they are already allowed or there are none. "Always" needs a feed to remember it."""
        count = len(result.image_urls)
        if allow_images or count == 0:
            self.hide()
            return
        noun = "image" if count == 1 else "images"
        self.label.setText(f"This article has {count} remote {noun}.")
        self.always_button.setEnabled(feed is not None)
        self.show()
