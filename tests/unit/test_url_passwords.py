"""Passwords with URL-special characters reach Redis and PostgreSQL intact, or are refused.

The round trips go through the parsers the services' clients really use (kombu's for the
broker, SQLAlchemy's for the database), so a password they would read differently fails here.
"""

from __future__ import annotations

import pytest
import redis
from kombu.utils.url import url_to_parts
from sqlalchemy.engine import make_url

from config.settings import SettingsError, load_settings

AWKWARD = "p@ss/w:rd?#%x"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NEWSFLOW_BROKER_URL", "NEWSFLOW_BROKER_PASSWORD",
                 "NEWSFLOW_DATABASE_URL", "NEWSFLOW_DATABASE_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


def test_a_raw_broker_password_reaches_kombu_and_redis_py_intact(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NEWSFLOW_BROKER_URL", "redis://redis:6379/0")
    monkeypatch.setenv("NEWSFLOW_BROKER_PASSWORD", AWKWARD)
    url = load_settings().broker_url.get_secret_value()
    parts = url_to_parts(url)
    assert (parts.hostname, parts.port, parts.password, parts.path) == (
        "redis", 6379, AWKWARD, "0")
    # the leases and politeness open their own redis-py client on the same URL
    kwargs = redis.Redis.from_url(url).connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["password"], kwargs["db"]) == ("redis", AWKWARD, 0)


def test_a_raw_database_password_reaches_sqlalchemy_intact(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NEWSFLOW_DATABASE_URL", "postgresql+psycopg://newsflow@postgres:5432/nf")
    monkeypatch.setenv("NEWSFLOW_DATABASE_PASSWORD", AWKWARD)
    url = make_url(load_settings().database_url.get_secret_value())
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "newsflow", AWKWARD, "postgres", 5432, "nf")


@pytest.mark.parametrize("url", ["redis://:ab/cd@redis:6379/0", "redis://:a@b@redis:6379/0",
                                 "redis://:ab?c@redis:6379/0"])
def test_an_unencoded_password_in_the_url_is_refused_without_printing_it(
    url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NEWSFLOW_BROKER_URL", url)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert "NEWSFLOW_BROKER_URL" in message and "NEWSFLOW_BROKER_PASSWORD" in message
    secret = url.split("://:", 1)[1].rsplit("@redis", 1)[0]
    assert secret not in message


def test_a_percent_encoded_password_in_the_url_is_accepted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NEWSFLOW_BROKER_URL", "redis://:p%40ss%2Fw@redis:6379/0")
    parts = url_to_parts(load_settings().broker_url.get_secret_value())
    assert parts.password == "p@ss/w" and parts.hostname == "redis"


def test_sqlite_paths_are_not_mistaken_for_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSFLOW_DATABASE_URL", "sqlite:///data/team@desk/newsflow.db")
    assert load_settings().database_url.get_secret_value().endswith("team@desk/newsflow.db")
