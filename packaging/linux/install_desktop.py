#!/usr/bin/env python3
"""Put reader-app in the desktop's application menu: desktop entry, icon and AppStream metainfo.

Run it with the Python of the environment reader-app is installed in, so that the menu item
starts that environment's ``reader-app`` by its absolute path (a virtual environment's ``bin``
is usually not on the desktop session's ``PATH``)::

    .venv/bin/python packaging/linux/install_desktop.py              # into ~/.local/share
    .venv/bin/python packaging/linux/install_desktop.py --uninstall

Files installed under ``PREFIX/share`` (``$XDG_DATA_HOME``, else ``~/.local/share``, when no
``--prefix`` is given):

- ``applications/io.github.reader_app.ReaderApp.desktop``, with ``Exec=`` and ``TryExec=``
  pointing at the absolute path of ``reader-app``;
- ``icons/hicolor/scalable/apps/io.github.reader_app.ReaderApp.svg``;
- ``metainfo/io.github.reader_app.ReaderApp.metainfo.xml``.

The files come from the checkout's ``resources/`` folder, or from the installed package
``reader_app.resources`` when this script is run outside a checkout. Only the standard library
is used, so any Python 3.11+ can run it.

Afterwards ``update-desktop-database`` and ``gtk-update-icon-cache`` refresh the menu's and the
icon theme's caches when they are installed (Debian packages desktop-file-utils and
gtk-update-icon-cache). Those caches index whole folders, other applications' files included,
so ``--uninstall`` refreshes them too rather than deleting them.

Exit status: 0 done (or nothing to do); 1 failed, with the reason on standard error (a refusal
to replace or remove a file that is not ours changes nothing); 2 bad usage.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

APP_ID = "io.github.reader_app.ReaderApp"
COMMAND = "reader-app"  # the console script in pyproject.toml
DESKTOP_SOURCE = f"{APP_ID}.desktop"
METAINFO_SOURCE = f"{APP_ID}.metainfo.xml"
ICON_SOURCE = "reader-app.svg"

# Where a source checkout keeps these files: packaging/linux/ -> the repository -> resources/.
CHECKOUT_RESOURCES = Path(__file__).resolve().parents[2] / "resources"

# Desktop Entry Specification, "The Exec key": an argument containing one of these must be
# quoted, and inside quotes these four must be escaped with a backslash.
_RESERVED = frozenset(" \t\n\"'\\><~|&;$*?#()`")
_ESCAPED_IN_QUOTES = frozenset('"`$\\')
_EXEC_LINE = re.compile(r"^(?P<key>Exec|TryExec)[ \t]*=[ \t]*(?P<value>.*)$")
_CACHE_TIMEOUT = 120.0  # seconds; these tools take well under one on a normal icon theme

EXIT_FAILED = 1


class InstallError(Exception):
    """A problem the user can fix; the message names it, and nothing has been changed."""


@dataclass(frozen=True, slots=True)
class Target:
    """One file this script owns: where it goes, what it contains, what to call it."""

    path: Path
    content: bytes
    description: str
    is_entry: bool = False  # the desktop entry, whose Exec differs between environments


# --- where things are ---------------------------------------------------------------------------


def read_resources() -> dict[str, bytes]:
    """The three desktop files, from the checkout if this script sits in one, else the package."""
    names = (DESKTOP_SOURCE, METAINFO_SOURCE, ICON_SOURCE)
    if (CHECKOUT_RESOURCES / DESKTOP_SOURCE).is_file():
        missing = [name for name in names if not (CHECKOUT_RESOURCES / name).is_file()]
        if missing:
            raise InstallError(f"{CHECKOUT_RESOURCES} lacks {', '.join(missing)}")
        return {name: (CHECKOUT_RESOURCES / name).read_bytes() for name in names}
    from importlib.resources import files

    try:
        root = files("reader_app.resources")
        return {name: (root / name).read_bytes() for name in names}
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise InstallError(
            f"cannot find reader-app's desktop files: this script is not in a reader-app "
            f"checkout (no {CHECKOUT_RESOURCES}) and {sys.executable} has no installed "
            f"reader_app.resources ({exc}); run it with the Python of the environment "
            f"reader-app is installed in"
        ) from exc


def find_command() -> Path:
    """The absolute path of this environment's ``reader-app`` script.

    Looked for next to the interpreter first (a virtual environment's ``bin``), then in the
    interpreter's scripts folder, then on ``PATH``. ``sys.executable`` is deliberately not
    resolved: in a virtual environment it is a symlink to the base Python, whose folder does
    not hold the environment's scripts.
    """
    candidates = [
        Path(os.path.abspath(sys.executable)).parent / COMMAND,
        Path(sysconfig.get_path("scripts")) / COMMAND,
    ]
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(COMMAND)
    if found is not None:
        return Path(os.path.abspath(found))
    raise InstallError(
        f"cannot find the {COMMAND} script next to {sys.executable} nor on PATH; install "
        f"reader-app into this environment first (pip install .), or run this script with "
        f"the Python of the environment it is installed in"
    )


def data_home(prefix: str | None) -> Path:
    """``PREFIX/share``, or the user's data folder as the XDG Base Directory spec defines it."""
    if prefix is not None:
        return Path(prefix).expanduser().absolute() / "share"
    xdg = os.environ.get("XDG_DATA_HOME", "")
    # The spec says a relative value is invalid and must be ignored.
    if xdg and Path(xdg).is_absolute():
        return Path(xdg)
    return Path.home() / ".local" / "share"


def desktop_search_path() -> list[Path]:
    """The folders desktops read ``applications/`` from (XDG Base Directory defaults)."""
    dirs = [data_home(None)]
    system = os.environ.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share"
    dirs += [Path(part) for part in system.split(":") if part]
    return dirs


# --- the desktop entry --------------------------------------------------------------------------


def _escape_string(value: str) -> str:
    r"""The spec's escaping for values of type string (``\\`` for a backslash)."""
    return value.replace("\\", "\\\\")


def exec_program(path: Path) -> str:
    """``path`` as the program of an ``Exec=`` value, quoted if it must be.

    Readers undo the string escapes first and the quoting second, so the quoting is applied
    first and the string escapes last (a backslash ends up as four).
    """
    text = str(path)
    _check_path(text)
    if any(char in _RESERVED for char in text):
        text = '"' + "".join("\\" + c if c in _ESCAPED_IN_QUOTES else c for c in text) + '"'
    return _escape_string(text)


def _check_path(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InstallError(f"{text!r} is not valid UTF-8, which desktop entries require") from exc
    if any(ord(char) < 32 or ord(char) == 127 for char in text):
        raise InstallError(f"{text!r} contains a control character; a desktop entry cannot hold it")
    if "=" in text:
        # "The name or path of the executable program may not contain the equal sign."
        raise InstallError(
            f"{text} contains '=', which the program of a desktop entry may not; "
            f"install reader-app in a folder whose path has no '='"
        )
    if "%" in text:
        # The spec would write it as "%%", but GLib (GNOME, Xfce, Cinnamon menus) looks the
        # program up before expanding field codes and then drops the entry as not installed.
        raise InstallError(
            f"{text} contains '%', which GLib-based desktops cannot start from a menu entry; "
            f"install reader-app in a folder whose path has no '%'"
        )


def desktop_entry(template: str, command: Path) -> str:
    """The desktop entry with ``Exec=`` and ``TryExec=`` starting ``command`` by absolute path.

    ``TryExec`` matters as much as ``Exec``: desktops hide an entry whose ``TryExec`` program
    is not found, and a bare ``reader-app`` is looked up on the session's ``PATH``.
    """
    lines = template.splitlines(keepends=True)
    rewritten = 0
    for index, line in enumerate(lines):
        match = _EXEC_LINE.match(line.rstrip("\r\n"))
        if match is None:
            continue
        key, value = match["key"], match["value"]
        program, _, arguments = value.partition(" ")
        if program != COMMAND:
            raise InstallError(f"the desktop entry's {key}={value} does not start {COMMAND}")
        if key == "Exec":
            new_value = exec_program(command) + (" " + arguments if arguments else "")
        else:
            _check_path(str(command))
            new_value = _escape_string(str(command))
        lines[index] = f"{key}={new_value}" + line[len(line.rstrip("\r\n")) :]
        rewritten += 1
    if rewritten == 0:
        raise InstallError(f"the desktop entry {DESKTOP_SOURCE} has no Exec= line")
    return "".join(lines)


def _without_exec(text: str) -> str:
    """The entry with its ``Exec``/``TryExec`` values blanked: equal for any environment."""
    return "".join(
        f"{match['key']}=\n" if (match := _EXEC_LINE.match(line.rstrip("\r\n"))) else line
        for line in text.splitlines(keepends=True)
    )


def _exec_value(data: bytes) -> str | None:
    for line in data.decode("utf-8", errors="replace").splitlines():
        match = _EXEC_LINE.match(line)
        if match is not None and match["key"] == "Exec":
            return match["value"]
    return None


# --- what to install ----------------------------------------------------------------------------


def targets(share: Path, resources: dict[str, bytes], desktop: bytes) -> list[Target]:
    return [
        Target(share / "applications" / f"{APP_ID}.desktop", desktop, "desktop entry", True),
        Target(
            share / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg",
            resources[ICON_SOURCE],
            "icon",
        ),
        Target(share / "metainfo" / METAINFO_SOURCE, resources[METAINFO_SOURCE], "metainfo"),
    ]


def _existing(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _ours(target: Target, existing: bytes) -> bool:
    """Whether ``existing`` is what this script installs (for any environment's reader-app)."""
    if existing == target.content:
        return True
    if not target.is_entry:
        return False
    try:
        return _without_exec(existing.decode("utf-8")) == _without_exec(
            target.content.decode("utf-8")
        )
    except UnicodeDecodeError:
        return False


def _difference(target: Target, existing: bytes) -> str:
    old_exec = _exec_value(existing) if target.is_entry else None
    if old_exec is not None and _ours(target, existing):
        return f"starts another reader-app (Exec={old_exec})"
    return "differs from the one reader-app ships (edited by hand, or another version)"


# --- doing it -----------------------------------------------------------------------------------


def write_atomic(path: Path, content: bytes) -> None:
    """Replace ``path`` in one step: a reader sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    umask = os.umask(0o022)
    os.umask(umask)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes it 0600; menus read it as others
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def refresh_caches(share: Path, *, dry_run: bool) -> None:
    """Refresh the menu and icon caches of ``share``; a missing tool is reported, not an error."""
    commands = [
        ("update-desktop-database", ["-q", str(share / "applications")]),
        # -t: a user's hicolor folder has no index.theme; -f: rebuild even if it looks current.
        ("gtk-update-icon-cache", ["-q", "-t", "-f", str(share / "icons" / "hicolor")]),
    ]
    for tool, arguments in commands:
        program = shutil.which(tool)
        if program is None:
            print(f"{tool} not found: skipped (the desktop picks changes up at its next scan)")
            continue
        if dry_run:
            print(f"would run: {tool} {' '.join(arguments)}")
            continue
        print(f"running: {tool} {' '.join(arguments)}")
        try:
            result = subprocess.run(  # noqa: S603  # a fixed tool found on PATH, fixed arguments
                [program, *arguments],
                capture_output=True,
                text=True,
                timeout=_CACHE_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            print(f"warning: {tool} failed: {exc}", file=sys.stderr)
            continue
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip()
            print(f"warning: {tool} exited with {result.returncode}: {detail}", file=sys.stderr)


def install(share: Path, *, force: bool, dry_run: bool) -> None:
    resources = read_resources()
    command = find_command()
    entry = desktop_entry(resources[DESKTOP_SOURCE].decode("utf-8"), command)
    plan = [(t, _existing(t.path)) for t in targets(share, resources, entry.encode("utf-8"))]
    refused = [(t, old) for t, old in plan if old is not None and old != t.content and not force]
    if refused:
        for target, existing in refused:
            print(
                f"error: {target.path} exists and {_difference(target, existing)}; "
                f"run again with --force to replace it",
                file=sys.stderr,
            )
        raise InstallError("nothing was installed")
    print(f"the menu item starts {command}")
    changed = False
    for target, old in plan:
        if old == target.content:
            print(f"up to date: {target.path}")
            continue
        verb, done = ("install", "installed") if old is None else ("replace", "replaced")
        if dry_run:
            print(f"would {verb} {target.description}: {target.path}")
            continue
        write_atomic(target.path, target.content)
        print(f"{done} {target.description}: {target.path}")
        changed = True
    if changed or dry_run:
        refresh_caches(share, dry_run=dry_run)
    if not any(share == d for d in desktop_search_path()):
        print(
            f"note: desktops read menu entries from {', '.join(map(str, desktop_search_path()))}"
            f" ($XDG_DATA_HOME, $XDG_DATA_DIRS); {share} is not one of them"
        )


def uninstall(share: Path, *, force: bool, dry_run: bool) -> None:
    resources = read_resources()
    template = resources[DESKTOP_SOURCE]  # Exec values are ignored when comparing
    plan = [(t, _existing(t.path)) for t in targets(share, resources, template)]
    refused = [(t, old) for t, old in plan if old is not None and not _ours(t, old) and not force]
    if refused:
        for target, _old in refused:
            print(
                f"error: {target.path} is not the {target.description} reader-app installs "
                f"(edited by hand, or another version); run again with --force to remove it anyway",
                file=sys.stderr,
            )
        raise InstallError("nothing was removed")
    changed = False
    for target, old in plan:
        if old is None:
            print(f"not installed: {target.path}")
        elif dry_run:
            print(f"would remove {target.description}: {target.path}")
        else:
            target.path.unlink()
            print(f"removed {target.description}: {target.path}")
            changed = True
    if changed or (dry_run and any(old is not None for _t, old in plan)):
        refresh_caches(share, dry_run=dry_run)


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="install_desktop.py",
        description="Add reader-app to the desktop's application menu (or remove it).",
    )
    parser.add_argument(
        "--prefix",
        metavar="DIR",
        help="install under DIR/share (default: $XDG_DATA_HOME, else ~/.local/share)",
    )
    parser.add_argument("--uninstall", action="store_true", help="remove what this installs")
    parser.add_argument(
        "--force", action="store_true", help="replace (or remove) files that differ from ours"
    )
    parser.add_argument("--dry-run", action="store_true", help="print what would be done")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(sys.argv[1:] if argv is None else argv)
    share = data_home(args.prefix)
    action = uninstall if args.uninstall else install
    try:
        action(share, force=args.force, dry_run=args.dry_run)
    except InstallError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        # Permission denied under a system prefix, a folder where a file should be, disk full.
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main())
