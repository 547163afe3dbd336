"""The benchmark feed farm: deterministic bytes, an honest advance, and correct 304 logic."""

from __future__ import annotations

import gzip
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime

import feedparser
import httpx
import pytest

from tests.benchmarks.feedfarm import BASE_TIME, MAX_ENTRIES, Catalog, FeedFarm

FEEDS = 10


def _snapshot(catalog: Catalog) -> list[tuple[bytes, str, datetime]]:
    return [
        (catalog.get(i).body, catalog.get(i).etag, catalog.get(i).last_modified)
        for i in range(len(catalog))
    ]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog(FEEDS, seed=1)


@pytest.fixture
def farm() -> Iterator[FeedFarm]:
    with FeedFarm(FEEDS, seed=1) as running:
        yield running


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as c:
        yield c


def test_same_seed_same_bytes_other_seed_other_bytes(catalog: Catalog) -> None:
    again = Catalog(FEEDS, seed=1)
    assert _snapshot(again) == _snapshot(catalog)
    assert again.opml_bytes("http://h:1") == catalog.opml_bytes("http://h:1")
    other = Catalog(FEEDS, seed=2)
    assert all(a[0] != b[0] for a, b in zip(_snapshot(other), _snapshot(catalog), strict=True))


def test_mix_of_formats_and_sizes(catalog: Catalog) -> None:
    totals = catalog.totals()
    assert totals["formats"] == {"rss": 5, "atom": 3, "rdf": 1, "json": 1}
    assert totals["gzip_feeds"] == 5
    assert totals["full_content_feeds"] == 4
    for i, spec in enumerate(catalog.specs):
        got = catalog.get(i)
        assert 20 <= got.entries <= MAX_ENTRIES
        assert got.last_modified == BASE_TIME
        assert (got.gz is not None) == spec.gzip
        if got.gz is not None:
            assert gzip.decompress(got.gz) == got.body
        if spec.fmt == "json":
            doc = json.loads(got.body)
            assert doc["version"] == "https://jsonfeed.org/version/1.1"
            assert len(doc["items"]) == got.entries
            assert all(item["date_published"] < "2026-01-01" for item in doc["items"])
        else:
            ET.fromstring(got.body)


def test_feedparser_reads_each_xml_format_cleanly(catalog: Catalog) -> None:
    smallest: dict[str, int] = {}
    for i, spec in enumerate(catalog.specs):
        if spec.fmt != "json" and (
            spec.fmt not in smallest
            or catalog.get(i).entries < catalog.get(smallest[spec.fmt]).entries
        ):
            smallest[spec.fmt] = i
    for fmt, i in smallest.items():
        parsed = feedparser.parse(catalog.get(i).body)
        assert parsed.bozo == 0, (fmt, parsed.get("bozo_exception"))
        assert parsed.version == {"rss": "rss20", "atom": "atom10", "rdf": "rss10"}[fmt]
        assert len(parsed.entries) == catalog.get(i).entries


def test_advance_changes_a_subset_and_epochs_replay() -> None:
    cat = Catalog(FEEDS, seed=1, advance_fraction=0.5)
    before = _snapshot(cat)
    counts = [cat.get(i).entries for i in range(FEEDS)]
    changed = cat.advance()
    assert len(changed) == FEEDS // 2
    after = _snapshot(cat)
    for i in range(FEEDS):
        if i in changed:
            assert after[i][1] != before[i][1]
            assert after[i][2] > before[i][2]
            now = cat.get(i).entries
            assert now == MAX_ENTRIES or 1 <= now - counts[i] <= 5
        else:
            assert after[i] == before[i]
    assert len(cat.advance(1.0)) == FEEDS
    two = _snapshot(cat)
    cat.set_epoch(0)
    assert _snapshot(cat) == before
    cat.set_epoch(2)
    assert _snapshot(cat) == two


def test_304_by_etag_and_by_date_and_validators_off(farm: FeedFarm, client: httpx.Client) -> None:
    url = farm.feed_url(0)
    first = client.get(url)
    assert first.status_code == 200
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    # If-None-Match wins over a matching date when the tag is stale.
    stale = {"If-None-Match": '"stale"', "If-Modified-Since": modified}
    assert client.get(url, headers=stale).status_code == 200

    assert client.get(f"{farm.base_url}/_ctl/set?conditional=0").json()["conditional"] == 0
    off = client.get(url, headers={"If-None-Match": etag})
    assert off.status_code == 200
    assert "etag" not in off.headers
    assert "last-modified" not in off.headers
    assert off.content == first.content
    client.get(f"{farm.base_url}/_ctl/set?conditional=1")

    stats = client.get(f"{farm.base_url}/_ctl/stats").json()
    assert stats["by_status"] == {"200": 3, "304": 2}
    client.get(f"{farm.base_url}/_ctl/reset-stats")
    assert client.get(f"{farm.base_url}/_ctl/stats").json()["requests"] == 0


def test_gzip_only_when_accepted_and_advance_over_http(
    farm: FeedFarm, client: httpx.Client
) -> None:
    index = next(i for i, spec in enumerate(farm.catalog.specs) if spec.gzip)
    url = farm.feed_url(index)
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["etag"].startswith('W/"')
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert zipped.content == plain.content  # httpx decoded the gzip
    # The weak and strong forms of the tag both validate.
    for tag in (zipped.headers["etag"], plain.headers["etag"]):
        assert client.get(url, headers={"If-None-Match": tag}).status_code == 304

    tags = [client.get(farm.feed_url(i)).headers["etag"] for i in range(FEEDS)]
    advanced = client.get(f"{farm.base_url}/_ctl/advance?fraction=0.3").json()
    assert advanced == {"epoch": 1, "changed": 3}
    statuses = [
        client.get(farm.feed_url(i), headers={"If-None-Match": tags[i]}).status_code
        for i in range(FEEDS)
    ]
    assert statuses.count(200) == 3
    assert statuses.count(304) == FEEDS - 3
    assert client.get(f"{farm.base_url}/feed/{FEEDS}").status_code == 404
    opml = client.get(f"{farm.base_url}/feeds.opml")
    assert opml.content == farm.opml_bytes()
    assert ET.fromstring(opml.content).find("body") is not None
