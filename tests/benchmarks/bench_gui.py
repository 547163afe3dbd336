"""Window figures over a generated library: start-up, switching, scrolling, opening, memory.

Prints figures; passes or fails nothing. Run from the repository root:

    QT_QPA_PLATFORM=offscreen python -m tests.benchmarks.bench_gui [--feeds 1000]
        [--entries 200000] [--dir DIR]

The library (1,000 feeds in 60 tags, 200,000 articles, a third read) is built once in DIR and
reused; each window starts without saved window state (All shown, every tag open). Each
measurement runs in a fresh child process, so start-up is a real cold start of the
interpreter and peak RSS is the window's own:

- start: process start to the window painted with the article list filled, minus the same
  for a bare PySide6 window (interpreter, Qt import, one painted label);
- switch: selecting a feed, a tag or a smart view until the article list has painted;
- scroll: All, from the top to the last row painted;
- open: selecting an article until the article pane has painted;
- peak RSS of the measuring process, and whether the HTTP library was loaded by then (the
  window loads it only to fetch what is not cached; loaded, it takes ~17 MB).

The first switch comes right after start, while the start's own background work (icon
look-ups, the id list) may still run: a worker busy in Python holds the interpreter lock
that every paint needs. ``--trace-first`` prints a timeline of that switch: the reads on the
GUI thread, the widgets' paints and layouts, and the worker tasks running beside it.

The stall of the event loop during a 1000-feed sync is measured by bench_gui_stall.py.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _child_bare(started_ns: int) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication([])
    label = QLabel("bare window")
    label.show()
    label.repaint()
    app.processEvents()
    return {"painted_s": (time.monotonic_ns() - started_ns) / 1e9}


def _make_window(home: Path) -> object:
    # In the order reader-app takes: the command line's modules (the library's among them),
    # the integrity check started, then Qt and the window's modules beside it.
    from reader_app.app import sync_options
    from reader_app.library import Library
    from reader_app.paths import resolve_paths
    from reader_app.settings import Settings
    from reader_app.storage.backup import start_integrity_check

    paths = resolve_paths(home)
    checked = start_integrity_check(paths.database)
    from reader_app.ui.application import follow_theme, make_application
    from reader_app.ui.main_window import MainWindow

    settings = Settings()
    # Figures are for looking, not reading: nothing is marked read behind the measurement.
    settings.set("reading.mark_read_on_select", False)
    app = make_application()
    follow_theme(app, settings)
    library = Library.open(paths.database, backup_dir=paths.backup_dir, checked=checked)
    window = MainWindow(
        library, settings, paths, sync_options=lambda: sync_options(settings), auto_sync=False
    )
    window.show()
    return window


def _child_start(home: Path, started_ns: int) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    window = _make_window(home)
    view = window.article_list  # type: ignore[attr-defined]
    QApplication.processEvents()
    view.viewport().repaint()
    rows = window.article_model.rowCount()  # type: ignore[attr-defined]
    painted = (time.monotonic_ns() - started_ns) / 1e9
    window.close()  # type: ignore[attr-defined]
    return {"painted_s": painted, "rows": rows}


def _child_measure(home: Path, repeat: int, *, trace_first: bool = False) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    from reader_app.app import settle_heap
    from reader_app.ui.selection import Selection, SmartView
    from tests.benchmarks.switch_trace import attach

    window = _make_window(home)
    w = window  # the attributes below are MainWindow's
    trace = attach(w) if trace_first else None
    QApplication.processEvents()
    settle_heap()  # as run_window does once the window is up
    rng = random.Random(7)
    feeds = sorted(f.id for f in w.feed_model.feeds())  # type: ignore[attr-defined]
    tags = sorted({t.name for t in w.library.tags()})  # type: ignore[attr-defined]
    view = w.article_list  # type: ignore[attr-defined]
    pane = w.article_view  # type: ignore[attr-defined]
    tree = w.feed_tree  # type: ignore[attr-defined]
    model = w.article_model  # type: ignore[attr-defined]

    def painted_after(action: object) -> float:
        started = time.perf_counter()
        action()  # type: ignore[operator]
        QApplication.processEvents()
        view.viewport().repaint()
        return time.perf_counter() - started

    if trace is not None:
        tree.select(Selection(view=SmartView.STARRED))
        QApplication.processEvents()
        first = Selection(feed_id=rng.sample(feeds, 1)[0])  # the first measured below
        trace.start()
        took = painted_after(lambda: tree.select(first))
        trace.detach()
        print("\n".join(trace.lines(_ms(took))), file=sys.stderr)
        w.close()  # type: ignore[attr-defined]
        return {}

    figures: dict[str, float] = {}
    for name, choices in (
        ("switch feed", [Selection(feed_id=f) for f in rng.sample(feeds, repeat)]),
        ("switch tag", [Selection(tag=t) for t in rng.sample(tags, min(repeat, len(tags)))]),
        (
            "switch smart view",
            [Selection(view=v) for v in SmartView for _ in range(max(1, repeat // 4))],
        ),
    ):
        times = []
        for selection in choices:
            tree.select(Selection(view=SmartView.STARRED))  # somewhere else first
            QApplication.processEvents()
            times.append(painted_after(lambda s=selection: tree.select(s)))
        figures[f"{name} (first ms)"] = _ms(times[0])
        figures[f"{name} (median ms)"] = _ms(statistics.median(times))
        figures[f"{name} (max ms)"] = _ms(max(times))

    scrolls = []
    for _ in range(3):
        tree.select(Selection(view=SmartView.STARRED))
        tree.select(Selection(view=SmartView.ALL))
        # The full id list arrives from a worker a moment after the first page.
        deadline = time.monotonic() + 10
        while not model.complete and time.monotonic() < deadline:
            QApplication.processEvents()
            time.sleep(0.005)
        scrolls.append(painted_after(view.scrollToBottom))
    figures["scroll All to the end (median ms)"] = _ms(statistics.median(scrolls))
    figures["rows in All"] = model.rowCount()

    opens = []
    tree.select(Selection(view=SmartView.ALL))
    QApplication.processEvents()
    for row in rng.sample(range(min(model.rowCount(), 5000)), repeat):
        entry_id = model.entry_id(row)
        started = time.perf_counter()
        view.select_entry(entry_id)
        QApplication.processEvents()
        pane.repaint()
        opens.append(time.perf_counter() - started)
    figures["open article (median ms)"] = _ms(statistics.median(opens))
    figures["open article (max ms)"] = _ms(max(opens))
    figures["peak RSS (MB)"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    figures["HTTP library loaded (1 = yes)"] = float("httpx" in sys.modules)
    w.close()  # type: ignore[attr-defined]
    return figures


def _forget_window_state(home: Path) -> None:
    """Every window starts as on a first run: the window saves its selection, article and
    tree when closed, and the last child's would otherwise decide what the next one shows."""
    from reader_app.paths import resolve_paths

    (resolve_paths(home).config_dir / "window.ini").unlink(missing_ok=True)


