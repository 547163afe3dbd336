"""Feed icons for the feed list: from memory, else from the image cache on disk, else fetched
in the background (the feed's own icon, then the site's ``/favicon.ico``, then the feed
host's).

Reading and decoding run on worker threads through ``Tasks`` (a ``QImage`` may be built off
the GUI thread; ``QPixmap`` and ``QIcon`` may not, so the GUI thread wraps the images). The
icons a paint asks for are read from disk together, a moment after that paint; the web is
asked only for those not on disk, and only once the list and the pointer stand still
(``NETWORK_QUIET_MS``). The first fetch of a run loads the HTTP library and its
certificates, 0.1-0.2 s of the interpreter's time, and while a worker holds the interpreter
every paint of the window waits for it. Fetched at once, the icons of the feeds on screen
made the window's start ~45 ms slower and the first feed switch after it 40-70 ms slower
(``bench_gui``: 55-95 ms instead of 20-25; ``--trace-first`` shows the fetch beside it).

At most two fetches run at once, so a first sync of hundreds of feeds never fills the worker
pool that the user's own actions wait on. Each URL is asked for at most once per run, and
the only files read are the cache's own.
"""

from __future__ import annotations

import logging
import weakref
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any, Final
from urllib.parse import urlsplit

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCursor, QIcon, QImage, QImageReader, QPixmap

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
# Icons asked for while a paint runs are read from disk together, this long after the first
# ask: the paint, and the rest of the feed switch that caused it, finish first.
LOOKUP_DELAY_MS: Final = 50
# The web is asked once no new icon was wanted, and the pointer has not moved, for this long:
# the user has stopped moving through the list (a click nearly always follows a move of the
# pointer), and the HTTP library's first load no longer competes with a paint.
NETWORK_QUIET_MS: Final = 1000


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
class _OnDisk:
    """What the disk cache holds for one feed's icon addresses."""

    feed_id: FeedId
    urls: tuple[str, ...]
    found: _Found | None  # the first address with a picture on disk
    better: tuple[str, ...]  # addresses before it (all, if none) with no file: for the web


def _read_cached(assets: AssetCache, wanted: list[tuple[FeedId, tuple[str, ...]]]) -> list[_OnDisk]:
    """On a worker: each feed's icon from the disk cache only (never the network)."""
    results = []
    for feed_id, urls in wanted:
        found: _Found | None = None
        absent: list[str] = []
        for url in urls:
            data = assets.cached(url)
            if data is None:
                absent.append(url)
                continue
            images = decode_icon(data)
            if images:
                found = _Found(url, images)
                break
        results.append(_OnDisk(feed_id, urls, found, tuple(absent)))
    return results


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


def _weakly(method: Callable[..., None]) -> Callable[..., None]:
    """``method``, called only while its object lives, without keeping the object alive.

    A lookup may finish after its window has gone: the ``Favicons`` then is not kept alive by
    its pending tasks (nor destroyed with the last of them), and the late result is dropped.
    """
    ref = weakref.WeakMethod(method)

    def call(*args: Any) -> None:
        bound = ref()
        if bound is not None:
            bound(*args)

    return call


