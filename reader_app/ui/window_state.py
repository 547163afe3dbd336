"""What the window remembers between runs that is not a setting: geometry, splitter sizes,
the last selection, the tag filter, expanded tags.

Kept in an INI file beside the settings (QSettings in INI format), so ``--data-dir`` keeps a
portable copy together and nothing goes to the registry or dconf.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings


class WindowState:
    def __init__(self, path: Path) -> None:
        self._settings = QSettings(str(path), QSettings.Format.IniFormat)

    def has(self, key: str) -> bool:
        return self._settings.contains(key)

    def bytes(self, key: str) -> QByteArray | None:
        value = self._settings.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_bytes(self, key: str, value: QByteArray) -> None:
        self._settings.setValue(key, value)

    def text(self, key: str, default: str = "") -> str:
        value = self._settings.value(key, default)
        return value if isinstance(value, str) else default

    def set_text(self, key: str, value: str) -> None:
        self._settings.setValue(key, value)

    def texts(self, key: str) -> list[str]:
        """A list of strings; stored one per line so a tag may hold a comma."""
        value = self._settings.value(key, "")
        if not isinstance(value, str) or not value:
            return []
        return [line for line in value.split("\n") if line]

    def set_texts(self, key: str, values: list[str]) -> None:
        self._settings.setValue(key, "\n".join(values))

    def sync(self) -> bool:
        """Write to disk; False when that failed (a full disk, a read-only folder)."""
        self._settings.sync()
        return self._settings.status() == QSettings.Status.NoError
