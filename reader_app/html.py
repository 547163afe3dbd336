"""Article HTML made safe and cheap to show: nh3's allow-list, then bounds on what Qt lays out.

Feed HTML is hostile input. Two different dangers are handled here, in this order:

1. **What it may do.** nh3 (ammonia) keeps an allow-list of tags and attributes: no scripts,
   styles, forms, frames, objects or event handlers; links only to http, https and mailto;
   images only from http and https, relative addresses resolved against the article's URL.
   ``style`` attributes keep a few typographic properties and never a ``url()``. ``title``
   attributes are dropped because Qt shows them as tooltips, and tooltips are rich text that
   would read local files all over again.
2. **What it costs.** Qt's text layout is not linear in its input (DESIGN.md, "Known traps"):
   everything inside a table is laid out twice, so each level of nesting doubles the work
   (18 levels take about 20 s); list numbering is quadratic in a list's length; table cells,
   blocks and characters each have a price. The second pass walks nh3's output, flattens
   tables nested deeper than a few levels, and adds up an estimate of the layout time
   (``COSTS``, measured on a slow desktop, multiplied by two per enclosing table). When the
   estimate passes ``Limits.layout_budget`` the article is cut there, with a note, and
   ``truncated`` is set. Long words get invisible break opportunities so lines can wrap.

nh3 itself costs about a microsecond per tag and is quadratic in nesting depth (30,000 nested
``<div>`` take seconds), so a linear pre-pass caps the number of tags and drops start tags
beyond a generous depth before nh3 sees the text.

Images: when they are not allowed, every ``<img>`` becomes a small bracketed placeholder and
is counted; the remote addresses are still reported so the window can offer to load them.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urljoin, urlsplit

import nh3

__all__ = [
    "COSTS",
    "DEFAULT_LIMITS",
    "IMAGE_SCHEMES",
    "LINK_SCHEMES",
    "TRUNCATED_NOTE",
    "ZWSP",
    "Limits",
    "SanitizedHtml",
    "absolute_url",
    "break_long_words",
    "plain_text",
    "sanitize_article",
]

ZWSP: Final = "\u200b"  # a break opportunity that shows nothing


@dataclass(frozen=True, slots=True)
class SanitizedHtml:
    """An article body ready for the article pane."""

    html: str
    image_urls: tuple[str, ...]  # remote http(s) images, absolute, first occurrence order
    blocked_images: int  # <img> elements replaced by a placeholder (images not allowed)
    truncated: bool  # part of the article was left out to keep the pane responsive


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


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what reaches Qt (and nh3). With the defaults, sanitizing plus laying out the
    worst hostile article tried stays under 100 ms on a slow desktop (measured by hand with
    ``READER_APP_MEASURE_LAYOUT=1`` and ``tests/gui/test_article_view.py``)."""

    layout_budget: float = 50_000.0  # estimated microseconds of layout (see ``Costs``)
    max_input_chars: int = 1_000_000  # before nh3; the rest is not even parsed
    max_input_tags: int = 12_000  # before nh3 (a few microseconds each, nh3 and this pass)
    prepass_depth: int = 256  # nh3 is quadratic in depth: start tags beyond are dropped
    max_output_chars: int = 512 * 1024  # HTML handed to Qt
    max_list_items: int = 500  # per list: Qt numbers list items in quadratic time
    max_span: int = 50  # colspan / rowspan
    max_table_depth: int = 3  # deeper tables are flattened into plain blocks
    max_depth: int = 24  # elements nested deeper keep their text but lose their tags
    max_images: int = 100  # shown images; further ones become placeholders
    max_word: int = 200  # longer runs of non-space characters get break opportunities
    word_chunk: int = 100  # ... every this many characters


DEFAULT_LIMITS: Final = Limits()

TRUNCATED_NOTE: Final = (
    "This article is too long or too complex to show here in full. "
    "Open it in your browser to read the rest."
)

# --- nh3 configuration --------------------------------------------------------------------

_ALLOWED_TAGS: Final = frozenset(
    {
        "a", "abbr", "acronym", "address", "article", "aside", "b", "bdi", "bdo", "big",
        "blockquote", "br", "caption", "center", "cite", "code", "dd", "del", "details",
        "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "footer", "h1", "h2", "h3",
        "h4", "h5", "h6", "header", "hgroup", "hr", "i", "img", "ins", "kbd", "li", "main",
        "mark", "nav", "ol", "p", "pre", "q", "s", "samp", "section", "small", "span",
        "strike", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
        "thead", "time", "tr", "tt", "u", "ul", "var", "wbr",
    }
)  # fmt: skip

# Removed with everything inside them. Other unknown tags (form, font, picture, video...)
# lose the tag and keep their text.
_DROPPED_WITH_CONTENT: Final = frozenset(
    {
        "applet", "audio", "button", "canvas", "datalist", "embed", "frame", "frameset",
        "head", "iframe", "math", "noembed", "noframes", "noscript", "object", "option",
        "plaintext", "script", "select", "style", "svg", "template", "textarea", "title",
        "xmp",
    }
)  # fmt: skip

