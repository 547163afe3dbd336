"""What the feed list says about a row: its one-line label, its tooltip, its count phrase.

Pure text from domain values, no Qt, so every rule here is tested without a window. Titles
and error messages come from feeds and servers: a tooltip is rich text built only from
escaped plain text, so markup in them shows literally and can never name a file to load.
"""

from __future__ import annotations

import html
from datetime import datetime

from reader_app.domain import Feed

_STOPPED_SUFFIX = "; updates stopped"


def one_line(text: str) -> str:
    """Feed titles may hold newlines and runs of spaces; a list row shows one line."""
    return " ".join(text.split())


def feed_label(feed: Feed) -> str:
    """The row's text: the feed's title, or its address without the scheme while it has none
    (a feed not fetched yet), which reads better than a column of ``https://``."""
    title = feed.user_title or feed.title
    if title and title.strip():
        return one_line(title)
    return feed.url.split("://", 1)[-1].rstrip("/")


def _local_time(when: datetime) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


def feed_tooltip(feed: Feed, unread: int) -> str:
    """The feed row's tooltip as rich text built from escaped plain text, so a title or an
    error message holding ``<b>`` or ``<img>`` shows literally and never loads anything."""
    lines = [one_line(feed.display_title), feed.url, f"{unread} unread"]
    # The fetcher's 410 message ends "; updates stopped": said once here, where it is true.
    error = (feed.last_error or "").strip()
    if error.casefold().endswith(_STOPPED_SUFFIX):
        error = error[: -len(_STOPPED_SUFFIX)]
    if not feed.updates_enabled:
        lines.append(f"Updates stopped: {error or 'turned off'}")
        lines.append("Turn updates back on in the feed's properties.")
    elif feed.error_count > 0:
        lines.append(f"Last error: {error or 'unknown error'}")
        if feed.last_error_at is not None:
            lines.append(f"Failing since: {_local_time(feed.last_error_at)}")
        if feed.next_check is not None:
            lines.append(f"Next retry: {_local_time(feed.next_check)}")
    if feed.last_warning:
        lines.append(f"Warning: {feed.last_warning}")
    title, *rest = (html.escape(line) for line in lines)
    return f"<qt><b>{title}</b><br>" + "<br>".join(rest) + "</qt>"


def tag_tooltip(tag: str, feeds: int, count_text: str) -> str:
    """A tag row's tooltip: its full name (a group shows only the last part), how many
    feeds it holds, and ``count_text``; escaped like a feed's."""
    noun = "feed" if feeds == 1 else "feeds"
    text = f"{tag}\n{feeds} {noun}, {count_text}"
    return "<qt>" + html.escape(text).replace("\n", "<br>") + "</qt>"


def saved_search_tooltip(name: str, query: str, count_text: str) -> str:
    """A saved search's tooltip: its name, its query and ``count_text``; escaped (the name
    and query are the user's own text, but still plain text)."""
    text = f"{name}\nSearch: {query}\n{count_text}"
    return "<qt>" + html.escape(text).replace("\n", "<br>") + "</qt>"


def count_phrase(count: int, *, starred: bool) -> str:
    """What a row's number means, for tooltips and screen readers: the Starred view counts
    starred articles, every other row unread ones."""
    return f"{count} starred" if starred else f"{count} unread"


def feed_is_failing(feed: Feed) -> bool:
    """Whether the row shows the warning icon: fetches are failing, or updates are off."""
    return feed.error_count > 0 or not feed.updates_enabled
