"""User settings: one table declares every setting; values live in a small JSON file.

Each setting is declared once in ``SETTINGS`` (key, type, default, bounds, description), in the
style of qutebrowser's configdata, so validation, the Preferences dialog, the command line and
the file format all follow from one place. The file holds only the values that differ from the
defaults, so a changed default reaches users who never touched that setting.

A damaged settings file must never stop the app from starting: ``Settings.load`` falls back to
defaults and returns warnings for the user instead of raising.

Besides the flat setting keys, the file may hold one member ``"shortcuts"``: the user's keyboard
shortcut overrides, an object of action id -> list of key texts (an empty list unbinds the
action). The core does not know action ids or key names (that is the window's keymap); here only
the shape is checked, so a hand-edited file cannot hand the window anything but short strings.
"""

from __future__ import annotations

import builtins
import difflib
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from reader_app.errors import SettingsError
from reader_app.files import write_atomically

SettingValue = bool | int | float | str

# A settings file is a few hundred bytes; anything far bigger is not ours, and reading it whole
# could exhaust memory before the JSON parser gets to complain.
_MAX_FILE_BYTES = 1024 * 1024

# repr() of a hostile value from a file can be huge; messages only need enough to recognise it.
_MAX_SHOWN_CHARS = 80

# The file member holding shortcut overrides, and the limits of its shape: the window has a few
# dozen actions with at most a handful of keys each, and Qt reads at most four keys a sequence.
SHORTCUTS_KEY = "shortcuts"
MAX_SHORTCUT_ACTIONS = 500
MAX_ACTION_ID_CHARS = 100
MAX_KEYS_PER_ACTION = 8
MAX_KEY_CHARS = 64

ShortcutOverrides = dict[str, tuple[str, ...]]
ShortcutKeys = list[str] | tuple[str, ...]

_TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
_FALSE_WORDS = frozenset({"false", "no", "off", "0"})


def _show(value: object) -> str:
    text = repr(value)
    if len(text) > _MAX_SHOWN_CHARS:
        text = text[: _MAX_SHOWN_CHARS - 3] + "..."
    return text


def _number(bound: float) -> str:
    # 5.0 reads better as "5" in a message about an integer setting.
    return str(int(bound)) if float(bound).is_integer() else str(bound)


@dataclass(frozen=True, slots=True)
class SettingSpec:
    """The declaration of one setting; ``validate`` is the single source of what is allowed."""

    key: str
    # builtins.type because the field itself is named "type" inside the class body.
    type: builtins.type[SettingValue]
    default: SettingValue
    description: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None

    def allowed(self) -> str:
        """What values are accepted, as a phrase for messages and the command line help."""
        if self.type is bool:
            return "true or false"
        if self.type is str:
            if self.choices is not None:
                return "one of " + ", ".join(repr(choice) for choice in self.choices)
            return "text"
        noun = "a whole number" if self.type is int else "a number"
        if self.minimum is not None and self.maximum is not None:
            return f"{noun} from {_number(self.minimum)} to {_number(self.maximum)}"
        if self.minimum is not None:
            return f"{noun} of at least {_number(self.minimum)}"
        if self.maximum is not None:
            return f"{noun} of at most {_number(self.maximum)}"
        return noun

    def validate(self, value: object) -> SettingValue:
        """Return ``value`` coerced to this setting's type, or raise ``SettingsError``.

        Strict on purpose: ``True`` is not ``1`` and ``1`` is not ``True``, since JSON keeps
        them apart and a mix-up there means the file was written by something else.
        """
        if self.type is bool:
            if not isinstance(value, bool):
                raise self._invalid(value)
            return value
        if self.type is str:
            if not isinstance(value, str):
                raise self._invalid(value)
            if self.choices is not None and value not in self.choices:
                raise self._invalid(value)
            return value
        coerced = self._coerce_number(value)
        if self.minimum is not None and coerced < self.minimum:
            raise self._invalid(value)
        if self.maximum is not None and coerced > self.maximum:
            raise self._invalid(value)
        return coerced

    def _coerce_number(self, value: object) -> int | float:
        # bool is a subclass of int; exclude it explicitly.
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise self._invalid(value)
        if self.type is int:
            if not isinstance(value, int):
                raise self._invalid(value)
            return value
        try:
            number = float(value)
        except OverflowError:  # an int too large for a float
            raise self._invalid(value) from None
        # json.loads accepts NaN and Infinity; NaN would also slip past every bound check.
        if not math.isfinite(number):
            raise self._invalid(value)
        return number

    def parse(self, text: str) -> SettingValue:
        """Turn a command line string into a value of this setting, then validate it."""
        value: object
        if self.type is bool:
            word = text.strip().lower()
            if word in _TRUE_WORDS:
                value = True
            elif word in _FALSE_WORDS:
                value = False
            else:
                raise self._invalid(text)
        elif self.type is int:
            try:
                value = int(text.strip())
            except ValueError:
                raise self._invalid(text) from None
        elif self.type is float:
            try:
                value = float(text.strip())
            except ValueError:
                raise self._invalid(text) from None
        else:
            # Text is taken as given: surrounding spaces may be meant.
            value = text
        return self.validate(value)

    def _invalid(self, value: object) -> SettingsError:
        return SettingsError(
            f"Setting {self.key!r} cannot be {_show(value)}: expected {self.allowed()}."
        )


