"""Feed icons for the feed list: from memory, else from the image cache on disk, else fetched
in the background (the feed's own icon, then the site's ``/favicon.ico``, then the feed
host's).

Fetching and decoding run on worker threads through ``Tasks`` (a ``QImage`` may be built off
the GUI thread; ``QPixmap`` and ``QIcon`` may not, so the GUI thread wraps the images). At
most two fetches run at once, so a first sync of hundreds of feeds never fills the worker
pool that the user's own actions wait on. Each URL is asked for at most once per run, and
the only files read are the cache's own.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlsplit

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QImageReader, QPixmap

from reader_app.domain import Feed, FeedId
from reader_app.errors import FetchError
from reader_app.ingest.assets import AssetCache
from reader_app.ui.tasks import Tasks

log = logging.getLogger(__name__)

ICON_SIZE = 64  # larger images are scaled down to this (the list draws 16-32 px)
_MIN_SIZE = 8  # smaller "icons" are tracking pixels or spacers, not icons
_MAX_ICON_BYTES = 1024 * 1024  # a favicon is a few KB; this much is not one
_MAX_DIMENSION = 4096  # larger pictures are refused before being decoded
_MAX_FRAMES = 8  # an .ico holds a few sizes; a long GIF is not worth reading
_MAX_PARALLEL = 2


def candidate_urls(feed: Feed) -> tuple[str, ...]:
    """Where a feed's icon may be, best first (web addresses only)."""
    found: list[str] = []
    if feed.icon_url and _is_web(feed.icon_url):
        found.append(feed.icon_url)
    for base in (feed.site_url, feed.url):
        origin = _origin(base)
        if origin is not None:
            found.append(origin + "/favicon.ico")
    return tuple(dict.fromkeys(found))


