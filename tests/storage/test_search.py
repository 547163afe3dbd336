"""Searching a real library: ranking, snippets, filters, paging, and hostile queries reaching
SQLite (they find what their words say and never raise a database error)."""

from __future__ import annotations

import pytest

from reader_app.domain import EntryId, FeedId
from reader_app.domain.search import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    SearchOrder,
    split_highlights,
)
from reader_app.errors import SearchSyntaxError
from reader_app.library import Library
from tests.conftest import FIXED_NOW, FixedClock, article

S, E = HIGHLIGHT_START, HIGHLIGHT_END


def titles(library: Library, query: str, **kwargs: object) -> list[str | None]:
    return [hit.item.title for hit in library.search(query, **kwargs).hits]  # type: ignore[arg-type]


@pytest.fixture
def shelf(library: Library) -> dict[str, FeedId]:
    """Three feeds with a few articles each, some read, one starred."""
    lwn = library.add_feed("https://lwn.example.net/rss", title="LWN Weekly", tags=["Tech/Linux"])
    ars = library.add_feed("https://ars.example.com/feed", title="Ars Technica", tags=["Tech"])
    cook = library.add_feed("https://cook.example.org/atom", title="Kitchen Notes", tags=["Food"])
    lwn_ids = library.add_entries(
        lwn.id,
        [
            article("l1", "Kernel scheduler rework", summary="<p>The EEVDF scheduler lands.</p>",
                    author="Jonathan", minutes_ago=10),
            article("l2", "Filesystem news", summary="<p>Btrfs and the kernel page cache.</p>",
                    minutes_ago=20),
            article("l3", "Rust in the kernel", content="<p>Drivers written in <b>Rust</b>.</p>",
                    minutes_ago=60 * 24 * 3),
        ],
    )  # fmt: skip
    ars_ids = library.add_entries(
        ars.id,
        [
            article("a1", "A new phone", summary="<p>Nothing about kernels here.</p>",
                    minutes_ago=5),
            article("a2", "Espresso machines reviewed", summary="<p>Café crema explained</p>",
                    minutes_ago=60 * 24 * 40),
        ],
    )  # fmt: skip
    cook_ids = library.add_entries(
        cook.id,
        [
            article("c1", "Sourdough", summary="<p>Flour, water, patience; no kernel.</p>",
                    minutes_ago=30),
        ],
    )  # fmt: skip
    library.mark_read([lwn_ids[1], ars_ids[0]])
    library.set_starred([lwn_ids[2], cook_ids[0]])
    return {"lwn": lwn.id, "ars": ars.id, "cook": cook.id}


# -- ranking and snippets ------------------------------------------------------------------------


def test_a_title_match_ranks_above_a_body_match(library: Library) -> None:
    feed = library.add_feed("https://x.example.org/feed")
    library.add_entries(
        feed.id,
        [
            # Newer, and the word twice in the body: still below the title match.
            article("body", "Weekly roundup", summary="<p>A walrus, another walrus.</p>"),
            article("title", "The walrus", summary="<p>Marine mammals.</p>", minutes_ago=600),
            article("none", "Unrelated", summary="<p>Nothing.</p>"),
        ],
    )
    assert titles(library, "walrus") == ["The walrus", "Weekly roundup"]
    newest = [hit.item.title for hit in library.search("walrus", order=SearchOrder.NEWEST).hits]
    assert newest == ["Weekly roundup", "The walrus"]


def test_snippets_mark_the_matched_words(library: Library, shelf: dict[str, FeedId]) -> None:
    [hit] = library.search("eevdf").hits
    assert hit.snippet == f"The {S}EEVDF{E} scheduler lands."
    assert split_highlights(hit.snippet)[1] == ("EEVDF", True)


def test_snippets_come_from_the_content_when_it_matched(
    library: Library, shelf: dict[str, FeedId]
) -> None:
    [hit] = library.search("drivers").hits
    assert hit.snippet == f"{S}Drivers{E} written in Rust."


def test_a_snippet_is_cut_around_the_match(library: Library) -> None:
    feed = library.add_feed("https://x.example.org/feed")
    words = " ".join(f"w{i}" for i in range(200))
    library.add_entries(
        feed.id, [article("long", "Long", content=f"<p>{words} needle {words}</p>")]
    )
    [hit] = library.search("needle").hits
    assert f"{S}needle{E}" in hit.snippet
    assert hit.snippet.startswith("\u2026")
    assert hit.snippet.endswith("\u2026")
    assert len(hit.snippet.split()) <= 24


def test_a_title_only_match_gets_the_start_of_the_summary(
    library: Library, shelf: dict[str, FeedId]
) -> None:
    [hit] = library.search("sourdough").hits
    assert hit.snippet == "Flour, water, patience; no kernel."


