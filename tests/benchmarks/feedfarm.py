"""A deterministic local feed farm: many synthetic feeds over HTTP on 127.0.0.1, stdlib only.

Benchmarks and tests sync against it instead of the internet. Everything it serves is a function
of ``--feeds N``, ``--seed S`` and the farm's *epoch*, so two farms with the same arguments serve
byte-identical feeds.

Feeds (``/feed/{i}``, ``i`` in ``0..N-1``):

* formats in every block of ten feeds: 5 RSS 2.0, 3 Atom 1.0, 1 RDF (RSS 1.0), 1 JSON Feed 1.1;
* 20-100 entries each at epoch 0; a feed keeps at most 100 (older ones drop off the end);
* 4 feeds in 10 carry full HTML content (paragraphs, links, an ``<img>``, entities), the rest a
  summary only; about 1 in 7 has no guids (link only); some XML feeds spell non-ASCII characters
  as character references, as WordPress does;
* 5 feeds in 10 are served gzip-encoded when the request accepts it;
* every response carries ``ETag`` and ``Last-Modified`` and honours ``If-None-Match`` /
  ``If-Modified-Since`` with 304, unless validators are switched off (``conditional=0``: no
  validators, always 200).

Time: epoch ``e`` is 2026-01-01T00:00Z plus ``e`` hours; every date served lies before it.
Advancing to the next epoch gives a deterministic subset of the feeds (a fraction, 1.0 = all)
1-5 new entries each; those feeds get new bytes and validators, the others keep theirs.
Bodies (and their gzip bytes) are rendered once per epoch, so serving costs almost no CPU: the
farm shares the machine with the client it measures.

HTTP endpoints besides the feeds (all GET):

==========================================  ==================================================
``/feeds.opml``                             OPML 2.0 of every feed, in a few (nested) folders
``/_ctl/advance[?fraction=F]``              next epoch; F defaults to ``--advance-fraction``
``/_ctl/set?conditional=0|1``               validators on/off (also ``advance_fraction=F``)
``/_ctl/epoch[?n=K]``                       show the epoch, or jump to epoch K (0 = initial)
``/_ctl/stats`` / ``/_ctl/reset-stats``     counters of feed/OPML requests, as JSON
``/_ctl/quit``                              stop ``serve``
==========================================  ==================================================

Command line::

    python tests/benchmarks/feedfarm.py serve --feeds 100 [--seed 1] [--port 8765]
    python tests/benchmarks/feedfarm.py info --feeds 1000      # sizes, without serving

``serve`` prints one line ``feedfarm listening on http://127.0.0.1:PORT/ ...`` (``--port 0``
picks a free port) and runs until killed or ``/_ctl/quit``. In-process::

    with FeedFarm(feeds=20, seed=1) as farm:
        farm.feed_url(0), farm.opml_bytes(), farm.catalog.advance()
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import html
import http.client
import json
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

__all__ = ["BASE_TIME", "MAX_ENTRIES", "Catalog", "FeedFarm", "FeedSpec", "Rendered", "main"]

HOST = "127.0.0.1"
BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)
"""Epoch 0; epoch ``e`` is this plus ``e`` hours."""
MAX_ENTRIES = 100
"""A feed's window: entries past the newest 100 drop off."""

Format = Literal["rss", "atom", "rdf", "json"]
CONTENT_TYPES: dict[Format, str] = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "rdf": "application/rdf+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}
_FORMAT_BLOCK: tuple[Format, ...] = ("rss",) * 5 + ("atom",) * 3 + ("rdf", "json")
_FOLDERS = ("News", "Technology", "Technology/Programming", "Science", "Blogs", "Culture")

# ---------------------------------------------------------------------------------------------
# Text material. Small word lists go a long way once shuffled; a few non-ASCII words and
# characters keep encodings honest.

