"""One database for the web tests, filled by a real `newsflow run` of the seeds, the dev
corpus, a hostile article (script tags, event handlers, javascript: links in its text, title,
publisher and URL) and an empty file (a failed item to replay); then a real `newsflow serve`
on a free local port, with tokens made by `newsflow tokens create`.

The server's broker is kombu's filesystem transport in the test's folder, so a replay really
sends a message, and a `newsflow worker` on the same folder can take it to its end.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import CORPUS_DEV, SEEDS

HOSTILE_TEXT = (
    "The city council of Lyon voted on new cycle lanes <script>document.title='pwned-script'"
    "</script> on Tuesday evening after a long debate.\n\n"
    "Shopkeepers fear an <img src=x onerror=\"document.title='pwned-onerror'\"> image of empty "
    "streets and a <a href=\"javascript:document.title='pwned-link'\">javascript: link</a> in "
    "the council's notice. <svg onload=\"document.title='pwned-svg'\"></svg> The works start "
    "in spring and last two years, the mayor Grégory Doucet said.\n\n"
    "Cycling associations welcomed a decision they had waited for, and the opposition asked "
    "for compensation for the shops of the city centre during the works."
)
HOSTILE = {
    "url": "javascript:document.title='pwned-url'",
    "title": "Cycle lanes <script>document.title='pwned-title'</script> for Lyon",
    "publisher": "<b onmouseover=\"document.title='pwned-pub'\">Evil Press</b>",
    "published": "2022-03-01",
    "text": HOSTILE_TEXT,
}


def newsflow(
    env: dict[str, str], *args: str, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "workers", *args], env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


@dataclass
class WebSite:
    url: str
    env: dict[str, str]
    workdir: Path
    read_token: str
    operator_token: str
    hostile_id: str
    empty_path: Path

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, server: subprocess.Popen[str], deadline_s: float = 120) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if server.poll() is not None:
            errors = server.stderr.read() if server.stderr else ""
            raise AssertionError(f"newsflow serve exited: {errors}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"newsflow serve did not answer /healthz within {deadline_s} s")


@pytest.fixture(scope="session")
def website(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSite]:
    workdir = tmp_path_factory.mktemp("web")
    inputs = workdir / "in"
    inputs.mkdir()
    (inputs / "hostile.jsonl").write_text(json.dumps(HOSTILE) + "\n", encoding="utf-8")
    empty = inputs / "empty.txt"
    empty.write_bytes(b"")
    (workdir / "broker").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    env["NEWSFLOW_DATABASE_URL"] = f"sqlite:///{workdir / 'newsflow.db'}"
    env["NEWSFLOW_BROKER_URL"] = f"filesystem://{workdir / 'broker'}"
    env["NEWSFLOW_LOG_LEVEL"] = "WARNING"
    # Watch tests post to a receiver on loopback: exempt from the SSRF guard, as fetch tests do.
    env["NEWSFLOW_WATCHES__ALLOW_PRIVATE_HOSTS"] = '["127.0.0.1"]'
    done = newsflow(env, "run", str(SEEDS), str(CORPUS_DEV), str(inputs))
    assert done.returncode == 0, done.stderr[-3000:]
    tokens = {}
    for role in ("read", "operator"):
        made = newsflow(env, "tokens", "create", "--role", role, "--name", f"tests {role}")
        assert made.returncode == 0, made.stderr
        # The token alone on stdout (TOKEN=$(newsflow tokens create) works); notes on stderr.
        assert re.fullmatch(r"nf_[A-Za-z0-9_-]{43}\n", made.stdout), made.stdout
        assert "shown only this once" in made.stderr
        tokens[role] = made.stdout.strip()
    exported = newsflow(env, "export", "--format", "jsonl")
    hostile_id = next(json.loads(line)["id"] for line in exported.stdout.splitlines()
                      if "Evil Press" in line)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "workers", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        _wait_healthy(url, server)
        yield WebSite(url, env, workdir, tokens["read"], tokens["operator"], hostile_id, empty)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def drain(site: WebSite, deadline_s: float = 300) -> dict[str, int]:
    """Run a real worker on the server's broker until no item is in flight (a replayed item
    must end terminal again); returns the final counts by state. Only the cheap queues: a
    replayed file is read inside its clean message."""
    worker = subprocess.Popen(
        [sys.executable, "-m", "workers", "worker", "--queues", "fetch,clean",
         "--concurrency", "1"],
        env=site.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        end = time.monotonic() + deadline_s
        while True:
            status = newsflow(site.env, "status", "--json")
            assert status.returncode == 0, status.stderr
            report = json.loads(status.stdout)
            if report["in_flight"] == 0:
                return dict(report["counts"])
            assert time.monotonic() < end, f"items still in flight: {report}"
            assert worker.poll() is None, "the worker stopped"
            time.sleep(0.5)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
