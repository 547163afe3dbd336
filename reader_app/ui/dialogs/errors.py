"""How the window tells the user that something went wrong.

Two kinds of trouble, kept apart as DESIGN.md asks: problems of the environment or of what the
user gave us (a full disk, a file that is not OPML, a server that answers 404) get a message in
plain words saying what happened and what to do; anything else is a bug and gets ``BugDialog``,
with the traceback one click away and the log file named, so it can be reported.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from reader_app.domain.tags import InvalidTagError
from reader_app.errors import (
    FeedExistsError,
    FeedNotFoundError,
    FetchError,
    InvalidFeedUrlError,
    NoFeedFoundError,
    OpmlError,
    ParseError,
    ReaderAppError,
    SettingsError,
    StorageError,
)

log = logging.getLogger(__name__)

# Expected failures: everything a user can cause or an environment can break. Anything outside
# this tuple reaching a dialog is a bug and goes to BugDialog instead.
EXPECTED_ERRORS: tuple[type[BaseException], ...] = (ReaderAppError, OSError, ValueError)


def sentence(text: str) -> str:
    """Messages from the core start in lower case (they also end up mid-line in the CLI)."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?", ")")) else text + "."


def describe_error(exc: BaseException) -> str:
    """What went wrong, in plain words, for a label in a dialog.

    Each expected error says what happened first and then the core's own precise message,
    which names the URL, file or line.
    """
    detail = sentence(str(exc))
    if isinstance(exc, FeedExistsError):
        return f"You are already subscribed to this feed. {detail}"
    if isinstance(exc, InvalidFeedUrlError):
        return f"This address cannot be used for a feed. {detail}"
    if isinstance(exc, NoFeedFoundError):
        return detail  # already says "no feed at <url>: <why>"
    if isinstance(exc, FeedNotFoundError):
        return f"This feed no longer exists (it may have just been removed). {detail}"
    if isinstance(exc, FetchError):
        return f"The feed could not be downloaded. {detail}"
    if isinstance(exc, ParseError):
        return f"The address answered, but not with a feed that can be read. {detail}"
    if isinstance(exc, InvalidTagError):
        return f"A tag name is not valid. {detail}"
    if isinstance(exc, OpmlError):
        return f"The file cannot be imported; nothing was added. {detail}"
    if isinstance(exc, StorageError):
        return f"The library file could not be changed. {detail}"
    if isinstance(exc, SettingsError | ReaderAppError):
        return detail
    if isinstance(exc, UnicodeDecodeError):
        return f"The file is not text in the expected encoding (byte {exc.start})."
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc) or type(exc).__name__
        where = f" ({exc.filename})" if exc.filename else ""
        return f"The system refused{where}: {sentence(reason)}"
    return detail or type(exc).__name__


def show_error(
    parent: QWidget | None, title: str, message: str, details: str | None = None
) -> QMessageBox:
    """Tell the user about a problem of the environment: what happened and what to do.

    With a parent window the box is window-modal but does not block the caller (``open``,
    not ``exec``), so a callback arriving from a worker thread can show it without nesting
    event loops. Without one (no window yet, e.g. the library cannot be opened at start-up)
    it blocks until dismissed, since there may be no running event loop to keep it on screen.
    The text is plain: a message may quote a feed title or a file name.
    """
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(message)
    if details:
        box.setDetailedText(details)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    if parent is None:
        box.exec()
        return box
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def confirm_remove_feed(parent: QWidget | None, title: str) -> bool:
    """Ask before unsubscribing; True when the user confirmed. Cancel is the default."""
    return confirm_destructive(
        parent,
        title="Unsubscribe",
        question=f"Unsubscribe from “{title}”?",
        detail="The feed and all its articles, starred ones included, will be deleted from "
        "this computer.",
        action="Unsubscribe",
    )


def confirm_destructive(
    parent: QWidget | None, *, title: str, question: str, detail: str, action: str
) -> bool:
    """Ask before something that cannot be undone; True when the user pressed ``action``.
    Cancel is the default and Escape's button. Plain text: ``question`` may quote a feed's
    or the user's own text, never to be read as markup."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(question)
    box.setInformativeText(detail)
    confirm = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is confirm


def plain_label(text: str = "", *, selectable: bool = True) -> QLabel:
    """A word-wrapped label that never interprets its text as HTML (it may quote a feed)."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def dim(label: QLabel) -> QLabel:
    """Show a label's text as secondary (hints, descriptions, file paths).

    The palette's placeholder colour follows light and dark themes, and unlike a disabled
    label the text can still be selected.
    """
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def fit_height(dialog: QWidget) -> None:
    """Make ``dialog`` as tall as its content needs at its current width.

    For dialogs whose messages appear and go: ``adjustSize`` would also change the width the
    user chose, and a plain size hint ignores how word-wrapped text reflows.
    """
    layout = dialog.layout()
    if layout is None:
        return
    layout.activate()
    width = dialog.width()
    if layout.hasHeightForWidth():
        height = layout.totalHeightForWidth(width)
    else:
        height = layout.totalMinimumSize().height()
    dialog.resize(width, max(height, dialog.minimumHeight()))


def format_exception(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)).rstrip()


class BugDialog(QDialog):
    """An unexpected exception: a short apology, the traceback behind "Details", Copy.

    ``error`` is the exception (its traceback becomes the details) or the details text
    itself. The log file is named so the user knows where the same record is kept.
    """

    def __init__(
        self,
        error: BaseException | str,
        log_file: Path | None = None,
        parent: QWidget | None = None,
        *,
        summary: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Unexpected Error")
        if isinstance(error, BaseException):
            details = format_exception(error)
            if summary is None:
                summary = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        else:
            details = error
        self._details = details

        icon = QLabel()
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_MessageBoxIconSize, None, self)
        icon.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical).pixmap(size)
        )
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)

        text = (
            "Something went wrong inside the app. This is a bug, not something you did. "
            "Your feeds and articles are safe; you can go on using the app, or restart it if "
            "something looks wrong."
        )
        message = plain_label(text, selectable=False)
        if summary is None:
            # A traceback's last line names the exception: enough to recognise it at a glance.
            lines = details.strip().splitlines()
            summary = lines[-1] if lines else ""
        self.summary_label = plain_label(summary)
        font = self.summary_label.font()
        font.setBold(True)
        self.summary_label.setFont(font)
        where = (
            f"The details are also written to the log file:\n{log_file}"
            if log_file is not None
            else "Please include the details when you report it."
        )
        self.log_label = plain_label(where)

        self.details_view = QPlainTextEdit(details)
        self.details_view.setReadOnly(True)
        self.details_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details_view.setMinimumHeight(220)
        self.details_view.hide()

        buttons = self._buttons()

        texts = QVBoxLayout()
        texts.addWidget(message)
        texts.addWidget(self.summary_label)
        texts.addWidget(self.log_label)
        top = QHBoxLayout()
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(texts, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.details_view, 1)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)

    def _buttons(self) -> QDialogButtonBox:
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.details_button = QPushButton("Show Details")
        self.details_button.setCheckable(True)
        self.details_button.toggled.connect(self._toggle_details)
        self.copy_button = QPushButton("Copy Details")
        self.copy_button.clicked.connect(self.copy_details)
        buttons.addButton(self.details_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        return buttons

    @property
    def details(self) -> str:
        return self._details

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self._details)
        self.copy_button.setText("Copied")

    def _toggle_details(self, shown: bool) -> None:
        self.details_view.setVisible(shown)
        self.details_button.setText("Hide Details" if shown else "Show Details")
        fit_height(self)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        fit_height(self)  # the width is known now, so wrapped text gets its real height
