"""Feed icons: fetched from a real local HTTP server, cached on disk, found again offline."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QIcon, QImage, QImageWriter

from reader_app.domain import Feed, FeedId
from reader_app.ingest.assets import AssetCache
from reader_app.library import Library
from reader_app.sync import SyncSelection
from reader_app.ui.favicons import Favicons, candidate_urls, decode_icon
from reader_app.ui.tasks import Tasks
from tests.support.feedserver import FeedServer

RED, BLUE, GREEN = QColor("#d02020"), QColor("#2040d0"), QColor("#20a040")


def image_bytes(fmt: str, color: QColor, size: int = 16) -> bytes:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(color)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert QImageWriter(buffer, QByteArray(fmt.encode("ascii"))).write(image)
    return bytes(buffer.data().data())


def color_of(icon: QIcon | None) -> QColor:
    assert icon is not None
    assert not icon.isNull()
    return icon.pixmap(16, 16).toImage().pixelColor(8, 8)


def atom(site: str | None, icon: str | None) -> bytes:
    link = f'<link rel="alternate" href="{site}"/>' if site else ""
    icon_tag = f"<icon>{icon}</icon>" if icon else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>With icon</title><id>urn:test:feed</id><updated>2026-11-23T00:00:00Z</updated>"
        f"{link}{icon_tag}</feed>"
    ).encode()


@pytest.fixture
def other_server() -> Iterator[FeedServer]:
    """A second host (another port): the feed's site lives elsewhere than the feed."""
    with FeedServer() as server:
        yield server


@dataclass
class IconEnv:
    """One run's worker pool and image cache folder; ``new()`` is a Favicons as the window
    makes it (a new one over the same folder is the next run)."""

    cache_dir: Path
    tasks: Tasks
    caches: list[AssetCache] = field(default_factory=list)

    def new(self) -> Favicons:
        assets = AssetCache(self.cache_dir, timeout_seconds=5.0)
        self.caches.append(assets)
        return Favicons(assets, self.tasks)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[IconEnv]:
    made = IconEnv(tmp_path / "images", Tasks())
    yield made
    made.tasks.shutdown(wait=True)
    for cache in made.caches:
        cache.close()


def subscribe(library: Library, server: FeedServer, path: str, body: bytes) -> Feed:
    """A feed as a sync leaves it (site and icon addresses from the document)."""
    server.route(path, body=body, content_type="application/atom+xml")
    feed = library.add_feed(server.url(path))
    library.update_feeds(SyncSelection(feed_ids=frozenset({feed.id}), force=True))
    return library.feed(feed.id)


def test_an_icon_is_fetched_once_cached_and_found_offline(
    qtbot, library: Library, feed_server: FeedServer, env: IconEnv
) -> None:
    feed_server.route(
        "/favicon.ico", body=image_bytes("ICO", RED), content_type="image/vnd.microsoft.icon"
    )
    feed = library.add_feed(feed_server.url("/feed.xml"))
    favicons = env.new()

    with qtbot.waitSignal(favicons.icon_ready) as blocker:
        assert favicons.icon(feed) is None  # not cached yet: asked for in the background
        assert favicons.icon(feed) is None  # asking again does not fetch again
    assert blocker.args == [feed.id]
    assert color_of(favicons.icon(feed)) == RED
    assert len(feed_server.requests_for("/favicon.ico")) == 1
    assert env.caches[0].path_for(feed_server.url("/favicon.ico")).is_file()

    # Next run: a new cache object over the same folder reads it from the disk (on a worker:
    # the GUI thread decodes no image), without a request.
    again = env.new()
    with qtbot.waitSignal(again.icon_ready) as read:
        assert again.icon(feed) is None
    assert read.args == [feed.id]
    assert color_of(again.icon(feed)) == RED
    assert len(feed_server.requests_for("/favicon.ico")) == 1


def test_the_feeds_own_icon_comes_before_favicon_ico(
    qtbot, library: Library, feed_server: FeedServer, env: IconEnv
) -> None:
    feed_server.route("/icon.png", body=image_bytes("PNG", BLUE, 48), content_type="image/png")
    feed_server.route("/favicon.ico", body=image_bytes("ICO", RED), content_type="image/x-icon")
    feed = subscribe(library, feed_server, "/feed.atom", atom(None, feed_server.url("/icon.png")))
    assert feed.icon_url == feed_server.url("/icon.png")
    favicons = env.new()

    with qtbot.waitSignal(favicons.icon_ready):
        favicons.icon(feed)
    assert color_of(favicons.icon(feed)) == BLUE
    assert feed_server.requests_for("/favicon.ico") == []


