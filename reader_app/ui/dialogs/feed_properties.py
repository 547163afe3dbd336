"""A feed's properties: what it is, how it is updated, and how its last updates went.

Editable: the user's own title (a rename), tags, the update interval, remote images,
whether the feed is checked at all, and how long and how many of its articles are kept
(``keep_articles.py``). Everything else (address, the feed's own title, times,
the last error) is shown read-only but selectable, so an address or an error can be copied.
Also the small rename and edit-tags prompts the feed list's context menu uses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from reader_app.domain import Changes, Feed, FeedId
from reader_app.domain.retention import RetentionPolicy
from reader_app.domain.tags import InvalidTagError
from reader_app.library import Library
from reader_app.ui.dialogs.add_feed import TagCompleter, format_tags, parse_tags, tags_edit
from reader_app.ui.dialogs.errors import (
    EXPECTED_ERRORS,
    describe_error,
    plain_label,
    show_error,
)
from reader_app.ui.dialogs.keep_articles import KeepArticlesGroup
from reader_app.ui.tasks import Tasks

log = logging.getLogger(__name__)

MAX_INTERVAL_MINUTES = 7 * 24 * 60  # Library.set_feed_options accepts 1 minute to 7 days


def format_time(moment: datetime | None, *, never: str = "Never") -> str:
    """A stored UTC time in the machine's time zone, to the minute."""
    if moment is None:
        return never
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True, slots=True)
class FeedEdits:
    """What the user changed in the dialog; None (or empty) means unchanged."""

    user_title: str | None = None
    clear_user_title: bool = False
    interval: int | None = None
    clear_interval: bool = False
    load_images: bool | None = None
    updates_enabled: bool | None = None
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    # The feed's own retention; 0 is a value (no limit), the clear flags go back to global.
    keep_days: int | None = None
    clear_keep_days: bool = False
    keep_per_feed: int | None = None
    clear_keep_per_feed: bool = False

    @property
    def empty(self) -> bool:
        return self == FeedEdits()


@dataclass(frozen=True, slots=True)
class _Applied:
    changes: Changes
    error: BaseException | None


def apply_edits(library: Library, feed_id: FeedId, edits: FeedEdits) -> _Applied:
    """Run the writes ``edits`` needs, one after another; stop at the first failure.

    Returns what was changed up to then and the failure, so the window can refresh what did
    change and the dialog can say what did not.
    """
    changes = Changes()
    try:
        if edits.user_title is not None or edits.clear_user_title:
            changes |= library.rename_feed(feed_id, edits.user_title)
        # Any: each key is one keyword of set_feed_options; the ones left out stay unchanged.
        options: dict[str, Any] = {}
        if edits.interval is not None or edits.clear_interval:
            options["update_interval_minutes"] = edits.interval
        if edits.load_images is not None:
            options["load_images"] = edits.load_images
        if edits.updates_enabled is not None:
            options["updates_enabled"] = edits.updates_enabled
        if edits.keep_days is not None or edits.clear_keep_days:
            options["keep_days"] = edits.keep_days
        if edits.keep_per_feed is not None or edits.clear_keep_per_feed:
            options["keep_per_feed"] = edits.keep_per_feed
        if options:
            changes |= library.set_feed_options(feed_id, **options)
        if edits.add_tags:
            changes |= library.tag_feed(feed_id, edits.add_tags)
        if edits.remove_tags:
            changes |= library.untag_feed(feed_id, edits.remove_tags)
    except Exception as exc:  # noqa: BLE001 - handed to the dialog, which sorts bugs from errors
        return _Applied(changes, exc)
    return _Applied(changes, None)


def _read_only_label(text: str) -> QLabel:
    return plain_label(text)  # plain text: titles and errors come from the feed


