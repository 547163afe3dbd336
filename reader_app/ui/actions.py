"""The table of the window's actions: one row each drives its menu entry, toolbar button and
shortcut (and later the cheat sheet and the command palette).

Handlers are not in the table: the main window hands a mapping from action id to callable,
and ``build_actions`` refuses a table row without a handler or a handler without a row, so the
two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QAction, QColor, QIcon, QKeySequence, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QWidget

from reader_app import APP_TITLE

Key = str | QKeySequence.StandardKey

MENUS: tuple[str, ...] = ("File", "Edit", "View", "Feed", "Article", "Help")


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One command. ``keys``: shortcuts of the default profile (portable text such as
    ``"Shift+J"``, ``"G, A"`` for a two-key sequence, or a Qt standard key). ``group``: the
    menu it sits in. ``theme_icon`` is tried first, then ``style_icon`` from the widget style.
    """

    id: str
    text: str
    group: str
    keys: tuple[Key, ...] = ()
    tip: str = ""
    toolbar: bool = False
    checkable: bool = False
    separator_before: bool = False
    theme_icon: str | None = None
    style_icon: QStyle.StandardPixmap | None = None
    drawn_icon: str | None = None  # drawn in the palette's text colour (see drawn_icon)


SP = QStyle.StandardPixmap
SK = QKeySequence.StandardKey

