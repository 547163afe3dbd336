"""Files the window ships with (icons, the article stylesheet, the starter OPML).

They live in the project's top-level ``resources/`` folder, which is installed as the
``reader_app.resources`` package (see pyproject.toml), so a source checkout, an editable
install and a wheel all find them the same way.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

_SOURCE_DIR = Path(__file__).resolve().parents[2] / "resources"


def resource_path(name: str) -> Path:
    """The path of a bundled file, e.g. ``resource_path("article.css")``."""
    try:
        root = files("reader_app.resources")
    except ModuleNotFoundError:
        # Running from a checkout that was never installed (``python -m reader_app``).
        return _SOURCE_DIR / name
    with as_file(root / name) as path:
        # Installed packages are plain folders (never zipped), so the path stays valid.
        return Path(path)
