"""Keyboard profiles, the user's shortcut overrides, and how they become QAction shortcuts.

The keys of an action are resolved in three layers, each later one winning:

1. the default profile: the ``keys`` column of ``ACTIONS``;
2. a named profile (NetNewsWire, Newsboat) that lists only the actions it binds differently, so
   migrating users find the keys their old reader taught them. A key a profile gives one action
   is taken away from whichever action had it by default: switching profile never leaves two
   actions on one key (Qt fires neither of two actions sharing a key);
3. the user's overrides from the settings file (``Settings.shortcut_overrides``): an override
   replaces an action's keys (an empty one unbinds it) and, like a profile, takes its keys away
   from actions that only had them from the profile. Two overrides on one key (a hand-edited
   file) stay a conflict, reported as a warning; the editor refuses to save one.

Keys travel as Qt's portable text: ``"Ctrl+K"``, ``"Shift+J"``, ``"G, A"`` (two keys one after
the other), ``"?"``. Standard keys (``QKeySequence.StandardKey.Find``) are expanded to this
platform's portable texts when resolved, so the settings file and the tables compare as strings.

Everything here is a plain function of its inputs except ``apply_bindings`` (which sets the
QActions) and ``resolve_settings`` (which reads a ``Settings``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QKeyCombination, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence

from reader_app.settings import SHORTCUTS_KEY, Settings
from reader_app.ui.actions import ACTIONS, ActionSpec, Key

PORTABLE = QKeySequence.SequenceFormat.PortableText
SK = QKeySequence.StandardKey

Bindings = dict[str, tuple[str, ...]]

# --- profiles ------------------------------------------------------------------------------

# NetNewsWire 6 (Mac): the single keys of Mac/MainWindow/Keyboard/GlobalKeyboardShortcuts.plist
# (also its Help > Keyboard Shortcuts page) and the key equivalents of its main menu
# (Mac/Base.lproj/Main.storyboard; Qt's "Ctrl" is the Command key on a Mac). Left out: keys
# whose NetNewsWire command we do not have ("o" mark older as read, "l" mark all read and go to
# next unread, "m" mark unread and go to next unread, the sidebar's , . ; ' collapse/expand),
# and Delete, which there removes the selected feed from the sidebar only; here it would act
# from anywhere in the window.
NETNEWSWIRE: dict[str, tuple[Key, ...]] = {
    "article.next_unread": ("N", "+", "Ctrl+/"),  # n or +; Go > Next Unread
    "article.previous_unread": ("-", "Shift+Up"),
    "article.toggle_read": ("R", "U", "Ctrl+Shift+U"),  # r or u; Article > Mark as Read
    "article.toggle_star": ("S", "Ctrl+Shift+L"),  # s; Article > Mark as Starred
    "article.open": ("B", "Return", "Enter"),  # b, Return or Enter
    "feed.mark_all_read": ("K", "Ctrl+K"),  # k; Article > Mark All as Read
    "feed.previous": ("A",),  # previous subscription
    "feed.next": ("Z",),  # next subscription
    "view.go_today": ("Ctrl+1", "G, T"),  # Go > Today
    "view.go_unread": ("Ctrl+2", "G, U"),  # Go > All Unread
    "view.go_starred": ("Ctrl+3", "G, S"),  # Go > Starred
    "file.export_opml": ("Ctrl+Alt+E",),  # File > Export Subscriptions
    "edit.find": ("Ctrl+Alt+F", SK.Find),  # Edit > Find > Article Search
}

# Newsboat: the default keys of its keymap (src/keymap.cpp, doc/keycmds.dsv). In its article
# list lower-case j / k change feed and upper-case J / K move to the next / previous entry;
# n / p (next / previous unread), r / R (reload / reload all), A (mark feed read), / (search)
# and ? (help) are our defaults already. Left out: q (in Newsboat mostly "back"; quitting a
# window on one key would surprise), s (save to a file), C (mark all feeds read), g / G (sort,
# which would also clash with our "G, A" sequences) and the commands we do not have.
NEWSBOAT: dict[str, tuple[Key, ...]] = {
    "feed.next": ("J",),  # next-feed
    "feed.previous": ("K",),  # prev-feed
    "article.next": ("Shift+J",),  # next
    "article.previous": ("Shift+K",),  # prev
    "feed.next_unread": ("Ctrl+N",),  # next-unread-feed
    "feed.previous_unread": ("Ctrl+P",),  # prev-unread-feed
    "article.toggle_read": ("Shift+N",),  # toggle-article-read
    "article.open": ("O", "Shift+O", "Return"),  # open-in-browser(-and-mark-read)
    "article.scroll_up": ("B", "Shift+Space"),  # b pages up in the article view
    "view.hide_read": ("L",),  # toggle-show-read-feeds
    "edit.tag_filter": ("T",),  # set-tag
    "edit.clear_tag_filter": ("Ctrl+T",),  # clear-tag
    "help.command_palette": (":", "Ctrl+K", "Ctrl+Shift+P"),  # cmdline
}

# The choices of the ``keyboard.profile`` setting. "default" lists nothing: it is ACTIONS.
PROFILES: dict[str, Mapping[str, tuple[Key, ...]]] = {
    "default": {},
    "netnewswire": NETNEWSWIRE,
    "newsboat": NEWSBOAT,
}

PROFILE_TITLES: dict[str, str] = {
    "default": "Default",
    "netnewswire": "NetNewsWire",
    "newsboat": "Newsboat",
}

# A change of any of these means the window's shortcuts must be applied again.
SETTING_KEYS = frozenset({"keyboard.profile", "keyboard.single_key_shortcuts", SHORTCUTS_KEY})


# --- key texts -----------------------------------------------------------------------------


def normalize_key(text: str) -> str | None:
    """``text`` as Qt's portable text (``"ctrl+k"`` -> ``"Ctrl+K"``), or ``None`` when Qt does
    not read it as keys (``"Ctrl+Foo"``)."""
    return sequence_text(QKeySequence.fromString(text, PORTABLE))


def sequence_text(sequence: QKeySequence) -> str | None:
    """A recorded or parsed sequence as portable text, or ``None`` if it is empty or holds a
    key Qt does not know.

    Shift is dropped from a symbol that needs it anyway ("Shift+?" -> "?", "Shift++" -> "+"):
    which symbols need Shift depends on the keyboard layout, a shortcut "?" fires for the "?"
    however it is typed, and one spelling per key keeps conflicts visible. Shift stays on
    letters, digits, Space and named keys ("Shift+J", "Shift+Space", "Shift+Up").
    """
    combos = []
    for index in range(sequence.count()):
        combo = sequence[index]  # type: ignore[index]  # the stubs lack QKeySequence.__getitem__
        key = combo.key()
        if key == Qt.Key.Key_unknown:
            return None
        modifiers = combo.keyboardModifiers()
        if modifiers & Qt.KeyboardModifier.ShiftModifier and _is_symbol(int(key.value)):
            modifiers &= ~Qt.KeyboardModifier.ShiftModifier
        combos.append(QKeyCombination(modifiers, key))
    if not combos:
        return None
    return QKeySequence(*combos).toString(PORTABLE) or None


def _is_symbol(key: int) -> bool:
    if key >= int(Qt.Key.Key_Escape.value):
        return False
    char = chr(key)
    return char.isprintable() and not char.isalnum() and not char.isspace()


def expand_keys(keys: Iterable[Key]) -> tuple[str, ...]:
    """Portable texts of ``keys``, standard keys expanded for this platform, repeats and
    unreadable texts dropped."""
    found: list[str] = []
    for key in keys:
        if isinstance(key, QKeySequence.StandardKey):
            if QGuiApplication.instance() is None:
                # Qt asks the platform for standard keys and crashes when there is none.
                raise RuntimeError("standard keys can only be expanded once a QApplication exists")
            texts = [sequence.toString(PORTABLE) for sequence in QKeySequence.keyBindings(key)]
        else:
            texts = [normalize_key(key) or ""]
        found.extend(text for text in texts if text and text not in found)
    return tuple(found)


def display_key(text: str) -> str:
    """How a key is shown to the user: the platform's own spelling (symbols on a Mac), a
    sequence as "G then A" (a comma would read as two separate keys)."""
    sequence = QKeySequence.fromString(text, PORTABLE)
    return " then ".join(
        QKeySequence(sequence[index]).toString(  # type: ignore[index]  # stubs lack it
            QKeySequence.SequenceFormat.NativeText
        )
        for index in range(sequence.count())
    )


def is_single_key(sequence: str) -> bool:
    """Whether ``sequence`` starts with a key that types text: a printable key (letters, digits,
    punctuation, Space) pressed without Ctrl, Alt or Meta. Shift alone does not change that:
    ``"Shift+J"`` and ``"?"`` type text too.

    These are the shortcuts that typing, a speech-input word or a brush against the keyboard can
    fire by accident (WCAG 2.1.4, "character key shortcuts"): the setting
    ``keyboard.single_key_shortcuts`` turns them off. Function keys, Escape, Return, Enter,
    Delete, Backspace, Tab, the arrows and the other named keys are not single-key shortcuts
    here: no text field inserts them. Qt's text fields claim the text keys for themselves while
    they have focus (``QEvent.ShortcutOverride``), so these never fire from inside one.
    """
    parsed = QKeySequence.fromString(sequence, PORTABLE)
    if parsed.isEmpty():
        return False
    first = parsed[0]  # type: ignore[index]  # the stubs lack QKeySequence.__getitem__
    if first.keyboardModifiers() & (
        Qt.KeyboardModifier.ControlModifier
        | Qt.KeyboardModifier.AltModifier
        | Qt.KeyboardModifier.MetaModifier
    ):
        return False
    # Qt numbers the keys that produce text below Key_Escape, the first of its named keys;
    # QLineEdit claims exactly these keys against shortcuts.
    return int(first.key().value) < int(Qt.Key.Key_Escape.value)


def _parts(sequence: str) -> tuple[int, ...]:
    """A sequence's keys as numbers, so "G" and "G, A" compare key by key (split on text would
    trip over "Ctrl+,")."""
    parsed = QKeySequence.fromString(sequence, PORTABLE)
    return tuple(
        parsed[index].toCombined()  # type: ignore[index]  # the stubs lack __getitem__
        for index in range(parsed.count())
    )


# --- resolving -----------------------------------------------------------------------------


def profile_bindings(profile: str, actions: Sequence[ActionSpec] = ACTIONS) -> Bindings:
    """Action id -> keys under ``profile``, before any override.

    Profile rows for actions this version does not have are skipped (the tables name a few
    actions before the window has them). A key the profile gives one action is removed from
    every action not listed by the profile.
    """
    try:
        table = PROFILES[profile]
    except KeyError:
        raise ValueError(
            f"unknown keyboard profile {profile!r}; expected one of {', '.join(PROFILES)}"
        ) from None
    bindings: Bindings = {item.id: expand_keys(item.keys) for item in actions}
    chosen = {action_id: expand_keys(keys) for action_id, keys in table.items()}
    return _give(bindings, {key: value for key, value in chosen.items() if key in bindings})


def _give(bindings: Bindings, chosen: Mapping[str, tuple[str, ...]]) -> Bindings:
    """``bindings`` with the ``chosen`` rows replaced and their keys taken from every other row."""
    taken = {key for keys in chosen.values() for key in keys}
    return {
        action_id: chosen[action_id]
        if action_id in chosen
        else tuple(key for key in keys if key not in taken)
        for action_id, keys in bindings.items()
    }


def check_overrides(
    overrides: Mapping[str, Sequence[str]], actions: Sequence[ActionSpec] = ACTIONS
) -> tuple[Bindings, tuple[str, ...]]:
    """The usable overrides (keys in portable text) and a warning for each part left out:
    an action this version does not have, or a key text Qt cannot read."""
    known = {item.id: item for item in actions}
    usable: Bindings = {}
    warnings: list[str] = []
    for action_id, keys in overrides.items():
        item = known.get(action_id)
        if item is None:
            warnings.append(
                f"The keyboard shortcut settings name an action this version does not have, "
                f"{action_id!r}; its keys are ignored."
            )
            continue
        good: list[str] = []
        for key in keys:
            text = normalize_key(key)
            if text is None:
                warnings.append(
                    f"The keyboard shortcut {key!r} chosen for “{action_title(item)}” is not a "
                    "key combination; it is ignored."
                )
            elif text not in good:
                good.append(text)
        usable[action_id] = tuple(good)
    return usable, tuple(warnings)


def effective_bindings(
    profile: str,
    overrides: Mapping[str, Sequence[str]],
    actions: Sequence[ActionSpec] = ACTIONS,
) -> Bindings:
    """Action id -> portable key texts: ``profile`` with ``overrides`` applied.

    An override replaces an action's keys entirely (an empty one unbinds it) and takes its keys
    away from actions that are not overridden. Overrides for unknown actions and unreadable keys
    are dropped; ``check_overrides`` says which.
    """
    usable, _warnings = check_overrides(overrides, actions)
    return _give(profile_bindings(profile, actions), usable)


# --- conflicts -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Conflict:
    """Keys that cannot all work.

    Either several actions share ``sequence`` (Qt then fires none of them), or ``sequence`` is
    the start of the ``longer`` sequences (``"G"`` against ``"G, A"``): Qt waits for the second
    key and the short one never fires. ``action_ids`` names every action involved, in table
    order; for a prefix conflict one action may hold both.
    """

    sequence: str
    action_ids: tuple[str, ...]
    longer: tuple[str, ...] = field(default=())

    @property
    def is_prefix(self) -> bool:
        return bool(self.longer)

    def describe(self, actions: Sequence[ActionSpec] = ACTIONS) -> str:
        """A sentence for the user naming the keys and the actions."""
        titles = {item.id: action_title(item) for item in actions}
        names = _join([f"“{titles.get(action_id, action_id)}”" for action_id in self.action_ids])
        if self.is_prefix:
            longer = _join([display_key(text) for text in self.longer])
            return (
                f"{display_key(self.sequence)} is the first key of {longer}, so it cannot "
                f"work on its own ({names})."
            )
        return f"{display_key(self.sequence)} is used by {names}."


def _join(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def conflicts(bindings: Mapping[str, Sequence[str]]) -> list[Conflict]:
    """Every conflict in ``bindings``: keys shared by several actions, then keys that start a
    longer sequence. Sorted by key so the result is stable."""
    holders: dict[tuple[int, ...], list[str]] = {}
    texts: dict[tuple[int, ...], str] = {}
    for action_id, keys in bindings.items():
        for key in keys:
            parts = _parts(key)
            if not parts:
                continue
            texts.setdefault(parts, key)
            if action_id not in holders.setdefault(parts, []):
                holders[parts].append(action_id)
    order = list(bindings)
    found: list[Conflict] = []
    for parts in sorted(holders, key=lambda p: texts[p]):
        ids = holders[parts]
        if len(ids) > 1:
            found.append(Conflict(texts[parts], tuple(ids)))
    for parts in sorted(holders, key=lambda p: texts[p]):
        longer = sorted(
            (
                other
                for other in holders
                if len(other) > len(parts) and other[: len(parts)] == parts
            ),
            key=lambda p: texts[p],
        )
        if longer:
            involved = set(holders[parts]).union(*(holders[other] for other in longer))
            found.append(
                Conflict(
                    texts[parts],
                    tuple(sorted(involved, key=order.index)),
                    tuple(texts[other] for other in longer),
                )
            )
    return found


# --- applying ------------------------------------------------------------------------------


def action_title(item: ActionSpec) -> str:
    """The menu text without its mnemonic marks ("&Add Feed…" -> "Add Feed…")."""
    return re.sub(r"&(.)", r"\1", item.text)


def apply_bindings(
    actions: Mapping[str, QAction],
    bindings: Mapping[str, Sequence[str]],
    *,
    single_key_shortcuts: bool = True,
) -> None:
    """Set each action's shortcuts from ``bindings``; with ``single_key_shortcuts`` off, keys
    that type text (``is_single_key``) are left out. Actions not named in ``bindings`` keep
    theirs."""
    for action_id, action in actions.items():
        keys = bindings.get(action_id)
        if keys is None:
            continue
        action.setShortcuts(
            [
                QKeySequence.fromString(key, PORTABLE)
                for key in keys
                if single_key_shortcuts or not is_single_key(key)
            ]
        )


@dataclass(frozen=True, slots=True)
class ResolvedKeymap:
    """What the settings ask for: the bindings, whether single keys may fire, and what had to
    be left out or cannot work (sentences for the user)."""

    profile: str
    bindings: Bindings
    single_key_shortcuts: bool
    warnings: tuple[str, ...]


def resolve_settings(settings: Settings, actions: Sequence[ActionSpec] = ACTIONS) -> ResolvedKeymap:
    """The bindings of the settings' profile and overrides, with warnings for unusable
    overrides and for conflicts left in a hand-edited file."""
    profile = settings.get_str("keyboard.profile")
    overrides = settings.shortcut_overrides()
    _usable, problems = check_overrides(overrides, actions)
    bindings = effective_bindings(profile, overrides, actions)
    clashes = tuple(
        f"Keyboard shortcut conflict: {conflict.describe(actions)} Change it in Edit > "
        "Keyboard Shortcuts."
        for conflict in conflicts(bindings)
    )
    return ResolvedKeymap(
        profile=profile,
        bindings=bindings,
        single_key_shortcuts=settings.get_bool("keyboard.single_key_shortcuts"),
        warnings=problems + clashes,
    )


def apply_settings(actions: Mapping[str, QAction], settings: Settings) -> tuple[str, ...]:
    """Resolve the settings and set every action's shortcuts; returns the warnings to show.

    The window calls it once after building its actions and again whenever the settings report
    a key in ``SETTING_KEYS``.
    """
    resolved = resolve_settings(settings)
    apply_bindings(actions, resolved.bindings, single_key_shortcuts=resolved.single_key_shortcuts)
    return resolved.warnings
