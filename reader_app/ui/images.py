"""Remote pictures for the article pane, fetched and decoded off the GUI thread.

The pane asks for an image while Qt lays out an article (``QTextBrowser.loadResource``), on
the GUI thread, where nothing may touch the network or the disk. ``RemoteImages`` answers
from memory at once; otherwise it starts one background task per URL (the asset cache reads
its disk copy or fetches it, then the bytes are decoded) and announces the result with
``arrived``, so the pane can show it. A URL is never in flight twice, and one that failed is
not asked again while the window is open (the asset cache remembers network failures too).

Decoding is guarded, because the bytes come from anyone: only raster formats that carry no
references to other files are read (SVG can name local files, so it is refused), and big
pictures are decoded already scaled down, which bounds memory and the cost of painting.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Final

import shiboken6
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QSize, Qt, Signal
from PySide6.QtGui import QImage, QImageReader

from reader_app.errors import FetchError
from reader_app.ingest.assets import AssetCache
from reader_app.ui.tasks import Tasks

log = logging.getLogger(__name__)

# Formats that are pure pixels. SVG (can reference files), XPM/XBM (text formats nobody serves)
# and TIFF (a large attack surface) are refused.
SAFE_FORMATS: Final = frozenset({b"png", b"jpeg", b"jpg", b"gif", b"webp", b"bmp", b"ico"})
MAX_DECODED_WIDTH: Final = 1600  # twice a wide text column, for sharp HiDPI screens
MAX_DECODED_PIXELS: Final = 6_000_000  # 24 MB as 32-bit pixels
DEFAULT_MEMORY_BYTES: Final = 96 * 1024 * 1024


class ImageDecodeError(ValueError):
    """The bytes are not a picture this pane shows."""


def decode_image(
    data: bytes, *, max_width: int = MAX_DECODED_WIDTH, max_pixels: int = MAX_DECODED_PIXELS
) -> QImage:
    """Decode ``data`` as a safe raster format, scaled down to at most ``max_width`` pixels
    wide and ``max_pixels`` in all. Runs on any thread (QImage is reentrant)."""
    array = QByteArray(data)
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    fmt = bytes(reader.format().data()).lower()
    if fmt not in SAFE_FORMATS:
        shown = fmt.decode("ascii", "replace") or "unknown"
        raise ImageDecodeError(f"not a supported picture format ({shown})")
    size = reader.size()
    if size.isValid() and size.width() > 0 and size.height() > 0:
        target = _bounded_size(size, max_width, max_pixels)
        if target != size:
            reader.setScaledSize(target)
    image = reader.read()
    if image.isNull():
        raise ImageDecodeError(f"the picture could not be read ({reader.errorString()})")
    if image.width() > max_width or image.width() * image.height() > max_pixels:
        # The reader could not scale while decoding (some formats cannot): scale now.
        image = image.scaled(
            _bounded_size(image.size(), max_width, max_pixels),
            mode=Qt.TransformationMode.SmoothTransformation,
        )
    return image


def _bounded_size(size: QSize, max_width: int, max_pixels: int) -> QSize:
    width, height = size.width(), size.height()
    scale = min(1.0, max_width / width, (max_pixels / (width * height)) ** 0.5)
    if scale >= 1.0:
        return size
    return QSize(max(1, int(width * scale)), max(1, int(height * scale)))


class RemoteImages(QObject):
    """Decoded remote images by URL: from memory at once, else loaded in the background.

    ``arrived(url)`` is emitted on the GUI thread when ``image(url)`` has become available;
    ``failed(url)`` when it never will (this run).
    """

    arrived = Signal(str)
    failed = Signal(str)

    def __init__(
        self,
        assets: AssetCache,
        tasks: Tasks,
        *,
        memory_bytes: int = DEFAULT_MEMORY_BYTES,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._assets = assets
        self._tasks = tasks
        self._memory_bytes = memory_bytes
        self._images: OrderedDict[str, QImage] = OrderedDict()  # least recently used first
        self._held_bytes = 0
        self._in_flight: set[str] = set()
        self._failed: set[str] = set()

    def image(self, url: str) -> QImage | None:
        """The decoded image if it is in memory; never blocks, never reads the disk."""
        found = self._images.get(url)
        if found is not None:
            self._images.move_to_end(url)
        return found

    def has_failed(self, url: str) -> bool:
        return url in self._failed

    def is_loading(self, url: str) -> bool:
        return url in self._in_flight

    def request(self, url: str) -> None:
        """Start loading ``url`` unless it is in memory, on its way, or failed before."""
        if url in self._images or url in self._in_flight or url in self._failed:
            return
        self._in_flight.add(url)
        assets = self._assets
        self._tasks.run(
            lambda: decode_image(assets.get(url)),
            lambda image: self._done(url, image),
            lambda exc: self._error(url, exc),
        )

    def _done(self, url: str, image: QImage) -> None:
        if not shiboken6.isValid(self):  # the pane closed while the picture was loading
            return
        self._in_flight.discard(url)
        self._store(url, image)
        self.arrived.emit(url)

    def _error(self, url: str, exc: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        self._in_flight.discard(url)
        self._failed.add(url)
        if isinstance(exc, FetchError | ImageDecodeError):
            log.info("image not shown: %s: %s", url, exc)
        else:  # a bug, not a bad picture: make it loud
            log.error("loading an image failed unexpectedly: %s", url, exc_info=exc)
            self._tasks.unhandled.emit(exc)
        self.failed.emit(url)

    def _store(self, url: str, image: QImage) -> None:
        size = image.sizeInBytes()
        if size > self._memory_bytes:
            return
        self._images[url] = image
        self._held_bytes += size
        while self._held_bytes > self._memory_bytes and self._images:
            _, dropped = self._images.popitem(last=False)
            self._held_bytes -= dropped.sizeInBytes()
