"""Event-loop stalls while the window's ``SyncController`` runs a sync in the same process.

Prints figures; passes or fails nothing. The variant of ``bench_stall.py`` that drives the sync
the way the window does: through ``reader_app.ui.sync_controller.SyncController`` (its own
sync thread, progress gathered in an inbox and delivered on the GUI thread in one slot per
event-loop turn) instead of a bare thread that emits a signal per feed. Run:

    QT_QPA_PLATFORM=offscreen python -m tests.benchmarks.bench_gui_stall --feeds 1000 \\
        [--scenario cold|warm|incremental|all]

Everything else is bench_stall's: the feed farm in a separate process, its OPML imported into
a fresh library, a visible QMainWindow with a QListView of every feed, a label and a progress
bar; ``reader_app.app.settle_heap()`` once it is built (as the window does); a 5 ms
PreciseTimer probe whose gaps are the stalls; a control probe in a child process (CPU
contention, not the GIL). The window's slot is connected to ``SyncController.progress`` and
does bench_stall's small update per feed (label from ``status_text``, the bar, the feed's row).

Each scenario prints bench_stall's row (sync wall time, ticks, gap max / p99 / p95 / median,
gaps over 50 and 16 ms, counts), then the controller's delivery: progress items, how many
event-loop deliveries (``progress_batch``) carried them and the largest batch, and the slowest
slot. The last line gives the longest stall and the 99th percentile over all scenarios.
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import itertools
import os
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tests.benchmarks.bench_stall import (
    HEADER,
    PROBE_MS,
    SCENARIOS,
    STALL_MS,
    ControlProbe,
    GcRecorder,
    Outcome,
    StackSampler,
    format_row,
    gap_stats,
    prepare,
    print_stall_profile,
    tracked_objects,
)
from tests.benchmarks.feedfarm import FarmProcess, running_farm

if TYPE_CHECKING:
    from reader_app.library import Library
    from reader_app.sync import SyncOptions

# Qt and reader_app are imported inside functions: the parser pool spawns worker processes that
# re-import this script as ``__mp_main__``, and they need neither.


def run_scenarios(
    library: Library,
    farm: FarmProcess,
    scenarios: Sequence[str],
    feeds: int,
    *,
    options: SyncOptions,
    real_window: Path | None = None,
    profile: bool = False,
) -> list[Outcome]:
    from PySide6.QtCore import QObject, Qt, QTimer, Slot
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

    from reader_app.app import settle_heap
    from reader_app.sync import FeedOutcome, SyncProgress, SyncReport
    from reader_app.ui.sync_controller import SyncController, status_text

    class Window(QMainWindow):
        def __init__(self) -> None:
            super().__init__()
            self.setWindowTitle("bench_gui_stall")
            self.resize(900, 700)
            self.model = QStandardItemModel(self)
            self.rows: dict[int, int] = {}
            self.titles: dict[int, str] = {}
            for row, summary in enumerate(library.feeds()):
                feed = summary.feed
                self.rows[int(feed.id)] = row
                self.titles[int(feed.id)] = feed.display_title
                self.model.appendRow(QStandardItem(feed.display_title))
            self.view = QListView()
            self.view.setModel(self.model)
            self.view.setUniformItemSizes(True)
            self.label = QLabel("idle")
            self.label.setTextFormat(Qt.TextFormat.PlainText)
            self.bar = QProgressBar()
            box = QVBoxLayout()
            box.addWidget(self.label)
            box.addWidget(self.bar)
            box.addWidget(self.view)
            central = QWidget()
            central.setLayout(box)
            self.setCentralWidget(central)
            self.reset()

        def reset(self) -> None:
            self.slot_max = self.slot_total = 0.0
            self.events = 0
            self.batches = 0
            self.largest_batch = 0
            self.report: SyncReport | None = None
            self.error: BaseException | None = None
            self.started_at = 0.0
            self.bar.setValue(0)
            self.label.setText("syncing…")

        @Slot(object)
        def on_progress(self, progress: SyncProgress) -> None:
            started = time.perf_counter()
            self.label.setText(status_text(progress))
            self.bar.setMaximum(progress.total)
            self.bar.setValue(progress.done)
            result = progress.result
            row = self.rows.get(int(result.feed_id))
            if row is not None:
                item = self.model.item(row)
                title = self.titles[int(result.feed_id)]
                text = f"{title} ({result.new_entries})" if result.new_entries else title
                failed = result.outcome is FeedOutcome.FAILED
                item.setText(f"{text} [failed]" if failed else text)
                if progress.done % 25 == 0:
                    self.view.scrollTo(self.model.indexFromItem(item))
            spent = time.perf_counter() - started
            self.slot_max = max(self.slot_max, spent)
            self.slot_total += spent
            self.events += 1

        @Slot(object)
        def on_batch(self, items: list[SyncProgress]) -> None:
            self.batches += 1
            self.largest_batch = max(self.largest_batch, len(items))

        @Slot(object)
        def on_finished(self, report: SyncReport) -> None:
            self.report = report
            # exit(), not quit(): since Qt 6 quit() first closes every window, and closing the
            # reading window shuts its sync down for good.
            QApplication.exit(0)

        @Slot(object)
        def on_failed(self, error: BaseException) -> None:
            self.error = error
            QApplication.exit(0)

    class Probe(QObject):
        """A 5 ms timer that records when it fires; the gaps between firings are the stalls."""

        def __init__(self, parent: QObject) -> None:
            super().__init__(parent)
            self.ticks: list[float] = []
            self.sampler: StackSampler | None = None
            self.timer = QTimer(self)
            self.timer.setTimerType(Qt.TimerType.PreciseTimer)
            self.timer.setInterval(PROBE_MS)
            self.timer.timeout.connect(self.on_tick)

        @Slot()
        def on_tick(self) -> None:
            now = time.perf_counter()
            if self.sampler is not None and now - self.ticks[-1] > STALL_MS / 1000:
                self.sampler.note_gap(self.ticks[-1], now)
            self.ticks.append(now)

    app = QApplication.instance() or QApplication(["bench_gui_stall"])
    assert isinstance(app, QApplication)
    window = Window()
    window.show()
    if real_window is None:
        controller = SyncController(library, lambda: options, window)
        controller.progress.connect(window.on_progress)
    else:
        # The reading window itself: its feed tree, article list and status bar refresh from
        # each batch as they do for a user. The stand-in window above only records.
        from reader_app.paths import resolve_paths
        from reader_app.settings import Settings
        from reader_app.ui.application import follow_theme
        from reader_app.ui.main_window import MainWindow

        settings = Settings()
        follow_theme(app, settings)
        paths = resolve_paths(real_window)
        paths.ensure()
        reading = MainWindow(
            library, settings, paths, sync_options=lambda: options, auto_sync=False
        )
        reading.resize(1280, 800)
        reading.show()
        window.hide()
        apply_batch = reading._sync_progress

        def timed_batch(items: list[SyncProgress]) -> None:
            started = time.perf_counter()
            apply_batch(items)
            spent = time.perf_counter() - started
            window.slot_max = max(window.slot_max, spent)
            window.slot_total += spent
            window.events += len(items)

        reading.sync.progress_batch.disconnect(apply_batch)
        reading.sync.progress_batch.connect(timed_batch)
        controller = reading.sync
    controller.progress_batch.connect(window.on_batch)
    controller.finished.connect(window.on_finished)
    controller.failed.connect(window.on_failed)
    probe = Probe(window)
    watchdog = QTimer(window)
    watchdog.setSingleShot(True)
    watchdog.timeout.connect(lambda: QApplication.exit(1))
    app.processEvents()
    settle_heap()  # what the window does once it is built

    def start() -> None:
        probe.timer.start()
        probe.ticks.append(time.perf_counter())
        window.started_at = time.perf_counter()
        controller.refresh_all()

    def exec_loop() -> None:
        app.exec()  # the sampler treats the GUI thread as idle while this frame is innermost

    outcomes: list[Outcome] = []
    for scenario in scenarios:
        if scenario == "incremental":
            changed = farm.ctl("advance?fraction=1")
            print(f"  farm advanced: {changed}", file=sys.stderr, flush=True)
        window.reset()
        probe.ticks = []
        sampler = StackSampler(threading.get_ident(), exec_loop.__code__) if profile else None
        probe.sampler = sampler
        QTimer.singleShot(0, start)
        watchdog.start(30 * 60 * 1000)
        print(f"  {scenario}: syncing {feeds} feeds…", file=sys.stderr, flush=True)
        objects_before = tracked_objects()
        with GcRecorder() as gc_recorder, contextlib.ExitStack() as stack:
            if sampler is not None:
                stack.enter_context(sampler)
            control = ControlProbe()
            exec_loop()
            wall = time.perf_counter() - window.started_at
            control_gaps = control.stop()
            probe.timer.stop()
            watchdog.stop()
        app.processEvents()
        gaps = [(b - a) * 1000 for a, b in itertools.pairwise(probe.ticks)]
        outcome = Outcome(
            scenario=scenario,
            wall_s=wall,
            gaps_ms=gaps,
            control_gaps_ms=control_gaps,
            report=window.report,
            error=window.error,
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
            f"  GUI: {window.events} progress items in {window.batches} deliveries (largest "
            f"{window.largest_batch}), slowest slot {outcome.slot_max_ms:.2f} ms, "
            f"{outcome.slot_total_ms:.0f} ms in all; GC: {outcome.gc_summary}"
        )
        if outcome.error is not None:
            print(f"  ! the sync failed: {outcome.error!r}")
        elif outcome.report is None:
            print("  ! the watchdog stopped the event loop before the sync finished")
        if sampler is not None:
            print_stall_profile(sampler, gc_recorder, window.started_at, wall)
        print(flush=True)
    assert controller.shutdown(timeout=10.0), "the sync thread did not end"
    window.close()
    window.deleteLater()
    app.processEvents()
    return outcomes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--feeds", type=int, default=1000, metavar="N")
    parser.add_argument("--scenario", choices=(*SCENARIOS, "all"), default="all")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=0, help="the farm's port; 0 picks one")
    parser.add_argument(
        "--window",
        choices=("stand-in", "real"),
        default="stand-in",
        help="'real': the reading window (MainWindow) applies every batch, as for a user",
    )
    parser.add_argument(
        "--profile-stalls",
        action="store_true",
        help=f"sample the threads' stacks and print what ran during gaps > {STALL_MS:g} ms",
    )
    parser.add_argument(
        "--switch-interval",
        type=float,
        metavar="MS",
        help="set sys.setswitchinterval in this process before anything starts",
    )
    args = parser.parse_args(argv)
    faulthandler.enable()
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval / 1000)
    if args.feeds < 1:
        parser.error("--feeds must be positive")
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    scenarios = list(SCENARIOS) if args.scenario == "all" else [args.scenario]

    from reader_app.library import Library
    from reader_app.sync import SyncOptions

    options = SyncOptions()
    print(
        f"parse workers {options.parse_workers}, max connections {options.max_connections}, "
        f"switch interval {sys.getswitchinterval() * 1000:g} ms, probe every {PROBE_MS} ms, "
        f"{os.cpu_count()} CPUs; starting the farm ({args.feeds} feeds)…",
        file=sys.stderr,
        flush=True,
    )
    with (
        running_farm(args.feeds, args.seed, args.port) as farm,
        tempfile.TemporaryDirectory(prefix="bench-gui-stall-") as tmp,
        Library.open(Path(tmp) / "library.sqlite3") as library,
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
            real_window=Path(tmp) / "home" if args.window == "real" else None,
            profile=args.profile_stalls,
        )
    every_gap = [gap for o in outcomes for gap in o.gaps_ms]
    stats = gap_stats(every_gap)
    verdict = "within" if stats["max"] <= STALL_MS else "over"
    print(
        f"through SyncController: longest stall {stats['max']:.1f} ms, 99th percentile "
        f"{stats['p99']:.1f} ms over {len(every_gap)} ticks: {verdict} the {STALL_MS:.0f} ms "
        "budget"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
