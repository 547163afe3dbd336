"""A timeline of one feed switch, for finding where its time goes (``bench_gui --trace-first``).

Records, from the moment the feed's row is selected until the article list has painted:
the library reads made on the GUI thread, the paints and layouts of the window's widgets,
and every worker task (``Tasks.run``) that ran meanwhile, with its processor time. Python
has one interpreter lock: a worker task busy in Python delays every paint of the window,
so a switch that is slow only now and then usually shows such a task beside it.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

_READS = ("entries", "entry_ids", "entry_items", "count_entries", "feed", "feeds", "tags")
_EVENTS = {
    QEvent.Type.Paint: "paint",
    QEvent.Type.LayoutRequest: "layout",
    QEvent.Type.Resize: "resize",
    QEvent.Type.Show: "show",
}


def _ms() -> float:
    return time.perf_counter() * 1000


@dataclass
class Trace:
    """What happened, in milliseconds of ``time.perf_counter``; shown from ``origin``."""

    origin: float = 0.0
    events: list[tuple[float, str]] = field(default_factory=list)
    reads: list[tuple[float, float, str]] = field(default_factory=list)  # start, wall, name
    tasks: list[tuple[float, float, float, str]] = field(default_factory=list)  # + cpu
    running: dict[object, tuple[float, str]] = field(default_factory=dict)  # start, name
    recording: bool = False
    undo: list[Callable[[], object]] = field(default_factory=list)

    def detach(self) -> None:
        """Stop recording and give the window back its own methods."""
        self.recording = False
        while self.undo:
            self.undo.pop()()

    def start(self) -> None:
        """From now on: widget events and GUI-thread reads (worker tasks are always kept)."""
        self.origin = _ms()
        self.events.clear()
        self.reads.clear()
        self.recording = True

    def lines(self, total_ms: float) -> list[str]:
        at0 = self.origin
        out = [f"first feed switch after start, traced: {total_ms:.1f} ms (ms from the click)"]
        rows = [(at - at0, f"{'':>7}  {what}") for at, what in self.events]
        rows += [
            (at - at0, f"{wall:7.2f}  read on the GUI thread: Library.{name}")
            for at, wall, name in self.reads
        ]
        out += [f"  {at:8.2f} {text}" for at, text in sorted(rows)]
        out.append("worker tasks overlapping it (start, wall, processor ms):")
        now = _ms()
        unfinished = [
            (at, now - at, math.nan, f"{name} (still running)")
            for at, name in list(self.running.values())
        ]
        overlapping = [
            (at - at0, wall, cpu, name)
            for at, wall, cpu, name in self.tasks + unfinished
            if at - at0 < total_ms and at - at0 + wall > 0
        ]
        for at, wall, cpu, name in sorted(overlapping) or [(0.0, 0.0, 0.0, "(none)")]:
            out.append(f"  {at:8.2f} {wall:7.2f} {cpu:7.2f}  {name}")
        return out


class _Recorder(QObject):
    def __init__(self, trace: Trace) -> None:
        super().__init__()
        self._trace = trace

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = _EVENTS.get(event.type())
        if kind is not None and self._trace.recording:
            name = watched.objectName() or type(watched).__name__
            parent = watched.parent()
            owner = f" of {type(parent).__name__}" if parent is not None else ""
            self._trace.events.append((_ms(), f"{kind} {name}{owner}"))
        return False


def _name_of(fn: Callable[[], Any]) -> str:
    inner = getattr(fn, "func", fn)  # a functools.partial
    return getattr(inner, "__qualname__", repr(inner))


def attach(window: Any) -> Trace:
    """Record ``window``'s reads, widget events and worker tasks until ``Trace.detach``.

    Attach before the window's first turn of the event loop, so that the tasks its start
    hands to workers are seen too."""
    trace = Trace(origin=_ms())
    library = window.library
    for name in _READS:
        fn = getattr(library, name)
        trace.undo.append(partial(setattr, library, name, fn))

        def read(*args: Any, _fn: Any = fn, _name: str = name, **kw: Any) -> Any:
            if not trace.recording or threading.current_thread() is not threading.main_thread():
                return _fn(*args, **kw)
            started = _ms()
            try:
                return _fn(*args, **kw)
            finally:
                trace.reads.append((started, _ms() - started, _name))

        setattr(library, name, read)
    tasks = window.tasks
    run = tasks.run

    def timed_run(fn: Callable[[], Any], *args: Any, **kw: Any) -> Any:
        def timed() -> Any:
            key = object()
            trace.running[key] = (_ms(), _name_of(fn))
            cpu = time.thread_time()
            try:
                return fn()
            finally:
                started, name = trace.running.pop(key)
                cpu_ms = (time.thread_time() - cpu) * 1000
                trace.tasks.append((started, _ms() - started, cpu_ms, name))

        return run(timed, *args, **kw)

    tasks.run = timed_run
    trace.undo.append(partial(setattr, tasks, "run", run))
    recorder = _Recorder(trace)
    app = QApplication.instance()
    assert app is not None
    app.installEventFilter(recorder)
    trace.undo.append(partial(app.removeEventFilter, recorder))
    trace.undo.append(partial(setattr, trace, "recorder", recorder))  # kept alive until then
    return trace
