"""Python's cyclic garbage collection, moved to the GUI thread.

Left automatic, a collection runs in whichever thread happens to allocate when a threshold is
crossed: the database writer, a task's worker. A collection there finalizes whatever cyclic
garbage is due, Qt objects included, and a widget or dialog destroyed off the GUI thread
leaves Qt's own state (its animation timers, seen in a crash under gdb) pointing at freed
memory: an intermittent segfault, found in the window tests about twice in thirty runs.

So automatic collection is off, and a timer on the GUI thread collects by the same
generational thresholds (the recipe of pyqtgraph's ``GarbageCollector``). Reference counting
still frees everything without cycles at once, on any thread.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

# Often enough that garbage piles up no more than it did with automatic collection (a
# young-generation pass is well under a millisecond), rarely enough to cost nothing idle.
INTERVAL_MS = 250


class GuiThreadCollector(QObject):
    """Collects garbage on the thread that created it (the GUI thread), from a timer."""

    def __init__(self, parent: QObject | None = None, *, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)
        self.take_over()

    def take_over(self) -> None:
        """Turn automatic collection off and collect from the timer (again, after ``stop``)."""
        gc.disable()
        self._timer.start()

    def collect_due(self) -> int:
        """Collect the generations whose counts passed their thresholds, as automatic
        collection would have; how many objects were found unreachable."""
        young, middle, old = gc.get_count()
        found = 0
        if young > self._thresholds[0]:
            found += gc.collect(0)
            if middle > self._thresholds[1]:
                found += gc.collect(1)
                if old > self._thresholds[2]:
                    found += gc.collect(2)
        return found

    def stop(self) -> None:
        """Back to automatic collection (the collector is going away)."""
        self._timer.stop()
        gc.enable()


def collect_on_gui_thread(app: QObject) -> GuiThreadCollector:
    """Install the collector for ``app``'s lifetime, or make the one installed take over."""
    existing = app.findChild(GuiThreadCollector)
    if existing is None:
        return GuiThreadCollector(app)
    existing.take_over()
    return existing
