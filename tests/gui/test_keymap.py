"""Keyboard profiles, overrides, conflicts and applying them to real QActions (real key events)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from reader_app.settings import SETTINGS, Settings
from reader_app.ui import keymap
from reader_app.ui.actions import ACTIONS, ActionSpec, build_actions
from reader_app.ui.keymap import (
    PROFILES,
    Conflict,
    apply_bindings,
    apply_settings,
    check_overrides,
    conflicts,
    effective_bindings,
    expand_keys,
    is_single_key,
    normalize_key,
    profile_bindings,
    resolve_settings,
)

# Actions the profile tables already bind but the window does not have yet. Only these may be
# missing from ACTIONS; the test below enforces every other id, and these too once they exist.
PLANNED_ACTION_IDS = frozenset(
    {"edit.find", "edit.undo", "edit.shortcuts", "help.cheat_sheet", "help.command_palette"}
)
ACTION_IDS = {item.id for item in ACTIONS}

# Standard keys come from the platform, which Qt knows only once an application exists.
pytestmark = pytest.mark.usefixtures("qapp")


def has(action_id: str) -> bool:
    return action_id in ACTION_IDS


# --- profiles ------------------------------------------------------------------------------


def test_profiles_are_the_choices_of_the_setting() -> None:
    spec = next(item for item in SETTINGS if item.key == "keyboard.profile")
    assert spec.choices is not None
    assert set(PROFILES) == set(spec.choices)
    assert set(keymap.PROFILE_TITLES) == set(PROFILES)


@pytest.mark.parametrize("profile", list(PROFILES))
def test_every_profile_names_only_actions_of_the_table(profile: str) -> None:
    missing = [action_id for action_id in PROFILES[profile] if action_id not in ACTION_IDS]
    unplanned = [action_id for action_id in missing if action_id not in PLANNED_ACTION_IDS]
    assert unplanned == [], f"profile {profile!r} binds actions ACTIONS does not have"
    if missing:
        pytest.skip(f"planned but not in ACTIONS yet: {', '.join(missing)}")


@pytest.mark.parametrize("profile", list(PROFILES))
def test_every_profile_resolves_without_conflicts(profile: str) -> None:
    bindings = effective_bindings(profile, {})
    assert set(bindings) == ACTION_IDS
    assert conflicts(bindings) == []


@pytest.mark.parametrize("profile", list(PROFILES))
def test_every_profile_key_is_a_real_key_and_lands_on_its_action_alone(profile: str) -> None:
    bindings = effective_bindings(profile, {})
    for action_id, keys in PROFILES[profile].items():
        if not has(action_id):
            continue
        expanded = expand_keys(keys)
        assert expanded, f"{profile}: {action_id} has keys Qt cannot read: {keys}"
        assert bindings[action_id] == expanded
        for key in expanded:
            holders = [other for other, held in bindings.items() if key in held]
            assert holders == [action_id], f"{profile}: {key} is on {holders}"


# The rows the window is getting (see PLANNED_ACTION_IDS), as they are planned.
PLANNED_ROWS = (
    ActionSpec("edit.find", "&Search…", "Edit", ("/", QKeySequence.StandardKey.Find)),
    ActionSpec("edit.undo", "&Undo", "Edit", (QKeySequence.StandardKey.Undo,)),
    ActionSpec("edit.shortcuts", "&Keyboard Shortcuts…", "Edit"),
    ActionSpec("help.cheat_sheet", "Keyboard &Cheat Sheet", "Help", ("?",)),
    ActionSpec("help.command_palette", "&Command Palette…", "Help", ("Ctrl+K", "Ctrl+Shift+P")),
)


@pytest.mark.parametrize("profile", list(PROFILES))
def test_every_profile_stays_free_of_conflicts_with_the_planned_actions(profile: str) -> None:
    table = (*ACTIONS, *(row for row in PLANNED_ROWS if row.id not in ACTION_IDS))
    bindings = effective_bindings(profile, {}, table)
    assert conflicts(bindings) == []
    assert set(PROFILES[profile]) <= {row.id for row in table}
    expected_palette = {
        "default": ("Ctrl+K", "Ctrl+Shift+P"),
        "netnewswire": ("Ctrl+Shift+P",),  # Ctrl+K marks all as read there
        "newsboat": (":", "Ctrl+K", "Ctrl+Shift+P"),
    }
    assert bindings["help.command_palette"] == expected_palette[profile]
    assert bindings["help.cheat_sheet"] == ("?",)


def test_the_default_profile_is_the_table() -> None:
    bindings = profile_bindings("default")
    for item in ACTIONS:
        assert bindings[item.id] == expand_keys(item.keys)
    assert bindings["article.next"] == ("J",)
    assert bindings["view.go_all"] == ("G, A",)
    assert bindings["feed.refresh_all"] == ("Shift+R", "F5", "Ctrl+R")


def test_standard_keys_expand_to_this_platforms_keys() -> None:
    find = [
        s.toString(keymap.PORTABLE) for s in QKeySequence.keyBindings(QKeySequence.StandardKey.Find)
    ]
    assert find, "the platform defines a Find key"
    assert expand_keys((QKeySequence.StandardKey.Find, "ctrl+f")) == tuple(dict.fromkeys(find))


def test_newsboat_keys_land_on_the_right_actions() -> None:
    bindings = effective_bindings("newsboat", {})
    # Newsboat: j / k change feed in the article list, J / K move to the next entry.
    assert bindings["feed.next"] == ("J",)
    assert bindings["feed.previous"] == ("K",)
    assert bindings["article.next"] == ("Shift+J",)
    assert bindings["article.previous"] == ("Shift+K",)
    assert bindings["article.next_unread"] == ("N",)  # n
    assert bindings["article.previous_unread"] == ("P",)  # p
    assert bindings["article.toggle_read"] == ("Shift+N",)  # N
    assert bindings["feed.refresh"] == ("R",)  # r
    assert "Shift+R" in bindings["feed.refresh_all"]  # R
    assert bindings["feed.mark_all_read"] == ("Shift+A",)  # A
    assert bindings["article.open"][:2] == ("O", "Shift+O")  # o, O
    assert bindings["view.hide_read"] == ("L",)  # l
    assert bindings["edit.tag_filter"] == ("T",)  # t
    assert bindings["feed.next_unread"] == ("Ctrl+N",)  # ^N
    # The profile's keys are taken from the actions that had them by default.
    assert "Ctrl+N" not in bindings["file.add_feed"]
    assert "T" not in bindings["feed.edit_tags"]
    assert "V" not in bindings["article.open"]
    if has("help.command_palette"):
        assert ":" in bindings["help.command_palette"]
    if has("help.cheat_sheet"):
        assert bindings["help.cheat_sheet"] == ("?",)
    if has("edit.find"):
        assert "/" in bindings["edit.find"]


def test_netnewswire_keys_land_on_the_right_actions() -> None:
    bindings = effective_bindings("netnewswire", {})
    assert bindings["article.scroll_down"] == ("Space",)  # space: scroll or next unread
    assert bindings["article.next_unread"][:2] == ("N", "+")  # n or +
    assert bindings["article.toggle_read"][:2] == ("R", "U")  # r or u
    assert bindings["article.toggle_star"][0] == "S"  # s
    assert bindings["feed.mark_all_read"][0] == "K"  # k
    assert bindings["article.open"] == ("B", "Return", "Enter")  # b, Return, Enter
    assert bindings["feed.previous"] == ("A",)  # a: previous subscription
    assert bindings["feed.next"] == ("Z",)  # z: next subscription
    assert bindings["article.previous_unread"][0] == "-"
    assert "Ctrl+1" in bindings["view.go_today"]
    # Taken away from the defaults: R refreshed a feed, K went to the previous article.
    assert bindings["feed.refresh"] == ()
    assert bindings["article.previous"] == ()
    if has("help.command_palette"):
        assert "Ctrl+K" not in bindings["help.command_palette"]


def test_an_unknown_profile_is_refused() -> None:
    with pytest.raises(ValueError, match="vim"):
        profile_bindings("vim")


# --- overrides -----------------------------------------------------------------------------


def test_an_override_replaces_an_actions_keys() -> None:
    bindings = effective_bindings("default", {"article.next": ["ctrl+j", "Down"]})
    assert bindings["article.next"] == ("Ctrl+J", "Down")
    assert bindings["article.previous"] == ("K",), "other actions keep their keys"


def test_an_empty_override_unbinds() -> None:
    bindings = effective_bindings("newsboat", {"feed.next": []})
    assert bindings["feed.next"] == ()
    assert bindings["article.next"] == ("Shift+J",)


def test_an_override_takes_its_key_from_the_action_that_had_it_by_profile() -> None:
    bindings = effective_bindings("default", {"article.toggle_read": ["J"]})
    assert bindings["article.toggle_read"] == ("J",)
    assert bindings["article.next"] == ()
    assert conflicts(bindings) == []


def test_overrides_apply_on_top_of_the_chosen_profile() -> None:
    bindings = effective_bindings("netnewswire", {"feed.refresh": ["F6"]})
    assert bindings["feed.refresh"] == ("F6",)
    assert bindings["article.toggle_read"][:2] == ("R", "U")


def test_unknown_actions_and_unreadable_keys_are_dropped_with_warnings() -> None:
    usable, warnings = check_overrides(
        {"no.such_action": ["X"], "article.next": ["Ctrl+Nonsense", "Ctrl+J", "ctrl+j"]}
    )
    assert usable == {"article.next": ("Ctrl+J",)}
    assert len(warnings) == 2
    assert "no.such_action" in warnings[0]
    assert "Ctrl+Nonsense" in warnings[1]
    assert "Next Article" in warnings[1]
    assert effective_bindings("default", {"no.such_action": ["J"]})["article.next"] == ("J",)


def test_two_overrides_on_one_key_stay_a_conflict_and_are_reported() -> None:
    settings = Settings()
    settings.set_shortcut_overrides({"article.next": ["Ctrl+J"], "article.previous": ["Ctrl+J"]})

    resolved = resolve_settings(settings)

    assert conflicts(resolved.bindings) == [
        Conflict("Ctrl+J", ("article.next", "article.previous"))
    ]
    assert len(resolved.warnings) == 1
    assert "Ctrl+J" in resolved.warnings[0]
    assert "Next Article" in resolved.warnings[0]
    assert "Previous Article" in resolved.warnings[0]


# --- key texts and conflicts ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ctrl+k", "Ctrl+K"),
        ("j", "J"),
        ("g,a", "G, A"),
        ("Shift+?", "?"),  # Shift is part of typing "?" on many layouts
        ("Shift++", "+"),
        ("Shift+J", "Shift+J"),
        ("Shift+Space", "Shift+Space"),
        ("Ctrl+,, A", "Ctrl+,, A"),
        ("Ctrl+Nonsense", None),
        ("", None),
    ],
)
def test_normalize_key(text: str, expected: str | None) -> None:
    assert normalize_key(text) == expected


def test_shared_keys_are_a_conflict() -> None:
    found = conflicts({"a.one": ("Ctrl+K", "X"), "a.two": ("Y",), "a.three": ("Ctrl+K",)})
    assert found == [Conflict("Ctrl+K", ("a.one", "a.three"))]
    assert not found[0].is_prefix


def test_a_key_that_starts_a_sequence_is_a_conflict() -> None:
    found = conflicts({"a.go": ("G",), "a.all": ("G, A",), "a.unread": ("G, U",), "a.x": ("A",)})
    assert found == [Conflict("G", ("a.go", "a.all", "a.unread"), ("G, A", "G, U"))]
    assert found[0].is_prefix
    assert found[0].describe(()) == (
        "G is the first key of G then A and G then U, so it cannot work on its own "
        "(“a.go”, “a.all” and “a.unread”)."
    )


def test_comma_keys_are_compared_as_keys_not_as_text() -> None:
    assert conflicts({"a.one": (",",), "a.two": ("Ctrl+,",)}) == []
    assert conflicts({"a.one": ("Ctrl+,",), "a.two": ("Ctrl+,, A",)}) == [
        Conflict("Ctrl+,", ("a.one", "a.two"), ("Ctrl+,, A",))
    ]


def test_a_conflict_names_the_actions_by_their_menu_text() -> None:
    conflict = Conflict("J", ("article.next", "article.toggle_read"))
    assert conflict.describe() == "J is used by “Next Article” and “Toggle Read”."


@pytest.mark.parametrize(
    ("sequence", "single"),
    [
        ("J", True),
        ("Shift+J", True),
        ("?", True),
        ("/", True),
        ("Space", True),
        ("Shift+Space", True),
        ("G, A", True),
        ("1", True),
        ("Ctrl+K", False),
        ("Alt+Return", False),
        ("Meta+J", False),
        ("Ctrl+Shift+P", False),
        ("Ctrl+X, A", False),  # typing cannot reach the A without Ctrl+X first
        ("F1", False),
        ("F35", False),
        ("Esc", False),
        ("Return", False),
        ("Enter", False),
        ("Del", False),
        ("Shift+Up", False),
        ("", False),
    ],
)
def test_single_key_classification(sequence: str, single: bool) -> None:
    assert is_single_key(sequence) is single


# --- applying to QActions ------------------------------------------------------------------


class Window(QMainWindow):
    """The table's actions on a window, a list to hold focus and text fields to type in."""

    def _recorder(self, action_id: str) -> Callable[[], None]:
        return lambda: self.fired.append(action_id)

    def __init__(self) -> None:
        super().__init__()
        self.fired: list[str] = []
        self.actions_by_id = build_actions(
            self, {item.id: self._recorder(item.id) for item in ACTIONS}
        )
        for action in self.actions_by_id.values():
            self.addAction(action)
        body = QWidget()
        layout = QVBoxLayout(body)
        self.list = QListWidget()
        self.list.addItems(["one", "two"])
        self.line = QLineEdit()
        self.plain = QPlainTextEdit()
        self.spin = QSpinBox()
        self.combo = QComboBox()
        self.combo.setEditable(True)
        for widget in (self.list, self.line, self.plain, self.spin, self.combo):
            layout.addWidget(widget)
        self.setCentralWidget(body)


