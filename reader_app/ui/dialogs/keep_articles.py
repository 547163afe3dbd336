"""The feed Properties dialog's "Keep articles" group: a feed's own retention limits.

Each limit (days, number of articles) either follows the global setting, shown with its
current value, or is the feed's own: a spin box where 0 is "forever" / "no limit". What the
group returns is what ``Library.set_feed_options`` takes: None follows the global setting.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QGroupBox,
    QLabel,
    QRadioButton,
    QSpinBox,
    QWidget,
)

from reader_app.domain import Feed
from reader_app.domain.retention import MAX_KEEP_DAYS, MAX_KEEP_PER_FEED, RetentionPolicy
from reader_app.ui.dialogs.errors import dim, plain_label


def describe_days(days: int) -> str:
    return "forever" if days <= 0 else f"{days:,} day{'' if days == 1 else 's'}"


def describe_count(count: int) -> str:
    return "no limit" if count <= 0 else f"the newest {count:,}"


class LimitChoice(QObject):
    """One limit: "Global setting (its value)" or "This feed:" with a spin box. Holds the
    widgets; the group lays them out in a grid so the two limits line up. A QObject child
    of the group, so its slot is disconnected before the widgets go."""

    def __init__(
        self,
        owner: QWidget,
        *,
        own: int | None,
        global_text: str,
        global_value: int,
        maximum: int,
        suffix: str,
        zero_text: str,
    ) -> None:
        super().__init__(owner)
        self.global_radio = QRadioButton(global_text, owner)
        self.own_radio = QRadioButton("This feed:", owner)
        self._group = QButtonGroup(self)
        self._group.addButton(self.global_radio)
        self._group.addButton(self.own_radio)
        self.spin = QSpinBox(owner)
        self.spin.setRange(0, maximum)
        self.spin.setSuffix(suffix)
        self.spin.setSpecialValueText(zero_text)
        self.spin.setGroupSeparatorShown(True)
        self.spin.setAccelerated(True)
        # Start the feed's own value from the global one: choosing "This feed" alone
        # changes nothing until the number is changed.
        self.spin.setValue(own if own is not None else global_value)
        (self.own_radio if own is not None else self.global_radio).setChecked(True)
        self.spin.setEnabled(own is not None)
        self.own_radio.toggled.connect(self._own_toggled)

    @Slot(bool)
    def _own_toggled(self, own: bool) -> None:
        self.spin.setEnabled(own)
        if own:
            self.spin.setFocus()
            self.spin.selectAll()

    def value(self) -> int | None:
        """The feed's own value, or None to follow the global setting."""
        return self.spin.value() if self.own_radio.isChecked() else None

    def set_value(self, value: int | None) -> None:
        (self.own_radio if value is not None else self.global_radio).setChecked(True)
        if value is not None:
            self.spin.setValue(value)


class KeepArticlesGroup(QGroupBox):
    """How long and how many of this feed's articles are kept.

    ``policy``: the global retention settings, shown beside "Global setting"; without it
    the choice is shown without the value.
    """

    def __init__(
        self, feed: Feed, policy: RetentionPolicy | None, parent: QWidget | None = None
    ) -> None:
        super().__init__("Keep articles", parent)
        self.days = LimitChoice(
            self,
            own=feed.keep_days,
            global_text=_global_text(None if policy is None else describe_days(policy.keep_days)),
            global_value=0 if policy is None else policy.keep_days,
            maximum=MAX_KEEP_DAYS,
            suffix=" days",
            zero_text="Forever",
        )
        self.days.spin.setToolTip(
            "Delete this feed's articles older than this; Forever keeps them however old."
        )
        self.count = LimitChoice(
            self,
            own=feed.keep_per_feed,
            global_text=_global_text(
                None if policy is None else describe_count(policy.keep_per_feed)
            ),
            global_value=0 if policy is None else policy.keep_per_feed,
            maximum=MAX_KEEP_PER_FEED,
            suffix=" articles",
            zero_text="No limit",
        )
        self.count.spin.setToolTip(
            "Keep only this many of this feed's newest articles; No limit keeps them all."
        )
        unread = (
            "unread ones too when Preferences say so"
            if policy is None
            else "unread ones are kept too"
            if policy.keep_unread
            else "unread ones go like read ones (Preferences)"
        )
        self.note = dim(
            plain_label(f"Starred articles are always kept; {unread}.", selectable=False)
        )

        grid = QGridLayout(self)
        grid.setColumnStretch(4, 1)
        grid.setColumnMinimumWidth(2, 12)
        for row, (label, choice) in enumerate(
            (("Keep for:", self.days), ("Keep at most:", self.count))
        ):
            grid.addWidget(QLabel(label), row, 0)
            grid.addWidget(choice.global_radio, row, 1)
            grid.addWidget(choice.own_radio, row, 3)
            grid.addWidget(choice.spin, row, 4)
        grid.addWidget(self.note, 2, 0, 1, 5)


def _global_text(value: str | None) -> str:
    return "Global setting" if value is None else f"Global setting ({value})"
