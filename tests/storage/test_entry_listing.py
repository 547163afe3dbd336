"""The library calls the article list is built on, on a real file: id lists in list order,
rows by id, counts, "mark all read" over a query, and narrowing by tags."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from reader_app.domain import Changes, EntryId, EntryQuery, FeedId
from reader_app.library import Library
from tests.conftest import FIXED_NOW, add_feed_with_entries, make_entries


@pytest.fixture
def feeds(library: Library) -> dict[str, FeedId]:
    """world (News, 6), europe (News/Europe, 4), linux (Tech, 3), misc (untagged, 2)."""
    return {
        "world": add_feed_with_entries(library, "https://world.example/", 6, tags=("News",)),
        "europe": add_feed_with_entries(
            library, "https://europe.example/", 4, tags=("News/Europe",)
        ),
        "linux": add_feed_with_entries(library, "https://linux.example/", 3, tags=("Tech",)),
        "misc": add_feed_with_entries(library, "https://misc.example/", 2),
    }


def _feed_of(library: Library, ids: list[EntryId]) -> set[FeedId]:
    return {item.feed_id for item in library.entry_items(ids).values()}


def test_entry_ids_are_in_list_order_with_ties_broken_by_id(library: Library) -> None:
    feed = library.add_feed("https://a.example/")
    # Three articles share one time, others around them: only the id can order the three.
    entries = make_entries(6)
    entries[2:5] = [
        dataclasses.replace(e, sort_at=FIXED_NOW - timedelta(hours=1)) for e in entries[2:5]
    ]
    library.add_entries(feed.id, entries)
    items = library.entry_items(library.entry_ids(EntryQuery())).values()
    expected_newest = [i.id for i in sorted(items, key=lambda i: (i.sort_at, i.id), reverse=True)]

    newest = library.entry_ids(EntryQuery())
    oldest = library.entry_ids(EntryQuery(newest_first=False))

    assert newest == expected_newest
    assert oldest == list(reversed(expected_newest))
    tied = [i for i in newest if library.entry(i).sort_at == FIXED_NOW - timedelta(hours=1)]
    assert len(tied) == 3
    assert tied == sorted(tied, reverse=True)


def test_entry_ids_ignore_paging_and_match_the_pages(
    library: Library, feeds: dict[str, FeedId]
) -> None:
    query = EntryQuery(limit=4)
    paged: list[EntryId] = []
    for _ in range(20):  # bounded
        page = library.entries(query)
        paged.extend(i.id for i in page.entries)
        if page.next_cursor is None:
            break
        query = EntryQuery(limit=4, after=page.next_cursor)
    assert library.entry_ids(EntryQuery(limit=4)) == paged
    assert len(paged) == 15
    after_first = EntryQuery(after=library.entries(EntryQuery(limit=4)).next_cursor)
    assert library.entry_ids(after_first) == paged


def test_entry_ids_follow_the_filters(library: Library, feeds: dict[str, FeedId]) -> None:
    world = library.entry_ids(EntryQuery(feed_ids=frozenset({feeds["world"]})))
    assert len(world) == 6
    assert _feed_of(library, world) == {feeds["world"]}
    library.mark_read(world[:2])
    unread = library.entry_ids(EntryQuery(unread_only=True))
    assert len(unread) == 13
    assert not set(world[:2]) & set(unread)
    assert library.entry_ids(EntryQuery(starred_only=True)) == []


def test_entry_ids_agree_with_the_pages_for_every_filter(
    library: Library, feeds: dict[str, FeedId]
) -> None:
    # entry_ids runs its statement on the driver directly: its parameters (a time, IN lists,
    # tags) must bind exactly as in the paged query.
    library.mark_read(library.entry_ids(EntryQuery(feed_ids=frozenset({feeds["world"]})))[:3])
    for query in (
        EntryQuery(since=FIXED_NOW - timedelta(minutes=2)),
        EntryQuery(feed_ids=frozenset(feeds.values()), unread_only=True),
        EntryQuery(tags=frozenset({"News"}), newest_first=False),
        EntryQuery(feed_ids=frozenset({feeds["world"]}), within_tags=frozenset({"News"})),
    ):
        paged = [i.id for i in library.entries(dataclasses.replace(query, limit=10_000)).entries]
        assert library.entry_ids(query) == paged
        assert library.count_entries(query) == len(paged)


def test_entry_items_leave_out_missing_ids(library: Library, feeds: dict[str, FeedId]) -> None:
    ids = library.entry_ids(EntryQuery(feed_ids=frozenset({feeds["linux"]})))
    library.delete_entries([ids[0]])
    found = library.entry_items([ids[0], ids[1], 999_999, ids[2]])
    assert set(found) == {ids[1], ids[2]}
    item = found[ids[1]]
    assert item.feed_id == feeds["linux"]
    assert item.feed_title == "https://linux.example/"  # no title yet: the URL stands in
    assert item.title is not None
    assert item.title.endswith("title 1")
    assert not item.read
    assert not item.starred
    assert library.entry_items([]) == {}


def test_entry_items_for_more_ids_than_one_statement_takes(library: Library) -> None:
    feed = add_feed_with_entries(library, "https://big.example/", 1200)
    ids = library.entry_ids(EntryQuery(feed_ids=frozenset({feed})))
    assert set(library.entry_items(ids)) == set(ids)


def test_count_entries(library: Library, feeds: dict[str, FeedId]) -> None:
    assert library.count_entries(EntryQuery()) == 15
    assert library.count_entries(EntryQuery(tags=frozenset({"News"}))) == 10
    assert library.count_entries(EntryQuery(feed_ids=frozenset({feeds["misc"]}))) == 2
    some = library.entry_ids(EntryQuery(tags=frozenset({"News"})))[:3]
    library.mark_read(some)
    library.set_starred(some[:1])
    assert library.count_entries(EntryQuery(unread_only=True)) == 12
    assert library.count_entries(EntryQuery(tags=frozenset({"News"}), unread_only=True)) == 7
    assert library.count_entries(EntryQuery(starred_only=True)) == 1
    since = FIXED_NOW - timedelta(minutes=1)  # each feed's articles: now, -1 min, -2 min...
    assert library.count_entries(EntryQuery(since=since)) == 8
    assert library.count_entries(EntryQuery(limit=1)) == 15  # paging does not count


def test_mark_all_read_touches_only_matching_unread(
    library: Library, feeds: dict[str, FeedId]
) -> None:
    news = EntryQuery(tags=frozenset({"News"}))
    news_ids = library.entry_ids(news)
    already_read, starred = news_ids[0], news_ids[1]
    library.mark_read([already_read])
    library.set_starred([starred])
    outside = library.entry_ids(EntryQuery(feed_ids=frozenset({feeds["linux"], feeds["misc"]})))

    changes = library.mark_all_read(news).changes

    assert changes.entries == frozenset(news_ids) - {already_read}
    assert changes.feeds == {feeds["world"], feeds["europe"]}
    items = library.entry_items(news_ids + outside)
    assert all(items[i].read for i in news_ids)
    assert not any(items[i].read for i in outside)
    assert items[starred].starred  # read now, and still starred
    assert library.count_entries(EntryQuery(starred_only=True)) == 1
    assert library.unread_counts()[feeds["world"]] == 0
    assert library.unread_counts()[feeds["linux"]] == 3
    assert library.mark_all_read(news).changes == Changes()


def test_mark_all_read_of_a_view_keeps_its_filters(
    library: Library, feeds: dict[str, FeedId]
) -> None:
    library.set_starred(library.entry_ids(EntryQuery(feed_ids=frozenset({feeds["misc"]}))))
    changes = library.mark_all_read(
        EntryQuery(starred_only=True, unread_only=True, limit=1)
    ).changes
    assert changes.feeds == {feeds["misc"]}
    assert len(changes.entries) == 2
    assert library.count_entries(EntryQuery(unread_only=True)) == 13


def test_within_tags_narrows_to_feeds_carrying_the_tags(
    library: Library, feeds: dict[str, FeedId]
) -> None:
    def feeds_of(query: EntryQuery) -> set[FeedId]:
        return _feed_of(library, library.entry_ids(query))

    news = frozenset({"News"})
    assert feeds_of(EntryQuery(within_tags=news)) == {feeds["world"], feeds["europe"]}
    assert feeds_of(EntryQuery(within_tags=frozenset({"News/Europe", "Tech"}))) == {
        feeds["europe"],
        feeds["linux"],
    }
    # Combined with the list's own feeds or tags, both must hold.
    assert feeds_of(
        EntryQuery(feed_ids=frozenset({feeds["world"], feeds["linux"]}), within_tags=news)
    ) == {feeds["world"]}
    assert feeds_of(EntryQuery(tags=news, within_tags=frozenset({"News/Europe"}))) == {
        feeds["europe"]
    }
    assert feeds_of(EntryQuery(tags=frozenset({"Tech"}), within_tags=news)) == set()
    assert library.count_entries(EntryQuery(within_tags=news, unread_only=True)) == 10
    # A tag that is only a prefix of another's name is not its parent.
    library.tag_feed(feeds["misc"], ["Newsletters"])
    assert feeds["misc"] not in feeds_of(EntryQuery(within_tags=news))
