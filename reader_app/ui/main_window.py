"""The main window: feed list | article list | article pane, wired to the library.

The window owns no data. It reads through the library in short queries, sends every write
through ``Tasks`` (so the GUI never waits behind the writer thread), and hands each write's
``Changes`` to the models, which refresh only what they show. The background sync reports
one ``SyncProgress`` per feed; each one is applied the same way, so counts and lists move
while the sync runs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import (
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QIcon,
    QKeySequence,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from reader_app import APP_TITLE
from reader_app.domain import Changes, EntryId, StateChange
from reader_app.domain.retention import PruneReport
from reader_app.domain.search import SearchQuery
from reader_app.domain.sync import SyncOptions, SyncProgress, SyncReport, SyncSelection
from reader_app.errors import ReaderAppError
from reader_app.ingest.assets import AssetCache
from reader_app.library import Library, retention_policy
from reader_app.paths import AppPaths
from reader_app.settings import Settings
from reader_app.sync_process import update_in_child
from reader_app.ui import theme
from reader_app.ui.actions import MENUS, build_actions, spec
from reader_app.ui.dialogs.about import show_about
from reader_app.ui.dialogs.errors import (
    BugDialog,
    describe_error,
    show_error,
)
from reader_app.ui.dialogs.export_opml import export_opml
from reader_app.ui.dialogs.preferences import PreferencesDialog
from reader_app.ui.favicons import Favicons
from reader_app.ui.keyboard import Keyboard
from reader_app.ui.models.article_table import ArticleTableModel
from reader_app.ui.models.feed_tree import FeedTreeModel
from reader_app.ui.models.feed_tree_update import FeedTreeUpdate, read_update
from reader_app.ui.reading import Reading
from reader_app.ui.resources import resource_path
from reader_app.ui.saved_searches import SavedSearchCommands
from reader_app.ui.selection import ALL, Selection, SmartView, entry_query
from reader_app.ui.subscriptions import Subscriptions
from reader_app.ui.sync_controller import SyncController
from reader_app.ui.tasks import Tasks
from reader_app.ui.undo import UndoJournal, UndoOffer, describe
from reader_app.ui.widgets.article_list import ArticleList
from reader_app.ui.widgets.article_view import ArticleView
from reader_app.ui.widgets.feed_tree import FeedTree
from reader_app.ui.widgets.first_run import FirstRunPanel
from reader_app.ui.widgets.search_box import SearchBox
from reader_app.ui.widgets.tag_filter import TagFilter
from reader_app.ui.window_state import WindowState

log = logging.getLogger(__name__)

# How often the feeds that are due are looked for; each feed's own interval decides whether
# it is fetched, so checking often costs one small query.
DUE_CHECK_MINUTES = 5

# Between two refreshes of the lists while a sync lands feeds.
SYNC_REFRESH_PAUSE_MS = 200

# Narrower than this, the toolbar shows icons without their names (see _fit_toolbar).
TOOLBAR_TEXT_MIN_WIDTH = 1000

OpenUrl = Callable[[QUrl], object]


class MainWindow(QMainWindow):
    def __init__(
        self,
        library: Library,
        settings: Settings,
        paths: AppPaths,
        *,
        sync_options: Callable[[], SyncOptions],
        open_url: OpenUrl = QDesktopServices.openUrl,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        auto_sync: bool = True,
        sync_in_child: bool = True,
    ) -> None:
        super().__init__()
        self.library = library
        self.settings = settings
        self.paths = paths
        self.open_url = open_url
        self.sync_options = sync_options
        self.clock = clock
        self._state = WindowState(paths.config_dir / "window.ini")
        self._sync_changes = Changes()  # landed, not yet shown (see _refresh_after_sync)
        self._sync_refreshing = False
        self._pruned: PruneReport | None = None  # from the last sync's retention pass

        self.setWindowTitle(APP_TITLE)
        self.setWindowIcon(QIcon(str(resource_path("reader-app.svg"))))
        self.setAcceptDrops(True)

        self.tasks = Tasks(self)
        self.tasks.unhandled.connect(self.show_bug)
        self.assets = AssetCache(paths.image_cache_dir)
        self.favicons = Favicons(self.assets, self.tasks)
        self.sync = SyncController(
            library,
            sync_options,
            self,
            # A child process: the sync's Python work never holds this process's GIL, so the
            # window does not stall while it runs (see reader_app/sync_process.py).
            runner=self._sync_in_child if sync_in_child else None,
        )
        self.reading = Reading(self)
        self.subscriptions = Subscriptions(self)
        self.saved_searches = SavedSearchCommands(self)
        self.undo_journal = UndoJournal(self)
        self.keyboard = Keyboard(self)

        self._build_panes()
        self.actions_by_id = build_actions(self, self._handlers())
        self._build_menus_and_toolbar()
        self._build_status_bar()
        self.keyboard.apply()  # the profile's and the user's keys
        self.keyboard.let_buttons_take_their_keys()
        self._connect()

        self._restore_state()
        self._update_stack()
        if auto_sync:
            self.sync.set_interval(DUE_CHECK_MINUTES)
            if settings.get_bool("sync.on_start"):
                QTimer.singleShot(0, self.sync.refresh_due)

    # --- building --------------------------------------------------------------------------

    def _build_panes(self) -> None:
        self.tag_filter = TagFilter(self.library, self)
        self.search_box = SearchBox(self.library, self)
        self.feed_model = FeedTreeModel(self.library, self)
        self.feed_model.set_icon_provider(self._feed_icon)
        self.feed_tree = FeedTree(self.feed_model, self)
        self.article_model = ArticleTableModel(self.library, self, tasks=self.tasks)
        self.article_list = ArticleList(self.article_model, self)
        self.article_view = ArticleView(
            assets=self.assets, tasks=self.tasks, open_url=self.open_url, parent=self
        )

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(4)
        left_layout.addWidget(self.tag_filter)
        left_layout.addWidget(self.feed_tree, 1)

        self.reading_splitter = QSplitter(self)
        self.reading_splitter.setObjectName("reading_splitter")
        self.reading_splitter.addWidget(self.article_list)
        self.reading_splitter.addWidget(self.article_view)
        self.reading_splitter.setChildrenCollapsible(False)

        self.main_splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.main_splitter.setObjectName("main_splitter")
        self.main_splitter.addWidget(left)
        self.main_splitter.addWidget(self.reading_splitter)
        self.main_splitter.setStretchFactor(0, 0)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setChildrenCollapsible(False)
        self.main_splitter.setSizes([260, 1000])

        self.first_run = FirstRunPanel(self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.main_splitter)
        self.stack.addWidget(self.first_run)
        self.setCentralWidget(self.stack)
        self._set_pane_below(self.settings.get_str("ui.article_pane_position") == "below")

    def _handlers(self) -> dict[str, Callable[[], object]]:
        return {
            "file.add_feed": self.subscriptions.add_feed,
            "file.import_opml": self.subscriptions.import_opml,
            "file.export_opml": lambda: export_opml(self, self.library, self.tasks),
            "file.add_starter_feeds": self.subscriptions.add_starter_feeds,
            "file.quit": self.close,
            "edit.undo": self.undo_last,
            "edit.find": self.focus_search,
            "edit.save_search": self.saved_searches.save_current,
            "edit.leave": self.keyboard.escape,
            "edit.tag_filter": self.tag_filter.open_popup,
            "edit.clear_tag_filter": self.tag_filter.clear,
            "edit.preferences": self.edit_preferences,
            "edit.shortcuts": self.keyboard.edit_shortcuts,
            "view.go_all": lambda: self.select(Selection(view=SmartView.ALL)),
            "view.go_unread": lambda: self.select(Selection(view=SmartView.UNREAD)),
            "view.go_starred": lambda: self.select(Selection(view=SmartView.STARRED)),
            "view.go_today": lambda: self.select(Selection(view=SmartView.TODAY)),
            "view.hide_read": self._hide_read_toggled,
            "view.oldest_first": self._order_toggled,
            "view.pane_below": self._pane_position_toggled,
            "view.zoom_in": self.article_view.zoom_in,
            "view.zoom_out": self.article_view.zoom_out,
            "view.zoom_reset": self.article_view.reset_zoom,
            "view.full_screen": self._toggle_full_screen,
            "feed.refresh_all": self.sync.refresh_all,
            "feed.refresh": self.subscriptions.refresh_current,
            "feed.cancel_sync": self.sync.cancel,
            "feed.mark_all_read": self.reading.mark_all_read,
            "feed.next": lambda: self.feed_tree.move_to_feed(1, unread_only=False),
            "feed.previous": lambda: self.feed_tree.move_to_feed(-1, unread_only=False),
            "feed.next_unread": lambda: self.feed_tree.move_to_feed(1, unread_only=True),
            "feed.previous_unread": lambda: self.feed_tree.move_to_feed(-1, unread_only=True),
            "feed.rename": lambda: self.subscriptions.with_current_feed(
                self.subscriptions.rename_feed
            ),
            "feed.edit_tags": lambda: self.subscriptions.with_current_feed(
                self.subscriptions.edit_tags
            ),
            "feed.properties": lambda: self.subscriptions.with_current_feed(
                self.subscriptions.feed_properties
            ),
            "feed.remove": lambda: self.subscriptions.with_current_feed(
                self.subscriptions.remove_feed
            ),
            "article.next": lambda: self.article_list.move_current(1),
            "article.previous": lambda: self.article_list.move_current(-1),
            "article.next_unread": self.reading.next_unread,
            "article.previous_unread": self.reading.previous_unread,
            "article.scroll_down": self.reading.scroll_or_next_unread,
            "article.scroll_up": lambda: self.article_view.scroll_page(down=False),
            "article.toggle_read": self.reading.toggle_read,
            "article.toggle_star": self.reading.toggle_star,
            "article.open": self.reading.open_current_in_browser,
            "article.copy_link": self.reading.copy_current_link,
            "article.load_images": self.reading.load_images_for_current,
            "help.command_palette": self.keyboard.open_palette,
            "help.cheat_sheet": self.keyboard.toggle_cheat_sheet,
            "help.about": lambda: show_about(self, self.paths),
        }

    def _build_menus_and_toolbar(self) -> None:
        menus: dict[str, QMenu] = {}
        for name in MENUS:
            menus[name] = self.menuBar().addMenu("&" + name)
            menus[name].setObjectName(f"menu_{name.lower()}")
        toolbar = self.toolbar = QToolBar("Main toolbar", self)
        toolbar.setObjectName("main_toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(toolbar)
        for action_id, action in self.actions_by_id.items():
            item = spec(action_id)
            menu = menus[item.group]
            if item.separator_before and not menu.isEmpty():
                menu.addSeparator()
            menu.addAction(action)
            if item.toolbar:
                toolbar.addAction(action)
            # Shortcuts work wherever focus is in the window, menus hidden or not.
            self.addAction(action)
        spacer = QWidget(toolbar)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        toolbar.addWidget(self.search_box)
        self.actions_by_id["view.hide_read"].setChecked(self.settings.get_bool("reading.hide_read"))
        self.actions_by_id["view.oldest_first"].setChecked(
            not self.settings.get_bool("reading.newest_first")
        )
        self.actions_by_id["view.pane_below"].setChecked(
            self.settings.get_str("ui.article_pane_position") == "below"
        )
        self.actions_by_id["feed.cancel_sync"].setEnabled(False)
        self.actions_by_id["edit.undo"].setEnabled(False)

    def _build_status_bar(self) -> None:
        self.undo_offer = UndoOffer(self)
        self.statusBar().addWidget(self.undo_offer)
        self.sync_label = QLabel(self)
        self.sync_label.setTextFormat(Qt.TextFormat.PlainText)
        self.sync_bar = QProgressBar(self)
        self.sync_bar.setMaximumWidth(160)
        self.sync_bar.setTextVisible(False)
        self.sync_bar.hide()
        self.statusBar().addPermanentWidget(self.sync_label)
        self.statusBar().addPermanentWidget(self.sync_bar)

    def _connect(self) -> None:
        self.feed_tree.selection_changed.connect(self._selection_changed)
        self.feed_tree.refresh_requested.connect(self.subscriptions.refresh_selection)
        self.feed_tree.mark_all_read_requested.connect(self.reading.mark_selection_read)
        self.feed_tree.rename_requested.connect(
            lambda f: self.subscriptions.with_feed(f, self.subscriptions.rename_feed)
        )
        self.feed_tree.edit_tags_requested.connect(
            lambda f: self.subscriptions.with_feed(f, self.subscriptions.edit_tags)
        )
        self.feed_tree.properties_requested.connect(
            lambda f: self.subscriptions.with_feed(f, self.subscriptions.feed_properties)
        )
        self.feed_tree.remove_requested.connect(
            lambda f: self.subscriptions.with_feed(f, self.subscriptions.remove_feed)
        )
        self.feed_model.tag_drop_requested.connect(self.subscriptions.tag_dropped)
        self.feed_tree.edit_search_requested.connect(self.saved_searches.edit)
        self.feed_tree.remove_search_requested.connect(self.saved_searches.remove)
        self.tag_filter.changed.connect(self._tag_filter_changed)
        self.search_box.search_requested.connect(self._show_search)
        self.search_box.search_cleared.connect(self._search_cleared)
        self.search_box.invalid.connect(
            lambda message: self.statusBar().showMessage(f"Cannot search: {message}", 10_000)
        )
        self.article_model.loaded.connect(self._list_loaded)

        self.article_model.load_failed.connect(self._list_failed)
        self.article_list.current_entry_changed.connect(self.reading.current_entry_changed)
        self.article_list.mark_read_due.connect(lambda e: self.reading.set_read((e,), read=True))
        self.article_list.state_change_requested.connect(self.reading.state_change_requested)
        self.article_list.open_requested.connect(self.reading.open_entries)
        self.article_list.configure_mark_read(
            enabled=self.settings.get_bool("reading.mark_read_on_select"),
            delay_ms=self.settings.get_int("reading.mark_read_delay_ms"),
        )

        self.article_view.link_hovered.connect(self.reading.link_hovered)
        self.article_view.load_images_requested.connect(self.reading.load_images)
        self.article_view.always_load_images_requested.connect(self.reading.always_load_images)
        self.article_view.set_zoom_percent(self.settings.get_int("reading.zoom_percent"))
        self.article_view.zoom_changed.connect(self._zoom_changed)

        self.first_run.add_feed_requested.connect(self.subscriptions.add_feed)
        self.first_run.import_requested.connect(self.subscriptions.import_opml)
        self.first_run.starter_requested.connect(self.subscriptions.add_starter_feeds)

        self.sync.running_changed.connect(self.actions_by_id["feed.cancel_sync"].setEnabled)
        self.sync.started.connect(self._sync_started)
        self.sync.progress_batch.connect(self._sync_progress)
        self.sync.finished.connect(self._sync_finished)
        self.sync.failed.connect(self._sync_failed)
        self.favicons.icon_ready.connect(self.feed_model.icon_changed)
        self.sync.running_changed.connect(self.favicons.set_network_paused)
        self.undo_journal.changed.connect(
            lambda: self.actions_by_id["edit.undo"].setEnabled(len(self.undo_journal) > 0)
        )
        self.undo_offer.undo_requested.connect(self.undo_last)

    # --- state ----------------------------------------------------------------------------

    def _restore_state(self) -> None:
        if geometry := self._state.bytes("geometry"):
            self.restoreGeometry(geometry)
        else:
            self._default_geometry()
        if state := self._state.bytes("window_state"):
            self.restoreState(state)
        self.reading_splitter.setSizes([1, 1])  # half and half until the user chooses
        for splitter in (self.main_splitter, self.reading_splitter):
            if sizes := self._state.bytes(splitter.objectName()):
                splitter.restoreState(sizes)
        # Nothing saved yet (first run): leave the tree's own default of expanded tags.
        if self._state.has("expanded_tags"):
            self.feed_tree.restore_expanded(self._state.texts("expanded_tags"))
        chosen = frozenset(self._state.texts("tag_filter"))
        if chosen:
            self.tag_filter.set_chosen(chosen)
            self.feed_model.set_tag_filter(self.tag_filter.chosen())
        selection = Selection.from_text(self._state.text("selection")) or ALL
        if not self.feed_tree.select(selection):
            self.feed_tree.select(ALL)
        self._show_selection(self.feed_tree.current_selection() or ALL)
        entry_text = self._state.text("entry")
        if entry_text.isdecimal():
            self._restore_entry(EntryId(int(entry_text)))

    def _restore_entry(self, entry_id: EntryId) -> None:
        """Select last session's article. One beyond the first page waits for the list's
        complete ids (read on a worker) instead of reading them here and delaying the
        window's first paint."""
        if self.article_model.complete or self.article_model.row_of(entry_id) is not None:
            self.article_list.select_entry(entry_id, mark_read=False)
            return
        self.article_model.loaded.connect(
            lambda: self.article_list.select_entry(entry_id, mark_read=False),
            Qt.ConnectionType.SingleShotConnection,
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_toolbar()

    def _fit_toolbar(self) -> None:
        """Button texts while they fit beside the search field; icons alone (names in the
        tooltips) in a narrow window, so the field never hides in the overflow menu."""
        style = (
            Qt.ToolButtonStyle.ToolButtonTextBesideIcon
            if self.width() >= TOOLBAR_TEXT_MIN_WIDTH
            else Qt.ToolButtonStyle.ToolButtonIconOnly
        )
        if self.toolbar.toolButtonStyle() != style:
            self.toolbar.setToolButtonStyle(style)

    def _default_geometry(self) -> None:
        screen = QGuiApplication.primaryScreen()
        available = screen.availableGeometry()
        self.resize(min(1400, int(available.width() * 0.85)), int(available.height() * 0.85))

    def save_state(self) -> None:
        self._state.set_bytes("geometry", self.saveGeometry())
        self._state.set_bytes("window_state", self.saveState())
        for splitter in (self.main_splitter, self.reading_splitter):
            self._state.set_bytes(splitter.objectName(), splitter.saveState())
        self._state.set_texts("expanded_tags", sorted(self.feed_tree.expanded_tags()))
        self._state.set_texts("tag_filter", sorted(self.tag_filter.chosen()))
        selection = self.feed_tree.current_selection()
        self._state.set_text("selection", selection.to_text() if selection else "")
        entry_id = self.article_list.current_entry_id()
        self._state.set_text("entry", str(entry_id) if entry_id is not None else "")
        if not self._state.sync():
            log.warning("could not save the window's state to %s", self.paths.config_dir)

    def _save_setting(self, key: str, value: object) -> None:
        self.settings.set(key, value)
        try:
            self.settings.save(self.paths.settings_file)
        except (OSError, ReaderAppError) as exc:
            self.statusBar().showMessage(f"Could not save settings: {exc}", 10_000)

    # --- reading --------------------------------------------------------------------------

    def select(self, selection: Selection) -> None:
        if not self.feed_tree.select(selection):
            self._show_selection(selection)

    def _selection_changed(self, selection: Selection) -> None:
        self.search_box.forget()  # choosing a feed, tag or view ends a search
        self._show_selection(selection)

    # --- searching ------------------------------------------------------------------------

    def focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    def _show_search(self, query: SearchQuery) -> None:
        self.article_model.set_search(query)
        self.article_view.clear()
        self.statusBar().showMessage("Searching…")

    def _search_cleared(self) -> None:
        self.statusBar().clearMessage()
        self._show_selection(self.feed_tree.current_selection() or ALL)

    def clear_search(self) -> bool:
        """End the search shown, back to the selected feed, tag or view (False: none)."""
        return self.search_box.clear_search()

    def _list_loaded(self) -> None:
        if self.article_model.search is not None:
            found = self.article_model.rowCount()
            self.statusBar().showMessage(
                f"{found:,} article{'' if found == 1 else 's'} found" if found else "No matches"
            )

    def _show_selection(self, selection: Selection) -> None:
        query = entry_query(
            selection,
            tag_filter=self.tag_filter.chosen(),
            hide_read=self.actions_by_id["view.hide_read"].isChecked(),
            newest_first=not self.actions_by_id["view.oldest_first"].isChecked(),
            now=self.clock(),
        )
        self.article_model.set_query(query)
        self.article_view.clear()

    def _list_failed(self, exc: BaseException) -> None:
        if isinstance(exc, (ReaderAppError, OSError)):
            show_error(self, "Could not read the article list", describe_error(exc))
        else:
            self.show_bug(exc)

    def _refresh_query(self) -> None:
        """Show the same selection under new options (order, hide read, tag filter), staying
        on the article being read when it is still in the list. Search results stay: their
        order is the ranking, and ``is:unread`` or ``tag:`` narrow them."""
        if self.article_model.search is not None:
            return
        current = self.article_list.current_entry_id()
        self._show_selection(self.feed_tree.current_selection() or ALL)
        if current is not None:
            self.article_list.select_entry(current, mark_read=False)

    def _zoom_changed(self, percent: int) -> None:
        self._save_setting("reading.zoom_percent", percent)

    # --- view options ---------------------------------------------------------------------

    def _hide_read_toggled(self) -> None:
        self._save_setting("reading.hide_read", self.actions_by_id["view.hide_read"].isChecked())
        self._refresh_query()

    def _order_toggled(self) -> None:
        newest = not self.actions_by_id["view.oldest_first"].isChecked()
        self._save_setting("reading.newest_first", newest)
        self._refresh_query()

    def _pane_position_toggled(self) -> None:
        below = self.actions_by_id["view.pane_below"].isChecked()
        self._set_pane_below(below)
        self._save_setting("ui.article_pane_position", "below" if below else "right")

    def _set_pane_below(self, below: bool) -> None:
        orientation = Qt.Orientation.Vertical if below else Qt.Orientation.Horizontal
        if self.reading_splitter.orientation() != orientation:
            self.reading_splitter.setOrientation(orientation)
            total = sum(self.reading_splitter.sizes()) or 1000
            self.reading_splitter.setSizes([total * 2 // 5, total * 3 // 5])

    def _toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()
        self.actions_by_id["view.full_screen"].setChecked(self.isFullScreen())

    def _tag_filter_changed(self, tags: frozenset[str]) -> None:
        self.feed_model.set_tag_filter(tags)
        self._refresh_query()

    # --- feeds ----------------------------------------------------------------------------

    def _feed_icon(self, feed_id: int) -> QIcon | None:
        feed = self.feed_model.feed(feed_id)
        return self.favicons.icon(feed) if feed is not None else None

    def open_dialog(self, dialog: QDialog) -> None:
        """Show a window-modal dialog without blocking; it is deleted once closed."""
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def edit_preferences(self) -> None:
        dialog = PreferencesDialog(self.settings, self.paths.settings_file, self)
        dialog.settings_changed.connect(self._settings_changed)
        self.open_dialog(dialog)

    def _settings_changed(self, keys: frozenset[str]) -> None:
        if keys & {"reading.mark_read_on_select", "reading.mark_read_delay_ms"}:
            self.article_list.configure_mark_read(
                enabled=self.settings.get_bool("reading.mark_read_on_select"),
                delay_ms=self.settings.get_int("reading.mark_read_delay_ms"),
            )
        if "ui.article_pane_position" in keys:
            below = self.settings.get_str("ui.article_pane_position") == "below"
            self.actions_by_id["view.pane_below"].setChecked(below)
            self._set_pane_below(below)
        if "ui.theme" in keys:
            app = QGuiApplication.instance()
            if isinstance(app, QGuiApplication):
                theme.apply_theme(app, self.settings.get_str("ui.theme"))  # type: ignore[arg-type]
        if keys & {"reading.hide_read", "reading.newest_first"}:
            self.actions_by_id["view.hide_read"].setChecked(
                self.settings.get_bool("reading.hide_read")
            )
            self.actions_by_id["view.oldest_first"].setChecked(
                not self.settings.get_bool("reading.newest_first")
            )
            self._refresh_query()
        if "reading.zoom_percent" in keys:
            self.article_view.set_zoom_percent(self.settings.get_int("reading.zoom_percent"))

    # --- writes and changes -----------------------------------------------------------------

    def write(
        self,
        fn: Callable[[], Changes | StateChange],
        what: str,
        *,
        then: Callable[[Changes], None] | None = None,
        undoable: str | None = None,
    ) -> None:
        """Run a library write off the GUI thread, then refresh what it changed.

        ``undoable``: the write changes read or star marks on the user's command; it goes
        into the undo journal, described with this place ("" for none: "Marked 3 articles
        read"; "Linux": "... in Linux")."""

        def done(result: Changes | StateChange) -> None:
            changes = result.changes if isinstance(result, StateChange) else result
            (then or self.apply_changes)(changes)
            if undoable is not None and isinstance(result, StateChange) and result.marks:
                label = describe(result.marks, undoable or None)
                if self.undo_journal.record(label, result.marks):
                    self.undo_offer.offer(label, self._shortcut_text("edit.undo"))

        def failed(exc: BaseException) -> None:
            if isinstance(exc, (ReaderAppError, OSError)):
                show_error(self, "Could not " + what, describe_error(exc))
            else:
                self.show_bug(exc)

        self.tasks.run(fn, done, failed)

    def undo_last(self) -> None:
        """Put back the marks of the newest change in the undo journal."""
        entry = self.undo_journal.take()
        if entry is None:
            self.statusBar().showMessage("Nothing to undo", 4000)
            return
        self.undo_offer.withdraw()

        def done(changes: Changes) -> None:
            self.apply_changes(changes)
            self.statusBar().showMessage(f"Undone: {entry.label}", 6000)

        def failed(exc: BaseException) -> None:
            self.undo_journal.put_back(entry)
            if isinstance(exc, (ReaderAppError, OSError)):
                show_error(self, "Could not undo the change", describe_error(exc))
            else:
                self.show_bug(exc)

        marks = entry.marks
        self.tasks.run(lambda: self.library.undo_marks(marks), done, failed)

    def _shortcut_text(self, action_id: str) -> str:
        keys = self.actions_by_id[action_id].shortcuts()
        return keys[0].toString(QKeySequence.SequenceFormat.NativeText) if keys else ""

    def apply_changes(self, changes: Changes) -> None:
        """Refresh everything ``changes`` touches, and nothing else."""
        if changes.empty:
            return
        self.feed_model.apply_changes(changes)
        if changes.tags:
            self.tag_filter.reload()
        self.article_model.apply_changes(changes)
        if changes.feeds_removed or changes.tags:
            self._update_stack()
        self._update_title()

    def _update_stack(self) -> None:
        empty = not self.feed_model.feeds()
        self.stack.setCurrentWidget(self.first_run if empty else self.main_splitter)
        self._update_title()

    def _update_title(self) -> None:
        self._show_unread_total(self.feed_model.count_of(Selection(view=SmartView.UNREAD)))

    def _show_unread_total(self, unread: int) -> None:
        self.setWindowTitle(f"{APP_TITLE} ({unread} unread)" if unread else APP_TITLE)

    # --- sync -----------------------------------------------------------------------------

    def _sync_in_child(
        self,
        selection: SyncSelection,
        *,
        options: SyncOptions,
        on_progress: Callable[[SyncProgress], None],
        cancel: threading.Event,
    ) -> SyncReport:
        """The sync controller's runner (on its thread): the sync, then retention, in a
        child process. The policy is read now, so a change in Preferences applies to the
        next refresh; what was pruned is shown when the sync has finished."""

        def pruned(report: PruneReport) -> None:
            self._pruned = report  # read by _sync_finished, after this runner returns

        return update_in_child(
            self.library.path,
            selection,
            options=options,
            on_progress=on_progress,
            cancel=cancel,
            log_file=self.paths.log_file,
            retention=retention_policy(self.settings),
            on_pruned=pruned,
        )

    def _sync_started(self, total: int) -> None:
        self.sync_bar.setRange(0, max(total, 1))
        self.sync_bar.setValue(0)
        self.sync_bar.show()
        self.sync_label.setText(f"Updating {total} feeds…")

    def _sync_progress(self, batch: list[SyncProgress]) -> None:
        """Feeds that landed since the last turn of the event loop: one refresh for all."""
        if not batch:
            return
        last = batch[-1]
        self.sync_bar.setRange(0, max(last.total, 1))
        self.sync_bar.setValue(last.done)
        self.sync_label.setText(self.sync.status_text(last))
        for progress in batch:
            self._sync_changes |= progress.changes
        self._refresh_after_sync()

    def _refresh_after_sync(self) -> None:
        """Read what landed on a worker, then show it here without touching the database
        (see models/feed_tree_update.py); one read at a time, the rest gathered for the
        next, so a fast sync costs the window a refresh per read, not per feed."""
        if self._sync_refreshing or self._sync_changes.empty:
            if not self._sync_refreshing and not self.sync.running:
                self.feed_model.settle_order()
            return
        changes, self._sync_changes = self._sync_changes, Changes()
        self._sync_refreshing = True
        now = self.clock()

        def done(update: FeedTreeUpdate) -> None:
            self._sync_refreshing = False
            self.feed_model.apply_update(update, keep_order=True)
            self.article_model.apply_changes(update.changes)
            self._show_unread_total(update.view_counts[SmartView.UNREAD])
            # Feeds landing meanwhile wait a moment and are read together: counts stay
            # current to a fifth of a second, and the reads leave the GIL mostly to painting.
            QTimer.singleShot(SYNC_REFRESH_PAUSE_MS, self, self._refresh_after_sync)

        def failed(exc: BaseException) -> None:
            self._sync_refreshing = False
            self._sync_changes |= changes
            if isinstance(exc, (ReaderAppError, OSError)):
                self.statusBar().showMessage(f"Could not read the library: {exc}", 10_000)
            else:
                self.show_bug(exc)

        self.tasks.run(lambda: read_update(self.library, changes, now), done, failed)

    def _sync_finished(self, report: SyncReport) -> None:
        pruned, self._pruned = self._pruned, None
        if pruned is not None and pruned.total:
            self._sync_changes |= pruned.changes
        self._refresh_after_sync()
        self.sync_bar.hide()
        summary = self.sync.summary_text(report)
        if pruned is not None and pruned.total:
            summary += f"; {pruned.total:,} old article{'' if pruned.total == 1 else 's'} removed"
        self.sync_label.setText(summary)
        self.favicons.prefetch(self.feed_model.feeds())

    def _sync_failed(self, exc: BaseException) -> None:
        self.sync_bar.hide()
        self.sync_label.setText("Refresh failed")
        if isinstance(exc, (ReaderAppError, OSError)):
            show_error(
                self,
                "Could not refresh the feeds",
                f"{exc}\n\nCheck that the disk has free space and the library folder "
                f"{self.paths.data_dir} is writable, then refresh again.",
            )
        else:
            self.show_bug(exc)

    # --- errors, drops, closing -------------------------------------------------------------

    def show_bug(self, exc: BaseException) -> None:
        log.error("unexpected error", exc_info=exc)
        BugDialog(exc, self.paths.log_file, self).open()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _dropped_target(event.mimeData().urls(), event.mimeData().text()) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        target = _dropped_target(event.mimeData().urls(), event.mimeData().text())
        if target is None:
            return
        event.acceptProposedAction()
        kind, value = target
        if kind == "opml":
            self.subscriptions.import_opml(Path(value))
        else:
            self.subscriptions.add_feed(value)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        self.keyboard.close()
        self.sync.shutdown(timeout=2.0)
        self.tasks.shutdown(wait=False)
        self.favicons.shutdown()
        event.accept()


def _dropped_target(urls: list[QUrl], text: str) -> tuple[str, str] | None:
    """What a drop on the window means: ("opml", path) for a local OPML/XML file,
    ("url", url) for a web address; None for anything else."""
    for url in urls:
        if url.isLocalFile():
            path = url.toLocalFile()
            if path.lower().endswith((".opml", ".xml")):
                return ("opml", path)
        elif url.scheme() in ("http", "https"):
            return ("url", url.toString())
    candidate = text.strip()
    if candidate.startswith(("http://", "https://")) and " " not in candidate:
        return ("url", candidate)
    return None
