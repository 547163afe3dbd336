"""Credentials in a feed URL: stored apart from it, sent to the server, never shown."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

from reader_app.cli import run
from reader_app.domain.urls import split_credentials
from reader_app.library import Library
from reader_app.sync import SyncOptions, SyncSelection
from tests.conftest import FixedClock
from tests.support.feedserver import FeedServer, rss


def test_split_credentials() -> None:
    assert split_credentials("https://ann:pw%3A1@example.org/f?q") == (
        "https://example.org/f?q",
        "ann",
        "pw:1",
    )
    assert split_credentials("https://example.org/f") == ("https://example.org/f", None, None)


def test_url_credentials_are_used_for_basic_auth_and_not_stored_in_the_url(
    feed_server: FeedServer, tmp_path: Path, clock: FixedClock
) -> None:
    feed_server.route("/private.xml", body=rss("Private", items=2))
    url = feed_server.url("/private.xml").replace("http://", "http://ann:s3cret@")
    with Library.open(tmp_path / "library.sqlite3", clock=clock) as library:
        feed = library.add_feed(url)
        assert feed.url == feed_server.url("/private.xml")
        report = library.update_feeds(
            SyncSelection(force=True), options=SyncOptions(parse_workers=1)
        )
        assert report.new_entries == 2
    expected = "Basic " + base64.b64encode(b"ann:s3cret").decode()
    assert feed_server.requests_for("/private.xml")[0].header("authorization") == expected
    out = io.StringIO()
    assert run(["--data-dir", str(tmp_path), "feeds", "--json"], stdout=out) == 0
    assert "s3cret" not in out.getvalue()
    assert json.loads(out.getvalue())[0]["url"] == feed_server.url("/private.xml")
