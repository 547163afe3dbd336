"""What the command palette offers and how it ranks it: candidates made from the window's
actions, feeds and tags, a pure ranking function, and the list model of the current matches.

Matching is fuzzy (rapidfuzz) but ranked the way people type into palettes: a prefix
("ref" -> "Refresh Feed") or the initials ("nu" -> "Next Unread Article") beat a match
somewhere inside, and commands come before feeds and tags that match as well. Candidates
are prepared once when the palette opens (folded text, words, initials) so ranking stays
cheap on every keystroke, with a thousand feeds too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QAction
from rapidfuzz import fuzz, process

from reader_app.domain import Feed, FeedSummary, TagSummary
from reader_app.domain.saved_search import SavedSearch
from reader_app.domain.tags import tag_and_ancestors
from reader_app.ui.dialogs.cheat_sheet import (
    action_label,
    group_of,
    sequence_text,
    shown_shortcuts,
)

Index = QModelIndex | QPersistentModelIndex

PALETTE_ACTION = "help.command_palette"  # never offered in its own list
# What an empty palette offers first: what people come to a feed reader for.
USEFUL_FIRST = (
    "article.next_unread",
    "feed.refresh_all",
    "feed.mark_all_read",
    "file.add_feed",
    "view.go_unread",
    "view.go_starred",
    "edit.find",
    "view.go_today",
    "view.go_all",
    "feed.refresh",
    "edit.tag_filter",
    "article.toggle_star",
    "article.open",
    "file.import_opml",
    "edit.preferences",
    "help.cheat_sheet",
)
# rapidfuzz partial_ratio: one typo in six letters scores over 80; a shorter query is close
# to too much ("long" to "Blog"): its typos are left to the letters-in-order match.
_FUZZY_CUTOFF = 80.0
_FUZZY_MIN_LENGTH = 5
_WORD = re.compile(r"[^\W_]+")


class Kind(Enum):
    ACTION = "action"
    FEED = "feed"
    TAG = "tag"
    SEARCH = "search"  # a saved search


def fold(text: str) -> str:
    """Text for matching: case and accents dropped, so "cafe" finds "Café"."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass(frozen=True, slots=True)
class Candidate:
    """One row the palette can offer. ``key``: the action id, feed id or tag name.
    ``detail`` is dim text after the title, ``trailing`` sits at the right (a shortcut,
    an unread count). ``extra``: folded words that match weakly (a command's menu and tip).
    """

    kind: Kind
    key: str | int
    text: str
    detail: str
    trailing: str
    enabled: bool
    folded: str
    words: str  # " next unread article": a space before each word, for C-speed searches
    initials: str
    starts: tuple[int, ...]  # where each word begins in ``folded``
    extra: str  # the same, of the weakly matching text

    @classmethod
    def make(
        cls,
        kind: Kind,
        key: str | int,
        text: str,
        *,
        detail: str = "",
        trailing: str = "",
        enabled: bool = True,
        extra: str = "",
    ) -> Candidate:
        folded = fold(text.removesuffix("…"))
        found = list(_WORD.finditer(folded))
        return cls(
            kind,
            key,
            text,
            detail,
            trailing,
            enabled,
            folded,
            _spaced(m.group() for m in found),
            "".join(m.group()[0] for m in found),
            tuple(m.start() for m in found),
            _spaced(_WORD.findall(fold(extra))),
        )


def _spaced(words: Iterable[str]) -> str:
    return "".join(" " + word for word in words)


# --- ranking (pure) -----------------------------------------------------------------------

_PREFIX = 100.0
_ALL_WORD_STARTS = 90.0
_WORD_START = 85.0
_INSIDE = 70.0
_FUZZY = 55.0  # plus up to 5 for a closer match
_IN_ORDER = 40.0  # plus up to 10 as more of the letters start words
_SECONDARY = 30.0
_KIND_BONUS = {Kind.ACTION: 3.0, Kind.TAG: 0.0, Kind.FEED: 0.0, Kind.SEARCH: 0.0}


