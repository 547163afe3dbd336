"""What an empty window shows instead of its lists: a welcome and the three ways to start.

A reader with no feeds has nothing to show, and an empty tree with an empty list tells a new
user nothing. This panel says what the app does and offers adding one feed, importing a
subscription list from another reader, or a starter set of well-known news sites.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from reader_app import APP_TITLE
from reader_app.ui.dialogs.about import app_icon

WELCOME = (
    "Follow news sites and blogs in one place. Subscribe to their feeds and the new "
    "articles come to you, ready to read here. Everything stays on this computer: "
    "no account, no tracking."
)

_CHOICES = (
    ("add", "Add Feed…", "Paste the address of a feed or of a website."),
    (
        "import",
        "Import OPML…",
        "Bring your subscriptions from another reader (an OPML file).",
    ),
    (
        "starter",
        "Add Starter Feeds",
        "About twenty well-known news, technology, science and Python sites; remove any later.",
    ),
)


class FirstRunPanel(QWidget):
    add_feed_requested = Signal()
    import_requested = Signal()
    starter_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunPanel")

        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(96, 96))
        icon.setAlignment(Qt.AlignmentFlag.AlignHCenter)

        title = QLabel(f"Welcome to {APP_TITLE}")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignHCenter)

        welcome = QLabel(WELCOME)
        welcome.setWordWrap(True)
        welcome.setAlignment(Qt.AlignmentFlag.AlignHCenter)

        grid = self._choices()

        # No alignment flags below: they make a layout use size hints instead of height for
        # width, and word-wrapped labels then get clipped. Stretches centre the column.
        column = QWidget()
        column.setMinimumWidth(340)
        column.setMaximumWidth(580)
        column.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        inner = QVBoxLayout(column)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addWidget(icon)
        inner.addSpacing(8)
        inner.addWidget(title)
        inner.addSpacing(4)
        inner.addWidget(welcome)
        inner.addSpacing(20)
        inner.addLayout(grid)

        centre = QHBoxLayout()
        centre.addStretch(1)
        centre.addWidget(column, 10)
        centre.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 24, 24, 24)
        outer.addStretch(1)
        outer.addLayout(centre)
        outer.addStretch(2)

    def _choices(self) -> QGridLayout:
        signals = {
            "add": self.add_feed_requested,
            "import": self.import_requested,
            "starter": self.starter_requested,
        }
        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(10)
        for row, (name, text, hint) in enumerate(_CHOICES):
            button = QPushButton(text)
            button.setMinimumWidth(170)
            button.clicked.connect(signals[name])
            self.buttons[name] = button
            explanation = QLabel(hint)
            explanation.setWordWrap(True)
            explanation.setBuddy(button)
            grid.addWidget(button, row, 0)
            grid.addWidget(explanation, row, 1)
        grid.setColumnStretch(1, 1)
        self.buttons["add"].setDefault(True)
        return grid

    @property
    def add_button(self) -> QPushButton:
        return self.buttons["add"]

    @property
    def import_button(self) -> QPushButton:
        return self.buttons["import"]

    @property
    def starter_button(self) -> QPushButton:
        return self.buttons["starter"]
