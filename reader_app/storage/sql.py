"""Helpers for the few hot statements written as plain SQL.

The sync engine runs a handful of small lookups per feed; through SQLAlchemy's compiled
statements each costs ~0.3 ms of Python, as much as the rest of a feed's write. Those take
strings and return strings, so they go to the driver directly with ``?`` parameters.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

# SQLite allows 32,766 bound parameters since 3.32; batches stay far below.
CHUNK = 500


def chunked(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def placeholders(count: int) -> str:
    """``?, ?, ?`` for an ``IN (...)`` list of ``count`` values."""
    return ", ".join("?" * count)


def with_in_list(statement: str, count: int) -> str:
    """``statement`` (constant SQL ending in ``IN``) followed by ``count`` placeholders."""
    return f"{statement} ({placeholders(count)})"
