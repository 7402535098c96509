"""Real Redis and PostgreSQL for integration tests: found, started, or a loud failure.

Locally, an unreachable service skips the integration tests with the reason. Under
``CI=true`` they must run: the service is started with the machine's own commands, and if
it still cannot be reached the test session fails with what was tried.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

__all__ = [
    "POSTGRES_ADMIN_URL",
    "REDIS_URL",
    "RedisServer",
    "free_port",
    "require_postgres",
    "require_redis",
    "temporary_database",
]

REDIS_URL = os.environ.get("NEWSFLOW_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_ADMIN_URL = os.environ.get(
    "NEWSFLOW_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _start(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{' '.join(command)}: {exc}"
    return f"{' '.join(command)}: exit {done.returncode} {done.stderr.strip()[:300]}"


def _require(name: str, port: int, start_commands: list[list[str]]) -> None:
    if _reachable("127.0.0.1", port):
        return
    if not IN_CI:
        pytest.skip(f"{name} is not reachable on 127.0.0.1:{port} (set CI=true to start it)")
    tried = [_start(cmd) for cmd in start_commands]
    for _ in range(60):
        if _reachable("127.0.0.1", port):
            return
        time.sleep(0.5)
    pytest.fail(f"CI=true and {name} is unreachable on 127.0.0.1:{port}; tried: {tried}")


def require_redis() -> str:
    _require("Redis", 6379, [[
        "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379",
        "--save", "", "--appendonly", "no", "--dir", "/tmp",
    ]])
    return REDIS_URL


def require_postgres() -> str:
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    commands = [["pg_ctlcluster", "--skip-systemctl-redirect", v, "main", "start"]
                for v in versions]
    _require("PostgreSQL", 5432, commands)
    return POSTGRES_ADMIN_URL


@contextmanager
def temporary_database(prefix: str = "newsflow_test") -> Iterator[str]:
    """A fresh PostgreSQL database for one test session, dropped afterwards."""
    from sqlalchemy import create_engine, text

    admin = create_engine(require_postgres(), isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        from tasks.storage.db import dispose_engines

        dispose_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A private redis-server on a free port, for tests that stop or restart Redis."""

    def __init__(self, workdir: Path, password: str | None = None,
                 bind: tuple[str, ...] = ("127.0.0.1",)) -> None:
        if shutil.which("redis-server") is None:
            pytest.fail("redis-server is not installed (apt-get install redis-server)")
        self.port = free_port()
        self.workdir = workdir
        self.password = password
        self.bind = bind
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", *self.bind,
                   "--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
        if self.password:
            command += ["--requirepass", self.password]
        elif any(address != "127.0.0.1" for address in self.bind):
            # A test network (a namespace's veth): without it Redis only answers loopback.
            command += ["--protected-mode", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        for _ in range(100):
            if _reachable("127.0.0.1", self.port):
                return
            time.sleep(0.05)
        pytest.fail(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None
