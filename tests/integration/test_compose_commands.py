"""docker-compose.yml's commands, run for real without Docker.

Each app service's command and environment are taken from the compose file and mapped to
local services: ``redis`` -> a private redis-server with the compose password, ``postgres``
-> a temporary PostgreSQL database, ``/data/in`` -> a temporary folder holding the seeds,
container ports and paths -> free local ones. Then: worker, worker-nlp, beat and flower come
up; flower answers only with its basic-auth credentials; the producer's one-shot command
enqueues the seeds and waits, and the two workers store them.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SEEDS
from tests.integration.services import RedisServer, free_port, temporary_database
from tests.unit.test_compose import OPERATOR_ENV, SERVICES, _argv, _interpolate

pytestmark = pytest.mark.integration

STARTED = ("worker", "worker-nlp", "beat", "flower")


class Stack:
    def __init__(self, tmp: Path, redis_url: str, database_url: str) -> None:
        self.tmp = tmp
        self.inputs = tmp / "in"
        self.inputs.mkdir()
        for seed in SEEDS.iterdir():
            shutil.copy(seed, self.inputs)
        self.redis_url = redis_url
        self.database_url = database_url
        self.ports = {name: free_port() for name in SERVICES}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def _local(self, name: str, value: str) -> str:
        """A compose value with the containers' hosts, ports and paths made local."""
        service = SERVICES[name]
        compose_broker = _interpolate(str(SERVICES["worker"]["environment"]["NEWSFLOW_BROKER_URL"]))
        compose_db = _interpolate(str(SERVICES["worker"]["environment"]["NEWSFLOW_DATABASE_URL"]))
        value = value.replace(compose_broker, self.redis_url)
        value = value.replace(compose_db, self.database_url)
        value = value.replace("/data/in", str(self.inputs))
        value = value.replace("/flower/", f"{self.tmp}/flower-")
        value = value.replace("/tmp/celerybeat-schedule", f"{self.tmp}/celerybeat-schedule")
        value = value.replace("--port=5555", f"--port={self.ports[name]}")
        if service.get("expose") and value in {str(p) for p in service["expose"]}:
            value = str(self.ports[name])  # the metrics port
        return value.replace("0.0.0.0", "127.0.0.1")

    def env(self, name: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
        for key, value in SERVICES[name]["environment"].items():
            env[key] = self._local(name, _interpolate(str(value)))
        env["NEWSFLOW_LOG_JSON"] = "false"  # readable test logs; JSON is checked elsewhere
        return env

    def argv(self, name: str) -> list[str]:
        argv = [self._local(name, part) for part in _argv(SERVICES[name])]
        programs = {"newsflow": [sys.executable, "-m", "workers"],
                    "celery": [sys.executable, "-m", "celery"]}
        return [*programs[argv[0]], *argv[1:]]

    def start(self, name: str) -> None:
        log = (self.tmp / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            self.argv(name), env=self.env(name), stdout=log, stderr=log,
            start_new_session=True, cwd=self.tmp)

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("compose")
    # The redis-server requires the operator's awkward password ('/' and '@' in it); the
    # compose URL names no password, so the workers reach it only through
    # NEWSFLOW_BROKER_PASSWORD, percent-encoded by the settings.
    redis = RedisServer(tmp, password=OPERATOR_ENV["REDIS_PASSWORD"])
    redis.start()
    try:
        with temporary_database() as database_url:
            local = Stack(tmp, f"redis://127.0.0.1:{redis.port}/0", database_url)
            for name in STARTED:
                local.start(name)
            try:
                yield local
            finally:
                local.stop()
    finally:
        redis.stop()


def _get(url: str, auth: tuple[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url)
    if auth:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def _wait_http(stack: Stack, name: str, url: str, timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        process = stack.processes[name]
        assert process.poll() is None, f"{name} exited: {stack.log(name)}"
        try:
            _get(url)
            return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"{name} did not answer on {url}: {stack.log(name)}")


def _flower_auth() -> tuple[str, str]:
    flag = next(a for a in _argv(SERVICES["flower"]) if a.startswith("--basic-auth="))
    user, password = flag.split("=", 1)[1].split(":", 1)
    return user, password


def test_flower_answers_only_with_its_credentials(stack: Stack) -> None:
    base = f"http://127.0.0.1:{stack.ports['flower']}"
    _wait_http(stack, "flower", base)
    assert _get(f"{base}/")[0] == 401
    assert _get(f"{base}/", ("ops", "wrong"))[0] == 401
    status, _ = _get(f"{base}/", _flower_auth())
    assert status == 200
    status, body = _get(f"{base}/metrics", _flower_auth())
    assert status == 200 and "flower_" in body


def test_producer_enqueues_and_the_workers_store(stack: Stack) -> None:
    for name in ("worker", "worker-nlp"):
        _wait_http(stack, name, f"http://127.0.0.1:{stack.ports[name]}/metrics")
    done = subprocess.run(stack.argv("producer"), env=stack.env("producer"), cwd=stack.tmp,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr + stack.log("worker") + stack.log("worker-nlp")
    assert "sent 2" in done.stderr

    status = subprocess.run([sys.executable, "-m", "workers", "status", "--json"],
                            env=stack.env("producer"), capture_output=True, text=True,
                            timeout=120, check=False)
    counts: dict[str, Any] = json.loads(status.stdout)["counts"]
    assert counts.get("stored") == 2, counts

    # each queue's consumer did its part: extract on worker-nlp, the rest on worker
    _, nlp = _get(f"http://127.0.0.1:{stack.ports['worker-nlp']}/metrics")
    _, cheap = _get(f"http://127.0.0.1:{stack.ports['worker']}/metrics")
    assert 'newsflow_articles_total{outcome="ok",stage="extract"} 2.0' in nlp
    assert 'newsflow_articles_total{outcome="stored",stage="store"} 2.0' in cheap
    assert not re.search(r'newsflow_articles_total\{[^}]*stage="extract"', cheap)


def test_beat_runs_with_its_schedule_file(stack: Stack) -> None:
    deadline = time.monotonic() + 60
    while not list(stack.tmp.glob("celerybeat-schedule*")) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert stack.processes["beat"].poll() is None, stack.log("beat")
    assert list(stack.tmp.glob("celerybeat-schedule*")), stack.log("beat")


def test_no_log_and_no_status_shows_a_password(stack: Stack) -> None:
    from urllib.parse import quote

    status = subprocess.run([sys.executable, "-m", "workers", "status"],
                            env=stack.env("producer"), capture_output=True, text=True,
                            timeout=120, check=False)
    assert status.returncode == 0, status.stderr
    shown = status.stdout + status.stderr + "".join(stack.log(name) for name in STARTED)
    assert "127.0.0.1" in shown  # the outputs were read: they name the services' hosts
    for password in OPERATOR_ENV.values():
        assert password not in shown and quote(password, safe="") not in shown
