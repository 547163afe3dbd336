"""Event-loop stalls: how long a Qt window's event loop waits while a sync runs in its process.

Prints figures; passes or fails nothing. The goal it measures: the window's event loop must not
stall for more than 50 ms while a 1000-feed sync runs in a thread of the same process. Run:

    QT_QPA_PLATFORM=offscreen python -m tests.benchmarks.bench_stall --feeds 1000 \\
        [--scenario cold|warm|incremental|all] [--profile-stalls]

It starts ``feedfarm.py serve`` as a separate process (its CPU and GIL are not ours), imports
the farm's OPML into a fresh library in a temporary directory (``Library.import_opml``), then
builds what the window will be: a QApplication with a visible QMainWindow holding a QListView of
every feed, a label and a progress bar. For each scenario:

* the sync runs as the GUI's sync controller will run it: ``Library.update_feeds(
  SyncSelection(force=True), on_progress=...)`` in a ``threading.Thread``, whose progress
  callback only emits a Qt signal; the GUI thread receives it queued and does a small update
  per feed (the label, the progress bar, the feed's row in the list);
* the GUI thread runs ``app.exec()`` until the sync thread has finished;
* a 5 ms ``QTimer`` probe (PreciseTimer) records ``time.perf_counter()`` at every timeout; a gap
  between two consecutive timeouts is how long the event loop could not run Python code. With
  nothing else running a gap is ~5 ms; a longer one is a stall.

Scenarios: **cold** (feeds imported, never synced), **warm** (again right after: every feed
answers 304), **incremental** (the farm advances one epoch with ``/_ctl/advance?fraction=1``:
every feed gains 1-5 entries). A scenario run alone first brings the library to its starting
state with an unmeasured sync.

Each scenario prints the sync's wall time, the probe's tick count and its gaps in ms (max, p99,
p95, median, how many over 50 ms and over 16 ms, one frame at 60 Hz), the sync's counts, and
the same figures for a **control** probe: a 5 ms sleep loop in a child process, which shares
the CPUs but not the GIL. Stalls the window sees and the control does not are the GIL's; stalls
both see are CPU contention (the farm and the parser processes share the cores). Then the
slowest progress slot, and the garbage collections of the run (``gc.callbacks``): a full
collection holds the GIL from start to end, for a time that grows with every object alive.

``--profile-stalls`` starts a sampler thread that takes ``sys._current_frames()`` every 2 ms and
keeps the stacks of the threads that are not blocked (waiting on a lock, a queue, a socket or a
pipe). For every gap over 50 ms it keeps the samples taken during the gap (or, when the sampler
itself could not run, the last one before the gap ended), and it records which thread and stack
triggered each full collection. At the end it prints the longest gaps and the five stacks that
share most of the stall time: where the GIL was held.

Like the window, the probe calls ``reader_app.app.settle_heap()`` (``gc.freeze()``) once it is
built; ``--no-gc-freeze`` leaves that out. Experiments, to weigh other remedies without changing
the product: ``--switch-interval MS`` (``sys.setswitchinterval``),
``--parse-workers N`` and ``--nice-parsers N`` (the parser processes' nice value, Linux).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import faulthandler
import gc
import itertools
import json
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import CodeType, FrameType
from typing import TYPE_CHECKING

from tests.benchmarks.feedfarm import FarmProcess, running_farm

if TYPE_CHECKING:
    from reader_app.library import Library
    from reader_app.sync import SyncOptions, SyncReport

# Qt and reader_app are imported inside functions: the parser pool spawns worker processes that
# re-import this script as ``__mp_main__``, and they need neither.

SCENARIOS = ("cold", "warm", "incremental")
PROBE_MS = 5
STALL_MS = 50.0
FRAME_MS = 16.0
SAMPLE_S = 0.002
MAX_DEPTH = 40
STACK_LINES = 22
SITE_FRAMES = 6


# ---------------------------------------------------------------------------------------------
# The farm runs as a child process (feedfarm.FarmProcess)


# ---------------------------------------------------------------------------------------------
# Garbage collections (they hold the GIL from start to end)

Stack = tuple[tuple[CodeType, int], ...]
"""Innermost frame first: (code, line)."""


def _stack_of(top: FrameType | None) -> Stack:
    stack: list[tuple[CodeType, int]] = []
    frame = top
    while frame is not None and len(stack) < MAX_DEPTH:
        stack.append((frame.f_code, frame.f_lineno))
        frame = frame.f_back
    return tuple(stack)


@dataclass(slots=True)
class GcPass:
    start: float
    end: float
    generation: int
    cpu_s: float
    """CPU time of the collecting thread: below the wall time when the CPUs were busy."""
    thread: str
    stack: Stack
    """What allocated the object that triggered the collection (full collections only)."""


class GcRecorder:
    """Every collection: start and end, generation, CPU time, and who triggered a full one."""

    def __init__(self) -> None:
        self.passes: list[GcPass] = []
        self._started = (0.0, 0.0)
        self._who: tuple[str, Stack] = ("", ())

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        generation = info["generation"]
        if phase == "start":
            self._started = (now, cpu)
            if generation == 2:
                self._who = (threading.current_thread().name, _stack_of(sys._getframe(1)))
        else:
            start, cpu0 = self._started
            who = self._who if generation == 2 else ("", ())
            self.passes.append(GcPass(start, now, generation, cpu - cpu0, *who))

    def __enter__(self) -> GcRecorder:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *_exc: object) -> None:
        gc.callbacks.remove(self)

    def inside(self, start: float, end: float) -> float:
        """Seconds of collection between ``start`` and ``end``."""
        return sum(max(0.0, min(p.end, end) - max(p.start, start)) for p in self.passes)

    def summary(self) -> str:
        if not self.passes:
            return "no collections"
        by_gen = Counter(p.generation for p in self.passes)
        longest = max(self.passes, key=lambda p: p.end - p.start)
        total = sum(p.end - p.start for p in self.passes)
        gens = ", ".join(f"gen{g} {n}" for g, n in sorted(by_gen.items()))
        length = (longest.end - longest.start) * 1000
        return (
            f"{gens}; {total * 1000:.0f} ms in all, longest {length:.1f} ms "
            f"(gen{longest.generation}, {longest.cpu_s * 1000:.1f} ms of CPU)"
        )


def tracked_objects() -> int:
    return len(gc.get_objects())


# ---------------------------------------------------------------------------------------------
# The stack sampler behind --profile-stalls


# Where a thread waits with the GIL released: a sample whose innermost Python frame is one of
# these (file name ending, function) is a thread blocked in C, not one holding the GIL.
IDLE_SITES: tuple[tuple[str, str], ...] = (
    ("threading.py", "wait"),
    ("threading.py", "_wait_for_tstate_lock"),
    ("queue.py", "get"),
    ("concurrent/futures/thread.py", "_worker"),
    ("selectors.py", "select"),
    ("multiprocessing/connection.py", "_recv"),
    ("multiprocessing/connection.py", "_send"),
    ("multiprocessing/connection.py", "wait"),
    ("socket.py", "readinto"),
    ("socket.py", "getaddrinfo"),
    ("socket.py", "create_connection"),
    ("httpcore/_backends/sync.py", "read"),
    ("httpcore/_backends/sync.py", "write"),
)


@dataclass(slots=True)
class Gap:
    start: float
    end: float
    samples: list[tuple[float, list[tuple[int, Stack]]]]
    before: bool
    """No sample was taken during the gap; ``samples`` holds the last one before its end."""


@dataclass(slots=True)
class SamplerStats:
    samples: int = 0
    busy_s: float = 0.0
    max_busy_s: float = 0.0


class StackSampler:
    """Samples the stacks of every non-idle thread every ``interval`` seconds."""

    def __init__(self, gui_ident: int, gui_idle: CodeType, interval: float = SAMPLE_S) -> None:
        self._gui_ident = gui_ident
        self._gui_idle = gui_idle
        self._interval = interval
        self._ring: deque[tuple[float, list[tuple[int, Stack]]]] = deque(maxlen=8192)
        self._lock = threading.Lock()
        self._idle: dict[CodeType, bool] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.names: dict[int, str] = {}
        self.stats = SamplerStats()
        self.gaps: list[Gap] = []

    def __enter__(self) -> StackSampler:
        self._thread = threading.Thread(target=self._run, name="stall-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _is_idle(self, code: CodeType) -> bool:
        known = self._idle.get(code)
        if known is None:
            path = code.co_filename.replace("\\", "/")
            known = any(code.co_name == name and path.endswith(tail) for tail, name in IDLE_SITES)
            self._idle[code] = known
        return known

    def _run(self) -> None:
        me = threading.get_ident()
        stats = self.stats
        while not self._stop.is_set():
            time.sleep(self._interval)
            started = time.perf_counter()
            active = self._sample(me)
            with self._lock:
                self._ring.append((started, active))
            busy = time.perf_counter() - started
            stats.samples += 1
            stats.busy_s += busy
            stats.max_busy_s = max(stats.max_busy_s, busy)

    def _sample(self, me: int) -> list[tuple[int, Stack]]:
        active: list[tuple[int, Stack]] = []
        for ident, top in sys._current_frames().items():
            if ident == me:
                continue
            code = top.f_code
            idle = code is self._gui_idle if ident == self._gui_ident else self._is_idle(code)
            if idle:
                continue
            active.append((ident, _stack_of(top)))
            if ident not in self.names:
                self.names.update((t.ident or 0, t.name) for t in threading.enumerate())
        return active

    def note_gap(self, start: float, end: float) -> None:
        """Called by the GUI thread after a long gap: keep what the sampler saw during it."""
        inside: list[tuple[float, list[tuple[int, Stack]]]] = []
        last_before: tuple[float, list[tuple[int, Stack]]] | None = None
        with self._lock:
            for sample in reversed(self._ring):
                if sample[0] > end:
                    continue
                if sample[0] < start:
                    last_before = sample
                    break
                inside.append(sample)
        if inside:
            self.gaps.append(Gap(start, end, inside[::-1], before=False))
        else:
            self.gaps.append(Gap(start, end, [last_before] if last_before else [], before=True))

    def group(self, ident: int) -> str:
        if ident == self._gui_ident:
            return "GUI"
        return _group_name(self.names.get(ident, f"thread {ident}"))


def _group_name(name: str) -> str:
    """A thread's name without its pool index: ``fetch_3`` -> ``fetch``."""
    if name == "MainThread":
        return "GUI"
    head, _, tail = name.rpartition("_")
    return head if head and tail.isdigit() else name


