"""The compose file's `web` service (checked against the code, as tests/unit/test_compose.py
checks the others: no Docker engine here)."""

from __future__ import annotations

from tests.unit.test_compose import SERVICES, _argv


def test_web_serves_with_tokens_on_every_address() -> None:
    argv = _argv(SERVICES["web"])
    assert argv[:2] == ["newsflow", "serve"]
    assert "--no-auth" not in argv  # production asks for tokens
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
    port = argv[argv.index("--port") + 1]
    assert f"{port}:{port}" in SERVICES["web"]["ports"]
    assert "/healthz" in " ".join(SERVICES["web"]["healthcheck"]["test"])