def _run_child(args: list[str], *, show_stderr: bool = False) -> dict[str, float]:
    if args[0] != "bare":
        _forget_window_state(Path(args[1]))
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    started = time.monotonic_ns()
    out = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.bench_gui", "--child", *args, str(started)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"child {args[0]} failed:\n{out.stderr}")
    if show_stderr:
        print(out.stderr, end="")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=5, help="start-up runs (median)")
    parser.add_argument("--repeat", type=int, default=20, help="switches and opens measured")
    parser.add_argument(
        "--trace-first",
        action="store_true",
        help="print a timeline of the first feed switch after start, then stop",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        kind, *rest = args.child
        if kind == "bare":
            result = _child_bare(int(rest[0]))
        elif kind == "start":
            result = _child_start(Path(rest[0]), int(rest[1]))
        elif kind == "trace":
            result = _child_measure(Path(rest[0]), int(rest[1]), trace_first=True)
        else:
            result = _child_measure(Path(rest[0]), int(rest[1]))
        print(json.dumps(result))
        return 0

    base = args.dir or Path(tempfile.mkdtemp(prefix="bench-gui-"))
    home = base / f"home-{args.feeds}-{args.entries}"
    if not (home / "library.sqlite3").exists():
        from reader_app.paths import resolve_paths
        from tests.benchmarks.bench_storage import build

        paths = resolve_paths(home)
        paths.ensure()
        library, _ = build(paths.database, args.feeds, args.entries)
        library.close()
    print(f"library: {home} ({args.feeds} feeds, {args.entries} articles)")
    if args.trace_first:
        _run_child(["trace", str(home), str(args.repeat)], show_stderr=True)
        return 0

    bare = [_run_child(["bare"])["painted_s"] for _ in range(args.runs)]
    starts = [_run_child(["start", str(home)]) for _ in range(args.runs)]
    start_s = [s["painted_s"] for s in starts]
    print(f"bare PySide6 window painted (median s)       {statistics.median(bare):8.3f}")
    print(f"reader_app window painted, list filled (s)   {statistics.median(start_s):8.3f}")
    print(
        "start beyond bare PySide6 (median s)         "
        f"{statistics.median(start_s) - statistics.median(bare):8.3f}"
    )
    print(f"rows shown at start                          {starts[0]['rows']:8.0f}")
    for key, value in _run_child(["measure", str(home), str(args.repeat)]).items():
        print(f"{key:<45}{value:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
