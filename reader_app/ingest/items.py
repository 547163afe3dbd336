"""Split an XML feed into its items, so an update parses only what changed.

A feed that gained three items since the last update still sends all sixty. Parsing costs
about 0.5 ms per item in feedparser, so ``parse_changed`` (in parse.py) hashes each item's raw
bytes, skips the items seen before, and hands feedparser the document with only the new and
changed items in place: the same header (namespaces, ``xml:base``, channel elements) and
trailer, so each kept item parses exactly as it would in the whole document
(tests/unit/test_items.py checks that on every feed of the test corpus).

Splitting is deliberately conservative. Anything unusual (an encoding that is not ASCII
compatible, nested or unbalanced items, text between items) returns ``None`` and the caller
parses the whole document.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

# Item start and end tags, with an optional namespace prefix: <item>, <entry>, <atom:entry>.
_TAG = re.compile(rb"<(/?)((?:[A-Za-z_][\w.-]*:)?(?:item|entry))(?=[\s/>])")
# Regions where a tag-like text is not a tag.
_OPAQUE = re.compile(rb"<!\[CDATA\[.*?\]\]>|<!--.*?-->|<\?.*?\?>", re.DOTALL)
_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
# Encodings in which every ASCII byte stands for itself, so tags can be found in the bytes.
_ASCII_COMPATIBLE = re.compile(
    r"^(utf-?8|us-ascii|ascii|iso-?8859-\d+|latin-?1|windows-125\d|cp125\d|koi8-[ru])$", re.I
)


@dataclass(frozen=True, slots=True)
class ItemSplit:
    """Where the items are: ``spans[i]`` is (start, end) of the i-th item in the body."""

    spans: tuple[tuple[int, int], ...]

    @property
    def head_end(self) -> int:
        return self.spans[0][0]

    @property
    def tail_start(self) -> int:
        return self.spans[-1][1]


# What in the document around the items changes how an item parses: namespaces, the base for
# relative links, the language. Mixed into every item's hash with the declared encoding, the
# document's URL and its content type (charset), so a change to any of them parses every item
# again. Not the whole head: <lastBuildDate> changes on every update.
_CONTEXT_ATTRIBUTE = re.compile(
    rb"""(?:xmlns(?::[\w.-]+)?|xml:base|xml:lang)\s*=\s*(?:"[^"]*"|'[^']*')"""
)
_DECLARATION = re.compile(rb"\s*(<\?xml[^>]*\?>)")


def document_context(body: bytes, split: ItemSplit, *, url: str, content_type: str) -> bytes:
    """The parts of a document outside its items that affect how the items parse."""
    head = body[: split.head_end]
    declaration = _DECLARATION.match(head.lstrip(b"\xef\xbb\xbf"))
    return b"\n".join(
        [
            declaration.group(1) if declaration else b"",
            b" ".join(_CONTEXT_ATTRIBUTE.findall(head)),
            url.encode("utf-8", "replace"),
            content_type.encode("utf-8", "replace"),
        ]
    )


def item_hash(raw: bytes, context: bytes = b"") -> str:
    digest = hashlib.blake2b(context, digest_size=16)
    digest.update(b"\0")
    digest.update(raw)
    return digest.hexdigest()


def split_items(body: bytes) -> ItemSplit | None:
    """The items of an RSS, RDF or Atom document, or None when it cannot be split safely."""
    if not _ascii_compatible(body):
        return None
    spans: list[tuple[int, int]] = []
    open_at: int | None = None
    name: bytes | None = None
    for tag in _item_tags(body):
        if tag.end < 0 or (name is not None and tag.name != name):
            return None  # a tag that never closes, or <item> and <entry> mixed
        name = tag.name
        if tag.closing:
            if open_at is None:
                return None
            spans.append((open_at, tag.end))
            open_at = None
        elif open_at is not None:
            return None  # nested items
        elif tag.empty:
            spans.append((tag.start, tag.end))
        else:
            open_at = tag.start
    if open_at is not None or not spans:
        return None
    if any(body[end:start].strip() for (_, end), (start, _) in pairwise(spans)):
        return None  # channel elements between items would be lost in a reduced document
    return ItemSplit(spans=tuple(spans))


@dataclass(frozen=True, slots=True)
class _Tag:
    start: int
    end: int  # just past the closing ">", or -1 when there is none
    name: bytes
    closing: bool
    empty: bool  # <item/>


def _item_tags(body: bytes) -> Iterator[_Tag]:
    """Item start and end tags outside CDATA sections, comments and processing instructions."""
    opaque = [m.span() for m in _OPAQUE.finditer(body)]
    region = 0
    for match in _TAG.finditer(body):
        position = match.start()
        while region < len(opaque) and opaque[region][1] <= position:
            region += 1
        if region < len(opaque) and opaque[region][0] <= position:
            continue
        close = body.find(b">", match.end())
        yield _Tag(
            start=position,
            end=close + 1 if close >= 0 else -1,
            name=match.group(2),
            closing=bool(match.group(1)),
            empty=close > 0 and body[close - 1 : close] == b"/",
        )


def _ascii_compatible(body: bytes) -> bool:
    if body.startswith((b"\xfe\xff", b"\xff\xfe", b"\x00", b"\x4c\x6f\xa7\x94")):
        return False  # UTF-16/32, EBCDIC: tags are not ASCII bytes
    declared = _DECLARED_ENCODING.match(body.lstrip(b"\xef\xbb\xbf"))
    return declared is None or bool(_ASCII_COMPATIBLE.match(declared.group(1).decode("ascii")))


def reduced_document(body: bytes, split: ItemSplit, keep: list[int]) -> bytes:
    """The document with only the items at the indexes ``keep``, in document order."""
    parts = [body[: split.head_end]]
    for index in keep:
        start, end = split.spans[index]
        parts.append(body[start:end])
        parts.append(b"\n")
    parts.append(body[split.tail_start :])
    return b"".join(parts)