def _in_order(letters: str, rests: Sequence[re.Pattern[str]], candidate: Candidate) -> float:
    """For letters found in order in the title ("rfd" in "Refresh Feed"): the share of them
    that start a word. Each letter takes the next word start that has it when the letters
    after it still fit behind (``rests[k]`` finds ``letters[k + 1:]``), else its next
    occurrence; the caller has checked that all of them are there in order. The first
    letter must start a word (0 otherwise): "long" is not in "Film Europe Open Blog"."""
    text, pos, hits = candidate.folded, 0, 0
    for k, letter in enumerate(letters):
        at = next(
            (
                s
                for s in candidate.starts
                if s >= pos and text[s] == letter and rests[k].search(text, s + 1)
            ),
            -1,
        )
        if at >= 0:
            hits += 1
        elif k == 0:
            return 0.0
        else:
            at = text.find(letter, pos)
        pos = at + 1
    return hits / len(letters)


def _in_order_re(letters: str) -> re.Pattern[str]:
    return re.compile(".*?".join(re.escape(c) for c in letters))


def _word_starts_re(query_words: Sequence[str]) -> re.Pattern[str]:
    """Finds, in a ``Candidate.words`` string, each query word starting a different word, in
    order: "ne un" finds " next unread"."""
    return re.compile(r"\S*.*?".join(" " + re.escape(w) for w in query_words))


@dataclass(frozen=True, slots=True)
class _Query:
    """A query prepared once per keystroke for the tests run on every candidate."""

    text: str
    several: bool  # more than one word
    by_initials: bool
    word_start: str
    all_word_starts: re.Pattern[str]
    letters: str
    rests: tuple[re.Pattern[str], ...]  # rests[k] finds letters[k:] in order
    fuzzy: dict[int, float]

    @classmethod
    def make(cls, text: str, candidates: Sequence[Candidate]) -> _Query:
        words = text.split()
        fuzzy: dict[int, float] = {}
        if len(text) >= _FUZZY_MIN_LENGTH:
            for _choice, score, i in process.extract(
                text,
                [c.folded for c in candidates],
                scorer=fuzz.partial_ratio,
                limit=None,
                score_cutoff=_FUZZY_CUTOFF,
            ):
                fuzzy[i] = score
        letters = text.replace(" ", "")
        return cls(
            text,
            len(words) > 1,
            len(text) >= 2 and len(words) == 1,
            " " + text,
            _word_starts_re(words),
            letters,
            tuple(_in_order_re(letters[k:]) for k in range(len(letters) + 1)),
            fuzzy,
        )


def _tier(candidate: Candidate, i: int, query: _Query) -> float | None:
    """How well candidate ``i`` matches, by the kind of match; None when it does not."""
    text = candidate.folded
    if text.startswith(query.text) or (
        query.by_initials and candidate.initials.startswith(query.text)
    ):
        return _PREFIX
    if query.several and query.all_word_starts.search(candidate.words):
        return _ALL_WORD_STARTS
    if not query.several and query.word_start in candidate.words:
        return _WORD_START
    if query.text in text:
        return _INSIDE
    if i in query.fuzzy:
        return _FUZZY + (query.fuzzy[i] - _FUZZY_CUTOFF) / (100 - _FUZZY_CUTOFF) * 5
    letters = query.letters
    if len(letters) >= 3 and query.rests[0].search(text):
        # Letters scattered inside words ("stop" in "Post Office") are noise, not a match.
        share = _in_order(letters, query.rests[1:], candidate)
        if share:
            return _IN_ORDER + 10 * share + 2 * text.startswith(letters[0])
    if candidate.extra and query.all_word_starts.search(candidate.extra):
        return _SECONDARY
    return None


def rank(
    candidates: Sequence[Candidate], query: str, recent: Sequence[str | int] = ()
) -> list[int]:
    """The indexes of the candidates that match ``query``, best first.

    Tiers: the title starts with the query, or its initials do ("nu"); every query word
    starts a word; the query starts a word; it is inside; rapidfuzz finds it close (a
    typo); its letters come in order, mostly starting words; it starts words of a
    command's menu or description. Commands come before feeds and tags at the same tier,
    then shorter titles. An empty query keeps the given order, ``recent`` commands first.
    Each test is one C-level string or regex operation per candidate: a keystroke over a
    thousand feeds stays within a few milliseconds.
    """
    folded = " ".join(fold(query).split())
    if not folded:
        first = {key: n for n, key in enumerate(recent)}
        return sorted(
            range(len(candidates)),
            key=lambda i: (
                first.get(candidates[i].key, len(first))
                if candidates[i].kind is Kind.ACTION
                else len(first),
            ),
        )
    prepared = _Query.make(folded, candidates)
    recent_set = set(recent)
    scored: list[tuple[float, int, int]] = []
    for i, candidate in enumerate(candidates):
        tier = _tier(candidate, i, prepared)
        if tier is None:
            continue
        score = tier + _KIND_BONUS[candidate.kind]
        if not candidate.enabled:
            score -= 2
        if candidate.key in recent_set and candidate.kind is Kind.ACTION:
            score += 1
        scored.append((-score, len(candidate.text), i))
    scored.sort()
    return [i for _score, _length, i in scored]


