"""Where reader_app keeps its files.

By default the platform's own places (via platformdirs: XDG on Linux, ``~/Library`` on macOS,
``%APPDATA%``/``%LOCALAPPDATA%`` on Windows). One folder can hold everything instead, for a
portable install or a test run: ``--data-dir`` (passed in here as ``data_dir``) or the
``READER_APP_HOME`` environment variable, in that order.

Resolving is pure apart from reading the environment: nothing is created until ``ensure()``, so
``--help`` or a failing argument check never leaves empty folders behind.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from reader_app import APP_NAME
from reader_app.errors import StorageError

ENV_HOME = "READER_APP_HOME"


@dataclass(frozen=True, slots=True)
class AppPaths:
    """The four base directories and the files the app keeps in them."""

    config_dir: Path
    data_dir: Path
    cache_dir: Path
    log_dir: Path
    # True when everything lives under one folder (--data-dir / READER_APP_HOME), so the whole
    # state can be copied or deleted as one directory.
    portable: bool

    @property
    def database(self) -> Path:
        return self.data_dir / "library.sqlite3"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def backup_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def log_file(self) -> Path:
        return self.log_dir / f"{APP_NAME}.log"

    @property
    def image_cache_dir(self) -> Path:
        return self.cache_dir / "images"

    def ensure(self) -> None:
        """Create the base directories (and their parents) if they are missing.

        Raises ``StorageError`` naming the directory and the operating system's reason, so the
        user sees which folder to fix instead of a traceback.
        """
        for directory in (self.config_dir, self.data_dir, self.cache_dir, self.log_dir):
            try:
                # exist_ok only forgives an existing *directory*: a regular file in the way still
                # raises FileExistsError, which is what we want to report.
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                reason = exc.strerror or str(exc)
                raise StorageError(f"Cannot create the directory {directory}: {reason}") from exc


def resolve_paths(
    data_dir: Path | str | None = None, *, environ: Mapping[str, str] | None = None
) -> AppPaths:
    """Decide where the app's files go, without creating anything.

    Order: ``data_dir`` (from ``--data-dir``), then ``READER_APP_HOME`` in ``environ`` (default
    ``os.environ``), then the platform's directories. An empty ``data_dir`` or an empty variable
    counts as not given, as shells make ``VAR=`` easy to leave behind.
    """
    if environ is None:
        environ = os.environ
    if data_dir is not None and str(data_dir) != "":
        return _one_folder(data_dir)
    home = environ.get(ENV_HOME, "")
    if home:
        return _one_folder(home)
    dirs = platformdirs.PlatformDirs(appname=APP_NAME, appauthor=False)
    return AppPaths(
        config_dir=dirs.user_config_path,
        data_dir=dirs.user_data_path,
        cache_dir=dirs.user_cache_path,
        log_dir=dirs.user_log_path,
        portable=False,
    )


def _one_folder(folder: Path | str) -> AppPaths:
    # Absolute so that a later chdir (file dialogs, subprocesses) cannot move the database; not
    # resolved through symlinks, so a symlinked folder is shown to the user the way they typed it.
    root = Path(folder).expanduser().absolute()
    return AppPaths(
        config_dir=root / "config",
        data_dir=root,
        cache_dir=root / "cache",
        log_dir=root / "logs",
        portable=True,
    )