def _path_prefixes() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {str(Path(__file__).resolve().parents[2]), *(paths[k] for k in ("purelib", "stdlib"))}
    return tuple(sorted((root.rstrip("/") + "/" for root in roots), key=len, reverse=True))


_PREFIXES = _path_prefixes()


def _short_path(path: str) -> str:
    """A file name relative to the repository, site-packages or the standard library."""
    for prefix in _PREFIXES:
        if path.startswith(prefix):
            return path[len(prefix) :]
    return path


def _frame_text(code: CodeType, line: int) -> str:
    return f"{_short_path(code.co_filename)}:{line} {code.co_name}"


Site = tuple[str, tuple[tuple[str, str], ...]]
"""A thread group and the (file, function) of a stack's innermost frames, lines left out."""


def _site(label: str, stack: Stack) -> Site:
    return label, tuple((c.co_filename, c.co_name) for c, _l in stack[:SITE_FRAMES])


def print_stall_profile(
    sampler: StackSampler, gc_recorder: GcRecorder, origin: float, wall_s: float, top: int = 5
) -> None:
    gaps = sampler.gaps
    stats = sampler.stats
    print(
        f"  sampler: {stats.samples} samples, {stats.busy_s / max(wall_s, 1e-9) * 100:.1f}% of "
        f"the wall in sampling, longest sample {stats.max_busy_s * 1000:.1f} ms"
    )
    if not gaps:
        print(f"  no gap over {STALL_MS:.0f} ms: nothing to profile")
        return
    total = sum(g.end - g.start for g in gaps)
    in_gc = sum(gc_recorder.inside(g.start, g.end) for g in gaps)
    blind = sum(1 for g in gaps if g.before)
    print(
        f"  {len(gaps)} gaps over {STALL_MS:.0f} ms, {total * 1000:.0f} ms in all, of which "
        f"{in_gc * 1000:.0f} ms garbage collection; {blind} gap(s) with no sample inside "
        "(the sampler could not run either: one long GIL hold; the last sample before is used)"
    )
    in_gc_code = GcRecorder.__call__.__code__
    by_group: Counter[str] = Counter()  # samples of busy threads inside long gaps
    seen_in: Counter[Site] = Counter()  # long gaps in which a site was seen
    blame: dict[Site, float] = {}  # stall milliseconds attributed to a site
    exact: dict[Site, Counter[Stack]] = {}
    for gap in gaps:
        sites_here: set[Site] = set()
        # A full collection inside the gap takes the blame for its own length; the rest of the
        # gap is shared equally by the busy-thread stacks sampled during it.
        gap_ms = (gap.end - gap.start) * 1000
        for p in gc_recorder.passes:
            overlap = (min(p.end, gap.end) - max(p.start, gap.start)) * 1000
            if overlap > 1 and p.generation == 2:
                site = _site(f"{_group_name(p.thread)} [full garbage collection]", p.stack)
                sites_here.add(site)
                blame[site] = blame.get(site, 0.0) + overlap
                exact.setdefault(site, Counter())[p.stack] += 1
                gap_ms -= overlap
        busy = [
            (ident, stack)
            for _t, active in gap.samples
            for ident, stack in active
            if stack and stack[0][0] is not in_gc_code
        ]
        for ident, stack in busy:
            group = sampler.group(ident)
            by_group[group] += 1
            site = _site(group, stack)
            sites_here.add(site)
            blame[site] = blame.get(site, 0.0) + max(gap_ms, 0.0) / len(busy)
            exact.setdefault(site, Counter())[stack] += 1
        seen_in.update(sites_here)
    shares = sum(by_group.values()) or 1
    print(
        "  busy-thread samples inside long gaps, by thread: "
        + (", ".join(f"{g} {n / shares * 100:.0f}%" for g, n in by_group.most_common()) or "-")
    )
    print("  longest gaps (seconds into the sync, length, innermost frames of busy threads):")
    for gap in sorted(gaps, key=lambda g: g.start - g.end)[:5]:
        leaves: Counter[str] = Counter()
        for _t, active in gap.samples:
            for ident, stack in active:
                code, line = stack[0]
                where = "[gc]" if code is in_gc_code else _frame_text(code, line)
                leaves[f"{sampler.group(ident)}: {where}"] += 1
        what = "; ".join(f"{leaf} x{n}" for leaf, n in leaves.most_common(3)) or "(no sample)"
        gc_ms = gc_recorder.inside(gap.start, gap.end) * 1000
        print(
            f"    +{gap.start - origin:7.3f} s  {(gap.end - gap.start) * 1000:6.1f} ms"
            f"{'  (before)' if gap.before else ''}{f'  gc {gc_ms:.0f} ms' if gc_ms else ''}"
            f"  {what}"
        )
    print(
        f"  top {top} offending stacks (innermost last), by the stall time they share "
        "(a gap's collection time goes to the collection, the rest to the stacks sampled in it):"
    )
    ranked = sorted(blame.items(), key=lambda item: -item[1])[:top]
    for rank, (site, ms) in enumerate(ranked, 1):
        stack, n = exact[site].most_common(1)[0]
        print(
            f"  #{rank} thread {site[0]}: {ms:.0f} ms, in {seen_in[site]} of {len(gaps)} long "
            f"gaps ({sum(exact[site].values())} samples; this exact stack {n})"
        )
        for code, line in reversed(stack[:STACK_LINES]):
            print(f"      {_frame_text(code, line)}")