def _is_web(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. a bad port or an unbalanced IPv6 bracket
        return False


def _origin(url: str | None) -> str | None:
    """``scheme://host[:port]`` of a web address (credentials left out), else None."""
    if not url or not _is_web(url):
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def decode_icon(data: bytes, size: int = ICON_SIZE) -> list[QImage]:
    """The usable images in ``data`` (every size an .ico holds), scaled to at most ``size``
    pixels; empty when it is not a picture. Safe on any thread."""
    if not data or len(data) > _MAX_ICON_BYTES:
        return []
    images: list[QImage] = []
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setDecideFormatFromContent(True)
    for _ in range(_MAX_FRAMES):
        dims = reader.size()
        if dims.isValid() and max(dims.width(), dims.height()) > _MAX_DIMENSION:
            break
        if dims.isValid() and max(dims.width(), dims.height()) > size:
            reader.setScaledSize(dims.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio))
        image = reader.read()
        if image.isNull():
            break
        if min(image.width(), image.height()) >= _MIN_SIZE:
            if max(image.width(), image.height()) > size:
                image = image.scaled(
                    QSize(size, size),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            images.append(image)
        if not reader.jumpToNextImage():
            break
    buffer.close()
    return images


@dataclass(frozen=True, slots=True)
class _Found:
    url: str
    images: list[QImage]


def _fetch(assets: AssetCache, urls: tuple[str, ...]) -> _Found | None:
    """On a worker: the first of ``urls`` that gives a picture (fetched once, then cached)."""
    for url in urls:
        try:
            data = assets.get(url)
        except FetchError as exc:
            log.debug("no icon at %s: %s", url, exc)
            continue
        images = decode_icon(data)
        if images:
            return _Found(url, images)
    return None


@dataclass(frozen=True, slots=True)
class _Missing:
    feeds: list[tuple[FeedId, tuple[str, ...]]]  # with their candidate addresses
    absent: frozenset[str]  # addresses checked and not in the disk cache


def _without_icon(assets: AssetCache, feeds: list[Feed], skip: frozenset[str]) -> _Missing:
    """On a worker: the feeds none of whose icon addresses is in the disk cache (addresses in
    ``skip`` are known already: in memory, missing or asked for this run)."""
    missing: list[tuple[FeedId, tuple[str, ...]]] = []
    on_disk: dict[str, bool] = {}
    for feed in feeds:
        urls = candidate_urls(feed)
        for url in urls:
            if url not in skip and url not in on_disk:
                on_disk[url] = assets.path_for(url).is_file()
        if not any(on_disk.get(url, False) for url in urls):
            missing.append((feed.id, urls))
    return _Missing(missing, frozenset(url for url, there in on_disk.items() if not there))


class Favicons(QObject):
    """``icon(feed)`` answers at once; ``icon_ready(feed_id)`` when a fetched icon arrives
    (the feed list then asks again)."""

    icon_ready = Signal(int)

    def __init__(
        self,
        assets: AssetCache,
        tasks: Tasks,
        parent: QObject | None = None,
        *,
        max_parallel: int = _MAX_PARALLEL,
    ) -> None:
        super().__init__(parent)
        self._assets = assets
        self._tasks = tasks
        self._max_parallel = max(1, max_parallel)
        self._by_url: dict[str, QIcon] = {}
        self._by_feed: dict[FeedId, QIcon] = {}
        self._not_on_disk: set[str] = set()
        self._asked: set[str] = set()  # given to a fetch this run (or not a picture on disk)
        self._in_flight: set[str] = set()
        self._waiting: dict[str, set[FeedId]] = {}  # feeds that want a URL being fetched
        self._queue: deque[tuple[FeedId, tuple[str, ...]]] = deque()
        self._running = 0
        self._closed = False

    def icon(self, feed: Feed) -> QIcon | None:
        """The feed's icon if it is in memory; otherwise None, and a read from the disk
        cache or the web is queued (once per URL per run), then ``icon_ready``."""
        return self._icon_at(feed.id, candidate_urls(feed))

    def _icon_at(self, feed_id: FeedId, urls: tuple[str, ...]) -> QIcon | None:
        if feed_id in self._by_feed:
            return self._by_feed[feed_id]
        to_fetch: list[str] = []
        for url in urls:
            found = self._known(url)
            if found is not None:
                self._by_feed[feed_id] = found
                return found
            if url in self._in_flight:
                self._waiting.setdefault(url, set()).add(feed_id)
            elif url not in self._asked:
                to_fetch.append(url)
        self._queue_fetch(feed_id, tuple(to_fetch))
        return None

    def prefetch(self, feeds: Iterable[Feed]) -> None:
        """Queue fetches for feeds whose icon is neither in memory nor on disk (after a sync
        brought new feeds or icon addresses). Reads no image: they are decoded when shown.

        Which addresses are on disk is found on a worker: for a thousand feeds the URL
        parsing, hashing and file checks take tens of milliseconds, too long for the GUI
        thread at the end of a sync."""
        if self._closed:
            return
        wanted = [feed for feed in feeds if feed.id not in self._by_feed]
        if not wanted:
            return
        skip = frozenset(self._by_url) | frozenset(self._not_on_disk) | frozenset(self._asked)
        self._tasks.run(
            partial(_without_icon, self._assets, wanted, skip),
            on_done=self._fetch_missing,
            on_error=lambda exc: log.error("checking cached icons failed", exc_info=exc),
        )

    def _fetch_missing(self, found: _Missing) -> None:
        if self._closed:
            return
        # Checked on the worker: no need to look at the disk again for these.
        self._not_on_disk.update(found.absent - self._by_url.keys())
        for feed_id, urls in found.feeds:
            if not any(url in self._by_url for url in urls):
                self._icon_at(feed_id, urls)

    def shutdown(self) -> None:
        """Start no more fetches; results still arriving are dropped."""
        self._closed = True
        self._queue.clear()

    # -- internals --------------------------------------------------------------------------

    def _known(self, url: str) -> QIcon | None:
        """From memory only. An icon in the disk cache is read and decoded on a worker like
        a fetch (``AssetCache.get`` answers from the disk first): decoding a screenful of
        icons on the GUI thread made the first feed switch after start 20 ms slower."""
        return self._by_url.get(url)

    def _remember(self, url: str, images: list[QImage]) -> QIcon:
        icon = QIcon()
        for image in images:
            icon.addPixmap(QPixmap.fromImage(image))
        self._by_url[url] = icon
        return icon

    def _queue_fetch(self, feed_id: FeedId, urls: tuple[str, ...]) -> None:
        if not urls or self._closed:
            return
        for url in urls:
            self._asked.add(url)
            self._in_flight.add(url)
            self._waiting.setdefault(url, set()).add(feed_id)
        self._queue.append((feed_id, urls))
        self._pump()

    def _pump(self) -> None:
        while not self._closed and self._queue and self._running < self._max_parallel:
            feed_id, urls = self._queue.popleft()
            self._running += 1
            self._tasks.run(
                partial(_fetch, self._assets, urls),
                on_done=partial(self._done, urls),
                on_error=partial(self._failed, feed_id, urls),
            )

    def _done(self, urls: tuple[str, ...], found: _Found | None) -> None:
        self._running -= 1
        self._in_flight.difference_update(urls)
        waiting = {url: self._waiting.pop(url, set()) for url in urls}
        if self._closed:
            return
        if found is not None:
            # Every feed that wanted this address gets it (feeds of one site share it).
            icon = self._remember(found.url, found.images)
            for feed_id in sorted(waiting.get(found.url, ())):
                self._by_feed[feed_id] = icon
                self.icon_ready.emit(feed_id)
        self._pump()

    def _failed(self, feed_id: FeedId, urls: tuple[str, ...], exc: BaseException) -> None:
        # Not a network failure (those are FetchError, handled in _fetch): a bug, logged with
        # its traceback; a missing icon is not worth interrupting the user for.
        log.error("fetching the icon of feed %s failed", feed_id, exc_info=exc)
        self._done(urls, None)
