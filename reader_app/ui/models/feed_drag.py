"""The drag format of feed rows: feed ids, comma-separated ASCII digits.

A drop may come from anywhere (another program can offer this MIME type too), so reading
it keeps only well-formed ids and leaves deciding which of them exist to the model.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QMimeData

from reader_app.domain import FeedId

FEED_MIME_TYPE = "application/x-reader-app-feed-ids"


def feed_ids_mime(feed_ids: Iterable[int]) -> QMimeData:
    """The dragged rows' feeds, each once, in id order."""
    mime = QMimeData()
    mime.setData(FEED_MIME_TYPE, ",".join(map(str, sorted(set(feed_ids)))).encode("ascii"))
    return mime


def dragged_feed_ids(data: QMimeData) -> list[FeedId]:
    """The feed ids a drag carries, in its order; none for another format or garbage."""
    if not data.hasFormat(FEED_MIME_TYPE):
        return []
    raw = bytes(data.data(FEED_MIME_TYPE).data()).decode("ascii", "replace")
    return [FeedId(int(part)) for part in raw.split(",") if part.isascii() and part.isdecimal()]
