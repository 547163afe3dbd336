"""Polite HTTP fetching of feeds (httpx).

The rules are those of the Feed Reader Behavior checklist (as Liferea documents it): conditional
GET with the stored validators, a User-Agent that names the app, gzip, permanent redirects
remembered and temporary ones not, 410 stops a feed, Retry-After honoured, and hard limits on
time, size and connections so that one hostile or broken server cannot hurt the others.

``Fetcher.fetch`` never raises for network or HTTP problems: every such problem comes back as a
``FetchResult`` with ``outcome=FAILED`` and a one-sentence ``error`` for the user. Exceptions
that escape are bugs.

Redirects are followed by hand (the client has ``follow_redirects=False``) so that hops can be
counted, loops found, non-http(s) targets refused and credentials kept on their own origin
(or its https twin: http://host -> https://host on the default ports, as requests does).
Cookies are neither stored nor sent.

``total_timeout`` is a deadline checked between the chunks of the body, and every connect and
read timeout of a request is cut to the time left when it starts. A server that trickles bytes
is stopped within one chunk of the deadline; one that falls silent just before it can hold the
fetch up to ``min(read_timeout, total_timeout)`` longer. Time spent queueing for a connection
slot (``max_per_host``, ``max_connections``) does not count. Name resolution is the system's and
is not bounded by these timeouts.

Bodies are decompressed here, not by httpx: httpx inflates each network chunk in one go, so a
64 KB chunk of a gzip bomb becomes 64 MB in memory before anyone can count it. Here inflation
is done in bounded steps and counted against ``max_body_bytes`` as it goes.
"""

from __future__ import annotations

import email.utils
import http
import http.cookiejar
import re
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Final, NamedTuple, Self

import httpx

from reader_app import APP_NAME, __version__
from reader_app.ingest.types import FetchOutcome, FetchRequest, FetchResult

__all__ = ["ACCEPT", "USER_AGENT", "FetchLimits", "Fetcher"]

PROJECT_URL: Final = "https://github.com/reader-app/reader-app"
USER_AGENT: Final = f"{APP_NAME}/{__version__} (+{PROJECT_URL})"
ACCEPT: Final = (
    "application/atom+xml, application/rss+xml, application/feed+json, "
    "application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"
)
ACCEPT_ENCODING: Final = "gzip, deflate"

_REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
_PERMANENT_REDIRECTS: Final = frozenset({301, 308})
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_MAX_RETRY_AFTER: Final = 7 * 24 * 3600.0
_INFLATE_STEP: Final = 64 * 1024  # most bytes one inflate call may produce
_CONTROL_CHARS: Final = re.compile(r"[\x00-\x1f\x7f]")
_SCHEME: Final = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """Bounds on one fetch and on all fetches of one ``Fetcher`` together."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0  # longest wait for the next bytes
    total_timeout: float = 30.0  # the whole request, redirects and a trickling body included
    max_body_bytes: int = 16 * 1024 * 1024  # after decompression
    max_redirects: int = 5
    max_connections: int = 16
    max_per_host: int = 2

    def __post_init__(self) -> None:
        for name in ("connect_timeout", "read_timeout", "total_timeout"):
            if not getattr(self, name) > 0:
                raise ValueError(f"FetchLimits.{name} must be positive")
        if self.max_body_bytes < 1 or self.max_connections < 1 or self.max_per_host < 1:
            raise ValueError("FetchLimits sizes and connection counts must be at least 1")
        if self.max_redirects < 0:
            raise ValueError("FetchLimits.max_redirects must not be negative")


class _Failure(Exception):
    """Internal: ends a fetch with FAILED and this message."""

    def __init__(self, message: str, response: httpx.Response | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.response = response


class _Redirect(NamedTuple):
    status: int
    location: str
    response: httpx.Response


class _HostSlots:
    """At most ``per_host`` requests at a time to one host:port, ``total`` overall."""

    def __init__(self, per_host: int, total: int) -> None:
        self._per_host = per_host
        self._total = threading.BoundedSemaphore(total)
        self._lock = threading.Lock()
        # host key -> (semaphore, number of threads holding or waiting for it)
        self._hosts: dict[str, tuple[threading.BoundedSemaphore, int]] = {}

    def acquire(self, key: str) -> threading.BoundedSemaphore:
        with self._lock:
            sem, users = self._hosts.get(key) or (threading.BoundedSemaphore(self._per_host), 0)
            self._hosts[key] = (sem, users + 1)
        try:
            # The host first: a thread queued behind a busy host holds no global slot.
            sem.acquire()
            try:
                self._total.acquire()
            except BaseException:
                sem.release()
                raise
        except BaseException:
            self._forget(key)
            raise
        return sem

    def release(self, key: str, sem: threading.BoundedSemaphore) -> None:
        self._total.release()
        sem.release()
        self._forget(key)

    def _forget(self, key: str) -> None:
        with self._lock:
            sem, users = self._hosts[key]
            if users <= 1:
                del self._hosts[key]
            else:
                self._hosts[key] = (sem, users - 1)


class _Inflater:
    """Undoes one Content-Encoding in bounded steps."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        self._first = True
        self._obj = self._new()

    def _new(self) -> zlib._Decompress | None:
        if self._encoding == "gzip":
            return zlib.decompressobj(zlib.MAX_WBITS | 16)
        if self._encoding == "deflate":
            return zlib.decompressobj(zlib.MAX_WBITS)
        return None

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._obj is None:
            if data:
                yield data
            return
        if self._first and self._encoding == "deflate" and data:
            # "deflate" should be zlib-wrapped, but some servers send a raw deflate stream.
            try:
                probe = zlib.decompressobj(zlib.MAX_WBITS)
                probe.decompress(data[:2])
            except zlib.error:
                self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
        self._first = self._first and not data
        while data:
            obj = self._obj
            if obj.eof:
                if self._encoding != "gzip":
                    return  # trailing garbage after a deflate stream: ignore it
                obj = self._obj = zlib.decompressobj(zlib.MAX_WBITS | 16)  # next gzip member
            out = obj.decompress(data, _INFLATE_STEP)
            if out:
                yield out
            data = obj.unconsumed_tail or (obj.unused_data if obj.eof else b"")
            # All input taken but the output step was full: zlib may still hold output.
            while not data and len(out) == _INFLATE_STEP and not obj.eof:
                out = obj.decompress(b"", _INFLATE_STEP)
                if out:
                    yield out
                data = obj.unconsumed_tail

    def finish(self) -> bytes:
        return self._obj.flush() if self._obj is not None else b""


