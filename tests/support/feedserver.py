"""A real HTTP server on 127.0.0.1 with programmable routes, for fetch and sync tests.

    with FeedServer() as server:
        server.route("/feed.xml", body=RSS, etag='"v1"')
        url = server.url("/feed.xml")

What it can do, per route: any status and headers, conditional GET (``etag`` /
``last_modified`` -> 304), gzip, a delay before answering, a body that trickles in, a
connection reset in the middle of the body (RST via SO_LINGER 0), redirects, a large body
without holding it in memory (``repeat``), a gzip bomb, and files from ``tests/data/feeds``.

Every request is recorded (path, method, lower-case headers) and the server keeps the highest
number of requests it was serving at once. It listens on 127.0.0.1 only, on a free port, and
``close`` stops it, wakes every sleeping handler and joins every thread.
"""

from __future__ import annotations

import contextlib
import email.utils
import functools
import gzip as gzip_module
import socket
import struct
import sys
import threading
import time
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self

FEEDS_DIR = Path(__file__).resolve().parent.parent / "data" / "feeds"
RSS_TYPE = "application/rss+xml; charset=utf-8"
_SEND_STEP = 64 * 1024
_MIB = 1024 * 1024

_TYPES_BY_SUFFIX = {
    ".xml": RSS_TYPE,
    ".rss": RSS_TYPE,
    ".atom": "application/atom+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
}


def http_date(when: float | None = None) -> str:
    """An IMF-fixdate (``Sun, 06 Nov 1994 08:49:37 GMT``) for ``when`` (default: now)."""
    return email.utils.formatdate(time.time() if when is None else when, usegmt=True)


def rss(title: str = "Test feed", items: int = 1) -> bytes:
    """A small, valid RSS 2.0 document."""
    entries = "".join(
        f"<item><title>Item {i}</title><link>http://example.org/{i}</link>"
        f"<guid>urn:test:{i}</guid></item>"
        for i in range(items)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://example.org/</link>"
        f"<description>d</description>{entries}</channel></rss>"
    ).encode()


