"""Break opportunities inside long words, so lines can wrap (and lay out quickly).

A run of thousands of characters without a space is one word to Qt: it cannot wrap it, and
laying it out is slow. An invisible zero-width space every so often fixes both.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

ZWSP: Final = "\u200b"  # a break opportunity that shows nothing

WORDS: Final = re.compile(r"\S+|\s+")  # alternating runs of non-space and space


def chunks(word: str, run_before: int, chunk: int) -> Iterator[str]:
    """``word`` with a ZWSP wherever the running length reaches a multiple of ``chunk``."""
    position = 0
    offset = run_before % chunk
    while position < len(word):
        take = chunk - offset if offset else chunk
        if offset == 0 and (position or run_before):
            yield ZWSP
        yield word[position : position + take]
        position += take
        offset = 0


def break_long_words(text: str, *, max_word: int = 200, chunk: int = 100) -> str:
    """``text`` with a ZWSP every ``chunk`` characters inside words longer than ``max_word``,
    so that a label or a line can wrap them (and lay them out quickly)."""
    pieces: list[str] = []
    for piece in WORDS.findall(text):
        if len(piece) > max_word and not piece[0].isspace():
            pieces.extend(chunks(piece, 0, chunk))
        else:
            pieces.append(piece)
    return "".join(pieces)