class Fetcher:
    """Fetches feeds over HTTP(S). Thread-safe: one instance serves the whole fetch pool."""

    def __init__(
        self, limits: FetchLimits = FetchLimits(), *, user_agent: str | None = None
    ) -> None:
        self.limits = limits
        self.user_agent = user_agent or USER_AGENT
        self._slots = _HostSlots(limits.max_per_host, limits.max_connections)
        self._local = threading.local()  # .response: the last response this thread received
        # Feeds are fetched without cookies: nothing set by one server follows the user around.
        no_cookies = http.cookiejar.CookieJar(
            policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[])
        )
        self._client = httpx.Client(
            follow_redirects=False,
            cookies=no_cookies,
            headers={
                "User-Agent": self.user_agent,
                "Accept": ACCEPT,
                "Accept-Encoding": ACCEPT_ENCODING,
            },
            timeout=httpx.Timeout(
                connect=limits.connect_timeout,
                read=limits.read_timeout,
                write=limits.read_timeout,
                pool=limits.total_timeout,
            ),
            event_hooks={"response": [self._remember_response]},
            limits=httpx.Limits(
                max_connections=limits.max_connections,
                max_keepalive_connections=limits.max_connections,
            ),
        )

    def _remember_response(self, response: httpx.Response) -> None:
        self._local.response = response

    # -- lifetime -------------------------------------------------------------------------------

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- fetching -------------------------------------------------------------------------------

    def fetch(self, request: FetchRequest) -> FetchResult:
        """Fetch one feed. Blocks; never raises for network or HTTP problems."""
        started = time.monotonic()
        state = _State(started + self.limits.total_timeout)
        try:
            result = self._fetch(request, state)
        except _Failure as failure:
            result = _failed(request, state, failure.message, failure.response)
        return replace(result, elapsed_seconds=time.monotonic() - started)

    def _fetch(self, request: FetchRequest, state: _State) -> FetchResult:
        url = _check_url(request.url)
        origin = _origin(url)
        seen = {str(url)}
        chain: list[int] = []  # statuses of the redirect hops followed
        while True:
            state.url = url
            auth = None
            if request.username is not None and _may_send_credentials(origin, url):
                auth = httpx.BasicAuth(request.username, request.password or "")
            outcome = self._hop(request, state, url, auth)
            if isinstance(outcome, FetchResult):
                if outcome.outcome in (FetchOutcome.OK, FetchOutcome.NOT_MODIFIED) and (
                    chain and all(s in _PERMANENT_REDIRECTS for s in chain)
                ):
                    return replace(outcome, permanent_url=str(url))
                return outcome
            status, _, response = outcome
            if len(chain) >= self.limits.max_redirects:
                message = f"too many redirects (more than {self.limits.max_redirects})"
                raise _Failure(message, response)
            target = self._redirect_target(url, outcome)
            if str(target) in seen:
                message = f"redirect loop ({status} back to {_short(str(target))})"
                raise _Failure(message, response)
            seen.add(str(target))
            chain.append(status)
            url = target

    @staticmethod
    def _redirect_target(url: httpx.URL, redirect: _Redirect) -> httpx.URL:
        status, location, response = redirect
        match = _SCHEME.match(location.strip())
        scheme = match.group(1).lower() if match else ""
        if scheme and scheme not in _DEFAULT_PORTS:
            refused = f"refused a redirect to a {scheme}: address (only http and https)"
            raise _Failure(refused, response)
        invalid = f"the server redirected ({status}) to an invalid address"
        try:
            target = url.join(location.strip())
        except (httpx.InvalidURL, ValueError):
            raise _Failure(invalid, response) from None
        if target.scheme not in _DEFAULT_PORTS or not target.host:
            raise _Failure(invalid, response)
        return target.copy_with(fragment=None)

    def _hop(
        self, request: FetchRequest, state: _State, url: httpx.URL, auth: httpx.BasicAuth | None
    ) -> FetchResult | _Redirect:
        """One request: a finished result, or a redirect to follow."""
        key = _host_key(url)
        waited = time.monotonic()
        sem = self._slots.acquire(key)
        state.deadline += time.monotonic() - waited  # queueing for a slot is not the server's time
        try:
            return self._exchange(request, state, url, auth)
        finally:
            self._slots.release(key, sem)

    def _exchange(
        self, request: FetchRequest, state: _State, url: httpx.URL, auth: httpx.BasicAuth | None
    ) -> FetchResult | _Redirect:
        limits = self.limits
        remaining = state.remaining()
        if remaining <= 0:
            raise _Failure(state.timeout_message(limits))
        timeout = httpx.Timeout(
            connect=min(limits.connect_timeout, remaining),
            read=min(limits.read_timeout, remaining),
            write=min(limits.read_timeout, remaining),
            pool=remaining,
        )
        headers: dict[str, str] = {}
        if request.etag and not _CONTROL_CHARS.search(request.etag):
            headers["If-None-Match"] = request.etag
        if request.last_modified and not _CONTROL_CHARS.search(request.last_modified):
            headers["If-Modified-Since"] = request.last_modified
        response: httpx.Response | None = None
        self._local.response = None
        try:
            with self._client.stream(
                "GET", url, headers=_encode_headers(headers), auth=auth, timeout=timeout
            ) as response:
                return self._handle(request, state, url, response)
        except httpx.TimeoutException as exc:
            message = _timeout_message(exc, state, limits, url, body=response is not None)
            raise _Failure(message, response) from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            # httpx prepares the next request of every redirect response, even when it will not
            # follow it, and fails on a Location it cannot use: judge that Location ourselves.
            seen: httpx.Response | None = self._local.response
            if response is None and seen is not None and seen.status_code in _REDIRECT_STATUSES:
                location = seen.headers.get("location")
                if location:
                    return _Redirect(seen.status_code, location, seen)
            if isinstance(exc, httpx.InvalidURL):
                message = f"could not send the request to {_short(str(url))} ({exc})"
            else:
                message = _transport_message(exc, url, body=response is not None)
            raise _Failure(message, response) from None
        finally:
            self._local.response = None

    def _handle(
        self, request: FetchRequest, state: _State, url: httpx.URL, response: httpx.Response
    ) -> FetchResult | _Redirect:
        status = response.status_code
        if status in _REDIRECT_STATUSES:
            location = response.headers.get("location")
            if not location:
                raise _Failure(
                    f"the server redirected ({status}) without saying where to", response
                )
            return _Redirect(status, location, response)
        if status == 304:
            return FetchResult(
                request_url=request.url,
                outcome=FetchOutcome.NOT_MODIFIED,
                status=status,
                final_url=str(url),
                content_type=response.headers.get("content-type"),
                headers=_header_items(response),
                etag=response.headers.get("etag") or request.etag,
                last_modified=response.headers.get("last-modified") or request.last_modified,
                retry_after_seconds=_retry_after(response),
                max_age_seconds=_max_age(response),
            )
        if status == 410:
            return replace(
                _base(request, state, response, FetchOutcome.GONE),
                error="the server says the feed is gone (410); updates stopped",
            )
        if not 200 <= status < 300:
            raise _Failure(f"HTTP {status} {_reason(response)}".rstrip(), response)
        body = self._read_body(state, response)
        if not body and status != 200:
            raise _Failure(f"HTTP {status} {_reason(response)}: the server sent no feed", response)
        return FetchResult(
            request_url=request.url,
            outcome=FetchOutcome.OK,
            status=status,
            final_url=str(url),
            body=body,
            content_type=response.headers.get("content-type"),
            headers=_header_items(response),
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            retry_after_seconds=_retry_after(response),
            max_age_seconds=_max_age(response),
        )

    def _read_body(self, state: _State, response: httpx.Response) -> bytes:
        limits = self.limits
        cap = limits.max_body_bytes
        too_big = f"feed larger than {_size(cap)} (limit)"
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding in ("x-gzip",):
            encoding = "gzip"
        if encoding not in ("gzip", "deflate", "identity", ""):
            raise _Failure(f"the server used an unsupported compression ({encoding})", response)
        if encoding in ("identity", ""):
            length = response.headers.get("content-length", "")
            if length.isdigit() and int(length) > cap:
                raise _Failure(too_big, response)
        inflater = _Inflater(encoding)
        chunks: list[bytes] = []
        total = 0
        try:
            for raw in response.iter_raw():
                for piece in inflater.feed(raw):
                    total += len(piece)
                    if total > cap:
                        raise _Failure(too_big, response)
                    chunks.append(piece)
                if state.remaining() <= 0:
                    raise _Failure(state.timeout_message(limits), response)
            tail = inflater.finish()
        except zlib.error:
            raise _Failure(f"the server sent a corrupt {encoding} body", response) from None
        total += len(tail)
        if total > cap:
            raise _Failure(too_big, response)
        chunks.append(tail)
        return b"".join(chunks)


