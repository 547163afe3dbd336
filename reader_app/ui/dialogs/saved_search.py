"""Save a search, or edit a saved one: its name and its query, checked as they are typed.

The dialog only asks; the window's ``SavedSearchCommands`` does the write. A query the
parser cannot read is named with its column under the field, and a name already taken is
refused before the write, so OK is only enabled for something the library will accept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from reader_app.domain.saved_search import MAX_NAME_LENGTH, normalize_search_name
from reader_app.domain.search import SearchQuery
from reader_app.errors import SearchSyntaxError
from reader_app.ui.dialogs.errors import sentence

QUERY_HINT = (
    'Words, "phrases", -exclude, OR, feed:NAME, tag:TAG, is:unread, is:starred, '
    "before:DAY, after:DAY (2026-01-31, today, 7d, 2w)"
)


class SavedSearchDialog(QDialog):
    """Name and query of a saved search. ``parse`` reads a query (``Library.parse_search``);
    ``taken`` are the other saved searches' names."""

    def __init__(
        self,
        parse: Callable[[str], SearchQuery],
        taken: Iterable[str],
        parent: QWidget | None = None,
        *,
        name: str = "",
        query: str = "",
        editing: bool = False,
    ) -> None:
        super().__init__(parent)
        self._parse = parse
        self._taken = {n.casefold() for n in taken}
        self.setWindowTitle("Edit Saved Search" if editing else "Save Search")
        self.setMinimumWidth(480)

        intro = QLabel(
            "A saved search stays in the feed list with its unread count, "
            "and finds new articles as they arrive.",
            self,
        )
        intro.setWordWrap(True)
        self.name_edit = QLineEdit(name, self)
        self.name_edit.setMaxLength(MAX_NAME_LENGTH)
        self.name_edit.setPlaceholderText("How the feed list shows it")
        self.query_edit = QLineEdit(query, self)
        self.query_edit.setPlaceholderText("What to find")
        self.query_edit.setToolTip(QUERY_HINT)
        hint = QLabel(QUERY_HINT, self)
        hint.setWordWrap(True)
        hint.setTextFormat(Qt.TextFormat.PlainText)
        hint.setEnabled(False)  # drawn in the muted colour: help, not a message
        self.problem = QLabel(self)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setWordWrap(True)
        self.problem.setObjectName("problem")

        form = QFormLayout()
        form.addRow("&Name:", self.name_edit)
        form.addRow("&Search:", self.query_edit)
        form.addRow("", hint)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

        self.name_edit.textChanged.connect(self._check)
        self.query_edit.textChanged.connect(self._check)
        (self.query_edit if name and not query else self.name_edit).setFocus()
        self._check()

    def name(self) -> str:
        return normalize_search_name(self.name_edit.text())

    def query(self) -> str:
        return self.query_edit.text().strip()

    def _check(self) -> None:
        problem = self._problem()
        self.problem.setText(problem)
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setEnabled(self._fields_filled() and not problem)

    def _problem(self) -> str:
        """What stops saving, in words ("" when nothing does). An empty field is simply not
        filled in yet: it disables Save without a message."""
        if not self.query_edit.text().strip():
            return ""
        try:
            if self._parse(self.query_edit.text()).empty:
                return "Give words to find or a filter such as is:unread."
        except SearchSyntaxError as exc:
            return "The search cannot be read: " + sentence(str(exc))
        if not self.name_edit.text().strip():
            return ""
        try:
            name = self.name()
        except ValueError as exc:
            return sentence(str(exc))
        if name.casefold() in self._taken:
            return f"There is already a saved search named “{name}”."
        return ""

    def _fields_filled(self) -> bool:
        return bool(self.name_edit.text().strip() and self.query_edit.text().strip())

    def accept(self) -> None:
        if self._fields_filled() and not self._problem():
            super().accept()
