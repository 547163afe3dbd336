"""The package list in pyproject.toml is kept by hand: check it against the folders."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_folder_is_listed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "reader_app").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert found - listed == set()
    assert "reader_app.resources" in listed
    assert config["tool"]["setuptools"]["package-dir"]["reader_app.resources"] == "resources"
