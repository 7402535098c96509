"""The SSRF guard: which addresses a URL may reach, decided after DNS resolution.

A host is resolved once with ``socket.getaddrinfo``; every address it resolves to must be
public (``ipaddress``'s ``is_global``, which excludes loopback, private, link-local,
multicast, reserved, unspecified, shared and documentation ranges) unless the host name,
the address, or a network containing it is listed in ``allow_private_hosts``. The cloud
metadata addresses are named explicitly so that the message says what they are. The
checked addresses are returned so the caller connects to exactly those (no second lookup
that a rebinding DNS server could answer differently).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Sequence

from tasks.errors import ForbiddenSource, NetworkError, SourceNotFound

__all__ = ["METADATA_ADDRESSES", "IPAddress", "check_address", "resolve_checked"]

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# The one DNS lookup of a fetch; a module attribute so tests can stand in for DNS without
# touching the socket module that httpcore would use.
_getaddrinfo = socket.getaddrinfo
METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)


def _allowed(host: str, address: IPAddress, allow: Sequence[str]) -> bool:
    for entry in allow:
        entry = entry.strip().lower()
        if not entry:
            continue
        if entry == host.lower().strip("[]"):
            return True
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue  # a host name entry that did not match
    return False


def _why_forbidden(address: IPAddress) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    for attribute, label in (
        ("is_unspecified", "unspecified"),
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_reserved", "reserved"),
        ("is_private", "private"),
    ):
        if getattr(address, attribute):
            return f"a {label} address"
    if not address.is_global:
        return "not a public address"
    return None


def check_address(host: str, address: IPAddress, allow: Sequence[str]) -> None:
    """Raise ForbiddenSource unless ``address`` (reached as ``host``) may be fetched."""
    why = _why_forbidden(address)
    if why is not None and not _allowed(host, address, allow):
        raise ForbiddenSource(
            f"refusing {host}: it resolves to {address}, {why} "
            "(list it in fetch.allow_private_hosts to allow it)"
        )


def resolve_checked(host: str, port: int, allow: Sequence[str]) -> list[IPAddress]:
    """Resolve ``host`` and check every address; return them, IPv4 first."""
    try:
        infos = _getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5)):
            raise SourceNotFound(f"{host}: no such host ({exc.strerror})") from exc
        raise NetworkError(f"{host}: DNS lookup failed ({exc.strerror})") from exc
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise SourceNotFound(f"{host}: DNS returned no address")
    # All must pass: a name that resolves to one public and one private address is an attack.
    for address in addresses:
        check_address(host, address, allow)
    return sorted(addresses, key=lambda a: a.version)
