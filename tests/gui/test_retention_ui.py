"""Retention in the window: the refresh prunes in its child process, as the settings say,
and the lists and the status bar show it."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from reader_app.domain import EntryQuery
from reader_app.library import Library
from reader_app.paths import resolve_paths
from reader_app.settings import Settings
from reader_app.sync import SyncOptions
from reader_app.ui.main_window import MainWindow
from tests.support.feedserver import FeedServer, rss


def test_a_refresh_prunes_as_the_retention_settings_say(
    qtbot: QtBot, library: Library, tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.route("/news.xml", body=rss("News", items=10))
    library.add_feed(feed_server.url("/news.xml"))
    settings = Settings()
    settings.set("retention.keep_per_feed", 3)
    settings.set("retention.keep_unread", False)
    paths = resolve_paths(tmp_path / "home")
    paths.ensure()
    window = MainWindow(library, settings, paths, sync_options=SyncOptions, auto_sync=False)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.sync.finished, timeout=30_000):
        window.sync.refresh_all()
    assert library.count_entries(EntryQuery()) == 3
    assert "7 old articles removed" in window.sync_label.text()
    qtbot.waitUntil(lambda: window.article_model.rowCount() == 3)
    window.close()
