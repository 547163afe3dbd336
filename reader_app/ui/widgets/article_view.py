"""The article pane: a header, the remote-images bar and the article's body.

The parts live beside this module: ``article_header`` (title, feed, date, tags),
``article_image_bar`` (the offer to load remote pictures), ``article_browser`` (the locked-down
``QTextBrowser`` that shows the body; its docstring lists the rich-text hazards it guards
against) and ``article_style`` (the stylesheet in the palette's colours). This module wires
them together: it sanitizes the article, keeps the pictures fitted to the text column, and
owns zoom.

Qt's layout can hold the GUI thread for seconds; the sanitizer bounds what it gets (an
estimated layout-time budget, table depth, word length, size), so sanitizing and laying out
any article here takes well under 100 ms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from PySide6.QtCore import QEvent, QObject, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFont, QFontMetricsF, QPalette, QTextDocument
from PySide6.QtWidgets import QVBoxLayout, QWidget

from reader_app.domain import Entry, Feed
from reader_app.html import IMAGE_SCHEMES, SanitizedHtml, absolute_url, sanitize_article
from reader_app.ingest.assets import AssetCache
from reader_app.ui.images import RemoteImages
from reader_app.ui.tasks import Tasks
from reader_app.ui.widgets.article_browser import (
    DOCUMENT_MARGIN,
    ArticleBrowser,
    is_openable_link,
    url_key,
)
from reader_app.ui.widgets.article_header import ArticleHeader
from reader_app.ui.widgets.article_image_bar import ArticleImageBar
from reader_app.ui.widgets.article_style import article_stylesheet

ZOOM_MIN: Final = 50  # the bounds of the reading.zoom_percent setting
ZOOM_MAX: Final = 300
ZOOM_STEP: Final = 10
LINE_CHARACTERS: Final = 90  # the text column is never wider than about this many characters
READING_FONT_SCALE: Final = 1.15  # body text a little larger than the window's own font
EMPTY_BODY: Final = '<p class="truncated">This article has no text.</p>'


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
        self.browser.side_margin_changed.connect(self._align_text)
        self.browser.highlighted.connect(lambda url: self.link_hovered.emit(url.toString()))
        self._base_point_size = max(self.browser.font().pointSizeF(), 8.0) * READING_FONT_SCALE

        self.header = ArticleHeader(self)
        self.header.link_activated.connect(lambda link: self.open_link(QUrl(link)))
        self.header.link_hovered.connect(self.link_hovered.emit)
        # The parts' labels and buttons, reachable from the pane itself.
        self.title_label = self.header.title_label
        self.meta_label = self.header.meta_label
        self.tags_label = self.header.tags_label
        self.image_bar = ArticleImageBar(self)
        self.image_bar.load_clicked.connect(self._load_images_clicked)
        self.image_bar.always_clicked.connect(self._always_clicked)
        self.image_bar_label = self.image_bar.label
        self.load_images_button = self.image_bar.load_images_button
        self.always_button = self.image_bar.always_button
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

    def _align_text(self, side: int) -> None:
        """Start the header and the bar's text where the article's text starts."""
        self.header.align_text(side)
        self.image_bar.align_text(side)

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
        title_colour = self.palette().color(QPalette.ColorRole.Text)
        self.header.show_article(entry, feed, title_colour=title_colour)
        self.image_bar.offer_for(result, feed, allow_images=allow)

        self.browser.allow_remote_images = allow
        self._image_keys = {url_key(QUrl(u)) for u in result.image_urls} if allow else set()
        self._fitted_width = self.browser.image_width()
        document = self.browser.document()
        document.clear()  # also forgets the pictures of the previous article
        self.browser.setHtml(result.html or EMPTY_BODY)
        if scroll:
            document.size()  # lay out now, so the old position exists again
            self.browser.verticalScrollBar().setValue(scroll)

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