def test_falls_back_to_the_site_then_the_feed_host_asking_each_url_once(
    qtbot,
    library: Library,
    feed_server: FeedServer,
    other_server: FeedServer,
    env: IconEnv,
) -> None:
    # The feed's icon is missing; the site answers favicon.ico with a web page (stored, but
    # not a picture); the feed's own host has the icon.
    feed_server.route("/favicon.ico", body=image_bytes("PNG", GREEN), content_type="image/png")
    other_server.route("/favicon.ico", body=b"<html>hello</html>", content_type="text/html")
    feed = subscribe(
        library,
        feed_server,
        "/feed.atom",
        atom(other_server.url("/"), feed_server.url("/missing.png")),
    )
    assert candidate_urls(feed) == (
        feed_server.url("/missing.png"),
        other_server.url("/favicon.ico"),
        feed_server.url("/favicon.ico"),
    )
    favicons = env.new()
    with qtbot.waitSignal(favicons.icon_ready):
        favicons.icon(feed)
    assert color_of(favicons.icon(feed)) == GREEN

    # A second feed of the same site and host reuses what is known: no request at all.
    twin = dataclasses.replace(feed, id=FeedId(feed.id + 1000))
    assert color_of(favicons.icon(twin)) == GREEN
    qtbot.waitUntil(lambda: not env.tasks.busy)
    assert len(feed_server.requests_for("/missing.png")) == 1
    assert len(other_server.requests_for("/favicon.ico")) == 1
    assert len(feed_server.requests_for("/favicon.ico")) == 1


def test_a_feed_without_any_icon_is_asked_for_once(
    qtbot, library: Library, feed_server: FeedServer, env: IconEnv
) -> None:
    feed = library.add_feed(feed_server.url("/feed.xml"))  # the server has no favicon.ico
    favicons = env.new()
    ready: list[int] = []
    favicons.icon_ready.connect(ready.append)
    assert favicons.icon(feed) is None
    qtbot.waitUntil(lambda: not favicons.busy)  # the disk, then (the list still) the web
    for _ in range(3):
        assert favicons.icon(feed) is None
    favicons.prefetch([feed])  # checks the disk cache on a worker, then asks for nothing
    qtbot.waitUntil(lambda: not env.tasks.busy)
    assert len(feed_server.requests_for("/favicon.ico")) == 1
    assert ready == []


def test_prefetch_fetches_a_shared_icon_once_for_every_feed(
    qtbot, library: Library, feed_server: FeedServer, env: IconEnv
) -> None:
    feed_server.route("/favicon.ico", body=image_bytes("ICO", RED), content_type="image/x-icon")
    feeds = [library.add_feed(feed_server.url(f"/feed{i}.xml")) for i in range(5)]
    favicons = env.new()
    ready: list[int] = []
    favicons.icon_ready.connect(ready.append)
    favicons.prefetch(feeds)
    qtbot.waitUntil(lambda: len(ready) == 5)
    assert sorted(ready) == sorted(f.id for f in feeds)
    assert len(feed_server.requests_for("/favicon.ico")) == 1
    assert all(color_of(favicons.icon(f)) == RED for f in feeds)
    # Cached on disk now: prefetching again asks for nothing.
    favicons.prefetch(feeds)
    assert not env.tasks.busy


def test_only_web_addresses_are_candidates(library: Library) -> None:
    feed = library.add_feed("https://user:secret@news.example/feed.xml")
    hostile = dataclasses.replace(
        feed, icon_url="file:///etc/passwd", site_url="javascript:alert(1)"
    )
    assert candidate_urls(hostile) == ("https://news.example/favicon.ico",)
    broken = dataclasses.replace(feed, icon_url="http://[::1/x.png", site_url="http://:80/")
    assert candidate_urls(broken) == ("https://news.example/favicon.ico",)


def test_decoding_refuses_what_is_not_an_icon() -> None:
    assert decode_icon(b"") == []
    assert decode_icon(b"<html>not a picture</html>") == []
    assert decode_icon(image_bytes("PNG", RED, 1)) == []  # a tracking pixel
    (big,) = decode_icon(image_bytes("PNG", RED, 512))
    assert (big.width(), big.height()) == (64, 64)
    (small,) = decode_icon(image_bytes("ICO", BLUE, 16))
    assert small.pixelColor(8, 8) == BLUE


def test_after_shutdown_nothing_is_fetched(
    qtbot, library: Library, feed_server: FeedServer, env: IconEnv
) -> None:
    feed_server.route("/favicon.ico", body=image_bytes("ICO", RED), content_type="image/x-icon")
    favicons = env.new()
    favicons.shutdown()
    feed = library.add_feed(feed_server.url("/feed.xml"))
    assert favicons.icon(feed) is None
    favicons.prefetch([feed])
    assert not env.tasks.busy
    assert feed_server.requests == []
