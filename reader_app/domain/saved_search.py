"""Saved searches: a search the user keeps in the feed list, with its unread count."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Final, NewType

SavedSearchId = NewType("SavedSearchId", int)

MAX_NAME_LENGTH: Final = 200


@dataclass(frozen=True, slots=True)
class SavedSearch:
    """A saved search as the feed list shows it: ``query`` is the text the user wrote (it
    is parsed again on use, so relative days like ``after:7d`` move with the calendar)."""

    id: SavedSearchId
    name: str
    query: str
    unread_count: int = 0
    position: int = 0


def normalize_search_name(name: str) -> str:
    """``name`` as stored: trimmed, inner runs of white space made one space. Raises
    ValueError for an empty name, control characters or more than 200 characters."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValueError("a saved search needs a name")
    if any(unicodedata.category(ch) == "Cc" for ch in cleaned):
        raise ValueError("a saved search's name cannot contain control characters")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ValueError(
            f"a saved search's name is at most {MAX_NAME_LENGTH} characters, not {len(cleaned)}"
        )
    return cleaned
