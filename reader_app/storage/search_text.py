"""The words of an article as the search index stores them: HTML to plain text.

nh3 (html5ever, which the article pane uses too) reads the feed's markup the way a browser
does, drops what is never shown as text (scripts, styles, frames...) with its content, and
writes the rest back in canonical form: only the tags that end a line of text (paragraphs,
list items, cells, ``<br>``...), without attributes or comments, and text with ``<``, ``>``
and ``&`` escaped. Inline tags (``<b>``, ``<a>``, ``<span>``) go and their text stays, so
``<b>W</b>ord`` is one word. In that output every ``<`` starts one of those bare tags, so
turning each tag into a space is exact (as ``html.plain_text`` does for previews), and then
``<li>apple</li><li>pear</li>`` is two words. The raw markup itself is only ever read by nh3.

The result has no control characters, so the highlight markers of ``domain.search`` can
never collide with an article's own text.

Bounds keep one hostile article from stalling the writer: nh3 is quadratic in nesting depth
and slow on long runs of ``&``, so at most ``MAX_HTML_CHARS`` of markup and ``MAX_TAGS``
tags are read (about 100 ms for the worst input measured; a typical article takes 0.1 ms),
and ``MAX_TEXT_CHARS`` of text are kept per field. Words past those bounds are not found.

(``reader_app.html`` holds the article pane's nh3 rules, but storage and html are
independent layers; this module only reads text out of markup.)
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Final

import nh3

MAX_HTML_CHARS: Final = 100_000
MAX_TAGS: Final = 4_000
MAX_TEXT_CHARS: Final = 100_000

# Elements that end a line of text (HTML's block and line-breaking elements, and the
# replaced ones that stand between words).
_BREAKS: Final = frozenset(
    {
        "address", "area", "article", "aside", "audio", "blockquote", "br", "canvas",
        "caption", "center", "col", "colgroup", "dd", "details", "dialog", "dir", "div", "dl",
        "dt", "embed", "fieldset", "figcaption", "figure", "footer", "form", "frame", "h1",
        "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "img", "input", "legend",
        "li", "listing", "main", "menu", "nav", "ol", "optgroup", "option", "p", "picture",
        "pre", "section", "source", "summary", "table", "tbody", "td", "tfoot", "th",
        "thead", "tr", "track", "ul", "video",
    }
)  # fmt: skip
# Elements whose content the article pane leaves out (see html/allowlist.py).
_HIDDEN: Final = frozenset(
    {
        "applet", "button", "datalist", "frameset", "head", "iframe", "math", "noembed",
        "noframes", "noscript", "object", "plaintext", "script", "select", "style", "svg",
        "template", "textarea", "title", "xmp",
    }
)  # fmt: skip

# A tag in nh3's output: a name, no attributes, nothing else.
_TAG: Final = re.compile(r"<[^>]*>")
# C0 and C1 control characters (tabs and newlines included) and DEL become spaces.
_CONTROLS: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _bounded(markup: str) -> str:
    """``markup`` cut to ``MAX_HTML_CHARS`` and before its ``MAX_TAGS``-th tag."""
    markup = markup[:MAX_HTML_CHARS]
    if markup.count("<") < MAX_TAGS:
        return markup
    at = -1
    for _ in range(MAX_TAGS):
        at = markup.find("<", at + 1)
    return markup[:at]


def _markup_text(markup: str) -> str:
    lines = nh3.clean(
        _bounded(markup),
        tags=set(_BREAKS),
        clean_content_tags=set(_HIDDEN),
        attributes={},
        strip_comments=True,
        link_rel=None,
    )
    return html.unescape(_TAG.sub(" ", lines))


def clean_text(text: str | None) -> str:
    """Plain text (a title, an author) as indexed: no control characters, whitespace
    collapsed, composed Unicode (NFC, as the query's words are), bounded."""
    if not text:
        return ""
    text = " ".join(text[:MAX_TEXT_CHARS].split())
    if not text.isprintable():  # rare: look for control characters only then
        text = " ".join(_CONTROLS.sub(" ", text).split())
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def index_text(markup: str | None) -> str:
    """The words of an article body (HTML, or plain text with entities) for the index."""
    if not markup:
        return ""
    if "<" in markup:
        text = _markup_text(markup)
    elif "&" in markup:  # plain text with entities ("Q&amp;A")
        text = html.unescape(markup[:MAX_HTML_CHARS])
    else:
        text = markup
    return clean_text(text)
