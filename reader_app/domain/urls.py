"""Feed URL rules: only http(s), normalized so the same feed is never added twice."""

from __future__ import annotations

from urllib.parse import SplitResult, quote, unquote, urlsplit, urlunsplit

from reader_app.errors import InvalidFeedUrlError

_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_feed_url(raw: str) -> str:
    """Return the canonical form of a feed URL, or raise ``InvalidFeedUrlError``.

    Lower-cases scheme and host, drops the default port and the fragment, turns an empty path
    into ``/``, and accepts the old ``feed:`` pseudo-schemes. Path and query are kept as given:
    servers may treat them case-sensitively.
    """
    text = raw.strip()
    if not text:
        raise InvalidFeedUrlError("empty URL")
    lowered = text.lower()
    if lowered.startswith("feed:"):
        # feed://host/path and feed:https://host/path, from old "subscribe" links.
        rest = text[5:]
        text = rest if rest.lower().startswith(("http://", "https://")) else "http:" + rest
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InvalidFeedUrlError(f"{raw!r} is not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        shown = f"{scheme}:" if scheme else "no scheme"
        raise InvalidFeedUrlError(f"{raw!r}: only http and https feeds are supported ({shown})")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise InvalidFeedUrlError(f"{raw!r} has no host name")
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host.lower()
    except UnicodeError:
        raise InvalidFeedUrlError(f"{raw!r} has an invalid host name") from None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{host}:{port}"
    if parts.username is not None:
        userinfo = parts.username
        if parts.password is not None:
            userinfo += f":{parts.password}"
        netloc = f"{userinfo}@{netloc}"
    path = _escape_invisible(parts.path) or "/"
    return urlunsplit(SplitResult(scheme, netloc, path, _escape_invisible(parts.query), ""))


def _escape_invisible(text: str) -> str:
    """Percent-encode spaces, control and format characters (ESC, bidi overrides, U+2028).

    Servers see the same bytes, but a URL shown in a terminal or a tooltip can no longer hide
    text, reorder it or break a line.
    """
    return "".join(
        quote(ch, safe="") if ch.isspace() or not ch.isprintable() else ch for ch in text
    )


def is_feed_url(raw: str) -> bool:
    """True when ``raw`` normalizes to an http(s) URL."""
    try:
        normalize_feed_url(raw)
    except InvalidFeedUrlError:
        return False
    return True


def split_credentials(url: str) -> tuple[str, str | None, str | None]:
    """``https://user:pw@host/f`` -> (``https://host/f``, user, pw): credentials are stored
    apart from the URL, so the URL can be shown, exported and logged without them."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None, None
    netloc = parts.netloc.rsplit("@", 1)[1]
    bare = urlunsplit(SplitResult(parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return bare, unquote(parts.username or "") or None, unquote(parts.password or "") or None
