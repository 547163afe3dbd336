"""The exceptions reader_app raises on purpose.

Every error meant for a user carries a message that names the problem and where it is; the
CLI prints ``str(error)`` on one line and the window shows it in a dialog. Anything that is not
a ``ReaderAppError`` is a bug and is reported loudly as one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class ReaderAppError(Exception):
    """Base of every expected error; ``str()`` is a complete sentence for the user."""


class FeedError(ReaderAppError):
    """A problem with one feed: its URL, its existence."""


class InvalidFeedUrlError(FeedError):
    """A URL that cannot be a feed: not http(s), no host, unparsable."""


class FeedNotFoundError(FeedError):
    """No feed with that id or URL."""


class FeedExistsError(FeedError):
    """Adding a feed whose (normalized) URL is already there."""


class EntryNotFoundError(ReaderAppError):
    """No article with that id."""


class SavedSearchNotFoundError(ReaderAppError):
    """No saved search with that id or name."""


class UpdateError(ReaderAppError):
    """Fetching or parsing a feed failed; stored on the feed rather than raised to the user."""


class OpmlError(ReaderAppError):
    """An OPML file that cannot be read; nothing from it was imported."""

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None) -> None:
        where = source or "OPML"
        if line is not None:
            where = f"{where}, line {line}"
        super().__init__(f"{where}: {message}")
        self.source = source
        self.line = line
        self.reason = message


class StorageError(ReaderAppError):
    """The database cannot be used: locked, unreadable, damaged, full disk."""


class SchemaTooNewError(StorageError):
    """The database was written by a newer reader_app; it is left untouched."""


class DatabaseDamagedError(StorageError):
    """The library file failed the integrity check. It is left as it is (never replaced by an
    empty library); ``reader-app restore`` or the window's dialog puts a backup in its place."""

    def __init__(self, path: Path, problems: Sequence[str]) -> None:
        shown = "; ".join(problems[:3]) + (
            f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        )
        super().__init__(
            f"{path} is damaged: {shown}. It was left as it is; 'reader-app restore' puts the "
            "newest good backup in its place (the damaged file is kept aside)"
        )
        self.path = path
        self.problems = tuple(problems)


class SettingsError(ReaderAppError):
    """A setting's key or value is not valid."""


class FetchError(UpdateError):
    """The feed could not be downloaded (network, HTTP status, size or time limit)."""


class ParseError(UpdateError):
    """The downloaded document is not a usable feed, or parsing it ran out of time or memory."""


class NoFeedFoundError(FeedError):
    """A URL that answered, but neither is a feed nor links to one."""


class SearchSyntaxError(ReaderAppError):
    """A search query that cannot be read. ``column`` (from 1) is where the problem is, so a
    search box can put the cursor there; ``str()`` reads "unclosed quote at column 12", then
    the ``hint`` if there is one."""

    def __init__(self, reason: str, *, column: int, hint: str | None = None) -> None:
        message = f"{reason} at column {column}"
        super().__init__(f"{message}; {hint}" if hint else message)
        self.reason = reason
        self.column = column
        self.hint = hint


class StateFileError(ReaderAppError):
    """A read-state file that cannot be used (not JSON, wrong format, newer version, too
    large); nothing from it was imported."""

    def __init__(self, message: str, source: str | None = None) -> None:
        super().__init__(f"{source or 'state file'}: {message}")
        self.source = source
        self.reason = message