@functools.cache
def gzip_bomb(size: int = 64 * _MIB) -> bytes:
    """gzip of ``size`` zero bytes (64 MiB -> about 64 KB). Computed once per size."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = bytes(_MIB)
    parts = [compressor.compress(zeros) for _ in range(size // _MIB)]
    parts.append(compressor.compress(bytes(size % _MIB)))
    parts.append(compressor.flush())
    return b"".join(parts)


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    path: str  # as requested, query included
    method: str
    headers: dict[str, str]  # lower-case names; a repeated header keeps its last value
    started: float  # time.monotonic() when the request arrived

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True, slots=True)
class SentResponse:
    path: str
    status: int
    body_bytes_sent: int  # bytes of the body (as on the wire) that the socket accepted
    complete: bool  # the whole body went out


@dataclass(slots=True)
class Route:
    status: int = 200
    body: bytes = b""  # as sent on the wire (already gzipped when gzip=True)
    headers: Sequence[tuple[str, str]] = ()
    content_type: str | None = RSS_TYPE
    content_encoding: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0
    trickle: tuple[int, float] | None = None  # (bytes per step, seconds between steps)
    reset_after: int | None = None  # body bytes to send before resetting the connection
    redirect_to: str | None = None
    repeat: int = 1  # the body is sent this many times (big bodies without big memory)
    chunked: bool = False  # Transfer-Encoding: chunked instead of Content-Length


@dataclass(slots=True)
class _Counters:
    in_flight: int = 0
    max_in_flight: int = 0
    requests: list[RecordedRequest] = field(default_factory=list)
    responses: list[SentResponse] = field(default_factory=list)


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins the handler threads
    block_on_close = True
    owner: FeedServer

    def process_request(self, request: Any, client_address: Any) -> None:
        self.owner._track(request, add=True)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        self.owner._track(request, add=False)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that closes a kept-alive connection with unread data left makes the kernel
        # send RST: the next read fails. That is ordinary; anything else is printed.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 15  # an idle keep-alive connection does not hold a thread forever
    server: _Server

    def do_GET(self) -> None:
        self.server.owner._serve(self, head=False)

    def do_HEAD(self) -> None:
        self.server.owner._serve(self, head=True)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FeedServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 with routes set by the test."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._routes: dict[str, Route] = {}
        self._counters = _Counters()
        self._connections: set[socket.socket] = set()
        self._idle = threading.Condition(self._lock)
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self.port: int = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="feed-server",
            daemon=True,
        )
        self._thread.start()

    # -- set-up -----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def route(
        self,
        path: str,
        *,
        status: int = 200,
        body: bytes = b"",
        headers: dict[str, str] | Sequence[tuple[str, str]] | None = None,
        content_type: str | None = RSS_TYPE,
        gzip: bool = False,
        etag: str | None = None,
        last_modified: str | None = None,
        delay: float = 0.0,
        trickle: tuple[int, float] | None = None,
        reset_after: int | None = None,
        redirect_to: str | None = None,
        repeat: int = 1,
        chunked: bool = False,
    ) -> Route:
        """Serve ``path`` (query included if given) like this from now on.

        ``redirect_to`` (a path on this server or an absolute URL) answers ``status`` when it
        is a 3xx, else 302. ``trickle=(n, seconds)`` sends n body bytes per step.
        ``reset_after=n`` sends n body bytes and then resets the connection. ``headers`` come
        after (and replace) the defaults: Server, Date, Location, Content-Type, validators,
        Content-Length.
        """
        if gzip and repeat != 1:
            raise ValueError("gzip and repeat do not combine; gzip the body yourself")
        if redirect_to is not None and not 300 <= status < 400:
            status = 302
        items = list(headers.items()) if isinstance(headers, dict) else list(headers or ())
        route = Route(
            status=status,
            body=gzip_module.compress(body, mtime=0) if gzip else body,
            headers=tuple(items),
            content_type=None if redirect_to is not None else content_type,
            content_encoding="gzip" if gzip else None,
            etag=etag,
            last_modified=last_modified,
            delay=delay,
            trickle=trickle,
            reset_after=reset_after,
            redirect_to=redirect_to,
            repeat=repeat,
            chunked=chunked,
        )
        with self._lock:
            self._routes[path] = route
        return route

    def route_gzip_bomb(self, path: str, size: int = 64 * _MIB) -> Route:
        """``size`` zero bytes, gzipped (small on the wire), sent with Content-Encoding: gzip."""
        route = self.route(path, body=gzip_bomb(size))
        route.content_encoding = "gzip"
        return route

    def route_file(self, path: str, name: str, **kwargs: Any) -> Route:
        """Serve ``tests/data/feeds/<name>``; the content type follows the file's suffix."""
        file = FEEDS_DIR / name
        kwargs.setdefault("content_type", _TYPES_BY_SUFFIX.get(file.suffix, RSS_TYPE))
        return self.route(path, body=file.read_bytes(), **kwargs)

    def reset(self) -> None:
        """Forget routes, recorded requests and counters."""
        with self._lock:
            self._routes.clear()
            self._counters = _Counters()

    # -- what happened ----------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._counters.requests)

    def requests_for(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path]

    @property
    def responses(self) -> list[SentResponse]:
        with self._lock:
            return list(self._counters.responses)

    @property
    def max_in_flight(self) -> int:
        with self._lock:
            return self._counters.max_in_flight

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until no request is being served; False if that did not happen in time."""
        with self._idle:
            return self._idle.wait_for(lambda: self._counters.in_flight == 0, timeout)

    # -- lifetime ---------------------------------------------------------------------------

    def close(self) -> None:
        if self._closing.is_set():
            return
        self._closing.set()
        self._httpd.shutdown()
        self._thread.join()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:  # wake handlers blocked reading a kept-alive connection
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- serving (handler threads) ----------------------------------------------------------

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _serve(self, handler: _Handler, *, head: bool) -> None:
        headers = {name.lower(): value for name, value in handler.headers.items()}
        record = RecordedRequest(handler.path, handler.command, headers, time.monotonic())
        with self._lock:
            counters = self._counters
            counters.requests.append(record)
            counters.in_flight += 1
            counters.max_in_flight = max(counters.max_in_flight, counters.in_flight)
            route = self._routes.get(handler.path) or self._routes.get(handler.path.split("?")[0])
        sent, complete, status = 0, False, 404
        try:
            if route is None:
                route = Route(status=404, body=b"no such route\n", content_type="text/plain")
            status = route.status
            if route.delay and self._closing.wait(route.delay):
                handler.close_connection = True
                return
            if _not_modified(route, headers):
                status = 304
                handler.send_response(304)
                for name, value in [*_validators(route), *route.headers]:
                    handler.send_header(name, value)
                handler.end_headers()
                complete = True
                return
            sent, complete = self._respond(handler, route, head=head)
        except OSError:  # the client went away
            handler.close_connection = True
        finally:
            with self._idle:
                counters.responses.append(SentResponse(handler.path, status, sent, complete))
                counters.in_flight -= 1
                self._idle.notify_all()

    def _respond(self, handler: _Handler, route: Route, *, head: bool) -> tuple[int, bool]:
        names = {name.lower() for name, _ in route.headers}
        handler.send_response_only(route.status)
        defaults: list[tuple[str, str]] = [("Server", "feedserver"), ("Date", http_date())]
        if route.redirect_to is not None:
            defaults.append(("Location", route.redirect_to))  # relative ones stay relative
        if route.content_type is not None:
            defaults.append(("Content-Type", route.content_type))
        if route.content_encoding is not None:
            defaults.append(("Content-Encoding", route.content_encoding))
        defaults.extend(_validators(route))
        if route.chunked:
            defaults.append(("Transfer-Encoding", "chunked"))
        else:
            defaults.append(("Content-Length", str(len(route.body) * route.repeat)))
        for name, value in [*(d for d in defaults if d[0].lower() not in names), *route.headers]:
            handler.send_header(name, value)
        handler.end_headers()
        if head:
            return 0, True
        sent = 0
        write = handler.wfile.write
        for piece in self._pieces(route):
            if route.reset_after is not None and sent + len(piece) >= route.reset_after:
                part = piece[: route.reset_after - sent]
                write(b"%x\r\n%s" % (len(part), part) if route.chunked and part else part)
                sent = route.reset_after
                _reset(handler)
                return sent, False
            write(b"%x\r\n%s\r\n" % (len(piece), piece) if route.chunked else piece)
            sent += len(piece)
            if route.trickle is not None and self._closing.wait(route.trickle[1]):
                handler.close_connection = True
                return sent, False
        if route.chunked:
            write(b"0\r\n\r\n")
        return sent, True

    def _pieces(self, route: Route) -> Iterator[bytes]:
        step = route.trickle[0] if route.trickle is not None else _SEND_STEP
        for _ in range(route.repeat):
            for start in range(0, len(route.body), step):
                yield route.body[start : start + step]


def _validators(route: Route) -> list[tuple[str, str]]:
    found = []
    if route.etag is not None:
        found.append(("ETag", route.etag))
    if route.last_modified is not None:
        found.append(("Last-Modified", route.last_modified))
    return found


def _not_modified(route: Route, headers: dict[str, str]) -> bool:
    if route.status != 200:
        return False
    inm = headers.get("if-none-match")
    if route.etag is not None and inm is not None:
        tags = {tag.strip().removeprefix("W/") for tag in inm.split(",")}
        return "*" in tags or route.etag.removeprefix("W/") in tags
    ims = headers.get("if-modified-since")
    if route.last_modified is not None and ims is not None:
        try:
            since = email.utils.parsedate_to_datetime(ims)
            modified = email.utils.parsedate_to_datetime(route.last_modified)
        except (TypeError, ValueError):
            return False
        return modified <= since
    return False


def _reset(handler: _Handler) -> None:
    """Close the connection abruptly: SO_LINGER 0 makes close() send RST instead of FIN."""
    conn = handler.connection
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.close_connection = True
    handler.rfile.close()  # the makefile() reader keeps the descriptor open otherwise
    conn.close()