_ADJECTIVES = (
    "quiet", "rapid", "hidden", "open", "modern", "ancient", "curious", "bright", "simple",
    "broken", "careful", "distant", "early", "fragile", "golden", "hard", "late", "local",
    "new", "old", "practical", "rare", "remote", "small", "strange", "tiny", "urban", "vast",
    "wild", "wooden", "naïve", "second-hand", "overlooked", "portable", "slow", "resilient",
)  # fmt: skip
_NOUNS = (
    "harbor", "garden", "compiler", "river", "market", "library", "engine", "bridge", "forest",
    "protocol", "kitchen", "museum", "satellite", "village", "network", "archive", "orchard",
    "telescope", "bicycle", "database", "lighthouse", "keyboard", "mountain", "notebook",
    "railway", "studio", "theory", "workshop", "café", "glacier", "parser", "city", "budget",
    "election", "vaccine", "startup", "battery", "reactor", "festival", "novel", "algorithm",
)  # fmt: skip
_VERBS = (
    "changes", "explains", "rebuilds", "measures", "saves", "breaks", "survives", "reshapes",
    "outlives", "simplifies", "connects", "replaces", "reveals", "slows", "powers", "tests",
)  # fmt: skip
_FILLER = (
    "the", "a", "of", "and", "to", "in", "that", "is", "for", "on", "with", "as", "it", "was",
    "at", "by", "from", "this", "but", "not", "are", "or", "which", "we", "they", "their",
    "about", "more", "after", "before", "while", "because", "every", "most", "some", "other",
)  # fmt: skip
_WORDS = _ADJECTIVES + _NOUNS + _VERBS + _FILLER * 3
_TITLE_TEMPLATES = (
    "How the {adj} {noun} {verb} everything",
    "Why {noun}s matter more than you think",
    "The {adj} {noun}: notes from a week in {place}",
    "{Adj} {noun}s & {adj2} {noun2}s",
    "What I learned building {a_adj} {noun}",
    "The {noun} that {verb} the {noun2}",
    "Q&A: the {noun} behind {place}\u2019s {adj} {noun2}",
    "Ten years of {adj} {noun}s \u2014 a retrospective",
    "\u201cThe {noun} {verb} itself,\u201d says {person}",
    "Is the {adj} {noun} < the {noun2}? A look at the numbers",
    "{person} on {noun}s, {noun2}s and {adj} ideas",
    "Release notes: {noun} 2.{n}",
)
_PLACES = (
    "Lisbon", "Kyoto", "Zürich", "Nairobi", "Montréal", "Oslo", "São Paulo", "Reykjavík",
    "Austin", "Kraków", "Hanoi", "Tromsø", "Valparaíso", "Dublin", "Tbilisi", "Busan",
)  # fmt: skip
_FIRST = (
    "Ada", "Bruno", "Chloé", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Inès", "Jonas",
    "Kwame", "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quinn", "Rosa", "Søren", "Tomás",
)  # fmt: skip
_LAST = (
    "Almeida", "Baker", "Chen", "Dubois", "Eriksen", "Fischer", "García", "Haddad", "Ivanova",
    "Jensen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "O'Brien", "Petrov", "Rossi",
)  # fmt: skip
_CATEGORIES = (
    "Essays", "News", "Programming", "Science", "Travel", "Food", "Politics", "Design",
    "Hardware", "Books", "Climate", "Open source", "Links", "Podcasts",
)  # fmt: skip
_HTML_ENTITIES = ("&amp;", "&lt;", "&gt;", "&quot;", "&nbsp;", "&mdash;", "&eacute;",
                  "&#8217;", "&hellip;", "&copy;")  # fmt: skip


def epoch_time(epoch: int) -> datetime:
    return BASE_TIME + timedelta(hours=epoch)


def _rng(seed: int, *parts: object) -> random.Random:
    # A string seed is hashed with SHA-512: the same stream in every process and Python run.
    return random.Random("/".join([str(seed), *map(str, parts)]))


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _sentence(rng: random.Random, low: int, high: int) -> str:
    words = rng.choices(_WORDS, k=rng.randint(low, high))
    return " ".join(words).capitalize() + rng.choice((".", ".", ".", "?", "!"))


