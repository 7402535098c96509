from __future__ import annotations

import socket
from typing import Any

import pytest

from config.settings import FetchSettings
from tasks.errors import (
    ForbiddenSource,
    InputTooLarge,
    NetworkError,
    PermanentError,
    UnsupportedContent,
)
from tasks.fetching import ssrf
from tasks.fetching.http import HttpStatusError, fetch_url, parse_retry_after
from tests.unit.fetching.server import Answer, LocalServer, local_server

HTML = {"Content-Type": "text/html; charset=utf-8"}
PAGE = "<html><p>Grüße aus dem Test</p></html>".encode()


def _routes() -> dict[str, Any]:
    return {
        "/page": Answer(200, PAGE, HTML),
        "/redirect": Answer(302, b"", {"Location": "/page"}),
        "/redirect2": Answer(301, b"", {"Location": "/redirect"}),
        "/loop": Answer(302, b"", {"Location": "/loop"}),
        "/big": Answer(200, b"<p>" + b"x" * 50_000, HTML, content_length=False),
        "/big-declared": Answer(200, b"<p>" + b"x" * 50_000, HTML),
        "/404": Answer(404, b"gone", {"Content-Type": "text/plain"}),
        "/503": Answer(503, b"busy", {"Retry-After": "7"}),
        "/429": Answer(429, b"slow down", {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}),
        "/pdf": Answer(200, b"%PDF-1.4", {"Content-Type": "application/pdf"}),
        "/json": Answer(200, b'{"html": "<p>x</p>"}', {"Content-Type": "application/json"}),
        "/slow": Answer(200, PAGE, HTML, delay_s=2.0),
    }


@pytest.fixture
def server() -> Any:
    with local_server(_routes()) as srv:
        yield srv


def _allowed(**extra: Any) -> FetchSettings:
    return FetchSettings(allow_private_hosts=["127.0.0.1"], **extra)


def test_plain_fetch_sends_user_agent(server: LocalServer) -> None:
    got = fetch_url(server.url("/page"), _allowed(user_agent="newsflow-test/1"))
    assert got.content == PAGE and got.format == "html" and got.charset == "utf-8"
    assert got.final_url == server.url("/page")
    assert server.user_agents == ["newsflow-test/1"]


def test_redirects_are_followed_hop_by_hop(server: LocalServer) -> None:
    got = fetch_url(server.url("/redirect2"), _allowed())
    assert got.final_url == server.url("/page")
    assert [path for path, _ in server.hits] == ["/redirect2", "/redirect", "/page"]


def test_too_many_redirects(server: LocalServer) -> None:
    with pytest.raises(PermanentError, match="more than 3 redirects") as info:
        fetch_url(server.url("/loop"), _allowed(max_redirects=3))
    assert info.value.reason == "too_many_redirects"
    assert len(server.hits) == 4


@pytest.mark.parametrize("path", ["/big", "/big-declared"])
def test_size_limit(server: LocalServer, path: str) -> None:
    with pytest.raises(InputTooLarge):
        fetch_url(server.url(path), _allowed(max_bytes=10_000))
    assert fetch_url(server.url(path), _allowed(max_bytes=60_000)).content.startswith(b"<p>x")


def test_404_is_permanent_with_status(server: LocalServer) -> None:
    with pytest.raises(HttpStatusError) as info:
        fetch_url(server.url("/404"), _allowed())
    assert info.value.status == 404 and info.value.reason == "http_404"
    assert isinstance(info.value, PermanentError)


def test_503_is_retryable_with_retry_after(server: LocalServer) -> None:
    with pytest.raises(NetworkError) as info:
        fetch_url(server.url("/503"), _allowed())
    assert info.value.retry_after_s == 7.0


def test_429_with_a_past_http_date(server: LocalServer) -> None:
    with pytest.raises(NetworkError) as info:
        fetch_url(server.url("/429"), _allowed())
    assert info.value.retry_after_s == 0.0


def test_retry_after_parsing() -> None:
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_unsupported_content_type(server: LocalServer) -> None:
    with pytest.raises(UnsupportedContent, match="application/pdf"):
        fetch_url(server.url("/pdf"), _allowed())
    assert fetch_url(server.url("/json"), _allowed()).format == "json"


def test_timeout_is_retryable(server: LocalServer) -> None:
    with pytest.raises(NetworkError, match="timed out"):
        fetch_url(server.url("/slow"), _allowed(timeout_s=0.3))


def test_connection_refused_is_retryable() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(NetworkError):
        fetch_url(f"http://127.0.0.1:{port}/", _allowed())


def test_loopback_is_refused_by_default(server: LocalServer) -> None:
    with pytest.raises(ForbiddenSource, match="loopback"):
        fetch_url(server.url("/page"), FetchSettings())
    assert server.hits == []


def test_metadata_address_is_refused_before_any_connection() -> None:
    with pytest.raises(ForbiddenSource, match="metadata"):
        fetch_url("http://169.254.169.254/latest/meta-data/", FetchSettings())


def test_non_http_scheme_is_refused() -> None:
    with pytest.raises(ForbiddenSource, match="http and https"):
        fetch_url("file:///etc/passwd", FetchSettings())


def test_redirect_from_allowed_host_to_private_target_is_refused() -> None:
    # 'localhost' is allowed by name; the redirect target 127.0.0.2 is not, and a second
    # server really listens there, so a missing check would show up as a hit on it.
    with (
        local_server({"/page": Answer(200, PAGE, HTML)}, host="127.0.0.2") as target,
        local_server(
            {"/go": Answer(302, b"", {"Location": target.url("/page")})}, host="127.0.0.1"
        ) as origin,
    ):
        start = origin.url("/go", host="localhost")
        with pytest.raises(ForbiddenSource, match=r"127\.0\.0\.2"):
            fetch_url(start, FetchSettings(allow_private_hosts=["localhost"]))
        assert [p for p, _ in origin.hits] == ["/go"]
        assert target.hits == []
        # control: once the target is allowed too, the same redirect is followed
        got = fetch_url(start, FetchSettings(allow_private_hosts=["localhost", "127.0.0.2/32"]))
        assert got.content == PAGE and [p for p, _ in target.hits] == ["/page"]


def test_connection_goes_to_the_checked_address(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 'news.test' resolves (for the guard only) to 127.0.0.1. httpcore never resolves it
    # itself - '.test' does not exist in DNS - so success proves the pinned address was used,
    # and the Host header shows the name was kept.
    real = ssrf._getaddrinfo

    def fake(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "news.test":
            return real("127.0.0.1", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(ssrf, "_getaddrinfo", fake)
    got = fetch_url(
        server.url("/page", host="news.test"), FetchSettings(allow_private_hosts=["news.test"])
    )
    assert got.content == PAGE
    assert server.hits == [("/page", f"news.test:{server.port}")]
