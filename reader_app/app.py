"""The composition root: paths, settings, logging and the library, wired once.

Nothing here is a singleton: ``AppContext`` is built by the entry point and passed down.
"""

from __future__ import annotations

import gc
import logging
import logging.handlers
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reader_app.library import Library
from reader_app.paths import AppPaths, resolve_paths
from reader_app.settings import Settings

if TYPE_CHECKING:
    from reader_app.sync import SyncOptions

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AppContext:
    paths: AppPaths
    settings: Settings
    warnings: tuple[str, ...]


@contextmanager
def log_to_file(paths: AppPaths, *, verbose: bool = False) -> Iterator[str | None]:
    """Log to a rotating file in the log folder while the block runs; the console gets only
    what a command prints. The handler is removed and closed afterwards.

    Yields a warning when the log file cannot be opened: the app runs on without a log rather
    than refusing to start over it.
    """
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    try:
        handler = logging.handlers.RotatingFileHandler(
            paths.log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError as exc:
        yield f"cannot write the log file {paths.log_file} ({exc.strerror or exc}); not logging"
        return
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    )
    root.addHandler(handler)
    try:
        yield None
    finally:
        root.removeHandler(handler)
        handler.close()


def settle_heap() -> None:
    """Collect once, then exempt every object alive now from later garbage collections.

    Called once a long-running process (the window) has imported everything and built its
    objects. Python's full collections walk every tracked object while holding the GIL: with
    Qt, SQLAlchemy and httpx loaded that is ~100,000 objects and 55-100 ms per pass, which
    stalls the window's event loop during a sync (tests/benchmarks/bench_stall.py measured
    75-220 ms stalls without this, under 45 ms with it). Objects frozen here live as long as
    the process anyway: modules, classes, the window.
    """
    gc.collect()
    gc.freeze()


def load_context(data_dir: Path | str | None) -> AppContext:
    """Resolve folders (creating them), read settings (never failing on a bad file)."""
    paths = resolve_paths(data_dir)
    paths.ensure()
    loaded = Settings.load(paths.settings_file)
    for warning in loaded.warnings:
        log.warning("%s", warning)
    return AppContext(paths=paths, settings=loaded.settings, warnings=loaded.warnings)


def sync_options(settings: Settings) -> SyncOptions:
    """The sync engine's knobs, from the settings table."""
    from reader_app.sync import SyncOptions

    return SyncOptions(
        default_interval_minutes=settings.get_int("sync.interval_minutes"),
        max_backoff_minutes=settings.get_int("sync.max_backoff_hours") * 60,
        max_connections=settings.get_int("sync.max_connections"),
        max_per_host=settings.get_int("sync.max_per_host"),
        request_timeout_seconds=settings.get_float("sync.request_timeout_seconds"),
        max_feed_bytes=settings.get_int("sync.max_feed_size_mb") * 1024 * 1024,
        parse_timeout_seconds=settings.get_float("sync.parse_timeout_seconds"),
    )


def open_library(context: AppContext) -> Library:
    return Library.open(context.paths.database, backup_dir=context.paths.backup_dir)