class FeedPropertiesDialog(QDialog):
    """Show and edit one feed. ``changed(Changes)`` follows the writes OK made.

    ``default_interval_minutes`` and ``global_retention`` are the global settings, shown
    beside the choices that follow them.
    """

    changed = Signal(object)

    def __init__(
        self,
        library: Library,
        tasks: Tasks,
        feed: Feed | int,
        parent: QWidget | None = None,
        *,
        default_interval_minutes: int | None = None,
        global_retention: RetentionPolicy | None = None,
    ) -> None:
        super().__init__(parent)
        self._library = library
        self._tasks = tasks
        # Read afresh even when given a Feed: the one the caller holds may be stale.
        self._feed: Feed = library.feed(feed.id if isinstance(feed, Feed) else feed)
        self._busy = False
        self._job = 0
        self.setWindowTitle(f"Properties of {self._feed.display_title}"[:120])

        form = self._build_form(default_interval_minutes)
        self.keep_group = KeepArticlesGroup(self._feed, global_retention)
        status = self._build_status()

        self.message_label = plain_label()
        self.message_label.hide()

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.keep_group)
        layout.addWidget(status)
        layout.addWidget(self.message_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)
        self.title_edit.setFocus()

    def _build_form(self, default_interval_minutes: int | None) -> QFormLayout:
        feed = self._feed
        self.url_edit = QLineEdit(feed.url)
        self.url_edit.setReadOnly(True)
        self.url_edit.setCursorPosition(0)
        self.feed_title_label = _read_only_label(feed.title or "(the feed gives no title)")
        self.title_edit = QLineEdit(feed.user_title or "")
        self.title_edit.setPlaceholderText(feed.title or feed.url)
        self.title_edit.setClearButtonEnabled(True)
        self.title_edit.setToolTip("Leave empty to use the feed's own title.")
        self.tags_edit = tags_edit((t.name for t in self._library.tags()), format_tags(feed.tags))

        self.interval_spin = QSpinBox()
        self.interval_spin.setRange(0, MAX_INTERVAL_MINUTES)
        self.interval_spin.setSuffix(" min")
        default = (
            f"Default (every {default_interval_minutes} min)"
            if default_interval_minutes is not None
            else "Default"
        )
        self.interval_spin.setSpecialValueText(default)
        self.interval_spin.setValue(feed.update_interval_minutes or 0)
        self.interval_spin.setMinimumWidth(
            self.interval_spin.fontMetrics().horizontalAdvance(default) + 48
        )
        self.interval_spin.setToolTip(
            "How often this feed is checked; the lowest value uses the interval from Preferences."
        )
        self.images_check = QCheckBox("Load remote images in this feed's articles")
        self.images_check.setChecked(feed.load_images)
        self.updates_check = QCheckBox("Check this feed for new articles")
        self.updates_check.setChecked(feed.updates_enabled)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Address:", self.url_edit)
        if feed.site_url:
            self.site_label: QLabel | None = _read_only_label(feed.site_url)
            form.addRow("Website:", self.site_label)
        else:
            self.site_label = None
        form.addRow("Feed's title:", self.feed_title_label)
        form.addRow("Your &title:", self.title_edit)
        form.addRow("&Tags:", self.tags_edit)
        form.addRow("Check &every:", _left(self.interval_spin))
        form.addRow("", self.updates_check)
        form.addRow("", self.images_check)
        return form

    def _build_status(self) -> QGroupBox:
        feed = self._feed
        status = QGroupBox("Status")
        status_form = QFormLayout(status)
        status_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        status_form.addRow("Added:", _read_only_label(format_time(feed.added_at)))
        status_form.addRow("Last checked:", _read_only_label(format_time(feed.last_fetched)))
        status_form.addRow("Last new articles:", _read_only_label(format_time(feed.last_updated)))
        next_check = (
            "Updates stopped"
            if not feed.updates_enabled
            else format_time(feed.next_check, never="At the next refresh")
        )
        status_form.addRow("Next check:", _read_only_label(next_check))
        if feed.last_error:
            when = format_time(feed.last_error_at, never="")
            failures = f", {feed.error_count} times in a row" if feed.error_count > 1 else ""
            text = f"{feed.last_error}\n({when}{failures})" if when else feed.last_error
            self.error_label: QLabel | None = _read_only_label(text)
            status_form.addRow(_top_label("Last error:"), self.error_label)
        else:
            self.error_label = None
            status_form.addRow("Last error:", _read_only_label("None"))
        if feed.last_warning:
            status_form.addRow(_top_label("Last warning:"), _read_only_label(feed.last_warning))
        return status

    @property
    def feed(self) -> Feed:
        return self._feed

    @property
    def message(self) -> str:
        return "" if self.message_label.isHidden() else self.message_label.text()

    def edits(self) -> FeedEdits:
        """What differs from the feed as loaded. Raises InvalidTagError for a bad tag."""
        feed = self._feed
        title = self.title_edit.text().strip() or None
        interval = self.interval_spin.value() or None
        tags = parse_tags(self.tags_edit.text())
        old_tags = set(feed.tags)
        keep_days = self.keep_group.days.value()
        keep_per_feed = self.keep_group.count.value()
        return FeedEdits(
            user_title=title if title != feed.user_title and title is not None else None,
            clear_user_title=title is None and feed.user_title is not None,
            interval=interval if interval != feed.update_interval_minutes else None,
            clear_interval=interval is None and feed.update_interval_minutes is not None,
            load_images=(
                self.images_check.isChecked()
                if self.images_check.isChecked() != feed.load_images
                else None
            ),
            updates_enabled=(
                self.updates_check.isChecked()
                if self.updates_check.isChecked() != feed.updates_enabled
                else None
            ),
            add_tags=tuple(t for t in tags if t not in old_tags),
            remove_tags=tuple(t for t in feed.tags if t not in set(tags)),
            keep_days=keep_days if keep_days != feed.keep_days else None,
            clear_keep_days=keep_days is None and feed.keep_days is not None,
            keep_per_feed=keep_per_feed if keep_per_feed != feed.keep_per_feed else None,
            clear_keep_per_feed=keep_per_feed is None and feed.keep_per_feed is not None,
        )

    def accept(self) -> None:
        if self._busy:
            return
        try:
            edits = self.edits()
        except InvalidTagError as exc:
            self._show(describe_error(exc))
            return
        if edits.empty:
            super().accept()
            return
        self._busy = True
        self._job += 1
        job = self._job
        self._ok_button().setEnabled(False)
        library, feed_id = self._library, self._feed.id
        self._tasks.run(
            lambda: apply_edits(library, feed_id, edits),
            lambda applied: self._applied(job, applied),
        )

    def reject(self) -> None:
        self._job += 1
        super().reject()

    def _applied(self, job: int, applied: _Applied) -> None:
        if not shiboken6.isValid(self):
            return
        self._busy = False
        self._ok_button().setEnabled(True)
        if not applied.changes.empty:
            self.changed.emit(applied.changes)
        if job != self._job:
            return
        error = applied.error
        if error is None:
            super().accept()
            return
        if not isinstance(error, EXPECTED_ERRORS):
            log.error("changing feed %s failed unexpectedly", self._feed.id, exc_info=error)
            self._tasks.unhandled.emit(error)
            self._show("Something went wrong inside the app; the details are in the log.")
            return
        self._show(describe_error(error))
        # What did get written is now the starting point for the next OK.
        with suppress(*EXPECTED_ERRORS):
            self._feed = self._library.feed(self._feed.id)

    def _ok_button(self) -> QPushButton:
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert button is not None
        return button

    def _show(self, message: str) -> None:
        self.message_label.setText(message)
        self.message_label.show()


