"""The article pane: a header, the remote-images bar and the article's body.

The body is a ``QTextBrowser`` fed only with HTML from ``reader_app.html.sanitize_article``.
Even so, the browser itself is locked down, because Qt's rich text has hazards of its own
(DESIGN.md, "Known traps"):

- Qt reads local files named in ``<img src>``, CSS ``url()`` and ``background=`` (absolute
  paths, ``file:`` URLs, paths relative to the working directory), and ``/dev/zero`` aborts
  the process. ``ArticleBrowser.loadResource`` answers *every* request itself and always with
  a ``QImage`` (an empty one when there is nothing to show): returning ``None`` would make Qt
  fall back to reading the file. Remote images come from ``RemoteImages`` (memory, or loaded
  off the GUI thread), and only while the user allows them.
- With the default ``openLinks`` a click on a ``javascript:``, ``data:`` or ``file:`` link
  loads it into the pane. Links are handled here: http, https and mailto go to the system
  (through the injectable ``open_url``), anything else is ignored.
- Qt's layout can hold the GUI thread for seconds; the sanitizer bounds what it gets (an
  estimated layout-time budget, table depth, word length, size), so sanitizing and laying
  out any article here takes well under 100 ms.
"""

from __future__ import annotations

import html as html_lib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Final

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QFont,
    QFontMetricsF,
    QImage,
    QPalette,
    QResizeEvent,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from reader_app.domain import Entry, Feed
from reader_app.html import (
    IMAGE_SCHEMES,
    LINK_SCHEMES,
    SanitizedHtml,
    absolute_url,
    break_long_words,
    sanitize_article,
)
from reader_app.ingest.assets import AssetCache
from reader_app.ui.images import RemoteImages
from reader_app.ui.resources import resource_path
from reader_app.ui.tasks import Tasks

ZOOM_MIN: Final = 50  # the bounds of the reading.zoom_percent setting
ZOOM_MAX: Final = 300
ZOOM_STEP: Final = 10
DOCUMENT_MARGIN: Final = 18
LINE_CHARACTERS: Final = 90  # the text column is never wider than about this many characters
READING_FONT_SCALE: Final = 1.15  # body text a little larger than the window's own font
TITLE_MAX_CHARS: Final = 400
FITTED_CACHE_BYTES: Final = 48 * 1024 * 1024  # pictures scaled to the column, kept for reuse
EMPTY_BODY: Final = '<p class="truncated">This article has no text.</p>'


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


# --- stylesheet ---------------------------------------------------------------------------


@cache
def _stylesheet_template() -> str:
    return resource_path("article.css").read_text(encoding="utf-8")


def _mix(a: QColor, b: QColor, amount: float) -> QColor:
    """``a`` moved ``amount`` (0..1) of the way towards ``b``."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * amount),
        round(a.green() + (b.green() - a.green()) * amount),
        round(a.blue() + (b.blue() - a.blue()) * amount),
    )


def article_stylesheet(palette: QPalette) -> str:
    """``resources/article.css`` with the palette's colours filled in."""
    text = palette.color(QPalette.ColorRole.Text)
    base = palette.color(QPalette.ColorRole.Base)
    colours = {
        "text": text,
        "muted": _mix(text, base, 0.4),
        "link": palette.color(QPalette.ColorRole.Link),
        "code-bg": _mix(base, text, 0.07),
        "border": _mix(base, text, 0.25),
    }
    css = _stylesheet_template()
    for name, colour in colours.items():
        css = css.replace(f"@{name}@", colour.name())
    return css


# --- the body -----------------------------------------------------------------------------


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


# --- the pane -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Shown:
    """What is on screen, to skip re-rendering when nothing visible changed (marking an
    article read or starred hands the pane a new ``Entry`` with the same text)."""

    entry: Entry
    feed: Feed | None
    allow_images: bool

    def looks_like(self, other: _Shown | None) -> bool:
        if other is None:
            return False
        mine, theirs = self.entry, other.entry
        return (
            self.allow_images == other.allow_images
            and _visible_fields(mine) == _visible_fields(theirs)
            and _feed_fields(self.feed) == _feed_fields(other.feed)
        )


def _visible_fields(entry: Entry) -> tuple[object, ...]:
    return (
        entry.id,
        entry.title,
        entry.link,
        entry.author,
        entry.content,
        entry.summary,
        entry.published,
        entry.updated,
        entry.sort_at,
        entry.feed_title,
    )


