"""An httpx transport that connects only to addresses the SSRF guard already checked.

Why not let httpx resolve the name itself: it would ask DNS again, and a rebinding DNS
server can answer "public" to the guard and "127.0.0.1" to the connection. Instead the
transport's httpcore pool gets a network backend whose ``connect_tcp`` ignores DNS and
dials the pinned addresses for the one host it was built for (any other host is refused).
Everything above the socket is unchanged: the Host header, TLS SNI and certificate
verification still use the host name, so HTTPS stays correct. One transport serves one
request hop, so each redirect is checked and pinned afresh.

The backend also enforces the fetch's overall deadline: every connect and every socket read
waits at most until then, so a server that sends a byte of its headers or body just before
each per-read timeout is cut off at the deadline (httpx's timeouts are per operation only).
"""

from __future__ import annotations

import logging
import ssl
import time
import typing
from collections.abc import Iterator, Sequence
from functools import lru_cache

import httpcore
import httpx

from tasks.fetching.ssrf import IPAddress

__all__ = ["DeadlineStream", "PinnedBackend", "PinnedTransport", "default_ssl_context"]

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def default_ssl_context() -> ssl.SSLContext:
    """One verifying context per process: loading the CA bundle costs ~10 ms of CPU, and a
    transport is made per request hop. Contexts are safe to share between connections."""
    return ssl.create_default_context()


def _until(deadline: float | None, timeout: float | None) -> float | None:
    """``timeout`` shortened to what is left before ``deadline`` (a ``time.monotonic()``);
    ``ReadTimeout`` when nothing is left."""
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the fetch deadline has passed")
    return left if timeout is None else min(timeout, left)


class DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write ends by the deadline."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: float | None) -> None:
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _until(self._deadline, timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _until(self._deadline, timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        tls = self._stream.start_tls(ssl_context, server_hostname,
                                     _until(self._deadline, timeout))
        return DeadlineStream(tls, self._deadline)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._stream.get_extra_info(info)


class PinnedBackend(httpcore.SyncBackend):
    """Dial the pinned addresses of ``host``, whatever DNS would say now, and end every
    socket operation by ``deadline`` (a ``time.monotonic()`` value; None: no deadline)."""

    def __init__(self, host: str, addresses: Sequence[IPAddress],
                 deadline: float | None = None) -> None:
        self.host = host.lower().strip("[]")
        self.addresses = list(addresses)
        self.deadline = deadline
        self.dialled: list[str] = []  # for tests and logs: where we really connected

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        if host.lower().strip("[]") != self.host:
            raise httpcore.ConnectError(f"{host} was not checked by the SSRF guard")
        last: Exception | None = None
        for address in self.addresses:
            try:
                stream = super().connect_tcp(
                    str(address), port, _until(self.deadline, timeout), local_address,
                    socket_options,
                )
            except httpcore.ConnectError as exc:
                last = exc
                continue
            self.dialled.append(str(address))
            return DeadlineStream(stream, self.deadline)
        raise httpcore.ConnectError(f"cannot connect to {host}: {last}")


class _Stream(httpx.SyncByteStream):
    def __init__(self, stream: typing.Iterable[bytes], request: httpx.Request) -> None:
        self._stream = stream
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._stream
        except httpcore.TimeoutException as exc:
            raise httpx.ReadTimeout(str(exc), request=self._request) from exc
        except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
            raise httpx.ReadError(str(exc), request=self._request) from exc

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


class PinnedTransport(httpx.BaseTransport):
    """httpx transport over an httpcore pool that uses a PinnedBackend (no proxies)."""

    def __init__(self, backend: PinnedBackend, ssl_context: ssl.SSLContext | None = None) -> None:
        self.backend = backend
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context or default_ssl_context(),
            network_backend=backend,
            max_connections=1,
            retries=0,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=typing.cast(typing.Iterable[bytes], request.stream),
            extensions=request.extensions,
        )
        try:
            response = self._pool.handle_request(core_request)
        except httpcore.TimeoutException as exc:
            raise httpx.TimeoutException(str(exc), request=request) from exc
        except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Stream(typing.cast(typing.Iterable[bytes], response.stream), request),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()
