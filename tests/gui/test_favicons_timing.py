"""When feed icons are looked up: never inside the paint that asks, the disk before the web,
and the web only once the feed list stands still (a real local HTTP server, a real tree)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QCursor

from reader_app.domain import Feed, FeedId
from reader_app.ingest.assets import AssetCache
from reader_app.library import Library
from reader_app.ui.favicons import Favicons
from reader_app.ui.models.feed_tree import FeedTreeModel
from reader_app.ui.selection import Selection
from reader_app.ui.tasks import Tasks
from reader_app.ui.widgets.feed_tree import FeedTree
from tests.gui import test_favicons as favicon_tests
from tests.support.feedserver import FeedServer

# The pictures and how their colour is read back: the icon tests' own.
RED, BLUE = favicon_tests.RED, favicon_tests.BLUE
image_bytes = favicon_tests.image_bytes
color_of = favicon_tests.color_of


@pytest.fixture
def tasks() -> Iterator[Tasks]:
    made = Tasks()
    yield made
    made.shutdown(wait=True)


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[AssetCache]:
    made = AssetCache(tmp_path / "images", timeout_seconds=5.0)
    yield made
    made.close()


def with_icon(feed: Feed, feed_id: int, url: str) -> Feed:
    """``feed`` under another id, declaring its own icon at ``url``."""
    return dataclasses.replace(feed, id=FeedId(feed_id), icon_url=url)


def test_asking_for_an_icon_starts_no_work_on_the_spot(
    qtbot, library: Library, feed_server: FeedServer, tasks: Tasks, cache: AssetCache
) -> None:
    # A paint asks for every icon it draws; the look-up waits for the paint to end.
    feed_server.route("/favicon.ico", body=image_bytes("ICO", RED), content_type="image/x-icon")
    feed = library.add_feed(feed_server.url("/feed.xml"))
    favicons = Favicons(cache, tasks, network_quiet_ms=0)
    assert favicons.icon(feed) is None
    assert not tasks.busy
    assert favicons.busy
    with qtbot.waitSignal(favicons.icon_ready):
        pass
    assert color_of(favicons.icon(feed)) == RED


def test_the_web_waits_until_no_new_icon_is_wanted(
    qtbot, library: Library, feed_server: FeedServer, tasks: Tasks, cache: AssetCache
) -> None:
    base = library.add_feed(feed_server.url("/feed.xml"))
    feeds = [with_icon(base, 100 + i, feed_server.url(f"/icon{i}.png")) for i in range(8)]
    for i in range(8):
        feed_server.route(f"/icon{i}.png", body=image_bytes("PNG", BLUE), content_type="image/png")
    favicons = Favicons(cache, tasks, lookup_delay_ms=0, network_quiet_ms=400)
    ready: set[int] = set()
    favicons.icon_ready.connect(ready.add)

    # The user scrolls through the list: a new icon every 100 ms, for longer than the pause
    # the web waits for. The disk is looked at meanwhile, the web is not.
    for feed in feeds:
        assert favicons.icon(feed) is None
        qtbot.wait(100)
    assert feed_server.requests == []

    # The list stands still: every icon is fetched, once.
    qtbot.waitUntil(lambda: ready == {f.id for f in feeds}, timeout=10_000)
    assert sorted(r.path for r in feed_server.requests) == sorted(f"/icon{i}.png" for i in range(8))
    assert all(color_of(favicons.icon(f)) == BLUE for f in feeds)


def test_a_moving_pointer_keeps_the_web_waiting(
    qtbot, library: Library, feed_server: FeedServer, tasks: Tasks, cache: AssetCache
) -> None:
    # A click nearly always follows a move of the pointer: while it moves, nothing is
    # fetched, so the HTTP library's first load does not land on the click.
    feed_server.route("/favicon.ico", body=image_bytes("ICO", RED), content_type="image/x-icon")
    feed = library.add_feed(feed_server.url("/feed.xml"))
    favicons = Favicons(cache, tasks, lookup_delay_ms=0, network_quiet_ms=300)
    assert favicons.icon(feed) is None
    for step in range(10):
        QCursor.setPos(QPoint(40 + 7 * step, 60))
        qtbot.wait(100)
    assert feed_server.requests == []
    with qtbot.waitSignal(favicons.icon_ready, timeout=5000):
        pass  # the pointer rests: the icon is fetched
    assert len(feed_server.requests_for("/favicon.ico")) == 1


def test_an_icon_on_disk_shows_at_once_and_the_feeds_own_icon_replaces_it_later(
    qtbot, library: Library, feed_server: FeedServer, tasks: Tasks, cache: AssetCache
) -> None:
    feed_server.route("/favicon.ico", body=image_bytes("ICO", RED), content_type="image/x-icon")
    feed_server.route("/icon.png", body=image_bytes("PNG", BLUE), content_type="image/png")
    plain = library.add_feed(feed_server.url("/feed.xml"))
    cache.get(feed_server.url("/favicon.ico"))  # a past run stored the site's icon
    assert len(feed_server.requests) == 1
    # Since then the feed declared an icon of its own, not on disk yet.
    feed = with_icon(plain, plain.id, feed_server.url("/icon.png"))
    favicons = Favicons(cache, tasks, network_quiet_ms=300)
    seen: list[str] = []
    favicons.icon_ready.connect(lambda _id: seen.append(color_of(favicons.icon(feed)).name()))

    with qtbot.waitSignal(favicons.icon_ready):
        assert favicons.icon(feed) is None
    assert color_of(favicons.icon(feed)) == RED  # from disk, before any request
    assert len(feed_server.requests) == 1
    qtbot.waitUntil(lambda: color_of(favicons.icon(feed)) == BLUE)
    assert seen == [RED.name(), BLUE.name()]
    assert [r.path for r in feed_server.requests] == ["/favicon.ico", "/icon.png"]


def test_the_feed_lists_paint_fetches_nothing_until_the_list_stands_still(
    qtbot, library: Library, feed_server: FeedServer, tasks: Tasks, cache: AssetCache
) -> None:
    feed_server.route("/favicon.ico", body=image_bytes("ICO", RED), content_type="image/x-icon")
    feed = library.add_feed(feed_server.url("/feed.xml"))
    model = FeedTreeModel(library)
    favicons = Favicons(cache, tasks, network_quiet_ms=300)

    def provider(feed_id: int):  # as the window wires it
        found = model.feed(feed_id)
        return favicons.icon(found) if found is not None else None

    model.set_icon_provider(provider)
    favicons.icon_ready.connect(model.icon_changed)
    tree = FeedTree(model)
    qtbot.addWidget(tree)
    tree.resize(280, 300)
    with qtbot.waitExposed(tree):
        tree.show()
    tree.grab()  # a paint: it asks for the icon of every feed row it draws

    assert not tasks.busy  # the paint started no work beside it
    row = model.index_of(Selection(feed_id=feed.id))
    qtbot.waitUntil(lambda: color_of(row.data(Qt.ItemDataRole.DecorationRole)) == RED)
    assert len(feed_server.requests_for("/favicon.ico")) == 1


def test_the_web_waits_for_a_running_sync(
    qtbot, library: Library, feed_server: FeedServer, tasks: Tasks, cache: AssetCache
) -> None:
    feed_server.route("/favicon.ico", body=image_bytes("ICO", BLUE), content_type="image/x-icon")
    feed = library.add_feed(feed_server.url("/feed.xml"))
    favicons = Favicons(cache, tasks, network_quiet_ms=0)
    favicons.set_network_paused(True)  # what the window does when a sync starts
    assert favicons.icon(feed) is None
    qtbot.wait(300)  # the disk look-up has found nothing; the web would be next
    assert feed_server.requests_for("/favicon.ico") == []
    with qtbot.waitSignal(favicons.icon_ready, timeout=5000):
        favicons.set_network_paused(False)  # the sync ended
    assert color_of(favicons.icon(feed)) == BLUE
    assert len(feed_server.requests_for("/favicon.ico")) == 1
