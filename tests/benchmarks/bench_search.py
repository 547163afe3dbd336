"""Search figures: query times, the index's size, and migrating a library to it.

Prints figures; passes or fails nothing. Run from the repository root:

    python -m tests.benchmarks.bench_search [--path /tmp/reader_app_bench/search.sqlite3] \\
        [--feeds 1000] [--entries 200000] [--repeat 15] [--no-migration]

The library at ``--path`` is built once and reused while it exists: feeds, tags and read
state as ``bench_storage.py`` makes them (20 tags with nested ones, a third of the articles
read), but with text to search. Words come from a 50,000-word vocabulary with a Zipf
distribution, as in real prose: a word's frequency rank says how many articles hold it (rank
10: most articles; rank 1,000: about one in a hundred; rank 10,000: a few hundred). Titles
have 5-10 words, summaries 25-60 in a ``<p>``, and four articles in ten a content of 3-7
paragraphs with links, emphasis, a figure with its ``srcset`` and share buttons, markup about
as dense as real feeds' (text is about half of such HTML; the sizes printed say how much).

Figures, each the median and the maximum of ``--repeat`` runs after one warm-up, in ms:

- ``Library.search``: the first page of 50 results with their rows and snippets, what the
  command line prints and a search box shows first;
- ``Library.search_ids``: every matching id in order, what the window's lazy list holds;

for typical queries (one word, two words, a phrase, a word with ``tag:``, filters only, a
prefix as typed) and a worst case (a word in most articles). Then the index's size beside
the articles', a feed rename (its articles reindexed by a trigger), what indexing adds to
storing articles (5,000 into a scratch library, with and without it), and the migration of
a copy of the library from the schema before search (0001) to the head: backup, indexing
every article and the final merge of the index.
"""

from __future__ import annotations

import argparse
import itertools
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from datetime import timedelta
from functools import partial
from pathlib import Path
from unittest import mock

from sqlalchemy import create_engine

from reader_app.domain import EntryQuery, FeedId, NewEntry
from reader_app.library import Library
from reader_app.storage import Database
from tests.benchmarks.bench_storage import NOW

VOCABULARY = 50_000
_ONSETS = ("b", "br", "c", "ch", "d", "f", "g", "gr", "h", "k", "l", "m", "n", "p", "pl",
           "r", "s", "st", "t", "tr", "v", "w", "z")  # fmt: skip
_VOWELS = ("a", "e", "i", "o", "u", "ou", "ai", "é", "y")
_CODAS = ("", "", "n", "r", "s", "t", "l", "x")


class Words:
    """A vocabulary ranked by frequency, and Zipf-distributed draws from it."""

    def __init__(self, rng: random.Random, size: int = VOCABULARY) -> None:
        seen: set[str] = set()
        ranked: list[str] = []
        while len(ranked) < size:
            word = "".join(
                rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
                for _ in range(rng.choice((1, 2, 2, 3, 3, 4)))
            )
            if word not in seen:
                seen.add(word)
                ranked.append(word)
        self.ranked = ranked
        self._rng = rng
        self._weights: dict[int, list[float]] = {}

    def draw(self, count: int, *, skip_common: int = 0) -> list[str]:
        """``count`` words; ``skip_common`` leaves out that many of the most frequent (titles
        and names have few "the" and "of")."""
        weights = self._weights.get(skip_common)
        if weights is None:
            ranks = range(skip_common + 1, len(self.ranked) + 1)
            weights = self._weights[skip_common] = list(itertools.accumulate(1 / r for r in ranks))
        return self._rng.choices(self.ranked[skip_common:], cum_weights=weights, k=count)

    def rank(self, rank: int) -> str:
        return self.ranked[rank - 1]


