"""Entry keys and content hashes: which field names an entry, and that digests are stable."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reader_app.ingest.identity import MAX_KEY_LENGTH, content_hash, entry_key
from reader_app.ingest.types import ParsedEntry

PUBLISHED = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
HEX64 = re.compile(r"[0-9a-f]{64}")


def entry(**changes: object) -> ParsedEntry:
    base = ParsedEntry(
        guid="urn:uuid:1",
        link="https://example.org/a",
        title="Title",
        author="Ann",
        summary="<p>summary</p>",
        content="<p>content</p>",
        published=PUBLISHED,
        updated=PUBLISHED + timedelta(hours=1),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def undated(**changes: object) -> ParsedEntry:
    """An entry with neither guid nor link: only its content can name it."""
    return entry(guid=None, link=None, **changes)


# --- entry_key ------------------------------------------------------------------------------


def test_guid_is_preferred_and_stripped() -> None:
    assert entry_key(entry(guid="  urn:uuid:1\n")) == "guid:urn:uuid:1"


@pytest.mark.parametrize("guid", [None, "", "   \t\n"])
def test_missing_or_blank_guid_falls_back_to_link(guid: str | None) -> None:
    assert entry_key(entry(guid=guid)) == "link:https://example.org/a"


@pytest.mark.parametrize("link", [None, "", "  "])
def test_missing_guid_and_link_falls_back_to_a_content_hash(link: str | None) -> None:
    key = entry_key(entry(guid=None, link=link))
    assert key.startswith("hash:")
    assert HEX64.fullmatch(key.removeprefix("hash:"))


def test_guid_key_ignores_the_content() -> None:
    assert entry_key(entry(title="Old")) == entry_key(entry(title="New", link="https://x.test/"))


def test_prefixes_keep_a_guid_apart_from_an_equal_link() -> None:
    url = "https://example.org/a"
    by_guid = entry(guid=url, link=None)
    by_link = entry(guid=None, link=url)
    assert entry_key(by_guid) != entry_key(by_link)


def test_hash_key_is_equal_for_equal_inputs() -> None:
    # Distinct but equal objects, as two fetches of the same document produce.
    assert entry_key(undated(title="T" + "x")) == entry_key(undated(title="Tx"))


def test_hash_key_is_equal_for_the_same_instant_in_another_zone() -> None:
    cet = timezone(timedelta(hours=1))
    assert entry_key(undated()) == entry_key(undated(published=PUBLISHED.astimezone(cet)))


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Other"},
        {"summary": "<p>other</p>"},
        {"content": "<p>other</p>"},
        {"published": PUBLISHED + timedelta(seconds=1)},
        {"published": None},
    ],
)
def test_hash_key_changes_with_each_hashed_field(change: dict[str, object]) -> None:
    assert entry_key(undated(**change)) != entry_key(undated())


def test_hash_key_does_not_depend_on_author_or_updated() -> None:
    # The documented key fields are title, summary, content and published.
    assert entry_key(undated(author="Bob", updated=None)) == entry_key(undated())


def test_hash_key_separates_fields_unambiguously() -> None:
    assert entry_key(undated(title="ab", summary="c")) != entry_key(
        undated(title="a", summary="bc")
    )
    assert entry_key(undated(title=None)) != entry_key(undated(title=""))


def test_key_of_exactly_the_limit_is_kept() -> None:
    guid = "g" * (MAX_KEY_LENGTH - len("guid:"))
    assert entry_key(entry(guid=guid)) == "guid:" + guid


def test_long_key_is_replaced_by_its_digest() -> None:
    guid = "g" * (MAX_KEY_LENGTH - len("guid:") + 1)
    key = entry_key(entry(guid=guid))
    assert key.startswith("sha256:")
    assert HEX64.fullmatch(key.removeprefix("sha256:"))
    assert len(key) <= MAX_KEY_LENGTH
    assert entry_key(entry(guid=guid)) == key
    assert entry_key(entry(guid=guid + "h")) != key


def test_long_guid_and_equal_long_link_stay_apart() -> None:
    long = "https://example.org/" + "x" * 2000
    assert entry_key(entry(guid=long, link=None)) != entry_key(entry(guid=None, link=long))


def test_long_link_is_digested_too() -> None:
    key = entry_key(entry(guid=None, link="https://example.org/" + "x" * 2000))
    assert key.startswith("sha256:")


def test_lone_surrogates_do_not_break_keys_or_hashes() -> None:
    broken = "caf\udce9"
    assert entry_key(entry(guid=broken * 400)).startswith("sha256:")
    assert entry_key(undated(title=broken)).startswith("hash:")
    assert HEX64.fullmatch(content_hash(entry(title=broken)))


@given(
    guid=st.one_of(st.none(), st.text()),
    link=st.one_of(st.none(), st.text()),
    title=st.one_of(st.none(), st.text()),
)
def test_keys_are_bounded_and_deterministic(
    guid: str | None, link: str | None, title: str | None
) -> None:
    item = entry(guid=guid, link=link, title=title)
    key = entry_key(item)
    assert len(key) <= MAX_KEY_LENGTH
    assert key.split(":", 1)[0] in {"guid", "link", "hash", "sha256"}
    assert entry_key(dataclasses.replace(item)) == key


# --- content_hash ---------------------------------------------------------------------------


def test_content_hash_is_hex_sha256_and_equal_for_equal_inputs() -> None:
    digest = content_hash(entry())
    assert HEX64.fullmatch(digest)
    assert content_hash(entry(title="Ti" + "tle")) == digest


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Other"},
        {"link": "https://example.org/b"},
        {"author": "Bob"},
        {"summary": "<p>other</p>"},
        {"content": "<p>other</p>"},
        {"published": PUBLISHED - timedelta(days=1)},
        {"updated": None},
        {"title": ""},
    ],
)
def test_content_hash_changes_with_each_visible_field(change: dict[str, object]) -> None:
    assert content_hash(entry(**change)) != content_hash(entry())


def test_content_hash_ignores_the_guid() -> None:
    # The guid is the entry's name, not something the reader sees change.
    assert content_hash(entry(guid="urn:uuid:2")) == content_hash(entry())


def test_content_hash_separates_fields_unambiguously() -> None:
    assert content_hash(entry(title="ab", author="c")) != content_hash(
        entry(title="a", author="bc")
    )
    # A naive '","'.join would make these two equal.
    one, other = entry(summary='x","y', content="z"), entry(summary="x", content='y","z')
    assert content_hash(one) != content_hash(other)


def test_content_hash_is_the_same_for_the_same_instant_in_another_zone() -> None:
    est = timezone(timedelta(hours=-5))
    moved = entry(published=PUBLISHED.astimezone(est))
    assert content_hash(moved) == content_hash(entry())
