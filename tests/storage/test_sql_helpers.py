"""The driver-level read helper behind long id lists, on a real SQLite connection."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, literal, select

from reader_app.storage.sql import CHECK_EVERY, first_column


class Stop(Exception):
    pass


def numbers_up_to(count: int):  # a Select of 1..count, made by SQLite itself
    numbers = select(literal(1).label("n")).cte("numbers", recursive=True)
    numbers = numbers.union_all(select(numbers.c.n + 1).where(numbers.c.n < count))
    return select(numbers.c.n)


def test_the_check_runs_between_batches_and_the_whole_column_arrives(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    count = 2 * CHECK_EVERY + 5
    calls: list[int] = []
    with engine.connect() as connection:
        found = first_column(connection, numbers_up_to(count), lambda: calls.append(1))
        assert found == list(range(1, count + 1))
        assert len(calls) == 3  # two full batches and the rest
        assert first_column(connection, numbers_up_to(10)) == list(range(1, 11))
    engine.dispose()


def test_what_the_check_raises_abandons_the_read(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    calls: list[int] = []

    def check() -> None:
        calls.append(1)
        if len(calls) == 2:
            raise Stop

    with engine.connect() as connection:
        with pytest.raises(Stop):
            first_column(connection, numbers_up_to(10 * CHECK_EVERY), check)
        assert len(calls) == 2  # stopped after the second batch, not at the end
    engine.dispose()