def _top_label(text: str) -> QLabel:
    """A form label that stays on the first line of a field that may wrap onto several."""
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    return label


def _left(widget: QWidget) -> QWidget:
    holder = QWidget()
    row = QVBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(widget, 0, Qt.AlignmentFlag.AlignLeft)
    return holder


# --- small prompts for the feed list's context menu ------------------------------------------


def _run_write(
    parent: QWidget | None,
    tasks: Tasks,
    write: Callable[[], Changes],
    title: str,
    on_done: Callable[[Changes], None] | None,
) -> None:
    def failed(exc: BaseException) -> None:
        if not isinstance(exc, EXPECTED_ERRORS):
            tasks.unhandled.emit(exc)
            return
        owner = parent if parent is not None and shiboken6.isValid(parent) else None
        show_error(owner, title, describe_error(exc))

    tasks.run(write, on_done, failed)


def rename_feed_dialog(
    parent: QWidget | None,
    library: Library,
    tasks: Tasks,
    feed: Feed | int,
    on_done: Callable[[Changes], None] | None = None,
) -> QInputDialog:
    """Ask for the feed's new name (empty: back to the feed's own title), then rename.

    Opens window-modal without blocking and returns the prompt; ``on_done(Changes)`` runs
    after the rename is stored.
    """
    feed = library.feed(feed.id if isinstance(feed, Feed) else feed)
    prompt = QInputDialog(parent)
    prompt.setWindowTitle("Rename Feed")
    prompt.setLabelText("Name shown for this feed (empty: use the feed's own title):")
    prompt.setTextValue(feed.user_title or feed.title or "")
    prompt.setMinimumWidth(420)

    def chosen(text: str) -> None:
        title = text.strip() or None
        unchanged = title == feed.user_title or (feed.user_title is None and title == feed.title)
        if unchanged:
            return
        _run_write(
            parent, tasks, lambda: library.rename_feed(feed.id, title), "Rename Failed", on_done
        )

    prompt.textValueSelected.connect(chosen)
    prompt.finished.connect(prompt.deleteLater)
    prompt.open()
    return prompt


def edit_tags_dialog(
    parent: QWidget | None,
    library: Library,
    tasks: Tasks,
    feed: Feed | int,
    on_done: Callable[[Changes], None] | None = None,
) -> QInputDialog:
    """Ask for the feed's tags (comma-separated, completed from the existing ones), then
    tag and untag to match. Non-blocking like ``rename_feed_dialog``."""
    feed = library.feed(feed.id if isinstance(feed, Feed) else feed)
    prompt = QInputDialog(parent)
    # The feed's title goes in the window title, which is always plain text; the prompt's
    # label could take a title for rich text.
    prompt.setWindowTitle(f"Edit Tags: {feed.display_title}"[:120])
    prompt.setLabelText("Tags, separated by commas (a / nests them: Tech/Linux):")
    prompt.setTextValue(format_tags(feed.tags))
    prompt.setMinimumWidth(420)
    edit = prompt.findChild(QLineEdit)
    if edit is not None:
        edit.setCompleter(TagCompleter((t.name for t in library.tags()), edit))

    def chosen(text: str) -> None:
        try:
            tags = parse_tags(text)
        except InvalidTagError as exc:
            owner = parent if parent is not None and shiboken6.isValid(parent) else None
            show_error(owner, "Edit Tags", describe_error(exc))
            return
        add = tuple(t for t in tags if t not in feed.tags)
        remove = tuple(t for t in feed.tags if t not in tags)
        if not (add or remove):
            return

        def write() -> Changes:
            changes = Changes()
            if add:
                changes |= library.tag_feed(feed.id, add)
            if remove:
                changes |= library.untag_feed(feed.id, remove)
            return changes

        _run_write(parent, tasks, write, "Edit Tags", on_done)

    prompt.textValueSelected.connect(chosen)
    prompt.finished.connect(prompt.deleteLater)
    prompt.open()
    return prompt