# ---------------------------------------------------------------------------------------------
# The control probe: the same 5 ms tick in another process, which shares the CPUs but not the GIL

_CONTROL_CODE = """
import json, select, sys, time
last = time.perf_counter()
gaps = []
while not select.select([sys.stdin], [], [], 0.005)[0]:
    now = time.perf_counter()
    gaps.append((now - last) * 1000)
    last = now
json.dump(gaps, sys.stdout)
"""


class ControlProbe:
    """Gaps of a sleeping loop in a child process: what the machine alone does to a 5 ms tick.

    Stalls seen by the window but not here are the GIL's; stalls seen here too are CPU
    contention (two cores shared with the farm and the parser processes) or the kernel's.
    """

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _CONTROL_CODE], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )

    def stop(self) -> list[float]:
        out, _err = self.proc.communicate(b"stop\n", timeout=30)
        gaps = json.loads(out)
        assert isinstance(gaps, list)
        return [float(g) for g in gaps]


class ParserRenicer:
    """Gives this process's parser workers a nice value, from a thread of its own (Linux).

    Not from the GUI thread: each small file read there releases the GIL, and getting it back
    costs up to a switch interval while the sync threads are busy.
    """

    def __init__(self, niceness: int) -> None:
        self._niceness = niceness
        self._seen: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="renicer", daemon=True)

    def __enter__(self) -> ParserRenicer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            with contextlib.suppress(OSError):
                self._renice()

    def _renice(self) -> None:
        for task in Path("/proc/self/task").iterdir():
            with contextlib.suppress(OSError):
                for pid in (task / "children").read_text().split():
                    if pid in self._seen:
                        continue
                    self._seen.add(pid)
                    with contextlib.suppress(OSError):
                        if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                            os.setpriority(os.PRIO_PROCESS, int(pid), self._niceness)