class Favicons(QObject):
    """``icon(feed)`` answers at once; ``icon_ready(feed_id)`` when a looked-up icon arrives
    (the feed list then asks again).

    ``lookup_delay_ms`` and ``network_quiet_ms``: see ``LOOKUP_DELAY_MS`` and
    ``NETWORK_QUIET_MS``.
    """

    icon_ready = Signal(int)

    def __init__(
        self,
        assets: AssetCache,
        tasks: Tasks,
        parent: QObject | None = None,
        *,
        max_parallel: int = _MAX_PARALLEL,
        lookup_delay_ms: int = LOOKUP_DELAY_MS,
        network_quiet_ms: int = NETWORK_QUIET_MS,
    ) -> None:
        super().__init__(parent)
        self._assets = assets
        self._tasks = tasks
        self._max_parallel = max(1, max_parallel)
        self._by_url: dict[str, QIcon] = {}
        self._by_feed: dict[FeedId, QIcon] = {}
        self._not_on_disk: set[str] = set()
        self._asked: set[str] = set()  # given to a lookup this run (or not a picture on disk)
        self._in_flight: set[str] = set()  # being looked up: on disk, or waiting for the web
        self._waiting: dict[str, set[FeedId]] = {}  # feeds that want a URL being looked up
        self._to_read: list[tuple[FeedId, tuple[str, ...]]] = []  # for the next disk lookup
        self._queue: deque[tuple[FeedId, tuple[str, ...]]] = deque()  # for the network
        self._running = 0  # network fetches running
        self._paused = False  # a sync is running: the web waits (see set_network_paused)
        self._closed = False
        self._lookup = QTimer(self)
        self._lookup.setSingleShot(True)
        self._lookup.setInterval(max(0, lookup_delay_ms))
        self._lookup.timeout.connect(self._read_disk)
        self._quiet = QTimer(self)
        self._quiet.setSingleShot(True)
        self._quiet.setInterval(max(0, network_quiet_ms))
        self._quiet.timeout.connect(self._quiet_over)
        self._pointer = QCursor.pos()  # where it was when the quiet timer last started

    def icon(self, feed: Feed) -> QIcon | None:
        """The feed's icon if it is in memory; otherwise None, and a look-up in the disk
        cache, then the web, is queued (once per URL per run), then ``icon_ready``."""
        return self._icon_at(feed.id, candidate_urls(feed))

    @property
    def busy(self) -> bool:
        """Whether any icon is still being looked up (on disk or on the web)."""
        return bool(self._in_flight) and not self._closed

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
            on_done=_weakly(self._fetch_missing),
            on_error=lambda exc: log.error("checking cached icons failed", exc_info=exc),
        )

    def _fetch_missing(self, found: _Missing) -> None:
        if self._closed:
            return
        # Checked on the worker: these go to the web without looking at the disk again.
        self._not_on_disk.update(found.absent - self._by_url.keys())
        for feed_id, urls in found.feeds:
            if not any(url in self._by_url for url in urls):
                self._icon_at(feed_id, urls)

    def set_network_paused(self, paused: bool) -> None:
        """While a sync runs, icons wait for it before going to the web: its progress reaches
        the window many times a second, and the HTTP library's first load (0.1-0.2 s of the
        interpreter's time) beside a paint makes that paint wait (a 20 ms feed switch took
        55-95 ms). The sync also has the network's connections to itself. The disk cache is
        read as always."""
        self._paused = paused
        if not paused and self._queue:
            self._wait_for_quiet()

    def shutdown(self) -> None:
        """Start no more look-ups; results still arriving are dropped."""
        self._closed = True
        self._lookup.stop()
        self._quiet.stop()
        self._to_read.clear()
        self._queue.clear()

    # -- internals --------------------------------------------------------------------------

    def _icon_at(self, feed_id: FeedId, urls: tuple[str, ...]) -> QIcon | None:
        if feed_id in self._by_feed:
            return self._by_feed[feed_id]
        to_look_up: list[str] = []
        for url in urls:
            # From memory only: an icon on disk is read and decoded on a worker; decoding a
            # screenful of icons on the GUI thread made a feed switch 20 ms slower.
            found = self._by_url.get(url)
            if found is not None:
                self._by_feed[feed_id] = found
                return found
            if url in self._in_flight:
                self._waiting.setdefault(url, set()).add(feed_id)
            elif url not in self._asked:
                to_look_up.append(url)
        self._look_up(feed_id, tuple(to_look_up))
        return None

    def _look_up(self, feed_id: FeedId, urls: tuple[str, ...]) -> None:
        if not urls or self._closed:
            return
        for url in urls:
            self._asked.add(url)
            self._in_flight.add(url)
            self._waiting.setdefault(url, set()).add(feed_id)
        if all(url in self._not_on_disk for url in urls):
            self._queue.append((feed_id, urls))  # known not on disk: for the web
        else:
            self._to_read.append((feed_id, urls))
            if not self._lookup.isActive():
                self._lookup.start()
        # Something new is wanted: the list is moving, the web waits until it stands still.
        self._wait_for_quiet()

    def _read_disk(self) -> None:
        batch, self._to_read = self._to_read, []
        if not batch or self._closed:
            return
        self._tasks.run(
            partial(_read_cached, self._assets, batch),
            on_done=_weakly(self._disk_read),
            on_error=partial(_weakly(self._disk_failed), batch),
        )

    def _disk_read(self, results: list[_OnDisk]) -> None:
        for result in results:
            if result.found is not None:
                self._finish((result.found.url,), result.found)
            # An address with a better icon is still asked on the web, later; the rest are
            # done: a picture on disk, or a file that is not one (fetching would give it).
            web = result.better
            found_url = result.found.url if result.found is not None else None
            self._finish(tuple(u for u in result.urls if u not in web and u != found_url), None)
            self._not_on_disk.update(web)
            if web and not self._closed:
                self._queue.append((result.feed_id, web))
        self._pump()

    def _disk_failed(self, batch: list[tuple[FeedId, tuple[str, ...]]], exc: BaseException) -> None:
        # Not a missing file (that is None): a bug, logged; the feeds keep the generic icon.
        log.error("reading cached icons failed", exc_info=exc)
        for _feed_id, urls in batch:
            self._finish(urls, None)

    def _wait_for_quiet(self) -> None:
        self._pointer = QCursor.pos()
        self._quiet.start()

    def _quiet_over(self) -> None:
        if QCursor.pos() != self._pointer:
            self._wait_for_quiet()  # the user is moving the pointer: about to do something
        else:
            self._pump()

    def _pump(self) -> None:
        """Start fetches from the web, unless the list is moving (see NETWORK_QUIET_MS) or a
        sync is running."""
        if self._quiet.isActive() or self._paused:
            return
        while not self._closed and self._queue and self._running < self._max_parallel:
            feed_id, urls = self._queue.popleft()
            self._running += 1
            self._tasks.run(
                partial(_fetch, self._assets, urls),
                on_done=partial(_weakly(self._fetched), urls),
                on_error=partial(_weakly(self._failed), feed_id, urls),
            )

    def _fetched(self, urls: tuple[str, ...], found: _Found | None) -> None:
        self._running -= 1
        self._finish(urls, found)
        self._pump()

    def _failed(self, feed_id: FeedId, urls: tuple[str, ...], exc: BaseException) -> None:
        # Not a network failure (those are FetchError, handled in _fetch): a bug, logged with
        # its traceback; a missing icon is not worth interrupting the user for.
        log.error("fetching the icon of feed %s failed", feed_id, exc_info=exc)
        self._fetched(urls, None)

    def _finish(self, urls: tuple[str, ...], found: _Found | None) -> None:
        """A look-up of ``urls`` ended: every feed that wanted the address found gets it."""
        self._in_flight.difference_update(urls)
        waiting = {url: self._waiting.pop(url, set()) for url in urls}
        if self._closed or found is None:
            return
        icon = QIcon()
        for image in found.images:
            icon.addPixmap(QPixmap.fromImage(image))
        self._by_url[found.url] = icon
        # Feeds of one site share the address, and so the icon.
        for feed_id in sorted(waiting.get(found.url, ())):
            self._by_feed[feed_id] = icon
            self.icon_ready.emit(feed_id)