ACTIONS: tuple[ActionSpec, ...] = (
    # File
    ActionSpec(
        "file.add_feed",
        "&Add Feed…",
        "File",
        ("Ctrl+N",),
        "Subscribe to a feed or a website",
        toolbar=True,
        theme_icon="list-add",
        style_icon=SP.SP_FileDialogNewFolder,
    ),
    ActionSpec("file.import_opml", "&Import OPML…", "File", ("Ctrl+O",), "Import subscriptions"),
    ActionSpec("file.export_opml", "&Export OPML…", "File", (), "Export subscriptions"),
    ActionSpec(
        "file.add_starter_feeds",
        "Add &Starter Feeds",
        "File",
        (),
        "Subscribe to a bundled list of well-known news, technology and science sites",
    ),
    ActionSpec("file.quit", "&Quit", "File", (SK.Quit, "Ctrl+Q"), separator_before=True),
    # Edit
    ActionSpec(
        "edit.undo",
        "&Undo",
        "Edit",
        (SK.Undo, "Ctrl+Z"),
        "Undo the last change of read or star marks",
        theme_icon="edit-undo",
    ),
    ActionSpec(
        "edit.find",
        "&Search…",
        "Edit",
        ("/", SK.Find, "Ctrl+F"),
        'Search every article: words, "phrases", -exclude, OR, feed:, tag:, is:unread',
        theme_icon="edit-find",
    ),
    ActionSpec(
        "edit.save_search",
        "Sa&ve Search…",
        "Edit",
        (),
        "Keep the search in the feed list, with its unread count",
    ),
    ActionSpec(
        "edit.leave",
        "Leave Field or Clear Filter",
        "Edit",
        ("Escape",),
        "Leave the text field you are typing in, end the search, or clear the tag filter",
    ),
    ActionSpec(
        "edit.tag_filter",
        "&Tag Filter…",
        "Edit",
        ("F",),
        "Show only feeds with tags",
        separator_before=True,
    ),
    ActionSpec("edit.clear_tag_filter", "&Clear Tag Filter", "Edit", (), "Show every feed"),
    ActionSpec("edit.preferences", "&Preferences…", "Edit", ("Ctrl+,",), separator_before=True),
    ActionSpec("edit.shortcuts", "&Keyboard Shortcuts…", "Edit", (), "Change the keys"),
    # View
    ActionSpec("view.go_all", "Go to &All", "View", ("G, A",)),
    ActionSpec("view.go_unread", "Go to &Unread", "View", ("G, U",)),
    ActionSpec("view.go_starred", "Go to &Starred", "View", ("G, S",)),
    ActionSpec("view.go_today", "Go to &Today", "View", ("G, T",)),
    ActionSpec(
        "view.hide_read",
        "&Hide Read Articles",
        "View",
        (),
        "Show only unread articles (what you read stays until you leave the view)",
        checkable=True,
        separator_before=True,
    ),
    ActionSpec("view.oldest_first", "&Oldest First", "View", (), checkable=True),
    ActionSpec(
        "view.pane_below",
        "Article Pane &Below the List",
        "View",
        (),
        "Put the article pane below the article list instead of beside it",
        checkable=True,
    ),
    ActionSpec("view.zoom_in", "Zoom &In", "View", (SK.ZoomIn, "Ctrl+="), separator_before=True),
    ActionSpec("view.zoom_out", "Zoom &Out", "View", (SK.ZoomOut, "Ctrl+-")),
    ActionSpec("view.zoom_reset", "&Reset Zoom", "View", ("Ctrl+0",)),
    ActionSpec("view.full_screen", "&Full Screen", "View", ("F11",), checkable=True),
    # Feed
    ActionSpec(
        "feed.refresh_all",
        "Refresh &All Feeds",
        "Feed",
        ("Shift+R", "F5", "Ctrl+R"),
        "Check every feed for new articles",
        toolbar=True,
        theme_icon="view-refresh",
        style_icon=SP.SP_BrowserReload,
    ),
    ActionSpec("feed.refresh", "&Refresh Feed", "Feed", ("R",), "Check the selected feed or tag"),
    ActionSpec(
        "feed.cancel_sync",
        "&Stop Refreshing",
        "Feed",
        (),
        "Stop after the feeds being written now",
        toolbar=True,
        theme_icon="process-stop",
        style_icon=SP.SP_BrowserStop,
    ),
    ActionSpec(
        "feed.mark_all_read",
        "&Mark All as Read",
        "Feed",
        ("Shift+A",),
        "Mark every article in the current view as read",
        toolbar=True,
        separator_before=True,
        theme_icon="mail-mark-read",
        style_icon=SP.SP_DialogApplyButton,
    ),
    ActionSpec("feed.next", "&Next Feed", "Feed", ("Shift+J",), separator_before=True),
    ActionSpec("feed.previous", "&Previous Feed", "Feed", ("Shift+K",)),
    ActionSpec("feed.next_unread", "Next Feed with &Unread", "Feed", ("Shift+N",)),
    ActionSpec("feed.previous_unread", "Previous Feed with U&nread", "Feed", ("Shift+P",)),
    ActionSpec("feed.rename", "Re&name Feed…", "Feed", ("F2",), separator_before=True),
    ActionSpec("feed.edit_tags", "Edit &Tags…", "Feed", ("T",)),
    ActionSpec("feed.properties", "P&roperties…", "Feed", ("Alt+Return",)),
    ActionSpec("feed.remove", "Remo&ve Feed…", "Feed", (), separator_before=True),
    # Article
    ActionSpec("article.next", "&Next Article", "Article", ("J",)),
    ActionSpec("article.previous", "&Previous Article", "Article", ("K",)),
    ActionSpec(
        "article.next_unread",
        "Next &Unread Article",
        "Article",
        ("N",),
        "Go to the next unread article, in the next feed if needed",
        toolbar=True,
        theme_icon="go-down",
        drawn_icon="down",
    ),
    ActionSpec("article.previous_unread", "Previous Unread Article", "Article", ("P",)),
    ActionSpec(
        "article.scroll_down",
        "Scroll Down or Next Unread",
        "Article",
        ("Space",),
        "Scroll the article; at its end, go to the next unread article",
    ),
    ActionSpec("article.scroll_up", "Scroll Up", "Article", ("Shift+Space",)),
    ActionSpec("article.toggle_read", "Toggle &Read", "Article", ("M",), separator_before=True),
    ActionSpec("article.toggle_star", "Toggle &Star", "Article", ("S",)),
    ActionSpec(
        "article.open",
        "&Open in Browser",
        "Article",
        ("V", "Return"),
        "Open the original article in the web browser",
        separator_before=True,
        theme_icon="internet-web-browser",
        style_icon=SP.SP_DirLinkIcon,
    ),
    ActionSpec("article.copy_link", "&Copy Link", "Article", ()),
    ActionSpec("article.load_images", "&Load Images", "Article", (), "Show this article's images"),
    # Help
    ActionSpec(
        "help.cheat_sheet",
        "Keyboard &Cheat Sheet",
        "Help",
        ("?",),
        "Show every keyboard shortcut",
    ),
    ActionSpec(
        "help.command_palette",
        "&Command Palette…",
        "Help",
        ("Ctrl+K", "Ctrl+Shift+P"),
        "Find any command, feed or tag by typing part of its name",
    ),
    ActionSpec("help.about", f"&About {APP_TITLE}", "Help", (), separator_before=True),
)


