"""Saved searches on a real library: their stored matches and unread counts follow every
kind of write (new articles, marks, deletions, feed titles, tags, the calendar) without the
search being run again, and always agree with running it."""

from __future__ import annotations

import itertools
import random

import pytest

from reader_app.domain import EntryQuery, FeedId
from reader_app.domain.saved_search import SavedSearch
from reader_app.domain.search import SearchOrder
from reader_app.errors import SavedSearchNotFoundError, SearchSyntaxError
from reader_app.library import Library
from tests.conftest import FixedClock, article


def stored(library: Library, search: SavedSearch) -> set[int]:
    return set(library.entry_ids(EntryQuery(saved_search=search.id)))


def assert_in_step(library: Library, *searches: SavedSearch) -> None:
    """What a saved search stores and counts is what running its query finds now."""
    for search in searches:
        found = set(library.search_ids(search.query, order=SearchOrder.NEWEST))
        assert stored(library, search) == found, search.query
        items = library.entry_items(sorted(found))
        unread = sum(not item.read for item in items.values())
        assert library.saved_search(search.id).unread_count == unread, search.query
        assert library.saved_search_counts()[search.id] == unread


@pytest.fixture
def feeds(library: Library) -> dict[str, FeedId]:
    lwn = library.add_feed("https://lwn.example.net/rss", title="LWN Weekly", tags=["Tech"])
    cook = library.add_feed("https://cook.example.org/atom", title="Kitchen Notes")
    library.add_entries(
        lwn.id,
        [
            article("l1", "Kernel scheduler rework", summary="the kernel scheduler"),
            article("l2", "Rust drivers", summary="rust in the kernel", minutes_ago=5),
            article("l3", "Btrfs news", summary="filesystem", minutes_ago=60 * 24 * 3),
        ],
    )
    library.add_entries(
        cook.id,
        [
            article("c1", "Bread", summary="flour water kernel of wheat", minutes_ago=2),
            article("c2", "Soup", summary="leeks", minutes_ago=3),
        ],
    )
    return {"lwn": lwn.id, "cook": cook.id}


def test_a_saved_search_stores_what_the_query_finds(
    library: Library, feeds: dict[str, FeedId]
) -> None:
    search = library.save_search("Kernel", "kernel")
    assert search.name == "Kernel"
    assert search.unread_count == 3
    assert_in_step(library, search)
    assert [s.name for s in library.saved_searches()] == ["Kernel"]


def test_new_articles_join_their_saved_searches(library: Library, feeds: dict[str, FeedId]) -> None:
    search = library.save_search("Kernel", "kernel")
    library.add_entries(feeds["cook"], [article("c3", "Popcorn kernel tips", minutes_ago=1)])
    library.add_entries(feeds["cook"], [article("c4", "Pasta", minutes_ago=1)])
    assert library.saved_search(search.id).unread_count == 4
    assert_in_step(library, search)


def test_read_marks_move_the_count_and_undo_restores_it(
    library: Library, feeds: dict[str, FeedId]
) -> None:
    search = library.save_search("Kernel", "kernel")
    ids = sorted(stored(library, search))
    change = library.mark_read(ids[:2])
    assert library.saved_search(search.id).unread_count == 1
    library.mark_read(ids[:1], read=False)
    assert library.saved_search(search.id).unread_count == 2
    assert change.marks is not None
    library.undo_marks(change.marks)
    assert library.saved_search(search.id).unread_count == 3
    library.mark_all_read(EntryQuery(saved_search=search.id))
    assert library.saved_search(search.id).unread_count == 0
    assert_in_step(library, search)


def test_state_filters_follow_marks(library: Library, feeds: dict[str, FeedId]) -> None:
    unread = library.save_search("Unread kernel", "kernel is:unread")
    starred = library.save_search("Starred", "is:starred")
    kernel_ids = sorted(stored(library, unread))
    library.mark_read(kernel_ids[:1])
    assert len(stored(library, unread)) == 2
    library.set_starred(kernel_ids[1:])
    assert stored(library, starred) == set(kernel_ids[1:])
    library.set_starred(kernel_ids[2:], starred=False)
    assert_in_step(library, unread, starred)


def test_deleted_articles_and_removed_feeds_leave_the_count(
    library: Library, feeds: dict[str, FeedId]
) -> None:
    search = library.save_search("Kernel", "kernel")
    cook_ids = [i for i in stored(library, search) if i in library.entry_ids(
        EntryQuery(feed_ids=frozenset({feeds["cook"]})))]  # fmt: skip
    library.delete_entries(cook_ids)
    assert library.saved_search(search.id).unread_count == 2
    library.remove_feed(feeds["lwn"])
    assert library.saved_search(search.id).unread_count == 0
    assert_in_step(library, search)


