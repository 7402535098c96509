"""``newsflow watches``: add, list, show, test, remove, in-process on a SQLite file, posting
to a loopback receiver."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.unit.cli.conftest import Cli
from tests.unit.watches.receiver import Receiver

LOOPBACK = {"NEWSFLOW_WATCHES__ALLOW_PRIVATE_HOSTS": '["127.0.0.1"]'}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver(secret="k3y").start()
    yield running
    running.stop()


def test_add_list_show_test_remove(cli: Cli, receiver: Receiver) -> None:
    added = cli("watches", "add", "nato", "--query", "NATO", "--webhook", receiver.url,
                "--secret", "k3y", **LOOPBACK)
    assert added.exit_code == 0, added.stderr
    watch_id = added.stdout.strip()
    assert len(watch_id) == 16

    listed = cli("watches", "list", "--json")
    [row] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert (row["id"], row["name"], row["query"], row["scope"]) == (watch_id, "nato", "NATO",
                                                                    "articles")
    assert "secret" not in row
    assert cli("watches", "list").stdout.split("\t")[:2] == [watch_id, "nato"]  # a pipe

    shown = cli("watches", "show", watch_id[:6])
    assert shown.exit_code == 0 and json.loads(shown.stdout)["recent"] == []

    tested = cli("watches", "test", watch_id)
    assert tested.exit_code == 0 and json.loads(tested.stdout)["ok"] is True
    assert receiver.received[0].signed and receiver.received[0].body["event"] == "watch.test"

    receiver.status = 500
    assert cli("watches", "test", watch_id).exit_code == 1

    assert cli("watches", "pause", watch_id).exit_code == 0
    assert json.loads(cli("watches", "list", "--json").stdout)["active"] is False
    assert cli("watches", "resume", watch_id).exit_code == 0
    assert json.loads(cli("watches", "list", "--json").stdout)["active"] is True

    assert cli("watches", "remove", watch_id).exit_code == 0
    assert cli("watches", "list", "--json").stdout == ""
    assert cli("watches", "show", watch_id).exit_code == 2


def test_a_generated_secret_is_printed_once_on_stderr(cli: Cli, receiver: Receiver) -> None:
    added = cli("watches", "add", "g", "--entity", "OTAN", "--webhook", receiver.url,
                **LOOPBACK)
    assert added.exit_code == 0 and "secret (HMAC-SHA256" in added.stderr
    [row] = [json.loads(line) for line in cli("watches", "list", "--json").stdout.splitlines()]
    assert row["entities"] == ["OTAN", "NATO"]  # the alias table's canonical name too


@pytest.mark.parametrize("args", [
    ["watches", "add", "x", "--webhook", "http://127.0.0.1:9/h"],  # nothing to match
    ["watches", "add", "x", "--query", "q", "--webhook", "gopher://127.0.0.1/"],
    ["watches", "add", "x", "--query", "q"],  # no webhook
    ["watches", "show", "nosuchid"],
    ["watches", "remove", "nosuchid"],
], ids=" ".join)
def test_usage_errors_exit_2(cli: Cli, migrated: str, args: list[str]) -> None:
    assert cli(*args, **LOOPBACK).exit_code == 2


def test_a_loopback_webhook_is_refused_without_the_setting(cli: Cli, receiver: Receiver) -> None:
    done = cli("watches", "add", "lo", "--query", "q", "--webhook", receiver.url)
    assert done.exit_code == 2 and "watches.allow_private_hosts" in done.stderr


def test_a_taken_name_is_refused(cli: Cli, receiver: Receiver) -> None:
    args = ("watches", "add", "same", "--query", "q", "--webhook", receiver.url)
    assert cli(*args, **LOOPBACK).exit_code == 0
    done = cli(*args, **LOOPBACK)
    assert done.exit_code == 2 and "exists already" in done.stderr