# ---------------------------------------------------------------------------------------------
# Gap statistics


@dataclass(slots=True)
class Outcome:
    scenario: str
    wall_s: float
    gaps_ms: list[float]
    report: SyncReport | None
    error: BaseException | None
    control_gaps_ms: list[float]
    slot_max_ms: float
    slot_total_ms: float
    progress_events: int
    gc_summary: str


def gap_stats(gaps: Sequence[float]) -> dict[str, float]:
    if len(gaps) < 2:
        value = gaps[0] if gaps else 0.0
        return {"max": value, "p99": value, "p95": value, "median": value}
    cuts = statistics.quantiles(gaps, n=100, method="inclusive")
    return {
        "max": max(gaps),
        "p99": cuts[98],
        "p95": cuts[94],
        "median": statistics.median(gaps),
    }


HEADER = (
    f"{'scenario':<12} {'N':>5} {'sync s':>7} {'ticks':>6} | {'max':>7} {'p99':>6} {'p95':>6} "
    f"{'median':>6} {'>50ms':>5} {'>16ms':>5} | {'updated':>7} {'304':>5} {'failed':>6} "
    f"{'new':>7}"
)


def gap_columns(gaps: Sequence[float]) -> str:
    s = gap_stats(gaps)
    over50 = sum(1 for g in gaps if g > STALL_MS)
    over16 = sum(1 for g in gaps if g > FRAME_MS)
    return (
        f"{len(gaps):>6} | {s['max']:>7.1f} {s['p99']:>6.1f} {s['p95']:>6.1f} {s['median']:>6.1f} "
        f"{over50:>5} {over16:>5}"
    )