def test_feed_and_tag_filters_follow_titles_and_tags(
    library: Library, feeds: dict[str, FeedId]
) -> None:
    by_feed = library.save_search("Kitchen", "feed:kitchen")
    by_tag = library.save_search("Tech kernel", "kernel tag:Tech")
    by_word_in_title = library.save_search("Notes", "notes")  # feed titles are searched too
    assert len(stored(library, by_feed)) == 2
    library.rename_feed(feeds["cook"], "Baking")
    assert stored(library, by_feed) == set()
    assert stored(library, by_word_in_title) == set()
    library.tag_feed(feeds["cook"], ["Tech/Food"])
    assert len(stored(library, by_tag)) == 3
    library.untag_feed(feeds["lwn"], ["Tech"])
    assert len(stored(library, by_tag)) == 1
    library.rename_feed(feeds["cook"], None)
    assert_in_step(library, by_feed, by_tag, by_word_in_title)


def test_relative_days_move_with_the_calendar(
    library: Library, feeds: dict[str, FeedId], clock: FixedClock
) -> None:
    recent = library.save_search("Recent", "after:1d")
    assert len(stored(library, recent)) == 4  # not the three-day-old one
    clock.advance(days=2)
    library.refresh_saved_searches()
    assert stored(library, recent) == set()
    assert_in_step(library, recent)


def test_editing_finds_the_matches_again(library: Library, feeds: dict[str, FeedId]) -> None:
    search = library.save_search("Kernel", "kernel")
    edited = library.edit_saved_search("kernel", name="Soup", query="soup OR leeks")
    assert (edited.id, edited.name, edited.query) == (search.id, "Soup", "soup OR leeks")
    assert edited.unread_count == 1
    assert_in_step(library, edited)


def test_names_are_checked_and_unique_ignoring_case(
    library: Library, feeds: dict[str, FeedId]
) -> None:
    library.save_search("  Kernel   news ", "kernel")
    assert library.saved_search("KERNEL NEWS").name == "Kernel news"
    with pytest.raises(ValueError, match="already a saved search named"):
        library.save_search("kernel news", "rust")
    with pytest.raises(ValueError, match="needs a name"):
        library.save_search("   ", "rust")
    with pytest.raises(ValueError, match="control characters"):
        library.save_search("a\x07b", "rust")
    with pytest.raises(SearchSyntaxError, match="column"):
        library.save_search("Broken", 'kernel "unclosed')
    with pytest.raises(ValueError, match="words to find or filters"):
        library.save_search("Empty", "   ")
    with pytest.raises(SavedSearchNotFoundError):
        library.saved_search("nothing like it")
    assert [s.name for s in library.saved_searches()] == ["Kernel news"]


def test_removing_and_reordering(library: Library, feeds: dict[str, FeedId]) -> None:
    a = library.save_search("A", "kernel")
    b = library.save_search("B", "rust")
    c = library.save_search("C", "soup")
    library.reorder_saved_searches([c.id, a.id])
    assert [s.name for s in library.saved_searches()] == ["C", "A", "B"]
    changes = library.remove_saved_search("a")
    assert changes.saved_searches
    assert [s.name for s in library.saved_searches()] == ["C", "B"]
    assert library.entry_ids(EntryQuery(saved_search=a.id)) == []
    assert_in_step(library, b, c)


def test_a_saved_view_lists_like_a_feed(library: Library, feeds: dict[str, FeedId]) -> None:
    search = library.save_search("Kernel", "kernel")
    page = library.entries(EntryQuery(saved_search=search.id, limit=2))
    assert [e.title for e in page.entries] == ["Kernel scheduler rework", "Bread"]
    assert page.next_cursor is not None
    rest = library.entries(EntryQuery(saved_search=search.id, after=page.next_cursor))
    assert [e.title for e in rest.entries] == ["Rust drivers"]
    library.mark_read(list(library.entry_ids(EntryQuery(saved_search=search.id)))[:1])
    assert library.count_entries(EntryQuery(saved_search=search.id, unread_only=True)) == 2
    assert library.count_entries(
        EntryQuery(saved_search=search.id, within_tags=frozenset({"Tech"}))
    ) == 2  # fmt: skip


