"""What article HTML may cost: the pass that keeps nh3's output within Qt's layout budget.

Qt's text layout is not linear in its input (DESIGN.md, "Known traps"): everything inside a
table is laid out twice, so each level of nesting doubles the work (18 levels take about
20 s); list numbering is quadratic in a list's length; table cells, blocks and characters
each have a price. ``Bounder`` walks nh3's output, renames tags Qt does not know, flattens
tables nested deeper than a few levels, and adds up an estimate of the layout time
(``COSTS``, measured on a slow desktop, multiplied by two per enclosing table). When the
estimate passes ``Limits.layout_budget`` the article is cut there. Long words get invisible
break opportunities so lines can wrap.

Images: when they are not allowed, every ``<img>`` becomes a small bracketed placeholder and
is counted; the remote addresses are still collected so the window can offer to load them.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field
from typing import Final

from reader_app.html.limits import Limits
from reader_app.html.words import WORDS, ZWSP, chunks


@dataclass(frozen=True, slots=True)
class Costs:
    """Estimated microseconds of Qt layout per item, outside any table (measured with
    PySide6 6.11 on a 2-core desktop; a paragraph of 100,000 characters takes ~40 ms)."""

    char: float = 0.5
    block: float = 12.0  # a paragraph, line break, row, heading...
    list_item: float = 18.0  # plus a little more for each item before it in its list
    cell: float = 55.0  # plus one per column it spans
    inline: float = 3.0  # an inline element we write ourselves (an image placeholder)
    image: float = 40.0


COSTS: Final = Costs()

# Tags Qt's rich text does not know, as the nearest tag it does.
_AS_QT: Final = {
    "article": "div", "aside": "div", "footer": "div", "header": "div", "hgroup": "div",
    "main": "div", "nav": "div", "section": "div", "figure": "div", "figcaption": "div",
    "details": "div", "summary": "div", "address": "div",
    "abbr": "span", "acronym": "span", "bdi": "span", "bdo": "span", "mark": "span",
    "q": "span", "time": "span",
    "del": "s", "strike": "s", "ins": "u",
}  # fmt: skip
_BLOCKS: Final = frozenset(
    {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "tr", "td", "th",
     "blockquote", "pre", "hr", "br", "table", "ul", "ol", "dl", "caption", "center"}
)  # fmt: skip
_TABLE_PARTS: Final = frozenset({"table", "caption", "thead", "tbody", "tfoot", "tr", "td", "th"})
_FLAT_TABLE: Final = {"table": "div", "caption": "div", "tr": "div", "td": "span", "th": "span"}
_LISTS: Final = frozenset({"ul", "ol"})
_VOID_OUT: Final = frozenset({"br", "hr", "img", "wbr"})
_TOKEN: Final = re.compile(r'<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:[^>"]|"[^"]*")*)>|([^<]+)')
_ATTRIBUTE: Final = re.compile(r'([^\s="]+)="([^"]*)"')


class _Truncate(Exception):
    """A bound was reached: stop emitting."""


@dataclass(slots=True)
class _Open:
    tag: str  # as nh3 wrote it
    out: str | None  # as we wrote it (None: tag dropped, text kept)
    table_flat: bool = False  # for tables: flattened
    items: int = 0  # for lists: items so far


@dataclass(slots=True)
class BoundState:
    """What the pass has written and counted so far."""

    out: list[str] = field(default_factory=list)
    out_chars: int = 0
    cost: float = 0.0  # estimated microseconds of layout so far
    images: int = 0
    blocked: int = 0
    urls: dict[str, None] = field(default_factory=dict)  # ordered set
    run: int = 0  # non-space characters since the last break opportunity
    depth: int = 0  # tags we emitted and have not closed
    table_depth: int = 0  # real (not flattened) tables open


class Bounder:
    """Re-serializes nh3's output within ``Limits``.

    nh3 writes normalized HTML (lower-case tags, attribute values in double quotes with ``"``
    escaped, ``<`` escaped in text, no comments), so a regular expression tokenizes it
    exactly; that is several times faster than ``html.parser`` on the GUI thread.
    """

    def __init__(self, limits: Limits, *, allow_images: bool) -> None:
        self._limits = limits
        self._allow_images = allow_images
        self._stack: list[_Open] = []
        self.state = BoundState()

    def bound(self, cleaned: str) -> bool:
        """Re-serialize ``cleaned`` into ``state``; True if a bound cut it short. Either
        way, what was written is well-formed."""
        try:
            self.run(cleaned)
        except _Truncate:
            truncated = True
        else:
            truncated = False
        self.finish()
        return truncated

    # -- output and cost ---------------------------------------------------------------------

    def _emit(self, text: str) -> None:
        state = self.state
        if state.out_chars + len(text) > self._limits.max_output_chars:
            raise _Truncate
        state.out.append(text)
        state.out_chars += len(text)

    def _spend(self, cost: float) -> None:
        """Add ``cost`` (as if outside tables) to the layout estimate; each enclosing table
        doubles it, since Qt lays table contents out twice."""
        state = self.state
        state.cost += cost * (1 << state.table_depth)
        if state.cost > self._limits.layout_budget:
            raise _Truncate

    def _affordable_chars(self) -> int:
        state = self.state
        each = COSTS.char * (1 << state.table_depth)
        return max(0, int((self._limits.layout_budget - state.cost) / each))

    # -- tokens ------------------------------------------------------------------------------

    def run(self, cleaned: str) -> None:
        for match in _TOKEN.finditer(cleaned):
            text = match.group(4)
            if text is not None:
                self.handle_data(html_lib.unescape(text) if "&" in text else text)
            elif match.group(1):
                self.handle_endtag(match.group(2).lower())
            else:
                self.handle_starttag(match.group(2).lower(), _ATTRIBUTE.findall(match.group(3)))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str]]) -> None:
        """``attrs``: names and values as nh3 wrote them (values still escaped)."""
        if tag == "img":
            self._image({name: html_lib.unescape(value) for name, value in attrs})
            return
        if tag == "wbr":
            self._emit(ZWSP)
            self.state.run = 0
            return
        if tag in ("br", "hr"):
            self.state.run = 0
            self._spend(COSTS.block)
            self._emit(f"<{tag}>")
            return
        entry = _Open(tag, self._output_tag(tag))
        if entry.out is not None:
            self._spend_for(entry, attrs)
            kept = "".join(f' {name}="{value}"' for name, value in attrs)
            self._emit(f"<{entry.out}{kept}>")
            self.state.depth += 1
            if entry.out == "table":
                self.state.table_depth += 1
        elif tag in _BLOCKS:
            self.state.run = 0
            self._emit(" ")  # a dropped block still separates words
        self._stack.append(entry)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID_OUT:
            return
        while self._stack:
            entry = self._stack.pop()
            self._close(entry)
            if entry.tag == tag:
                return

    def handle_data(self, data: str) -> None:
        room = self._affordable_chars()
        cut = len(data) > room
        if cut:
            data = data[:room]
        self.state.cost += len(data) * COSTS.char * (1 << self.state.table_depth)
        self._emit(html_lib.escape(self._break_long_words(data), quote=False))
        if cut:
            raise _Truncate

    # -- helpers -----------------------------------------------------------------------------

    def _output_tag(self, tag: str) -> str | None:
        """What ``tag`` becomes: renamed for Qt, flattened in a deep table, or dropped."""
        if self.state.depth >= self._limits.max_depth:
            return None
        name = _AS_QT.get(tag, tag)
        if name not in _TABLE_PARTS:
            return name
        if name == "table":
            if self.state.table_depth >= self._limits.max_table_depth:
                return "div"
            return "table"
        table = self._innermost_table()
        if table is None or table.table_flat:
            return _FLAT_TABLE.get(name)  # thead/tbody/tfoot vanish
        return name

    def _innermost_table(self) -> _Open | None:
        for entry in reversed(self._stack):
            if entry.tag == "table":
                return entry
        return None

    def _spend_for(self, entry: _Open, attrs: list[tuple[str, str]]) -> None:
        """Charge the layout estimate for an element about to be emitted."""
        out = entry.out
        if entry.tag == "table":
            entry.table_flat = out != "table"
        if out in ("td", "th"):
            span = max((int(v) for k, v in attrs if k == "colspan" and v), default=1)
            self._spend(COSTS.cell + span)
        elif out in _BLOCKS:
            self.state.run = 0
            self._spend(COSTS.block)
        if entry.tag == "li":
            self._spend(COSTS.list_item - COSTS.block + self._count_list_item() * 0.015)

    def _count_list_item(self) -> int:
        """Count an item of the innermost list; returns how many it has now."""
        for entry in reversed(self._stack):
            if entry.tag in _LISTS:
                entry.items += 1
                if entry.items > self._limits.max_list_items:
                    raise _Truncate
                return entry.items
        return 1

    def _close(self, entry: _Open) -> None:
        if entry.out is None:
            if entry.tag in _BLOCKS:
                self.state.run = 0
            return
        self.state.depth -= 1
        if entry.out == "table":
            self.state.table_depth -= 1
        if entry.out in _BLOCKS:
            self.state.run = 0
        self._emit(f"</{entry.out}>")
        if entry.tag in ("td", "th") and entry.out == "span":
            self._emit(" ")  # cells of a flattened table stay apart

    def _image(self, attrs: dict[str, str]) -> None:
        """An image, or a bracketed placeholder when images are off or too many are shown."""
        state = self.state
        src = attrs.get("src")
        alt = " ".join((attrs.get("alt") or "").split())[:80]
        if src:
            state.urls.setdefault(src, None)
            if not self._allow_images:
                state.blocked += 1
            elif state.images < self._limits.max_images:
                self._spend(COSTS.image)
                state.images += 1
                self._emit(f'<img src="{html_lib.escape(src)}">')
                return
        elif not alt:
            return  # nothing to show and nothing to load
        label = f"[{alt}]" if alt else "[image]"
        self._spend(COSTS.inline + COSTS.char * len(label))
        self._emit(f'<span class="image-placeholder">{html_lib.escape(label, quote=False)}</span>')

    def _break_long_words(self, text: str) -> str:
        """Like ``words.break_long_words``, but a word's length runs on across text pieces
        split by inline tags (``<b>aaa</b>aaa`` is one word to the layout)."""
        limits = self._limits
        state = self.state
        pieces: list[str] = []
        for piece in WORDS.findall(text):
            if piece[0].isspace():
                state.run = 0
                pieces.append(piece)
                continue
            start = state.run
            state.run += len(piece)
            if state.run <= limits.max_word:
                pieces.append(piece)
                continue
            pieces.extend(chunks(piece, start, limits.word_chunk))
            state.run %= limits.word_chunk
        return "".join(pieces)

    def finish(self) -> None:
        """Close what is still open, so Qt gets well-formed HTML after a truncation."""
        while self._stack:
            entry = self._stack.pop()
            if entry.out is not None:
                self.state.out.append(f"</{entry.out}>")