_ALLOWED_ATTRIBUTES: Final = {
    "a": {"href"},
    "img": {"src", "alt"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "ol": {"start"},
    "*": {"dir", "style"},
}

# Typography only: colours and backgrounds would fight the light and dark themes, and
# anything that takes a URL could name a local file.
_STYLE_PROPERTIES: Final = frozenset({"font-style", "font-weight", "text-decoration", "text-align"})
_STYLE_FORBIDDEN: Final = re.compile(r"url|image|expression|\\|@|/\*", re.IGNORECASE)

LINK_SCHEMES: Final = frozenset({"http", "https", "mailto"})
IMAGE_SCHEMES: Final = frozenset({"http", "https"})

_SCHEME: Final = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
_URL_NOISE: Final = re.compile(r"[\t\n\r]")
_PLAIN_HTTP_URL: Final = re.compile(
    r"https?://[a-zA-Z0-9.-]+(?::\d{1,5})?(?:[/?#]|$)", re.IGNORECASE
)
_URL_EDGES: Final = "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "  # noqa: E501


def absolute_url(value: str, base_url: str | None, schemes: frozenset[str]) -> str | None:
    """``value`` as an absolute URL with one of ``schemes``, or None.

    Whitespace is trimmed and tabs/newlines removed as browsers do, so ``java\\tscript:``
    is seen for what it is. A relative address needs an http(s) ``base_url``; a
    protocol-relative one (``//host/x``) without a base is taken as https.
    """
    text = _URL_NOISE.sub("", value.strip(_URL_EDGES))
    if not text:
        return None
    if "http" in schemes and _PLAIN_HTTP_URL.match(text):
        return text  # the common case, without the cost of a full parse
    match = _SCHEME.match(text)
    if match is None:
        if base_url and _scheme_of(base_url) in IMAGE_SCHEMES:
            try:
                text = urljoin(base_url, text)
            except ValueError:  # e.g. a broken IPv6 literal
                return None
        elif text.startswith("//"):
            text = "https:" + text
        else:
            return None
    scheme = _scheme_of(text)
    if scheme not in schemes:
        return None
    if scheme != "mailto":
        try:
            if not urlsplit(text).hostname:
                return None
        except ValueError:
            return None
    return text


def _scheme_of(url: str) -> str:
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else ""


def _int_between(value: str, low: int, high: int) -> str | None:
    text = value.strip()
    if not re.fullmatch(r"-?\d{1,7}", text):
        return None
    number = int(text)
    return str(number) if low <= number <= high else None


def _make_cleaner(base_url: str | None, limits: Limits) -> nh3.Cleaner:
    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if attr == "href":
            return absolute_url(value, base_url, LINK_SCHEMES)
        if attr == "src":
            return absolute_url(value, base_url, IMAGE_SCHEMES)
        if attr in ("colspan", "rowspan"):
            return _int_between(value, 1, limits.max_span)
        if attr == "start":
            return _int_between(value, -1_000_000, 1_000_000)
        if attr == "dir":
            lowered = value.strip().lower()
            return lowered if lowered in ("ltr", "rtl", "auto") else None
        if attr == "style":
            return None if _STYLE_FORBIDDEN.search(value) else value
        if attr == "alt":
            return value[:200]
        return value

    return nh3.Cleaner(
        tags=set(_ALLOWED_TAGS),
        clean_content_tags=set(_DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in _ALLOWED_ATTRIBUTES.items()},
        attribute_filter=attribute_filter,
        strip_comments=True,
        link_rel=None,
        url_schemes=set(LINK_SCHEMES),
        url_relative="pass_through",  # resolved (or refused) by attribute_filter
        filter_style_properties=set(_STYLE_PROPERTIES),
    )


# --- the linear pre-pass: tag count and nesting depth ------------------------------------

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


def _prepass(text: str, *, max_depth: int, max_tags: int) -> tuple[str, bool]:
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


# --- the bounding pass over nh3's output --------------------------------------------------

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
_WORDS: Final = re.compile(r"\S+|\s+")


class _Truncate(Exception):
    """A bound was reached: stop emitting."""


@dataclass(slots=True)
class _Open:
    tag: str  # as nh3 wrote it
    out: str | None  # as we wrote it (None: tag dropped, text kept)
    table_flat: bool = False  # for tables: flattened
    items: int = 0  # for lists: items so far


@dataclass(slots=True)
class _State:
    out: list[str] = field(default_factory=list)
    out_chars: int = 0
    cost: float = 0.0  # estimated microseconds of layout so far
    images: int = 0
    blocked: int = 0
    urls: dict[str, None] = field(default_factory=dict)  # ordered set
    run: int = 0  # non-space characters since the last break opportunity
    depth: int = 0  # tags we emitted and have not closed
    table_depth: int = 0  # real (not flattened) tables open


class _Bounder:
    """Re-serializes nh3's output within ``Limits``.

    nh3 writes normalized HTML (lower-case tags, attribute values in double quotes with ``"``
    escaped, ``<`` escaped in text, no comments), so a regular expression tokenizes it
    exactly; that is several times faster than ``html.parser`` on the GUI thread.
    """

    def __init__(self, limits: Limits, *, allow_images: bool) -> None:
        self._limits = limits
        self._allow_images = allow_images
        self._stack: list[_Open] = []
        self.state = _State()

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
        limits = self._limits
        state = self.state
        pieces: list[str] = []
        for piece in _WORDS.findall(text):
            if piece[0].isspace():
                state.run = 0
                pieces.append(piece)
                continue
            start = state.run
            state.run += len(piece)
            if state.run <= limits.max_word:
                pieces.append(piece)
                continue
            pieces.extend(_chunks(piece, start, limits.word_chunk))
            state.run %= limits.word_chunk
        return "".join(pieces)

    def finish(self) -> None:
        """Close what is still open, so Qt gets well-formed HTML after a truncation."""
        while self._stack:
            entry = self._stack.pop()
            if entry.out is not None:
                self.state.out.append(f"</{entry.out}>")


def _chunks(word: str, run_before: int, chunk: int) -> Iterator[str]:
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


# --- public -------------------------------------------------------------------------------


def break_long_words(text: str, *, max_word: int = 200, chunk: int = 100) -> str:
    """``text`` with a ZWSP every ``chunk`` characters inside words longer than ``max_word``,
    so that a label or a line can wrap them (and lay them out quickly)."""
    pieces: list[str] = []
    for piece in _WORDS.findall(text):
        if len(piece) > max_word and not piece[0].isspace():
            pieces.extend(_chunks(piece, 0, chunk))
        else:
            pieces.append(piece)
    return "".join(pieces)


_LOOKS_LIKE_HTML: Final = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9]*[\s/>]|/[a-zA-Z]|!--)")
_PARAGRAPH_BREAK: Final = re.compile(r"\n[ \t]*\n\s*")
_ANY_TAG: Final = re.compile(r"<[^>]*>")


