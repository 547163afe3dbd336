"""The article list's columns and what each cell shows of an ``EntryItem``.

Titles and feed names come from feeds: cells show them on one line, and their tooltips are
escaped and wrapped so Qt never takes them for rich text (which could name a local file).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from PySide6.QtCore import QLocale, Qt, QTime
from PySide6.QtGui import QFont

from reader_app.domain import EntryItem

TITLE, FEED, DATE, STAR = range(4)
HEADERS: Final = ("Title", "Feed", "Date", "★")
EntryIdRole: Final = int(Qt.ItemDataRole.UserRole) + 1
# The Title cell's search snippet (text with HIGHLIGHT_START/END markers), None when the list
# is not a search result or the snippet is not read yet.
SnippetRole: Final = int(Qt.ItemDataRole.UserRole) + 2

DISPLAY: Final = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)
# The roles a cell answers from its article's row; any other role needs no row read.
ITEM_ROLES: Final = frozenset({DISPLAY, _TOOLTIP, _FONT, _ALIGN, _ACCESSIBLE})


def format_list_date(when: datetime, now: datetime, locale: QLocale | None = None) -> str:
    """The Date column: local time of day for today's articles, else the local date."""
    local = when.astimezone()
    locale = locale or QLocale()
    if local.date() == now.astimezone().date():
        return locale.toString(QTime(local.hour, local.minute), QLocale.FormatType.ShortFormat)
    return local.strftime("%Y-%m-%d")


def _plain_tooltip(text: str) -> str:
    # Qt guesses whether a tooltip is rich text; escaped and wrapped, a feed's title is
    # always shown literally (and can never name a local file to load).
    return f"<p>{html.escape(text)}</p>"


def header_data(section: int, orientation: Qt.Orientation, role: int) -> Any:
    """A column header's text, and the star column's spoken name."""
    if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
        return None
    if role == DISPLAY:
        return HEADERS[section]
    if role in (_TOOLTIP, _ACCESSIBLE) and section == STAR:
        return "Starred"
    return None


def item_data(
    item: EntryItem, column: int, role: int, *, bold: QFont, clock: Callable[[], datetime]
) -> Any:
    """What ``column`` shows of ``item`` for ``role`` (one of ``ITEM_ROLES``): unread rows
    in ``bold``; ``clock`` says what "today" is for the Date column."""
    if role == _FONT:
        return None if item.read else bold
    if role == _ALIGN:
        return Qt.AlignmentFlag.AlignCenter if column == STAR else None
    if column == TITLE:
        title = " ".join((item.title or "").split()) or "(no title)"
        return _plain_tooltip(title) if role == _TOOLTIP else title
    if column == FEED:
        feed = " ".join(item.feed_title.split())
        return _plain_tooltip(feed) if role == _TOOLTIP else feed
    if column == DATE:
        if role == _TOOLTIP:
            return item.sort_at.astimezone().strftime("%Y-%m-%d %H:%M")
        return format_list_date(item.sort_at, clock())
    if role == DISPLAY:
        return "★" if item.starred else ""
    return "Starred" if item.starred else "Not starred"
