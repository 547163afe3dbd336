"""Which addresses an article may link to or load pictures from.

Feed HTML spells addresses every way a browser forgives: control characters around them,
tabs and newlines inside the scheme, protocol-relative ``//host/x``, paths relative to the
article. ``absolute_url`` reads them as a browser would, so ``java\\tscript:`` is seen for
what it is, and keeps only absolute addresses with an allowed scheme and a host.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import urljoin, urlsplit

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
