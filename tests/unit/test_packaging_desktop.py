"""packaging/linux/install_desktop.py, run the way users run it: a real interpreter in a
subprocess, installing into a temporary prefix.

Where the freedesktop tools are installed (Debian packages: desktop-file-utils for
desktop-file-validate and update-desktop-database, gtk-update-icon-cache, and python3-gi for
GLib's own reading of the entry), the installed files go through them too.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from defusedxml import ElementTree

from reader_app import __version__

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "packaging" / "linux" / "install_desktop.py"
RESOURCES = ROOT / "resources"
APP_ID = "io.github.reader_app.ReaderApp"
DESKTOP = Path("share/applications") / f"{APP_ID}.desktop"
ICON = Path("share/icons/hicolor/scalable/apps") / f"{APP_ID}.svg"
METAINFO = Path("share/metainfo") / f"{APP_ID}.metainfo.xml"
# Indexes of whole folders that the cache tools write; the script refreshes them, never owns them.
CACHES = {Path("share/applications/mimeinfo.cache"), Path("share/icons/hicolor/icon-theme.cache")}
# A system Python that has GLib's bindings, to read the entry as GNOME's menus do.
SYSTEM_PYTHON = Path("/usr/bin/python3")


def run_script(
    *args: str | Path,
    python: str | Path = sys.executable,
    script: Path = SCRIPT,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), str(script), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


def installed(prefix: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = run_script("--prefix", prefix, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def tree(root: Path) -> dict[Path, bytes | None]:
    """Every file (with its bytes) and folder (None) under ``root``."""
    return {
        path.relative_to(root): path.read_bytes() if path.is_file() else None
        for path in root.rglob("*")
    }


def files(root: Path) -> dict[Path, bytes]:
    return {path: data for path, data in tree(root).items() if data is not None}


def desktop_entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


_STRING_ESCAPES = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}


def exec_argv(value: str) -> list[str]:
    """An ``Exec=`` value decoded as the Desktop Entry Specification says: string escapes,
    then quoting, then field codes; anything the spec forbids fails the test."""

    def unescape(match: re.Match[str]) -> str:
        assert match[1] in _STRING_ESCAPES, f"invalid escape \\{match[1]} in {value!r}"
        return _STRING_ESCAPES[match[1]]

    text = re.sub(r"\\(.)", unescape, value)
    argv: list[str] = []
    current: str | None = None
    chars = iter(text)
    for char in chars:
        if char == " ":
            if current is not None:
                argv.append(current)
            current = None
        elif char == '"':
            current = current or ""
            for inner in chars:
                if inner == '"':
                    break
                if inner == "\\":
                    escaped = next(chars)
                    assert escaped in '"`$\\', f"invalid quoted escape in {value!r}"
                    current += escaped
                else:
                    current += inner
            else:
                pytest.fail(f"unterminated quote in {value!r}")
        else:
            assert char not in "\t\n'\\><~|&;$*?#()`", f"unquoted {char!r} in {value!r}"
            current = (current or "") + char
    if current is not None:
        argv.append(current)
    assert all("%" not in arg.replace("%%", "") for arg in argv)  # the entry has no field codes
    return [arg.replace("%%", "%") for arg in argv]


def reader_app_script() -> Path:
    """The ``reader-app`` console script of the environment running the tests."""
    beside = Path(sys.executable).parent / "reader-app"
    found = str(beside) if beside.is_file() else shutil.which("reader-app")
    if found is None:
        pytest.skip("reader-app is not installed in this environment (pip install -e .)")
    return Path(found)


def fake_environment(folder: Path) -> Path:
    """A folder laid out like a virtual environment's ``bin``: a ``python`` and the real
    ``reader-app`` script, linked. Returns the python; the script runs with it."""
    folder.mkdir(parents=True)
    (folder / "reader-app").symlink_to(reader_app_script())
    (folder / "python").symlink_to(sys.executable)
    return folder / "python"


def validate(path: Path) -> None:
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        pytest.skip("desktop-file-validate is not installed (Debian: desktop-file-utils)")
    result = subprocess.run(
        [tool, str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in (result.stdout + result.stderr).lower()


_GLIB_READS = """
import sys
import gi
gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib
info = Gio.DesktopAppInfo.new_from_filename(sys.argv[1])
print(GLib.shell_parse_argv(info.get_commandline())[1][0] if info else "REJECTED", end="")
"""


def glib_program(path: Path) -> str:
    """The program GLib (GNOME's menus) would start for the entry, or ``REJECTED`` when GLib
    drops the entry (a ``TryExec`` or ``Exec`` program it cannot find)."""
    probe = [str(SYSTEM_PYTHON), "-c", "import gi"]
    if (
        not SYSTEM_PYTHON.is_file()
        or subprocess.run(probe, capture_output=True, timeout=60, check=False).returncode
    ):
        pytest.skip("no system Python with GLib's bindings (Debian: python3-gi)")
    result = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", _GLIB_READS, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def test_install_puts_the_three_files_in_place(tmp_path: Path) -> None:
    prefix = tmp_path / "prefix"
    installed(prefix)

    assert (prefix / ICON).read_bytes() == (RESOURCES / "reader-app.svg").read_bytes()
    assert (prefix / METAINFO).read_bytes() == (RESOURCES / METAINFO.name).read_bytes()
    entry = desktop_entry(prefix / DESKTOP)
    shipped = desktop_entry(RESOURCES / DESKTOP.name)
    rewritten = {"Exec", "TryExec"}
    assert {k: v for k, v in entry.items() if k not in rewritten} == {
        k: v for k, v in shipped.items() if k not in rewritten
    }
    # Menus read these files as other users; mkstemp alone would leave them private.
    umask = os.umask(0o022)
    os.umask(umask)
    for relative in (DESKTOP, ICON, METAINFO):
        assert (prefix / relative).stat().st_mode & 0o777 == 0o666 & ~umask
    assert set(files(prefix)) - CACHES == {DESKTOP, ICON, METAINFO}  # no temporary files left


def test_the_entry_starts_this_environments_reader_app_by_absolute_path(tmp_path: Path) -> None:
    prefix = tmp_path / "prefix"
    installed(prefix)
    entry = desktop_entry(prefix / DESKTOP)

    argv = exec_argv(entry["Exec"])
    program = Path(argv[0])
    assert argv == [argv[0]]  # the shipped entry passes no arguments
    assert program.is_absolute()
    assert program.name == "reader-app"
    assert program.is_file()
    assert os.access(program, os.X_OK)
    assert program.samefile(reader_app_script())
    # Desktops hide an entry whose TryExec program is missing, and look a bare name up on PATH.
    assert entry["TryExec"] == str(program)
    # It really is reader-app, and it runs.
    result = subprocess.run(
        [program, "--version"], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"reader-app {__version__}"


def test_the_entrys_icon_is_the_installed_icon(tmp_path: Path) -> None:
    prefix = tmp_path / "prefix"
    installed(prefix)
    icon_name = desktop_entry(prefix / DESKTOP)["Icon"]
    assert f"{icon_name}.svg" == ICON.name
    assert (prefix / ICON.parent / f"{icon_name}.svg").is_file()
    metainfo = ElementTree.parse(prefix / METAINFO).getroot()
    assert metainfo.findtext("icon[@type='stock']") == icon_name
    assert metainfo.findtext("launchable[@type='desktop-id']") == DESKTOP.name


def test_desktop_file_validate_accepts_the_installed_entry(tmp_path: Path) -> None:
    prefix = tmp_path / "prefix"
    installed(prefix)
    validate(prefix / DESKTOP)


def test_glib_finds_the_program_of_the_installed_entry(tmp_path: Path) -> None:
    prefix = tmp_path / "prefix"
    installed(prefix)
    assert Path(glib_program(prefix / DESKTOP)).samefile(reader_app_script())


def test_a_path_with_spaces_and_shell_characters_is_quoted_as_the_spec_says(
    tmp_path: Path,
) -> None:
    folder = tmp_path / 'my env "q" $HOME (1) \\ back`tick\'s' / "bin"
    python = fake_environment(folder)
    prefix = tmp_path / "prefix"
    result = run_script("--prefix", prefix, python=python)
    assert result.returncode == 0, result.stdout + result.stderr

    entry = desktop_entry(prefix / DESKTOP)
    assert exec_argv(entry["Exec"]) == [str(folder / "reader-app")]
    assert entry["TryExec"].replace("\\\\", "\\") == str(folder / "reader-app")
    validate(prefix / DESKTOP)
    assert glib_program(prefix / DESKTOP) == str(folder / "reader-app")


@pytest.mark.parametrize(("name", "reason"), [("100%", "'%'"), ("a=b", "'='")])
def test_a_path_a_menu_cannot_start_is_refused(tmp_path: Path, name: str, reason: str) -> None:
    python = fake_environment(tmp_path / name / "bin")
    prefix = tmp_path / "prefix"
    result = run_script("--prefix", prefix, python=python)
    assert result.returncode == 1
    assert reason in result.stderr
    assert not prefix.exists()


def test_no_reader_app_script_is_a_clear_error(tmp_path: Path) -> None:
    # A python with no reader-app beside it, and a PATH that has none either.
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "python").symlink_to(sys.executable)
    env = {**os.environ, "PATH": str(tmp_path / "empty")}
    result = run_script(
        "--prefix", tmp_path / "prefix", python=tmp_path / "bin" / "python", env=env
    )
    assert result.returncode == 1
    assert "cannot find the reader-app script" in result.stderr
    assert not (tmp_path / "prefix").exists()


def unrelated_files(prefix: Path) -> None:
    """Other applications' files, in the very folders the script writes to."""
    for relative, text in {
        "share/applications/org.example.Other.desktop": "[Desktop Entry]\nType=Application\n",
        "share/icons/hicolor/scalable/apps/org.example.Other.svg": "<svg/>\n",
        "share/metainfo/org.example.Other.metainfo.xml": "<component/>\n",
        "bin/other-tool": "#!/bin/sh\n",
    }.items():
        (prefix / relative).parent.mkdir(parents=True, exist_ok=True)
        (prefix / relative).write_text(text, encoding="utf-8")


def test_uninstall_removes_what_it_installed_and_nothing_else(tmp_path: Path) -> None:
    prefix = tmp_path / "prefix"
    unrelated_files(prefix)
    before = files(prefix)
    # No cache tools on PATH: then the prefix must come back exactly as it was.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "reader-app").symlink_to(reader_app_script())
    env = {**os.environ, "PATH": str(bin_dir)}

    result = run_script("--prefix", prefix, env=env)
    assert result.returncode == 0, result.stderr
    assert "update-desktop-database not found" in result.stdout
    assert set(files(prefix)) == set(before) | {DESKTOP, ICON, METAINFO}

    result = run_script("--prefix", prefix, "--uninstall", env=env)
    assert result.returncode == 0, result.stderr
    assert files(prefix) == before


def test_uninstall_refreshes_the_icon_cache_it_does_not_own(tmp_path: Path) -> None:
    if shutil.which("gtk-update-icon-cache") is None:
        pytest.skip("gtk-update-icon-cache is not installed (Debian: gtk-update-icon-cache)")
    prefix = tmp_path / "prefix"
    unrelated_files(prefix)
    before = files(prefix)
    cache = prefix / "share/icons/hicolor/icon-theme.cache"

    installed(prefix)
    assert APP_ID.encode() in cache.read_bytes()
    installed(prefix, "--uninstall")

    after = files(prefix)
    assert {path: after[path] for path in before} == before
    assert set(after) - set(before) <= CACHES
    # The other application's icon is still indexed; ours no longer is.
    assert b"org.example.Other" in cache.read_bytes()
    assert APP_ID.encode() not in cache.read_bytes()


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    prefix = tmp_path / "prefix"
    unrelated_files(prefix)
    before = tree(prefix)

    result = installed(prefix, "--dry-run")
    assert tree(prefix) == before
    lines = result.stdout.splitlines()
    for relative in (DESKTOP, ICON, METAINFO):
        assert any(
            line.startswith("would install") and line.endswith(str(prefix / relative))
            for line in lines
        ), result.stdout

    installed(prefix)
    before = tree(prefix)
    result = installed(prefix, "--uninstall", "--dry-run")
    assert tree(prefix) == before
    assert result.stdout.count("would remove") == 3


def test_a_changed_file_is_kept_unless_forced(tmp_path: Path) -> None:
    prefix = tmp_path / "prefix"
    installed(prefix)
    fresh = (prefix / DESKTOP).read_bytes()
    edited = fresh + b"X-Edited-By-Hand=true\n"
    (prefix / DESKTOP).write_bytes(edited)
    (prefix / METAINFO).unlink()

    result = run_script("--prefix", prefix)
    assert result.returncode == 1
    assert str(prefix / DESKTOP) in result.stderr
    assert "--force" in result.stderr
    assert (prefix / DESKTOP).read_bytes() == edited
    assert not (prefix / METAINFO).exists()  # a refusal installs nothing at all

    result = run_script("--prefix", prefix, "--uninstall")
    assert result.returncode == 1
    assert "--force" in result.stderr
    assert (prefix / DESKTOP).read_bytes() == edited
    assert (prefix / ICON).exists()

    installed(prefix, "--force")
    assert (prefix / DESKTOP).read_bytes() == fresh
    assert (prefix / METAINFO).exists()


def test_an_entry_for_another_environment_is_named_and_can_be_removed(tmp_path: Path) -> None:
    other = fake_environment(tmp_path / "other-env" / "bin")
    prefix = tmp_path / "prefix"
    assert run_script("--prefix", prefix, python=other).returncode == 0

    result = run_script("--prefix", prefix)
    assert result.returncode == 1
    assert "starts another reader-app" in result.stderr
    assert str(tmp_path / "other-env" / "bin" / "reader-app") in result.stderr

    # Uninstalling needs no --force: the entry is reader-app's, whichever environment it starts.
    installed(prefix, "--uninstall")
    assert not any((prefix / relative).exists() for relative in (DESKTOP, ICON, METAINFO))


def test_outside_a_checkout_the_files_come_from_the_installed_package(tmp_path: Path) -> None:
    # The script copied out of the checkout, and reader_app laid out as a wheel installs it
    # (pyproject.toml maps resources/ to the package reader_app.resources).
    script = tmp_path / "elsewhere" / "install_desktop.py"
    script.parent.mkdir()
    shutil.copy(SCRIPT, script)
    site = tmp_path / "site"
    (site / "reader_app").mkdir(parents=True)
    shutil.copy(ROOT / "reader_app" / "__init__.py", site / "reader_app")
    shutil.copytree(RESOURCES, site / "reader_app" / "resources")
    prefix = tmp_path / "prefix"

    result = run_script(
        "--prefix", prefix, script=script, env={**os.environ, "PYTHONPATH": str(site)}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (prefix / ICON).read_bytes() == (RESOURCES / "reader-app.svg").read_bytes()
    assert (prefix / METAINFO).read_bytes() == (RESOURCES / METAINFO.name).read_bytes()

    # Without the package (an interpreter that sees no site-packages) it says what is missing.
    result = subprocess.run(
        [sys.executable, "-I", "-S", str(script), "--prefix", str(tmp_path / "other")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "cannot find reader-app's desktop files" in result.stderr
    assert not (tmp_path / "other").exists()
