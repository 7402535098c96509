from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest

from tasks.errors import ForbiddenSource
from tasks.fetching import ssrf
from tasks.fetching.ssrf import check_address, resolve_checked


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("169.254.10.1", "link-local"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("100.64.0.1", "not a public"),
        ("240.0.0.1", "reserved"),
    ],
)
def test_non_public_addresses_are_refused(address: str, why: str) -> None:
    with pytest.raises(ForbiddenSource, match=why):
        check_address("h", ipaddress.ip_address(address), [])


def test_public_address_passes() -> None:
    check_address("example.org", ipaddress.ip_address("93.184.216.34"), [])


@pytest.mark.parametrize("allow", [["intranet"], ["10.1.2.3"], ["10.0.0.0/8"], ["INTRANET"]])
def test_allow_list_by_name_ip_or_network(allow: list[str]) -> None:
    check_address("intranet", ipaddress.ip_address("10.1.2.3"), allow)


def test_allow_list_does_not_leak_to_other_names() -> None:
    with pytest.raises(ForbiddenSource):
        check_address("other", ipaddress.ip_address("10.1.2.3"), ["intranet", "10.2.0.0/16"])


def test_a_name_with_one_private_address_among_public_ones_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fake(host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
        ]

    monkeypatch.setattr(ssrf, "_getaddrinfo", fake)
    with pytest.raises(ForbiddenSource, match=r"127\.0\.0\.1"):
        resolve_checked("rebind.test", 80, [])


def test_ipv4_comes_first() -> None:
    addresses = resolve_checked("localhost", 80, ["localhost"])
    assert addresses[0].version == 4