def _plain_text_html(text: str) -> str:
    """Text without tags, escaped, its blank-line paragraphs and line breaks kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = (p for p in _PARAGRAPH_BREAK.split(text) if p.strip())
    return "".join(
        "<p>" + html_lib.escape(p, quote=False).replace("\n", "<br>") + "</p>" for p in paragraphs
    )


def sanitize_article(
    html: str | None,
    *,
    base_url: str | None,
    allow_images: bool,
    limits: Limits = DEFAULT_LIMITS,
) -> SanitizedHtml:
    """Make an article body (HTML or plain text) safe and bounded for the article pane.

    ``base_url`` (the article's link) resolves relative links and images; without one they
    are dropped. Never raises on any input text.
    """
    if not html or not html.strip():
        return SanitizedHtml("", (), 0, truncated=False)
    truncated = False
    if len(html) > limits.max_input_chars:
        html = html[: limits.max_input_chars]
        truncated = True
    if _LOOKS_LIKE_HTML.search(html):
        bounded, cut = _prepass(
            html, max_depth=limits.prepass_depth, max_tags=limits.max_input_tags
        )
        truncated = truncated or cut
        cleaned = _make_cleaner(base_url, limits).clean(bounded)
    else:
        # Text without tags: its entities (``Q&amp;A``) are still meant as entities.
        cleaned = _plain_text_html(html_lib.unescape(html))
    bounder = _Bounder(limits, allow_images=allow_images)
    try:
        bounder.run(cleaned)
    except _Truncate:
        truncated = True
    bounder.finish()
    state = bounder.state
    body = "".join(state.out)
    if truncated:
        body += f'<p class="truncated">{html_lib.escape(TRUNCATED_NOTE, quote=False)}</p>'
    return SanitizedHtml(
        html=body,
        image_urls=tuple(state.urls),
        blocked_images=state.blocked,
        truncated=truncated,
    )


def plain_text(html: str | None, *, max_chars: int = 300) -> str:
    """One line of text from an article body, for previews and tooltips: tags and entities
    gone, whitespace collapsed, at most ``max_chars`` characters."""
    if not html:
        return ""
    text = html[: max(max_chars * 20, 10_000)]
    if _LOOKS_LIKE_HTML.search(text):
        # nh3 drops scripts and styles with their content and writes well-formed tags,
        # which a simple pattern can then turn into word breaks.
        bounded, _ = _prepass(
            text,
            max_depth=DEFAULT_LIMITS.prepass_depth,
            max_tags=DEFAULT_LIMITS.max_input_tags,
        )
        cleaned = nh3.clean(
            bounded,
            tags=set(_ALLOWED_TAGS),
            clean_content_tags=set(_DROPPED_WITH_CONTENT),
            attributes={},
        )
        text = _ANY_TAG.sub(" ", cleaned)
    text = " ".join(html_lib.unescape(text).split())
    if len(text) > max_chars:
        text = text[: max_chars - 1].rstrip() + "…"
    return text