def _title(rng: random.Random) -> str:
    adj = rng.choice(_ADJECTIVES)
    return rng.choice(_TITLE_TEMPLATES).format(
        adj=adj,
        a_adj=("an " if adj[0] in "aeiou" else "a ") + adj,
        Adj=rng.choice(_ADJECTIVES).capitalize(),
        adj2=rng.choice(_ADJECTIVES),
        noun=rng.choice(_NOUNS),
        noun2=rng.choice(_NOUNS),
        verb=rng.choice(_VERBS),
        place=rng.choice(_PLACES),
        person=_person(rng),
        n=rng.randint(0, 40),
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "post"


# ---------------------------------------------------------------------------------------------
# Feeds and entries


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """What never changes about a feed."""

    index: int
    fmt: Format
    title: str
    site: str
    """The feed's web site (``https://….example.org``); entry links live under it."""
    description: str
    full_content: bool
    gzip: bool
    guids: bool
    char_refs: bool
    """XML feeds only: non-ASCII characters written as ``&#NNNN;``."""
    initial: int
    """Entries at epoch 0 (20-100)."""
    spacing_s: int
    """Seconds between two of the entries present at epoch 0."""
    authors: tuple[str, ...]
    folder: str | None
    """Folder in the OPML file (``/`` nests); None: top level."""
    category_attr: str | None
    """An OPML ``category`` attribute, for a few feeds."""


@dataclass(frozen=True, slots=True)
class Entry:
    serial: int
    title: str
    link: str
    guid: str | None
    author: str
    published: datetime
    categories: tuple[str, ...]
    summary_html: str
    content_html: str | None


@dataclass(frozen=True, slots=True)
class Rendered:
    """One feed's bytes and validators at one epoch."""

    body: bytes
    gz: bytes | None
    """The gzip-encoded body for gzip feeds, None for the others."""
    etag: str
    """Strong ETag of ``body``; the gzip form is sent as the weak ``W/`` variant."""
    last_modified: datetime
    entries: int


def _make_spec(seed: int, index: int) -> FeedSpec:
    block = index // 10
    formats = list(_FORMAT_BLOCK)
    _rng(seed, "formats", block).shuffle(formats)
    full = [True] * 4 + [False] * 6
    _rng(seed, "content", block).shuffle(full)
    gz = [True] * 5 + [False] * 5
    _rng(seed, "gzip", block).shuffle(gz)
    rng = _rng(seed, "feed", index)
    name = (
        f"{rng.choice(_ADJECTIVES).capitalize()} {rng.choice(_NOUNS).capitalize()} "
        f"{rng.choice(('Notes', 'Weekly', 'Journal', 'Dispatch', 'Blog', 'Review', 'Digest'))}"
    )
    slug = _slug(name)
    roll = rng.random()
    folder = None if roll < 0.25 else _FOLDERS[int((roll - 0.25) / 0.75 * len(_FOLDERS))]
    return FeedSpec(
        index=index,
        fmt=formats[index % 10],
        title=name,
        site=f"https://{slug}-{index}.example.org",
        description=_sentence(rng, 6, 14),
        full_content=full[index % 10],
        gzip=gz[index % 10],
        guids=rng.random() >= 0.15,
        char_refs=rng.random() < 0.25,
        initial=rng.randint(20, MAX_ENTRIES),
        spacing_s=rng.randint(2 * 3600, 3 * 86400),
        authors=tuple(_person(rng) for _ in range(rng.randint(1, 4))),
        folder=folder,
        category_attr="/Favorites" if rng.random() < 0.1 else None,
    )


def _paragraph(rng: random.Random, site: str) -> str:
    parts: list[str] = []
    for _ in range(rng.randint(3, 6)):
        sentence = _sentence(rng, 8, 22)
        roll = rng.random()
        if roll < 0.25:
            word = rng.choice(_NOUNS)
            href = rng.choice(
                (f"{site}/tags/{_slug(word)}", f"https://en.wikipedia.org/wiki/{word}", "/about")
            )
            sentence = sentence[:-1] + f' (see <a href="{href}">{word}</a>).'
        elif roll < 0.4:
            sentence = sentence[:-1] + f" {rng.choice(_HTML_ENTITIES)} {rng.choice(_NOUNS)}."
        elif roll < 0.5:
            sentence = f"<em>{sentence}</em>"
        elif roll < 0.55:
            sentence += f" <code>{rng.choice(_NOUNS)}.{rng.choice(_VERBS)}()</code>"
        parts.append(sentence)
    return "<p>" + " ".join(parts) + "</p>"


def _make_entry(seed: int, spec: FeedSpec, serial: int, published: datetime) -> Entry:
    rng = _rng(seed, "entry", spec.index, serial)
    title = _title(rng)
    link = f"{spec.site}/{published:%Y/%m}/{_slug(title)}-{serial}"
    guid: str | None = None
    if spec.guids:
        guid = link if spec.index % 3 else f"tag:{spec.site[8:]},2025:post-{serial}"
    summary = _sentence(rng, 12, 30)
    if rng.random() < 0.5:
        summary += " " + _sentence(rng, 8, 20)
    summary_html = f"<p>{escape(summary)}</p>" if rng.random() < 0.7 else escape(summary)
    content: str | None = None
    if spec.full_content:
        paragraphs = [_paragraph(rng, spec.site) for _ in range(rng.randint(2, 5))]
        img = (
            f'<p><img src="https://cdn.example.net/{spec.index}/{serial}.jpg" '
            f'alt="{escape(rng.choice(_NOUNS))}" width="640" height="360"></p>'
        )
        paragraphs.insert(rng.randint(0, len(paragraphs)), img)
        if rng.random() < 0.3:
            items = "".join(f"<li>{_sentence(rng, 3, 8)}</li>" for _ in range(rng.randint(2, 5)))
            paragraphs.append(f"<ul>{items}</ul>")
        if rng.random() < 0.2:
            paragraphs.append(f"<blockquote><p>{_sentence(rng, 10, 25)}</p></blockquote>")
        content = "\n".join(paragraphs)
    return Entry(
        serial=serial,
        title=title,
        link=link,
        guid=guid,
        author=rng.choice(spec.authors),
        published=published,
        categories=tuple(rng.sample(_CATEGORIES, rng.randint(0, 3))),
        summary_html=summary_html,
        content_html=content,
    )


def _initial_dates(seed: int, spec: FeedSpec) -> list[datetime]:
    """Dates of the epoch-0 entries, oldest first, strictly increasing and before epoch 0."""
    rng = _rng(seed, "dates", spec.index)
    step = spec.spacing_s
    return [
        BASE_TIME - timedelta(seconds=(spec.initial - k) * step - rng.randint(0, step * 8 // 10))
        for k in range(spec.initial)
    ]


def _new_dates(seed: int, epoch: int, index: int, count: int) -> list[datetime]:
    """Dates of entries published during ``epoch``, oldest first, all within its hour."""
    rng = _rng(seed, "newdates", epoch, index)
    at = epoch_time(epoch)
    return [
        at - timedelta(minutes=(count - j) * 7, seconds=rng.randint(0, 59)) for j in range(count)
    ]


# ---------------------------------------------------------------------------------------------
# Rendering. Each entry is rendered to bytes once, when it appears; a feed's body is its head,
# its entries' bytes and its tail.


def _rfc822(when: datetime) -> str:
    return format_datetime(when, usegmt=True)


def _rfc3339(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _xml_head(spec: FeedSpec, updated: datetime, links: Sequence[str]) -> str:
    title, site, desc = escape(spec.title), escape(spec.site), escape(spec.description)
    if spec.fmt == "rss":
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n'
            f"<title>{title}</title>\n<link>{site}/</link>\n<description>{desc}</description>\n"
            f"<language>en</language>\n<lastBuildDate>{_rfc822(updated)}</lastBuildDate>\n"
            "<generator>feedfarm</generator>\n<ttl>60</ttl>\n"
        )
    if spec.fmt == "atom":
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">\n'
            f"<title>{title}</title>\n<subtitle>{desc}</subtitle>\n"
            f'<link rel="alternate" type="text/html" href="{site}/"/>\n'
            f"<id>{site}/</id>\n<updated>{_rfc3339(updated)}</updated>\n"
            f'<generator version="1">feedfarm</generator>\n'
        )
    seq = "".join(f"<rdf:li rdf:resource={quoteattr(link)}/>\n" for link in links)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/">\n'
        f'<channel rdf:about="{site}/">\n<title>{title}</title>\n<link>{site}/</link>\n'
        f"<description>{desc}</description>\n<dc:date>{_rfc3339(updated)}</dc:date>\n"
        f"<items>\n<rdf:Seq>\n{seq}</rdf:Seq>\n</items>\n</channel>\n"
    )


_XML_TAIL: dict[Format, str] = {
    "rss": "</channel>\n</rss>\n",
    "atom": "</feed>\n",
    "rdf": "</rdf:RDF>\n",
}


def _render_entry(spec: FeedSpec, e: Entry) -> bytes:
    if spec.fmt == "json":
        item: dict[str, object] = {"id": e.guid or e.link, "url": e.link, "title": e.title}
        if e.content_html is not None:
            item["content_html"] = e.content_html
            item["summary"] = html.unescape(re.sub(r"<[^>]+>", "", e.summary_html))
        else:
            item["content_html"] = e.summary_html
        item["date_published"] = _rfc3339(e.published)
        item["authors"] = [{"name": e.author}]
        if e.categories:
            item["tags"] = list(e.categories)
        return json.dumps(item, ensure_ascii=False).encode()
    title, link = escape(e.title), escape(e.link)
    if spec.fmt == "rss":
        out = [f"<item>\n<title>{title}</title>\n<link>{link}</link>\n"]
        if e.guid is not None:
            perma = "true" if e.guid == e.link else "false"
            out.append(f'<guid isPermaLink="{perma}">{escape(e.guid)}</guid>\n')
        out.append(f"<pubDate>{_rfc822(e.published)}</pubDate>\n")
        out.append(f"<dc:creator>{escape(e.author)}</dc:creator>\n")
        out.extend(f"<category>{escape(c)}</category>\n" for c in e.categories)
        out.append(f"<description>{escape(e.summary_html)}</description>\n")
        if e.content_html is not None:
            out.append(f"<content:encoded><![CDATA[{e.content_html}]]></content:encoded>\n")
        out.append("</item>\n")
    elif spec.fmt == "atom":
        stamp = _rfc3339(e.published)
        out = [
            f'<entry>\n<title>{title}</title>\n<link rel="alternate" type="text/html" '
            f'href="{link}"/>\n<id>{escape(e.guid or e.link)}</id>\n'
            f"<published>{stamp}</published>\n<updated>{stamp}</updated>\n"
            f"<author><name>{escape(e.author)}</name></author>\n"
        ]
        out.extend(f"<category term={quoteattr(c)}/>\n" for c in e.categories)
        out.append(f'<summary type="html">{escape(e.summary_html)}</summary>\n')
        if e.content_html is not None:
            out.append(f'<content type="html">{escape(e.content_html)}</content>\n')
        out.append("</entry>\n")
    else:
        out = [
            f"<item rdf:about={quoteattr(e.link)}>\n<title>{title}</title>\n<link>{link}</link>\n"
            f"<description>{escape(e.summary_html)}</description>\n"
            f"<dc:date>{_rfc3339(e.published)}</dc:date>\n"
            f"<dc:creator>{escape(e.author)}</dc:creator>\n"
        ]
        out.extend(f"<dc:subject>{escape(c)}</dc:subject>\n" for c in e.categories)
        if e.content_html is not None:
            out.append(f"<content:encoded>{escape(e.content_html)}</content:encoded>\n")
        out.append("</item>\n")
    return _encode(spec, "".join(out))


def _encode(spec: FeedSpec, text: str) -> bytes:
    return text.encode("ascii", "xmlcharrefreplace") if spec.char_refs else text.encode()


def _render_feed(
    spec: FeedSpec, window: Sequence[tuple[str, bytes]], updated: datetime
) -> Rendered:
    """``window``: (link, rendered entry) pairs, newest first."""
    if spec.fmt == "json":
        head: dict[str, object] = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": spec.title,
            "home_page_url": spec.site + "/",
            "description": spec.description,
            "language": "en",
        }
        body = b"".join(
            (
                json.dumps(head, ensure_ascii=False).encode()[:-1],
                b', "items": [\n',
                b",\n".join(item for _, item in window),
                b"\n]}\n",
            )
        )
    else:
        head_text = _xml_head(spec, updated, [link for link, _ in window])
        body = b"".join(
            (_encode(spec, head_text), *(item for _, item in window), _XML_TAIL[spec.fmt].encode())
        )
    return Rendered(
        body=body,
        gz=gzip.compress(body, compresslevel=6, mtime=0) if spec.gzip else None,
        etag='"' + hashlib.sha1(body, usedforsecurity=False).hexdigest()[:24] + '"',
        last_modified=updated,
        entries=len(window),
    )


