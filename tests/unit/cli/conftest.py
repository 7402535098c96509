"""Running ``newsflow`` in-process against a SQLite file of the test's own."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from config.settings import get_settings
from tasks.storage.db import dispose_engines, migrate
from workers.cli import app

Cli = Callable[..., Result]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "newsflow.db"


@pytest.fixture
def migrated(db_path: Path) -> str:
    url = f"sqlite:///{db_path}"
    migrate(url)
    return url


@pytest.fixture
def cli(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """``cli("search", "x")``: the command's Result (stdout, stderr, exit_code apart)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    monkeypatch.setenv("NEWSFLOW_DATABASE_URL", f"sqlite:///{db_path}")
    monkeypatch.setenv("COLUMNS", "60")

    def run(*args: str, **env: str) -> Result:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        return CliRunner().invoke(app, list(args))

    yield run
    get_settings.cache_clear()
    root.handlers[:], root.level = handlers, level
    dispose_engines()
