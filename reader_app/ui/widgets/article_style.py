"""The article stylesheet: ``resources/article.css`` in the colours of the current palette."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QColor, QPalette

from reader_app.ui.resources import resource_path


@cache
def _stylesheet_template() -> str:
    return resource_path("article.css").read_text(encoding="utf-8")


def _mix(a: QColor, b: QColor, amount: float) -> QColor:
    """``a`` moved ``amount`` (0..1) of the way towards ``b``."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * amount),
        round(a.green() + (b.green() - a.green()) * amount),
        round(a.blue() + (b.blue() - a.blue()) * amount),
    )


def article_stylesheet(palette: QPalette) -> str:
    """``resources/article.css`` with the palette's colours filled in."""
    text = palette.color(QPalette.ColorRole.Text)
    base = palette.color(QPalette.ColorRole.Base)
    colours = {
        "text": text,
        "muted": _mix(text, base, 0.4),
        "link": palette.color(QPalette.ColorRole.Link),
        "code-bg": _mix(base, text, 0.07),
        "border": _mix(base, text, 0.25),
    }
    css = _stylesheet_template()
    for name, colour in colours.items():
        css = css.replace(f"@{name}@", colour.name())
    return css
