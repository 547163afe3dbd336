"""Images shown beside articles (inline pictures, favicons), fetched once and kept on disk.

A URL is fetched with the same polite, bounded ``Fetcher`` as feeds (http and https only,
timeouts, a size cap, at most a few connections per host) and stored under a name derived
from its hash, so the window can show it again offline without asking the network. A URL
that failed is not asked again in the same run, and one the server answered is not there
(404, 410 and the like) not for ``MISS_DAYS``, across runs: a feed without a favicon would
otherwise cost a few requests at every start. The cache never reads a file it did not
write: names are hashes inside its own folder.
"""

from __future__ import annotations

import hashlib
import threading
import time
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

from reader_app.errors import FetchError
from reader_app.files import write_atomically
from reader_app.ingest.types import FetchOutcome, FetchRequest

if TYPE_CHECKING:
    from reader_app.ingest.fetch import Fetcher

# Pictures in articles are rarely above a few megabytes; anything much larger is not worth
# holding in the window's memory.
DEFAULT_MAX_ASSET_BYTES = 8 * 1024 * 1024
# How long an answer that a picture is not there is believed; then the URL is asked again.
MISS_DAYS = 7
# Client errors that say the picture is not there. A timeout (408), a rate limit (429), a
# server error or no answer at all may pass: those are asked again at the next run.
_NOT_THERE = frozenset(range(400, 500)) - {408, 429}


class AssetCache:
    """Bytes of remote images by URL: from disk when cached, else fetched and stored.

    Thread-safe: two threads asking for one URL fetch it once.
    """

    def __init__(
        self,
        directory: Path,
        *,
        fetcher: Fetcher | None = None,
        max_bytes: int = DEFAULT_MAX_ASSET_BYTES,
        timeout_seconds: float = 20.0,
    ) -> None:
        self._dir = directory
        self._own_fetcher = fetcher is None
        self._fetcher = fetcher
        self._max_bytes = max_bytes
        self._timeout = timeout_seconds
        self._lock = threading.Lock()
        self._url_locks: dict[str, threading.Lock] = {}
        self._failed: dict[str, str] = {}

    @property
    def directory(self) -> Path:
        return self._dir

    def path_for(self, url: str) -> Path:
        digest = hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()
        return self._dir / digest[:2] / digest

    def cached(self, url: str) -> bytes | None:
        """The stored bytes for ``url``, or None; never touches the network."""
        try:
            return self.path_for(url).read_bytes()
        except OSError:
            return None

    def get(self, url: str) -> bytes:
        """The bytes for ``url``: cached, or fetched now and stored. FetchError on failure
        (remembered: the same URL fails at once for the rest of the run)."""
        found = self.cached(url)
        if found is not None:
            return found
        with self._lock:
            url_lock = self._url_locks.setdefault(url, threading.Lock())
        with url_lock:
            found = self.cached(url)
            if found is not None:
                return found
            if url in self._failed:
                raise FetchError(self._failed[url])
            remembered = self._remembered_miss(url)
            if remembered is not None:
                self._failed[url] = remembered
                raise FetchError(remembered)
            result = self._client().fetch(FetchRequest(url=url))
            if result.outcome is not FetchOutcome.OK or result.body is None:
                message = result.error or f"{url}: no content"
                self._failed[url] = message
                if result.status in _NOT_THERE:
                    self._remember_miss(url, message)
                raise FetchError(message)
            self._store(url, result.body)
            return result.body

    def _miss_path(self, url: str) -> Path:
        path = self.path_for(url)
        return path.with_name(path.name + ".missing")

    def _remembered_miss(self, url: str) -> str | None:
        """Why ``url`` had no picture, if a server said so less than MISS_DAYS ago."""
        path = self._miss_path(url)
        try:
            if time.time() - path.stat().st_mtime > MISS_DAYS * 86_400:
                return None
            reason = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        return f"{reason} (when last asked; asked again after {MISS_DAYS} days)"

    def _remember_miss(self, url: str, reason: str) -> None:
        with suppress(OSError):  # a full disk only costs the memory of it
            write_atomically(self._miss_path(url), reason.encode("utf-8"), make_folder=True)

    def _client(self) -> Fetcher:
        """The HTTP client, made on first use: showing cached pictures (and starting the
        window) does not load the HTTP library."""
        with self._lock:
            if self._fetcher is None:
                from reader_app.ingest.fetch import Fetcher, FetchLimits

                self._fetcher = Fetcher(
                    FetchLimits(
                        total_timeout=self._timeout,
                        max_body_bytes=self._max_bytes,
                        max_connections=6,
                        max_per_host=2,
                    )
                )
            return self._fetcher

    def _store(self, url: str, data: bytes) -> None:
        """Write atomically, so a reader never sees half a file. A full disk only costs the
        cache entry: the bytes are still returned to the caller."""
        with suppress(OSError):
            write_atomically(self.path_for(url), data, make_folder=True)

    def close(self) -> None:
        with self._lock:
            if self._own_fetcher and self._fetcher is not None:
                self._fetcher.close()
                self._fetcher = None
