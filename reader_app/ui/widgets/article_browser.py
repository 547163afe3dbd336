"""The article's body: a ``QTextBrowser`` that never fetches, reads or navigates by itself.

It is fed only with HTML from ``reader_app.html.sanitize_article``. Even so, the browser
itself is locked down, because Qt's rich text has hazards of its own (DESIGN.md, "Known
traps"):

- Qt reads local files named in ``<img src>``, CSS ``url()`` and ``background=`` (absolute
  paths, ``file:`` URLs, paths relative to the working directory), and ``/dev/zero`` aborts
  the process. ``ArticleBrowser.loadResource`` answers *every* request itself and always with
  a ``QImage`` (an empty one when there is nothing to show): returning ``None`` would make Qt
  fall back to reading the file. Remote images come from ``RemoteImages`` (memory, or loaded
  off the GUI thread), and only while the user allows them.
- With the default ``openLinks`` a click on a ``javascript:``, ``data:`` or ``file:`` link
  loads it into the pane. Links are never followed here; the pane hands those that pass
  ``is_openable_link`` to the system.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Final

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QImage, QPalette, QResizeEvent, QTextDocument
from PySide6.QtWidgets import QFrame, QTextBrowser, QWidget

from reader_app.html import IMAGE_SCHEMES, LINK_SCHEMES
from reader_app.ui.images import RemoteImages

DOCUMENT_MARGIN: Final = 18
FITTED_CACHE_BYTES: Final = 48 * 1024 * 1024  # pictures scaled to the column, kept for reuse


def url_key(url: QUrl) -> str:
    """One spelling per URL, shared by the sanitizer's list and Qt's resource requests."""
    return url.toString(QUrl.ComponentFormattingOption.FullyEncoded)


def is_remote_image(url: QUrl) -> bool:
    return url.scheme().lower() in IMAGE_SCHEMES and bool(url.host())


def is_openable_link(url: QUrl) -> bool:
    """What a click may hand to the system: http(s) with a host, or mailto."""
    scheme = url.scheme().lower()
    if scheme == "mailto":
        return True
    return scheme in LINK_SCHEMES and bool(url.host())


class ArticleBrowser(QTextBrowser):
    """A ``QTextBrowser`` that never fetches, reads or navigates by itself.

    ``side_margin_changed(int)``: the text column moved (the header follows it).
    """

    side_margin_changed = Signal(int)

    def __init__(self, images: RemoteImages, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._images = images
        self.allow_remote_images = False
        self.max_text_width = 0  # 0: no limit; else the text column is centred
        self._fitted: OrderedDict[tuple[str, int], QImage] = OrderedDict()  # LRU first
        self._fitted_bytes = 0
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setSearchPaths([])
        self.setUndoRedoEnabled(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        # The side margins that centre a narrow column show the page colour, not the window's.
        self.setBackgroundRole(QPalette.ColorRole.Base)
        self.setAutoFillBackground(True)
        self.document().setDocumentMargin(DOCUMENT_MARGIN)

    def loadResource(self, type: int, name: QUrl | str) -> object:
        """Every resource the document wants, answered without touching disk or network.

        Always a QImage, never None: given None, Qt reads the named file itself.
        """
        name = QUrl(name)
        if (
            type == int(QTextDocument.ResourceType.ImageResource.value)
            and self.allow_remote_images
            and is_remote_image(name)
        ):
            key = url_key(name)
            image = self._images.image(key)
            if image is not None:
                return self.fit_image(key, image)
            self._images.request(key)
        return QImage()

    def doSetSource(
        self,
        name: QUrl | str,
        /,
        type: QTextDocument.ResourceType = QTextDocument.ResourceType.UnknownResource,
    ) -> None:
        """Navigation (history keys, a stray setSource) never loads anything into the pane."""

    def image_width(self) -> int:
        """The widest an image may be shown: the text column."""
        return max(16, self.viewport().width() - 2 * DOCUMENT_MARGIN)

    def fit_image(self, key: str, image: QImage) -> QImage:
        """``image`` smoothly scaled down to the text column (Qt would scale it crudely when
        painting). Scaled copies are kept, so showing an article again costs nothing."""
        ratio = self.devicePixelRatioF()
        width = int(self.image_width() * ratio)
        if image.width() <= width:
            return image
        found = self._fitted.get((key, width))
        if found is not None:
            self._fitted.move_to_end((key, width))
            return found
        fitted = image.scaledToWidth(width, mode=Qt.TransformationMode.SmoothTransformation)
        fitted.setDevicePixelRatio(ratio)
        self._fitted[(key, width)] = fitted
        self._fitted_bytes += fitted.sizeInBytes()
        while self._fitted_bytes > FITTED_CACHE_BYTES and len(self._fitted) > 1:
            _, dropped = self._fitted.popitem(last=False)
            self._fitted_bytes -= dropped.sizeInBytes()
        return fitted

    def resizeEvent(self, event: QResizeEvent) -> None:
        # Margins first: QTextEdit lays the document out for the viewport's width right here.
        self._set_side_margins()
        super().resizeEvent(event)

    def refresh_side_margins(self) -> None:
        """After ``max_text_width`` changed: centre the column again and lay it out."""
        if self._set_side_margins():
            super().resizeEvent(QResizeEvent(self.size(), self.size()))

    def _set_side_margins(self) -> bool:
        """Centre a column of at most ``max_text_width``; True if the margins changed."""
        side = 0
        if self.max_text_width:
            side = max(0, (self.width() - self.max_text_width) // 2)
        if self.viewportMargins().left() == side:
            return False
        self.setViewportMargins(side, 0, side, 0)
        self.side_margin_changed.emit(side)
        return True
