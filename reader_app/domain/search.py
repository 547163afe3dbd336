"""Search: the parsed query, its order, and what a search finds. Pure values; no SQL here.

``search_parser.parse_search`` turns what the user types into a ``SearchQuery`` (the grammar
is there); ``storage/search.py`` runs it. A query's words are a small tree: ``Term`` (a word
or a phrase), ``AllOf`` (every part, none of the exclusions) and ``AnyOf`` (one of the parts).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Final

from reader_app.domain.types import EntryItem

# Around each matched word in a snippet. Control characters never occur in indexed text (it
# is cleaned of them), so a marker cannot be confused with an article's own characters.
HIGHLIGHT_START: Final = "\x02"
HIGHLIGHT_END: Final = "\x03"


@dataclass(frozen=True, slots=True)
class Term:
    """A word or quoted words (a phrase); ``prefix``: its last word may continue."""

    text: str
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every part of ``include`` and no part of ``exclude``. Only a whole query's top level
    may have an empty ``include`` (``-spam -ads``: every article without those words)."""

    include: tuple[TextExpr, ...]
    exclude: tuple[TextExpr, ...] = ()


@dataclass(frozen=True, slots=True)
class AnyOf:
    """At least one of ``parts`` (two or more, none of them an exclusion)."""

    parts: tuple[TextExpr, ...]


TextExpr = Term | AllOf | AnyOf


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A parsed search: words to find (``text``, None for filters only) and filters."""

    text: TextExpr | None = None
    feeds: tuple[str, ...] = ()  # feed: values; an article from any of these feeds
    not_feeds: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # tag: values (normalized); any of these tags
    not_tags: tuple[str, ...] = ()
    read: bool | None = None  # is:read True, is:unread False
    starred: bool | None = None
    after: date | None = None  # on or after this (local) day
    before: date | None = None  # before this (local) day
    source: str = field(default="", compare=False)  # the text it was parsed from

    @property
    def empty(self) -> bool:
        """Nothing to search for and nothing to filter by: the search finds nothing."""
        return self.text is None and not self.has_filters

    @property
    def has_filters(self) -> bool:
        return bool(self.feeds or self.not_feeds or self.tags or self.not_tags) or any(
            v is not None for v in (self.read, self.starred, self.after, self.before)
        )

    @property
    def excludes_only(self) -> bool:
        """Its words only exclude (``-spam``): no word to rank or highlight."""
        return isinstance(self.text, AllOf) and not self.text.include


class SearchOrder(enum.Enum):
    RELEVANCE = "relevance"  # best match first (title matches weigh most), then newest
    NEWEST = "newest"


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One article found, with a snippet of its text around what matched: the matched words
    sit between ``HIGHLIGHT_START`` and ``HIGHLIGHT_END`` (see ``split_highlights``). A search
    by filters alone has no matched words; its snippet is the start of the article."""

    item: EntryItem
    snippet: str


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of results; ``next_offset`` asks for the next page (None: this was the last)."""

    hits: tuple[SearchHit, ...]
    next_offset: int | None


def split_highlights(snippet: str) -> list[tuple[str, bool]]:
    """A snippet as (text, highlighted) runs, markers removed: for bold in the window and
    brackets on a terminal."""
    runs: list[tuple[str, bool]] = []
    for index, chunk in enumerate(snippet.split(HIGHLIGHT_START)):
        if index == 0:
            if chunk:
                runs.append((chunk.replace(HIGHLIGHT_END, ""), False))
            continue
        marked, _, rest = chunk.partition(HIGHLIGHT_END)
        if marked:
            runs.append((marked, True))
        if rest:
            runs.append((rest.replace(HIGHLIGHT_END, ""), False))
    return runs


def day_start(day: date) -> datetime:
    """The instant a local day begins (its own UTC offset: daylight saving included)."""
    try:
        return datetime(day.year, day.month, day.day).astimezone().astimezone(UTC)
    except (OverflowError, OSError, ValueError):  # far outside what the platform converts
        return datetime(day.year, day.month, day.day, tzinfo=UTC)


def day_bounds(query: SearchQuery) -> tuple[datetime | None, datetime | None]:
    """``after:`` and ``before:`` as instants: from the start of the one, to the start of
    the other."""
    since = None if query.after is None else day_start(query.after)
    until = None if query.before is None else day_start(query.before)
    return since, until