def test_many_random_writes_keep_every_saved_search_in_step(
    library: Library, clock: FixedClock
) -> None:
    """A differential test: after every write of a random sequence, each saved search's
    stored matches and count equal a fresh run of its query."""
    rng = random.Random(7)
    words = ["alpha", "beta", "gamma", "delta", "omega"]
    feed_ids = [
        library.add_feed(f"https://f{i}.example.org/feed", title=f"Feed {words[i]}").id
        for i in range(4)
    ]
    searches = [
        library.save_search("one word", "alpha"),
        library.save_search("two words", "beta gamma"),
        library.save_search("or", "delta OR omega"),
        library.save_search("unread", "alpha is:unread"),
        library.save_search("not starred", "-is:starred gamma"),
        library.save_search("exclusion", "-alpha"),
        library.save_search("tagged", "tag:Blue"),
        library.save_search("feed", "feed:omega beta"),
        library.save_search("recent", "after:2d"),
    ]
    counter = 0
    for _step in range(60):
        action = rng.choice(["add", "add", "read", "star", "tag", "rename", "delete", "day"])
        every = library.entry_ids(EntryQuery())
        if action == "add":
            new = []
            for _ in range(rng.randint(1, 8)):
                counter += 1
                text = " ".join(rng.choices(words, k=3))
                new.append(article(f"k{counter}", text, summary=text, minutes_ago=counter * 60))
            library.add_entries(rng.choice(feed_ids), new)
        elif action == "read" and every:
            library.mark_read(rng.sample(every, min(len(every), 5)), read=rng.random() < 0.7)
        elif action == "star" and every:
            library.set_starred(rng.sample(every, min(len(every), 3)), rng.random() < 0.6)
        elif action == "tag":
            feed = rng.choice(feed_ids)
            if rng.random() < 0.5:
                library.tag_feed(feed, ["Blue"])
            else:
                library.untag_feed(feed, ["Blue"])
        elif action == "rename":
            library.rename_feed(rng.choice(feed_ids), f"Renamed {rng.choice(words)}")
        elif action == "delete" and every:
            library.delete_entries(rng.sample(every, min(len(every), 2)))
        elif action == "day":
            clock.advance(hours=13)
            library.refresh_saved_searches()
        assert_in_step(library, *searches)


def test_rowid_ranges_cover_every_id_within_the_limit() -> None:
    from reader_app.storage.search import rowid_ranges

    assert rowid_ranges([1, 2, 3, 1000, 1001, 5000]) == [(1, 3), (1000, 1001), (5000, 5000)]
    assert rowid_ranges([5, 200, 400]) == [(5, 400)]  # gaps under 256 do not split
    rng = random.Random(3)
    for _ in range(200):
        ids = sorted(rng.sample(range(1, 1_000_000), rng.randint(1, 300)))
        ranges = rowid_ranges(ids)
        assert 1 <= len(ranges) <= 32
        assert all(low <= high for low, high in ranges)
        assert all(a[1] < b[0] for a, b in itertools.pairwise(ranges))
        assert all(any(low <= i <= high for low, high in ranges) for i in ids)


def test_marks_scattered_across_a_large_library_update_the_matches(library: Library) -> None:
    """Articles far apart (ids beyond one rowid range) are matched over several ranges."""
    feed = library.add_feed("https://big.example.org/feed", title="Big")
    words = ["kernel", "bread"]
    library.add_entries(
        feed.id,
        [article(f"b{i}", words[i % 2], minutes_ago=i) for i in range(3000)],
    )
    search = library.save_search("Unread kernel", "kernel is:unread")
    every = sorted(library.entry_ids(EntryQuery()))
    library.mark_read(every[::97])
    library.mark_read(every[::389], read=False)
    assert_in_step(library, search)


def test_a_saved_search_with_many_matches_lists_in_the_same_order(library: Library) -> None:
    """Past a thousand matches a page walks the list's index instead of sorting the
    matches, and past half the library so does the whole list: same articles, same order."""
    feed = library.add_feed("https://many.example.org/feed", title="Many")
    words = ["kernel", "kernel", "kernel", "bread"]
    library.add_entries(
        feed.id, [article(f"m{i}", words[i % 4], minutes_ago=i) for i in range(2400)]
    )
    search = library.save_search("Kernel", "kernel")
    library.mark_read(library.entry_ids(EntryQuery())[::5])
    newest_first = library.entry_ids(EntryQuery(saved_search=search.id))
    items = library.entry_items(newest_first)
    assert len(newest_first) == 1800
    assert set(newest_first) == set(library.search_ids("kernel"))
    assert [items[i].sort_at for i in newest_first] == sorted(
        (items[i].sort_at for i in newest_first), reverse=True
    )
    paged: list[int] = []
    page = library.entries(EntryQuery(saved_search=search.id, limit=500))
    paged.extend(e.id for e in page.entries)
    while page.next_cursor is not None:
        page = library.entries(
            EntryQuery(saved_search=search.id, limit=500, after=page.next_cursor)
        )
        paged.extend(e.id for e in page.entries)
    assert paged == newest_first
    unread = library.entries(EntryQuery(saved_search=search.id, unread_only=True, limit=10_000))
    assert len(unread.entries) == library.saved_search(search.id).unread_count