@dataclass(slots=True)
class _FeedState:
    next_serial: int
    window: list[tuple[str, bytes]]
    """(link, rendered entry), newest first, at most MAX_ENTRIES."""
    changed: datetime
    rendered: Rendered


class Catalog:
    """The farm's content: feeds by epoch, pre-rendered. Thread-safe; no HTTP here."""

    def __init__(self, feeds: int, seed: int = 1, *, advance_fraction: float = 0.5) -> None:
        if feeds < 1:
            raise ValueError("feeds must be at least 1")
        self.seed = seed
        self.specs = tuple(_make_spec(seed, i) for i in range(feeds))
        self.advance_fraction = _check_fraction(advance_fraction)
        self._lock = threading.Lock()
        self._epoch = 0
        self._history: list[float] = []
        """The fraction each advance used; epoch ``e`` is epoch 0 advanced by the first ``e``."""
        self._initial = [self._initial_state(spec) for spec in self.specs]
        self._states = self._initial

    @property
    def epoch(self) -> int:
        return self._epoch

    def __len__(self) -> int:
        return len(self.specs)

    def get(self, index: int) -> Rendered:
        return self._states[index].rendered

    def _initial_state(self, spec: FeedSpec) -> _FeedState:
        dates = _initial_dates(self.seed, spec)
        window: list[tuple[str, bytes]] = []
        for serial, when in enumerate(dates):
            entry = _make_entry(self.seed, spec, serial, when)
            window.append((entry.link, _render_entry(spec, entry)))
        window.reverse()
        return _FeedState(spec.initial, window, BASE_TIME, _render_feed(spec, window, BASE_TIME))

    def changed_at(self, epoch: int, fraction: float) -> list[int]:
        """The feeds that gain entries when the farm moves to ``epoch``; sorted."""
        count = len(self.specs) if fraction >= 1 else round(fraction * len(self.specs))
        if fraction > 0:
            count = max(count, 1)
        return sorted(_rng(self.seed, "advance", epoch).sample(range(len(self.specs)), count))

    def _advance_locked(self, fraction: float) -> list[int]:
        epoch = self.epoch + 1
        changed = self.changed_at(epoch, fraction)
        at = epoch_time(epoch)
        states = list(self._states)
        for index in changed:
            spec, old = self.specs[index], states[index]
            gain = _rng(self.seed, "gain", epoch, index).randint(1, 5)
            fresh: list[tuple[str, bytes]] = []
            for j, when in enumerate(_new_dates(self.seed, epoch, index, gain)):
                entry = _make_entry(self.seed, spec, old.next_serial + j, when)
                fresh.append((entry.link, _render_entry(spec, entry)))
            window = (fresh[::-1] + old.window)[:MAX_ENTRIES]
            states[index] = _FeedState(
                old.next_serial + gain, window, at, _render_feed(spec, window, at)
            )
        self._states = states  # one assignment: readers see one epoch or the next, never a mix
        self._epoch = epoch
        return changed

    def advance(self, fraction: float | None = None) -> list[int]:
        """Move to the next epoch; returns the indexes of the feeds that changed."""
        f = self.advance_fraction if fraction is None else _check_fraction(fraction)
        with self._lock:
            self._history[self._epoch :] = [f]  # a new future: later replays follow this one
            return self._advance_locked(f)

    def set_epoch(self, n: int) -> None:
        """Jump to epoch ``n``, replaying the fractions advances used before (else the default).

        So ``set_epoch(0)`` then ``set_epoch(k)`` gives back the same bytes as before.
        """
        if n < 0:
            raise ValueError("epoch must be >= 0")
        with self._lock:
            if n < self._epoch:
                self._epoch = 0
                self._states = self._initial  # states are never mutated: epoch 0 is kept as is
            while self._epoch < n:
                if self._epoch == len(self._history):
                    self._history.append(self.advance_fraction)
                self._advance_locked(self._history[self._epoch])

    def totals(self) -> dict[str, object]:
        states = self._states
        return {
            "feeds": len(states),
            "epoch": self.epoch,
            "entries": sum(s.rendered.entries for s in states),
            "body_bytes": sum(len(s.rendered.body) for s in states),
            "gzip_bytes": sum(len(s.rendered.gz) for s in states if s.rendered.gz is not None),
            "formats": dict(Counter(spec.fmt for spec in self.specs)),
            "gzip_feeds": sum(spec.gzip for spec in self.specs),
            "full_content_feeds": sum(spec.full_content for spec in self.specs),
            "feeds_without_guids": sum(not spec.guids for spec in self.specs),
        }

    def opml_bytes(self, base_url: str) -> bytes:
        """OPML 2.0 of every feed under ``base_url`` (``http://127.0.0.1:PORT``), in folders."""
        base = base_url.rstrip("/")
        tree: dict[str, object] = {}
        top: list[str] = []
        for spec in self.specs:
            category = f" category={quoteattr(spec.category_attr)}" if spec.category_attr else ""
            line = (
                f'<outline type="rss" text={quoteattr(spec.title)} title={quoteattr(spec.title)} '
                f'xmlUrl="{base}/feed/{spec.index}" htmlUrl="{spec.site}/"{category}/>'
            )
            if spec.folder is None:
                top.append(line)
                continue
            node = tree
            for part in spec.folder.split("/"):
                child = node.setdefault(part, {})
                assert isinstance(child, dict)
                node = child
            lines = node.setdefault("", [])
            assert isinstance(lines, list)
            lines.append(line)

        def emit(node: dict[str, object], depth: int) -> Iterator[str]:
            pad = "  " * depth
            lines = node.get("", [])
            assert isinstance(lines, list)
            yield from (pad + line for line in lines)
            for name, child in node.items():
                if name:
                    assert isinstance(child, dict)
                    yield f"{pad}<outline text={quoteattr(name)}>"
                    yield from emit(child, depth + 1)
                    yield f"{pad}</outline>"

        body = "\n".join([*emit(tree, 2), *("    " + line for line in top)])
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n  <head>\n'
            f"    <title>feedfarm seed {self.seed}, {len(self.specs)} feeds</title>\n"
            f"    <dateCreated>{_rfc822(BASE_TIME)}</dateCreated>\n  </head>\n"
            f"  <body>\n{body}\n  </body>\n</opml>\n"
        ).encode()


