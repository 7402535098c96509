"""A private PostgreSQL server for the scenarios that stop, restart or cut it off.

The machine's shared server (5432) is used by other test sessions and must never be
restarted: a scenario that restarts PostgreSQL gets its own cluster (``initdb`` in a temp
folder, ``pg_ctl`` on a free port). initdb refuses to run as root, so as root every command
runs as the ``postgres`` user (``runuser``); the folder is outside pytest's ``tmp_path``,
whose parents are private to root.

Under ``CI=true`` a missing PostgreSQL installation fails the scenario; locally it skips.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.integration.services import IN_CI, free_port

__all__ = ["PostgresServer", "postgres_bin"]


def postgres_bin() -> Path:
    """The newest ``/usr/lib/postgresql/<version>/bin`` (Debian's layout) or pg_ctl's folder."""
    root = Path("/usr/lib/postgresql")
    versions = sorted((p for p in root.glob("*/bin") if (p / "initdb").exists()),
                      key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    if versions:
        return versions[-1]
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    message = "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
    if IN_CI:
        pytest.fail(f"CI=true: {message}")
    pytest.skip(message)


class PostgresServer:
    """``start()`` (initdb on first use), ``stop()``, ``restart()``; ``url(db)``."""

    def __init__(self, listen: tuple[str, ...] = ("127.0.0.1",)) -> None:
        self.bin = postgres_bin()
        self.port = free_port()
        self.listen = listen
        self.root = Path(tempfile.mkdtemp(prefix="newsflow-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self._initialised = False

    def _run(self, *command: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        argv = [str(self.bin / command[0]), *command[1:]]
        if self.as_root:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                              check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)}: exit {done.returncode}: "
                               f"{done.stderr.strip()[-2000:]} {self.tail()}")
        return done

    def tail(self, chars: int = 2000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def _initdb(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--no-sync", "-E", "UTF8")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(f"\nlisten_addresses = '{','.join(self.listen)}'\nport = {self.port}\n"
                       "unix_socket_directories = ''\nfsync = off\nmax_connections = 200\n")
        with (self.data / "pg_hba.conf").open("a") as hba:
            for address in self.listen:
                network = ipaddress.ip_network(f"{address}/24", strict=False)
                hba.write(f"host all all {network} trust\n")
        self._initialised = True

    def start(self) -> None:
        if not self._initialised:
            self._initdb()
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                  "start")

    def stop(self, mode: str = "fast") -> None:
        if self._initialised and (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def url(self, database: str = "postgres", host: str = "127.0.0.1") -> str:
        return f"postgresql+psycopg://postgres@{host}:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            admin.dispose()
        return self.url(name)

    def wait_accepting(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            probe = subprocess.run([str(self.bin / "pg_isready"), "-h", self.listen[0], "-p",
                                    str(self.port)], capture_output=True, check=False)
            if probe.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL on {self.port} not ready: {self.tail()}")
            time.sleep(0.2)

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