# -- helpers ------------------------------------------------------------------------------------


class _State:
    """Mutable bookkeeping of one fetch (one thread)."""

    __slots__ = ("deadline", "url")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.url: httpx.URL | None = None

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    @staticmethod
    def timeout_message(limits: FetchLimits) -> str:
        return f"timed out after {limits.total_timeout:g} s"


def _check_url(raw: str) -> httpx.URL:
    what = "the feed address"
    try:
        url = httpx.URL(raw)
    except (httpx.InvalidURL, ValueError, TypeError):
        raise _Failure(f"{what} is not a valid URL: {_short(raw)}") from None
    scheme = url.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        shown = f"{scheme}:" if scheme else "no scheme"
        raise _Failure(f"only http and https feeds can be fetched ({shown})")
    if not url.host:
        raise _Failure(f"{what} has no host name: {_short(raw)}")
    return url


def _host_key(url: httpx.URL) -> str:
    port = url.port or _DEFAULT_PORTS.get(url.scheme, 0)
    return f"{url.host}:{port}"


def _origin(url: httpx.URL) -> tuple[str, str, int]:
    return url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme, 0)


def _may_send_credentials(origin: tuple[str, str, int], url: httpx.URL) -> bool:
    """Credentials go to the request's own origin, or to its https twin on default ports."""
    here = _origin(url)
    if here == origin:
        return True
    scheme, host, port = origin
    return scheme == "http" and port == 80 and here == ("https", host, 443)


def _encode_headers(headers: dict[str, str]) -> dict[bytes, bytes]:
    # Validators go back as the server sent them; UTF-8 round-trips what httpx decoded.
    return {name.encode("ascii"): value.encode("utf-8") for name, value in headers.items()}


