"""Shortcut overrides in the settings: shape checks, notifications, and the file round trip
(real files in tmp_path). What the key texts mean is the window's keymap's business."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reader_app.errors import SettingsError
from reader_app.settings import (
    MAX_KEY_CHARS,
    MAX_KEYS_PER_ACTION,
    MAX_SHORTCUT_ACTIONS,
    SETTINGS,
    Settings,
    SettingSpec,
)

SPECS = (SettingSpec("t.count", int, 5, "A count.", minimum=1, maximum=10),)


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), "utf-8")
    return path


# --- in memory -----------------------------------------------------------------------------


def test_no_overrides_by_default_and_nothing_extra_in_the_file_shape() -> None:
    settings = Settings()
    assert settings.shortcut_overrides() == {}
    assert "shortcuts" not in settings.changed_values()
    assert settings.as_dict() == {spec.key: spec.default for spec in SETTINGS}


def test_set_replace_clear_and_notifications() -> None:
    settings = Settings()
    heard: list[str] = []
    settings.subscribe(heard.append)

    settings.set_shortcut_override("article.next", ["Ctrl+J", " Down ", "Ctrl+J"])
    settings.set_shortcut_override("article.next", ("Ctrl+J", "Down"))  # same: no notice
    settings.set_shortcut_override("feed.refresh", [])
    assert settings.shortcut_overrides() == {
        "article.next": ("Ctrl+J", "Down"),
        "feed.refresh": (),
    }

    settings.clear_shortcut_override("article.next")
    settings.clear_shortcut_override("article.next")  # already gone: no notice
    assert settings.shortcut_overrides() == {"feed.refresh": ()}

    settings.clear_shortcut_overrides()
    settings.clear_shortcut_overrides()
    assert settings.shortcut_overrides() == {}
    assert heard == ["shortcuts"] * 4


def test_replacing_every_override_at_once_notifies_once() -> None:
    settings = Settings()
    settings.set_shortcut_override("a.one", ["X"])
    heard: list[str] = []
    settings.subscribe(heard.append)

    settings.set_shortcut_overrides({"a.two": ["Y"], "a.three": []})
    settings.set_shortcut_overrides({"a.two": ["Y"], "a.three": []})

    assert settings.shortcut_overrides() == {"a.two": ("Y",), "a.three": ()}
    assert heard == ["shortcuts"]


def test_the_returned_overrides_are_a_copy() -> None:
    settings = Settings()
    settings.set_shortcut_override("a.one", ["X"])
    settings.shortcut_overrides().clear()
    assert settings.shortcut_overrides() == {"a.one": ("X",)}


@pytest.mark.parametrize(
    ("action_id", "keys"),
    [
        ("", ["X"]),
        (" a.one", ["X"]),
        ("x" * 101, ["X"]),
        ("a\none", ["X"]),
        ("a.one", "Ctrl+K"),  # a string, not a list
        ("a.one", [1]),
        ("a.one", [""]),
        ("a.one", ["   "]),
        ("a.one", ["x" * (MAX_KEY_CHARS + 1)]),
        ("a.one", ["Ctrl+\tK"]),
        ("a.one", ["K"] * (MAX_KEYS_PER_ACTION + 1)),
        ("a.one", [None]),
    ],
)
def test_malformed_overrides_are_refused_and_change_nothing(action_id: str, keys: object) -> None:
    settings = Settings()
    settings.set_shortcut_override("a.kept", ["X"])
    heard: list[str] = []
    settings.subscribe(heard.append)

    with pytest.raises(SettingsError):
        settings.set_shortcut_override(action_id, keys)  # type: ignore[arg-type]
    with pytest.raises(SettingsError):
        settings.set_shortcut_overrides({action_id: keys})  # type: ignore[dict-item]

    assert settings.shortcut_overrides() == {"a.kept": ("X",)}
    assert heard == []


def test_the_number_of_overrides_is_bounded() -> None:
    settings = Settings()
    settings.set_shortcut_overrides({f"a.n{i}": ["X"] for i in range(MAX_SHORTCUT_ACTIONS)})
    with pytest.raises(SettingsError, match=str(MAX_SHORTCUT_ACTIONS)):
        settings.set_shortcut_override("a.one_more", ["Y"])
    settings.set_shortcut_override("a.n0", ["Z"])  # replacing one is fine
    assert len(settings.shortcut_overrides()) == MAX_SHORTCUT_ACTIONS


def test_a_copy_made_from_as_dict_keeps_the_overrides() -> None:
    # The Preferences dialog saves a candidate built this way: it must not drop the shortcuts.
    settings = Settings(SPECS)
    settings.set("t.count", 7)
    settings.set_shortcut_override("article.next", ["Ctrl+J"])

    copy = Settings(SPECS, {**settings.as_dict(), "t.count": 8})

    assert copy.shortcut_overrides() == {"article.next": ("Ctrl+J",)}
    assert copy.get("t.count") == 8


def test_a_bad_shortcuts_value_given_to_the_constructor_is_refused() -> None:
    with pytest.raises(SettingsError, match="shortcuts"):
        Settings(SPECS, {"shortcuts": ["Ctrl+K"]})
    with pytest.raises(SettingsError, match=r"a\.one"):
        Settings(SPECS, {"shortcuts": {"a.one": "Ctrl+K"}})


# --- the file ------------------------------------------------------------------------------


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    settings = Settings()
    settings.set("keyboard.profile", "newsboat")
    settings.set_shortcut_override("feed.refresh", [])
    settings.set_shortcut_override("article.next", ["Ctrl+J", "G, N"])

    settings.save(path)
    loaded = Settings.load(path)

    assert loaded.warnings == ()
    assert loaded.settings.shortcut_overrides() == settings.shortcut_overrides()
    assert loaded.settings.get_str("keyboard.profile") == "newsboat"
    assert json.loads(path.read_text("utf-8")) == {
        "keyboard.profile": "newsboat",
        "shortcuts": {"article.next": ["Ctrl+J", "G, N"], "feed.refresh": []},
    }


def test_no_overrides_write_no_member(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    settings = Settings()
    settings.set_shortcut_override("a.one", ["X"])
    settings.clear_shortcut_overrides()
    settings.save(path)
    assert json.loads(path.read_text("utf-8")) == {}


@pytest.mark.parametrize("bad", [["Ctrl+K"], "Ctrl+K", 3, None, True])
def test_a_shortcuts_member_of_the_wrong_type_is_ignored_with_one_warning(
    tmp_path: Path, bad: object
) -> None:
    path = write(tmp_path / "settings.json", {"shortcuts": bad, "t.count": 3})

    loaded = Settings.load(path, SPECS)

    assert loaded.settings.shortcut_overrides() == {}
    assert loaded.settings.get("t.count") == 3, "the other settings survive"
    assert len(loaded.warnings) == 1
    assert "shortcuts" in loaded.warnings[0]
    assert str(path) in loaded.warnings[0]


def test_bad_members_are_dropped_alone_with_a_warning_each(tmp_path: Path) -> None:
    path = write(
        tmp_path / "settings.json",
        {
            "t.count": 4,
            "shortcuts": {
                "article.next": ["Ctrl+J"],
                "article.previous": "Ctrl+K",
                "feed.refresh": [7],
                "feed.next": [],
                "": ["X"],
            },
        },
    )

    loaded = Settings.load(path, SPECS)

    assert loaded.settings.shortcut_overrides() == {"article.next": ("Ctrl+J",), "feed.next": ()}
    assert loaded.settings.get("t.count") == 4
    assert len(loaded.warnings) == 3
    assert "article.previous" in loaded.warnings[0]
    assert "feed.refresh" in loaded.warnings[1]
    assert "''" in loaded.warnings[2]
    assert all(str(path) in warning for warning in loaded.warnings)

    # Saving afterwards writes only what was usable.
    loaded.settings.save(path)
    assert json.loads(path.read_text("utf-8"))["shortcuts"] == {
        "article.next": ["Ctrl+J"],
        "feed.next": [],
    }


def test_too_many_overrides_in_a_file_keep_the_first_ones(tmp_path: Path) -> None:
    overrides = {f"a.n{i}": ["X"] for i in range(MAX_SHORTCUT_ACTIONS + 5)}
    path = write(tmp_path / "settings.json", {"shortcuts": overrides})

    loaded = Settings.load(path, SPECS)

    kept = loaded.settings.shortcut_overrides()
    assert len(kept) == MAX_SHORTCUT_ACTIONS
    assert "a.n0" in kept
    assert len(loaded.warnings) == 1
    assert str(MAX_SHORTCUT_ACTIONS) in loaded.warnings[0]


def test_an_unusable_file_gives_no_overrides(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"shortcuts": {"a.one": ["X"]', "utf-8")  # cut short

    loaded = Settings.load(path, SPECS)

    assert loaded.settings.shortcut_overrides() == {}
    assert len(loaded.warnings) == 1
