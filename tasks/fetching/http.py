"""Download one URL safely: SSRF-checked and pinned per hop, bounded in size and time.

Redirects are followed by hand (httpx's ``follow_redirects`` would reach the next host
before we could check it): every hop's host is resolved, checked and pinned by
``tasks.fetching.ssrf`` / ``transport``. The body is streamed and abandoned as soon as it
passes ``max_bytes``; the whole download (hops, headers, body) ends by ``deadline_s``, or
``FetchTooSlow`` names the URL and the setting. Status codes map onto the error
hierarchy: 429 and 5xx are NetworkError (retryable, with ``retry_after_s`` from
Retry-After), other 4xx are HttpStatusError (permanent, with the status). The source monitor
passes its own request headers (conditional GET: a 304 then comes back as a response with an
empty body) and its own accepted content types (feeds and sitemaps).
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC

import httpx

from config.settings import FetchSettings
from tasks.common import utc_now
from tasks.errors import (
    FetchTooSlow,
    ForbiddenSource,
    InputTooLarge,
    NetworkError,
    PermanentError,
    UnsupportedContent,
)
from tasks.fetching.document import FormatHint
from tasks.fetching.inflate import ACCEPT_ENCODING, read_inflated
from tasks.fetching.ssrf import resolve_checked
from tasks.fetching.transport import PinnedBackend, PinnedTransport

__all__ = [
    "FetchTooSlow",
    "FetchedResponse",
    "Gate",
    "HttpStatusError",
    "fetch_url",
    "parse_retry_after",
]

logger = logging.getLogger(__name__)

# A gate wraps each request to a host (per-domain politeness); None means no gate.
Gate = Callable[[str], AbstractContextManager[None]]
_REDIRECTS = {301, 302, 303, 307, 308}
_CONTENT_TYPES: dict[str, FormatHint] = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "text",
    "application/json": "json",
}


class HttpStatusError(PermanentError):
    """A 4xx answer other than 429: the URL itself is wrong; retrying cannot help."""

    def __init__(self, message: str, *, status: int = 0) -> None:
        super().__init__(message, reason=f"http_{status}")
        self.status = status


@dataclass(frozen=True)
class FetchedResponse:
    content: bytes
    format: FormatHint
    charset: str | None
    final_url: str
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - utc_now()).total_seconds())


def _content_format(
    response: httpx.Response, url: str, accept: Mapping[str, FormatHint] = _CONTENT_TYPES,
) -> tuple[FormatHint, str | None]:
    header = response.headers.get("content-type", "")
    mime = header.split(";", 1)[0].strip().lower()
    if not mime:
        return "sniff", None
    if mime not in accept:
        wanted = ", ".join(sorted(accept))
        raise UnsupportedContent(f"{url}: content type {mime!r} is not one of {wanted}")
    return accept[mime], response.charset_encoding


def _check_status(response: httpx.Response, url: str) -> None:
    status = response.status_code
    if status == 429 or status >= 500:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        raise NetworkError(f"{url}: HTTP {status}", retry_after_s=retry_after)
    if status >= 400:
        raise HttpStatusError(f"{url}: HTTP {status}", status=status)


def _read_body(response: httpx.Response, url: str, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("content-length", "")
    encoding = response.headers.get("content-encoding", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise InputTooLarge(f"{url}: Content-Length {declared} is over the {max_bytes} limit")

    def raw() -> Iterator[bytes]:
        for chunk in response.iter_raw():
            yield chunk
            if time.monotonic() > deadline:
                # Per-read timeouts do not stop a server that trickles one byte at a time
                # (the transport's reads end by the deadline too; this catches a fast,
                # endless body).
                raise httpx.ReadTimeout("the fetch deadline has passed")

    # Raw bytes, inflated here with a bound (httpx would inflate a whole chunk at once).
    return read_inflated(raw(), encoding, url, max_bytes)


def _hop(
    url: httpx.URL, settings: FetchSettings, deadline: float, gate: Gate | None,
    extra_headers: Mapping[str, str], accept: Mapping[str, FormatHint],
) -> tuple[httpx.Response, bytes | None]:
    """One request: check and pin the host, send, return the response (body when final).

    The politeness slot is taken last, right before the request goes out: DNS and client
    set-up before it would add their own delay (tens of ms on a busy host) between the slot
    and what the server sees, and two such requests would then arrive closer than allowed.
    """
    if url.scheme not in {"http", "https"}:
        raise ForbiddenSource(f"{url}: only http and https URLs are fetched")
    host = url.host
    port = url.port or (443 if url.scheme == "https" else 80)
    addresses = resolve_checked(host, port, settings.allow_private_hosts)
    backend = PinnedBackend(host, addresses, deadline)
    headers = {"User-Agent": settings.user_agent, "Accept": ", ".join(accept),
               "Accept-Encoding": ACCEPT_ENCODING, **extra_headers}
    guard = gate(host) if gate is not None else contextlib.nullcontext()
    with (
        httpx.Client(
            transport=PinnedTransport(backend),
            timeout=httpx.Timeout(settings.timeout_s),
            follow_redirects=False,
            trust_env=False,  # an environment proxy would bypass the pinned address
        ) as client,
        guard,
        client.stream("GET", url, headers=headers) as response,
    ):
        logger.debug("GET %s via %s -> %d", url, backend.dialled, response.status_code)
        if response.status_code in _REDIRECTS:
            return response, None
        if response.status_code == 304 and extra_headers:
            return response, b""  # not modified since the validators we sent
        _check_status(response, str(url))
        _content_format(response, str(url), accept)
        return response, _read_body(response, str(url), settings.max_bytes, deadline)


def fetch_url(
    url: str, settings: FetchSettings, *, gate: Gate | None = None,
    headers: Mapping[str, str] | None = None, accept: Mapping[str, FormatHint] | None = None,
) -> FetchedResponse:
    """GET ``url`` following at most ``settings.max_redirects`` checked redirects.

    ``headers`` are added to each request (a conditional GET's validators: a 304 answer is
    then returned with ``status=304`` and no body); ``accept`` maps the content types taken
    to their format (default: HTML, plain text, JSON)."""
    extra = dict(headers or {})
    types = accept if accept is not None else _CONTENT_TYPES
    try:
        current = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ForbiddenSource(f"{url!r} is not a valid URL ({exc})") from exc
    deadline = time.monotonic() + settings.deadline_s
    for _ in range(settings.max_redirects + 1):
        try:
            response, body = _hop(current, settings, deadline, gate, extra, types)
        except httpx.TimeoutException as exc:
            if time.monotonic() >= deadline:
                where = url if str(current) == url else f"{url} (redirected to {current})"
                raise FetchTooSlow(
                    f"{where}: not downloaded within {settings.deadline_s:g} s, the overall "
                    f"fetch deadline (NEWSFLOW_FETCH__DEADLINE_S): the server sends too slowly"
                ) from exc
            raise NetworkError(f"{current}: timed out ({exc})") from exc
        except httpx.HTTPError as exc:
            raise NetworkError(f"{current}: {exc}") from exc
        if body is not None:
            if response.status_code == 304:
                return FetchedResponse(body, "sniff", None, str(current), 304,
                                       dict(response.headers))
            fmt, charset = _content_format(response, str(current), types)
            return FetchedResponse(body, fmt, charset, str(current), response.status_code,
                                   dict(response.headers))
        location = response.headers.get("location")
        if not location:
            raise HttpStatusError(
                f"{current}: redirect without a Location", status=response.status_code
            )
        current = current.join(location)
        logger.info("redirect to %s", current)
    raise PermanentError(
        f"{url}: more than {settings.max_redirects} redirects", reason="too_many_redirects"
    )
