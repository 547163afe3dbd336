"""What the window offers when its library file is damaged: never an empty library in its
place, but the newest good backup, or what can still be read copied into a new file.

Either way the damaged file is moved aside (``<name>.replaced-<time>``), never deleted.
This runs before the window exists, so the work is done here, with a busy cursor: a restore
copies one file, a recovery reads every row once (seconds for a large library).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from reader_app.errors import DatabaseDamagedError, ReaderAppError
from reader_app.paths import AppPaths
from reader_app.storage.backup import latest_good_backup, recover, restore_backup, stamp
from reader_app.ui.dialogs.errors import show_error

log = logging.getLogger(__name__)

RESTORE = "Restore the Newest Good Backup"
RECOVER = "Recover Into a New File"
QUIT = "Quit"


def offer_repair(
    paths: AppPaths, damage: DatabaseDamagedError, parent: QWidget | None = None
) -> bool:
    """Ask what to do with the damaged library and do it; True when a repaired library is
    in place (open it again), False when the user quit or the repair failed (said so)."""
    database = paths.database
    try:
        backup = latest_good_backup(database, paths.backup_dir)
    except OSError as exc:  # an unreadable backup folder: offer recovery only
        log.warning("cannot look for backups in %s: %s", paths.backup_dir, exc)
        backup = None
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("The library is damaged")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(f"The library file {database} is damaged and cannot be used as it is.")
    where = (
        f"The newest good backup is from {backup.made_at.astimezone():%Y-%m-%d %H:%M}."
        if backup is not None
        else f"There is no good backup in {paths.backup_dir}."
    )
    box.setInformativeText(
        f"{where}\n\nRecovering copies every feed, tag and article that can still be read "
        "into a new file. Either way the damaged file is kept beside it, renamed."
    )
    box.setDetailedText("\n".join(damage.problems) or str(damage))
    restore = box.addButton(RESTORE, QMessageBox.ButtonRole.AcceptRole) if backup else None
    recovery = box.addButton(RECOVER, QMessageBox.ButtonRole.AcceptRole)
    quit_button = box.addButton(QUIT, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(restore or recovery)
    box.setEscapeButton(quit_button)
    box.exec()
    chosen = box.clickedButton()
    if chosen is None or chosen is quit_button:
        return False
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        if chosen is restore and backup is not None:
            moved = restore_backup(backup.path, database)
            done = f"The backup of {backup.made_at.astimezone():%Y-%m-%d %H:%M} is in place."
        else:
            target = database.with_name(
                f"{database.stem}-recovered-{stamp(datetime.now(UTC))}{database.suffix}"
            )
            report = recover(database, target)
            moved = restore_backup(target, database)
            done = (
                f"Recovered {report.copied.get('feeds', 0):,} feeds and "
                f"{report.copied.get('entries', 0):,} articles into {target}, now in use."
            )
    except (ReaderAppError, OSError) as exc:
        QApplication.restoreOverrideCursor()
        show_error(parent, "The library could not be repaired", f"{exc}\n\nNothing was deleted.")
        return False
    QApplication.restoreOverrideCursor()
    kept = "\n".join(str(path) for path in moved if _is_main_file(path)) or "—"
    QMessageBox.information(
        parent, "The library was repaired", f"{done}\n\nThe damaged file was kept as:\n{kept}"
    )
    return True


def _is_main_file(path: Path) -> bool:
    return not path.name.endswith(("-wal", "-shm"))
