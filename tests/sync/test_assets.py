"""The image cache against a real HTTP server: each URL fetched once, kept on disk."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from reader_app.errors import FetchError
from reader_app.ingest.assets import AssetCache
from tests.support.feedserver import FeedServer

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def test_an_image_is_fetched_once_and_then_read_from_disk(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.route("/pic.png", body=PNG, content_type="image/png")
    url = feed_server.url("/pic.png")
    cache = AssetCache(tmp_path / "images")
    try:
        assert cache.cached(url) is None
        assert cache.get(url) == PNG
        assert cache.get(url) == PNG
        assert cache.cached(url) == PNG
    finally:
        cache.close()
    assert len(feed_server.requests_for("/pic.png")) == 1

    again = AssetCache(tmp_path / "images")
    try:
        assert again.get(url) == PNG
    finally:
        again.close()
    assert len(feed_server.requests_for("/pic.png")) == 1
    assert again.path_for(url).is_relative_to(tmp_path / "images")


def test_a_failed_url_is_not_asked_again_in_the_same_run(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.route("/gone.png", status=404, body=b"no")
    url = feed_server.url("/gone.png")
    cache = AssetCache(tmp_path / "images")
    try:
        with pytest.raises(FetchError, match="404"):
            cache.get(url)
        with pytest.raises(FetchError, match="404"):
            cache.get(url)
    finally:
        cache.close()
    assert len(feed_server.requests_for("/gone.png")) == 1
    assert cache.cached(url) is None


@pytest.mark.parametrize("url", ["file:///etc/passwd", "data:image/png;base64,AAAA", "/etc/hosts"])
def test_only_http_urls_are_fetched(tmp_path: Path, url: str) -> None:
    cache = AssetCache(tmp_path / "images")
    try:
        with pytest.raises(FetchError):
            cache.get(url)
    finally:
        cache.close()
    assert not (tmp_path / "images").exists()


def test_an_image_over_the_size_cap_is_refused(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.route("/big.png", body=b"x" * 5000, content_type="image/png")
    cache = AssetCache(tmp_path / "images", max_bytes=1000)
    try:
        with pytest.raises(FetchError):
            cache.get(feed_server.url("/big.png"))
    finally:
        cache.close()
    assert cache.cached(feed_server.url("/big.png")) is None


def test_a_picture_that_is_not_there_is_not_asked_again_for_a_week(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A feed without a favicon would otherwise cost requests at every start."""
    feed_server.route("/missing.ico", status=404, body=b"no")
    url = feed_server.url("/missing.ico")
    for _run in range(2):  # this run, and the next start
        cache = AssetCache(tmp_path / "images")
        try:
            with pytest.raises(FetchError, match="404"):
                cache.get(url)
        finally:
            cache.close()
    assert len(feed_server.requests_for("/missing.ico")) == 1
    assert cache.cached(url) is None  # the answer is remembered, never shown as a picture
    marker = next((tmp_path / "images").rglob("*.missing"))
    eight_days_ago = time.time() - 8 * 86_400
    os.utime(marker, (eight_days_ago, eight_days_ago))
    cache = AssetCache(tmp_path / "images")
    try:
        with pytest.raises(FetchError, match="404"):
            cache.get(url)
    finally:
        cache.close()
    assert len(feed_server.requests_for("/missing.ico")) == 2


@pytest.mark.parametrize("status", [500, 503, 429, 408])
def test_a_failure_that_may_pass_is_asked_again_at_the_next_start(
    tmp_path: Path, feed_server: FeedServer, status: int
) -> None:
    feed_server.route("/flaky.ico", status=status, body=b"later")
    url = feed_server.url("/flaky.ico")
    for _run in range(2):
        cache = AssetCache(tmp_path / "images", timeout_seconds=5.0)
        try:
            with pytest.raises(FetchError):
                cache.get(url)
        finally:
            cache.close()
    assert len(feed_server.requests_for("/flaky.ico")) == 2