def _prose(words: Words, rng: random.Random, low: int, high: int) -> str:
    chosen = words.draw(rng.randint(low, high))
    out: list[str] = []
    for index, word in enumerate(chosen):
        roll = rng.random()
        if roll < 0.04:
            slug = "-".join(words.draw(4, skip_common=50))
            out.append(
                f'<a href="https://example.org/2026/11/{slug}/" rel="noopener noreferrer" '
                f'target="_blank">{word}</a>'
            )
        elif roll < 0.07:
            out.append(f"<strong>{word}</strong>")
        else:
            out.append(word)
        if index % rng.randint(8, 20) == 7:
            out[-1] += "."
    return " ".join(out).capitalize() + "."


def _figure(words: Words, rng: random.Random) -> str:
    slug = "-".join(words.draw(3, skip_common=50))
    image = f"https://cdn.example.net/wp-content/uploads/2026/11/{slug}"
    return (
        '<figure class="wp-block-image size-large"><img loading="lazy" decoding="async" '
        f'width="1024" height="576" src="{image}-1024x576.jpg" alt="{" ".join(words.draw(4))}" '
        f'class="wp-image-{rng.randrange(10**5)}" srcset="{image}-1024x576.jpg 1024w, '
        f'{image}-300x169.jpg 300w, {image}-768x432.jpg 768w" '
        'sizes="(max-width: 1024px) 100vw, 1024px" />'
        f"<figcaption>{_prose(words, rng, 5, 12)}</figcaption></figure>"
    )


_SHARE = (
    '<div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">Share this:</h3><ul>'
    '<li class="share-mastodon"><a rel="nofollow noopener noreferrer" class="share-mastodon '
    'sd-button" href="https://example.org/?share=mastodon" target="_blank">Mastodon</a></li>'
    '<li class="share-email"><a rel="nofollow noopener noreferrer" class="share-email '
    'sd-button" href="mailto:?subject=article" target="_blank">Email</a></li></ul></div>'
)


def article(words: Words, rng: random.Random, feed_id: int, n: int, authors: list[str]) -> NewEntry:
    """One generated article: markup about as dense as real feeds' (text is about half of
    a full content's HTML)."""
    content = None
    if rng.random() < 0.4:
        parts = [f"<p>{_prose(words, rng, 30, 90)}</p>" for _ in range(rng.randint(3, 7))]
        parts.insert(rng.randint(0, len(parts)), _figure(words, rng))
        content = '<div class="entry-content">' + "\n".join(parts) + _SHARE + "</div>"
    return NewEntry(
        key=f"guid:{feed_id}-{n}",
        title=" ".join(words.draw(rng.randint(5, 10), skip_common=50)).capitalize(),
        link=f"https://example.org/{feed_id}/{n}",
        author=rng.choice(authors),
        summary=f"<p>{_prose(words, rng, 25, 60)}</p>",
        content=content,
        content_hash=None,
        published=NOW - timedelta(minutes=rng.randrange(0, 60 * 24 * 365)),
        updated=None,
        first_seen=NOW,
        sort_at=NOW - timedelta(minutes=rng.randrange(0, 60 * 24 * 365)),
    )


def authors_of(words: Words) -> list[str]:
    first, last = words.draw(200, skip_common=500), words.draw(200, skip_common=500)
    return [f"{a.capitalize()} {b.capitalize()}" for a, b in zip(first, last, strict=True)]


def _subscribe(lib: Library, words: Words, rng: random.Random, feeds: int) -> list[FeedId]:
    tags = [f"Group{g}" for g in range(20)] + [
        f"Group{g}/Sub{s}" for g in range(20) for s in (1, 2)
    ]
    opml = "".join(
        f'<outline text="{" ".join(words.draw(2, skip_common=200)).title()} {i}" '
        f'xmlUrl="https://host{i % 300}.example/feed/{i}" category="{rng.choice(tags)}"/>'
        for i in range(feeds)
    )
    lib.import_opml(f'<opml version="2.0"><body>{opml}</body></opml>'.encode())
    return [s.feed.id for s in lib.feeds()]