def _feed_fields(feed: Feed | None) -> tuple[object, ...]:
    if feed is None:
        return ()
    return (feed.id, feed.display_title, feed.tags, feed.site_url, feed.url)


class ArticleView(QWidget):
    """Shows one article: header, remote-images bar, sanitized body.

    Signals: ``link_hovered(str)`` (a URL, or "" when the pointer leaves a link),
    ``load_images_requested(int)`` (entry id: load this article's images once),
    ``always_load_images_requested(int)`` (feed id: always load this feed's images),
    ``zoom_changed(int)`` (percent, after the user zoomed; persist it).
    """

    link_hovered = Signal(str)
    load_images_requested = Signal(int)
    always_load_images_requested = Signal(int)
    zoom_changed = Signal(int)

    def __init__(
        self,
        *,
        assets: AssetCache,
        tasks: Tasks,
        open_url: Callable[[QUrl], object] = QDesktopServices.openUrl,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._open_url = open_url
        self._shown: _Shown | None = None
        self._sanitized: SanitizedHtml | None = None
        self._image_keys: set[str] = set()
        self._zoom = 100
        self._fitted_width = 0

        self.images = RemoteImages(assets, tasks, parent=self)
        self.images.arrived.connect(self._image_arrived)
        self.browser = ArticleBrowser(self.images, self)
        self.browser.setPlaceholderText("Select an article to read it here.")
        self.browser.anchorClicked.connect(self.open_link)
        self.browser.side_margin_changed.connect(self._align_header)
        self.browser.highlighted.connect(lambda url: self.link_hovered.emit(url.toString()))
        self._base_point_size = max(self.browser.font().pointSizeF(), 8.0) * READING_FONT_SCALE

        self._build_header()
        self._build_image_bar()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.image_bar)
        layout.addWidget(self.browser, 1)

        # Pictures arrive one by one; lay the article out again once per burst, not per picture.
        self._relayout_timer = QTimer(self)
        self._relayout_timer.setSingleShot(True)
        self._relayout_timer.setInterval(40)
        self._relayout_timer.timeout.connect(self._relayout)
        # After a resize, fit the pictures to the new column once the user stops dragging.
        self._refit_timer = QTimer(self)
        self._refit_timer.setSingleShot(True)
        self._refit_timer.setInterval(150)
        self._refit_timer.timeout.connect(self._refit_images)
        self.browser.viewport().installEventFilter(self)

        self._apply_stylesheet()
        self._apply_zoom()
        self.clear()

    # --- building ---------------------------------------------------------------------------

    def _build_header(self) -> None:
        self.header = QWidget(self)
        self.header.setBackgroundRole(QPalette.ColorRole.Base)
        self.header.setAutoFillBackground(True)
        self.title_label = QLabel(self.header)
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
        self.title_label.linkActivated.connect(lambda link: self.open_link(QUrl(link)))
        self.title_label.linkHovered.connect(self.link_hovered.emit)
        font = QFont(self.title_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.45)
        font.setBold(True)
        self.title_label.setFont(font)

        self.meta_label = self._plain_label()
        self.tags_label = self._plain_label()
        for label in (self.meta_label, self.tags_label):
            label.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        layout = self._header_layout = QVBoxLayout(self.header)
        layout.setContentsMargins(DOCUMENT_MARGIN, 14, DOCUMENT_MARGIN, 6)
        layout.setSpacing(3)
        layout.addWidget(self.title_label)
        layout.addWidget(self.meta_label)
        layout.addWidget(self.tags_label)

    def _align_header(self, side: int) -> None:
        """Start the header and the bar's text where the article's text starts."""
        left = side + DOCUMENT_MARGIN
        self._header_layout.setContentsMargins(left, 14, left, 6)
        self._bar_layout.setContentsMargins(left, 6, max(8, side), 6)

    def _plain_label(self) -> QLabel:
        """A label for text that came from a feed: never interpreted as rich text."""
        label = QLabel(self.header)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Ignored: a long title or feed name wraps instead of widening the whole window.
        label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        return label

    def _build_image_bar(self) -> None:
        self.image_bar = QFrame(self)
        self.image_bar.setObjectName("imageBar")
        self.image_bar.setFrameShape(QFrame.Shape.StyledPanel)
        self.image_bar.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self.image_bar.setAutoFillBackground(True)
        self.image_bar_label = QLabel(self.image_bar)
        self.image_bar_label.setTextFormat(Qt.TextFormat.PlainText)
        self.image_bar_label.setWordWrap(True)
        self.image_bar_label.setToolTip(
            "Pictures from the web are not loaded until you allow it: loading them tells their "
            "servers when you read the article."
        )
        self.image_bar_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.load_images_button = QPushButton("Load images", self.image_bar)
        self.load_images_button.setToolTip("Load the pictures of this article from the web")
        self.load_images_button.clicked.connect(self._load_images_clicked)
        self.always_button = QPushButton("Always for this feed", self.image_bar)
        self.always_button.setToolTip("Load pictures from the web in every article of this feed")
        self.always_button.clicked.connect(self._always_clicked)
        layout = self._bar_layout = QHBoxLayout(self.image_bar)
        layout.setContentsMargins(DOCUMENT_MARGIN, 6, 8, 6)
        layout.addWidget(self.image_bar_label, 1)
        layout.addWidget(self.load_images_button)
        layout.addWidget(self.always_button)

    # --- public API -------------------------------------------------------------------------

    @property
    def current_entry_id(self) -> int | None:
        return int(self._shown.entry.id) if self._shown is not None else None

    @property
    def sanitized(self) -> SanitizedHtml | None:
        """What the body shows now, as the sanitizer produced it."""
        return self._sanitized

    @property
    def zoom_percent(self) -> int:
        return self._zoom

    def show_entry(self, entry: Entry, feed: Feed | None, *, allow_images: bool) -> None:
        """Show ``entry``. Showing the same article again with the same content keeps the
        page as it is; a changed article keeps its scroll position."""
        shown = _Shown(entry, feed, allow_images)
        if shown.looks_like(self._shown):
            self._shown = shown
            return
        same_article = self._shown is not None and self._shown.entry.id == entry.id
        scroll = self.browser.verticalScrollBar().value() if same_article else 0
        self._shown = shown
        self._render(scroll)

    def clear(self) -> None:
        self._shown = None
        self._sanitized = None
        self._image_keys = set()
        self.browser.allow_remote_images = False
        self.browser.document().clear()
        self.header.hide()
        self.image_bar.hide()

    def scroll_page(self, *, down: bool) -> bool:
        """Scroll the body by a page, keeping two lines in view; False at the end (or start)."""
        bar = self.browser.verticalScrollBar()
        if down and bar.value() >= bar.maximum():
            return False
        if not down and bar.value() <= bar.minimum():
            return False
        overlap = 2 * QFontMetricsF(self.browser.font()).lineSpacing()
        step = max(bar.singleStep(), int(bar.pageStep() - overlap))
        bar.setValue(bar.value() + step if down else bar.value() - step)
        return True

    def zoom_in(self) -> None:
        self._zoom_by(ZOOM_STEP)

    def zoom_out(self) -> None:
        self._zoom_by(-ZOOM_STEP)

    def reset_zoom(self) -> None:
        self._zoom_by(100 - self._zoom)

    def set_zoom_percent(self, percent: int) -> None:
        """Set the zoom from the settings; does not emit ``zoom_changed``."""
        percent = max(ZOOM_MIN, min(ZOOM_MAX, int(percent)))
        if percent != self._zoom:
            self._zoom = percent
            self._apply_zoom()

    def open_link(self, url: QUrl) -> None:
        """A click on a link: http, https and mailto open outside; anything else is ignored."""
        if is_openable_link(url):
            self._open_url(url)

    # --- rendering --------------------------------------------------------------------------

    def _render(self, scroll: int = 0) -> None:
        shown = self._shown
        if shown is None:
            return
        entry, feed, allow = shown.entry, shown.feed, shown.allow_images
        body = entry.content or entry.summary
        result = sanitize_article(body, base_url=_base_url(entry, feed), allow_images=allow)
        self._sanitized = result
        self._fill_header(entry, feed)
        self._fill_image_bar(result, feed, allow_images=allow)

        self.browser.allow_remote_images = allow
        self._image_keys = {url_key(QUrl(u)) for u in result.image_urls} if allow else set()
        self._fitted_width = self.browser.image_width()
        document = self.browser.document()
        document.clear()  # also forgets the pictures of the previous article
        self.browser.setHtml(result.html or EMPTY_BODY)
        if scroll:
            document.size()  # lay out now, so the old position exists again
            self.browser.verticalScrollBar().setValue(scroll)

    def _fill_header(self, entry: Entry, feed: Feed | None) -> None:
        title = " ".join((entry.title or "").split())[:TITLE_MAX_CHARS] or "(untitled)"
        title = break_long_words(title, max_word=40, chunk=30)
        link = absolute_url(entry.link or "", None, IMAGE_SCHEMES)
        if link is not None:
            # Rich text of our own making: both parts are escaped.
            self.title_label.setTextFormat(Qt.TextFormat.RichText)
            colour = self.palette().color(QPalette.ColorRole.Text).name()
            self.title_label.setText(
                f'<a href="{html_lib.escape(link)}" style="text-decoration:none; color:{colour}">'
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
        self.header.show()

    def _fill_image_bar(
        self, result: SanitizedHtml, feed: Feed | None, *, allow_images: bool
    ) -> None:
        count = len(result.image_urls)
        if allow_images or count == 0:
            self.image_bar.hide()
            return
        noun = "image" if count == 1 else "images"
        self.image_bar_label.setText(f"This article has {count} remote {noun}.")
        self.always_button.setEnabled(feed is not None)
        self.image_bar.show()

    def _load_images_clicked(self) -> None:
        shown = self._shown
        if shown is None:
            return
        self.load_images_requested.emit(int(shown.entry.id))
        self.show_entry(shown.entry, shown.feed, allow_images=True)

    def _always_clicked(self) -> None:
        shown = self._shown
        if shown is None or shown.feed is None:
            return
        self.always_load_images_requested.emit(int(shown.feed.id))
        self.show_entry(shown.entry, shown.feed, allow_images=True)

    # --- pictures ---------------------------------------------------------------------------

    def _image_arrived(self, key: str) -> None:
        if key not in self._image_keys:
            return
        image = self.images.image(key)
        if image is None:
            return
        self.browser.document().addResource(
            QTextDocument.ResourceType.ImageResource, QUrl(key), self.browser.fit_image(key, image)
        )
        self._relayout_timer.start()

    def _relayout(self) -> None:
        document = self.browser.document()
        document.markContentsDirty(0, document.characterCount())

    def _refit_images(self) -> None:
        width = self.browser.image_width()
        if width == self._fitted_width or not self._image_keys:
            self._fitted_width = width
            return
        self._fitted_width = width
        document = self.browser.document()
        for key in self._image_keys:
            image = self.images.image(key)
            if image is not None:
                document.addResource(
                    QTextDocument.ResourceType.ImageResource,
                    QUrl(key),
                    self.browser.fit_image(key, image),
                )
        self._relayout()

    # --- zoom and theme ---------------------------------------------------------------------

    def _zoom_by(self, delta: int) -> None:
        percent = max(ZOOM_MIN, min(ZOOM_MAX, self._zoom + delta))
        if percent != self._zoom:
            self._zoom = percent
            self._apply_zoom()
            self.zoom_changed.emit(percent)

    def _apply_zoom(self) -> None:
        font = QFont(self.browser.font())
        font.setPointSizeF(self._base_point_size * self._zoom / 100)
        self.browser.setFont(font)
        average = QFontMetricsF(font).averageCharWidth()
        self.browser.max_text_width = int(average * LINE_CHARACTERS) + 2 * DOCUMENT_MARGIN
        self.browser.refresh_side_margins()

    def _apply_stylesheet(self) -> None:
        self.browser.document().setDefaultStyleSheet(article_stylesheet(self.palette()))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            # The stylesheet carries palette colours; it applies when the HTML is set again.
            self._apply_stylesheet()
            self._render(self.browser.verticalScrollBar().value())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.browser.viewport() and event.type() == QEvent.Type.Resize:
            self._refit_timer.start()
        return False


def _base_url(entry: Entry, feed: Feed | None) -> str | None:
    """What relative links in the article are relative to: the article, else its site."""
    for candidate in (entry.link, feed.site_url if feed else None, feed.url if feed else None):
        if candidate and absolute_url(candidate, None, IMAGE_SCHEMES):
            return candidate
    return None


def format_local_time(when: datetime) -> str:
    """An aware UTC time as the reader's local time: ``Mon 23 Nov 2026, 13:00``."""
    local = when.astimezone()
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"
