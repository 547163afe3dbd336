"""The undo journal and the status bar's offer (the window's use of them is in
test_keyboard.py)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from reader_app.domain import EntryId, MarkChange
from reader_app.ui.undo import UndoJournal, UndoOffer, describe


def change(count: int, field: str = "read", value: bool = True) -> MarkChange:
    return MarkChange(field, value, tuple(EntryId(i) for i in range(count)))  # type: ignore[arg-type]


def test_descriptions_say_what_was_done_and_where() -> None:
    assert describe(change(1)) == "Marked 1 article read"
    assert describe(change(1234), "Linux Weekly") == "Marked 1,234 articles read in Linux Weekly"
    assert describe(change(2, value=False)) == "Marked 2 articles unread"
    assert describe(change(3, "starred")) == "Starred 3 articles"
    assert describe(change(1, "starred", False)) == "Removed the star from 1 article"


def test_the_journal_keeps_the_newest_changes_and_skips_empty_ones(qtbot: QtBot) -> None:
    journal = UndoJournal(size=3)
    with qtbot.waitSignal(journal.changed):
        assert journal.record("first", change(1))
    assert not journal.record("nothing", change(0))
    for n in range(2, 5):
        journal.record(f"change {n}", change(n))
    assert len(journal) == 3  # the oldest fell off
    taken = [journal.take() for _ in range(4)]
    assert [t.label if t else None for t in taken] == ["change 4", "change 3", "change 2", None]
    entry = change(5)
    journal.record("again", entry)
    got = journal.take()
    assert got is not None
    journal.put_back(got)
    assert journal.peek() == got


def test_the_offer_shows_the_change_and_its_button_asks_for_undo(qtbot: QtBot) -> None:
    offer = UndoOffer()
    qtbot.addWidget(offer)
    offer.offer("Marked 3 articles read", "Ctrl+Z")
    assert not offer.isHidden()
    assert offer.label.text() == "Marked 3 articles read"
    assert "Ctrl+Z" in offer.button.toolTip()
    with qtbot.waitSignal(offer.undo_requested):
        offer.button.click()
    offer.withdraw()
    assert offer.isHidden()
