"""Where the app's files go: override order, platform directories, creating them."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from reader_app.errors import StorageError
from reader_app.paths import ENV_HOME, AppPaths, resolve_paths


def test_one_folder_layout(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path / "home", environ={})

    root = tmp_path / "home"
    assert paths == AppPaths(
        config_dir=root / "config",
        data_dir=root,
        cache_dir=root / "cache",
        log_dir=root / "logs",
        portable=True,
    )
    assert paths.database == root / "library.sqlite3"
    assert paths.settings_file == root / "config" / "settings.json"
    assert paths.backup_dir == root / "backups"
    assert paths.log_file == root / "logs" / "reader-app.log"
    assert paths.image_cache_dir == root / "cache" / "images"


def test_argument_beats_environment(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path / "arg", environ={ENV_HOME: str(tmp_path / "env")})

    assert paths.data_dir == tmp_path / "arg"
    assert paths.portable


def test_argument_may_be_a_string(tmp_path: Path) -> None:
    assert resolve_paths(str(tmp_path / "arg"), environ={}).data_dir == tmp_path / "arg"


def test_environment_beats_platform_dirs(tmp_path: Path) -> None:
    paths = resolve_paths(environ={ENV_HOME: str(tmp_path / "env")})

    assert paths.data_dir == tmp_path / "env"
    assert paths.config_dir == tmp_path / "env" / "config"
    assert paths.portable


def test_environment_defaults_to_os_environ(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_HOME, str(tmp_path / "from-os"))

    assert resolve_paths().data_dir == tmp_path / "from-os"


def test_empty_environment_value_counts_as_unset(tmp_path: Path) -> None:
    paths = resolve_paths(environ={ENV_HOME: ""})

    assert not paths.portable


def test_empty_argument_counts_as_unset(tmp_path: Path) -> None:
    paths = resolve_paths("", environ={ENV_HOME: str(tmp_path / "env")})

    assert paths.data_dir == tmp_path / "env"


@pytest.mark.skipif(sys.platform != "linux", reason="XDG variables apply on Linux")
def test_platform_dirs_follow_xdg_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("CONFIG", "DATA", "CACHE", "STATE"):
        monkeypatch.setenv(f"XDG_{name}_HOME", str(tmp_path / name.lower()))

    paths = resolve_paths(environ={})

    assert not paths.portable
    assert paths.config_dir == tmp_path / "config" / "reader-app"
    assert paths.data_dir == tmp_path / "data" / "reader-app"
    assert paths.cache_dir == tmp_path / "cache" / "reader-app"
    # platformdirs puts logs under the state directory on Linux.
    assert paths.log_dir.is_relative_to(tmp_path / "state" / "reader-app")
    assert paths.database == tmp_path / "data" / "reader-app" / "library.sqlite3"
    assert list(tmp_path.iterdir()) == [], "resolving must not create anything"


def test_resolving_creates_nothing(tmp_path: Path) -> None:
    resolve_paths(tmp_path / "home", environ={})

    assert not (tmp_path / "home").exists()


def test_tilde_is_expanded_in_argument_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))

    assert resolve_paths("~/arg", environ={}).data_dir == tmp_path / "arg"
    assert resolve_paths(environ={ENV_HOME: "~/env"}).data_dir == tmp_path / "env"


def test_relative_folder_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    paths = resolve_paths("relative", environ={})

    assert paths.data_dir.is_absolute()
    assert paths.data_dir == tmp_path / "relative"


def test_ensure_creates_the_directories(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path / "deep" / "home", environ={})

    paths.ensure()
    paths.ensure()  # a second call is harmless

    for directory in (paths.config_dir, paths.data_dir, paths.cache_dir, paths.log_dir):
        assert directory.is_dir()


def test_ensure_reports_a_file_in_the_way(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path / "home", environ={})
    paths.data_dir.mkdir()
    paths.config_dir.write_text("not a directory")

    with pytest.raises(StorageError) as caught:
        paths.ensure()

    assert str(paths.config_dir) in str(caught.value)
    assert paths.config_dir.is_file()


def test_paths_are_frozen(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path, environ={})

    with pytest.raises(dataclasses.FrozenInstanceError):
        paths.data_dir = tmp_path / "other"  # type: ignore[misc]
