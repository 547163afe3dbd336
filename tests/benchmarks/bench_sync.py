"""Sync figures: whole ``reader-app sync`` processes against the local feed farm.

Prints figures; passes or fails nothing. Run:

    python -m tests.benchmarks.bench_sync --feeds 100 [--feeds 1000] [--runs 3] [--keep DIR]

For each N it starts ``feedfarm.py serve`` as a separate process (its CPU is not ours and it
holds no GIL of ours), imports the farm's OPML into a fresh data directory, then runs each
scenario as a child process ``reader-app --data-dir D sync --all --json``:

* cold: the empty library (feeds imported, never synced) syncs every feed;
* warm: right after, again: every feed should answer 304;
* no-validators: the farm sends no ETag/Last-Modified; every feed answers 200 with the bytes
  the app already has (validators are switched back on afterwards);
* incremental: the farm advances one epoch: every feed gains 1-5 entries.

Each child is timed whole: wall clock around it, user+sys CPU and peak RSS from
``os.wait4``'s rusage (so interpreter start-up and imports count, as they do for the user).
With ``--runs R`` the scenario set runs R times, each with a fresh data directory and the farm
back at epoch 0, and the tables show medians.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO

from tests.benchmarks.feedfarm import FarmProcess, running_farm

SCENARIOS = ("cold", "warm", "no-validators", "incremental")
SUMMARY_KEYS = ("updated", "not_modified", "failed", "new_entries")

# Peer figures from /work/shared/ANCHORS.md: whole-process medians on the same kind of 2-core
# machine against the shared bench farm (seed 1, 20-100 entries per feed; 6.8 MB of XML at
# N=100, 62 MB at N=1000). Our farm has the same shape but not the same bytes (see the sizes
# printed beside them), and the machine is noisy: read the ratios, not the seconds.
ANCHOR_COLD = {
    100: {"newsboat": 3.13, "reader": 8.81},
    1000: {"newsboat": 46.1, "reader": 106.3},
}
ANCHOR_READER_WARM = {100: 1.04, 1000: 5.7}
ANCHOR_FARM = {100: "5,193 entries, 6.8 MB", 1000: "50,480 entries, 62 MB"}


@dataclass(slots=True)
class Timing:
    wall_s: float
    cpu_s: float
    rss_mib: float
    returncode: int


@dataclass(slots=True)
class Result:
    scenario: str
    feeds: int
    run: int
    timing: Timing
    summary: dict[str, object] | None
    farm: dict[str, object]
    log: str = ""
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# The farm, as a child process


# ---------------------------------------------------------------------------------------------
# Timed children


APP_COMMAND: list[str] = []
"""Set from ``--app``; empty: the ``reader-app`` next to this Python."""


def app_command() -> list[str]:
    if APP_COMMAND:
        return APP_COMMAND
    script = Path(sys.executable).with_name("reader-app")
    if script.exists():
        return [str(script)]
    found = shutil.which("reader-app")
    return [found] if found else [sys.executable, "-m", "reader_app"]


def run_timed(argv: Sequence[str], out: IO[bytes], err: IO[bytes], timeout: float) -> Timing:
    """Run ``argv`` to its end; wall, user+sys CPU and peak RSS of that one process."""
    env = {k: v for k, v in os.environ.items() if k != "READER_APP_HOME"}
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env)
    killer = threading.Timer(timeout, proc.kill)
    killer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        killer.cancel()
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4, not by Popen
    return Timing(
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        rss_mib=usage.ru_maxrss / 1024,  # KiB on Linux
        returncode=proc.returncode,
    )


def run_app(
    args: Sequence[str], log_dir: Path, name: str, timeout: float
) -> tuple[Timing, str, str]:
    """A timed ``reader-app`` child; returns its timing, standard output and error."""
    out_path, err_path = log_dir / f"{name}.out", log_dir / f"{name}.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        timing = run_timed([*app_command(), *args], out, err, timeout)
    return (
        timing,
        out_path.read_text(errors="replace"),
        err_path.read_text(errors="replace"),
    )


def parse_summary(stdout: str) -> dict[str, object] | None:
    try:
        value = json.loads(stdout)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


# ---------------------------------------------------------------------------------------------
# Scenarios


def run_set(farm: FarmProcess, feeds: int, run: int, root: Path, timeout: float) -> list[Result]:
    data = root / f"n{feeds}" / f"run{run}"
    if data.exists():
        shutil.rmtree(data)
    logs = data / "bench-logs"
    logs.mkdir(parents=True)
    farm.ctl("epoch?n=0")
    farm.ctl("set?conditional=1")
    opml = data.parent / "feeds.opml"
    if not opml.exists():
        opml.write_bytes(farm.opml())

    results: list[Result] = []
    timing, out, err = run_app(
        ["--data-dir", str(data), "import-opml", str(opml), "--json"], logs, "import", timeout
    )
    summary = parse_summary(out)
    imported: dict[str, object] | None = None
    if summary is not None:
        imported = {k: len(v) for k, v in summary.items() if isinstance(v, list)}
    results.append(Result("import", feeds, run, timing, imported, {}, err))
    if timing.returncode != 0:
        return results

    for scenario in SCENARIOS:
        if scenario == "no-validators":
            farm.ctl("set?conditional=0")
        elif scenario == "incremental":
            farm.ctl("advance?fraction=1")
        farm.ctl("reset-stats")
        sync = ["--data-dir", str(data), "sync", "--all", "--json"]
        timing, out, err = run_app(sync, logs, scenario, timeout)
        stats = farm.ctl("stats")
        if scenario == "no-validators":
            farm.ctl("set?conditional=1")
        result = Result(scenario, feeds, run, timing, parse_summary(out), stats, err)
        by_status = stats.get("by_status")
        assert isinstance(by_status, dict)
        if scenario == "warm" and by_status.get("304", 0) != feeds:
            result.notes.append(f"warm: {by_status.get('304', 0)} of {feeds} feeds answered 304")
        results.append(result)
        print_row(result, sys.stderr)
    return results


# ---------------------------------------------------------------------------------------------
# Output


def _count(summary: dict[str, object] | None, key: str) -> str:
    if summary is None or key not in summary:
        return "-"
    value = summary[key]
    return str(value) if isinstance(value, int | float) else "-"


HEADER = (
    f"{'scenario':<14} {'N':>5} {'wall s':>7} {'CPU s':>7} {'RSS MiB':>8} {'rc':>3} "
    f"{'updated':>7} {'304':>5} {'failed':>6} {'new':>7} | "
    f"{'farm 200':>8} {'304':>5} {'MB sent':>8} {'farm CPU':>8}"
)


def format_row(r: Result) -> str:
    t, s, f = r.timing, r.summary, r.farm
    by_status = f.get("by_status", {})
    assert isinstance(by_status, dict)
    sent = f.get("bytes_sent")
    cpu = f.get("server_cpu_s")
    farm_part = (
        f"{by_status.get('200', 0):>8} {by_status.get('304', 0):>5} "
        f"{sent / 1e6 if isinstance(sent, int | float) else 0:>8.2f} "
        f"{cpu if isinstance(cpu, int | float) else 0:>8.2f}"
        if f
        else ""
    )
    if r.scenario == "import":
        counts = f"added {_count(s, 'added')}, skipped {_count(s, 'skipped')}"
        return f"{r.scenario:<14} {r.feeds:>5} {t.wall_s:>7.2f} {t.cpu_s:>7.2f} " + (
            f"{t.rss_mib:>8.1f} {t.returncode:>3} {counts}"
        )
    return (
        f"{r.scenario:<14} {r.feeds:>5} {t.wall_s:>7.2f} {t.cpu_s:>7.2f} {t.rss_mib:>8.1f} "
        f"{t.returncode:>3} {_count(s, 'updated'):>7} {_count(s, 'not_modified'):>5} "
        f"{_count(s, 'failed'):>6} {_count(s, 'new_entries'):>7} | {farm_part}"
    )


def print_row(r: Result, stream: IO[str]) -> None:
    print(f"  run {r.run}: {format_row(r)}", file=stream, flush=True)


def _last_lines(text: str, n: int = 5) -> str:
    return "\n".join("      " + line for line in text.strip().splitlines()[-n:])


def _farm_status(r: Result, code: str) -> int:
    by_status = r.farm.get("by_status")
    value = by_status.get(code, 0) if isinstance(by_status, dict) else 0
    return value if isinstance(value, int) else 0


def _farm_number(r: Result, key: str) -> float:
    value = r.farm.get(key, 0)
    return float(value) if isinstance(value, int | float) else 0.0


def median_result(group: list[Result]) -> Result:
    """Medians of the timings and counters of one scenario over its runs."""

    def med(values: list[float]) -> float:
        return float(statistics.median(values))

    timing = Timing(
        wall_s=med([r.timing.wall_s for r in group]),
        cpu_s=med([r.timing.cpu_s for r in group]),
        rss_mib=med([r.timing.rss_mib for r in group]),
        returncode=max(r.timing.returncode for r in group),
    )
    first = group[0]
    summary: dict[str, object] | None = None
    if all(r.summary is not None for r in group):
        summary = {}
        for key, value in (first.summary or {}).items():
            values = [r.summary.get(key) if r.summary else None for r in group]
            if all(isinstance(v, int) for v in values):
                summary[key] = statistics.median_low([v for v in values if isinstance(v, int)])
            else:
                summary[key] = value
    farm: dict[str, object] = {}
    if first.farm:
        farm = {
            "by_status": {
                code: statistics.median_low([_farm_status(r, code) for r in group])
                for code in ("200", "304")
            },
            "bytes_sent": med([_farm_number(r, "bytes_sent") for r in group]),
            "server_cpu_s": med([_farm_number(r, "server_cpu_s") for r in group]),
        }
    return Result(first.scenario, first.feeds, 0, timing, summary, farm)


def report(feeds: int, farm_info: dict[str, object], results: list[Result], runs: int) -> None:
    entries, body = farm_info.get("entries"), farm_info.get("body_bytes")
    assert isinstance(entries, int)
    assert isinstance(body, int)
    print(f"\n## N = {feeds} feeds: {entries:,} entries, {body / 1e6:.1f} MB of XML", end="")
    if feeds in ANCHOR_FARM:
        print(f" (ANCHORS.md farm: {ANCHOR_FARM[feeds]})", end="")
    print(f"; {'median of ' + str(runs) + ' runs' if runs > 1 else '1 run'}\n")
    print(HEADER)
    medians: dict[str, Result] = {}
    for scenario in ("import", *SCENARIOS):
        group = [r for r in results if r.scenario == scenario]
        if not group:
            continue
        medians[scenario] = m = median_result(group)
        print(format_row(m))
    for r in results:
        failed_import = r.scenario == "import" and r.timing.returncode != 0
        if failed_import or r.timing.returncode not in (0, 1) or r.summary is None:
            print(f"  ! run {r.run} {r.scenario}: exit {r.timing.returncode}; stderr ends:")
            print(_last_lines(r.log))
        for note in r.notes:
            print(f"  ! run {r.run} {note}")

    def wall(name: str) -> float | None:
        m = medians.get(name)
        ok = m is not None and m.summary is not None and m.timing.returncode in (0, 1)
        return m.timing.wall_s if ok and m is not None else None

    cold, warm = wall("cold"), wall("warm")
    noval, incr = wall("no-validators"), wall("incremental")
    print("\nratios (wall, medians):")
    if warm is not None and feeds in ANCHOR_READER_WARM:
        anchor = ANCHOR_READER_WARM[feeds]
        print(f"  warm / reader's warm ({anchor} s)     {warm / anchor:6.2f}")
    if noval is not None and warm:
        print(f"  no-validators / warm              {noval / warm:6.2f}")
    if incr is not None and cold:
        print(f"  incremental / cold                {incr / cold:6.2f}")
    if cold is not None:
        line = f"  cold: ours {cold:.2f} s"
        for peer, seconds in ANCHOR_COLD.get(feeds, {}).items():
            line += f" | {peer} {seconds} s (ours/{peer} {cold / seconds:.2f})"
        print(line)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--feeds", type=int, action="append", metavar="N", help="repeatable; default 100"
    )
    parser.add_argument("--runs", type=int, default=1, metavar="R")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=0, help="the farm's port; 0 picks one")
    parser.add_argument(
        "--timeout", type=float, default=1800, metavar="S", help="kill a child after S seconds"
    )
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="keep data directories, child logs and results.json in DIR (default: a temp dir)",
    )
    parser.add_argument(
        "--app",
        metavar="CMD",
        help="command to run instead of reader-app, e.g. 'OTHER/venv/bin/reader-app'",
    )
    args = parser.parse_args(argv)
    if args.app:
        APP_COMMAND[:] = shlex.split(args.app)
    sizes: list[int] = args.feeds or [100]
    if args.runs < 1 or any(n < 1 for n in sizes):
        parser.error("--runs and --feeds must be positive")

    with contextlib.ExitStack() as stack:
        if args.keep:
            root = Path(args.keep).resolve()
            root.mkdir(parents=True, exist_ok=True)
        else:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-sync-")))
        print(f"reader-app: {' '.join(app_command())}; data under {root}", file=sys.stderr)
        everything: list[Result] = []
        for feeds in sizes:
            print(f"N={feeds}: starting the farm…", file=sys.stderr, flush=True)
            with running_farm(feeds, args.seed, args.port) as farm:
                print(f"  {farm.banner}", file=sys.stderr, flush=True)
                results: list[Result] = []
                for run in range(1, args.runs + 1):
                    results += run_set(farm, feeds, run, root, args.timeout)
                report(feeds, farm.info, results, args.runs)
                everything += results
        if args.keep:
            with (root / "results.json").open("w") as fh:
                json.dump([asdict(r) for r in everything], fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