def _check_fraction(value: float) -> float:
    if not 0 <= value <= 1:
        raise ValueError("fraction must be between 0 and 1")
    return value


# ---------------------------------------------------------------------------------------------
# HTTP


class _Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.by_status: Counter[int] = Counter()
            self.bytes_sent = 0
            self.gzip_responses = 0
            self.cpu0 = time.process_time()
            self.wall0 = time.monotonic()

    def count(self, status: int, sent: int, gzipped: bool) -> None:
        with self._lock:
            self.by_status[status] += 1
            self.bytes_sent += sent
            self.gzip_responses += gzipped

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            return {
                "requests": sum(self.by_status.values()),
                "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
                "bytes_sent": self.bytes_sent,
                "gzip_responses": self.gzip_responses,
                "server_cpu_s": round(time.process_time() - self.cpu0, 4),
                "since_s": round(time.monotonic() - self.wall0, 3),
            }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, farm: FeedFarm, port: int) -> None:
        self.farm = farm
        super().__init__((HOST, port), _Handler)

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        # A client that hangs up mid-response is not news; anything else is printed.
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


def _accepts_gzip(header: str | None) -> bool:
    for part in (header or "").split(","):
        name, _, params = part.partition(";")
        if name.strip().lower() in ("gzip", "x-gzip", "*"):
            q = params.strip().lower()
            if q.startswith("q="):
                try:
                    return float(q[2:]) > 0
                except ValueError:
                    return False
            return True
    return False


