"""Helpers for the few hot statements written as plain SQL.

The sync engine runs a handful of small lookups per feed; through SQLAlchemy's compiled
statements each costs ~0.3 ms of Python, as much as the rest of a feed's write. Those take
strings and return strings, so they go to the driver directly with ``?`` parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Select

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


# Rows fetched between two calls of a long read's ``check``: about 3 ms of work.
CHECK_EVERY = 8192


def first_column(
    connection: Connection, stmt: Select[Any], check: Callable[[], None] | None = None
) -> list[Any]:
    """The first column of every row of ``stmt``, fetched by the driver itself.

    For long id lists (an article list of 200,000 rows) SQLAlchemy's row objects cost two
    thirds of the time; the statement is still built with SQLAlchemy, and its parameters go
    through each column type's own bind processing. ``check`` is called between batches of
    rows; whatever it raises abandons the read (a list that is no longer wanted stops
    within milliseconds instead of holding the GIL for a hundred).
    """
    dialect = connection.dialect
    compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    values = compiled.construct_params()
    params = []
    for key in compiled.positiontup or ():
        # An expanded IN list names its values ``<bind>_1``, ``<bind>_2``... after its bind.
        bind = compiled.binds[key if key in compiled.binds else key.rsplit("_", 1)[0]]
        processor = bind.type.bind_processor(dialect)
        value = values[key]
        params.append(processor(value) if processor is not None else value)
    cursor = connection.connection.driver_connection.execute(str(compiled), params)  # type: ignore[union-attr]
    if check is None:
        return [row[0] for row in cursor]
    found: list[Any] = []
    while batch := cursor.fetchmany(CHECK_EVERY):
        check()
        found.extend(row[0] for row in batch)
    return found
