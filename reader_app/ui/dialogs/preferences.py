"""Preferences, generated from the settings table (``reader_app.settings.SETTINGS``).

One tab per key prefix, one editor per setting chosen by its type (spin boxes carry the
table's bounds, combo boxes its choices) and the table's description under each editor. A
setting added to the table appears here with no change to this file; the short labels below
only make the known ones read better.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from reader_app.errors import SettingsError
from reader_app.settings import Settings, SettingSpec, SettingValue
from reader_app.ui.dialogs.errors import dim, plain_label

_INT_LIMIT = 2**31 - 1  # QSpinBox holds a C int

GROUP_TITLES: dict[str, str] = {
    "sync": "Updates",
    "reading": "Reading",
    "keyboard": "Keyboard",
    "ui": "Appearance",
    "retention": "Old Articles",
}

LABELS: dict[str, str] = {
    "sync.interval_minutes": "Check feeds every",
    "sync.on_start": "Check for new articles at start",
    "sync.max_connections": "Downloads at once",
    "sync.max_per_host": "Downloads at once per site",
    "sync.request_timeout_seconds": "Download time limit",
    "sync.max_feed_size_mb": "Largest feed",
    "sync.parse_timeout_seconds": "Reading time limit",
    "sync.max_backoff_hours": "Longest wait after errors",
    "reading.mark_read_on_select": "Mark articles read when selected",
    "reading.mark_read_delay_ms": "Mark read after",
    "reading.newest_first": "Newest articles first",
    "reading.hide_read": "Hide read articles",
    "reading.load_remote_images": "Load remote images in every article",
    "reading.zoom_percent": "Article text size",
    "keyboard.profile": "Shortcut set",
    "keyboard.single_key_shortcuts": "Allow single-key shortcuts",
    "ui.article_pane_position": "Article pane",
    "ui.theme": "Colours",
    "retention.keep_days": "Delete articles older than",
    "retention.keep_per_feed": "Articles kept per feed",
    "retention.keep_unread": "Always keep unread articles",
}

# What a zero means where zero switches a limit off.
ZERO_MEANS: dict[str, str] = {
    "retention.keep_days": "Never",
    "retention.keep_per_feed": "No limit",
}

CHOICE_LABELS: dict[str, str] = {
    "default": "Default",
    "netnewswire": "NetNewsWire",
    "newsboat": "Newsboat",
    "right": "Beside the list",
    "below": "Below the list",
    "system": "Follow the system",
    "light": "Light",
    "dark": "Dark",
}

_UNIT_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("_minutes", " min"),
    ("_seconds", " s"),
    ("_hours", " h"),
    ("_days", " days"),
    ("_ms", " ms"),
    ("_mb", " MB"),
    ("_percent", " %"),
)


def group_of(key: str) -> str:
    return key.split(".", 1)[0]


def label_for(spec: SettingSpec) -> str:
    """The short label: a known one, else the key's last part in words."""
    known = LABELS.get(spec.key)
    if known is not None:
        return known
    words = spec.key.rsplit(".", 1)[-1].replace("_", " ")
    return words[:1].upper() + words[1:]


def suffix_for(key: str) -> str:
    for ending, suffix in _UNIT_SUFFIXES:
        if key.endswith(ending):
            return suffix
    return ""


# Scrolling a page with the wheel must not change a value the pointer happens to pass over:
# unfocused editors hand the wheel on to the scroll area.


class _SpinBox(QSpinBox):
    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class _DoubleSpinBox(QDoubleSpinBox):
    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class _ComboBox(QComboBox):
    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class _Editor:
    """One setting's editor widget, read and written as a setting value."""

    def __init__(self, spec: SettingSpec) -> None:
        self.spec = spec
        self.widget: QWidget = self._make()
        self.widget.setToolTip(spec.description)
        self.widget.setObjectName(spec.key)

    def _make(self) -> QWidget:
        spec = self.spec
        if spec.type is bool:
            return QCheckBox(label_for(spec))
        if spec.type is int or spec.type is float:
            box: QSpinBox | QDoubleSpinBox
            if spec.type is int:
                box = _SpinBox()
                low = -_INT_LIMIT if spec.minimum is None else int(spec.minimum)
                high = _INT_LIMIT if spec.maximum is None else int(spec.maximum)
                box.setRange(max(low, -_INT_LIMIT), min(high, _INT_LIMIT))
            else:
                box = _DoubleSpinBox()
                box.setDecimals(1)
                box.setRange(
                    -1e9 if spec.minimum is None else spec.minimum,
                    1e9 if spec.maximum is None else spec.maximum,
                )
            box.setSuffix(suffix_for(spec.key))
            box.setGroupSeparatorShown(True)
            box.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)
            special = ZERO_MEANS.get(spec.key)
            if special is not None and box.minimum() == 0:
                box.setSpecialValueText(special)
            box.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            return box
        if spec.choices is not None:
            combo = _ComboBox()
            combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            for choice in spec.choices:
                combo.addItem(CHOICE_LABELS.get(choice, choice), choice)
            return combo
        return QLineEdit()

    def value(self) -> SettingValue:
        widget = self.widget
        if isinstance(widget, QCheckBox):
            return widget.isChecked()
        if isinstance(widget, QSpinBox):
            return widget.value()
        if isinstance(widget, QDoubleSpinBox):
            return float(widget.value())
        if isinstance(widget, QComboBox):
            data = widget.currentData()
            return str(data)
        assert isinstance(widget, QLineEdit)
        return widget.text()

    def set_value(self, value: SettingValue) -> None:
        widget = self.widget
        if isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))
        elif isinstance(widget, QSpinBox):
            assert isinstance(value, int)
            widget.setValue(value)
        elif isinstance(widget, QDoubleSpinBox):
            assert isinstance(value, int | float)
            widget.setValue(float(value))
        elif isinstance(widget, QComboBox):
            widget.setCurrentIndex(max(0, widget.findData(value)))
        else:
            assert isinstance(widget, QLineEdit)
            widget.setText(str(value))