# --- candidates from the window's values ---------------------------------------------------


# The palette opens again and again over mostly the same feeds: their prepared candidates
# (folded text, words, initials) are kept, keyed by everything they are made from.
_candidate = lru_cache(maxsize=8192)(Candidate.make)


def action_candidates(actions: Mapping[str, QAction]) -> list[Candidate]:
    """Every visible command but the palette itself: useful ones first, then menu order."""
    order = {action_id: n for n, action_id in enumerate(USEFUL_FIRST)}
    ids = [i for i, a in actions.items() if a.isVisible() and i != PALETTE_ACTION]
    ids.sort(key=lambda i: order.get(i, len(order)))
    found = []
    for action_id in ids:
        action = actions[action_id]
        shortcuts = shown_shortcuts(action)
        menu = group_of(action_id)
        detail = f"{menu} menu"  # "Feed menu": not to be confused with a feed's row
        if action.isCheckable():
            detail += " · on" if action.isChecked() else " · off"
        found.append(
            _candidate(
                Kind.ACTION,
                action_id,
                action_label(action.text()) + ("…" if action.text().endswith("…") else ""),
                detail=detail,
                trailing=sequence_text(shortcuts[0]) if shortcuts else "",
                enabled=action.isEnabled(),
                extra=f"{menu} {action.statusTip()}",
            )
        )
    return found


def feed_candidates(feeds: Iterable[FeedSummary | Feed]) -> list[Candidate]:
    found = []
    for item in feeds:
        feed, unread = (
            (item.feed, item.unread_count) if isinstance(item, FeedSummary) else (item, 0)
        )
        found.append(
            _candidate(
                Kind.FEED,
                int(feed.id),
                " ".join(feed.display_title.split()),  # a title from the web may hold newlines
                detail="Feed",
                trailing=f"{unread:,} unread" if unread else "",
            )
        )
    return found


def saved_search_candidates(searches: Iterable[SavedSearch]) -> list[Candidate]:
    """Saved searches, found by their name or their query."""
    return [
        _candidate(
            Kind.SEARCH,
            int(search.id),
            search.name,
            detail="Saved search",
            trailing=f"{search.unread_count:,} unread" if search.unread_count else "",
            extra=search.query,
        )
        for search in searches
    ]


def tag_candidates(tags: Iterable[str | TagSummary]) -> list[Candidate]:
    """Tags and their parents ("News/Europe" also offers "News", as the feed tree does)."""
    names: dict[str, None] = {}
    for tag in tags:
        for name in tag_and_ancestors(tag.name if isinstance(tag, TagSummary) else tag):
            names[name] = None
    return [_candidate(Kind.TAG, name, name, detail="Tag") for name in sorted(names)]


# --- model -----------------------------------------------------------------------------

DetailRole = Qt.ItemDataRole.UserRole + 1
TrailingRole = Qt.ItemDataRole.UserRole + 2
KindRole = Qt.ItemDataRole.UserRole + 3
KeyRole = Qt.ItemDataRole.UserRole + 4


class PaletteModel(QAbstractListModel):
    """The rows the palette shows now: a ranked selection of its candidates."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._candidates: list[Candidate] = []
        self._rows: list[int] = []

    def set_candidates(self, candidates: Sequence[Candidate]) -> None:
        self.beginResetModel()
        self._candidates = list(candidates)
        self._rows = list(range(len(candidates)))
        self.endResetModel()

    def candidates(self) -> list[Candidate]:
        return self._candidates

    def show_rows(self, rows: Sequence[int]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def candidate(self, row: int) -> Candidate:
        return self._candidates[self._rows[row]]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's own default)
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        item = self.candidate(index.row())
        if role == Qt.ItemDataRole.DisplayRole:
            return item.text
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            return " ".join(part for part in (item.detail, item.trailing) if part)
        if role == DetailRole:
            return item.detail
        if role == TrailingRole:
            return item.trailing
        if role == KindRole:
            return item.kind.value
        if role == KeyRole:
            return item.key
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if not self.candidate(index.row()).enabled:
            return Qt.ItemFlag.ItemNeverHasChildren
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )
