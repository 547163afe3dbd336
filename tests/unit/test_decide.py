"""Deciding what a parsed document means: new, updated, unchanged, skipped; and sort dates."""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reader_app.domain.types import NewEntry
from reader_app.ingest.decide import (
    EARLIEST_PLAUSIBLE,
    FUTURE_SKEW,
    FeedDecision,
    decide_entries,
    plausible_sort_at,
)
from reader_app.ingest.identity import content_hash, entry_key
from reader_app.ingest.types import ParsedEntry

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
YESTERDAY = NOW - timedelta(days=1)


def item(n: int, **changes: object) -> ParsedEntry:
    base = ParsedEntry(
        guid=f"urn:item:{n}",
        link=f"https://example.org/{n}",
        title=f"Item {n}",
        author="Ann",
        summary=f"<p>summary {n}</p>",
        content=None,
        published=YESTERDAY - timedelta(hours=n),
        updated=None,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def decide(
    parsed: list[ParsedEntry],
    stored: dict[str, str | None] | None = None,
    removed: frozenset[str] = frozenset(),
) -> FeedDecision:
    return decide_entries(parsed, stored or {}, removed, NOW)


# --- decide_entries -------------------------------------------------------------------------


def test_everything_is_new_in_a_first_fetch() -> None:
    parsed = [item(1), item(2), item(3)]
    decision = decide(parsed)
    assert [e.key for e in decision.new] == [entry_key(p) for p in parsed]
    assert decision.updated == ()
    assert decision.unchanged_keys == ()
    assert decision.skipped_removed == 0
    assert decision.duplicates_in_feed == 0


def test_new_entry_carries_the_parsed_values() -> None:
    parsed = item(1, content="<p>full</p>", updated=YESTERDAY)
    (new,) = decide([parsed]).new
    assert new == NewEntry(
        key="guid:urn:item:1",
        title="Item 1",
        link="https://example.org/1",
        author="Ann",
        summary="<p>summary 1</p>",
        content="<p>full</p>",
        content_hash=content_hash(parsed),
        published=parsed.published,
        updated=YESTERDAY,
        first_seen=NOW,
        sort_at=parsed.published,  # type: ignore[arg-type]
    )


def test_same_content_is_unchanged() -> None:
    parsed = [item(1), item(2)]
    stored: dict[str, str | None] = {entry_key(p): content_hash(p) for p in parsed}
    decision = decide(parsed, stored)
    assert decision.new == ()
    assert decision.updated == ()
    assert decision.unchanged_keys == tuple(stored)


def test_changed_content_is_an_update_with_the_new_values() -> None:
    old = item(1)
    edited = item(1, title="Item 1 (corrected)")
    decision = decide([edited], {entry_key(old): content_hash(old)})
    assert decision.new == ()
    assert decision.unchanged_keys == ()
    (update,) = decision.updated
    assert update.key == entry_key(old)
    assert update.title == "Item 1 (corrected)"
    assert update.content_hash == content_hash(edited)
    # Read state is storage's business; what is decided here has none of it.
    assert not {"read", "read_at", "starred"} & {f.name for f in dataclasses.fields(update)}


def test_unknown_stored_hash_counts_as_changed() -> None:
    parsed = item(1)
    decision = decide([parsed], {entry_key(parsed): None})
    assert [e.key for e in decision.updated] == [entry_key(parsed)]


def test_mixed_document_is_sorted_into_each_kind() -> None:
    kept, edited, fresh, deleted = item(1), item(2), item(3), item(4)
    stored: dict[str, str | None] = {
        entry_key(kept): content_hash(kept),
        entry_key(edited): "an older hash",
    }
    decision = decide([fresh, kept, deleted, edited], stored, frozenset({entry_key(deleted)}))
    assert [e.key for e in decision.new] == [entry_key(fresh)]
    assert [e.key for e in decision.updated] == [entry_key(edited)]
    assert decision.unchanged_keys == (entry_key(kept),)
    assert decision.skipped_removed == 1


def test_removed_keys_are_never_re_added() -> None:
    parsed = [item(1), item(2)]
    removed = frozenset({entry_key(parsed[0]), entry_key(parsed[1]), "guid:not-in-feed"})
    decision = decide(parsed, removed=removed)
    assert decision.new == ()
    assert decision.updated == ()
    assert decision.skipped_removed == 2


def test_existing_entry_wins_over_a_stale_removed_key() -> None:
    # Inconsistent input (the key exists and is remembered as removed): the entry is in
    # storage, so it is touched, not skipped and not inserted a second time.
    parsed = item(1)
    key = entry_key(parsed)
    decision = decide([parsed], {key: content_hash(parsed)}, frozenset({key}))
    assert decision.unchanged_keys == (key,)
    assert decision.skipped_removed == 0


def test_duplicates_in_one_document_first_wins() -> None:
    first = item(1, title="first")
    second = item(1, title="second")
    third = item(1, title="third")
    decision = decide([first, item(2), second, third])
    assert [e.title for e in decision.new] == ["first", "Item 2"]
    assert decision.duplicates_in_feed == 2


def test_duplicates_are_counted_for_existing_and_removed_keys_too() -> None:
    kept, deleted = item(1), item(2)
    decision = decide(
        [kept, kept, deleted, deleted],
        {entry_key(kept): content_hash(kept)},
        frozenset({entry_key(deleted)}),
    )
    assert decision.unchanged_keys == (entry_key(kept),)
    assert decision.skipped_removed == 1
    assert decision.duplicates_in_feed == 2


def test_new_entries_keep_document_order() -> None:
    # Dates in the document say otherwise; the list of new entries keeps the feed's order.
    parsed = [item(3), item(1), item(2)]
    assert [e.key for e in decide(parsed).new] == [entry_key(p) for p in parsed]


def test_entries_without_dates_keep_feed_order_through_sort_at() -> None:
    parsed = [item(n, published=None, updated=None) for n in range(5)]
    new = decide(parsed).new
    sort_ats = [e.sort_at for e in new]
    assert sort_ats == sorted(sort_ats, reverse=True)
    assert len(set(sort_ats)) == len(sort_ats)
    assert sort_ats[0] == NOW
    assert sort_ats[-1] >= NOW - timedelta(seconds=1)
    assert all(e.first_seen == NOW for e in new)


def test_undated_offsets_follow_the_document_position() -> None:
    # Skipped and duplicate entries still take their place, so the offset does not depend
    # on what storage already knows.
    known = item(0)
    parsed = [known, item(1, published=None)]
    decision = decide(parsed, {entry_key(known): content_hash(known)})
    assert decision.new[0].sort_at == NOW - timedelta(microseconds=1)


def test_future_date_is_not_trusted() -> None:
    scheduled = item(1, published=NOW + timedelta(days=30))
    (new,) = decide([scheduled]).new
    assert new.sort_at == NOW
    assert new.published == scheduled.published  # stored as the feed says


def test_pre_1995_date_is_not_trusted() -> None:
    epoch = item(1, published=datetime(1970, 1, 1, tzinfo=UTC))
    (new,) = decide([epoch]).new
    assert new.sort_at == NOW


def test_naive_now_is_rejected() -> None:
    with pytest.raises(ValueError, match="now"):
        decide_entries([item(1)], {}, frozenset(), datetime(2026, 11, 23, 12, 0))


def test_naive_entry_date_is_rejected() -> None:
    with pytest.raises(ValueError, match="published"):
        decide([item(1, published=datetime(2026, 11, 1))])


def test_inputs_are_not_mutated() -> None:
    parsed = [item(1), item(2), item(2), item(3)]
    stored: dict[str, str | None] = {entry_key(parsed[0]): "old"}
    removed = {entry_key(parsed[3])}
    before = (copy.deepcopy(parsed), dict(stored), set(removed))
    decide_entries(parsed, stored, removed, NOW)
    assert (parsed, stored, removed) == before


def test_read_only_inputs_are_accepted() -> None:
    parsed = (item(1),)
    decision = decide_entries(parsed, MappingProxyType({}), frozenset(), NOW)
    assert len(decision.new) == 1


def test_empty_document() -> None:
    assert decide([]) == FeedDecision((), (), (), 0, 0)


# --- plausible_sort_at ----------------------------------------------------------------------

FIRST_SEEN = NOW - timedelta(minutes=5)


def test_published_is_used_when_plausible() -> None:
    assert plausible_sort_at(YESTERDAY, NOW, FIRST_SEEN, NOW) == YESTERDAY


def test_updated_is_used_when_published_is_missing_or_implausible() -> None:
    assert plausible_sort_at(None, YESTERDAY, FIRST_SEEN, NOW) == YESTERDAY
    future = NOW + timedelta(days=1)
    assert plausible_sort_at(future, YESTERDAY, FIRST_SEEN, NOW) == YESTERDAY
    ancient = datetime(1990, 1, 1, tzinfo=UTC)
    assert plausible_sort_at(ancient, YESTERDAY, FIRST_SEEN, NOW) == YESTERDAY


def test_first_seen_is_used_without_a_plausible_date() -> None:
    assert plausible_sort_at(None, None, FIRST_SEEN, NOW) == FIRST_SEEN
    future = NOW + timedelta(hours=1)
    ancient = datetime(1, 1, 1, tzinfo=UTC)
    assert plausible_sort_at(future, ancient, FIRST_SEEN, NOW) == FIRST_SEEN


def test_small_skew_ahead_counts_as_now() -> None:
    assert plausible_sort_at(NOW + timedelta(minutes=3), None, FIRST_SEEN, NOW) == NOW
    assert plausible_sort_at(NOW + FUTURE_SKEW, None, FIRST_SEEN, NOW) == NOW


def test_beyond_the_skew_falls_back() -> None:
    just_beyond = NOW + FUTURE_SKEW + timedelta(microseconds=1)
    assert plausible_sort_at(just_beyond, None, FIRST_SEEN, NOW) == FIRST_SEEN


def test_1995_boundary() -> None:
    assert plausible_sort_at(EARLIEST_PLAUSIBLE, None, FIRST_SEEN, NOW) == EARLIEST_PLAUSIBLE
    before = EARLIEST_PLAUSIBLE - timedelta(microseconds=1)
    assert plausible_sort_at(before, None, FIRST_SEEN, NOW) == FIRST_SEEN


def test_first_seen_in_the_future_is_clamped_to_now() -> None:
    assert plausible_sort_at(None, None, NOW + timedelta(days=1), NOW) == NOW


def test_result_is_utc_for_dates_in_other_zones() -> None:
    tokyo = timezone(timedelta(hours=9))
    result = plausible_sort_at(YESTERDAY.astimezone(tokyo), None, FIRST_SEEN, NOW)
    assert result == YESTERDAY
    assert result.utcoffset() == timedelta(0)


@pytest.mark.parametrize("name", ["published", "updated", "first_seen", "now"])
def test_naive_datetimes_are_rejected(name: str) -> None:
    args = {"published": YESTERDAY, "updated": YESTERDAY, "first_seen": FIRST_SEEN, "now": NOW}
    args[name] = args[name].replace(tzinfo=None)
    if name == "updated":
        args["published"] = None  # type: ignore[assignment]  # reach the updated check
    with pytest.raises(ValueError, match=name):
        plausible_sort_at(**args)


aware = st.datetimes(
    min_value=datetime(1, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-11)), timezone(timedelta(hours=13))]),
)


@given(
    published=st.one_of(st.none(), aware),
    updated=st.one_of(st.none(), aware),
    first_seen=aware,
    now=aware,
)
def test_sort_at_is_never_after_now(
    published: datetime | None, updated: datetime | None, first_seen: datetime, now: datetime
) -> None:
    result = plausible_sort_at(published, updated, first_seen, now)
    assert result <= now
    assert result in {published, updated, min(first_seen, now), now}


@given(
    dates=st.lists(st.one_of(st.none(), aware), max_size=20),
    now=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
)
def test_decided_sort_at_is_never_after_now(dates: list[datetime | None], now: datetime) -> None:
    parsed = [item(n, published=d) for n, d in enumerate(dates)]
    decision = decide_entries(parsed, {}, frozenset(), now)
    assert len(decision.new) == len(parsed)
    assert all(e.sort_at <= now and e.first_seen == now for e in decision.new)