def validate_shortcut_override(action_id: object, keys: object) -> tuple[str, ...]:
    """Check one shortcut override's shape and return its keys as a tuple, or raise.

    ``keys`` is a list or tuple of key texts such as ``"Ctrl+K"`` or ``"G, A"``; an empty one
    means "unbound". Surrounding spaces are dropped and repeats removed (order kept). What the
    texts mean is for the window's keymap to judge.
    """
    if (
        not isinstance(action_id, str)
        or not action_id
        or len(action_id) > MAX_ACTION_ID_CHARS
        or action_id.strip() != action_id
        or not action_id.isprintable()
    ):
        raise SettingsError(
            f"Shortcut override for {_show(action_id)}: an action id must be text of 1 to "
            f"{MAX_ACTION_ID_CHARS} characters without surrounding spaces."
        )
    if not isinstance(keys, list | tuple):
        raise SettingsError(
            f"Shortcut override for {action_id!r} cannot be {_show(keys)}: expected a list "
            "of key texts such as ['Ctrl+K'] (an empty list unbinds the action)."
        )
    if len(keys) > MAX_KEYS_PER_ACTION:
        raise SettingsError(
            f"Shortcut override for {action_id!r} has {len(keys)} keys: at most "
            f"{MAX_KEYS_PER_ACTION} are allowed."
        )
    found: list[str] = []
    for key in keys:
        text = key.strip() if isinstance(key, str) else None
        if not text or len(text) > MAX_KEY_CHARS or not text.isprintable():
            raise SettingsError(
                f"Shortcut override for {action_id!r} cannot hold {_show(key)}: each key must "
                f"be text of 1 to {MAX_KEY_CHARS} characters, such as 'Ctrl+K'."
            )
        if text not in found:
            found.append(text)
    return tuple(found)


def _read_shortcuts(value: object, path: Path) -> tuple[ShortcutOverrides, list[str]]:
    """The usable overrides of a file's ``"shortcuts"`` member and a warning for each bad one."""
    if not isinstance(value, dict):
        return {}, [
            f"{path}: {SHORTCUTS_KEY!r} must be an object of action id -> list of keys, not "
            f"{_show(value)}; using the shortcuts of the keyboard profile."
        ]
    good: ShortcutOverrides = {}
    warnings: list[str] = []
    for action_id, keys in value.items():
        if len(good) >= MAX_SHORTCUT_ACTIONS:
            warnings.append(
                f"{path}: more than {MAX_SHORTCUT_ACTIONS} shortcut overrides; the rest are "
                "ignored."
            )
            break
        try:
            good[action_id] = validate_shortcut_override(action_id, keys)
        except SettingsError as exc:
            warnings.append(f"{path}: {exc} It is ignored.")
    return good, warnings


