"""The desktop files in resources/: they parse, carry what desktops and software centres
need, agree with each other, pass the freedesktop validators where those are installed
(Debian: desktop-file-utils, appstream), and the starter OPML imports whole."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path
from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree

from reader_app import __version__
from reader_app.library import Library

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
APP_ID = "io.github.reader_app.ReaderApp"
DESKTOP = RESOURCES / f"{APP_ID}.desktop"
METAINFO = RESOURCES / f"{APP_ID}.metainfo.xml"
STARTER = RESOURCES / "starter.opml"


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(DESKTOP.read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


def metainfo() -> Element:
    root: Element = ElementTree.parse(METAINFO).getroot()
    return root


def test_the_desktop_entry_has_what_a_menu_needs() -> None:
    entry = desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"]
    assert entry["Comment"]
    assert entry["Exec"].split()[0] == "reader-app"  # the console script in pyproject.toml
    assert entry["Icon"] == APP_ID  # the icon is installed under the app id
    assert entry["Terminal"] == "false"
    categories = entry["Categories"].split(";")
    assert {"Network", "Feed", "News"} <= set(categories)
    assert entry["Categories"].endswith(";")
    assert entry["Keywords"].endswith(";")
    # A MimeType needs an Exec that takes a file (%f); the entry point does not take one yet.
    assert "MimeType" not in entry or "%f" in entry["Exec"] or "%F" in entry["Exec"]


def test_the_metainfo_describes_the_app() -> None:
    root = metainfo()
    assert root.tag == "component"
    assert root.get("type") == "desktop-application"

    def text(path: str) -> str:
        found = root.findtext(path)
        assert found, f"metainfo has no <{path}>"
        return found.strip()

    assert text("id") == APP_ID
    assert text("metadata_license") == "CC0-1.0"
    assert text("project_license") == "MIT"
    assert text("name") == desktop_entry()["Name"]
    assert text("summary")
    assert root.find("description/p") is not None
    launchable = root.find("launchable")
    assert launchable is not None
    assert launchable.get("type") == "desktop-id"
    assert launchable.text == DESKTOP.name
    assert root.find("url[@type='homepage']") is not None
    assert text("provides/binary") == "reader-app"
    assert root.find("content_rating") is not None
    release = root.find("releases/release")
    assert release is not None
    assert release.get("version") == __version__ == "0.1.0"
    assert release.get("date") == "2026-11-23"


def test_the_icon_is_an_svg_named_in_the_readme() -> None:
    icon = ElementTree.parse(RESOURCES / "reader-app.svg").getroot()
    assert icon.tag == "{http://www.w3.org/2000/svg}svg"
    assert icon.get("viewBox") == "0 0 256 256"
    readme = (RESOURCES / "README.md").read_text(encoding="utf-8")
    for name in ("reader-app.svg", DESKTOP.name, METAINFO.name, "starter.opml"):
        assert f"`{name}`" in readme


def _run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (Debian package: see this module's docstring)")
    return subprocess.run([path, *args], capture_output=True, text=True, timeout=60, check=False)


def test_desktop_file_validate_accepts_the_entry() -> None:
    result = _run("desktop-file-validate", str(DESKTOP))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in (result.stdout + result.stderr).lower()


def test_appstreamcli_accepts_the_metainfo() -> None:
    result = _run("appstreamcli", "validate", "--no-net", str(METAINFO))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_starter_feeds_import_with_nothing_skipped(library: Library) -> None:
    report = library.import_opml(STARTER.read_bytes(), source=str(STARTER))
    assert report.skipped == ()
    assert report.already_subscribed == ()
    assert 16 <= len(report.added) <= 30
    assert all(url.startswith("https://") for url in report.added)
    tags = {t.name: t.feed_count for t in library.tags()}
    assert set(tags) == {"News", "Tech", "Science", "Python"}
    assert all(count >= 3 for count in tags.values())
    assert all(summary.feed.title for summary in library.feeds())