def format_row(o: Outcome, feeds: int) -> str:
    r = o.report
    counts = (
        f"{r.updated:>7} {r.not_modified:>5} {r.failed:>6} {r.new_entries:>7}"
        if r is not None
        else f"{'error':>7}"
    )
    return (
        f"{o.scenario:<12} {feeds:>5} {o.wall_s:>7.2f} {gap_columns(o.gaps_ms)} | {counts}\n"
        f"{'  control':<12} {'':>5} {'':>7} {gap_columns(o.control_gaps_ms)} | "
        "(the same tick in another process)"
    )


# ---------------------------------------------------------------------------------------------
# The window and the measured sync


def run_scenarios(
    library: Library,
    farm: FarmProcess,
    scenarios: Sequence[str],
    feeds: int,
    *,
    options: SyncOptions,
    profile: bool,
    gc_freeze: bool,
) -> list[Outcome]:
    from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import (
        QApplication,
        QLabel,
        QListView,
        QMainWindow,
        QProgressBar,
        QVBoxLayout,
        QWidget,
    )

    from reader_app.sync import SyncProgress, SyncReport, SyncSelection

    class Bridge(QObject):
        """Lives in the GUI thread; the sync thread only emits its signals."""

        progress = Signal(int, int, int, str, int)  # done, total, feed id, outcome, new entries
        finished = Signal()

    class Window(QMainWindow):
        def __init__(self) -> None:
            super().__init__()
            self.setWindowTitle("bench_stall")
            self.resize(900, 700)
            self.model = QStandardItemModel(self)
            self.rows: dict[int, int] = {}
            self.titles: dict[int, str] = {}
            for row, summary in enumerate(library.feeds()):
                feed = summary.feed
                title = feed.user_title or feed.title or feed.url
                self.rows[int(feed.id)] = row
                self.titles[int(feed.id)] = title
                self.model.appendRow(QStandardItem(title))
            self.view = QListView()
            self.view.setModel(self.model)
            self.view.setUniformItemSizes(True)
            self.label = QLabel("idle")
            self.bar = QProgressBar()
            box = QVBoxLayout()
            box.addWidget(self.label)
            box.addWidget(self.bar)
            box.addWidget(self.view)
            central = QWidget()
            central.setLayout(box)
            self.setCentralWidget(central)
            self.slot_max = 0.0
            self.slot_total = 0.0
            self.events = 0

        def reset(self) -> None:
            self.slot_max = self.slot_total = 0.0
            self.events = 0
            self.bar.setValue(0)
            self.label.setText("syncing…")

        @Slot(int, int, int, str, int)
        def on_progress(self, done: int, total: int, feed_id: int, outcome: str, new: int) -> None:
            started = time.perf_counter()
            self.label.setText(f"Updating feeds: {done} of {total}")
            self.bar.setMaximum(total)
            self.bar.setValue(done)
            row = self.rows.get(feed_id)
            if row is not None:
                item = self.model.item(row)
                text = f"{self.titles[feed_id]} ({new})" if new else self.titles[feed_id]
                item.setText(text if outcome != "failed" else f"{text} [failed]")
                if done % 25 == 0:
                    self.view.scrollTo(self.model.indexFromItem(item))
            spent = time.perf_counter() - started
            self.slot_max = max(self.slot_max, spent)
            self.slot_total += spent
            self.events += 1

    class Probe(QObject):
        """A 5 ms timer that records when it fires; the gaps between firings are the stalls.

        One for the whole run, like every Qt object here: a QObject that Python drops might be
        destroyed by a garbage collection running in a sync thread, which Qt does not allow.
        """

        def __init__(self, parent: QObject) -> None:
            super().__init__(parent)
            self.ticks: list[float] = []
            self.started = 0.0
            self.sampler: StackSampler | None = None
            self.timer = QTimer(self)
            self.timer.setTimerType(Qt.TimerType.PreciseTimer)
            self.timer.setInterval(PROBE_MS)
            self.timer.timeout.connect(self.on_tick)

        def reset(self, sampler: StackSampler | None) -> None:
            self.ticks = []
            self.started = 0.0
            self.sampler = sampler

        def start(self, worker: threading.Thread) -> None:
            self.timer.start()
            self.started = time.perf_counter()
            self.ticks.append(self.started)
            worker.start()

        @Slot()
        def on_tick(self) -> None:
            now = time.perf_counter()
            if self.sampler is not None and now - self.ticks[-1] > STALL_MS / 1000:
                self.sampler.note_gap(self.ticks[-1], now)
            self.ticks.append(now)

    app = QApplication.instance() or QApplication(["bench_stall"])
    assert isinstance(app, QApplication)
    window = Window()
    window.show()
    bridge = Bridge()
    bridge.progress.connect(window.on_progress, Qt.ConnectionType.QueuedConnection)
    bridge.finished.connect(app.quit, Qt.ConnectionType.QueuedConnection)
    probe = Probe(bridge)
    watchdog = QTimer(bridge)
    watchdog.setSingleShot(True)
    watchdog.timeout.connect(app.quit)
    app.processEvents()
    if gc_freeze:
        from reader_app.app import settle_heap

        settle_heap()  # what the window does once it is built

    def sync_in_thread(box: dict[str, object]) -> None:
        def on_progress(p: SyncProgress) -> None:
            r = p.result
            bridge.progress.emit(p.done, p.total, int(r.feed_id), r.outcome.value, r.new_entries)

        started = time.perf_counter()
        try:
            box["report"] = library.update_feeds(
                SyncSelection(force=True), options=options, on_progress=on_progress
            )
        except Exception as exc:  # noqa: BLE001 - printed by the GUI thread after the loop
            box["error"] = exc
        finally:
            box["wall"] = time.perf_counter() - started
            bridge.finished.emit()

    def exec_loop() -> None:
        app.exec()  # the sampler treats the GUI thread as idle while this frame is innermost

    outcomes: list[Outcome] = []
    for scenario in scenarios:
        if scenario == "incremental":
            changed = farm.ctl("advance?fraction=1")
            print(f"  farm advanced: {changed}", file=sys.stderr, flush=True)
        window.reset()
        box: dict[str, object] = {}
        sampler = StackSampler(threading.get_ident(), exec_loop.__code__) if profile else None
        probe.reset(sampler)
        worker = threading.Thread(target=sync_in_thread, args=(box,), name="sync-controller")
        QTimer.singleShot(0, partial(probe.start, worker))
        watchdog.start(30 * 60 * 1000)
        print(f"  {scenario}: syncing {feeds} feeds…", file=sys.stderr, flush=True)
        objects_before = tracked_objects()
        with GcRecorder() as gc_recorder, contextlib.ExitStack() as stack:
            if sampler is not None:
                stack.enter_context(sampler)
            control = ControlProbe()
            exec_loop()
            control_gaps = control.stop()
            probe.timer.stop()
            watchdog.stop()
            worker.join()
        app.processEvents()  # progress events still queued are drawn before the next scenario
        ticks = probe.ticks
        gaps = [(b - a) * 1000 for a, b in itertools.pairwise(ticks)]
        report, error, wall = box.get("report"), box.get("error"), box.get("wall")
        assert isinstance(wall, float), "the event loop stopped before the sync ended"
        outcome = Outcome(
            scenario=scenario,
            wall_s=wall,
            gaps_ms=gaps,
            control_gaps_ms=control_gaps,
            report=report if isinstance(report, SyncReport) else None,
            error=error if isinstance(error, BaseException) else None,
            slot_max_ms=window.slot_max * 1000,
            slot_total_ms=window.slot_total * 1000,
            progress_events=window.events,
            gc_summary=f"{gc_recorder.summary()}; tracked objects {objects_before:,} before, "
            f"{tracked_objects():,} after",
        )
        outcomes.append(outcome)
        print(HEADER)
        print(format_row(outcome, feeds))
        print(
            f"  GUI: {outcome.progress_events} progress updates, slowest "
            f"{outcome.slot_max_ms:.2f} ms, {outcome.slot_total_ms:.0f} ms in all; "
            f"GC: {outcome.gc_summary}"
        )
        if outcome.error is not None:
            print(f"  ! the sync raised {outcome.error!r}")
        if sampler is not None:
            print_stall_profile(sampler, gc_recorder, probe.started, wall)
        print(flush=True)
    window.close()
    window.deleteLater()
    bridge.deleteLater()
    app.processEvents()
    return outcomes


