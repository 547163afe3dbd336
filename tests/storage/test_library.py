"""The library facade on a real file: feeds, tags, paging, read state, removed keys."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from reader_app.domain import EntryItem, EntryQuery, FeedId
from reader_app.domain.tags import InvalidTagError
from reader_app.errors import FeedExistsError, FeedNotFoundError, InvalidFeedUrlError
from reader_app.library import Library
from tests.conftest import FIXED_NOW, FixedClock, add_feed_with_entries, make_entries


def test_add_feed_normalizes_and_refuses_duplicates(library: Library) -> None:
    feed = library.add_feed("  HTTPS://Example.ORG:443/Feed.xml#top ", tags=[" News / Europe "])
    assert feed.url == "https://example.org/Feed.xml"
    assert feed.tags == ("News/Europe",)
    assert feed.added_at == FIXED_NOW
    with pytest.raises(FeedExistsError):
        library.add_feed("https://example.org/Feed.xml")
    assert len(library.feeds()) == 1


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "javascript:alert(1)", "data:text/xml,<rss/>", "feeds/a.xml"]
)
def test_add_feed_refuses_non_http_urls(library: Library, url: str) -> None:
    with pytest.raises(InvalidFeedUrlError):
        library.add_feed(url)
    assert library.feeds() == []


def test_empty_tag_is_refused_and_nothing_added(library: Library) -> None:
    with pytest.raises(InvalidTagError):
        library.add_feed("https://example.org/a.xml", tags=[" / "])
    assert library.feeds() == []


def test_resolve_feed_by_id_and_url(library: Library) -> None:
    feed = library.add_feed("https://example.org/a.xml")
    assert library.resolve_feed(str(feed.id)) == feed.id
    assert library.resolve_feed("HTTPS://EXAMPLE.org/a.xml") == feed.id
    with pytest.raises(FeedNotFoundError):
        library.resolve_feed("999")
    with pytest.raises(FeedNotFoundError):
        library.resolve_feed("https://example.org/other.xml")


def test_remove_feed_deletes_articles_and_unused_tags(library: Library) -> None:
    kept = add_feed_with_entries(library, "https://a.example/", 3, tags=("Shared",))
    gone = add_feed_with_entries(library, "https://b.example/", 4, tags=("Shared", "Only"))
    library.remove_feed(gone)
    assert [s.feed.id for s in library.feeds()] == [kept]
    assert [t.name for t in library.tags()] == ["Shared"]
    assert len(library.entries(EntryQuery()).entries) == 3


def test_unread_counts_follow_read_state(library: Library) -> None:
    a = add_feed_with_entries(library, "https://a.example/", 5, tags=("News",))
    b = add_feed_with_entries(library, "https://b.example/", 3, tags=("News",))
    ids = [item.id for item in library.entries(EntryQuery(feed_ids=frozenset({a}))).entries]
    result = library.mark_read(ids[:2])
    assert result.changes.feeds == {a}
    assert len(result.changes.entries) == 2
    counts = {s.feed.id: s.unread_count for s in library.feeds()}
    assert counts == {a: 3, b: 3}
    assert library.tags()[0].unread_count == 6
    assert library.unread_total() == 6
    # Marking read twice changes nothing the second time.
    assert library.mark_read(ids[:2]).changes.entries == frozenset()
    library.mark_read(ids[:1], read=False)
    assert {s.feed.id: s.unread_count for s in library.feeds()}[a] == 4


def test_mark_read_reports_missing_ids_and_applies_the_rest(library: Library) -> None:
    feed = add_feed_with_entries(library, "https://a.example/", 2)
    ids = [item.id for item in library.entries(EntryQuery()).entries]
    result = library.mark_read([*ids, 424242])
    assert result.missing == (424242,)
    assert library.feeds()[0].unread_count == 0
    assert library.feed(feed).id == feed


def test_star_and_starred_filter(library: Library, clock: FixedClock) -> None:
    add_feed_with_entries(library, "https://a.example/", 4)
    items = library.entries(EntryQuery()).entries
    library.set_starred([items[1].id, items[3].id])
    starred = library.entries(EntryQuery(starred_only=True)).entries
    assert [i.id for i in starred] == [items[1].id, items[3].id]
    assert library.starred_count() == 2
    full = library.entry(items[1].id)
    assert full.starred
    assert full.summary == "<p>summary 1</p>"


def test_keyset_paging_visits_every_article_once_in_order(library: Library) -> None:
    a = add_feed_with_entries(library, "https://a.example/", 37)
    add_feed_with_entries(library, "https://b.example/", 25)
    for newest_first in (True, False):
        seen: list[EntryItem] = []
        query = EntryQuery(limit=10, newest_first=newest_first)
        for _ in range(100):  # bounded: a cursor that does not advance fails, not hangs
            page = library.entries(query)
            seen.extend(page.entries)
            if page.next_cursor is None:
                break
            query = EntryQuery(limit=10, newest_first=newest_first, after=page.next_cursor)
        assert len(seen) == 62
        assert len({i.id for i in seen}) == 62
        keys = [(i.sort_at, i.id) for i in seen]
        assert keys == sorted(keys, reverse=newest_first)
    only_a = library.entries(EntryQuery(feed_ids=frozenset({a}), limit=100)).entries
    assert {i.feed_id for i in only_a} == {a}
    assert len(only_a) == 37


def test_same_sort_time_pages_by_id(library: Library) -> None:
    """Keyset paging must not skip rows that share a timestamp across a page boundary."""
    feed = library.add_feed("https://a.example/")
    same = [dataclasses.replace(e, sort_at=FIXED_NOW) for e in make_entries(25)]
    library.add_entries(feed.id, same)
    ids: list[int] = []
    query = EntryQuery(limit=7)
    for _ in range(100):  # bounded: a cursor that does not advance fails, not hangs
        page = library.entries(query)
        ids.extend(i.id for i in page.entries)
        if page.next_cursor is None:
            break
        query = EntryQuery(limit=7, after=page.next_cursor)
    assert sorted(ids, reverse=True) == ids
    assert len(set(ids)) == 25


def test_tag_filter_includes_nested_tags(library: Library) -> None:
    europe = add_feed_with_entries(library, "https://eu.example/", 2, tags=("News/Europe",))
    news = add_feed_with_entries(library, "https://news.example/", 3, tags=("News",))
    add_feed_with_entries(library, "https://newsletter.example/", 4, tags=("Newsletters",))
    add_feed_with_entries(library, "https://other.example/", 5, tags=("News_",))
    items = library.entries(EntryQuery(tags=frozenset({"News"}))).entries
    assert {i.feed_id for i in items} == {europe, news}
    only_eu = library.entries(EntryQuery(tags=frozenset({"News/Europe"}))).entries
    assert {i.feed_id for i in only_eu} == {europe}


def test_tag_and_untag(library: Library) -> None:
    feed = library.add_feed("https://a.example/", tags=["One"])
    library.tag_feed(feed.id, ["Two", "Tech/Linux"])
    assert library.feed(feed.id).tags == ("One", "Tech/Linux", "Two")
    library.untag_feed(feed.id, ["One", "Tech/Linux"])
    assert library.feed(feed.id).tags == ("Two",)
    assert [t.name for t in library.tags()] == ["Two"]


def test_deleted_article_never_returns(library: Library, clock: FixedClock) -> None:
    feed = library.add_feed("https://a.example/")
    entries = make_entries(3)
    library.add_entries(feed.id, entries)
    victim = next(i for i in library.entries(EntryQuery()).entries if i.title == "e title 1")
    library.delete_entries([victim.id])
    clock.advance(hours=1)
    # The same article arrives again in the next sync: it is not stored again.
    added = library.add_entries(feed.id, entries)
    assert added == []
    titles = sorted(i.title or "" for i in library.entries(EntryQuery()).entries)
    assert titles == ["e title 0", "e title 2"]
    assert library.feeds()[0].unread_count == 2


def test_since_filter(library: Library) -> None:
    add_feed_with_entries(library, "https://a.example/", 10)
    recent = library.entries(EntryQuery(since=FIXED_NOW - timedelta(minutes=3))).entries
    assert len(recent) == 4


def test_library_survives_reopen(tmp_path: Path, clock: FixedClock) -> None:
    path = tmp_path / "library.sqlite3"
    with Library.open(path, clock=clock) as lib:
        feed_id = add_feed_with_entries(lib, "https://a.example/", 3, tags=("X",))
        first = lib.entries(EntryQuery()).entries[0].id
        lib.mark_read([first])
        lib.set_starred([first])
    with Library.open(path, clock=clock) as lib:
        assert lib.feeds()[0].unread_count == 2
        entry = lib.entry(first)
        assert entry.read
        assert entry.starred
        assert entry.read_at == FIXED_NOW
        assert lib.feed(feed_id).tags == ("X",)


def test_opml_round_trip_through_the_library(tmp_path: Path, clock: FixedClock) -> None:
    with Library.open(tmp_path / "a.sqlite3", clock=clock) as lib:
        lib.add_feed("https://a.example/feed", tags=["News/Europe", "Daily"], title="A & B")
        lib.add_feed("https://b.example/rss", title="Bee")
        lib.add_feed("https://c.example/atom", tags=["Tech"])
        exported = lib.export_opml()
        before = {(s.feed.url, s.feed.title, s.feed.tags) for s in lib.feeds()}
    with Library.open(tmp_path / "b.sqlite3", clock=clock) as lib:
        report = lib.import_opml(exported)
        assert len(report.added) == 3
        assert report.skipped == ()
        after = {(s.feed.url, s.feed.title, s.feed.tags) for s in lib.feeds()}
    assert after == before


def test_opml_import_merges_tags_into_existing_feeds(library: Library) -> None:
    library.add_feed("https://a.example/feed", tags=["Old"])
    data = b"""<?xml version="1.0"?>
