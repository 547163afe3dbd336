"""The settings table, validation, and the JSON file (real files in tmp_path, no mocks)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from reader_app.errors import SettingsError
from reader_app.settings import SETTINGS, Settings, SettingSpec

INT_SPEC = SettingSpec("t.count", int, 5, "A count.", minimum=1, maximum=10)
FLOAT_SPEC = SettingSpec("t.seconds", float, 2.5, "Seconds.", minimum=0.5, maximum=60)
BOOL_SPEC = SettingSpec("t.flag", bool, True, "A flag.")
STR_SPEC = SettingSpec("t.mode", str, "a", "A mode.", choices=("a", "b"))
TEXT_SPEC = SettingSpec("t.text", str, "", "Free text.")
SPECS = (INT_SPEC, FLOAT_SPEC, BOOL_SPEC, STR_SPEC, TEXT_SPEC)


# --- the table ---------------------------------------------------------------------------


def test_keys_are_unique() -> None:
    keys = [spec.key for spec in SETTINGS]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("spec", SETTINGS, ids=lambda spec: spec.key)
def test_every_default_passes_its_own_validation(spec: SettingSpec) -> None:
    assert spec.validate(spec.default) == spec.default
    assert isinstance(spec.validate(spec.default), spec.type)
    assert spec.description.strip()
    assert "." in spec.key
    if spec.choices is not None:
        assert spec.type is str
    if spec.minimum is not None or spec.maximum is not None:
        assert spec.type in (int, float)


def test_expected_keys_are_declared() -> None:
    keys = {spec.key for spec in SETTINGS}
    assert {
        "sync.interval_minutes",
        "sync.request_timeout_seconds",
        "reading.mark_read_delay_ms",
        "reading.mark_read_on_select",
        "keyboard.profile",
        "ui.article_pane_position",
        "retention.keep_unread",
    } <= keys


def test_duplicate_keys_are_refused() -> None:
    with pytest.raises(ValueError, match=re.escape("t.count")):
        Settings((INT_SPEC, INT_SPEC))


# --- validate ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "value", "expected"),
    [
        (BOOL_SPEC, True, True),
        (BOOL_SPEC, False, False),
        (INT_SPEC, 1, 1),
        (INT_SPEC, 10, 10),  # bounds are inclusive
        (FLOAT_SPEC, 3, 3.0),
        (FLOAT_SPEC, 0.5, 0.5),
        (FLOAT_SPEC, 60, 60.0),
        (STR_SPEC, "b", "b"),
        (TEXT_SPEC, "anything", "anything"),
    ],
)
def test_validate_accepts(spec: SettingSpec, value: object, expected: object) -> None:
    result = spec.validate(value)
    assert result == expected
    assert type(result) is spec.type


@pytest.mark.parametrize(
    ("spec", "value"),
    [
        (BOOL_SPEC, 1),
        (BOOL_SPEC, 0),
        (BOOL_SPEC, "true"),
        (BOOL_SPEC, None),
        (INT_SPEC, True),
        (INT_SPEC, 5.0),
        (INT_SPEC, "5"),
        (INT_SPEC, 0),
        (INT_SPEC, 11),
        (FLOAT_SPEC, True),
        (FLOAT_SPEC, "2"),
        (FLOAT_SPEC, 0.49),
        (FLOAT_SPEC, 60.01),
        (FLOAT_SPEC, float("nan")),
        (FLOAT_SPEC, float("inf")),
        (FLOAT_SPEC, 10**400),
        (STR_SPEC, "c"),
        (STR_SPEC, 1),
        (TEXT_SPEC, None),
        (TEXT_SPEC, ["a"]),
    ],
)
def test_validate_refuses(spec: SettingSpec, value: object) -> None:
    with pytest.raises(SettingsError) as caught:
        spec.validate(value)
    assert spec.key in str(caught.value)


def test_validate_message_names_key_value_and_what_is_allowed() -> None:
    with pytest.raises(SettingsError) as caught:
        INT_SPEC.validate(42)
    message = str(caught.value)
    assert "t.count" in message
    assert "42" in message
    assert "from 1 to 10" in message

    with pytest.raises(SettingsError, match="one of 'a', 'b'"):
        STR_SPEC.validate("c")
    with pytest.raises(SettingsError, match="true or false"):
        BOOL_SPEC.validate(1)


def test_validate_message_shortens_huge_values() -> None:
    with pytest.raises(SettingsError) as caught:
        STR_SPEC.validate("x" * 10_000)
    assert len(str(caught.value)) < 300


# --- parse -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["true", "TRUE", "Yes", "on", "1", " true "])
def test_parse_true_words(text: str) -> None:
    assert BOOL_SPEC.parse(text) is True


@pytest.mark.parametrize("text", ["false", "False", "NO", "off", "0"])
def test_parse_false_words(text: str) -> None:
    assert BOOL_SPEC.parse(text) is False


@pytest.mark.parametrize(
    ("spec", "text", "expected"),
    [
        (INT_SPEC, "7", 7),
        (INT_SPEC, " 10 ", 10),
        (FLOAT_SPEC, "2", 2.0),
        (FLOAT_SPEC, "1.25", 1.25),
        (STR_SPEC, "b", "b"),
    ],
)
def test_parse_values(spec: SettingSpec, text: str, expected: object) -> None:
    assert spec.parse(text) == expected


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        (BOOL_SPEC, "maybe"),
        (BOOL_SPEC, ""),
        (INT_SPEC, "seven"),
        (INT_SPEC, "5.5"),
        (INT_SPEC, "11"),  # parsed, then refused by the bounds
        (FLOAT_SPEC, "nan"),
        (FLOAT_SPEC, "fast"),
        (STR_SPEC, "c"),
        (STR_SPEC, " a"),
    ],
)
def test_parse_refuses(spec: SettingSpec, text: str) -> None:
    with pytest.raises(SettingsError, match=spec.key):
        spec.parse(text)


# --- values in memory --------------------------------------------------------------------


def test_defaults() -> None:
    settings = Settings()

    assert settings.get_int("sync.interval_minutes") == 60
    assert settings.get_bool("sync.on_start") is True
    assert settings.get_float("sync.request_timeout_seconds") == 30.0
    assert settings.get_str("keyboard.profile") == "default"
    assert settings.changed_values() == {}
    assert settings.as_dict() == {spec.key: spec.default for spec in SETTINGS}
    assert settings.specs == SETTINGS
    assert settings.spec("reading.hide_read").type is bool


def test_initial_values_are_validated() -> None:
    settings = Settings(SPECS, {"t.count": 3, "t.seconds": 4})
    assert settings.get("t.count") == 3
    assert settings.get_float("t.seconds") == 4.0

    with pytest.raises(SettingsError, match=re.escape("t.count")):
        Settings(SPECS, {"t.count": 99})
    with pytest.raises(SettingsError, match=re.escape("t.nope")):
        Settings(SPECS, {"t.nope": 1})


def test_unknown_key_is_an_error_with_a_hint() -> None:
    settings = Settings()
    with pytest.raises(SettingsError, match=re.escape("sync.interval_minutes")):
        settings.get("sync.interval_minute")
    with pytest.raises(SettingsError):
        settings.set("no.such", 1)
    with pytest.raises(SettingsError):
        settings.reset("no.such")


def test_typed_getter_of_the_wrong_type_is_an_error() -> None:
    settings = Settings(SPECS)
    with pytest.raises(SettingsError, match=re.escape("t.count")):
        settings.get_bool("t.count")
    with pytest.raises(SettingsError):
        settings.get_int("t.seconds")
    with pytest.raises(SettingsError):
        settings.get_float("t.count")
    with pytest.raises(SettingsError):
        settings.get_str("t.flag")


def test_set_reset_and_changed_values() -> None:
    settings = Settings(SPECS)

    settings.set("t.count", 7)
    settings.set("t.seconds", 3)
    assert settings.get("t.count") == 7
    assert settings.changed_values() == {"t.count": 7, "t.seconds": 3.0}

    with pytest.raises(SettingsError):
        settings.set("t.count", 70)
    assert settings.get("t.count") == 7, "a refused value leaves the old one"

    settings.reset("t.count")
    assert settings.get("t.count") == 5
    assert settings.changed_values() == {"t.seconds": 3.0}


def test_subscribers_hear_only_real_changes() -> None:
    settings = Settings(SPECS)
    heard: list[str] = []
    unsubscribe = settings.subscribe(heard.append)

    settings.set("t.count", 5)  # the default again: no change
    settings.set("t.count", 6)
    settings.set("t.count", 6)  # same value: no change
    settings.set("t.seconds", 2.5)  # the default again
    settings.set("t.flag", False)
    settings.reset("t.flag")
    settings.reset("t.mode")  # already the default
    with pytest.raises(SettingsError):
        settings.set("t.count", 0)
    assert heard == ["t.count", "t.flag", "t.flag"]

    unsubscribe()
    unsubscribe()  # harmless twice
    settings.set("t.count", 8)
    assert heard == ["t.count", "t.flag", "t.flag"]


def test_each_subscription_is_separate_and_may_unsubscribe_while_called() -> None:
    settings = Settings(SPECS)
    first: list[str] = []
    second: list[str] = []
    unsubscribe_first = settings.subscribe(first.append)

    def once(key: str) -> None:
        second.append(key)
        unsubscribe_second()

    unsubscribe_second = settings.subscribe(once)

    settings.set("t.count", 6)
    settings.set("t.count", 7)
    unsubscribe_first()
    settings.set("t.count", 8)

    assert first == ["t.count", "t.count"]
    assert second == ["t.count"]


# --- files -------------------------------------------------------------------------------


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def test_missing_file_gives_defaults_without_warning(tmp_path: Path) -> None:
    loaded = Settings.load(tmp_path / "settings.json")

    assert loaded.warnings == ()
    assert loaded.settings.changed_values() == {}


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "config" / "settings.json"  # the parent does not exist yet
    settings = Settings()
    settings.set("sync.interval_minutes", 15)
    settings.set("sync.request_timeout_seconds", 12.5)
    settings.set("reading.hide_read", True)
    settings.set("keyboard.profile", "newsboat")

    settings.save(path)
    loaded = Settings.load(path)

    assert loaded.warnings == ()
    assert loaded.settings.as_dict() == settings.as_dict()
    assert json.loads(path.read_text("utf-8")) == {
        "keyboard.profile": "newsboat",
        "reading.hide_read": True,
        "sync.interval_minutes": 15,
        "sync.request_timeout_seconds": 12.5,
    }


def test_saved_file_is_pretty_sorted_and_holds_only_changes(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    settings = Settings(SPECS)
    settings.set("t.mode", "b")
    settings.set("t.count", 9)

    settings.save(path)

    assert path.read_text("utf-8") == '{\n  "t.count": 9,\n  "t.mode": "b"\n}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]


def test_saving_defaults_writes_an_empty_object(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    Settings().save(path)
    assert json.loads(path.read_text("utf-8")) == {}


def test_float_setting_written_as_int_in_file_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path / "settings.json", '{"t.seconds": 4}')

    loaded = Settings.load(path, SPECS)

    assert loaded.warnings == ()
    assert loaded.settings.get_float("t.seconds") == 4.0


def test_byte_order_mark_is_tolerated(tmp_path: Path) -> None:
    path = write(tmp_path / "settings.json", b'\xef\xbb\xbf{"t.count": 2}')

    loaded = Settings.load(path, SPECS)

    assert loaded.warnings == ()
    assert loaded.settings.get("t.count") == 2


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"t.count": 3,', "not valid JSON"),
        ("", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('"text"', "JSON object"),
        ("null", "JSON object"),
        (b'{"t.mode": "\xff\xfe"}', "not UTF-8"),
        ("[" * 100_000 + "]" * 100_000, "nested"),
    ],
    ids=["broken", "empty", "list", "string", "null", "latin1", "deep"],
)
def test_unusable_file_gives_defaults_and_one_warning(
    tmp_path: Path, content: str | bytes, problem: str
) -> None:
    path = write(tmp_path / "settings.json", content)

    loaded = Settings.load(path, SPECS)

    assert loaded.settings.as_dict() == Settings(SPECS).as_dict()
    assert len(loaded.warnings) == 1
    assert str(path) in loaded.warnings[0]
    assert problem in loaded.warnings[0]


def test_oversized_file_gives_defaults_and_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path / "settings.json", '{"t.text": "' + "x" * 2_000_000 + '"}')

    loaded = Settings.load(path, SPECS)

    assert loaded.settings.get("t.text") == ""
    assert len(loaded.warnings) == 1
    assert str(path) in loaded.warnings[0]


def test_directory_in_place_of_file_gives_defaults_and_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.mkdir()

    loaded = Settings.load(path, SPECS)

    assert loaded.settings.changed_values() == {}
    assert len(loaded.warnings) == 1
    assert str(path) in loaded.warnings[0]


@pytest.mark.parametrize(
    ("key", "bad"),
    [
        ("t.count", "5"),  # wrong type
        ("t.count", True),  # a bool is not an int
        ("t.count", 11),  # out of bounds
        ("t.seconds", None),
        ("t.flag", 1),  # 1 is not a bool
        ("t.mode", "c"),  # not one of the choices
    ],
)
def test_bad_value_falls_back_to_its_default_alone(tmp_path: Path, key: str, bad: object) -> None:
    path = write(tmp_path / "settings.json", json.dumps({key: bad, "t.text": "kept"}))

    loaded = Settings.load(path, SPECS)

    assert loaded.settings.get(key) == Settings(SPECS).get(key)
    assert loaded.settings.get("t.text") == "kept", "other settings survive"
    assert len(loaded.warnings) == 1
    warning = loaded.warnings[0]
    assert key in warning
    assert repr(bad) in warning
    assert str(path) in warning


def test_non_finite_number_in_file_falls_back(tmp_path: Path) -> None:
    path = write(tmp_path / "settings.json", '{"t.seconds": NaN, "t.count": 7}')

    loaded = Settings.load(path, SPECS)

    assert loaded.settings.get("t.seconds") == 2.5
    assert loaded.settings.get("t.count") == 7
    assert len(loaded.warnings) == 1
    assert "t.seconds" in loaded.warnings[0]


def test_unknown_key_is_dropped_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path / "settings.json", '{"t.old_name": 3, "t.count": 4}')

    loaded = Settings.load(path, SPECS)

    assert loaded.settings.get("t.count") == 4
    assert "t.old_name" not in loaded.settings.as_dict()
    assert len(loaded.warnings) == 1
    assert "t.old_name" in loaded.warnings[0]
    assert str(path) in loaded.warnings[0]

    # Saving afterwards drops it from the file too.
    loaded.settings.save(path)
    assert json.loads(path.read_text("utf-8")) == {"t.count": 4}


def test_failed_save_into_read_only_folder_keeps_old_file(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root ignores directory permissions, so the write would succeed")
    folder = tmp_path / "config"
    folder.mkdir()
    path = write(folder / "settings.json", '{"t.count": 3}\n')
    settings = Settings(SPECS, {"t.count": 9})
    folder.chmod(0o555)
    try:
        with pytest.raises(SettingsError) as caught:
            settings.save(path)
    finally:
        folder.chmod(0o755)

    assert str(path) in str(caught.value)
    assert path.read_text("utf-8") == '{"t.count": 3}\n'
    assert [p.name for p in folder.iterdir()] == ["settings.json"]


def test_failed_replace_leaves_no_temporary_file(tmp_path: Path) -> None:
    # A non-empty directory where the file should be: the temporary file is written fine, but
    # renaming it over the directory fails, even for root.
    folder = tmp_path / "config"
    path = folder / "settings.json"
    path.mkdir(parents=True)
    (path / "keep.txt").write_text("old content")
    settings = Settings(SPECS, {"t.count": 9})

    with pytest.raises(SettingsError) as caught:
        settings.save(path)

    assert str(path) in str(caught.value)
    assert sorted(p.name for p in folder.iterdir()) == ["settings.json"]
    assert (path / "keep.txt").read_text() == "old content"


def test_save_over_existing_file_replaces_it(tmp_path: Path) -> None:
    path = write(tmp_path / "settings.json", '{"t.count": 3, "t.junk": 1}')
    settings = Settings(SPECS, {"t.count": 8})

    settings.save(path)

    assert json.loads(path.read_text("utf-8")) == {"t.count": 8}
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]


def test_save_through_a_symlink_updates_the_linked_file(tmp_path: Path) -> None:
    (tmp_path / "dotfiles").mkdir()
    real = write(tmp_path / "dotfiles" / "settings.json", "{}")
    link = tmp_path / "settings.json"
    link.symlink_to(real)

    Settings(SPECS, {"t.count": 2}).save(link)

    assert link.is_symlink()
    assert json.loads(real.read_text("utf-8")) == {"t.count": 2}
