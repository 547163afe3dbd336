"""The tag filter's list: every tag (nested ones after their parent) with how many feeds it
covers, each checkable.

A tag's count is the number of distinct feeds carrying it or a tag nested below it, because
that is what choosing it shows: a feed tagged both ``News`` and ``News/Europe`` counts once
under ``News``. A parent that no feed carries itself (``News`` when only ``News/Europe``
exists) is listed too, since the tree shows it as a group and choosing it is meaningful.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from reader_app.domain import FeedSummary
from reader_app.domain.tags import tag_and_ancestors
from reader_app.library import Library

TagRole = Qt.ItemDataRole.UserRole + 1  # the tag's full name
FeedCountRole = Qt.ItemDataRole.UserRole + 2  # distinct feeds under it

Index = QModelIndex | QPersistentModelIndex
_TOP = QModelIndex()


def tag_feed_counts(summaries: Iterable[FeedSummary]) -> dict[str, int]:
    """Distinct feeds under each tag and each of its ancestors."""
    feeds: dict[str, set[int]] = {}
    for summary in summaries:
        for tag in summary.feed.tags:
            for path in tag_and_ancestors(tag):
                feeds.setdefault(path, set()).add(summary.feed.id)
    return {path: len(ids) for path, ids in feeds.items()}


def _sort_key(path: str) -> list[str]:
    # By parts, so "News/Europe" follows "News" and precedes "News-Extra".
    return [part.casefold() for part in path.split("/")]


class TagFilterModel(QAbstractListModel):
    """``chosen_changed(frozenset[str])`` when the user checks or unchecks a row, or a
    ``reload`` drops a chosen tag that is gone (``set_chosen`` is the caller's own act and
    emits nothing)."""

    chosen_changed = Signal(object)

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._library = library
        self._tags: list[str] = []
        self._counts: dict[str, int] = {}
        self._chosen: frozenset[str] = frozenset()
        self._read()

    def reload(self) -> None:
        """Read the tags again; a chosen tag that no longer exists is dropped."""
        self.beginResetModel()
        self._read()
        before, self._chosen = self._chosen, self._chosen & set(self._tags)
        self.endResetModel()
        if self._chosen != before:
            self.chosen_changed.emit(self._chosen)

    def tags(self) -> list[str]:
        return list(self._tags)

    def chosen(self) -> frozenset[str]:
        return self._chosen

    def set_chosen(self, tags: Iterable[str]) -> frozenset[str]:
        """Check exactly ``tags`` (unknown ones are dropped); returns what was kept."""
        wanted = frozenset(tags) & set(self._tags)
        if wanted != self._chosen:
            self._chosen = wanted
            last = self.index(len(self._tags) - 1)
            self.dataChanged.emit(self.index(0), last, [Qt.ItemDataRole.CheckStateRole])
        return self._chosen

    def row_of(self, tag: str) -> int:
        try:
            return self._tags.index(tag)
        except ValueError:
            return -1

    # -- QAbstractListModel -----------------------------------------------------------------

    def rowCount(self, parent: Index = _TOP) -> int:
        return 0 if parent.isValid() else len(self._tags)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not self._valid(index):
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsUserCheckable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self._valid(index):
            return None
        tag = self._tags[index.row()]
        count = self._counts.get(tag, 0)
        if role == Qt.ItemDataRole.DisplayRole:
            return tag  # the view draws the count at the right edge
        if role == Qt.ItemDataRole.CheckStateRole:
            checked = tag in self._chosen
            return Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        if role == TagRole:
            return tag
        if role == FeedCountRole:
            return count
        if role == Qt.ItemDataRole.ToolTipRole:
            noun = "feed" if count == 1 else "feeds"
            return f"{tag}: {count} {noun}, counting tags nested below it"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{tag}, {count} feeds"
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or not self._valid(index):
            return False
        tag = self._tags[index.row()]
        checked = _is_checked(value)
        chosen = self._chosen | {tag} if checked else self._chosen - {tag}
        if chosen == self._chosen:
            return True
        self._chosen = chosen
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.chosen_changed.emit(self._chosen)
        return True

    # -- helpers ----------------------------------------------------------------------------

    def _read(self) -> None:
        self._counts = tag_feed_counts(self._library.feeds())
        self._tags = sorted(self._counts, key=_sort_key)

    def _valid(self, index: Index) -> bool:
        return (
            index.isValid()
            and index.model() is self
            and index.column() == 0
            and 0 <= index.row() < len(self._tags)
        )


def _is_checked(value: Any) -> bool:
    """Views hand the check state as an enum or as its int value."""
    if isinstance(value, Qt.CheckState):
        return value == Qt.CheckState.Checked
    try:
        return int(value) == Qt.CheckState.Checked.value
    except (TypeError, ValueError):
        return False
