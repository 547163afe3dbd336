"""The linear pre-pass: caps the number of tags and the nesting depth before nh3 parses.

nh3 costs about a microsecond per tag and is quadratic in nesting depth (30,000 nested
``<div>`` take seconds). This pass runs before it, in one scan, so pathological input never
reaches nh3's tree builder.
"""

from __future__ import annotations

import re
from typing import Final

_TAG: Final = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>")
_VOID: Final = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr", "keygen", "image"}
)  # fmt: skip
# Tags that a parser closes by itself when the next sibling starts: they cannot pile up.
_SELF_CLOSING_SIBLINGS: Final = frozenset(
    {"p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "thead", "tbody", "tfoot",
     "colgroup", "rt", "rp", "caption"}
)  # fmt: skip


def prepass(text: str, *, max_depth: int, max_tags: int) -> tuple[str, bool]:
    """Cut ``text`` before its ``max_tags``-th tag and drop start tags (and as many end tags)
    nested beyond ``max_depth``; returns the text and whether it was cut.

    Linear and approximate, and not a sanitizer: nh3 still parses the result. It only keeps
    pathological input from reaching nh3's tree builder, whose cost grows with depth.
    """
    depth = 0
    dropped = 0
    pieces: list[str] = []
    last = 0
    for count, match in enumerate(_TAG.finditer(text)):
        if count >= max_tags:
            pieces.append(text[last : match.start()])
            return "".join(pieces), True
        closing, name = match.group(1), match.group(2).lower()
        if name in _VOID or name in _SELF_CLOSING_SIBLINGS or match.group(3).endswith("/"):
            continue
        if closing:
            if dropped:
                dropped -= 1
                pieces.append(text[last : match.start()])
                last = match.end()
            elif depth:
                depth -= 1
        elif depth >= max_depth:
            dropped += 1
            pieces.append(text[last : match.start()])
            last = match.end()
        else:
            depth += 1
    if not pieces:
        return text, False
    pieces.append(text[last:])
    return "".join(pieces), False