def _etag_matches(header: str, etag: str) -> bool:
    """Weak comparison, as RFC 9110 prescribes for If-None-Match."""
    opaque = etag.removeprefix("W/")
    for item in header.split(","):
        tag = item.strip()
        if tag == "*" or tag.removeprefix("W/") == opaque:
            return True
    return False


def _not_modified_since(header: str, last_modified: datetime) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return last_modified <= since


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "feedfarm/1"
    timeout = 30  # idle keep-alive connections close after this many seconds
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK add ~40 ms to every response.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        self._route(head=False)

    def do_HEAD(self) -> None:
        self._route(head=True)

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: Sequence[tuple[str, str]] = (),
        *,
        head: bool = False,
    ) -> None:
        self.send_response(status)
        if status != 304:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if status != 304 and not head:
            self.wfile.write(body)

    def _json(self, value: object, status: int = 200) -> None:
        self._send(status, json.dumps(value).encode() + b"\n", "application/json")

    def _route(self, *, head: bool) -> None:
        farm = self.server.farm
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        path = url.path
        if path.startswith("/feed/"):
            self._feed(path[6:], head=head)
        elif path == "/feeds.opml":
            body = farm.opml_bytes()
            self._send(200, body, "text/x-opml; charset=utf-8", head=head)
            farm.stats.count(200, 0 if head else len(body), False)
        elif path.startswith("/_ctl/"):
            try:
                self._json(farm.control(path[6:], query))
            except (KeyError, ValueError) as exc:
                self._json({"error": str(exc)}, 400 if isinstance(exc, ValueError) else 404)
        else:
            self._send(404, b"not found\n", "text/plain")
            farm.stats.count(404, 10, False)

    def _feed(self, tail: str, *, head: bool) -> None:
        farm = self.server.farm
        if not tail.isdigit() or int(tail) >= len(farm.catalog):
            self._send(404, b"no such feed\n", "text/plain", head=head)
            farm.stats.count(404, 13, False)
            return
        index = int(tail)
        spec, got = farm.catalog.specs[index], farm.catalog.get(index)
        gzipped = got.gz is not None and _accepts_gzip(self.headers.get("Accept-Encoding"))
        body = got.gz if gzipped and got.gz is not None else got.body
        headers: list[tuple[str, str]] = []
        if spec.gzip:
            headers.append(("Vary", "Accept-Encoding"))
        if gzipped:
            headers.append(("Content-Encoding", "gzip"))
        status = 200
        if farm.conditional:
            etag = "W/" + got.etag if gzipped else got.etag
            headers += [("ETag", etag), ("Last-Modified", _rfc822(got.last_modified))]
            inm = self.headers.get("If-None-Match")
            ims = self.headers.get("If-Modified-Since")
            if inm is not None:
                status = 304 if _etag_matches(inm, got.etag) else 200
            elif ims is not None and _not_modified_since(ims, got.last_modified):
                status = 304
        headers.append(("Cache-Control", "max-age=0"))
        self._send(status, body, CONTENT_TYPES[spec.fmt], headers, head=head)
        farm.stats.count(status, 0 if status == 304 or head else len(body), gzipped)