def fill(lib: Library, feeds: int, entries: int, seed: int = 1) -> float:
    """Subscribe and store the articles; the seconds spent in ``Library.add_entries``."""
    rng = random.Random(seed)
    words = Words(random.Random(seed))
    authors = authors_of(words)
    ids = _subscribe(lib, words, rng, feeds)
    per_feed = entries // feeds
    spent = 0.0
    for feed_id in ids:
        batch = [article(words, rng, feed_id, n, authors) for n in range(per_feed)]
        started = time.perf_counter()
        lib.add_entries(feed_id, batch)
        spent += time.perf_counter() - started
    return spent


def build(path: Path, feeds: int, entries: int, seed: int = 1) -> Library:
    rng = random.Random(seed)
    lib = Library.open(path, clock=lambda: NOW)
    insert_s = fill(lib, feeds, entries, seed)
    all_ids = lib.entry_ids(EntryQuery())
    lib.mark_read(rng.sample(all_ids, len(all_ids) // 3))
    print(f"built {feeds} feeds, {len(all_ids)} articles: {insert_s:.1f} s in add_entries")
    return lib


def write_cost(tmp: Path) -> None:
    """Storing 5,000 articles (25 feeds of 200, one transaction each) with and without
    indexing them: what search adds to every sync's writes."""
    figures = []
    for indexed in (False, True):
        path = tmp / f"writes-{indexed}.sqlite3"
        with Library.open(path, clock=lambda: NOW) as lib:
            if indexed:
                figures.append(fill(lib, 25, 5000, seed=2))
            else:
                with mock.patch("reader_app.storage.entries.index_entries"):
                    figures.append(fill(lib, 25, 5000, seed=2))
    plain, indexed_s = figures
    print(
        f"\nstoring 5,000 articles: {5000 / plain:,.0f}/s without the index, "
        f"{5000 / indexed_s:,.0f}/s with it ({(indexed_s - plain) / 5000 * 1e6:.0f} us per article)"
    )


def open_or_build(path: Path, feeds: int, entries: int) -> Library:
    if path.exists():
        print(f"reusing {path}")
        return Library.open(path, clock=lambda: NOW)
    path.parent.mkdir(parents=True, exist_ok=True)
    print(f"building {path} ({feeds} feeds, {entries} articles)...")
    return build(path, feeds, entries)


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def sizes(path: Path) -> dict[str, float]:
    """MiB per part: the articles (the entries table with its indexes), the search index's
    copy of their text and its word index, the whole file; and the bodies' characters as
    HTML and as indexed text."""
    with closing(sqlite3.connect(path)) as conn:
        pages = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
        owners = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type='index'"))
        (html_chars,) = conn.execute(
            "SELECT sum(length(summary)) + sum(length(content)) FROM entries"
        ).fetchone()
        (text_chars,) = conn.execute(
            "SELECT sum(length(summary)) + sum(length(content)) FROM entries_search"
        ).fetchone()
    result = dict.fromkeys(("articles", "index: text copy", "index: words"), 0.0)
    for name, size in pages:
        owner = owners.get(name, name)
        if owner == "entries":
            result["articles"] += size / 2**20
        elif owner == "entries_search_content":
            result["index: text copy"] += size / 2**20
        elif owner.startswith("entries_search"):
            result["index: words"] += size / 2**20
    result["file"] = path.stat().st_size / 2**20
    result["bodies as HTML (M chars)"] = html_chars / 1e6
    result["bodies as text (M chars)"] = text_chars / 1e6
    return result


def queries(words: Words, lib: Library) -> dict[str, str]:
    typical, other, rare, common = (
        words.rank(1000),
        words.rank(300),
        words.rank(10_000),
        words.rank(10),
    )
    # A phrase that occurs: two neighbouring words of an article's title.
    title = lib.entry(lib.entry_ids(EntryQuery())[1234]).title or ""
    phrase = " ".join(title.lower().split()[1:3])
    return {
        "one word (rank 1,000)": typical,
        "one rare word (rank 10,000)": rare,
        "two words (ranks 300 and 1,000)": f"{other} {typical}",
        "a phrase from a title": f'"{phrase}"',
        "word OR word": f"{typical} OR {rare}",
        "word + tag: (with subtags)": f"{typical} tag:Group3",
        "word + is:unread, excluding a word": f"{typical} is:unread -{other}",
        "filters only: is:unread tag:Group3": "is:unread tag:Group3",
        "filters only: feed: after:30d": "feed:host7.example after:30d",
        "as typed: 3-letter prefix": typical[:3],
        "worst: a word in most articles (rank 10)": common,
    }


def migration(path: Path, tmp: Path) -> None:
    """Copy the library, take the copy back to the schema before search, time the upgrade."""
    copy = tmp / "migrate.sqlite3"
    with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(copy)) as dest:
        source.backup(dest)
    from alembic import command
    from alembic.config import Config

    from reader_app.storage.migrate import _SCRIPT_LOCATION

    engine = create_engine(f"sqlite:///{copy}")
    with engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", str(_SCRIPT_LOCATION))
        config.attributes["connection"] = conn
        command.downgrade(config, "0001")
    engine.dispose()
    with closing(sqlite3.connect(copy)) as conn:
        conn.execute("VACUUM")
    before = copy.stat().st_size
    started = time.perf_counter()
    db = Database(copy, backup_dir=tmp / "backups")
    total = time.perf_counter() - started
    db.close()
    backup_s = _time_backup(copy, tmp)
    after = copy.stat().st_size
    with closing(sqlite3.connect(copy)) as conn:
        count = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
    print(f"\nmigrating {count:,} articles 0001 -> head (a copy of the library):")
    print(f"  opening, with backup, indexing and merge  {total:8.1f} s")
    print(f"  of which the backup (measured again)      {backup_s:8.1f} s")
    print(
        f"  file before / after (MiB)                 {before / 2**20:8.1f} / {after / 2**20:.1f}"
    )


def _time_backup(path: Path, tmp: Path) -> float:
    from reader_app.storage.migrate import backup_file

    started = time.perf_counter()
    made = backup_file(path, tmp / "backups-again", "bench")
    elapsed = time.perf_counter() - started
    made.unlink()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--path", type=Path, default=Path("/tmp/reader_app_bench/search.sqlite3"))
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--no-migration", action="store_true")
    args = parser.parse_args()

    lib = open_or_build(args.path, args.feeds, args.entries)
    words = Words(random.Random(1))
    table = queries(words, lib)
    width = max(len(name) for name in table)
    print(f"\n{'query':<{width}}  {'matches':>7}  {'search (50) ms':>15}  {'search_ids ms':>15}")
    print(f"{'':<{width}}  {'':>7}  {'median':>7} {'max':>7}  {'median':>7} {'max':>7}")
    for name, text in table.items():
        parsed = lib.parse_search(text, prefix_last=name.startswith("as typed"))
        matches = len(lib.search_ids(parsed))
        page = timed(partial(lib.search, parsed), args.repeat)
        ids = timed(partial(lib.search_ids, parsed), args.repeat)
        print(
            f"{name:<{width}}  {matches:>7}  {page[0]:7.1f} {page[1]:7.1f}  "
            f"{ids[0]:7.1f} {ids[1]:7.1f}"
        )

    print()
    for name, size in sizes(args.path).items():
        print(f"{name:<28} {size:8.1f}{'' if 'chars' in name else ' MiB'}")

    feed = lib.feeds()[0].feed
    articles = lib.count_entries(EntryQuery(feed_ids=frozenset({FeedId(feed.id)})))
    names = itertools.cycle(["Renamed feed", None])
    rename = timed(lambda: lib.rename_feed(feed.id, next(names)), 5)
    print(
        f"\nrename a feed of {articles} articles (reindexed by trigger): median {rename[0]:.1f} ms"
    )
    lib.close()

    with tempfile.TemporaryDirectory(dir=args.path.parent) as tmp:
        write_cost(Path(tmp))
        if not args.no_migration:
            migration(args.path, Path(tmp))
    shutil.rmtree(args.path.parent / "backups", ignore_errors=True)


if __name__ == "__main__":
    main()
