"""The About box: what the app is, which version, under which licence, and where it keeps its
files (the paths are selectable, since they are what a bug report or a backup needs)."""

from __future__ import annotations

import platform

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QIcon, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from reader_app import APP_TITLE, __version__
from reader_app.paths import AppPaths
from reader_app.ui.dialogs.errors import fit_height
from reader_app.ui.resources import resource_path

DESCRIPTION = (
    "A fast, keyboard-driven, private news reader for RSS, Atom and JSON Feed. "
    "Your subscriptions and articles stay on this computer: no account, no tracking."
)
LICENCE = "Free software under the MIT licence."


def app_icon() -> QIcon:
    """The application icon (an empty icon if the resources folder is missing)."""
    path = resource_path("reader-app.svg")
    return QIcon(str(path)) if path.is_file() else QIcon()


def _selectable(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setCursor(Qt.CursorShape.IBeamCursor)
    return label


class AboutDialog(QDialog):
    def __init__(self, paths: AppPaths, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_TITLE}")

        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(64, 64))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)

        name = QLabel(APP_TITLE)
        font = name.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        name.setFont(font)
        self.version_label = _selectable(f"Version {__version__}")
        description = _selectable(DESCRIPTION)
        licence = _selectable(LICENCE)

        heading = QVBoxLayout()
        heading.addWidget(name)
        heading.addWidget(self.version_label)
        heading.addSpacing(6)
        heading.addWidget(description)
        heading.addWidget(licence)
        top = QHBoxLayout()
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addSpacing(12)
        top.addLayout(heading, 1)

        self.data_label = _selectable(str(paths.data_dir))
        self.log_label = _selectable(str(paths.log_file))
        files = QFormLayout()
        files.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        files.addRow("Data folder:", self.data_label)
        files.addRow("Settings file:", _selectable(str(paths.settings_file)))
        files.addRow("Log file:", self.log_label)
        files.addRow(
            "Running on:",
            _selectable(
                f"Python {platform.python_version()}, Qt {qVersion()}, "
                f"PySide6 {PySide6.__version__}"
            ),
        )

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addSpacing(8)
        layout.addLayout(files)
        layout.addWidget(buttons)
        self.setMinimumWidth(500)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        fit_height(self)  # the width is known now, so wrapped text gets its real height


def show_about(parent: QWidget | None, paths: AppPaths) -> AboutDialog:
    """Open the About box without blocking; it deletes itself when closed."""
    dialog = AboutDialog(paths, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
