"""The article list's model on a real library: rows per query, paging, changes in place,
reloads that keep rows by id, and "hide read" that removes nothing while shown."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta

import pytest
from PySide6.QtCore import QLocale, QModelIndex, QPersistentModelIndex, Qt, QTime
from PySide6.QtGui import QFont

from reader_app.domain import Changes, EntryId, EntryQuery, FeedId
from reader_app.library import Library
from reader_app.ui.models.article_table import (
    DATE,
    FEED,
    PAGE,
    STAR,
    TITLE,
    ArticleTableModel,
    EntryIdRole,
)
from reader_app.ui.selection import Selection, SmartView, entry_query
from reader_app.ui.tasks import Tasks
from tests.conftest import FIXED_NOW, FixedClock, add_feed_with_entries, make_entries

ALL = Selection(view=SmartView.ALL)


def query_for(selection: Selection, **options: object) -> EntryQuery:
    return entry_query(selection, now=FIXED_NOW, **options)  # type: ignore[arg-type]


@pytest.fixture
def model(library: Library, clock: FixedClock) -> ArticleTableModel:
    return ArticleTableModel(library, clock=clock)


@pytest.fixture
def tasks() -> Iterator[Tasks]:
    bridge = Tasks(max_workers=1)
    yield bridge
    bridge.shutdown()


def ids_of(model: ArticleTableModel) -> list[EntryId]:
    return [model.entry_id(row) for row in range(model.rowCount())]


def text(model: ArticleTableModel, row: int, column: int, role: int = 0) -> object:
    return model.data(model.index(row, column), role)


class Recorder:
    """dataChanged as (first row, last row) pairs."""

    def __init__(self, model: ArticleTableModel) -> None:
        self.rows: list[tuple[int, int]] = []
        model.dataChanged.connect(self._on_changed)

    def _on_changed(self, top: QModelIndex, bottom: QModelIndex, _roles: object) -> None:
        self.rows.append((top.row(), bottom.row()))


def test_model_passes_the_model_tester(
    model: ArticleTableModel, filled_library: dict[str, FeedId], qtmodeltester
) -> None:
    model.set_query(query_for(ALL))
    assert model.rowCount() == 65
    assert model.columnCount() == 4
    qtmodeltester.check(model)


def test_headers(model: ArticleTableModel) -> None:
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)]
    assert titles == ["Title", "Feed", "Date", "★"]
    assert model.headerData(STAR, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) == (
        "Starred"
    )


@pytest.mark.parametrize(
    "case",
    [
        (ALL, {}, {"world", "europe", "linux", "misc"}),
        (Selection(tag="News"), {}, {"world", "europe"}),
        (Selection(tag="News/Europe"), {}, {"europe"}),
        (Selection(tag="Tech"), {}, {"linux"}),
        (ALL, {"tag_filter": frozenset({"News"})}, {"world", "europe"}),
        (Selection(view=SmartView.TODAY), {"tag_filter": frozenset({"Tech"})}, {"linux"}),
    ],
)
def test_rows_are_the_selection_s_articles(
    library: Library,
    model: ArticleTableModel,
    filled_library: dict[str, FeedId],
    case: tuple[Selection, dict[str, object], set[str]],
) -> None:
    selection, options, feeds = case
    query = query_for(selection, **options)
    model.set_query(query)
    expected = library.entry_ids(query)
    assert ids_of(model) == expected
    shown = {model.item(row).feed_id for row in range(model.rowCount())}  # type: ignore[union-attr]
    assert shown == {filled_library[name] for name in feeds}


def test_feed_unread_starred_and_today_views(
    library: Library, model: ArticleTableModel, filled_library: dict[str, FeedId]
) -> None:
    world = filled_library["world"]
    model.set_query(query_for(Selection(feed_id=world)))
    assert model.rowCount() == 30
    world_ids = ids_of(model)
    library.mark_read(world_ids[:10])
    library.set_starred(world_ids[5:7])
    old = library.add_feed("https://old.example/")
    library.add_entries(old.id, make_entries(2, start=FIXED_NOW - timedelta(days=3), prefix="o"))

    model.set_query(query_for(Selection(view=SmartView.UNREAD)))
    assert model.rowCount() == 65 - 10 + 2
    assert not set(world_ids[:10]) & set(ids_of(model))
    model.set_query(query_for(Selection(view=SmartView.STARRED), hide_read=True))
    assert ids_of(model) == world_ids[5:7]  # read, but Starred keeps them
    model.set_query(query_for(Selection(view=SmartView.TODAY)))
    assert model.rowCount() == 65
    model.set_query(query_for(Selection(feed_id=world), hide_read=True))
    assert ids_of(model) == world_ids[10:]
    assert model.query == query_for(Selection(feed_id=world), hide_read=True)


def test_newest_or_oldest_first(
    model: ArticleTableModel, filled_library: dict[str, FeedId]
) -> None:
    for newest_first in (True, False):
        model.set_query(query_for(ALL, newest_first=newest_first))
        keys = [(i.sort_at, i.id) for i in map(model.item, range(model.rowCount())) if i]
        assert len(keys) == 65
        assert keys == sorted(keys, reverse=newest_first)


def test_columns_roles_and_bold_for_unread(
    library: Library, model: ArticleTableModel, clock: FixedClock
) -> None:
    feed = library.add_feed("https://a.example/", title="A <b>feed</b>")
    today, older = make_entries(2, prefix="x")
    hostile = dataclasses.replace(today, title='<img src="/dev/zero"> & <b>bold</b>\nnext')
    older = dataclasses.replace(older, sort_at=FIXED_NOW - timedelta(days=400))
    library.add_entries(feed.id, [hostile, older])
    model.set_query(EntryQuery())
    first, second = ids_of(model)
    library.mark_read([second])
    library.set_starred([first])
    model.set_query(EntryQuery())

    assert text(model, 0, TITLE) == '<img src="/dev/zero"> & <b>bold</b> next'
    tooltip = text(model, 0, TITLE, Qt.ItemDataRole.ToolTipRole)
    assert (
        tooltip == "<p>&lt;img src=&quot;/dev/zero&quot;&gt; &amp; &lt;b&gt;bold&lt;/b&gt; next</p>"
    )
    assert text(model, 0, FEED) == "A <b>feed</b>"
    local = FIXED_NOW.astimezone()
    assert text(model, 0, DATE) == QLocale().toString(
        QTime(local.hour, local.minute), QLocale.FormatType.ShortFormat
    )
    assert text(model, 1, DATE) == (FIXED_NOW - timedelta(days=400)).astimezone().strftime(
        "%Y-%m-%d"
    )
    assert text(model, 0, STAR) == "★"
    assert text(model, 1, STAR) == ""
    assert text(model, 0, TITLE, EntryIdRole) == first
    font = text(model, 0, FEED, Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont)
    assert font.bold()
    assert text(model, 1, TITLE, Qt.ItemDataRole.FontRole) is None
    # Tomorrow the same article shows its date, not its time.
    clock.advance(days=1)
    assert text(model, 0, DATE) == local.strftime("%Y-%m-%d")


def test_an_untitled_article_says_so(library: Library, model: ArticleTableModel) -> None:
    feed = library.add_feed("https://a.example/")
    library.add_entries(feed.id, [dataclasses.replace(make_entries(1)[0], title=None)])
    model.set_query(EntryQuery())
    assert text(model, 0, TITLE) == "(no title)"


def test_a_large_list_shows_a_page_then_completes(
    library: Library, model: ArticleTableModel, qtbot, qtmodeltester
) -> None:
    feed = add_feed_with_entries(library, "https://big.example/", 2 * PAGE + 50)
    query = EntryQuery(feed_ids=frozenset({feed}))
    with qtbot.waitSignal(model.loaded):
        model.set_query(query)
        assert model.rowCount() == PAGE
        assert model.canFetchMore(QModelIndex())  # not complete yet
        qtmodeltester.check(model)
    assert model.complete
    assert not model.canFetchMore(QModelIndex())
    assert ids_of(model) == library.entry_ids(query)
    last = model.item(model.rowCount() - 1)
    assert last is not None
    assert last.title == f"{feed}- title {2 * PAGE + 49}"


def test_fetch_more_pages_down_before_the_ids_arrive(
    library: Library, model: ArticleTableModel, qtbot
) -> None:
    feed = add_feed_with_entries(library, "https://big.example/", 2 * PAGE + 50)
    query = EntryQuery(feed_ids=frozenset({feed}))
    with qtbot.waitSignal(model.loaded):
        model.set_query(query)
        model.fetchMore(QModelIndex())
        assert model.rowCount() == 2 * PAGE
        model.fetchMore(QModelIndex())
        assert model.rowCount() == 2 * PAGE + 50
        assert model.complete
    assert ids_of(model) == library.entry_ids(query)


def test_ids_are_read_off_the_gui_thread_with_tasks(
    library: Library, clock: FixedClock, tasks: Tasks, qtbot
) -> None:
    model = ArticleTableModel(library, tasks=tasks, clock=clock)
    feed = add_feed_with_entries(library, "https://big.example/", PAGE + 1)
    with qtbot.waitSignal(model.loaded):
        model.set_query(EntryQuery(feed_ids=frozenset({feed})))
        assert model.rowCount() == PAGE
    assert model.rowCount() == PAGE + 1


def test_a_newer_query_wins_over_a_late_id_list(
    library: Library, clock: FixedClock, tasks: Tasks, qtbot
) -> None:
    model = ArticleTableModel(library, tasks=tasks, clock=clock)
    big = add_feed_with_entries(library, "https://big.example/", PAGE + 1)
    small = add_feed_with_entries(library, "https://small.example/", 3)
    with qtbot.waitSignal(model.loaded):
        model.set_query(EntryQuery(feed_ids=frozenset({big})))
        model.set_query(EntryQuery(feed_ids=frozenset({small})))
    qtbot.waitUntil(lambda: not tasks.busy)
    assert model.rowCount() == 3
    assert {model.item(r).feed_id for r in range(3)} == {small}  # type: ignore[union-attr]


def test_a_change_updates_only_its_row(
    library: Library, model: ArticleTableModel, filled_library: dict[str, FeedId], qtmodeltester
) -> None:
    model.set_query(query_for(ALL))
    qtmodeltester.check(model)
    target = model.entry_id(7)
    assert text(model, 7, TITLE, Qt.ItemDataRole.FontRole) is not None
    recorder = Recorder(model)

    model.apply_changes(library.mark_read([target]).changes)

    assert recorder.rows == [(7, 7)]
    assert text(model, 7, TITLE, Qt.ItemDataRole.FontRole) is None
    assert model.rowCount() == 65
    recorder.rows.clear()
    model.apply_changes(library.set_starred([target, model.entry_id(9)]).changes)
    assert sorted(recorder.rows) == [(7, 7), (9, 9)]
    assert text(model, 9, STAR) == "★"


def test_a_change_outside_the_list_changes_nothing(
    library: Library, model: ArticleTableModel, filled_library: dict[str, FeedId]
) -> None:
    model.set_query(query_for(Selection(feed_id=filled_library["linux"])))
    other = library.entry_ids(EntryQuery(feed_ids=frozenset({filled_library["misc"]})))
    recorder = Recorder(model)
    resets: list[bool] = []
    model.layoutChanged.connect(lambda: resets.append(True))
    model.apply_changes(library.mark_read(other).changes)
    assert recorder.rows == []
    assert resets == []


def test_new_articles_keep_rows_on_their_articles(
    library: Library,
    model: ArticleTableModel,
    filled_library: dict[str, FeedId],
    clock: FixedClock,
    qtmodeltester,
) -> None:
    world = filled_library["world"]
    model.set_query(query_for(ALL))
    qtmodeltester.check(model)
    held = QPersistentModelIndex(model.index(10, TITLE))
    held_id = model.entry_id(10)
    # Two newer than everything, one in the middle of the list.
    fresh = make_entries(2, start=FIXED_NOW + timedelta(minutes=5), prefix="new")
    middle = make_entries(1, start=FIXED_NOW - timedelta(seconds=30), prefix="mid")
    added = library.add_entries(world, fresh + middle)

    model.apply_changes(library_changes(world, added))

    assert model.rowCount() == 68
    assert ids_of(model) == library.entry_ids(query_for(ALL))
    assert held.row() == 13
    assert model.data(held, EntryIdRole) == held_id


def library_changes(feed: FeedId, ids: list[EntryId]) -> Changes:
    """What the sync engine reports when a feed gains articles."""
    return Changes(feeds=frozenset({feed}), entries=frozenset(ids))


def test_new_articles_in_a_feed_the_list_does_not_show_change_nothing(
    library: Library, model: ArticleTableModel, filled_library: dict[str, FeedId]
) -> None:
    model.set_query(query_for(Selection(tag="Tech")))
    before = ids_of(model)
    world = filled_library["world"]
    added = library.add_entries(world, make_entries(2, start=FIXED_NOW, prefix="n"))
    model.apply_changes(library_changes(world, added))
    assert ids_of(model) == before
    linux = filled_library["linux"]
    added = library.add_entries(linux, make_entries(1, start=FIXED_NOW, prefix="n"))
    model.apply_changes(library_changes(linux, added))
    assert ids_of(model) == [*added, *before]


def test_hide_read_keeps_read_articles_until_the_view_changes(
    library: Library, model: ArticleTableModel, filled_library: dict[str, FeedId], qtmodeltester
) -> None:
    world = filled_library["world"]
    query = query_for(Selection(feed_id=world), hide_read=True)
    model.set_query(query)
    qtmodeltester.check(model)
    read = [model.entry_id(3), model.entry_id(4)]

    model.apply_changes(library.mark_read(read).changes)

    assert model.rowCount() == 30
    assert model.row_of(read[0]) == 3
    assert text(model, 3, TITLE, Qt.ItemDataRole.FontRole) is None  # shown as read
    # A reload for new articles keeps them in place too.
    added = library.add_entries(world, make_entries(1, start=FIXED_NOW + timedelta(hours=1)))
    model.apply_changes(library_changes(world, added))
    assert model.rowCount() == 31
    assert model.row_of(read[0]) == 4
    assert model.row_of(read[1]) == 5
    assert model.entry_id(0) == added[0]
    # Leaving and coming back: they are gone.
    model.set_query(query)
    assert model.rowCount() == 29
    assert model.row_of(read[0]) is None


def test_mark_all_read_in_an_unread_view_keeps_the_rows(
    library: Library, model: ArticleTableModel, filled_library: dict[str, FeedId]
) -> None:
    query = query_for(Selection(view=SmartView.UNREAD))
    model.set_query(query)
    recorder = Recorder(model)
    model.apply_changes(library.mark_all_read(query).changes)
    assert model.rowCount() == 65
    assert recorder.rows == [(0, 64)]
    assert all(model.item(r).read for r in range(65))  # type: ignore[union-attr]


def test_deleted_articles_and_removed_feeds_leave(
    library: Library, model: ArticleTableModel, filled_library: dict[str, FeedId], qtmodeltester
) -> None:
    model.set_query(query_for(Selection(tag="News")))
    qtmodeltester.check(model)
    world = filled_library["world"]
    victim = next(i for i in ids_of(model) if model.item(model.row_of(i) or 0).feed_id == world)  # type: ignore[union-attr]
    model.apply_changes(library.delete_entries([victim]).changes)
    assert model.rowCount() == 49
    assert model.row_of(victim) is None
    model.apply_changes(library.remove_feed(filled_library["europe"]))
    assert model.rowCount() == 29
    assert {model.item(r).feed_id for r in range(29)} == {world}  # type: ignore[union-attr]


def test_tagging_a_feed_brings_it_into_a_tag_list(
    library: Library, model: ArticleTableModel, filled_library: dict[str, FeedId]
) -> None:
    model.set_query(query_for(Selection(tag="Tech")))
    assert model.rowCount() == 10
    model.apply_changes(library.tag_feed(filled_library["misc"], ["Tech/Odds"]))
    assert model.rowCount() == 15


def test_next_unread_row(
    library: Library, model: ArticleTableModel, filled_library: dict[str, FeedId]
) -> None:
    model.set_query(query_for(Selection(feed_id=filled_library["europe"])))
    ids = ids_of(model)
    library.mark_read(ids[:5] + ids[6:12])
    model.apply_changes(library.mark_read([]).changes)
    assert model.next_unread_row(None) == 5
    assert model.next_unread_row(5) == 12
    library.mark_read(ids[12:])
    assert model.next_unread_row(12) is None
    assert model.next_unread_row(None) == 5


def test_next_unread_row_completes_a_partial_list(
    library: Library, model: ArticleTableModel
) -> None:
    feed = add_feed_with_entries(library, "https://big.example/", PAGE + 20)
    ids = library.entry_ids(EntryQuery(feed_ids=frozenset({feed})))
    library.mark_read(ids[: PAGE + 10])
    model.set_query(EntryQuery(feed_ids=frozenset({feed})))
    assert model.rowCount() == PAGE
    assert model.next_unread_row(0) == PAGE + 10
    assert model.complete


def test_row_of_and_entry_id(model: ArticleTableModel, filled_library: dict[str, FeedId]) -> None:
    model.set_query(query_for(ALL))
    for row in (0, 31, 64):
        assert model.row_of(model.entry_id(row)) == row
    assert model.row_of(EntryId(10**9)) is None
    with pytest.raises(IndexError):
        model.entry_id(65)
    assert model.item(65) is None


def test_an_article_found_gone_while_painting_leaves(
    library: Library, model: ArticleTableModel, qtbot
) -> None:
    feed = add_feed_with_entries(library, "https://big.example/", PAGE + 20)
    query = EntryQuery(feed_ids=frozenset({feed}))
    model.set_query(query)
    model.ensure_complete()
    victim = model.entry_id(PAGE + 5)
    library.delete_entries([victim])  # by someone else: no Changes reach this model

    assert text(model, PAGE + 5, TITLE) is None
    qtbot.waitUntil(lambda: model.rowCount() == PAGE + 19)
    assert model.row_of(victim) is None
    assert ids_of(model) == library.entry_ids(query)


def test_starred_view_keeps_unstarred_articles_until_left(
    library: Library, model: ArticleTableModel, filled_library: dict[str, FeedId]
) -> None:
    linux = library.entry_ids(EntryQuery(feed_ids=frozenset({filled_library["linux"]})))
    library.set_starred(linux[:4])
    query = query_for(Selection(view=SmartView.STARRED))
    model.set_query(query)
    assert ids_of(model) == linux[:4]

    model.apply_changes(library.set_starred(linux[1:2], starred=False).changes)
    added = library.add_entries(filled_library["linux"], make_entries(1, prefix="s"))
    model.apply_changes(library.set_starred(added).changes)  # a new star: the list reloads

    assert ids_of(model) == [*added, *linux[:4]]
    assert text(model, 2, STAR) == ""
    model.set_query(query)
    assert ids_of(model) == [added[0], linux[0], *linux[2:4]]


def test_articles_arriving_during_a_reload_are_read_again(
    library: Library, clock: FixedClock, tasks: Tasks, qtbot
) -> None:
    model = ArticleTableModel(library, tasks=tasks, clock=clock)
    feed = add_feed_with_entries(library, "https://a.example/", 3)
    model.set_query(EntryQuery())
    first = library.add_entries(feed, make_entries(2, start=FIXED_NOW + timedelta(hours=1)))
    model.apply_changes(library_changes(feed, first))  # a reload starts on the worker
    second = library.add_entries(
        feed, make_entries(2, start=FIXED_NOW + timedelta(hours=2), prefix="x")
    )
    model.apply_changes(library_changes(feed, second))  # and must be followed by another

    qtbot.waitUntil(lambda: model.rowCount() == 7, timeout=10_000)
    assert ids_of(model) == library.entry_ids(EntryQuery())
    qtbot.waitUntil(lambda: not tasks.busy)