def _header_items(response: httpx.Response) -> tuple[tuple[str, str], ...]:
    return tuple((name.lower(), value) for name, value in response.headers.multi_items())


def _reason(response: httpx.Response) -> str:
    try:
        return http.HTTPStatus(response.status_code).phrase
    except ValueError:
        return _CONTROL_CHARS.sub("", response.reason_phrase)[:60]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        now = datetime.now(UTC)
        date_header = response.headers.get("date")
        if date_header:
            try:
                server_now = email.utils.parsedate_to_datetime(date_header)
            except (TypeError, ValueError, IndexError):
                pass
            else:
                now = server_now if server_now.tzinfo else server_now.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    return min(max(seconds, 0.0), _MAX_RETRY_AFTER)


def _max_age(response: httpx.Response) -> int | None:
    found: int | None = None
    for header in response.headers.get_list("cache-control"):
        for directive in header.split(","):
            name, _, value = directive.strip().partition("=")
            if name.strip().lower() == "max-age":
                value = value.strip().strip('"')
                if value.isdigit():
                    found = int(value)
    return found


def _size(n: int) -> str:
    mib = 1024 * 1024
    if n >= mib:
        return f"{n / mib:.3g} MB"
    if n >= 1024:
        return f"{n / 1024:.3g} KB"
    return f"{n} bytes"


def _short(text: str, limit: int = 80) -> str:
    text = _CONTROL_CHARS.sub("", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _exception_chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _timeout_message(
    exc: httpx.TimeoutException, state: _State, limits: FetchLimits, url: httpx.URL, *, body: bool
) -> str:
    if state.remaining() <= 0.05:
        return state.timeout_message(limits)
    where = _host_key(url)
    if isinstance(exc, httpx.ConnectTimeout):
        return f"timed out connecting to {where}"
    if isinstance(exc, httpx.PoolTimeout):
        return state.timeout_message(limits)
    if body:
        return f"timed out reading the body from {where} (no data for {limits.read_timeout:g} s)"
    return f"timed out waiting for {where} to answer (no data for {limits.read_timeout:g} s)"


def _transport_message(exc: httpx.HTTPError, url: httpx.URL, *, body: bool) -> str:
    where = _host_key(url)
    for link in _exception_chain(exc):
        if isinstance(link, socket.gaierror):
            return f"could not resolve host {url.host}"
        if isinstance(link, ConnectionRefusedError):
            return f"connection refused by {where}"
        if isinstance(link, ssl.SSLCertVerificationError):
            reason = link.verify_message or link.reason or "certificate not trusted"
            return f"TLS error with {where}: {reason}"
        if isinstance(link, ssl.SSLError):
            return f"TLS error with {where}: {link.reason or link}"
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect to {where} ({_short(str(exc)) or type(exc).__name__})"
    if isinstance(exc, httpx.ProxyError):
        return f"the proxy failed for {where} ({_short(str(exc))})"
    if isinstance(exc, httpx.ReadError | httpx.RemoteProtocolError | httpx.WriteError):
        if body:
            if isinstance(exc, httpx.RemoteProtocolError):
                return "the server closed the connection before sending the whole body"
            return "connection reset while reading the body"
        return f"connection to {where} closed before a response ({_short(str(exc))})"
    return f"HTTP problem with {where}: {_short(str(exc)) or type(exc).__name__}"


def _base(
    request: FetchRequest, state: _State, response: httpx.Response, outcome: FetchOutcome
) -> FetchResult:
    """A result for a response without a usable body (validators echo the request's)."""
    return FetchResult(
        request_url=request.url,
        outcome=outcome,
        status=response.status_code,
        final_url=str(state.url) if state.url is not None else None,
        content_type=response.headers.get("content-type"),
        headers=_header_items(response),
        etag=request.etag,
        last_modified=request.last_modified,
        retry_after_seconds=_retry_after(response),
        max_age_seconds=_max_age(response),
    )


def _failed(
    request: FetchRequest, state: _State, message: str, response: httpx.Response | None
) -> FetchResult:
    if response is not None:
        base = _base(request, state, response, FetchOutcome.FAILED)
        return replace(base, error=message)
    return FetchResult(
        request_url=request.url,
        outcome=FetchOutcome.FAILED,
        final_url=str(state.url) if state.url is not None else None,
        etag=request.etag,
        last_modified=request.last_modified,
        error=message,
    )
