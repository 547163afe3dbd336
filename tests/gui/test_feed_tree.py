"""The feed list: its model on a real library file, and the tree widget with real events."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QModelIndex, Qt, QTimer, SignalInstance
from PySide6.QtGui import QColor, QContextMenuEvent, QDropEvent, QIcon, QPalette, QPixmap
from PySide6.QtWidgets import QApplication, QMenu, QStyle

from reader_app.domain import Changes, EntryQuery, FeedId
from reader_app.library import Library
from reader_app.sync import SyncSelection
from reader_app.ui.models.feed_tree import (
    FEED_MIME_TYPE,
    CountRole,
    FeedIdRole,
    FeedTreeModel,
    SelectionRole,
)
from reader_app.ui.selection import ALL, Selection, SmartView, entry_query
from reader_app.ui.theme import dark_palette
from reader_app.ui.widgets.feed_tree import FeedTree
from tests.conftest import FixedClock, add_feed_with_entries
from tests.support.feedserver import FeedServer

Ids = dict[str, FeedId]


@pytest.fixture
def model(library: Library, filled_library: Ids, clock: FixedClock) -> FeedTreeModel:
    return FeedTreeModel(library, clock=clock)


@pytest.fixture
def tree(qtbot, model: FeedTreeModel) -> FeedTree:
    widget = FeedTree(model)
    qtbot.addWidget(widget)
    widget.resize(280, 480)
    return widget


def outline(model: FeedTreeModel, parent: QModelIndex | None = None, depth: int = 0) -> list[str]:
    """The tree as indented labels with counts: ``"  Europe 20"``."""
    parent = parent or QModelIndex()
    lines = []
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        count = index.data(CountRole)
        lines.append("  " * depth + index.data() + (f" {count}" if count else ""))
        lines += outline(model, index, depth + 1)
    return lines


def index_of(model: FeedTreeModel, under_tag: str | None = None, **selection) -> QModelIndex:
    index = model.index_of(Selection(**selection), under_tag=under_tag)
    assert index.isValid(), selection
    return index


def unread_ids(library: Library, feed_id: FeedId, count: int) -> list[int]:
    page = library.entries(EntryQuery(feed_ids=frozenset({feed_id}), unread_only=True))
    return [e.id for e in page.entries[:count]]


def same_icon(a: QIcon, b: QIcon) -> bool:
    return a.pixmap(16, 16).toImage() == b.pixmap(16, 16).toImage()


# -- the model ---------------------------------------------------------------------------------


def test_model_passes_the_model_tester(
    qtmodeltester, library: Library, filled_library: Ids, model: FeedTreeModel
) -> None:
    qtmodeltester.check(model)
    library.add_feed("https://new.example/feed", tags=("Fresh/Deep",))
    model.reload()
    qtmodeltester.check(model)
    changes = library.mark_read(unread_ids(library, filled_library["world"], 4)).changes
    model.apply_changes(changes)
    qtmodeltester.check(model)
    model.set_tag_filter(frozenset({"News"}))
    qtmodeltester.check(model)


def test_views_then_nested_tags_then_untagged_feeds(
    library: Library, filled_library: Ids, clock: FixedClock
) -> None:
    # linux.example carries two tags: it is listed under each.
    library.tag_feed(filled_library["linux"], ["News"])
    model = FeedTreeModel(library, clock=clock)
    assert outline(model) == [
        "All 65",
        "Unread 65",
        "Starred",
        "Today 65",
        "News 60",
        "  Europe 20",
        "    europe.example/feed 20",
        "  linux.example/feed 10",
        "  world.example/feed 30",
        "Tech 10",
        "  linux.example/feed 10",
        "misc.example/feed 5",
    ]
    today = entry_query(Selection(view=SmartView.TODAY), hide_read=True, now=clock.now)
    assert model.count_of(Selection(view=SmartView.TODAY)) == library.count_entries(today)
    # Each row knows what it selects.
    tech_linux = model.index_of(Selection(feed_id=filled_library["linux"]), under_tag="Tech")
    assert model.parent_tag_of(tech_linux) == "Tech"
    assert tech_linux.data(SelectionRole) == Selection(feed_id=filled_library["linux"])
    assert tech_linux.data(FeedIdRole) == filled_library["linux"]
    assert index_of(model, tag="News/Europe").data(SelectionRole) == Selection(tag="News/Europe")
    assert index_of(model, tag="News/Europe").data(FeedIdRole) is None
    assert model.index(0, 0).data(SelectionRole) == ALL


def test_a_tag_counts_each_feed_once(library: Library, clock: FixedClock) -> None:
    both = add_feed_with_entries(library, "https://both.example/", 7, tags=("News", "News/Europe"))
    model = FeedTreeModel(library, clock=clock)
    assert model.count_of(Selection(tag="News")) == 7  # not 14
    assert model.count_of(Selection(tag="News/Europe")) == 7
    assert len(model.rows_in_order()) == 4 + 1 + 1 + 2  # views, News, Europe, the feed twice
    assert model.index_of(Selection(feed_id=both), under_tag="News/Europe").isValid()


def test_an_intermediate_tag_is_a_group_without_its_own_feeds(
    library: Library, clock: FixedClock
) -> None:
    library.add_feed("https://deep.example/", tags=("A/B/C",))
    model = FeedTreeModel(library, clock=clock)
    assert outline(model)[4:] == ["A", "  B", "    C", "      deep.example"]
    assert model.tag_paths() == {"A", "A/B", "A/B/C"}


def test_counts_and_bold_follow_mark_read(
    qtbot, qtmodeltester, library: Library, filled_library: Ids, model: FeedTreeModel
) -> None:
    linux = index_of(model, feed_id=filled_library["linux"])
    assert linux.data(Qt.ItemDataRole.FontRole).bold()
    # A starred count is not unread: never bold.
    assert model.index(2, 0).data(Qt.ItemDataRole.FontRole) is None

    changed: list[QModelIndex] = []
    model.dataChanged.connect(lambda first, _last, _roles: changed.append(first))
    change = library.mark_read(unread_ids(library, filled_library["linux"], 10))
    library.set_starred(unread_ids(library, filled_library["world"], 2))
    model.apply_changes(change.changes)

    assert model.count_of(Selection(feed_id=filled_library["linux"])) == 0
    assert model.count_of(Selection(tag="Tech")) == 0
    assert model.count_of(ALL) == 55
    assert model.count_of(Selection(view=SmartView.STARRED)) == 2
    assert linux.data(Qt.ItemDataRole.FontRole) is None  # the same row, updated in place
    assert index_of(model, tag="Tech").data(Qt.ItemDataRole.FontRole) is None
    assert index_of(model, tag="News").data(Qt.ItemDataRole.FontRole).bold()
    assert {model.selection_at(i) for i in changed} >= {
        Selection(feed_id=filled_library["linux"]),
        Selection(tag="Tech"),
        ALL,
    }
    qtmodeltester.check(model)


def test_a_rename_reorders_and_a_removal_disappears(
    library: Library, filled_library: Ids, model: FeedTreeModel
) -> None:
    model.apply_changes(library.rename_feed(filled_library["misc"], "Aardvark news"))
    model.apply_changes(library.remove_feed(filled_library["linux"]))
    assert outline(model)[4:] == [
        "News 50",
        "  Europe 20",
        "    europe.example/feed 20",
        "  world.example/feed 30",
        "Aardvark news 5",
    ]


def test_feed_titles_are_plain_text(library: Library, clock: FixedClock) -> None:
    feed = library.add_feed(
        "https://html.example/", title='<b>Bold</b> <img src="/dev/zero">\n  news'
    )
    model = FeedTreeModel(library, clock=clock)
    index = index_of(model, feed_id=feed.id)
    assert index.data() == '<b>Bold</b> <img src="/dev/zero"> news'
    tip = index.data(Qt.ItemDataRole.ToolTipRole)
    # Our own markup only (the title line in bold); the feed's is escaped.
    assert tip.startswith(
        "<qt><b>&lt;b&gt;Bold&lt;/b&gt; &lt;img src=&quot;/dev/zero&quot;&gt; news</b><br>"
    )
    assert "<img" not in tip
    assert tip.count("<b>") == 1


def sync_now(library: Library, *feed_ids: FeedId) -> None:
    library.update_feeds(SyncSelection(feed_ids=frozenset(feed_ids), force=True))


def test_a_failing_feed_shows_a_warning_and_its_error(
    library: Library, feed_server: FeedServer, clock: FixedClock
) -> None:
    feed_server.route("/missing", status=404, body=b"not here", content_type="text/plain")
    feed = library.add_feed(feed_server.url("/missing"), title="Broken")
    healthy = library.add_feed(feed_server.url("/fine"), title="Fine")
    feed_server.route(
        "/fine", body=b"<rss version='2.0'><channel><title>Fine</title></channel></rss>"
    )
    model = FeedTreeModel(library, clock=clock)
    sync_now(library, feed.id, healthy.id)
    model.apply_changes(Changes(feeds=frozenset({feed.id, healthy.id})))

    stored = library.feed(feed.id)
    assert stored.last_error_at is not None
    assert stored.next_check is not None
    index = index_of(model, feed_id=feed.id)
    tip = index.data(Qt.ItemDataRole.ToolTipRole)
    since = stored.last_error_at.astimezone().strftime("%Y-%m-%d %H:%M")
    retry = stored.next_check.astimezone().strftime("%Y-%m-%d %H:%M")
    assert "Last error: HTTP 404 Not Found" in tip
    assert f"Failing since: {since}" in tip
    assert f"Next retry: {retry}" in tip
    warning = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
    assert same_icon(index.data(Qt.ItemDataRole.DecorationRole), warning)

    fine = index_of(model, feed_id=healthy.id)
    assert "error" not in fine.data(Qt.ItemDataRole.ToolTipRole).casefold()
    assert fine.data(Qt.ItemDataRole.DecorationRole) is None  # no favicon, no generic one set


def test_a_gone_feed_says_updates_stopped_until_turned_back_on(
    library: Library, feed_server: FeedServer, clock: FixedClock
) -> None:
    feed_server.route("/gone", status=410, body=b"gone", content_type="text/plain")
    feed = library.add_feed(feed_server.url("/gone"), title="Gone")
    model = FeedTreeModel(library, clock=clock)
    sync_now(library, feed.id)
    model.apply_changes(Changes(feeds=frozenset({feed.id})))

    index = index_of(model, feed_id=feed.id)
    tip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert "Updates stopped: the server says the feed is gone (410)<br>" in tip
    assert "Next retry" not in tip
    assert index.data(Qt.ItemDataRole.ForegroundRole) is not None  # greyed

    model.apply_changes(library.set_feed_options(feed.id, updates_enabled=True))
    tip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert "Updates stopped" not in tip
    assert "Last error: the server says the feed is gone (410)<br>" in tip
    assert index.data(Qt.ItemDataRole.ForegroundRole) is None


def test_tag_filter_narrows_the_tree_but_not_the_view_counts(
    qtmodeltester, library: Library, filled_library: Ids, model: FeedTreeModel
) -> None:
    library.tag_feed(filled_library["linux"], ["News"])
    model.reload()
    model.set_tag_filter(frozenset({"Tech"}))
    # linux.example is shown under Tech only: News is not chosen.
    assert outline(model) == [
        "All 65",
        "Unread 65",
        "Starred",
        "Today 65",
        "Tech 10",
        "  linux.example/feed 10",
    ]
    assert model.visible_feed_ids() == {filled_library["linux"]}
    model.set_tag_filter(frozenset({"News/Europe"}))
    assert outline(model)[4:] == ["News 20", "  Europe 20", "    europe.example/feed 20"]
    assert model.visible_feed_ids() == {filled_library["europe"]}
    qtmodeltester.check(model)
    model.set_tag_filter(frozenset())
    assert len(outline(model)) == 12


def test_favicons_come_from_the_provider(
    filled_library: Ids, tree: FeedTree, model: FeedTreeModel
) -> None:
    pixmap = QPixmap(16, 16)
    pixmap.fill(QColor("red"))
    red = QIcon(pixmap)
    ready: set[int] = set()
    model.set_icon_provider(lambda feed_id: red if feed_id in ready else None)
    world = index_of(model, feed_id=filled_library["world"])
    generic = world.data(Qt.ItemDataRole.DecorationRole)
    assert generic is not None
    assert not same_icon(generic, red)

    changed: list[QModelIndex] = []
    model.dataChanged.connect(lambda first, _last, roles: changed.append(first))
    ready.add(filled_library["world"])
    model.icon_changed(filled_library["world"])
    assert changed == [world]
    assert same_icon(world.data(Qt.ItemDataRole.DecorationRole), red)


# -- drag a feed onto a tag -------------------------------------------------------------------


def test_dropping_a_feed_on_a_tag_asks_for_the_tag(
    qtbot, filled_library: Ids, model: FeedTreeModel
) -> None:
    misc = index_of(model, feed_id=filled_library["misc"])
    world = index_of(model, feed_id=filled_library["world"])
    europe_tag = index_of(model, tag="News/Europe")
    mime = model.mimeData([misc])
    assert mime.formats() == [FEED_MIME_TYPE]

    copy = Qt.DropAction.CopyAction
    assert not model.canDropMimeData(mime, copy, -1, -1, world)  # a feed is no target
    assert not model.canDropMimeData(mime, copy, -1, -1, QModelIndex())
    with qtbot.waitSignal(model.tag_drop_requested) as blocker:
        assert model.dropMimeData(mime, copy, -1, -1, europe_tag)
    assert blocker.args == [filled_library["misc"], "News/Europe"]

    # Onto a tag the feed already has, or with a foreign payload: nothing.
    own_tag = index_of(model, tag="News")
    assert not model.canDropMimeData(model.mimeData([world]), copy, -1, -1, own_tag)
    garbage = QMimeData()
    garbage.setData(FEED_MIME_TYPE, b"1,x,\xff,-3")
    assert not model.canDropMimeData(garbage, copy, -1, -1, own_tag)
    text = QMimeData()
    text.setText(str(filled_library["misc"]))
    assert not model.dropMimeData(text, copy, -1, -1, own_tag)


def test_a_drop_event_on_a_tag_row_reaches_the_model(
    qtbot, tree: FeedTree, model: FeedTreeModel, filled_library: Ids
) -> None:
    tree.show()
    qtbot.waitExposed(tree)
    mime = model.mimeData([index_of(model, feed_id=filled_library["misc"])])
    target = tree.visualRect(index_of(model, tag="Tech")).center()
    event = QDropEvent(
        target.toPointF(),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(model.tag_drop_requested) as blocker:
        tree.dropEvent(event)
    assert blocker.args == [filled_library["misc"], "Tech"]


# -- the tree widget ---------------------------------------------------------------------------


def test_clicking_a_row_emits_its_selection_once(
    qtbot, tree: FeedTree, model: FeedTreeModel, filled_library: Ids
) -> None:
    tree.show()
    qtbot.waitExposed(tree)
    emitted: list[Selection] = []
    tree.selection_changed.connect(emitted.append)
    rect = tree.visualRect(index_of(model, tag="Tech"))
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert emitted == [Selection(tag="Tech")]
    assert tree.current_selection() == Selection(tag="Tech")
    qtbot.keyClick(tree.viewport(), Qt.Key.Key_Down)
    assert emitted[-1] == Selection(feed_id=filled_library["linux"])

    assert tree.select(Selection(view=SmartView.STARRED))
    assert emitted[-1] == Selection(view=SmartView.STARRED)
    assert not tree.select(Selection(feed_id=FeedId(9999)))
    assert tree.current_selection() == Selection(view=SmartView.STARRED)


def test_the_current_row_survives_a_reload(
    qtbot, library: Library, tree: FeedTree, model: FeedTreeModel, filled_library: Ids
) -> None:
    library.tag_feed(filled_library["linux"], ["News"])
    model.reload()
    linux = Selection(feed_id=filled_library["linux"])
    assert tree.select(linux, under_tag="Tech")
    emitted: list[Selection] = []
    tree.selection_changed.connect(emitted.append)

    model.apply_changes(library.tag_feed(filled_library["misc"], ["Aardvark"]))
    assert tree.current_selection() == linux
    assert model.parent_tag_of(tree.currentIndex()) == "Tech"  # not the News copy
    assert emitted == []  # nothing to reload for

    # Filtered out: the tree falls back to All and says so.
    model.set_tag_filter(frozenset({"Aardvark"}))
    assert emitted == [ALL]
    assert tree.current_selection() == ALL


def test_a_removed_feed_falls_back_to_its_tag(
    library: Library, tree: FeedTree, model: FeedTreeModel, filled_library: Ids
) -> None:
    assert tree.select(Selection(feed_id=filled_library["world"]))
    emitted: list[Selection] = []
    tree.selection_changed.connect(emitted.append)
    model.apply_changes(library.remove_feed(filled_library["world"]))
    assert emitted == [Selection(tag="News")]


def test_expanded_tags_are_remembered(
    library: Library, tree: FeedTree, model: FeedTreeModel, filled_library: Ids
) -> None:
    assert tree.expanded_tags() == {"News", "News/Europe", "Tech"}  # all open at first
    tree.collapse(index_of(model, tag="News"))
    assert tree.expanded_tags() == {"News/Europe", "Tech"}
    model.apply_changes(library.tag_feed(filled_library["misc"], ["Misc"]))
    assert not tree.isExpanded(index_of(model, tag="News"))
    assert tree.isExpanded(index_of(model, tag="Misc"))  # a new tag opens

    tree.restore_expanded({"News"})
    assert tree.expanded_tags() == {"News"}
    assert tree.isExpanded(index_of(model, tag="News"))
    assert not tree.isExpanded(index_of(model, tag="Tech"))
    # Hidden by the filter, a tag keeps its state.
    model.set_tag_filter(frozenset({"Tech"}))
    model.set_tag_filter(frozenset())
    assert tree.expanded_tags() == {"News"}


def test_move_to_feed_walks_feeds_in_display_order(
    library: Library, tree: FeedTree, model: FeedTreeModel, filled_library: Ids
) -> None:
    library.tag_feed(filled_library["linux"], ["News"])
    library.mark_all_read(EntryQuery(feed_ids=frozenset({filled_library["europe"]})))
    model.reload()
    tree.collapse(index_of(model, tag="Tech"))
    tree.select(ALL)

    visited = []
    while tree.move_to_feed(1):
        visited.append((tree.current_selection(), model.parent_tag_of(tree.currentIndex())))
    f = filled_library
    assert visited == [
        (Selection(feed_id=f["europe"]), "News/Europe"),
        (Selection(feed_id=f["linux"]), "News"),
        (Selection(feed_id=f["world"]), "News"),
        (Selection(feed_id=f["linux"]), "Tech"),  # entered the collapsed tag
        (Selection(feed_id=f["misc"]), None),
    ]
    assert tree.isExpanded(index_of(model, tag="Tech"))
    assert not tree.move_to_feed(1, unread_only=True)
    assert tree.move_to_feed(1, unread_only=True, wrap=True)
    assert tree.current_selection() == Selection(feed_id=f["linux"])  # europe has none unread
    assert tree.move_to_feed(-1)
    assert tree.current_selection() == Selection(feed_id=f["europe"])
    assert not tree.move_to_feed(-1)


def action_texts(menu: QMenu) -> list[str]:
    return [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]


def trigger(menu: QMenu, text: str) -> None:
    (action,) = [a for a in menu.actions() if a.text().replace("&", "") == text]
    assert action.isEnabled()
    action.trigger()


def test_context_menus_emit_requests(
    qtbot, library: Library, tree: FeedTree, model: FeedTreeModel, filled_library: Ids
) -> None:
    feed = Selection(feed_id=filled_library["linux"])
    menu = tree.menu_for(model.index_of(feed))
    assert menu is not None
    assert action_texts(menu) == [
        "Refresh",
        "Mark All as Read",
        "Rename…",
        "Edit Tags…",
        "Properties…",
        "Remove…",
    ]
    cases: list[tuple[str, SignalInstance, object]] = [
        ("Refresh", tree.refresh_requested, feed),
        ("Mark All as Read", tree.mark_all_read_requested, feed),
        ("Rename…", tree.rename_requested, filled_library["linux"]),
        ("Edit Tags…", tree.edit_tags_requested, filled_library["linux"]),
        ("Properties…", tree.properties_requested, filled_library["linux"]),
        ("Remove…", tree.remove_requested, filled_library["linux"]),
    ]
    for text, signal, expected in cases:
        with qtbot.waitSignal(signal) as blocker:
            trigger(menu, text)
        assert blocker.args == [expected]

    tag_menu = tree.menu_for(index_of(model, tag="News"))
    assert tag_menu is not None
    assert action_texts(tag_menu) == ["Refresh", "Mark All as Read"]
    view_menu = tree.menu_for(model.index_of(Selection(view=SmartView.UNREAD)))
    assert view_menu is not None
    assert action_texts(view_menu) == ["Mark All as Read"]
    with qtbot.waitSignal(tree.mark_all_read_requested) as blocker:
        trigger(view_menu, "Mark All as Read")
    assert blocker.args == [Selection(view=SmartView.UNREAD)]

    # Nothing unread: nothing to mark.
    model.apply_changes(
        library.mark_all_read(EntryQuery(feed_ids=frozenset({filled_library["misc"]}))).changes
    )
    misc_menu = tree.menu_for(index_of(model, feed_id=filled_library["misc"]))
    assert misc_menu is not None
    (mark,) = [a for a in misc_menu.actions() if a.text() == "&Mark All as Read"]
    assert not mark.isEnabled()


# The offscreen platform cannot raise a popup or grab the keyboard for it, and says so.
OFFSCREEN_POPUP = pytest.mark.qt_log_ignore(r"This plugin does not support (raise|grabbing)")


@OFFSCREEN_POPUP
def test_a_right_click_opens_the_menu_of_that_row(
    qtbot, tree: FeedTree, model: FeedTreeModel, filled_library: Ids
) -> None:
    with qtbot.waitActive(tree):
        tree.show()
        tree.activateWindow()
    pos = tree.visualRect(index_of(model, feed_id=filled_library["world"])).center()

    def choose_rename() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        trigger(menu, "Rename…")
        menu.close()

    QTimer.singleShot(0, choose_rename)
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, tree.viewport().mapToGlobal(pos))
    with qtbot.waitSignal(tree.rename_requested) as blocker:
        QApplication.sendEvent(tree.viewport(), event)
    assert blocker.args == [filled_library["world"]]
    # A right click does not change the list (focus made the first row current).
    assert tree.current_selection() == ALL


def test_view_icons_follow_a_palette_change(qapp, tree: FeedTree, model: FeedTreeModel) -> None:
    def list_glyph_color() -> QColor:
        icon: QIcon = model.index(0, 0).data(Qt.ItemDataRole.DecorationRole)
        return icon.pixmap(16, 16).toImage().pixelColor(8, 4)  # on the top bar of "All"

    before = qapp.palette()
    try:
        qapp.setPalette(dark_palette())
        qapp.processEvents()  # a hidden widget hears of it through the event loop
        assert list_glyph_color() == dark_palette().color(QPalette.ColorRole.Text)
        light = QPalette(before)
        light.setColor(QPalette.ColorRole.Text, QColor("#101010"))
        qapp.setPalette(light)
        qapp.processEvents()
        assert list_glyph_color() == QColor("#101010")
    finally:
        qapp.setPalette(before)
        qapp.processEvents()


def test_an_update_read_elsewhere_is_shown_without_moving_renamed_rows_until_settled(
    qtbot, qtmodeltester, library: Library, model: FeedTreeModel, filled_library: Ids
) -> None:
    from reader_app.ui.models.feed_tree_update import read_update

    clock = FixedClock()

    late = add_feed_with_entries(library, "https://zzz.example/feed", 4)
    model.reload()
    before = outline(model)
    assert before[-2:] == ["misc.example/feed 5", "zzz.example/feed 4"]
    # The last untagged feed gets a title that sorts first, and loses two articles.
    changes = (
        library.rename_feed(late, "AAA first")
        | library.mark_read(unread_ids(library, late, 2)).changes
    )
    update = read_update(library, changes, clock())

    with qtbot.assertNotEmitted(model.modelReset):
        model.apply_update(update, keep_order=True)
    assert outline(model)[-2:] == ["misc.example/feed 5", "AAA first 2"]
    qtmodeltester.check(model)

    with qtbot.waitSignal(model.modelReset):
        model.settle_order()
    assert outline(model)[-2:] == ["AAA first 2", "misc.example/feed 5"]
    qtmodeltester.check(model)