SETTINGS: tuple[SettingSpec, ...] = (
    # --- sync -----------------------------------------------------------------------------
    SettingSpec(
        "sync.interval_minutes",
        int,
        60,
        "How often feeds without their own update interval are checked for new articles, "
        "in minutes.",
        minimum=5,
        maximum=10080,
    ),
    SettingSpec(
        "sync.on_start",
        bool,
        True,
        "Refresh the feeds that are due as soon as the app starts.",
    ),
    SettingSpec(
        "sync.max_connections",
        int,
        16,
        "How many feeds may be downloaded at the same time in total.",
        minimum=1,
        maximum=64,
    ),
    SettingSpec(
        "sync.max_per_host",
        int,
        2,
        "How many feeds may be downloaded at the same time from any one website.",
        minimum=1,
        maximum=8,
    ),
    SettingSpec(
        "sync.request_timeout_seconds",
        float,
        30.0,
        "How long downloading one feed may take in total before it is given up, in seconds.",
        minimum=1,
        maximum=600,
    ),
    SettingSpec(
        "sync.max_feed_size_mb",
        int,
        16,
        "The largest feed accepted, in megabytes after decompression; bigger feeds are "
        "reported as errors.",
        minimum=1,
        maximum=512,
    ),
    SettingSpec(
        "sync.parse_timeout_seconds",
        float,
        10.0,
        "How long reading one downloaded feed may take before it is stopped, in seconds.",
        minimum=1,
        maximum=300,
    ),
    SettingSpec(
        "sync.max_backoff_hours",
        int,
        24,
        "The longest wait between retries of a feed that keeps failing, in hours.",
        minimum=1,
        maximum=168,
    ),
    # --- reading --------------------------------------------------------------------------
    SettingSpec(
        "reading.mark_read_on_select",
        bool,
        True,
        "Mark an article as read when it is selected in the list.",
    ),
    SettingSpec(
        "reading.mark_read_delay_ms",
        int,
        500,
        "How long an article must stay selected before it is marked as read, in "
        "milliseconds, so skimming past it with the keyboard does not mark it.",
        minimum=0,
        maximum=10000,
    ),
    SettingSpec(
        "reading.newest_first",
        bool,
        True,
        "Show the newest articles at the top of the list.",
    ),
    SettingSpec(
        "reading.hide_read",
        bool,
        False,
        "Hide articles that have already been read.",
    ),
    SettingSpec(
        "reading.load_remote_images",
        bool,
        False,
        "Load images from the web in every article; when off, images load only where you "
        "allow them for one article or one feed.",
    ),
    SettingSpec(
        "reading.zoom_percent",
        int,
        100,
        "The text size of the article pane, in percent of normal.",
        minimum=50,
        maximum=300,
    ),
    # --- keyboard -------------------------------------------------------------------------
    SettingSpec(
        "keyboard.profile",
        str,
        "default",
        "The set of keyboard shortcuts to use, modelled on the named reader.",
        choices=("default", "netnewswire", "newsboat"),
    ),
    SettingSpec(
        "keyboard.single_key_shortcuts",
        bool,
        True,
        "Allow shortcuts made of a single key without Ctrl or Alt, such as j and k.",
    ),
    # --- ui -------------------------------------------------------------------------------
    SettingSpec(
        "ui.article_pane_position",
        str,
        "right",
        "Where the article pane sits relative to the article list.",
        choices=("right", "below"),
    ),
    SettingSpec(
        "ui.theme",
        str,
        "system",
        "Light or dark colours; 'system' follows the desktop's choice and its changes.",
        choices=("system", "light", "dark"),
    ),
    # --- retention ------------------------------------------------------------------------
    SettingSpec(
        "retention.keep_days",
        int,
        0,
        "Delete articles older than this many days; 0 keeps them forever. A feed's "
        "Properties can set its own limit.",
        minimum=0,
        maximum=36500,
    ),
    SettingSpec(
        "retention.keep_per_feed",
        int,
        0,
        "Keep at most this many articles in each feed, deleting the oldest first; 0 means "
        "no limit. A feed's Properties can set its own limit.",
        minimum=0,
        maximum=1_000_000,
    ),
    SettingSpec(
        "retention.keep_unread",
        bool,
        True,
        "Never delete unread articles, whatever their age or number.",
    ),
)


@dataclass(frozen=True, slots=True)
class SettingsLoad:
    """The result of reading a settings file: what could be used, and what was wrong."""

    settings: Settings
    warnings: tuple[str, ...]