def _description(spec: SettingSpec) -> QLabel:
    label = dim(plain_label(spec.description, selectable=False))
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 0.9)
    label.setFont(font)
    return label


# Settings declared for features still being built: a choice
# that changes nothing would mislead, so they are not offered until the feature reads them.
NOT_YET_IN_EFFECT: frozenset[str] = frozenset()  # every setting is in effect now


class PreferencesDialog(QDialog):
    """Edit the settings; OK validates, saves ``settings_file`` atomically, then applies.

    ``settings_changed(frozenset[str])`` carries the keys whose value changed. Nothing is
    written or applied on Cancel, nor when saving fails (the reason is shown and the dialog
    stays open).
    """

    settings_changed = Signal(frozenset)

    def __init__(
        self, settings: Settings, settings_file: Path, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self._settings = settings
        self._settings_file = settings_file
        self._editors: dict[str, _Editor] = {}

        self.tabs = QTabWidget()
        groups: dict[str, list[SettingSpec]] = {}
        for spec in settings.specs:
            if spec.key not in NOT_YET_IN_EFFECT:
                groups.setdefault(group_of(spec.key), []).append(spec)
        for group, specs in groups.items():
            self.tabs.addTab(self._page(specs), GROUP_TITLES.get(group, group.capitalize()))

        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.hide()

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        restore = self.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        assert restore is not None
        restore.setToolTip("Put every setting back to its default; nothing is saved until OK.")
        restore.clicked.connect(self.restore_defaults)

        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.setMinimumSize(520, 400)
        self.resize(640, 600)
        self.load_values()

    def _page(self, specs: list[SettingSpec]) -> QWidget:
        """A grid: labels on the left, each editor with its description below on the right.

        A grid rather than a QFormLayout: the form layout leaves gaps under word-wrapped
        descriptions, the grid gives each row the height its wrapped text needs.
        """
        inner = QWidget()
        grid = QGridLayout(inner)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(14)
        grid.setColumnStretch(1, 1)
        for row, spec in enumerate(specs):
            editor = _Editor(spec)
            self._editors[spec.key] = editor
            field = QVBoxLayout()
            field.setSpacing(2)
            field.addWidget(editor.widget, 0, Qt.AlignmentFlag.AlignLeft)
            field.addWidget(_description(spec))
            if not isinstance(editor.widget, QCheckBox):
                if isinstance(editor.widget, QAbstractSpinBox | QComboBox):
                    editor.widget.setMinimumWidth(150)
                label = QLabel(label_for(spec) + ":")
                label.setBuddy(editor.widget)
                # Vertically centred on the editor (the first line of the field), not the row.
                label.setMinimumHeight(editor.widget.sizeHint().height())
                grid.addWidget(
                    label, row, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop
                )
            grid.addLayout(field, row, 1)
        grid.setRowStretch(len(specs), 1)
        scroll = QScrollArea()
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        return scroll

    # --- public --------------------------------------------------------------------------

    @property
    def ok_button(self) -> QPushButton:
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert button is not None
        return button

    def editor(self, key: str) -> QWidget:
        """The editor widget of ``key`` (for tests and for focusing one setting)."""
        return self._editors[key].widget

    def values(self) -> dict[str, SettingValue]:
        return {key: editor.value() for key, editor in self._editors.items()}

    def load_values(self) -> None:
        for key, editor in self._editors.items():
            editor.set_value(self._settings.get(key))

    def restore_defaults(self) -> None:
        defaults = Settings(self._settings.specs)
        for key, editor in self._editors.items():
            editor.set_value(defaults.get(key))

    def accept(self) -> None:
        try:
            changed = self._save()
        except SettingsError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return
        self.error_label.hide()
        super().accept()
        if changed:
            self.settings_changed.emit(changed)

    def _save(self) -> frozenset[str]:
        """Validate every editor, write the file, then apply: on failure nothing changed."""
        current = self._settings.as_dict()
        validated = {
            key: self._settings.spec(key).validate(value) for key, value in self.values().items()
        }
        changed = frozenset(key for key, value in validated.items() if current[key] != value)
        if not changed:
            return changed
        candidate = Settings(self._settings.specs, {**current, **validated})
        candidate.save(self._settings_file)
        for key in sorted(changed):
            self._settings.set(key, validated[key])
        return changed
