"""The feed Properties dialog's "Keep articles" group on a real library file: it shows the
global values and the feed's own, stores an own value or the global choice, writes nothing
when cancelled, and the window opens it with the global settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from reader_app.domain import FeedId
from reader_app.domain.retention import RetentionPolicy
from reader_app.library import Library
from reader_app.paths import AppPaths
from reader_app.settings import Settings
from reader_app.sync import SyncOptions
from reader_app.ui.dialogs.feed_properties import FeedPropertiesDialog
from reader_app.ui.main_window import MainWindow
from reader_app.ui.tasks import Tasks

# Qt's offscreen platform warns on every top-level window whose size limits change (it has no
# window manager to pass them to); that is the test platform talking, not the dialog.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

WAIT_MS = 15_000
GLOBAL = RetentionPolicy(keep_days=30, keep_per_feed=0, keep_unread=True)


@pytest.fixture
def tasks(qtbot: QtBot) -> Iterator[Tasks]:
    """The real worker bridge; shut down (waiting for workers) before the library closes."""
    bridge = Tasks()
    yield bridge
    bridge.shutdown(wait=True)


def _limits(library: Library, feed_id: FeedId) -> tuple[int | None, int | None]:
    feed = library.feed(feed_id)
    return feed.keep_days, feed.keep_per_feed


MakeDialog = Callable[[int], FeedPropertiesDialog]


@pytest.fixture
def make_dialog(qtbot: QtBot, library: Library, tasks: Tasks) -> Iterator[MakeDialog]:
    """Properties dialogs with the global settings GLOBAL, deleted here on the GUI thread.

    Left to Python's garbage collector, a parentless dialog may be collected on the
    database writer's thread, and Qt objects must die on their own thread.
    """
    made: list[FeedPropertiesDialog] = []

    def make(feed_id: int) -> FeedPropertiesDialog:
        dialog = FeedPropertiesDialog(library, tasks, feed_id, global_retention=GLOBAL)
        qtbot.addWidget(dialog)
        made.append(dialog)
        return dialog

    yield make
    for dialog in made:
        if shiboken6.isValid(dialog):
            shiboken6.delete(dialog)


def test_it_shows_the_global_values_and_the_feed_own(
    qtbot: QtBot, library: Library, make_dialog: MakeDialog, filled_library: dict[str, FeedId]
) -> None:
    library.set_feed_options(filled_library["world"], keep_days=0, keep_per_feed=250)

    follows = make_dialog(filled_library["linux"])
    keep = follows.keep_group
    assert keep.days.global_radio.isChecked()
    assert keep.days.global_radio.text() == "Global setting (30 days)"
    assert keep.count.global_radio.text() == "Global setting (no limit)"
    assert not keep.days.spin.isEnabled()
    assert "unread ones are kept too" in keep.note.text()

    own = make_dialog(filled_library["world"]).keep_group
    assert own.days.own_radio.isChecked()
    assert own.count.own_radio.isChecked()
    assert own.days.spin.text() == "Forever"  # 0: kept however old
    assert own.count.spin.value() == 250
    assert own.days.value() == 0
    assert own.count.value() == 250


def test_an_own_value_typed_and_clicked_is_stored(
    qtbot: QtBot, library: Library, make_dialog: MakeDialog, filled_library: dict[str, FeedId]
) -> None:
    feed_id = filled_library["linux"]
    dialog = make_dialog(feed_id)
    with qtbot.waitActive(dialog):
        dialog.show()
        dialog.activateWindow()
    days = dialog.keep_group.days

    qtbot.mouseClick(days.own_radio, Qt.MouseButton.LeftButton)
    assert days.spin.isEnabled()
    assert days.spin.hasFocus()  # and its text is selected: typing replaces it
    qtbot.keyClicks(days.spin, "14")
    dialog.keep_group.count.set_value(0)  # "No limit" of its own
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    with qtbot.waitSignal(dialog.changed, timeout=WAIT_MS) as changed:
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    assert feed_id in changed.args[0].feeds
    assert _limits(library, feed_id) == (14, 0)


def test_choosing_the_global_setting_clears_the_feed_values(
    qtbot: QtBot, library: Library, make_dialog: MakeDialog, filled_library: dict[str, FeedId]
) -> None:
    feed_id = filled_library["misc"]
    library.set_feed_options(feed_id, keep_days=5, keep_per_feed=100)
    dialog = make_dialog(feed_id)
    dialog.open()

    dialog.keep_group.days.global_radio.setChecked(True)
    dialog.keep_group.count.global_radio.setChecked(True)
    assert not dialog.keep_group.days.spin.isEnabled()
    with qtbot.waitSignal(dialog.changed, timeout=WAIT_MS):
        dialog.accept()

    assert _limits(library, feed_id) == (None, None)


def test_only_what_changed_is_written(
    qtbot: QtBot, library: Library, make_dialog: MakeDialog, filled_library: dict[str, FeedId]
) -> None:
    feed_id = filled_library["europe"]
    library.set_feed_options(feed_id, keep_per_feed=40)
    dialog = make_dialog(feed_id)

    # "This feed" chosen but left at the global value: still a value of its own.
    dialog.keep_group.days.set_value(dialog.keep_group.days.spin.value())
    edits = dialog.edits()

    assert (edits.keep_days, edits.clear_keep_days) == (30, False)
    assert (edits.keep_per_feed, edits.clear_keep_per_feed) == (None, False)  # unchanged
    assert dialog.edits().user_title is None


def test_cancel_writes_nothing(
    qtbot: QtBot, library: Library, make_dialog: MakeDialog, filled_library: dict[str, FeedId]
) -> None:
    feed_id = filled_library["world"]
    library.set_feed_options(feed_id, keep_days=9)
    before = library.feed(feed_id)
    dialog = make_dialog(feed_id)
    dialog.open()
    dialog.keep_group.days.global_radio.setChecked(True)
    dialog.keep_group.count.set_value(3)

    with qtbot.assertNotEmitted(dialog.changed):
        dialog.reject()

    assert library.feed(feed_id) == before


def test_the_window_opens_it_with_the_global_settings(
    qtbot: QtBot, library: Library, paths: AppPaths, filled_library: dict[str, FeedId]
) -> None:
    settings = Settings(values={"retention.keep_days": 90, "retention.keep_per_feed": 500})
    window = MainWindow(library, settings, paths, sync_options=SyncOptions, auto_sync=False)
    qtbot.addWidget(window)
    window.show()

    window.subscriptions.feed_properties(library.feed(filled_library["linux"]))

    dialog = window.findChild(FeedPropertiesDialog)
    assert dialog is not None
    assert dialog.keep_group.days.global_radio.text() == "Global setting (90 days)"
    assert dialog.keep_group.count.global_radio.text() == "Global setting (the newest 500)"
    dialog.reject()
    window.close()