def spec(action_id: str) -> ActionSpec:
    for item in ACTIONS:
        if item.id == action_id:
            return item
    raise KeyError(action_id)


def key_sequences(item: ActionSpec) -> list[QKeySequence]:
    """The shortcuts of an action, standard keys expanded and duplicates dropped."""
    found: list[QKeySequence] = []
    for key in item.keys:
        sequences = (
            QKeySequence.keyBindings(key)
            if isinstance(key, QKeySequence.StandardKey)
            else [QKeySequence(key)]
        )
        for sequence in sequences:
            if not sequence.isEmpty() and sequence not in found:
                found.append(sequence)
    return found


def drawn_icon(name: str, color: QColor) -> QIcon:
    """A simple glyph in ``color``, for actions whose style icon is black on any palette
    (Fusion's arrows) and would vanish on a dark toolbar. ``name``: "down"."""
    if name != "down":
        raise ValueError(f"no drawn icon named {name!r}")
    icon = QIcon()
    for size in (16, 22, 32):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(color, max(1.5, size / 9))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        m = size / 4
        # A chevron pointing down, over a short bar: "the next one below".
        painter.drawPolyline(
            [QPointF(m, size * 0.3), QPointF(size / 2, size * 0.6), QPointF(size - m, size * 0.3)]
        )
        painter.drawLine(QPointF(m, size * 0.8), QPointF(size - m, size * 0.8))
        painter.end()
        icon.addPixmap(pixmap)
    return icon


def build_actions(
    parent: QWidget, handlers: Mapping[str, Callable[[], object]]
) -> dict[str, QAction]:
    """A QAction per table row, wired to its handler (checkable ones get the new state
    through ``isChecked`` in the handler)."""
    ids = {item.id for item in ACTIONS}
    if missing := ids - handlers.keys():
        raise ValueError(f"actions without a handler: {sorted(missing)}")
    if unknown := handlers.keys() - ids:
        raise ValueError(f"handlers without an action: {sorted(unknown)}")
    style = parent.style()
    actions: dict[str, QAction] = {}
    for item in ACTIONS:
        action = QAction(item.text, parent)
        action.setObjectName(item.id)
        action.setCheckable(item.checkable)
        action.setShortcuts(key_sequences(item))
        if item.tip:
            action.setStatusTip(item.tip)
            action.setToolTip(item.tip)
        icon = QIcon.fromTheme(item.theme_icon) if item.theme_icon else QIcon()
        if icon.isNull() and item.style_icon is not None:
            icon = style.standardIcon(item.style_icon)
        if icon.isNull() and item.drawn_icon is not None:
            icon = drawn_icon(
                item.drawn_icon, parent.palette().color(QPalette.ColorRole.WindowText)
            )
        if not icon.isNull():
            action.setIcon(icon)
        handler = handlers[item.id]
        action.triggered.connect(lambda _checked=False, h=handler: h())
        actions[item.id] = action
    return actions
