"""The article list's id-list helpers, against simple reference versions."""

from __future__ import annotations

import random

import pytest

from reader_app.domain import EntryId
from reader_app.ui.models.article_rows import runs, with_kept


def reference_with_kept(old: list[int], fresh: list[int], kept: set[int]) -> list[int]:
    """The obvious walk over every row: each kept article missing from ``fresh`` follows
    the article it followed in ``old``."""
    in_fresh = set(fresh)
    after: dict[int | None, list[int]] = {}
    previous: int | None = None
    for entry_id in old:
        if entry_id in in_fresh:
            previous = entry_id
        elif entry_id in kept:
            after.setdefault(previous, []).append(entry_id)
    merged = list(after.get(None, ()))
    for entry_id in fresh:
        merged.append(entry_id)
        merged.extend(after.get(entry_id, ()))
    return merged


def ids(values: list[int]) -> list[EntryId]:
    return [EntryId(v) for v in values]


def test_kept_articles_stay_beside_their_neighbours() -> None:
    old = ids([9, 8, 7, 6, 5])
    fresh = ids([10, 9, 7, 5])  # 8 and 6 were read in an unread-only list; 10 is new
    assert with_kept(old, fresh, {EntryId(8), EntryId(6)}) == [10, 9, 8, 7, 6, 5]
    # A kept article at the top stays at the top; one still in ``fresh`` is not doubled.
    assert with_kept(ids([3, 2, 1]), ids([2, 1]), {EntryId(3), EntryId(2)}) == [3, 2, 1]


def test_nothing_kept_returns_the_fresh_list_itself() -> None:
    fresh = ids([3, 2, 1])
    assert with_kept(ids([2, 1]), fresh, set()) is fresh
    assert with_kept(ids([2, 1]), fresh, {EntryId(2)}) is fresh


@pytest.mark.parametrize("seed", range(40))
def test_matches_the_reference_on_random_lists(seed: int) -> None:
    rng = random.Random(seed)
    universe = list(range(rng.randint(0, 300)))
    old = rng.sample(universe, rng.randint(0, len(universe)))
    fresh = [e for e in old if rng.random() < 0.6]
    fresh += rng.sample(universe, rng.randint(0, min(20, len(universe))))
    fresh = list(dict.fromkeys(fresh))
    if rng.random() < 0.3:
        rng.shuffle(fresh)  # a re-sorted list
    kept = set(rng.sample(old, rng.randint(0, min(len(old), 80)))) if old else set()
    rows = {EntryId(e): r for r, e in enumerate(fresh)}
    expected = reference_with_kept(old, fresh, kept)
    assert with_kept(ids(old), ids(fresh), {EntryId(k) for k in kept}) == expected
    assert with_kept(ids(old), ids(fresh), {EntryId(k) for k in kept}, rows) == expected


def test_runs_group_consecutive_rows() -> None:
    assert runs([5, 1, 2, 3, 9, 8]) == [(1, 3), (5, 5), (8, 9)]
    assert runs([]) == []
