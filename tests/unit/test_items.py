"""Parsing only changed items: the split is safe, and the result is what a whole parse gives.

This is the differential test the fast path must pass: on every XML feed of the test corpus
and on generated feeds of every format, the entries parsed from a reduced document are exactly
the entries a whole-document parse gives for the same items.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from reader_app.errors import ParseError
from reader_app.ingest.items import item_hash, reduced_document, split_items
from reader_app.ingest.parse import parse_changed, parse_document
from tests.benchmarks.feedfarm import Catalog

DATA = Path(__file__).parent.parent / "data" / "feeds"
URL = "https://example.org/feed.xml"


def _corpus() -> list[tuple[str, bytes]]:
    files = [(p.name, p.read_bytes()) for p in sorted(DATA.iterdir()) if p.suffix == ".xml"]
    catalog = Catalog(40, seed=3)
    generated = [(f"farm-{i}", catalog.get(i).body) for i in range(len(catalog))]
    return files + generated


CORPUS = _corpus()


def _whole(body: bytes) -> object:
    try:
        return parse_document(body, url=URL)
    except ParseError as exc:
        return exc


@pytest.mark.parametrize(("name", "body"), CORPUS, ids=[name for name, _ in CORPUS])
def test_partial_parse_equals_whole_parse(name: str, body: bytes) -> None:
    whole = _whole(body)
    if isinstance(whole, ParseError):
        with pytest.raises(ParseError):
            parse_changed(body, url=URL)
        return
    split = split_items(body)
    first = parse_changed(body, url=URL)
    assert first.entries == whole.entries  # type: ignore[attr-defined]
    if split is None or first.item_hashes is None:
        return  # not splittable: always parsed whole, nothing more to compare
    assert first.positions == tuple(range(len(split.spans)))
    rng = random.Random(name)
    hashes = list(first.item_hashes)
    for _ in range(4):
        known = {h for h in hashes if rng.random() < 0.7}
        partial = parse_changed(body, url=URL, known_items=frozenset(known))
        assert partial.positions is not None
        expected = tuple(whole.entries[i] for i in partial.positions)  # type: ignore[attr-defined]
        assert partial.entries == expected
        assert [i for i, h in enumerate(hashes) if h not in known] == list(partial.positions)
        assert sorted(partial.unchanged_items) == sorted(h for h in hashes if h in known)
        # The feed's own fields do not depend on which items were kept.
        assert (partial.title, partial.site_url, partial.icon_url, partial.format) == (
            whole.title,  # type: ignore[attr-defined]
            whole.site_url,  # type: ignore[attr-defined]
            whole.icon_url,  # type: ignore[attr-defined]
            whole.format,  # type: ignore[attr-defined]
        )


def test_every_known_item_means_no_entries_but_the_feed_still_parses() -> None:
    body = (DATA / "rss20.xml").read_bytes()
    first = parse_changed(body, url=URL)
    assert first.item_hashes
    again = parse_changed(body, url=URL, known_items=frozenset(first.item_hashes))
    assert again.entries == ()
    assert again.title == first.title
    assert len(again.unchanged_items) == len(first.item_hashes)


RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>t</title>
%s
</channel></rss>"""


def _rss(items: bytes) -> bytes:
    return RSS % items


def test_cdata_and_comments_hiding_item_tags_do_not_split() -> None:
    body = _rss(
        b"<item><title>a</title><description><![CDATA[ </item><item> ]]></description></item>\n"
        b"<item><!-- <item>commented</item> --><title>b</title></item>"
    )
    split = split_items(body)
    assert split is not None
    assert len(split.spans) == 2
    assert parse_changed(body, url=URL).entries == parse_document(body, url=URL).entries


@pytest.mark.parametrize(
    "items",
    [
        b"<item><title>a</title><item><title>nested</title></item></item>",
        b"<item><title>a</title></item><image><url>x</url></image><item><title>b</title></item>",
        b"<item><title>never closed</title>",
        b"</item>",
        b"<item><title>a</title></item><entry><title>b</title></entry>",
        b"<channelitem>no item here</channelitem>",
        # Anything between items, even a comment, would vanish from a reduced document.
        b"<item><title>a</title></item><!-- note --><item><title>b</title></item>",
    ],
)
def test_unsafe_documents_are_not_split(items: bytes) -> None:
    assert split_items(_rss(items)) is None


def test_non_ascii_compatible_encodings_are_not_split() -> None:
    text = _rss(b"<item><title>a</title></item>").decode()
    utf16 = text.replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16")
    assert split_items(utf16) is None
    declared = text.replace('encoding="utf-8"', 'encoding="shift_jis"').encode()
    assert split_items(declared) is None
    latin = text.replace('encoding="utf-8"', 'encoding="ISO-8859-1"').encode("latin-1")
    assert split_items(latin) is not None


def test_prefixed_and_empty_items() -> None:
    atom = (
        b'<?xml version="1.0"?><a:feed xmlns:a="http://www.w3.org/2005/Atom">'
        b"<a:title>t</a:title><a:entry><a:id>1</a:id></a:entry>"
        b"<a:entry><a:id>2</a:id></a:entry></a:feed>"
    )
    split = split_items(atom)
    assert split is not None
    assert len(split.spans) == 2
    empty = _rss(b"<item/>\n<item><title>b</title></item>")
    split = split_items(empty)
    assert split is not None
    start, end = split.spans[0]
    assert empty[start:end] == b"<item/>"


def test_reduced_document_keeps_head_and_tail() -> None:
    body = _rss(b"<item><title>a</title></item>\n<item><title>b</title></item>")
    split = split_items(body)
    assert split is not None
    reduced = reduced_document(body, split, [1])
    assert reduced.startswith(body[: split.head_end])
    assert reduced.endswith(body[split.tail_start :])
    assert b"<title>a</title>" not in reduced
    assert b"<title>b</title>" in reduced


def test_item_hash_depends_on_every_byte() -> None:
    assert item_hash(b"<item>a</item>") == item_hash(b"<item>a</item>")
    assert item_hash(b"<item>a</item>") != item_hash(b"<item>a </item>")
