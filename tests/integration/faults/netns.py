"""A network namespace joined to the host by a veth pair: a "host" whose link can be cut.

``ip netns add``, a veth pair with one end moved into the namespace, a /24 of its own
(host end ``.1``, namespace end ``.2``). Services that the namespace must reach listen on
the host end's address; a process started with ``prefix`` runs inside. ``cut()`` sets the
host end down (the namespace end loses its carrier: packets are dropped, connections are
not reset, exactly like a pulled cable or a dead switch port); ``restore()`` sets it up.

Needs root and iproute2. Locally, without them, the scenario skips; under ``CI=true`` it
fails with what is missing.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess

import pytest

from tests.integration.services import IN_CI

__all__ = ["Namespace", "require_root"]


def require_root(what: str) -> None:
    """Skip (locally) or fail (``CI=true``) when this process cannot do ``what`` as root."""
    missing = []
    if os.geteuid() != 0:
        missing.append("root")
    if shutil.which("ip") is None:
        missing.append("iproute2 (`ip`)")
    if not missing:
        return
    message = f"{what} needs {' and '.join(missing)}"
    if IN_CI:
        pytest.fail(f"CI=true: {message}")
    pytest.skip(message)


def _ip(*args: str) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {done.stderr.strip()}")


class Namespace:
    def __init__(self) -> None:
        require_root("a network namespace")
        tag = f"{os.getpid() % 10000:04d}{random.randrange(100):02d}"
        self.name = f"nf{tag}"
        self.host_link = f"nfh{tag}"  # interface names: at most 15 characters
        self.inner_link = f"nfn{tag}"
        subnet = f"10.{random.randrange(200, 250)}.{random.randrange(1, 250)}"
        self.host_address = f"{subnet}.1"
        self.inner_address = f"{subnet}.2"
        self.created = False

    @property
    def prefix(self) -> list[str]:
        """Put before a command to run it inside (``ip netns exec`` execs it: same pid)."""
        return ["ip", "netns", "exec", self.name]

    def create(self) -> None:
        _ip("netns", "add", self.name)
        self.created = True
        _ip("link", "add", self.host_link, "type", "veth", "peer", "name", self.inner_link)
        _ip("link", "set", self.inner_link, "netns", self.name)
        _ip("addr", "add", f"{self.host_address}/24", "dev", self.host_link)
        _ip("link", "set", self.host_link, "up")
        _ip("-n", self.name, "addr", "add", f"{self.inner_address}/24", "dev",
            self.inner_link)
        _ip("-n", self.name, "link", "set", self.inner_link, "up")
        _ip("-n", self.name, "link", "set", "lo", "up")

    def cut(self) -> None:
        _ip("link", "set", self.host_link, "down")

    def restore(self) -> None:
        _ip("link", "set", self.host_link, "up")

    def destroy(self) -> None:
        """Delete the namespace (its veth end goes with it, and the pair with that end)."""
        if self.created:
            subprocess.run(["ip", "netns", "del", self.name], capture_output=True,
                           check=False)
            subprocess.run(["ip", "link", "del", self.host_link], capture_output=True,
                           check=False)
            self.created = False