def prepare(library: Library, scenario: str, options: SyncOptions) -> None:
    """Bring a fresh library to where ``scenario`` starts, without measuring."""
    from reader_app.sync import SyncSelection

    if scenario in ("warm", "incremental"):
        print(f"  setup for {scenario}: an unmeasured cold sync…", file=sys.stderr, flush=True)
        library.update_feeds(SyncSelection(force=True), options=options)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--feeds", type=int, default=1000, metavar="N")
    parser.add_argument("--scenario", choices=(*SCENARIOS, "all"), default="all")
    parser.add_argument(
        "--profile-stalls",
        action="store_true",
        help=f"sample the other threads' stacks and print what ran during gaps > {STALL_MS} ms",
    )
    parser.add_argument(
        "--switch-interval",
        type=float,
        metavar="MS",
        help="sys.setswitchinterval for this process (an experiment; Python's default is 5 ms)",
    )
    parser.add_argument(
        "--no-gc-freeze",
        dest="gc_freeze",
        action="store_false",
        help="skip reader_app.app.settle_heap() (gc.freeze) once the window is built, to see "
        "the stalls full garbage collections cause without it",
    )
    parser.add_argument(
        "--nice-parsers",
        type=int,
        metavar="N",
        help="give the parser worker processes nice value N (an experiment; Linux only)",
    )
    parser.add_argument(
        "--parse-workers", type=int, metavar="N", help="SyncOptions.parse_workers (default 2)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=0, help="the farm's port; 0 picks one")
    args = parser.parse_args(argv)
    faulthandler.enable()  # a crash in a sync or Qt thread prints every thread's stack
    if args.feeds < 1:
        parser.error("--feeds must be positive")
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    scenarios = list(SCENARIOS) if args.scenario == "all" else [args.scenario]

    from reader_app.library import Library
    from reader_app.sync import SyncOptions

    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval / 1000)
    options = SyncOptions()
    if args.parse_workers is not None:
        options = dataclasses.replace(options, parse_workers=args.parse_workers)
    print(
        f"parse workers {options.parse_workers}, max connections {options.max_connections}, "
        f"switch interval {sys.getswitchinterval() * 1000:g} ms, probe every {PROBE_MS} ms, "
        f"{os.cpu_count()} CPUs; starting the farm ({args.feeds} feeds)…",
        file=sys.stderr,
        flush=True,
    )
    with (
        running_farm(args.feeds, args.seed, args.port) as farm,
        tempfile.TemporaryDirectory(prefix="bench-stall-") as tmp,
        Library.open(Path(tmp) / "library.sqlite3") as library,
        ParserRenicer(args.nice_parsers) if args.nice_parsers else contextlib.nullcontext(),
    ):
        print(f"  {farm.banner}", file=sys.stderr, flush=True)
        imported = library.import_opml(farm.opml(), source="feeds.opml")
        print(f"  imported {len(imported.added)} feeds into {tmp}", file=sys.stderr, flush=True)
        prepare(library, scenarios[0], options)
        outcomes = run_scenarios(
            library,
            farm,
            scenarios,
            args.feeds,
            options=options,
            profile=args.profile_stalls,
            gc_freeze=args.gc_freeze,
        )
    worst = max((max(o.gaps_ms, default=0.0) for o in outcomes), default=0.0)
    verdict = "within" if worst <= STALL_MS else "over"
    print(f"worst gap {worst:.1f} ms: {verdict} the {STALL_MS:.0f} ms budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
