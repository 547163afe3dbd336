"""What article HTML may do: nh3's allow-list of tags, attributes, styles and addresses.

No scripts, styles, forms, frames, objects or event handlers; links only to http, https and
mailto; images only from http and https, relative addresses resolved against the article's
URL. ``style`` attributes keep a few typographic properties and never a ``url()``. ``title``
attributes are dropped because Qt shows them as tooltips, and tooltips are rich text that
would read local files all over again.
"""

from __future__ import annotations

import re
from typing import Final

import nh3

from reader_app.html.limits import Limits
from reader_app.html.urls import IMAGE_SCHEMES, LINK_SCHEMES, absolute_url

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


def _int_between(value: str, low: int, high: int) -> str | None:
    text = value.strip()
    if not re.fullmatch(r"-?\d{1,7}", text):
        return None
    number = int(text)
    return str(number) if low <= number <= high else None


def make_cleaner(base_url: str | None, limits: Limits) -> nh3.Cleaner:
    """An nh3 cleaner for one article: ``base_url`` resolves its relative addresses (without
    one they are dropped), ``limits`` bounds its table spans."""

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


def clean_without_attributes(text: str) -> str:
    """``text`` through nh3 with the same tags and no attributes at all: enough for a text
    preview, where only the words matter. Scripts and styles go with their content."""
    return nh3.clean(
        text,
        tags=set(_ALLOWED_TAGS),
        clean_content_tags=set(_DROPPED_WITH_CONTENT),
        attributes={},
    )
