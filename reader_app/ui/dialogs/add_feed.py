"""The Add Feed dialog: an address in, a subscription out.

The address may be a feed or a web site: discovery (network, off the GUI thread) finds the
feed itself, the feeds a page announces, or none. Several found means the user chooses; none
found, or a server that refuses, is said in the dialog, which stays open so the address can
be corrected. Cancel works at every step.
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reader_app.domain import Feed, normalize_tag
from reader_app.domain.tags import InvalidTagError
from reader_app.domain.urls import is_feed_url
from reader_app.library import Library
from reader_app.ui.dialogs.errors import (
    EXPECTED_ERRORS,
    describe_error,
    dim,
    fit_height,
    plain_label,
)
from reader_app.ui.tasks import Tasks

if TYPE_CHECKING:
    # The network stack (httpx, feedparser) loads when discovery first runs, not at start-up.
    from reader_app.discovery import Discovery, FeedCandidate
    from reader_app.domain.sync import SyncOptions

log = logging.getLogger(__name__)


# --- tags fields (shared with the feed properties dialog) ------------------------------------


def parse_tags(text: str) -> tuple[str, ...]:
    """Comma-separated tag names, normalized, without duplicates, in the order typed.

    Raises ``InvalidTagError`` for a name that cannot be a tag (e.g. over 200 characters).
    """
    names: dict[str, None] = {}
    for piece in text.split(","):
        if piece.strip():
            names.setdefault(normalize_tag(piece), None)
    return tuple(names)


def format_tags(tags: Iterable[str]) -> str:
    return ", ".join(tags)


class TagCompleter(QCompleter):
    """Completes the tag being typed after the last comma, keeping the ones before it."""

    def __init__(self, tags: Iterable[str], parent: QWidget | None = None) -> None:
        super().__init__(sorted(set(tags), key=str.casefold), parent)
        self.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterMode(Qt.MatchFlag.MatchContains)

    def splitPath(self, path: str) -> list[str]:
        return [path.rsplit(",", 1)[-1].strip()]

    def pathFromIndex(self, index: QModelIndex | QPersistentModelIndex) -> str:
        completion = super().pathFromIndex(index)
        widget = self.widget()
        text = widget.text() if isinstance(widget, QLineEdit) else ""
        if "," not in text:
            return completion
        return text.rsplit(",", 1)[0].rstrip() + ", " + completion


def tags_edit(known_tags: Iterable[str], text: str = "") -> QLineEdit:
    """A line edit for comma-separated tags, completing from ``known_tags``."""
    edit = QLineEdit(text)
    edit.setPlaceholderText("Optional, separated by commas: News, Tech/Linux")
    edit.setCompleter(TagCompleter(known_tags, edit))
    edit.setClearButtonEnabled(True)
    return edit


# --- the dialog ------------------------------------------------------------------------------


# "scheme:" not followed by a digit: a port (example.org:8080) is not a scheme.
_OTHER_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?!\d)")


def url_from_text(text: str) -> str | None:
    """The feed URL the user means, or None while the text cannot be one.

    ``example.org/feed`` (no scheme) is taken as https, as browsers do; any other scheme
    than http(s) (or the old ``feed:``) is not a feed address.
    """
    text = text.strip()
    if not text or any(ch.isspace() for ch in text):
        return None
    if "://" not in text and not text.lower().startswith("feed:"):
        if _OTHER_SCHEME.match(text):  # mailto:a@b.org must not become https://mailto:a@b.org
            return None
        host = text.split("/", 1)[0]
        if "." not in host and not host.lower().startswith("localhost"):
            return None
        text = "https://" + text
    return text if is_feed_url(text) else None


class _State(enum.Enum):
    EDITING = "editing"
    DISCOVERING = "discovering"
    CHOOSING = "choosing"  # several feeds found: the list is shown
    CONFIRMING = "confirming"  # the server did not answer: add anyway?
    ADDING = "adding"


class AddFeedDialog(QDialog):
    """Subscribe to a feed found at an address.

    ``feed_added(Feed)`` is emitted once the subscription is stored, even if the user pressed
    Cancel while it was being stored (the library changed either way, so the window must
    refresh); the dialog then accepts unless it was cancelled. ``added_feed`` holds the result.
    """

    feed_added = Signal(object)

    def __init__(
        self,
        library: Library,
        tasks: Tasks,
        parent: QWidget | None = None,
        *,
        options: SyncOptions | None = None,
        url: str = "",
        tags: Iterable[str] = (),
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add Feed")
        self._library = library
        self._tasks = tasks
        self._options = options
        self._state = _State.EDITING
        self._job = 0  # bumped to disown a background result (new job, or Cancel)
        self._candidates: tuple[FeedCandidate, ...] = ()
        self._added_feed: Feed | None = None

        form = self._build_fields(url, tags)
        self._build_choice_and_status()

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.choice_label)
        layout.addWidget(self.candidate_list, 1)
        layout.addWidget(self.status_row)
        layout.addWidget(self.busy)
        layout.addStretch(0)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)
        self.resize(560, self.height())
        self._set_state(_State.EDITING)
        self.url_edit.setFocus()

    def _build_fields(self, url: str, tags: Iterable[str]) -> QFormLayout:
        self.url_edit = QLineEdit(url)
        self.url_edit.setPlaceholderText("https://example.org/feed.xml")
        self.url_edit.setClearButtonEnabled(True)
        self.url_edit.textChanged.connect(self._url_changed)
        url_hint = dim(plain_label("The address of a feed, or of a website that offers one."))
        url_field = QWidget()
        url_column = QVBoxLayout(url_field)
        url_column.setContentsMargins(0, 0, 0, 0)
        url_column.setSpacing(2)
        url_column.addWidget(self.url_edit)
        url_column.addWidget(url_hint)
        self.tags_edit = tags_edit((t.name for t in self._library.tags()), format_tags(tags))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        address = QLabel("&Address:")
        address.setBuddy(self.url_edit)
        form.addRow(address, url_field)
        form.addRow("&Tags:", self.tags_edit)
        return form

    def _build_choice_and_status(self) -> None:
        self.choice_label = QLabel()
        self.choice_label.setWordWrap(True)
        self.candidate_list = QTreeWidget()
        self.candidate_list.setColumnCount(2)
        self.candidate_list.setHeaderLabels(["Title", "Address"])
        self.candidate_list.setRootIsDecorated(False)
        self.candidate_list.setAllColumnsShowFocus(True)
        self.candidate_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.candidate_list.header().setStretchLastSection(True)
        self.candidate_list.header().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        self.candidate_list.itemDoubleClicked.connect(lambda *_: self.accept())
        self.candidate_list.currentItemChanged.connect(lambda *_: self._update_ok())
        self.candidate_list.setMinimumHeight(120)
        self.choice_label.hide()
        self.candidate_list.hide()

        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # no known end: an animated "working" bar
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(self.fontMetrics().height() // 2 + 4)
        self.busy.hide()
        self.status_label = plain_label()
        self.status_icon = QLabel()
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize, None, self)
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.status_icon.setPixmap(warning.pixmap(size))
        self.status_icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.status_row = QWidget()
        row = QHBoxLayout(self.status_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.status_icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.status_label, 1)
        self.status_row.hide()

    # --- public --------------------------------------------------------------------------

    @property
    def ok_button(self) -> QPushButton:
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert button is not None
        return button

    @property
    def cancel_button(self) -> QPushButton:
        button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        assert button is not None
        return button

    @property
    def added_feed(self) -> Feed | None:
        return self._added_feed

    @property
    def busy_now(self) -> bool:
        return self._state in (_State.DISCOVERING, _State.ADDING)

    @property
    def candidates(self) -> tuple[FeedCandidate, ...]:
        """The feeds offered for choice (empty unless several were found)."""
        return self._candidates if self._state is _State.CHOOSING else ()

    @property
    def status_text(self) -> str:
        """The progress or problem shown under the fields ("" when none)."""
        return self.status_label.text() if not self.status_row.isHidden() else ""

    def accept(self) -> None:
        """OK: look for feeds at the address, or add the one found or chosen."""
        if self.busy_now or not self.ok_button.isEnabled():
            return
        if self._state is _State.CHOOSING:
            chosen = self._chosen_candidate()
            if chosen is not None:
                self._add(chosen)
        elif self._state is _State.CONFIRMING and self._candidates:
            self._add(self._candidates[0])
        else:
            self._discover()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_height()

    def reject(self) -> None:
        self._job += 1  # whatever is still running no longer speaks to this dialog
        super().reject()

    # --- steps ---------------------------------------------------------------------------

    def _discover(self) -> None:
        url = url_from_text(self.url_edit.text())
        if url is None:
            return
        try:
            parse_tags(self.tags_edit.text())  # a bad tag is said before any network wait
        except InvalidTagError as exc:
            self._show_message(describe_error(exc))
            return
        job = self._next_job()
        self._set_state(_State.DISCOVERING, f"Looking for feeds at {url}…")
        library, options = self._library, self._options
        self._tasks.run(
            lambda: library.discover(url, options=options),
            lambda found: self._discovered(job, found),
            lambda exc: self._failed(job, exc, back_to=_State.EDITING),
        )

    def _discovered(self, job: int, discovery: Discovery) -> None:
        from reader_app.discovery import FoundBy

        if not self._current(job):
            return
        found = discovery.candidates
        self._candidates = found
        if len(found) == 1 and found[0].found_by is not FoundBy.UNCHECKED:
            self._add(found[0])
        elif len(found) == 1:
            note = found[0].note or "no answer"
            self._set_state(_State.CONFIRMING)
            self._show_message(
                f"The server did not answer ({note}), so the address could not be checked. "
                "You can add it anyway: the feed list will show the problem until the server "
                "answers.",
            )
        else:
            self._show_choice(found)

    def _add(self, candidate: FeedCandidate) -> None:
        try:
            tags = parse_tags(self.tags_edit.text())
        except InvalidTagError as exc:
            self._show_message(describe_error(exc))
            return
        back_to = self._state if self._state is _State.CHOOSING else _State.EDITING
        job = self._next_job()
        self._set_state(_State.ADDING, f"Adding {candidate.title or candidate.url}…")
        library = self._library
        self._tasks.run(
            lambda: library.add_feed(candidate.url, tags=tags, title=candidate.title),
            lambda feed: self._added(job, feed),
            lambda exc: self._failed(job, exc, back_to=back_to),
        )

    def _added(self, job: int, feed: Feed) -> None:
        if not shiboken6.isValid(self):
            return
        self._added_feed = feed
        self.feed_added.emit(feed)
        if self._current(job):
            super().accept()

    def _failed(self, job: int, exc: BaseException, *, back_to: _State) -> None:
        if not self._current(job):
            return
        if isinstance(exc, EXPECTED_ERRORS):
            message = describe_error(exc)
        else:
            # A bug: loud (the application's bug dialog and the log), and said here too.
            log.error("adding a feed failed unexpectedly", exc_info=exc)
            self._tasks.unhandled.emit(exc)
            message = "Something went wrong inside the app; the details are in the log."
        if back_to is not _State.CHOOSING:
            self._candidates = ()
        self._set_state(back_to)
        self._show_message(message)

    # --- helpers -------------------------------------------------------------------------

    def _next_job(self) -> int:
        self._job += 1
        return self._job

    def _current(self, job: int) -> bool:
        return shiboken6.isValid(self) and job == self._job

    def _show_choice(self, found: tuple[FeedCandidate, ...]) -> None:
        self.candidate_list.clear()
        for candidate in found:
            item = QTreeWidgetItem([candidate.title or "(untitled)", candidate.url])
            item.setToolTip(1, candidate.url)
            self.candidate_list.addTopLevelItem(item)
        first = self.candidate_list.topLevelItem(0)
        if first is not None:
            self.candidate_list.setCurrentItem(first)
        self.choice_label.setText(f"{len(found)} feeds were found at this address. Choose one:")
        self._set_state(_State.CHOOSING)
        self.candidate_list.setFocus()

    def _chosen_candidate(self) -> FeedCandidate | None:
        item = self.candidate_list.currentItem()
        if item is None:
            return None
        index = self.candidate_list.indexOfTopLevelItem(item)
        return self._candidates[index] if 0 <= index < len(self._candidates) else None

    def _url_changed(self, _text: str) -> None:
        # A new address makes what was found for the old one meaningless.
        if self._state in (_State.CHOOSING, _State.CONFIRMING):
            self._candidates = ()
            self._set_state(_State.EDITING)
        elif self._state is _State.EDITING:
            self.status_row.hide()
        self._update_ok()

    def _set_state(self, state: _State, message: str | None = None) -> None:
        self._state = state
        busy = state in (_State.DISCOVERING, _State.ADDING)
        self.busy.setVisible(busy)
        self.url_edit.setReadOnly(busy)
        self.tags_edit.setReadOnly(busy)
        # The list stays up while a chosen feed is being added, so a failure can pick again.
        choosing = state is _State.CHOOSING or (busy and len(self._candidates) > 1)
        self.choice_label.setVisible(choosing)
        self.candidate_list.setVisible(choosing)
        self.candidate_list.setEnabled(not busy)
        self.ok_button.setText("Add Anyway" if state is _State.CONFIRMING else "Add")
        if message is None:
            self.status_row.hide()
        else:
            self._show_message(message, problem=False)
        self._update_ok()
        self._fit_height()

    def _fit_height(self) -> None:
        """Shrink back when a message or the busy bar goes away (the list may keep its size)."""
        if self.candidate_list.isHidden():
            fit_height(self)

    def _show_message(self, message: str, *, problem: bool = True) -> None:
        self.status_label.setText(message)
        self.status_icon.setVisible(problem)
        self.status_row.show()
        self._fit_height()

    def _update_ok(self) -> None:
        if self.busy_now:
            enabled = False
        elif self._state is _State.CHOOSING:
            enabled = self.candidate_list.currentItem() is not None
        else:
            enabled = url_from_text(self.url_edit.text()) is not None
        self.ok_button.setEnabled(enabled)