<opml version="2.0"><head><title>t</title></head><body>
  <outline text="New"><outline text="A" xmlUrl="https://A.example/feed"/></outline>
  <outline text="B" xmlUrl="https://b.example/feed"/>
</body></opml>"""
    report = library.import_opml(data, source="subs.opml")
    assert report.added == ("https://b.example/feed",)
    assert report.already_subscribed == ("https://a.example/feed",)
    tags = {s.feed.url: s.feed.tags for s in library.feeds()}
    assert tags["https://a.example/feed"] == ("New", "Old")


def test_bad_opml_imports_nothing(library: Library) -> None:
    from reader_app.errors import OpmlError

    data = b'<opml version="2.0"><body><outline xmlUrl="https://a.example/"></body></opml>'
    with pytest.raises(OpmlError) as info:
        library.import_opml(data, source="broken.opml")
    assert "broken.opml" in str(info.value)
    assert library.feeds() == []


def test_ten_thousand_feed_import_is_one_transaction(library: Library) -> None:
    outlines = "\n".join(
        f'<outline text="F{i}" xmlUrl="https://h{i % 97}.example/f{i}" category="/T{i % 10}"/>'
        for i in range(10_000)
    )
    data = f'<opml version="2.0"><head/><body>{outlines}</body></opml>'.encode()
    report = library.import_opml(data)
    assert len(report.added) == 10_000
    assert len(library.feeds()) == 10_000
    assert sum(t.feed_count for t in library.tags()) == 10_000


def test_unknown_article_id(library: Library) -> None:
    from reader_app.errors import EntryNotFoundError

    with pytest.raises(EntryNotFoundError):
        library.entry(5)


def test_feed_ids_are_typed(library: Library) -> None:
    feed = library.add_feed("https://a.example/")
    assert library.resolve_feed(feed.id) == FeedId(feed.id)