def test_search_snippets_for_listed_ids(library: Library, shelf: dict[str, FeedId]) -> None:
    ids = library.search_ids("kernel")
    snippets = library.search_snippets("kernel", ids)
    assert set(snippets) == set(ids)
    assert all(S in snippet or "kernel" not in snippet.lower() for snippet in snippets.values())
    filesystem = items_titled(library, ids, "Filesystem news")
    assert snippets[filesystem] == f"Btrfs and the {S}kernel{E} page cache."
    assert library.search_snippets("kernel", [999_999]) == {}


def test_diacritics_and_case_are_ignored(library: Library, shelf: dict[str, FeedId]) -> None:
    assert titles(library, "CAFE") == ["Espresso machines reviewed"]
    assert titles(library, "café") == ["Espresso machines reviewed"]


def test_authors_and_feed_titles_are_searched(library: Library, shelf: dict[str, FeedId]) -> None:
    assert titles(library, "jonathan") == ["Kernel scheduler rework"]
    assert set(titles(library, "technica")) == {"A new phone", "Espresso machines reviewed"}


# -- the grammar against real rows ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kernel", {"Kernel scheduler rework", "Filesystem news", "Rust in the kernel",
                    "Sourdough"}),
        ("kernel scheduler", {"Kernel scheduler rework"}),
        ('"page cache"', {"Filesystem news"}),
        ('"cache page"', set()),
        ("kernel -rust -sourdough", {"Kernel scheduler rework", "Filesystem news"}),
        ("rust OR espresso", {"Rust in the kernel", "Espresso machines reviewed"}),
        ("kernel (rust OR btrfs)", {"Rust in the kernel", "Filesystem news"}),
        ("sched*", {"Kernel scheduler rework"}),
        ("kernel*", {"Kernel scheduler rework", "Filesystem news", "Rust in the kernel",
                     "Sourdough", "A new phone"}),
        ("-kernel -kernels", {"Espresso machines reviewed"}),
        ("+++", set()),
    ],
)  # fmt: skip
def test_queries_find_what_they_say(
    library: Library, shelf: dict[str, FeedId], query: str, expected: set[str]
) -> None:
    assert set(titles(library, query)) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("feed:lwn", ["Kernel scheduler rework", "Filesystem news", "Rust in the kernel"]),
        ('feed:"kitchen notes"', ["Sourdough"]),
        ("feed:ars.example.com", ["A new phone", "Espresso machines reviewed"]),
        ("feed:lwn feed:kitchen", ["Kernel scheduler rework", "Filesystem news", "Sourdough",
                                   "Rust in the kernel"]),
        ("feed:nosuchfeed", []),
        # A tag includes the tags below it, and its case does not matter.
        ("tag:tech", ["A new phone", "Kernel scheduler rework", "Filesystem news",
                      "Rust in the kernel", "Espresso machines reviewed"]),
        ("tag:Tech/Linux", ["Kernel scheduler rework", "Filesystem news", "Rust in the kernel"]),
        ("tag:Tec", []),
        ("tag:tech feed:ars", ["A new phone", "Espresso machines reviewed"]),
        ("tag:tech -tag:tech/linux", ["A new phone", "Espresso machines reviewed"]),
        ("-feed:lwn -feed:ars", ["Sourdough"]),
        ("is:unread tag:tech", ["Kernel scheduler rework", "Rust in the kernel",
                                "Espresso machines reviewed"]),
        ("is:read", ["A new phone", "Filesystem news"]),
        ("is:starred", ["Sourdough", "Rust in the kernel"]),
        ("-is:starred feed:lwn", ["Kernel scheduler rework", "Filesystem news"]),
        ("after:yesterday", ["A new phone", "Kernel scheduler rework", "Filesystem news",
                             "Sourdough"]),
        ("before:7d", ["Espresso machines reviewed"]),
        ("after:2026-11-20 before:2026-11-21", ["Rust in the kernel"]),
        ("kernel is:unread -is:starred", ["Kernel scheduler rework"]),
    ],
)  # fmt: skip
def test_filters_list_newest_first_and_combine_with_words(
    library: Library, shelf: dict[str, FeedId], query: str, expected: list[str]
) -> None:
    assert titles(library, query) == expected


def test_days_are_local_days(
    library: Library, monkeypatch: pytest.MonkeyPatch, clock: FixedClock
) -> None:
    """after:/before: count in the user's time zone: 23:30 on the 22nd in New York is the
    23rd in UTC."""
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        feed = library.add_feed("https://x.example.org/feed")
        # 2026-11-23 04:30 UTC is 23:30 on the 22nd in New York; FIXED_NOW is 07:00 there.
        late = FIXED_NOW.replace(hour=4, minute=30)
        library.add_entries(
            feed.id,
            [article("late", "Late evening", minutes_ago=int((FIXED_NOW - late).seconds / 60))],
        )
        assert titles(library, "before:today") == ["Late evening"]
        assert titles(library, "after:today") == []
        assert titles(library, "after:yesterday") == ["Late evening"]
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


