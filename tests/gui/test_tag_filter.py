"""The tag filter: its model on a real library, and the control driven by real keys and clicks."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from reader_app.domain import FeedId
from reader_app.library import Library
from reader_app.ui.models.tag_filter import FeedCountRole, TagFilterModel, TagRole
from reader_app.ui.widgets.tag_filter import TagFilter
from tests.conftest import add_feed_with_entries

Ids = dict[str, FeedId]

# The offscreen platform cannot raise a window, grab the keyboard for a popup or pass size
# hints to a window manager, and says so.
pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support (raise|grabbing|propagateSizeHints)"
)


@pytest.fixture
def tag_filter(qtbot, library: Library, filled_library: Ids) -> TagFilter:
    widget = TagFilter(library)
    qtbot.addWidget(widget)
    widget.resize(300, 40)
    return widget


def listed(widget: TagFilter) -> list[str]:
    proxy = widget.popup.proxy
    return [proxy.index(row, 0).data(TagRole) for row in range(proxy.rowCount())]


def counts(model: TagFilterModel) -> dict[str, int]:
    return {
        model.index(row).data(TagRole): model.index(row).data(FeedCountRole)
        for row in range(model.rowCount())
    }


def test_model_lists_tags_with_distinct_nested_feed_counts(
    qtmodeltester, library: Library, filled_library: Ids
) -> None:
    add_feed_with_entries(library, "https://both.example/", 1, tags=("News", "News/Europe"))
    library.add_feed("https://deep.example/", tags=("Deep/Down",))
    model = TagFilterModel(library)
    qtmodeltester.check(model)
    # A feed tagged News and News/Europe counts once under News; "Deep" is only a parent.
    assert counts(model) == {"Deep": 1, "Deep/Down": 1, "News": 3, "News/Europe": 2, "Tech": 1}
    assert model.tags() == ["Deep", "Deep/Down", "News", "News/Europe", "Tech"]

    assert model.setData(model.index(2), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert model.chosen() == {"News"}
    assert model.index(2).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    qtmodeltester.check(model)
    library.remove_feed(filled_library["linux"])
    model.reload()
    qtmodeltester.check(model)
    assert "Tech" not in model.tags()


def test_typing_narrows_the_list_and_return_chooses(qtbot, tag_filter: TagFilter) -> None:
    assert tag_filter.button.text() == "Tags: any ▾"
    assert not tag_filter.clear_button.isVisibleTo(tag_filter)
    tag_filter.show()
    tag_filter.open_popup()
    popup = tag_filter.popup
    assert popup.isVisible()
    assert listed(tag_filter) == ["News", "News/Europe", "Tech"]

    qtbot.keyClicks(popup.search, "EUR")
    assert listed(tag_filter) == ["News/Europe"]
    with qtbot.waitSignal(tag_filter.changed) as blocker:
        qtbot.keyClick(popup.search, Qt.Key.Key_Return)
    assert blocker.args == [frozenset({"News/Europe"})]
    assert tag_filter.chosen() == {"News/Europe"}
    assert tag_filter.button.text() == "Tags: News/Europe ▾"
    assert tag_filter.clear_button.isVisibleTo(tag_filter)

    # Nothing matches: the list gives way to a message.
    qtbot.keyClicks(popup.search, "x")
    assert listed(tag_filter) == []
    assert popup.empty.isVisibleTo(popup)
    assert not popup.list.isVisibleTo(popup)
    # Back to everything; Down moves to the second row, and Return unchecks it.
    qtbot.keyClick(popup.search, Qt.Key.Key_Backspace)
    qtbot.keyClick(popup.search, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(popup.search, Qt.Key.Key_Delete)
    assert listed(tag_filter) == ["News", "News/Europe", "Tech"]
    qtbot.keyClick(popup.search, Qt.Key.Key_Down)
    with qtbot.waitSignal(tag_filter.changed) as blocker:
        qtbot.keyClick(popup.search, Qt.Key.Key_Return)
    assert blocker.args == [frozenset()]
    qtbot.keyClick(popup.search, Qt.Key.Key_Escape)
    assert not popup.isVisible()


def test_down_then_return_checks_the_second_row(qtbot, tag_filter: TagFilter) -> None:
    tag_filter.show()
    tag_filter.open_popup()
    qtbot.keyClick(tag_filter.popup.search, Qt.Key.Key_Down)
    with qtbot.waitSignal(tag_filter.changed) as blocker:
        qtbot.keyClick(tag_filter.popup.search, Qt.Key.Key_Return)
    assert blocker.args == [frozenset({"News/Europe"})]


def test_a_click_anywhere_on_a_row_toggles_it(qtbot, tag_filter: TagFilter) -> None:
    tag_filter.show()
    tag_filter.open_popup()
    view = tag_filter.popup.list
    qtbot.waitExposed(tag_filter.popup)
    tech = tag_filter.popup.proxy.index(2, 0)
    right_side = view.visualRect(tech).center()  # on the name, not on the check box
    with qtbot.waitSignal(tag_filter.changed) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=right_side)
    assert blocker.args == [frozenset({"Tech"})]
    with qtbot.waitSignal(tag_filter.changed) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=right_side)
    assert blocker.args == [frozenset()]


def test_clear_buttons_show_every_feed_again(qtbot, tag_filter: TagFilter) -> None:
    tag_filter.set_chosen({"News", "Tech"})
    tag_filter.show()
    assert tag_filter.button.text() == "Tags: News, Tech ▾"
    with qtbot.waitSignal(tag_filter.changed) as blocker:
        qtbot.mouseClick(tag_filter.clear_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [frozenset()]
    assert tag_filter.button.text() == "Tags: any ▾"
    assert not tag_filter.clear_button.isVisible()

    tag_filter.set_chosen({"Tech"})
    tag_filter.open_popup()
    assert tag_filter.popup.clear_button.isEnabled()
    with qtbot.waitSignal(tag_filter.changed) as blocker:
        qtbot.mouseClick(tag_filter.popup.clear_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [frozenset()]
    assert not tag_filter.popup.clear_button.isEnabled()


def test_set_chosen_drops_unknown_tags_and_emits_only_when_asked(
    qtbot, tag_filter: TagFilter
) -> None:
    emitted: list[frozenset[str]] = []
    tag_filter.changed.connect(emitted.append)
    tag_filter.set_chosen({"News", "Gone"})
    assert tag_filter.chosen() == {"News"}
    assert emitted == []  # restoring a remembered choice is the caller's own act
    tag_filter.set_chosen({"Tech"}, emit=True)
    tag_filter.set_chosen({"Tech"}, emit=True)  # unchanged: no second signal
    assert emitted == [frozenset({"Tech"})]


def test_reload_drops_a_chosen_tag_that_is_gone(
    qtbot, library: Library, filled_library: Ids, tag_filter: TagFilter
) -> None:
    tag_filter.set_chosen({"News", "Tech"})
    library.untag_feed(filled_library["linux"], ["Tech"])
    with qtbot.waitSignal(tag_filter.changed) as blocker:
        tag_filter.reload()
    assert blocker.args == [frozenset({"News"})]
    assert tag_filter.button.text() == "Tags: News ▾"


def test_button_text_is_literal_and_short(qtbot, library: Library, tag_filter: TagFilter) -> None:
    library.add_feed("https://rd.example/", tags=("R&D", "<b>html"))
    for i in range(8):
        library.add_feed(f"https://many{i}.example/", tags=(f"Topic number {i}",))
    tag_filter.reload()
    tag_filter.set_chosen({"R&D"})
    # "&" would underline the next letter as a shortcut: it is doubled to show literally.
    assert tag_filter.button.text() == "Tags: R&&D ▾"
    tag_filter.set_chosen(tag_filter.model.tags())
    text = tag_filter.button.text()
    assert text.startswith("Tags: <b>html, ")
    assert text.endswith(" ▾")
    assert "+" in text  # the rest summed up, not a button as wide as the window
    assert tag_filter.button.fontMetrics().horizontalAdvance(text) < 300
    assert "&lt;b&gt;html" in tag_filter.button.toolTip()


def test_with_no_tags_the_popup_says_how_to_get_some(qtbot, library: Library) -> None:
    widget = TagFilter(library)
    qtbot.addWidget(widget)
    widget.show()
    widget.open_popup()
    assert widget.popup.empty.isVisibleTo(widget.popup)
    assert "No tags yet" in widget.popup.empty.text()
    assert not widget.popup.search.isEnabled()
