"""Fixtures for tests against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.feedserver import FeedServer


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A fresh server per test (starting one takes about a millisecond)."""
    with FeedServer() as server:
        yield server
