"""Fixtures for window tests: a real library file with feeds, tags and articles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from reader_app.domain import FeedId
from reader_app.library import Library
from reader_app.paths import AppPaths, resolve_paths
from reader_app.settings import Settings
from reader_app.sync import SyncOptions
from reader_app.ui.gui_gc import collect_on_gui_thread
from reader_app.ui.main_window import MainWindow
from tests.conftest import FixedClock, add_feed_with_entries
from tests.support.feedserver import FeedServer


@pytest.fixture(autouse=True)
def _garbage_collected_on_the_gui_thread(qapp: QApplication) -> None:
    """As in the app (reader_app/ui/gui_gc.py): a collection on a worker thread could destroy
    a widget there and crash Qt later. tests/conftest.py gives other tests automatic
    collection back."""
    collect_on_gui_thread(qapp)


@pytest.fixture
def reading_window(
    qtbot: QtBot, library: Library, tmp_path: Path, clock: FixedClock, filled_library: object
) -> Iterator[MainWindow]:
    """The reading window over ``filled_library``, shown and active (shortcuts fire only in
    the active window), with no automatic refresh."""
    paths = resolve_paths(tmp_path / "home")
    paths.ensure()
    made = MainWindow(
        library, Settings(), paths, sync_options=SyncOptions, clock=clock, auto_sync=False
    )
    qtbot.addWidget(made)
    with qtbot.waitActive(made):
        made.show()
        made.activateWindow()
    yield made
    made.close()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A real HTTP server on 127.0.0.1 (see tests/support/feedserver.py)."""
    with FeedServer() as server:
        yield server


@pytest.fixture
def filled_library(library: Library) -> dict[str, FeedId]:
    """Four feeds: two under News (one nested in News/Europe), one under Tech, one untagged.

    Returns the feed ids by a short name.
    """
    return {
        "world": add_feed_with_entries(library, "https://world.example/feed", 30, tags=("News",)),
        "europe": add_feed_with_entries(
            library, "https://europe.example/feed", 20, tags=("News/Europe",)
        ),
        "linux": add_feed_with_entries(library, "https://linux.example/feed", 10, tags=("Tech",)),
        "misc": add_feed_with_entries(library, "https://misc.example/feed", 5),
    }


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    """The app's folders under one temporary home (``--data-dir``), created."""
    found = resolve_paths(tmp_path / "home")
    found.ensure()
    return found
