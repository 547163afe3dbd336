"""reader_app.ingest.fetch against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import base64
import gzip
import itertools
import socket
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from reader_app import APP_NAME, __version__
from reader_app.ingest import fetch as fetch_module
from reader_app.ingest.fetch import Fetcher, FetchLimits
from reader_app.ingest.types import FetchOutcome, FetchRequest, FetchResult
from tests.support.feedserver import FeedServer, http_date, rss

MIB = 1024 * 1024
BODY = rss("Polite feed", items=3)
FAST = FetchLimits(connect_timeout=2.0, read_timeout=5.0, total_timeout=10.0)


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(FAST) as f:
        yield f


def get(fetcher: Fetcher, url: str, **kwargs: str) -> FetchResult:
    return fetcher.fetch(FetchRequest(url, **kwargs))


# -- success, validators, encodings -----------------------------------------------------------


def test_200_then_304_sends_both_validators(feed_server: FeedServer, fetcher: Fetcher) -> None:
    modified = "Sun, 22 Nov 2026 10:00:00 GMT"
    feed_server.route("/feed", body=BODY, etag='"v1"', last_modified=modified)
    url = feed_server.url("/feed")

    first = get(fetcher, url)
    assert first.outcome is FetchOutcome.OK
    assert first.status == 200
    assert first.body == BODY
    assert first.etag == '"v1"'
    assert first.last_modified == modified
    assert first.final_url == url
    assert first.permanent_url is None
    assert first.error is None
    assert first.content_type == "application/rss+xml; charset=utf-8"
    assert first.elapsed_seconds > 0

    second = get(fetcher, url, etag=first.etag or "", last_modified=first.last_modified or "")
    assert second.outcome is FetchOutcome.NOT_MODIFIED
    assert second.status == 304
    assert second.body is None
    assert (second.etag, second.last_modified) == ('"v1"', modified)

    seen = feed_server.requests_for("/feed")
    assert seen[0].header("if-none-match") is None
    assert seen[0].header("if-modified-since") is None
    assert seen[1].header("if-none-match") == '"v1"'
    assert seen[1].header("if-modified-since") == modified


def test_304_keeps_the_request_validators_unless_it_sends_new_ones(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    # Only If-Modified-Since matches here; the 304 carries no ETag of its own.
    modified = "Sun, 22 Nov 2026 10:00:00 GMT"
    feed_server.route("/lm", body=BODY, last_modified=modified)
    result = get(fetcher, feed_server.url("/lm"), etag='"old"', last_modified=modified)
    assert result.outcome is FetchOutcome.NOT_MODIFIED
    assert (result.etag, result.last_modified) == ('"old"', modified)

    feed_server.route("/new", body=BODY, etag='"v2"', headers={"Last-Modified": modified})
    result = get(fetcher, feed_server.url("/new"), etag='"v2"', last_modified="yesterday")
    assert result.outcome is FetchOutcome.NOT_MODIFIED
    assert (result.etag, result.last_modified) == ('"v2"', modified)


def test_ok_response_without_validators_clears_them(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.route("/plain", body=BODY)
    result = get(fetcher, feed_server.url("/plain"), etag='"gone"', last_modified="x")
    assert result.outcome is FetchOutcome.OK
    assert (result.etag, result.last_modified) == (None, None)


def test_gzip_is_decoded(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route("/gz", body=BODY, gzip=True)
    result = get(fetcher, feed_server.url("/gz"))
    assert result.outcome is FetchOutcome.OK
    assert result.body == BODY
    assert ("content-encoding", "gzip") in result.headers
    assert feed_server.requests[0].header("accept-encoding") == "gzip, deflate"


@pytest.mark.parametrize(
    "encoded",
    [zlib.compress(BODY), zlib.compress(BODY)[2:-4]],  # zlib-wrapped, and raw deflate
    ids=["zlib", "raw"],
)
def test_deflate_is_decoded(feed_server: FeedServer, fetcher: Fetcher, encoded: bytes) -> None:
    feed_server.route("/deflate", body=encoded, headers={"Content-Encoding": "deflate"})
    result = get(fetcher, feed_server.url("/deflate"))
    assert result.outcome is FetchOutcome.OK
    assert result.body == BODY


def test_multi_member_gzip_is_decoded_whole(feed_server: FeedServer, fetcher: Fetcher) -> None:
    body = gzip.compress(BODY[:50]) + gzip.compress(BODY[50:])
    feed_server.route("/multi", body=body, headers={"Content-Encoding": "gzip"})
    assert get(fetcher, feed_server.url("/multi")).body == BODY


def test_corrupt_gzip_fails(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route(
        "/bad", body=b"\x1f\x8b\x08\x00garbage-garbage", headers={"Content-Encoding": "gzip"}
    )
    result = get(fetcher, feed_server.url("/bad"))
    assert result.outcome is FetchOutcome.FAILED
    assert result.error == "the server sent a corrupt gzip body"


def test_unsupported_content_encoding_fails(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route("/br", body=b"\x00\x01", headers={"Content-Encoding": "br"})
    result = get(fetcher, feed_server.url("/br"))
    assert result.outcome is FetchOutcome.FAILED
    assert result.error == "the server used an unsupported compression (br)"


def test_chunked_body(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route("/chunked", body=BODY * 100, chunked=True)
    result = get(fetcher, feed_server.url("/chunked"))
    assert result.outcome is FetchOutcome.OK
    assert result.body == BODY * 100


def test_headers_content_type_and_max_age(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route(
        "/cc",
        body=BODY,
        content_type="application/atom+xml",
        headers=[("Cache-Control", "public, max-age=3600"), ("X-Thing", "A"), ("X-Thing", "B")],
    )
    result = get(fetcher, feed_server.url("/cc"))
    assert result.max_age_seconds == 3600
    assert result.content_type == "application/atom+xml"
    assert ("x-thing", "A") in result.headers
    assert ("x-thing", "B") in result.headers
    assert all(name == name.lower() for name, _ in result.headers)
    assert result.retry_after_seconds is None


def test_s_maxage_is_not_max_age(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route("/s", body=BODY, headers={"Cache-Control": "s-maxage=60, no-cache"})
    assert get(fetcher, feed_server.url("/s")).max_age_seconds is None


def test_empty_200_is_ok_but_204_fails(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route("/empty", body=b"")
    assert get(fetcher, feed_server.url("/empty")).body == b""
    feed_server.route("/204", status=204)
    result = get(fetcher, feed_server.url("/204"))
    assert result.outcome is FetchOutcome.FAILED
    assert result.error == "HTTP 204 No Content: the server sent no feed"


def test_request_headers_name_the_app(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route("/ua", body=BODY)
    get(fetcher, feed_server.url("/ua"))
    seen = feed_server.requests[0]
    agent = seen.header("user-agent") or ""
    assert agent.startswith(f"{APP_NAME}/{__version__} (+https://")
    accept = seen.header("accept") or ""
    assert accept.startswith("application/atom+xml, application/rss+xml, application/feed+json")
    assert "*/*;q=0.5" in accept
    assert seen.header("authorization") is None
    assert seen.header("cookie") is None


def test_custom_user_agent(feed_server: FeedServer) -> None:
    feed_server.route("/ua", body=BODY)
    with Fetcher(FAST, user_agent="custom/1") as f:
        get(f, feed_server.url("/ua"))
    assert feed_server.requests[0].header("user-agent") == "custom/1"


def test_cookies_are_not_kept(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route("/c", body=BODY, headers={"Set-Cookie": "track=1; Path=/"})
    get(fetcher, feed_server.url("/c"))
    get(fetcher, feed_server.url("/c"))
    assert [r.header("cookie") for r in feed_server.requests] == [None, None]


# -- redirects --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 308])
def test_permanent_redirect_sets_permanent_url(
    feed_server: FeedServer, fetcher: Fetcher, status: int
) -> None:
    feed_server.route("/old", status=status, redirect_to="/new")
    feed_server.route("/new", body=BODY)
    result = get(fetcher, feed_server.url("/old"))
    assert result.outcome is FetchOutcome.OK
    assert result.body == BODY
    assert result.request_url == feed_server.url("/old")
    assert result.final_url == feed_server.url("/new")
    assert result.permanent_url == feed_server.url("/new")


@pytest.mark.parametrize("status", [302, 303, 307])
def test_temporary_redirect_leaves_permanent_url_unset(
    feed_server: FeedServer, fetcher: Fetcher, status: int
) -> None:
    feed_server.route("/old", status=status, redirect_to="/new")
    feed_server.route("/new", body=BODY)
    result = get(fetcher, feed_server.url("/old"))
    assert result.outcome is FetchOutcome.OK
    assert result.final_url == feed_server.url("/new")
    assert result.permanent_url is None


@pytest.mark.parametrize("chain", [(301, 302), (302, 301), (301, 307, 308)])
def test_any_temporary_hop_leaves_permanent_url_unset(
    feed_server: FeedServer, fetcher: Fetcher, chain: tuple[int, ...]
) -> None:
    for i, status in enumerate(chain):
        feed_server.route(f"/r{i}", status=status, redirect_to=f"/r{i + 1}")
    feed_server.route(f"/r{len(chain)}", body=BODY)
    result = get(fetcher, feed_server.url("/r0"))
    assert result.outcome is FetchOutcome.OK
    assert result.final_url == feed_server.url(f"/r{len(chain)}")
    assert result.permanent_url is None


def test_two_permanent_hops_give_the_final_url(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route("/a", status=301, redirect_to="b")  # relative to /a
    feed_server.route("/b", status=308, redirect_to=feed_server.url("/c?x=1"))
    feed_server.route("/c?x=1", body=BODY)
    result = get(fetcher, feed_server.url("/a"))
    assert result.permanent_url == feed_server.url("/c?x=1")


def test_permanent_redirect_then_304(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route("/old", status=301, redirect_to="/new")
    feed_server.route("/new", body=BODY, etag='"e"')
    result = get(fetcher, feed_server.url("/old"), etag='"e"')
    assert result.outcome is FetchOutcome.NOT_MODIFIED
    assert result.permanent_url == feed_server.url("/new")


def test_redirect_loop_fails_quickly(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route("/a", status=301, redirect_to="/b")
    feed_server.route("/b", status=302, redirect_to="/a")
    result = get(fetcher, feed_server.url("/a"))
    assert result.outcome is FetchOutcome.FAILED
    assert result.error is not None
    assert result.error.startswith("redirect loop")
    assert result.permanent_url is None
    assert len(feed_server.requests) == 2
    assert result.elapsed_seconds < 2


def test_redirect_to_itself_is_a_loop(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route("/self", status=307, redirect_to="/self")
    result = get(fetcher, feed_server.url("/self"))
    assert result.outcome is FetchOutcome.FAILED
    assert (result.error or "").startswith("redirect loop")


def _chain(server: FeedServer, hops: int) -> None:
    for i in range(hops):
        server.route(f"/hop{i}", status=302, redirect_to=f"/hop{i + 1}")
    server.route(f"/hop{hops}", body=BODY)


def test_five_redirects_are_followed(feed_server: FeedServer, fetcher: Fetcher) -> None:
    _chain(feed_server, 5)
    result = get(fetcher, feed_server.url("/hop0"))
    assert result.outcome is FetchOutcome.OK
    assert result.final_url == feed_server.url("/hop5")


def test_six_redirects_fail(feed_server: FeedServer, fetcher: Fetcher) -> None:
    _chain(feed_server, 6)
    result = get(fetcher, feed_server.url("/hop0"))
    assert result.outcome is FetchOutcome.FAILED
    assert result.error == "too many redirects (more than 5)"
    assert result.status == 302
    assert result.final_url == feed_server.url("/hop5")
    assert feed_server.requests_for("/hop6") == []
    assert len(feed_server.requests) == 6


def test_redirect_limit_follows_the_limits(feed_server: FeedServer) -> None:
    _chain(feed_server, 2)
    with Fetcher(FetchLimits(max_redirects=1)) as f:
        result = get(f, feed_server.url("/hop0"))
    assert result.error == "too many redirects (more than 1)"


@pytest.mark.parametrize(
    "target",
    ["file:///etc/passwd", "ftp://127.0.0.1/feed", "javascript:alert(1)", "FILE:/etc/passwd"],
)
def test_redirect_to_other_schemes_is_refused(
    feed_server: FeedServer, fetcher: Fetcher, target: str
) -> None:
    feed_server.route("/evil", status=302, redirect_to=target)
    result = get(fetcher, feed_server.url("/evil"))
    assert result.outcome is FetchOutcome.FAILED
    scheme = target.split(":", maxsplit=1)[0].lower()
    assert result.error == f"refused a redirect to a {scheme}: address (only http and https)"
    assert result.body is None
    assert result.status == 302
    assert len(feed_server.requests) == 1


@pytest.mark.parametrize("target", ["http://[::1/x", "http://example.org:x/", "http://[zz]/"])
def test_redirect_to_an_invalid_address_fails(
    feed_server: FeedServer, fetcher: Fetcher, target: str
) -> None:
    feed_server.route("/bad", status=301, redirect_to=target)
    result = get(fetcher, feed_server.url("/bad"))
    assert result.outcome is FetchOutcome.FAILED
    assert result.error == "the server redirected (301) to an invalid address"
    assert len(feed_server.requests) == 1


def test_redirect_without_location_fails(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route("/nowhere", status=302)
    result = get(fetcher, feed_server.url("/nowhere"))
    assert result.outcome is FetchOutcome.FAILED
    assert result.status == 302
    assert result.error == "the server redirected (302) without saying where to"


# -- statuses ---------------------------------------------------------------------------------


def test_410_is_gone(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route("/gone", status=410, body=b"bye")
    result = get(fetcher, feed_server.url("/gone"), etag='"e"')
    assert result.outcome is FetchOutcome.GONE
    assert result.status == 410
    assert result.body is None
    assert result.error == "the server says the feed is gone (410); updates stopped"


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (404, "HTTP 404 Not Found"),
        (403, "HTTP 403 Forbidden"),
        (500, "HTTP 500 Internal Server Error"),
        (300, "HTTP 300 Multiple Choices"),
        (599, "HTTP 599"),
    ],
)
def test_error_statuses_fail_with_the_status(
    feed_server: FeedServer, fetcher: Fetcher, status: int, message: str
) -> None:
    feed_server.route("/e", status=status, body=b"error page")
    result = get(fetcher, feed_server.url("/e"), etag='"keep"')
    assert result.outcome is FetchOutcome.FAILED
    assert result.status == status
    assert result.error == message
    assert result.body is None
    assert result.final_url == feed_server.url("/e")
    assert result.etag == '"keep"'  # failures echo the request's validators


def test_unknown_route_is_404(feed_server: FeedServer, fetcher: Fetcher) -> None:
    result = get(fetcher, feed_server.url("/missing"))
    assert (result.outcome, result.status, result.error) == (
        FetchOutcome.FAILED,
        404,
        "HTTP 404 Not Found",
    )


def test_429_with_retry_after_seconds(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route("/busy", status=429, headers={"Retry-After": "120"})
    result = get(fetcher, feed_server.url("/busy"))
    assert result.outcome is FetchOutcome.FAILED
    assert result.status == 429
    assert result.error == "HTTP 429 Too Many Requests"
    assert result.retry_after_seconds == 120


def test_503_with_http_date_retry_after_uses_the_servers_date(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    # The server's clock is an hour behind ours: the delay counts from its Date header.
    server_now = time.time() - 3600
    feed_server.route(
        "/down",
        status=503,
        headers={"Date": http_date(server_now), "Retry-After": http_date(server_now + 300)},
    )
    result = get(fetcher, feed_server.url("/down"))
    assert result.outcome is FetchOutcome.FAILED
    assert result.error == "HTTP 503 Service Unavailable"
    assert result.retry_after_seconds == pytest.approx(300, abs=1)


def test_http_date_retry_after_without_date_counts_from_now(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.route(
        "/down",
        status=503,
        headers={"Date": "not a date", "Retry-After": http_date(time.time() + 600)},
    )
    result = get(fetcher, feed_server.url("/down"))
    assert result.retry_after_seconds == pytest.approx(600, abs=2)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("99999999", 7 * 24 * 3600),
        ("Sun, 06 Nov 1994 08:49:37 GMT", 0),
        ("soon", None),
        ("0", 0),
    ],
)
def test_retry_after_is_clamped(
    feed_server: FeedServer, fetcher: Fetcher, value: str, expected: float | None
) -> None:
    feed_server.route("/r", status=503, headers={"Retry-After": value})
    assert get(fetcher, feed_server.url("/r")).retry_after_seconds == expected


def test_retry_after_is_read_on_any_response(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route("/ok", body=BODY, headers={"Retry-After": "60"})
    result = get(fetcher, feed_server.url("/ok"))
    assert result.outcome is FetchOutcome.OK
    assert result.retry_after_seconds == 60


# -- time, size and broken connections --------------------------------------------------------


def test_trickling_body_stops_at_the_total_timeout(feed_server: FeedServer) -> None:
    # 50 bytes, one every 0.1 s: 5 s in all, each read well inside the read timeout.
    feed_server.route("/slow", body=b"x" * 50, trickle=(1, 0.1))
    limits = FetchLimits(connect_timeout=1.0, read_timeout=20.0, total_timeout=1.0)
    with Fetcher(limits) as f:
        result = get(f, feed_server.url("/slow"))
    assert result.outcome is FetchOutcome.FAILED
    assert result.error == "timed out after 1 s"
    assert result.status == 200
    assert result.body is None
    assert result.elapsed_seconds < 3


def test_silent_server_trips_the_read_timeout(feed_server: FeedServer) -> None:
    feed_server.route("/mute", body=BODY, delay=3.0)
    with Fetcher(FetchLimits(read_timeout=0.3, total_timeout=5.0)) as f:
        result = get(f, feed_server.url("/mute"))
    assert result.outcome is FetchOutcome.FAILED
    host = f"127.0.0.1:{feed_server.port}"
    assert result.error == f"timed out waiting for {host} to answer (no data for 0.3 s)"
    assert result.status is None
    assert result.elapsed_seconds < 2


def test_connection_reset_mid_body(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route("/reset", body=b"x" * 200_000, reset_after=1000)
    result = get(fetcher, feed_server.url("/reset"))
    assert result.outcome is FetchOutcome.FAILED
    assert result.error in (
        "connection reset while reading the body",
        # If the RST is seen as an end of file first (platform-dependent):
        "the server closed the connection before sending the whole body",
    )
    assert result.status == 200
    assert result.body is None


def test_declared_oversize_body_is_not_read(feed_server: FeedServer) -> None:
    feed_server.route("/huge", body=b"x" * 65536, repeat=512)  # 32 MiB
    with Fetcher(FetchLimits(max_body_bytes=MIB)) as f:
        result = get(f, feed_server.url("/huge"))
    assert result.outcome is FetchOutcome.FAILED
    assert result.error == "feed larger than 1 MB (limit)"
    assert feed_server.wait_idle()
    sent = feed_server.responses[0]
    assert not sent.complete
    assert sent.body_bytes_sent < 16 * MIB


def test_streamed_oversize_body_stops_at_the_cap(feed_server: FeedServer) -> None:
    # Chunked: no Content-Length to reject up front; the count while streaming must stop it.
    feed_server.route("/huge", body=b"x" * 65536, repeat=512, chunked=True)
    with Fetcher(FetchLimits(max_body_bytes=MIB)) as f:
        result = get(f, feed_server.url("/huge"))
    assert result.outcome is FetchOutcome.FAILED
    assert result.error == "feed larger than 1 MB (limit)"
    assert result.body is None
    assert feed_server.wait_idle()
    sent = feed_server.responses[0]
    assert not sent.complete
    assert sent.body_bytes_sent < 16 * MIB


def test_body_at_the_cap_is_accepted(feed_server: FeedServer) -> None:
    feed_server.route("/exact", body=b"y" * 4096, gzip=True)
    with Fetcher(FetchLimits(max_body_bytes=4096)) as f:
        assert get(f, feed_server.url("/exact")).outcome is FetchOutcome.OK
    with Fetcher(FetchLimits(max_body_bytes=4095)) as f:
        assert get(f, feed_server.url("/exact")).error == "feed larger than 4 KB (limit)"


def test_gzip_bomb_stops_at_the_cap_with_bounded_memory(feed_server: FeedServer) -> None:
    route = feed_server.route_gzip_bomb("/bomb")  # 64 MiB of zeros in about 64 KB
    assert len(route.body) < MIB
    with Fetcher(FetchLimits(max_body_bytes=MIB)) as f:
        tracemalloc.start()
        try:
            result = get(f, feed_server.url("/bomb"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert result.outcome is FetchOutcome.FAILED
    assert result.error == "feed larger than 1 MB (limit)"
    assert result.elapsed_seconds < 2
    assert peak < 8 * MIB, f"peak {peak / MIB:.1f} MiB"


def test_connection_refused(fetcher: Fetcher) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens there now.
    result = get(fetcher, f"http://127.0.0.1:{port}/feed")
    assert result.outcome is FetchOutcome.FAILED
    assert result.error == f"connection refused by 127.0.0.1:{port}"
    assert result.status is None
    assert result.final_url == f"http://127.0.0.1:{port}/feed"


def test_unresolvable_host() -> None:
    limits = FetchLimits(connect_timeout=1.0, read_timeout=1.0, total_timeout=2.0)
    with Fetcher(limits) as f:
        result = get(f, "http://nonexistent.invalid/")
    assert result.outcome is FetchOutcome.FAILED
    # With a resolver: "could not resolve host"; with no network at all, a connect failure.
    assert result.error is not None
    assert result.error.startswith(("could not resolve host nonexistent.invalid", "timed out"))
    assert result.elapsed_seconds < 15


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://127.0.0.1/feed.xml", "only http and https feeds can be fetched (ftp:)"),
        ("file:///etc/passwd", "only http and https feeds can be fetched (file:)"),
        ("/relative/feed", "only http and https feeds can be fetched (no scheme)"),
        ("http:///nohost", "the feed address has no host name: http:///nohost"),
        ("http://[::1/feed", "the feed address is not a valid URL: http://[::1/feed"),
    ],
)
def test_bad_request_urls_fail_without_network(
    monkeypatch: pytest.MonkeyPatch, fetcher: Fetcher, url: str, message: str
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("network used")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    result = get(fetcher, url)
    assert result.outcome is FetchOutcome.FAILED
    assert result.error == message
    assert result.status is None
    assert result.request_url == url


# -- credentials ------------------------------------------------------------------------------


def test_basic_auth_is_sent(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route("/private", body=BODY)
    result = fetcher.fetch(
        FetchRequest(feed_server.url("/private"), username="ann", password="s3cret:é")
    )
    assert result.outcome is FetchOutcome.OK
    expected = "Basic " + base64.b64encode("ann:s3cret:é".encode()).decode()
    assert feed_server.requests[0].header("authorization") == expected


def test_basic_auth_follows_same_origin_redirects_only(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    with FeedServer() as other:  # same host, other port: another origin
        other.route("/feed", body=BODY)
        feed_server.route("/a", status=301, redirect_to="/b")
        feed_server.route("/b", status=302, redirect_to=other.url("/feed"))
        result = fetcher.fetch(FetchRequest(feed_server.url("/a"), username="ann", password="pw"))
        assert result.outcome is FetchOutcome.OK
        assert other.requests[0].header("authorization") is None
    assert all(r.header("authorization") for r in feed_server.requests)


@pytest.mark.parametrize(
    ("origin", "target", "allowed"),
    [
        ("http://a.example/feed", "http://a.example/other", True),
        ("http://a.example/feed", "https://a.example/feed", True),  # upgrade, default ports
        ("https://a.example/feed", "http://a.example/feed", False),  # downgrade
        ("http://a.example:8080/feed", "https://a.example/feed", False),
        ("http://a.example/feed", "http://b.example/feed", False),
        ("http://a.example/feed", "http://a.example:81/feed", False),
    ],
)
def test_credentials_origin_rule(origin: str, target: str, *, allowed: bool) -> None:
    assert (
        fetch_module._may_send_credentials(
            fetch_module._origin(httpx.URL(origin)), httpx.URL(target)
        )
        is allowed
    )


# -- concurrency ------------------------------------------------------------------------------


def test_per_host_limit(feed_server: FeedServer) -> None:
    feed_server.route("/slow", body=BODY, delay=0.3)
    limits = FetchLimits(max_per_host=2, total_timeout=10.0)
    with Fetcher(limits) as f, ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: get(f, feed_server.url("/slow")), range(6)))
    assert [r.outcome for r in results] == [FetchOutcome.OK] * 6
    assert feed_server.max_in_flight == 2
    assert len(feed_server.requests) == 6


def test_global_connection_limit(feed_server: FeedServer) -> None:
    with FeedServer() as other:
        servers = (feed_server, other)
        for server in servers:
            server.route("/slow", body=BODY, delay=0.2)

        def one(i: int) -> FetchResult:
            return get(f, servers[i % 2].url("/slow"))

        with Fetcher(FetchLimits(max_connections=1, max_per_host=2)) as f:
            started = time.monotonic()
            with ThreadPoolExecutor(4) as pool:
                results = list(pool.map(one, range(4)))
            took = time.monotonic() - started
        assert [r.outcome for r in results] == [FetchOutcome.OK] * 4
        assert feed_server.max_in_flight == 1
        assert other.max_in_flight == 1
        # One at a time across both hosts: four 0.2 s answers cannot overlap.
        assert took >= 0.8
        starts = sorted(r.started for s in servers for r in s.requests)
        assert all(b - a >= 0.15 for a, b in itertools.pairwise(starts))


def test_queueing_for_a_host_does_not_count_against_the_deadline(
    feed_server: FeedServer,
) -> None:
    feed_server.route("/slow", body=BODY, delay=0.4)
    limits = FetchLimits(max_per_host=1, total_timeout=0.7)
    with Fetcher(limits) as f, ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: get(f, feed_server.url("/slow")), range(3)))
    assert [r.outcome for r in results] == [FetchOutcome.OK] * 3


def test_close_is_idempotent_and_a_context_manager(feed_server: FeedServer) -> None:
    feed_server.route("/f", body=BODY)
    f = Fetcher(FAST)
    with f:
        assert get(f, feed_server.url("/f")).outcome is FetchOutcome.OK
    f.close()


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError, match="total_timeout"):
        FetchLimits(total_timeout=0)
    with pytest.raises(ValueError, match="at least 1"):
        FetchLimits(max_per_host=0)