class Settings:
    """The current value of every setting in a table.

    Holds no file name and no global state: the composition root loads it, passes it to whoever
    needs it, and saves it. Changes are announced through ``subscribe`` rather than a Qt signal
    so that the core stays free of Qt; the ui bridges the callback to a signal.
    """

    def __init__(
        self,
        specs: Sequence[SettingSpec] = SETTINGS,
        values: Mapping[str, object] | None = None,
    ) -> None:
        """``values``: setting key -> value, and optionally ``"shortcuts"`` (see the module
        docstring), as in the file. Each is validated; a bad one raises ``SettingsError``."""
        self._specs: dict[str, SettingSpec] = {}
        for spec in specs:
            if spec.key in self._specs:
                # A programming error in the table, not a user problem.
                raise ValueError(f"setting {spec.key!r} is declared twice")
            self._specs[spec.key] = spec
        # Defaults go through validate too, so a float setting declared with an int default
        # still holds a float.
        self._defaults: dict[str, SettingValue] = {
            key: spec.validate(spec.default) for key, spec in self._specs.items()
        }
        self._values = dict(self._defaults)
        self._shortcuts: ShortcutOverrides = {}
        for key, value in (values or {}).items():
            if key == SHORTCUTS_KEY:
                self._shortcuts = _validate_shortcuts(value)
            else:
                self._values[key] = self.spec(key).validate(value)
        self._listeners: dict[int, Callable[[str], None]] = {}
        self._next_token = 0

    # --- reading and writing files -------------------------------------------------------

    @classmethod
    def load(cls, path: Path, specs: Sequence[SettingSpec] = SETTINGS) -> SettingsLoad:
        """Read ``path``; never raises for anything wrong with the file or its contents.

        A missing file means defaults and no warning (first start). A file that cannot be used
        at all gives defaults and one warning; each bad or unknown key gives its default and a
        warning of its own, so one typo does not throw away every other setting.
        """
        data, problem = _read_json_object(path)
        if data is None:
            warnings = () if problem is None else (problem,)
            return SettingsLoad(cls(specs), warnings)
        table = {spec.key: spec for spec in specs}
        good: dict[str, object] = {}
        found: list[str] = []
        for key, value in data.items():
            if key == SHORTCUTS_KEY:
                good[key], problems = _read_shortcuts(value, path)
                found.extend(problems)
                continue
            spec = table.get(key)
            if spec is None:
                found.append(f"{path}: unknown setting {key!r} (value {_show(value)}) ignored.")
                continue
            try:
                good[key] = spec.validate(value)
            except SettingsError as exc:
                found.append(f"{path}: {exc} Using the default, {_show(spec.default)}.")
        return SettingsLoad(cls(specs, good), tuple(found))

    def save(self, path: Path) -> None:
        """Write the non-default values to ``path`` as JSON, atomically.

        The new content goes to a temporary file next to the target, is flushed to disk and
        then renamed over the target, so a crash or a full disk leaves either the old file or
        the new one, never half of each. Raises ``SettingsError`` naming the file on failure;
        the old file is then untouched and no temporary file is left behind.
        """
        text = json.dumps(self.changed_values(), indent=2, sort_keys=True, ensure_ascii=False)
        payload = (text + "\n").encode("utf-8")
        try:
            write_atomically(path, payload, make_folder=True)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise SettingsError(f"Cannot save settings to {path}: {reason}") from exc

    # --- values --------------------------------------------------------------------------

    @property
    def specs(self) -> tuple[SettingSpec, ...]:
        return tuple(self._specs.values())

    def spec(self, key: str) -> SettingSpec:
        try:
            return self._specs[key]
        except KeyError:
            raise SettingsError(_unknown_key_message(key, self._specs)) from None

    def get(self, key: str) -> SettingValue:
        self.spec(key)
        return self._values[key]

    def get_bool(self, key: str) -> bool:
        value = self._typed(key, bool)
        assert isinstance(value, bool)
        return value

    def get_int(self, key: str) -> int:
        value = self._typed(key, int)
        assert isinstance(value, int)
        return value

    def get_float(self, key: str) -> float:
        value = self._typed(key, float)
        assert isinstance(value, float)
        return value

    def get_str(self, key: str) -> str:
        value = self._typed(key, str)
        assert isinstance(value, str)
        return value

    def set(self, key: str, value: object) -> None:
        """Validate and store ``value``; listeners hear of it only if the value changed."""
        self._store(key, self.spec(key).validate(value))

    def reset(self, key: str) -> None:
        self.spec(key)
        self._store(key, self._defaults[key])

    def changed_values(self) -> dict[str, object]:
        """The values that differ from their defaults, and the shortcut overrides if there are
        any: what ``save`` writes."""
        changed: dict[str, object] = {
            key: value for key, value in self._values.items() if value != self._defaults[key]
        }
        if self._shortcuts:
            changed[SHORTCUTS_KEY] = self._shortcuts_for_file()
        return changed

    def as_dict(self) -> dict[str, object]:
        """Every value, and the shortcut overrides if there are any, in the file's shape: what
        ``Settings(specs, settings.as_dict())`` takes to make an equal copy."""
        values: dict[str, object] = dict(self._values)
        if self._shortcuts:
            values[SHORTCUTS_KEY] = self._shortcuts_for_file()
        return values

    # --- shortcut overrides --------------------------------------------------------------

    def shortcut_overrides(self) -> ShortcutOverrides:
        """Action id -> the keys the user chose instead of the profile's (empty: unbound)."""
        return dict(self._shortcuts)

    def set_shortcut_override(self, action_id: str, keys: ShortcutKeys) -> None:
        """Replace an action's keys; an empty ``keys`` unbinds it. Raises ``SettingsError``
        for a malformed id or key text (nothing is changed then)."""
        checked = validate_shortcut_override(action_id, keys)
        if action_id not in self._shortcuts and len(self._shortcuts) >= MAX_SHORTCUT_ACTIONS:
            raise SettingsError(f"At most {MAX_SHORTCUT_ACTIONS} shortcut overrides are allowed.")
        if self._shortcuts.get(action_id) == checked:
            return
        self._shortcuts[action_id] = checked
        self._notify(SHORTCUTS_KEY)

    def set_shortcut_overrides(self, overrides: Mapping[str, ShortcutKeys]) -> None:
        """Replace every override at once (one notification), as an editor's OK does."""
        checked = _validate_shortcuts(overrides)
        if checked == self._shortcuts:
            return
        self._shortcuts = checked
        self._notify(SHORTCUTS_KEY)

    def clear_shortcut_override(self, action_id: str) -> None:
        """Give an action back the keys of the profile."""
        if self._shortcuts.pop(action_id, None) is not None:
            self._notify(SHORTCUTS_KEY)

    def clear_shortcut_overrides(self) -> None:
        if self._shortcuts:
            self._shortcuts.clear()
            self._notify(SHORTCUTS_KEY)

    def _shortcuts_for_file(self) -> dict[str, list[str]]:
        # Lists, because that is what JSON has and what load reads back.
        return {key: list(keys) for key, keys in sorted(self._shortcuts.items())}

    def subscribe(self, callback: Callable[[str], None]) -> Callable[[], None]:
        """Call ``callback(key)`` after each change of a value; returns the way to stop.

        The returned function may be called more than once. A listener that raises is a bug:
        the exception propagates to whoever called ``set`` (after the value is stored).
        """
        token = self._next_token
        self._next_token += 1
        self._listeners[token] = callback

        def unsubscribe() -> None:
            self._listeners.pop(token, None)

        return unsubscribe

    def _typed(self, key: str, wanted: type) -> SettingValue:
        spec = self.spec(key)
        if spec.type is not wanted:
            raise SettingsError(
                f"Setting {key!r} holds a {spec.type.__name__}, not a {wanted.__name__}."
            )
        return self._values[key]

    def _store(self, key: str, value: SettingValue) -> None:
        if self._values[key] == value:
            return
        self._values[key] = value
        self._notify(key)

    def _notify(self, key: str) -> None:
        # A copy, so that a listener may unsubscribe (itself or another) while being called.
        for callback in tuple(self._listeners.values()):
            callback(key)


