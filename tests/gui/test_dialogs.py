"""The dialogs and the first-run panel on a real library file, a real settings file and the
real local HTTP server: each opens, validates, does its work off the GUI thread, reports
problems in the dialog, and writes nothing when cancelled."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QWheelEvent
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QMessageBox,
    QSpinBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from reader_app import __version__
from reader_app.domain import Changes, FeedId
from reader_app.errors import FeedExistsError
from reader_app.files import write_atomically
from reader_app.library import Library
from reader_app.paths import resolve_paths
from reader_app.settings import SETTINGS, Settings
from reader_app.ui.dialogs import preferences
from reader_app.ui.dialogs.about import AboutDialog
from reader_app.ui.dialogs.add_feed import AddFeedDialog, TagCompleter, parse_tags, url_from_text
from reader_app.ui.dialogs.errors import BugDialog, confirm_remove_feed, describe_error, show_error
from reader_app.ui.dialogs.export_opml import export_opml
from reader_app.ui.dialogs.feed_properties import (
    FeedPropertiesDialog,
    edit_tags_dialog,
    rename_feed_dialog,
)
from reader_app.ui.dialogs.import_opml import ImportOpmlDialog, import_opml
from reader_app.ui.dialogs.preferences import NOT_YET_IN_EFFECT, PreferencesDialog
from reader_app.ui.resources import resource_path
from reader_app.ui.tasks import Tasks
from reader_app.ui.widgets.first_run import FirstRunPanel
from tests.support.feedserver import FeedServer, rss

# Qt's offscreen platform warns on every top-level window whose size limits change (it has no
# window manager to pass them to); that is the test platform talking, not the dialogs.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

DATA = Path(__file__).resolve().parent.parent / "data"
WAIT_MS = 15_000


@pytest.fixture
def tasks(qtbot: QtBot) -> Iterator[Tasks]:
    """The real worker bridge; shut down (waiting for workers) before the library closes."""
    bridge = Tasks()
    yield bridge
    bridge.shutdown(wait=True)


def feed_urls(library: Library) -> list[str]:
    return sorted(s.feed.url for s in library.feeds())


def two_feed_page(server: FeedServer) -> str:
    server.route("/posts.xml", body=rss("All posts"))
    server.route("/comments.xml", body=rss("All comments"))
    page = (
        b"<!doctype html><html><head><title>A blog</title>"
        b'<link rel="alternate" type="application/rss+xml" title="Posts" href="/posts.xml">'
        b'<link rel="alternate" type="application/rss+xml" title="Comments" href="/comments.xml">'
        b"</head><body><p>Hello</p></body></html>"
    )
    server.route("/blog/", body=page, content_type="text/html; charset=utf-8")
    return server.url("/blog/")


# --- Add feed --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("https://example.org/feed.xml", "https://example.org/feed.xml"),
        ("  http://example.org  ", "http://example.org"),
        ("example.org/blog", "https://example.org/blog"),
        ("feed://example.org/rss", "feed://example.org/rss"),
        ("ftp://x", None),
        ("javascript:alert(1)", None),
        ("not a url", None),
        ("localhost", "https://localhost"),
        ("example.org:8080/feed", "https://example.org:8080/feed"),
        ("mailto:someone@example.org", None),
        ("data:text/html,x.y", None),
        ("word", None),
        ("", None),
    ],
)
def test_the_address_is_understood_like_a_browser_would(text: str, url: str | None) -> None:
    assert url_from_text(text) == url


def test_tags_are_split_on_commas_and_normalized() -> None:
    assert parse_tags(" News ,Tech / Linux,, News") == ("News", "Tech/Linux")
    assert parse_tags("") == ()


def test_add_feed_ok_is_enabled_only_for_an_http_address(
    qtbot: QtBot, library: Library, tasks: Tasks
) -> None:
    dialog = AddFeedDialog(library, tasks)
    qtbot.addWidget(dialog)
    dialog.open()
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.url_edit, "ftp://x")
    assert not dialog.ok_button.isEnabled()
    dialog.url_edit.clear()
    qtbot.keyClicks(dialog.url_edit, "https://example.org/feed")
    assert dialog.ok_button.isEnabled()
    # Enter with a refused address does nothing at all (no network, no write).
    dialog.url_edit.setText("ftp://x")
    dialog.accept()
    assert not dialog.busy_now
    assert dialog.isVisible()


def test_add_feed_cancel_writes_nothing(
    qtbot: QtBot, library: Library, tasks: Tasks, filled_library: dict[str, FeedId]
) -> None:
    before = library.feeds()
    dialog = AddFeedDialog(library, tasks)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.keyClicks(dialog.url_edit, "https://new.example/feed")
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert library.feeds() == before


def test_add_feed_subscribes_to_a_feed_address(
    qtbot: QtBot, library: Library, tasks: Tasks, feed_server: FeedServer
) -> None:
    feed_server.route("/feed.xml", body=rss("Server news"))
    dialog = AddFeedDialog(library, tasks)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.keyClicks(dialog.url_edit, feed_server.url("/feed.xml"))
    qtbot.keyClicks(dialog.tags_edit, "News, Tech/Linux")
    with qtbot.waitSignal(dialog.feed_added, timeout=WAIT_MS) as added:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        assert dialog.busy_now
        assert dialog.cancel_button.isEnabled()  # Cancel still works while it looks
    feed = added.args[0]
    assert feed.url == feed_server.url("/feed.xml")
    assert dialog.added_feed == feed
    assert dialog.result() == QDialog.DialogCode.Accepted
    stored = library.feed(feed.id)
    assert stored.title == "Server news"
    assert stored.tags == ("News", "Tech/Linux")


def test_add_feed_lets_the_user_choose_among_the_feeds_a_page_links(
    qtbot: QtBot, library: Library, tasks: Tasks, feed_server: FeedServer
) -> None:
    page = two_feed_page(feed_server)
    dialog = AddFeedDialog(library, tasks)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.url_edit.setText(page)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(dialog.candidates) == 2, timeout=WAIT_MS)
    assert library.feeds() == []  # nothing is added before the user chooses
    assert dialog.candidate_list.isVisible()
    shown = [
        dialog.candidate_list.topLevelItem(i).text(0)  # type: ignore[union-attr]
        for i in range(dialog.candidate_list.topLevelItemCount())
    ]
    assert shown == ["Posts", "Comments"]
    second = dialog.candidate_list.topLevelItem(1)
    assert second is not None
    dialog.candidate_list.setCurrentItem(second)
    with qtbot.waitSignal(dialog.feed_added, timeout=WAIT_MS) as added:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert added.args[0].url == feed_server.url("/comments.xml")
    assert feed_urls(library) == [feed_server.url("/comments.xml")]


def test_add_feed_shows_a_404_and_stays_open(
    qtbot: QtBot, library: Library, tasks: Tasks, feed_server: FeedServer
) -> None:
    dialog = AddFeedDialog(library, tasks)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.url_edit.setText(feed_server.url("/missing.xml"))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy_now, timeout=WAIT_MS)
    assert "404" in dialog.status_text
    assert dialog.status_icon.isVisibleTo(dialog)
    assert dialog.isVisible()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert library.feeds() == []
    # The address can be corrected and tried again from the same dialog.
    assert dialog.ok_button.isEnabled()
    assert not dialog.url_edit.isReadOnly()


def test_add_feed_says_when_already_subscribed(
    qtbot: QtBot, library: Library, tasks: Tasks, feed_server: FeedServer
) -> None:
    feed_server.route("/feed.xml", body=rss("Known"))
    library.add_feed(feed_server.url("/feed.xml"))
    dialog = AddFeedDialog(library, tasks)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.url_edit.setText(feed_server.url("/feed.xml"))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "already subscribed" in dialog.status_text, timeout=WAIT_MS)
    assert dialog.isVisible()
    assert len(library.feeds()) == 1


def test_add_feed_refuses_a_bad_tag_before_going_to_the_network(
    qtbot: QtBot, library: Library, tasks: Tasks, feed_server: FeedServer
) -> None:
    feed_server.route("/feed.xml", body=rss())
    dialog = AddFeedDialog(library, tasks)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.url_edit.setText(feed_server.url("/feed.xml"))
    dialog.tags_edit.setText("x" * 300)
    dialog.accept()
    assert "tag" in dialog.status_text.lower()
    assert not dialog.busy_now
    assert feed_server.requests == []


def test_cancel_during_discovery_closes_and_adds_nothing(
    qtbot: QtBot, library: Library, tasks: Tasks, feed_server: FeedServer
) -> None:
    feed_server.route("/slow.xml", body=rss(), delay=1.0)
    dialog = AddFeedDialog(library, tasks)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.url_edit.setText(feed_server.url("/slow.xml"))
    dialog.accept()
    qtbot.waitUntil(lambda: bool(feed_server.requests), timeout=WAIT_MS)
    assert dialog.busy_now
    with qtbot.assertNotEmitted(dialog.feed_added):
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
        assert dialog.result() == QDialog.DialogCode.Rejected
        assert not dialog.isVisible()
        # The server answers after the cancel: the late result must not add the feed.
        qtbot.waitUntil(lambda: not tasks.busy, timeout=WAIT_MS)
    assert feed_server.responses
    assert library.feeds() == []


def test_tag_completion_completes_the_tag_after_the_last_comma(
    qtbot: QtBot, library: Library, tasks: Tasks, filled_library: dict[str, FeedId]
) -> None:
    dialog = AddFeedDialog(library, tasks)
    qtbot.addWidget(dialog)
    completer = dialog.tags_edit.completer()
    assert isinstance(completer, TagCompleter)
    dialog.tags_edit.setText("News, te")
    assert completer.splitPath(dialog.tags_edit.text()) == ["te"]
    model = completer.model()
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == "Tech")
    assert completer.pathFromIndex(model.index(row, 0)) == "News, Tech"


def test_errors_are_described_in_plain_words() -> None:
    text = describe_error(FeedExistsError("already subscribed to https://x.example/feed"))
    assert text.startswith("You are already subscribed")
    assert "https://x.example/feed" in text
    assert "Permission denied" in describe_error(PermissionError(13, "Permission denied", "/f"))


# --- Import OPML -----------------------------------------------------------------------------


def test_import_opml_summarises_added_known_and_skipped(
    qtbot: QtBot, library: Library, tasks: Tasks, tmp_path: Path
) -> None:
    library.add_feed("https://known.example/feed")
    opml = tmp_path / "mine.opml"
    opml.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<opml version="2.0"><head><title>Mine</title></head><body>\n'
        '<outline text="Tech">\n'
        '  <outline type="rss" text="New" xmlUrl="https://new.example/feed"/>\n'
        '  <outline type="rss" text="Known" xmlUrl="https://known.example/feed"/>\n'
        "</outline>\n"
        '<outline type="rss" text="Script" xmlUrl="javascript:alert(1)"/>\n'
        "</body></opml>\n",
        encoding="utf-8",
    )
    parent = QWidget()
    qtbot.addWidget(parent)
    got: list[Changes] = []
    dialog = import_opml(parent, library, tasks, opml, on_imported=got.append)
    assert dialog is not None
    # The import runs on a worker; its result is delivered through the event loop.
    qtbot.waitUntil(lambda: bool(got), timeout=WAIT_MS)
    assert got[0].tags
    summary = dialog.summary_label.text()
    assert "Added 1 feed." in summary
    assert "1 feed was already subscribed" in summary
    assert "1 outline was not imported" in summary
    assert dialog.skipped_list.topLevelItemCount() == 1
    row = dialog.skipped_list.topLevelItem(0)
    assert row is not None
    assert row.text(0) == "7"
    assert row.text(1) == "javascript:alert(1)"
    assert "http" in row.text(2)
    assert feed_urls(library) == ["https://known.example/feed", "https://new.example/feed"]
    assert library.feed("https://known.example/feed").tags == ("Tech",)  # tags merged
    assert dialog.report is not None
    assert dialog.report.added == ("https://new.example/feed",)


def test_a_hostile_opml_is_refused_with_its_name_and_imports_nothing(
    qtbot: QtBot, library: Library, tasks: Tasks, tmp_path: Path
) -> None:
    hostile = tmp_path / "steal.opml"
    hostile.write_bytes((DATA / "opml" / "external_entity.opml").read_bytes())
    dialog = ImportOpmlDialog(library, tasks, hostile)
    qtbot.addWidget(dialog)
    dialog.open()
    with qtbot.waitSignal(dialog.failed, timeout=WAIT_MS), qtbot.assertNotEmitted(dialog.imported):
        dialog.start()
    assert "steal.opml" in dialog.heading.text()
    assert str(hostile) in dialog.path_label.text()
    assert dialog.error is not None
    assert "DOCTYPE" in dialog.error
    assert "Nothing was imported" in dialog.error
    assert library.feeds() == []


def test_an_unreadable_opml_path_is_named_in_the_message(
    qtbot: QtBot, library: Library, tasks: Tasks, tmp_path: Path
) -> None:
    missing = tmp_path / "gone.opml"
    dialog = ImportOpmlDialog(library, tasks, missing)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.failed, timeout=WAIT_MS) as failed:
        dialog.start()
    assert "cannot read the file" in failed.args[0].lower()
    assert "gone.opml" in dialog.heading.text()


def test_a_file_in_another_encoding_without_declaration_is_refused(
    qtbot: QtBot, library: Library, tasks: Tasks, tmp_path: Path
) -> None:
    latin = tmp_path / "latin.opml"
    latin.write_bytes(
        b'<opml version="2.0"><body><outline text="Caf\xe9" '
        b'xmlUrl="https://cafe.example/feed"/></body></opml>'
    )
    dialog = ImportOpmlDialog(library, tasks, latin)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.failed, timeout=WAIT_MS) as failed:
        dialog.start()
    assert "Line 1" in failed.args[0]
    assert library.feeds() == []


def test_the_starter_feeds_import_through_the_dialog(
    qtbot: QtBot, library: Library, tasks: Tasks
) -> None:
    dialog = ImportOpmlDialog(library, tasks, resource_path("starter.opml"))
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.imported, timeout=WAIT_MS):
        dialog.start()
    assert dialog.skipped_list.topLevelItemCount() == 0
    assert len(library.feeds()) >= 16
    assert {t.name for t in library.tags()} == {"News", "Tech", "Science", "Python"}


# --- Export OPML -----------------------------------------------------------------------------


def test_export_writes_a_file_that_imports_back(
    qtbot: QtBot,
    library: Library,
    tasks: Tasks,
    filled_library: dict[str, FeedId],
    tmp_path: Path,
) -> None:
    target = tmp_path / "out.opml"
    target.write_text("an older export")
    written: list[Path] = []
    assert export_opml(None, library, tasks, target, on_done=written.append) == target
    qtbot.waitUntil(lambda: bool(written), timeout=WAIT_MS)
    assert written == [target]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []
    with Library.open(tmp_path / "other.sqlite3") as other:
        report = other.import_opml(target.read_bytes(), source=str(target))
        assert report.skipped == ()
        assert feed_urls(other) == feed_urls(library)
        assert other.feed("https://europe.example/feed").tags == ("News/Europe",)


def test_export_failure_names_the_file_and_writes_nothing(
    qtbot: QtBot, library: Library, tasks: Tasks, tmp_path: Path
) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    target = tmp_path / "no-such-folder" / "out.opml"
    written: list[Path] = []
    export_opml(parent, library, tasks, target, on_done=written.append)
    qtbot.waitUntil(lambda: parent.findChild(QMessageBox) is not None, timeout=WAIT_MS)
    box = parent.findChild(QMessageBox)
    assert box is not None
    assert str(target) in box.text()
    assert written == []
    assert not target.parent.exists()
    box.close()


def test_write_atomically_keeps_the_old_file_when_it_fails(tmp_path: Path) -> None:
    target = tmp_path / "subs.opml"
    target.write_bytes(b"old")
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    folder_in_the_way = tmp_path / "dir.opml"
    folder_in_the_way.mkdir()
    with pytest.raises(OSError, match=r"dir\.opml"):
        write_atomically(folder_in_the_way, b"data")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.opml", "subs.opml"]


# --- Preferences -----------------------------------------------------------------------------


def test_preferences_editors_follow_the_settings_table(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = PreferencesDialog(Settings(), tmp_path / "settings.json")
    qtbot.addWidget(dialog)
    offered = [spec for spec in SETTINGS if spec.key not in NOT_YET_IN_EFFECT]
    assert offered
    assert dialog.tabs.count() == len({spec.key.split(".")[0] for spec in offered})
    for spec in offered:
        editor = dialog.editor(spec.key)
        assert editor.toolTip() == spec.description
        if spec.type is bool:
            assert isinstance(editor, QCheckBox)
        elif spec.type is int:
            assert isinstance(editor, QSpinBox)
            assert editor.minimum() == spec.minimum
            assert editor.maximum() == spec.maximum
        elif spec.type is float:
            assert isinstance(editor, QDoubleSpinBox)
            assert editor.minimum() == spec.minimum
            assert editor.maximum() == spec.maximum
        elif spec.choices is not None:
            assert isinstance(editor, QComboBox)
            assert [editor.itemData(i) for i in range(editor.count())] == list(spec.choices)
    interval = dialog.editor("sync.interval_minutes")
    assert isinstance(interval, QSpinBox)
    interval.setValue(1)  # below the table's minimum of 5
    assert interval.value() == 5
    defaults = {k: v for k, v in Settings().as_dict().items() if k not in NOT_YET_IN_EFFECT}
    assert dialog.values() == defaults | {"sync.interval_minutes": 5}


def test_the_wheel_changes_a_spin_box_only_when_it_has_focus(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = PreferencesDialog(Settings(), tmp_path / "settings.json")
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):
        dialog.show()
        dialog.activateWindow()
    box = dialog.editor("sync.max_connections")
    assert isinstance(box, QSpinBox)

    def wheel_up() -> None:
        centre = QPointF(box.rect().center())
        event = QWheelEvent(
            centre,
            QPointF(box.mapToGlobal(box.rect().center())),
            QPoint(0, 0),
            QPoint(0, 120),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QApplication.sendEvent(box, event)

    wheel_up()  # scrolling the page past it
    assert box.value() == 16
    box.setFocus()
    wheel_up()
    assert box.value() == 17


def test_preferences_save_a_changed_value_and_name_its_key(qtbot: QtBot, tmp_path: Path) -> None:
    settings = Settings()
    file = tmp_path / "config" / "settings.json"
    dialog = PreferencesDialog(settings, file)
    qtbot.addWidget(dialog)
    dialog.open()
    interval = dialog.editor("sync.interval_minutes")
    assert isinstance(interval, QSpinBox)
    interval.selectAll()
    qtbot.keyClicks(interval, "120")
    theme = dialog.editor("ui.theme")
    assert isinstance(theme, QComboBox)
    theme.setCurrentIndex(theme.findData("dark"))
    with qtbot.waitSignal(dialog.settings_changed) as changed:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert changed.args == [frozenset({"sync.interval_minutes", "ui.theme"})]
    assert json.loads(file.read_text()) == {"sync.interval_minutes": 120, "ui.theme": "dark"}
    assert settings.get_int("sync.interval_minutes") == 120
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_preferences_cancel_writes_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    settings = Settings()
    file = tmp_path / "settings.json"
    dialog = PreferencesDialog(settings, file)
    qtbot.addWidget(dialog)
    dialog.open()
    check = dialog.editor("reading.hide_read")
    assert isinstance(check, QCheckBox)
    check.setChecked(True)
    with qtbot.assertNotEmitted(dialog.settings_changed):
        dialog.reject()
    assert not file.exists()
    assert settings.get_bool("reading.hide_read") is False


def test_restore_defaults_then_ok_saves_the_defaults(qtbot: QtBot, tmp_path: Path) -> None:
    settings = Settings(values={"reading.zoom_percent": 150, "sync.max_per_host": 4})
    file = tmp_path / "settings.json"
    dialog = PreferencesDialog(settings, file)
    qtbot.addWidget(dialog)
    dialog.restore_defaults()
    defaults = {k: v for k, v in Settings().as_dict().items() if k not in NOT_YET_IN_EFFECT}
    assert dialog.values() == defaults
    with qtbot.waitSignal(dialog.settings_changed) as changed:
        dialog.accept()
    assert changed.args == [frozenset({"reading.zoom_percent", "sync.max_per_host"})]
    assert json.loads(file.read_text()) == {}
    assert settings.get_int("reading.zoom_percent") == 100


def test_settings_not_yet_in_effect_are_not_offered_and_keep_their_values(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every setting is in effect today; the mechanism stays for the next feature's.
    monkeypatch.setattr(preferences, "NOT_YET_IN_EFFECT", frozenset({"retention.keep_days"}))
    settings = Settings(values={"retention.keep_days": 30})
    file = tmp_path / "settings.json"
    dialog = PreferencesDialog(settings, file)
    qtbot.addWidget(dialog)
    for key in preferences.NOT_YET_IN_EFFECT:
        with pytest.raises(KeyError):
            dialog.editor(key)
    dialog.restore_defaults()
    zoom = dialog.editor("reading.zoom_percent")
    assert isinstance(zoom, QSpinBox)
    zoom.setValue(120)
    dialog.accept()
    assert settings.get_int("retention.keep_days") == 30
    saved = json.loads(file.read_text())
    assert saved == {"retention.keep_days": 30, "reading.zoom_percent": 120}


def test_preferences_that_cannot_be_saved_stay_open_and_change_nothing(
    qtbot: QtBot, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings = Settings()
    dialog = PreferencesDialog(settings, blocker / "settings.json")
    qtbot.addWidget(dialog)
    dialog.open()
    zoom = dialog.editor("reading.zoom_percent")
    assert isinstance(zoom, QSpinBox)
    zoom.setValue(200)
    with qtbot.assertNotEmitted(dialog.settings_changed):
        dialog.accept()
    assert dialog.isVisible()
    assert "Cannot save settings" in dialog.error_label.text()
    assert settings.get_int("reading.zoom_percent") == 100


# --- Feed properties -------------------------------------------------------------------------


def test_feed_properties_rename_and_interval_are_stored(
    qtbot: QtBot, library: Library, tasks: Tasks, filled_library: dict[str, FeedId]
) -> None:
    feed_id = filled_library["linux"]
    dialog = FeedPropertiesDialog(library, tasks, feed_id, default_interval_minutes=60)
    qtbot.addWidget(dialog)
    dialog.open()
    assert dialog.url_edit.isReadOnly()
    assert dialog.url_edit.text() == "https://linux.example/feed"
    assert dialog.interval_spin.text() == "Default (every 60 min)"
    dialog.title_edit.setText("  Linux news  ")
    dialog.interval_spin.setValue(30)
    dialog.tags_edit.setText("Tech, Linux")
    dialog.images_check.setChecked(True)
    with qtbot.waitSignal(dialog.changed, timeout=WAIT_MS) as changed:
        dialog.accept()
    assert feed_id in changed.args[0].feeds
    assert changed.args[0].tags
    stored = library.feed(feed_id)
    assert stored.user_title == "Linux news"
    assert stored.update_interval_minutes == 30
    assert stored.tags == ("Linux", "Tech")
    assert stored.load_images is True
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_feed_properties_back_to_defaults(
    qtbot: QtBot, library: Library, tasks: Tasks, filled_library: dict[str, FeedId]
) -> None:
    feed_id = filled_library["world"]
    library.rename_feed(feed_id, "Mine")
    library.set_feed_options(feed_id, update_interval_minutes=15)
    dialog = FeedPropertiesDialog(library, tasks, library.feed(feed_id))
    qtbot.addWidget(dialog)
    assert dialog.title_edit.text() == "Mine"
    dialog.title_edit.clear()
    dialog.interval_spin.setValue(0)
    dialog.tags_edit.clear()
    with qtbot.waitSignal(dialog.changed, timeout=WAIT_MS):
        dialog.accept()
    stored = library.feed(feed_id)
    assert stored.user_title is None
    assert stored.update_interval_minutes is None
    assert stored.tags == ()


def test_feed_properties_cancel_writes_nothing(
    qtbot: QtBot, library: Library, tasks: Tasks, filled_library: dict[str, FeedId]
) -> None:
    feed_id = filled_library["misc"]
    before = library.feed(feed_id)
    dialog = FeedPropertiesDialog(library, tasks, feed_id)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.title_edit.setText("Other")
    dialog.updates_check.setChecked(False)
    with qtbot.assertNotEmitted(dialog.changed):
        dialog.reject()
    assert library.feed(feed_id) == before


def test_feed_properties_show_the_last_error_as_plain_text(
    qtbot: QtBot, library: Library, tasks: Tasks, feed_server: FeedServer
) -> None:
    from reader_app.sync import SyncOptions, SyncSelection

    feed_server.route("/broken.xml", status=500, body=b"<b>oops</b>", content_type="text/html")
    feed = library.add_feed(feed_server.url("/broken.xml"), title="<b>Bold</b> title")
    library.update_feeds(
        SyncSelection(feed_ids=frozenset({feed.id}), force=True),
        options=SyncOptions(request_timeout_seconds=5.0),
    )
    dialog = FeedPropertiesDialog(library, tasks, feed.id)
    qtbot.addWidget(dialog)
    assert dialog.error_label is not None
    assert "500" in dialog.error_label.text()
    assert dialog.error_label.textFormat() == Qt.TextFormat.PlainText
    assert dialog.feed_title_label.textFormat() == Qt.TextFormat.PlainText


def test_rename_and_tag_prompts_store_their_change(
    qtbot: QtBot, library: Library, tasks: Tasks, filled_library: dict[str, FeedId]
) -> None:
    feed_id = filled_library["misc"]
    done: list[Changes] = []
    prompt = rename_feed_dialog(None, library, tasks, feed_id, on_done=done.append)
    prompt.setTextValue("Miscellany")
    prompt.accept()
    qtbot.waitUntil(lambda: len(done) == 1, timeout=WAIT_MS)
    assert library.feed(feed_id).user_title == "Miscellany"

    prompt = edit_tags_dialog(None, library, tasks, library.feed(feed_id), on_done=done.append)
    assert prompt.textValue() == ""
    prompt.setTextValue("Fun, Tech")
    prompt.accept()
    qtbot.waitUntil(lambda: len(done) == 2, timeout=WAIT_MS)
    assert library.feed(feed_id).tags == ("Fun", "Tech")
    assert done[1].tags


def test_rename_prompt_cancelled_writes_nothing(
    qtbot: QtBot, library: Library, tasks: Tasks, filled_library: dict[str, FeedId]
) -> None:
    feed_id = filled_library["misc"]
    prompt = rename_feed_dialog(None, library, tasks, feed_id)
    prompt.setTextValue("Changed my mind")
    prompt.reject()
    qtbot.wait(50)
    assert not tasks.busy
    assert library.feed(feed_id).user_title is None


# --- Errors, About, first run ----------------------------------------------------------------


def _raise_deep() -> None:
    raise KeyError("a missing key")


def test_bug_dialog_shows_the_traceback_behind_details(qtbot: QtBot, tmp_path: Path) -> None:
    try:
        _raise_deep()
    except KeyError as exc:
        error = exc
    log_file = tmp_path / "logs" / "reader-app.log"
    dialog = BugDialog(error, log_file)
    qtbot.addWidget(dialog)
    dialog.open()
    assert "KeyError" in dialog.summary_label.text()
    assert str(log_file) in dialog.log_label.text()
    assert not dialog.details_view.isVisible()
    qtbot.mouseClick(dialog.details_button, Qt.MouseButton.LeftButton)
    assert dialog.details_view.isVisible()
    text = dialog.details_view.toPlainText()
    assert text.startswith("Traceback (most recent call last):")
    assert "_raise_deep" in text
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == text


def test_show_error_with_a_window_does_not_block(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    box = show_error(parent, "Export Failed", "<b>not bold</b> /tmp/x.opml", details="more")
    assert box.isVisible()
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert box.text() == "<b>not bold</b> /tmp/x.opml"
    box.close()


@pytest.mark.parametrize(("press", "expected"), [("Unsubscribe", True), ("Cancel", False)])
def test_confirm_remove_feed(qtbot: QtBot, press: str, expected: bool) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen.append(box.text())
        button = next(b for b in box.buttons() if b.text().replace("&", "") == press)
        button.click()

    QTimer.singleShot(0, answer)
    assert confirm_remove_feed(parent, "<i>My</i> feed") is expected
    assert seen == ["Unsubscribe from “<i>My</i> feed”?"]


def test_about_names_the_version_and_the_files(qtbot: QtBot, tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path / "home")
    dialog = AboutDialog(paths)
    qtbot.addWidget(dialog)
    assert __version__ in dialog.version_label.text()
    assert dialog.data_label.text() == str(paths.data_dir)
    assert dialog.log_label.text() == str(paths.log_file)
    assert dialog.log_label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse


@pytest.mark.parametrize(
    ("button", "signal"),
    [
        ("add_button", "add_feed_requested"),
        ("import_button", "import_requested"),
        ("starter_button", "starter_requested"),
    ],
)
def test_first_run_buttons_emit(qtbot: QtBot, button: str, signal: str) -> None:
    panel = FirstRunPanel()
    qtbot.addWidget(panel)
    panel.show()
    with qtbot.waitSignal(getattr(panel, signal), timeout=1000):
        qtbot.mouseClick(getattr(panel, button), Qt.MouseButton.LeftButton)


@pytest.mark.parametrize("size", [16, 256])
def test_the_icon_renders_at_small_and_large_sizes(qtbot: QtBot, size: int) -> None:
    renderer = QSvgRenderer(str(resource_path("reader-app.svg")))
    assert renderer.isValid()
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    centre = QColor(image.pixel(size // 2, size // 2))
    corner = QColor(image.pixelColor(0, 0))
    assert corner.alpha() == 0  # rounded tile, transparent corners
    assert centre.alpha() == 255
    # Both the orange tile and the white symbol are there at every size.
    colours = {
        (c.red() > 200 and c.green() > 200 and c.blue() > 200, c.red() > 200 and c.blue() < 120)
        for c in (QColor(image.pixel(x, y)) for x in range(size) for y in range(size))
    }
    assert (True, False) in colours
    assert (False, True) in colours
