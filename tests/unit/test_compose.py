"""docker-compose.yml cannot be run here (no Docker engine), so it is checked against the code:
every `newsflow` command must parse with the real CLI, every NEWSFLOW_ variable must be a
real setting that validates, and the services the README promises must exist."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from config.settings import load_settings
from tasks.stages import STAGE_NAMES
from workers.cli import app as cli_app

REPO = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]


RAW = (REPO / "docker-compose.yml").read_text()
# What an operator puts in .env; awkward on purpose: compose hands passwords over raw.
OPERATOR_ENV = {"REDIS_PASSWORD": "r3d/is@pw", "POSTGRES_PASSWORD": "pg:pw/x@y",
                "FLOWER_PASSWORD": "fl0wer-pw"}


def _interpolate(value: str) -> str:
    """Compose's ${VAR:-default} and ${VAR:?error}, as `docker compose config` would with the
    operator's .env above (a required variable missing fails, as compose does)."""
    def required(match: re.Match[str]) -> str:
        if match[1] not in OPERATOR_ENV:
            raise AssertionError(f"compose would refuse: {match[2]}")
        return OPERATOR_ENV[match[1]]

    value = re.sub(r"\$\{(\w+):\?([^}]*)\}", required, value)
    return re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: os.environ.get(m[1], m[2]), value)


def _argv(service: dict[str, Any]) -> list[str]:
    entry = service.get("entrypoint") or []
    command = service.get("command") or []
    return [_interpolate(str(part)) for part in [*entry, *command]]


def _cli() -> Any:
    """The click command tree typer builds (typer may vendor its own click)."""
    return typer.main.get_command(cli_app)


def test_promised_services_exist() -> None:
    assert {"redis", "postgres", "worker", "worker-nlp", "flower", "producer"} <= set(SERVICES)


@pytest.mark.parametrize("name", [n for n, s in SERVICES.items() if _argv(s)[:1] == ["newsflow"]])
def test_newsflow_commands_parse_with_the_real_cli(name: str) -> None:
    argv = _argv(SERVICES[name])[1:]
    group = _cli()
    root = group.make_context("newsflow", list(argv), resilient_parsing=True)
    command = group.get_command(root, argv[0])
    assert command is not None, f"{name}: unknown command {argv[0]}"
    ctx = command.make_context(argv[0], argv[1:], parent=root)  # raises on a bad option
    if "queues" in ctx.params:
        stages = ctx.params["queues"].split(",")
        assert set(stages) <= set(STAGE_NAMES), f"{name}: unknown stage in {stages}"


def test_worker_services_cover_every_stage() -> None:
    covered: set[str] = set()
    for service in SERVICES.values():
        argv = _argv(service)
        if argv[:2] == ["newsflow", "worker"]:
            covered |= set(argv[argv.index("--queues") + 1].split(","))
    assert covered == set(STAGE_NAMES)


@pytest.mark.parametrize("name", [n for n, s in SERVICES.items() if "build" in s])
def test_app_environment_is_valid_settings(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    environment = SERVICES[name]["environment"]
    for key in list(os.environ):
        if key.startswith("NEWSFLOW_"):
            monkeypatch.delenv(key)
    for key, value in environment.items():
        assert key.startswith("NEWSFLOW_"), key
        monkeypatch.setenv(key, _interpolate(str(value)))
    settings = load_settings()
    assert settings.broker_url.get_secret_value().startswith("redis://")
    assert "@redis:6379" in settings.broker_url.get_secret_value()
    assert settings.database_url.get_secret_value().startswith("postgresql+psycopg://")
    known = {f"NEWSFLOW_{field.upper()}" for field in type(settings).model_fields}
    for key in environment:
        section, _, field = key.partition("__")
        assert section in known, f"{name}: {key} is not a setting"
        if field:
            model = type(getattr(settings, section.removeprefix("NEWSFLOW_").lower()))
            assert field.lower() in model.model_fields, f"{name}: {key} is not a setting"


@pytest.mark.parametrize("name", ["worker", "worker-nlp"])
def test_workers_serve_metrics_to_the_compose_network(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = SERVICES[name]
    for key, value in service["environment"].items():
        monkeypatch.setenv(key, _interpolate(str(value)))
    config = load_settings().metrics
    assert config.port is not None and config.address == "0.0.0.0"
    assert str(config.port) in [str(p) for p in service.get("expose", [])]


def test_flower_runs_the_real_app_behind_basic_auth() -> None:
    argv = _argv(SERVICES["flower"])
    assert argv[:3] == ["celery", "--app", "workers.app"]
    assert "flower" in argv
    assert any(a.startswith("--basic-auth=") and ":" in a.split("=", 1)[1] for a in argv)
    import importlib

    module = importlib.import_module("workers.app")
    assert module.app.main == "newsflow"


def test_redis_keeps_messages() -> None:
    argv = _argv(SERVICES["redis"])
    assert argv[argv.index("--appendonly") + 1] == "yes"
    assert argv[argv.index("--maxmemory-policy") + 1] == "noeviction"
    assert "--requirepass" in argv


def test_workers_get_time_to_finish_their_stages() -> None:
    settings = load_settings()
    for name in ("worker", "worker-nlp"):
        grace = str(SERVICES[name]["stop_grace_period"])
        assert grace.endswith("s")
        assert int(grace[:-1]) > settings.celery.soft_time_limit_s, name


def test_no_default_passwords_compose_refuses_to_start_without_them() -> None:
    assert "change-me" not in RAW
    for variable in OPERATOR_ENV:
        uses = re.findall(r"\$\{" + variable + r"(:?[-?])", RAW)
        assert uses, f"{variable} is not used"
        assert set(uses) == {":?"}, f"{variable} has a default somewhere: {uses}"


def test_flower_is_published_on_loopback_unless_the_operator_says_otherwise() -> None:
    ports = [_interpolate(str(p)) for p in SERVICES["flower"]["ports"]]
    assert ports == ["127.0.0.1:5555:5555"]


def test_awkward_passwords_reach_the_clients_intact(monkeypatch: pytest.MonkeyPatch) -> None:
    from kombu.utils.url import url_to_parts
    from sqlalchemy.engine import make_url

    for key, value in SERVICES["worker"]["environment"].items():
        monkeypatch.setenv(key, _interpolate(str(value)))
    settings = load_settings()
    broker = url_to_parts(settings.broker_url.get_secret_value())
    database = make_url(settings.database_url.get_secret_value())
    assert (broker.hostname, broker.password) == ("redis", OPERATOR_ENV["REDIS_PASSWORD"])
    assert (database.host, database.password) == ("postgres", OPERATOR_ENV["POSTGRES_PASSWORD"])