class FeedFarm:
    """The farm's HTTP server, in a background thread of this process (or in the foreground)."""

    def __init__(
        self,
        feeds: int = 100,
        seed: int = 1,
        *,
        port: int = 0,
        advance_fraction: float = 0.5,
        conditional: bool = True,
    ) -> None:
        self.catalog = Catalog(feeds, seed, advance_fraction=advance_fraction)
        self.conditional = conditional
        self.stats = _Stats()
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle
    def bind(self) -> FeedFarm:
        if self._server is None:
            self._server = _Server(self, self._port)
        return self

    def start(self) -> FeedFarm:
        """Serve in a daemon thread; returns at once, ready for requests."""
        self.bind()
        assert self._server is not None
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, args=(0.05,), name="feedfarm", daemon=True
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.bind()
        assert self._server is not None
        self._server.serve_forever()

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        if self._thread is not None:  # shutdown() would wait forever for a loop never started
            server.shutdown()
            self._thread.join(5)
            self._thread = None
        server.server_close()

    def __enter__(self) -> FeedFarm:
        return self.start()

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- addresses
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the farm is not bound; call start()")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def feed_url(self, index: int) -> str:
        return f"{self.base_url}/feed/{index}"

    def opml_bytes(self) -> bytes:
        return self.catalog.opml_bytes(self.base_url)

    # -- control, shared by the HTTP endpoints and in-process callers
    def control(self, command: str, query: dict[str, str]) -> dict[str, object]:
        """Run one ``/_ctl/`` command; KeyError for an unknown one, ValueError for bad input."""
        if command == "advance":
            fraction = float(query["fraction"]) if "fraction" in query else None
            changed = self.catalog.advance(fraction)
            return {"epoch": self.catalog.epoch, "changed": len(changed)}
        if command == "set":
            if "conditional" in query:
                if query["conditional"] not in ("0", "1"):
                    raise ValueError("conditional must be 0 or 1")
                self.conditional = query["conditional"] == "1"
            if "advance_fraction" in query:
                self.catalog.advance_fraction = _check_fraction(float(query["advance_fraction"]))
            return {
                "conditional": int(self.conditional),
                "advance_fraction": self.catalog.advance_fraction,
            }
        if command == "epoch":
            if "n" in query:
                self.catalog.set_epoch(int(query["n"]))
            return {"epoch": self.catalog.epoch}
        if command == "stats":
            return {
                **self.stats.snapshot(),
                "epoch": self.catalog.epoch,
                "conditional": int(self.conditional),
            }
        if command == "reset-stats":
            self.stats.reset()
            return {"ok": True}
        if command == "info":
            return self.catalog.totals()
        if command == "quit":
            server = self._server
            if server is not None:
                threading.Thread(target=server.shutdown, daemon=True).start()
            return {"ok": True}
        raise KeyError(f"unknown control {command!r}")


