"""A ``reader-app sync`` killed with SIGKILL at random moments loses nothing a user made.

A user's machine can lose power, or the system can kill the app, in the middle of a sync. The
library must come back whole: SQLite's integrity check passes, every read and starred mark
the user made is still there, and the next sync picks up where the killed one stopped.

The sync runs as a real process (``python -m reader_app``) against the real local HTTP server,
in its own process group so that its parser workers die with it. The feeds grow a little
before every run, so each run has articles to write, and some feeds answer late, so the
random kill lands during downloads, during writes or near the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reader_app.domain import EntryQuery
from reader_app.library import Library
from reader_app.paths import resolve_paths
from reader_app.storage.backup import check_integrity
from tests.support.feedserver import FeedServer, rss

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="SIGKILL and process groups are POSIX"
)

FEEDS = 30
KILLS = 20
SEED = 20261124
# Articles per feed: a few more before every run, so every run has something to write.
FIRST_ITEMS = 10
ITEMS_PER_ROUND = 4
FINAL_ITEMS = FIRST_ITEMS + ITEMS_PER_ROUND * (KILLS + 1)
SLOW_DELAY = 0.3  # every third feed answers this late: downloads overlap the writes
MAX_SLEEP = 2.5  # a whole run takes about two seconds here, start-up included

Marks = dict[tuple[str, str], tuple[bool, bool]]  # (feed url, key) -> (read, starred)


def _serve(server: FeedServer, round_: int) -> list[str]:
    items = FIRST_ITEMS + ITEMS_PER_ROUND * round_
    urls = []
    for i in range(FEEDS):
        delay = SLOW_DELAY if i % 3 == 0 else 0.0
        server.route(f"/feed{i}.xml", body=rss(f"Feed {i}", items=items), delay=delay)
        urls.append(server.url(f"/feed{i}.xml"))
    return urls


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "READER_APP_HOME"}
    env["HOME"] = str(home)
    return env


def _start_sync(data_dir: Path, home: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "reader_app", "--data-dir", str(data_dir), "sync", "--all"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=_env(home),
            # Its own group, so one killpg reaches the parser workers too.
            start_new_session=True,
        )


def _sync_to_the_end(data_dir: Path, home: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "reader_app", "--data-dir", str(data_dir), "sync", "--all"],
        check=False,  # the exit code is asserted, with stderr to explain it
        capture_output=True,
        env=_env(home),
        timeout=60,
    )


def _kill_group(process: subprocess.Popen[bytes]) -> int:
    """SIGKILL the whole group, reap the leader, wait until no member runs; the exit code."""
    with contextlib.suppress(ProcessLookupError):  # it may have finished on its own
        os.killpg(process.pid, signal.SIGKILL)
    code = process.wait(timeout=30)
    deadline = time.monotonic() + 10
    while (left := _living_members(process.pid)) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert left == [], f"processes {left} of group {process.pid} outlived SIGKILL"
    return code


def _living_members(group: int) -> list[int]:
    """Processes of ``group`` that still run. Killed workers become zombies of init, which
    may reap them only a second later: a zombie runs nothing and holds no file open."""
    proc = Path("/proc")
    if not proc.is_dir():  # no /proc: only "the group still exists" can be asked
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return []
        return [group]
    living = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it ended while we looked
            continue
        # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
        state, _ppid, pgrp = stat[stat.rindex(")") + 2 :].split()[:3]
        if int(pgrp) == group and state != "Z":
            living.append(int(entry.name))
    return living


def _explain(what: str, log: Path, data_dir: Path) -> str:
    """``what``, the last runs' stderr and the app's own log (where a bug's traceback goes)."""
    app_logs = [p.read_text(errors="replace")[-4000:] for p in data_dir.glob("logs/*.log")]
    return "\n".join([what, log.read_text(errors="replace")[-3000:], *app_logs])


def _marks(library: Library) -> Marks:
    exported = json.loads(library.export_state().data)
    return {(a["feed"], a["key"]): (a["read"], a["starred"]) for a in exported["articles"]}


def _mark_some(library: Library, rng: random.Random, count: int) -> Marks:
    """Mark ``count`` random articles read and ``count`` starred; their (url, key) marks."""
    urls = {s.feed.id: s.feed.url for s in library.feeds()}
    ids = [item.id for item in library.entries(EntryQuery(limit=10_000)).entries]
    to_read = rng.sample(ids, count)
    to_star = rng.sample(ids, count)
    library.mark_read(to_read)
    library.set_starred(to_star)
    made: Marks = {}
    for entry_id in {*to_read, *to_star}:
        entry = library.entry(entry_id)
        made[(urls[entry.feed_id], entry.key)] = (entry_id in to_read, entry_id in to_star)
    return made


def _merge(record: Marks, more: Marks) -> None:
    for place, (read, starred) in more.items():
        was_read, was_starred = record.get(place, (False, False))
        record[place] = (read or was_read, starred or was_starred)


def _assert_marks_kept(library: Library, record: Marks) -> None:
    stored = _marks(library)
    lost = [
        (place, want)
        for place, want in record.items()
        if (want[0] and not stored.get(place, (False, False))[0])
        or (want[1] and not stored.get(place, (False, False))[1])
    ]
    assert lost == [], f"{len(lost)} marks lost, e.g. {lost[:3]}"


def test_sigkill_during_sync_loses_no_marks_and_the_next_sync_completes(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    data_dir = tmp_path / "data"
    home = tmp_path / "home"
    log = tmp_path / "sync-stderr.log"
    database = resolve_paths(data_dir).database
    database.parent.mkdir(parents=True)

    urls = _serve(feed_server, 0)
    with Library.open(database) as library:
        for url in urls:
            library.add_feed(url)
    first = _sync_to_the_end(data_dir, home)
    assert first.returncode == 0, first.stderr.decode()

    record: Marks = {}
    with Library.open(database) as library:
        _merge(record, _mark_some(library, rng, 25))
        assert sum(read for read, _ in record.values()) == 25
        assert sum(starred for _, starred in record.values()) == 25

    killed_running = 0
    for round_ in range(1, KILLS + 1):
        _serve(feed_server, round_)
        process = _start_sync(data_dir, home, log)
        try:
            time.sleep(rng.uniform(0.05, MAX_SLEEP))
        finally:
            code = _kill_group(process)
        # A run that ended before the kill must have ended well.
        assert code in (0, -signal.SIGKILL), _explain(f"run {round_} exited {code}", log, data_dir)
        killed_running += code == -signal.SIGKILL
        feed_server.wait_idle()

        assert check_integrity(database) == [], f"after kill {round_}"
        with Library.open(database) as library:
            _assert_marks_kept(library, record)
            if round_ % 3 == 0:  # the user goes on reading between syncs
                _merge(record, _mark_some(library, rng, 5))

    # Most kills must have hit a running sync, or this test proved little.
    assert killed_running >= KILLS // 2, f"only {killed_running} kills hit a running sync"
    assert b"Traceback" not in log.read_bytes()

    _serve(feed_server, KILLS + 1)
    final = _sync_to_the_end(data_dir, home)
    assert final.returncode == 0, _explain(final.stderr.decode(), log, data_dir)
    assert final.stdout.decode().startswith(f"{FEEDS} feeds: {FEEDS} updated, ")
    assert check_integrity(database) == []
    with Library.open(database) as library:
        _assert_marks_kept(library, record)
        feeds = {s.feed.url: s.feed.id for s in library.feeds()}
        assert sorted(feeds) == sorted(urls)
        for url, feed_id in feeds.items():
            query = EntryQuery(feed_ids=frozenset({feed_id}))
            assert library.count_entries(query) == FINAL_ITEMS, url