# -- paging and ids ------------------------------------------------------------------------------


def test_pages_follow_each_other(library: Library) -> None:
    feed = library.add_feed("https://x.example.org/feed")
    library.add_entries(feed.id, [article(f"k{i}", f"Walrus {i}", minutes_ago=i) for i in range(7)])
    first = library.search("walrus", limit=3)
    assert first.next_offset == 3
    second = library.search("walrus", limit=3, offset=first.next_offset)
    third = library.search("walrus", limit=3, offset=6)
    assert third.next_offset is None
    seen = [hit.item.id for page in (first, second, third) for hit in page.hits]
    assert seen == library.search_ids("walrus")
    assert len(set(seen)) == 7


def test_search_ids_in_either_order(library: Library, shelf: dict[str, FeedId]) -> None:
    ranked = library.search_ids("kernel")
    newest = library.search_ids("kernel", order=SearchOrder.NEWEST)
    assert sorted(ranked) == sorted(newest)
    items = library.entry_items(newest)
    dates = [items[i].sort_at for i in newest]
    assert dates == sorted(dates, reverse=True)
    assert ranked[0] == items_titled(library, newest, "Kernel scheduler rework")


def items_titled(library: Library, ids: list[EntryId], title: str) -> EntryId:
    items = library.entry_items(ids)
    return next(i for i in ids if items[i].title == title)


def test_search_ids_can_be_limited(library: Library, shelf: dict[str, FeedId]) -> None:
    assert library.search_ids("kernel", limit=2) == library.search_ids("kernel")[:2]


def test_a_parsed_query_can_be_reused(library: Library, shelf: dict[str, FeedId]) -> None:
    parsed = library.parse_search("kern", prefix_last=True)
    assert library.search(parsed).hits == library.search("kern*").hits


def test_an_empty_query_finds_nothing(library: Library, shelf: dict[str, FeedId]) -> None:
    for query in ("", "   ", "+++"):
        page = library.search(query)
        assert page.hits == ()
        assert page.next_offset is None
        assert library.search_ids(query) == []


def test_a_bad_limit_is_refused(library: Library) -> None:
    with pytest.raises(ValueError, match="limit"):
        library.search("x", limit=0)


# -- hostile queries -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "NEAR(kernel scheduler)",
        "kernel NEAR scheduler",
        "title:kernel" + " x",
        '"kernel" "',
        "kernel AND",
        "* ^ + - : ( ) \" '",
        "{title}: kernel",
        "kernel\x00scheduler",
        "\ud800\udfff kernel",
        "'; DROP TABLE entries; --",
        "a" * 1000,
        "x " * 499,
        "(" * 10 + "kernel" + ")" * 10,
        "OR OR OR",
        '""""""',
        "kernel*" * 50,
    ],
)
def test_hostile_queries_fail_politely_or_search_words(
    library: Library, shelf: dict[str, FeedId], query: str
) -> None:
    failure: SearchSyntaxError | None = None
    try:
        page = library.search(query)
    except SearchSyntaxError as exc:
        failure = exc
    if failure is not None:
        assert failure.column >= 1
        return
    for hit in page.hits:
        assert hit.item.title is not None
    assert library.search_ids(query) == [hit.item.id for hit in page.hits]


def test_fts5_operators_are_searched_as_words(library: Library) -> None:
    feed = library.add_feed("https://x.example.org/feed")
    library.add_entries(
        feed.id,
        [
            article("near", "Near the harbour"),
            article("not", "Not now"),
            article("or", "Tea or coffee"),
        ],
    )
    # FTS5 would read NEAR(...) as "both words close together"; here it is three words.
    assert titles(library, "NEAR(tea coffee)") == []
    assert titles(library, "NEAR(harbour)") == ["Near the harbour"]
    assert titles(library, "not now") == ["Not now"]
    assert titles(library, "tea or coffee") == ["Tea or coffee"]
    assert titles(library, '"tea or"') == ["Tea or coffee"]


def test_markers_cannot_come_from_an_article(library: Library) -> None:
    feed = library.add_feed("https://x.example.org/feed")
    library.add_entries(
        feed.id, [article("x", "Hostile", summary=f"<p>fake {S}bold{E} walrus</p>")]
    )
    [hit] = library.search("walrus").hits
    assert hit.snippet == f"fake bold {S}walrus{E}"