# ---------------------------------------------------------------------------------------------
# Command line


def _mb(n: object) -> str:
    assert isinstance(n, int)
    return f"{n / 1e6:.1f} MB"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("serve", "info"):
        p = sub.add_parser(name, help="serve the farm" if name == "serve" else "print sizes")
        p.add_argument("--feeds", type=int, default=100)
        p.add_argument("--seed", type=int, default=1)
        p.add_argument("--advance-fraction", type=float, default=0.5, metavar="F")
        if name == "serve":
            p.add_argument("--port", type=int, default=8765, help="0 picks a free port")
            p.add_argument("--conditional", type=int, choices=(0, 1), default=1)
            p.add_argument("--write-opml", metavar="FILE", help="also write the OPML file here")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    if args.command == "info":
        totals = Catalog(args.feeds, args.seed).totals()
        totals["render_s"] = round(time.perf_counter() - started, 2)
        print(json.dumps(totals))
        return 0

    farm = FeedFarm(
        args.feeds,
        args.seed,
        port=args.port,
        advance_fraction=args.advance_fraction,
        conditional=bool(args.conditional),
    ).bind()
    if args.write_opml:
        with open(args.write_opml, "wb") as fh:
            fh.write(farm.opml_bytes())
    totals = farm.catalog.totals()

    def on_term(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    print(
        f"feedfarm listening on {farm.base_url}/ feeds={totals['feeds']} "
        f"entries={totals['entries']} xml={_mb(totals['body_bytes'])} "
        f"gzip={_mb(totals['gzip_bytes'])} rendered_in={time.perf_counter() - started:.1f}s",
        flush=True,
    )
    try:
        farm.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        farm.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())


# Driving a farm in a child process (the benchmarks: its CPU is not the client's)


class FarmProcess:
    """``feedfarm.py serve`` in a child process, driven over its ``/_ctl/`` endpoints."""

    def __init__(self, feeds: int, seed: int, port: int) -> None:
        argv = [sys.executable, str(Path(__file__)), "serve", f"--feeds={feeds}", f"--seed={seed}"]
        argv += [f"--port={port}", "--advance-fraction=1"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        assert self.proc.stdout is not None
        banner = self.proc.stdout.readline().decode().strip()  # printed once it is serving
        if not banner.startswith("feedfarm listening on "):
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError(f"the feed farm did not start: {banner!r}")
        self.banner = banner
        self.base_url = banner.split()[3].rstrip("/")
        self.info = self.ctl("info")

    def ctl(self, command: str) -> dict[str, object]:
        with urllib.request.urlopen(f"{self.base_url}/_ctl/{command}", timeout=300) as resp:
            value = json.load(resp)
        assert isinstance(value, dict)
        return value

    def opml(self) -> bytes:
        with urllib.request.urlopen(f"{self.base_url}/feeds.opml", timeout=60) as resp:
            data = resp.read()
        assert isinstance(data, bytes)
        return data

    def stop(self) -> None:
        # The farm may close the connection before its answer to "quit" is complete.
        with contextlib.suppress(OSError, http.client.HTTPException):
            self.ctl("quit")
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@contextlib.contextmanager
def running_farm(feeds: int, seed: int, port: int) -> Iterator[FarmProcess]:
    farm = FarmProcess(feeds, seed, port)
    try:
        yield farm
    finally:
        farm.stop()
