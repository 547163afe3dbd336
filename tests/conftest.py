"""Fixtures shared by every test folder: a fixed clock and a real library file."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reader_app.domain import FeedId, NewEntry
from reader_app.library import Library

FIXED_NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)


class FixedClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture(autouse=True)
def _automatic_garbage_collection(request: pytest.FixtureRequest) -> None:
    """Window tests collect garbage on the GUI thread (tests/gui/conftest.py); every other
    test runs with Python's automatic collection, as the command line does."""
    if request.path.parent.name != "gui" and not gc.isenabled():
        gc.enable()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def library(tmp_path: Path, clock: FixedClock) -> Iterator[Library]:
    lib = Library.open(tmp_path / "library.sqlite3", clock=clock)
    yield lib
    lib.close()


def make_entries(count: int, *, start: datetime = FIXED_NOW, prefix: str = "e") -> list[NewEntry]:
    """``count`` articles, one minute apart, newest first."""
    return [
        NewEntry(
            key=f"guid:{prefix}{i}",
            title=f"{prefix} title {i}",
            link=f"https://example.org/{prefix}/{i}",
            author="Ann Author",
            summary=f"<p>summary {i}</p>",
            content=None,
            content_hash=f"h{i}",
            published=start - timedelta(minutes=i),
            updated=None,
            first_seen=start,
            sort_at=start - timedelta(minutes=i),
        )
        for i in range(count)
    ]


def article(key: str, title: str, *, summary: str | None = None, content: str | None = None,
            author: str | None = None, minutes_ago: int = 0) -> NewEntry:  # fmt: skip
    """One article with these words, ``minutes_ago`` before FIXED_NOW."""
    when = FIXED_NOW - timedelta(minutes=minutes_ago)
    return NewEntry(
        key=key,
        title=title,
        link=f"https://example.org/{key}",
        author=author,
        summary=summary,
        content=content,
        content_hash=None,
        published=when,
        updated=None,
        first_seen=FIXED_NOW,
        sort_at=when,
    )


def add_feed_with_entries(
    library: Library, url: str, count: int, *, tags: tuple[str, ...] = ()
) -> FeedId:
    feed = library.add_feed(url, tags=tags)
    library.add_entries(feed.id, make_entries(count, prefix=str(feed.id) + "-"))
    return feed.id
