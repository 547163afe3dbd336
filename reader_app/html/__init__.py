"""Article HTML made safe and cheap to show: nh3's allow-list, then bounds on what Qt lays out.

Feed HTML is hostile input. Two different dangers are handled, in this order:

1. **What it may do** (``allowlist``). nh3 (ammonia) keeps an allow-list of tags and
   attributes: no scripts, styles, forms, frames, objects or event handlers; links only to
   http, https and mailto (``urls``); images only from http and https, relative addresses
   resolved against the article's URL.
2. **What it costs** (``layout_budget``). Qt's text layout is not linear in its input
   (DESIGN.md, "Known traps"). A second pass walks nh3's output, flattens deeply nested
   tables and adds up an estimate of the layout time; when the estimate passes
   ``Limits.layout_budget`` (``limits``) the article is cut there, with a note, and
   ``truncated`` is set. Long words get invisible break opportunities (``words``).

nh3 itself is quadratic in nesting depth, so a linear pre-pass (``prepass``) caps the number
of tags and drops start tags beyond a generous depth before nh3 sees the text.

This module is the package's public surface: the two entry points, ``sanitize_article`` and
``plain_text``, and the names the window needs from the stages.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from typing import Final

from reader_app.html.allowlist import clean_without_attributes, make_cleaner
from reader_app.html.layout_budget import COSTS, Bounder
from reader_app.html.limits import DEFAULT_LIMITS, Limits
from reader_app.html.prepass import prepass
from reader_app.html.urls import IMAGE_SCHEMES, LINK_SCHEMES, absolute_url
from reader_app.html.words import ZWSP, break_long_words

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


@dataclass(frozen=True, slots=True)
class SanitizedHtml:
    """An article body ready for the article pane."""

    html: str
    image_urls: tuple[str, ...]  # remote http(s) images, absolute, first occurrence order
    blocked_images: int  # <img> elements replaced by a placeholder (images not allowed)
    truncated: bool  # part of the article was left out to keep the pane responsive


TRUNCATED_NOTE: Final = (
    "This article is too long or too complex to show here in full. "
    "Open it in your browser to read the rest."
)

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
        bounded, cut = prepass(html, max_depth=limits.prepass_depth, max_tags=limits.max_input_tags)
        truncated = truncated or cut
        cleaned = make_cleaner(base_url, limits).clean(bounded)
    else:
        # Text without tags: its entities (``Q&amp;A``) are still meant as entities.
        cleaned = _plain_text_html(html_lib.unescape(html))
    bounder = Bounder(limits, allow_images=allow_images)
    if bounder.bound(cleaned):
        truncated = True
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
        bounded, _ = prepass(
            text,
            max_depth=DEFAULT_LIMITS.prepass_depth,
            max_tags=DEFAULT_LIMITS.max_input_tags,
        )
        text = _ANY_TAG.sub(" ", clean_without_attributes(bounded))
    text = " ".join(html_lib.unescape(text).split())
    if len(text) > max_chars:
        text = text[: max_chars - 1].rstrip() + "…"
    return text