@pytest.fixture
def window(qtbot: QtBot) -> Window:
    shown = Window()
    qtbot.addWidget(shown)
    with qtbot.waitActive(shown):
        shown.show()
        shown.activateWindow()
    shown.list.setFocus()
    return shown


def shortcuts(action: QAction) -> list[str]:
    return [s.toString(keymap.PORTABLE) for s in action.shortcuts()]


def test_apply_bindings_sets_every_named_action(window: Window) -> None:
    bindings = effective_bindings("newsboat", {})
    apply_bindings(window.actions_by_id, bindings)
    for action_id, action in window.actions_by_id.items():
        assert shortcuts(action) == list(bindings[action_id])


def test_without_single_key_shortcuts_only_safe_keys_remain(window: Window) -> None:
    apply_bindings(window.actions_by_id, profile_bindings("default"), single_key_shortcuts=False)
    actions = window.actions_by_id
    assert shortcuts(actions["article.next"]) == []
    assert shortcuts(actions["view.go_all"]) == []
    assert shortcuts(actions["feed.refresh_all"]) == ["F5", "Ctrl+R"]
    assert shortcuts(actions["file.add_feed"]) == ["Ctrl+N"]
    assert shortcuts(actions["article.open"]) == ["Return"]


def test_newsboat_keys_fire_the_right_actions(qtbot: QtBot, window: Window) -> None:
    settings = Settings()
    settings.set("keyboard.profile", "newsboat")
    assert apply_settings(window.actions_by_id, settings) == ()

    qtbot.keyClick(window.list, Qt.Key.Key_J)
    qtbot.keyClick(window.list, Qt.Key.Key_J, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(window.list, Qt.Key.Key_N, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(window.list, Qt.Key.Key_L)

    assert window.fired == ["feed.next", "article.next", "article.toggle_read", "view.hide_read"]


def test_an_override_applied_again_after_a_change_fires(qtbot: QtBot, window: Window) -> None:
    settings = Settings()
    apply_settings(window.actions_by_id, settings)
    heard: list[str] = []
    settings.subscribe(heard.append)

    settings.set_shortcut_override("article.next", ["Ctrl+J"])
    assert heard == ["shortcuts"]
    assert "shortcuts" in keymap.SETTING_KEYS
    apply_settings(window.actions_by_id, settings)
    qtbot.keyClick(window.list, Qt.Key.Key_J)
    qtbot.keyClick(window.list, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)

    assert window.fired == ["article.next"], "J is unbound, Ctrl+J fires"


def test_single_key_setting_stops_single_keys_from_firing(qtbot: QtBot, window: Window) -> None:
    settings = Settings()
    settings.set("keyboard.single_key_shortcuts", False)
    apply_settings(window.actions_by_id, settings)

    qtbot.keyClick(window.list, Qt.Key.Key_K)
    qtbot.keyClick(window.list, Qt.Key.Key_F5)

    assert window.fired == ["feed.refresh_all"]


@pytest.mark.parametrize("field", ["line", "plain", "spin", "combo"])
def test_single_keys_never_fire_while_a_text_field_has_focus(
    qtbot: QtBot, window: Window, field: str
) -> None:
    apply_settings(window.actions_by_id, Settings())
    qtbot.keyClick(window.list, Qt.Key.Key_J)
    assert window.fired == ["article.next"], "outside a text field J fires"
    widget = getattr(window, field)
    target = widget.lineEdit() if isinstance(widget, QComboBox | QSpinBox) else widget
    assert target is not None
    widget.setFocus()
    qtbot.waitUntil(lambda: target.hasFocus() or widget.hasFocus())

    for key in (Qt.Key.Key_1, Qt.Key.Key_J, Qt.Key.Key_Space, Qt.Key.Key_Question):
        qtbot.keyClick(target, key)
    qtbot.keyClick(target, Qt.Key.Key_F5)  # not text: the window still gets it

    assert window.fired == ["article.next", "feed.refresh_all"]
    typed = target.toPlainText() if isinstance(target, QPlainTextEdit) else target.text()
    assert typed.startswith("1"), "the keys went into the field"