def _validate_shortcuts(value: object) -> ShortcutOverrides:
    """Every override of a ``"shortcuts"`` value, or ``SettingsError`` for the first bad one."""
    if not isinstance(value, Mapping):
        raise SettingsError(
            f"{SHORTCUTS_KEY!r} must be a mapping of action id -> keys, not {_show(value)}."
        )
    if len(value) > MAX_SHORTCUT_ACTIONS:
        raise SettingsError(f"At most {MAX_SHORTCUT_ACTIONS} shortcut overrides are allowed.")
    return {
        action_id: validate_shortcut_override(action_id, keys) for action_id, keys in value.items()
    }


def _unknown_key_message(key: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return f"Unknown setting {key!r}.{hint}"


def _read_json_object(path: Path) -> tuple[dict[str, object] | None, str | None]:
    """The file's top-level JSON object, or ``None`` and why not (``None, None`` if missing)."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(_MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return None, f"{path}: cannot read the settings file ({reason}); using default settings."
    if len(raw) > _MAX_FILE_BYTES:
        return None, (
            f"{path}: the settings file is larger than {_MAX_FILE_BYTES} bytes, so it cannot be "
            "a settings file; using default settings."
        )
    try:
        # utf-8-sig: editors on Windows like to start a UTF-8 file with a byte order mark.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, (
            f"{path}: the settings file is not UTF-8 text (byte {exc.start}); "
            "using default settings."
        )
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, (
            f"{path}: the settings file is not valid JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg}); using default settings."
        )
    except RecursionError:
        # Deeply nested arrays exhaust the parser's recursion before it can report anything.
        return None, f"{path}: the settings file is nested too deeply; using default settings."
    if not isinstance(data, dict):
        return None, (
            f"{path}: the settings file must hold a JSON object, not a {type(data).__name__}; "
            "using default settings."
        )
    return data, None
