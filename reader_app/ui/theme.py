"""Light and dark colours for the window, following the desktop unless the user chose.

Qt 6.5+ reports the desktop's colour scheme (``QStyleHints.colorScheme``) and its changes.
Fusion is used everywhere so a dark palette looks right on every platform; the palette is
built here rather than left to the platform theme because several Linux platform themes
report "dark" but hand out a light palette.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

CHOICES = ("system", "light", "dark")


def system_is_dark() -> bool:
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        return False
    return app.styleHints().colorScheme() == Qt.ColorScheme.Dark


def dark_palette() -> QPalette:
    palette = QPalette()
    window = QColor(0x2B, 0x2D, 0x31)
    base = QColor(0x1F, 0x20, 0x23)
    text = QColor(0xE6, 0xE6, 0xE6)
    disabled = QColor(0x80, 0x80, 0x80)
    highlight = QColor(0x3D, 0x7A, 0xD6)
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        palette.setColor(group, QPalette.ColorRole.Window, window)
        palette.setColor(group, QPalette.ColorRole.WindowText, text)
        palette.setColor(group, QPalette.ColorRole.Base, base)
        palette.setColor(group, QPalette.ColorRole.AlternateBase, QColor(0x26, 0x28, 0x2B))
        palette.setColor(group, QPalette.ColorRole.ToolTipBase, QColor(0x33, 0x35, 0x3A))
        palette.setColor(group, QPalette.ColorRole.ToolTipText, text)
        palette.setColor(group, QPalette.ColorRole.PlaceholderText, QColor(0x9A, 0x9A, 0x9A))
        palette.setColor(group, QPalette.ColorRole.Text, text)
        palette.setColor(group, QPalette.ColorRole.Button, QColor(0x35, 0x37, 0x3C))
        palette.setColor(group, QPalette.ColorRole.ButtonText, text)
        palette.setColor(group, QPalette.ColorRole.BrightText, QColor(0xFF, 0x6B, 0x6B))
        palette.setColor(group, QPalette.ColorRole.Link, QColor(0x7A, 0xB7, 0xFF))
        palette.setColor(group, QPalette.ColorRole.LinkVisited, QColor(0xB8, 0x9C, 0xFF))
        palette.setColor(group, QPalette.ColorRole.Highlight, highlight)
        palette.setColor(group, QPalette.ColorRole.HighlightedText, QColor(0xFF, 0xFF, 0xFF))
        palette.setColor(group, QPalette.ColorRole.Mid, QColor(0x44, 0x46, 0x4B))
        palette.setColor(group, QPalette.ColorRole.Dark, QColor(0x18, 0x19, 0x1B))
        palette.setColor(group, QPalette.ColorRole.Light, QColor(0x4A, 0x4C, 0x52))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Base, window)
    return palette


def apply_theme(app: QApplication, choice: str) -> bool:
    """Set Fusion and the palette for ``choice`` ("system", "light" or "dark"); returns
    whether the result is dark."""
    dark = choice == "dark" or (choice == "system" and system_is_dark())
    style = QStyleFactory.create("Fusion")
    if style is not None:
        app.setStyle(style)
    app.setPalette(dark_palette() if dark else style.standardPalette() if style else QPalette())
    return dark


def is_dark(palette: QPalette) -> bool:
    """Whether text is lighter than its background: what stylesheets follow."""
    return (
        palette.color(QPalette.ColorRole.Base).lightness()
        < palette.color(QPalette.ColorRole.Text).lightness()
    )
