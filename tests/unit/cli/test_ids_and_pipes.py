"""Ids as people and scripts pass them: whole values in pipes, unique prefixes accepted."""

from __future__ import annotations

import json

import pytest
from rich.console import Console
from sqlalchemy import Engine

from config.settings import StoreSettings
from tasks.storage import ledger
from tasks.storage.db import get_engine
from tasks.storage.repository import store_article
from tests.unit.cli.conftest import Cli
from tests.unit.storage.factories import article, entity
from workers.cli import output

LONG_A = "13617e602b" + "0" * 30  # 40 characters, as the producer's ids
LONG_B = "13617e602b" + "1" * 30
OTHER = "9f0c" + "2" * 36


@pytest.fixture
def stored(migrated: str) -> Engine:
    engine = get_engine(migrated)
    settings = StoreSettings()
    for item_id, body in ((LONG_A, "The harbour of Marseille reopened after the storm."),
                          (LONG_B, "A mountain village in the Alps counts its harbour boats.")):
        ledger.record_enqueued(engine, [article(item_id, body)])
        store_article(engine, article(item_id, body, entities=[
            entity("Marseille Harbour Authority", "ORG", "Marseille Harbour Authority")]),
            settings)
    ledger.record_enqueued(engine, [article(OTHER, "never stored")])
    ledger.record_rejected(engine, OTHER, "clean", "empty", "no text left after cleaning " * 9)
    return engine


def test_piped_search_prints_whole_ids_that_show_takes(cli: Cli, stored: Engine) -> None:
    done = cli("search", "harbour")
    assert done.exit_code == 0, done.output
    rows = [line.split("\t") for line in done.stdout.splitlines()]
    assert sorted(row[0] for row in rows) == [LONG_A, LONG_B]
    assert all(len(row) == 6 for row in rows) and "…" not in done.stdout
    shown = cli("show", rows[0][0])
    assert shown.exit_code == 0 and json.loads(shown.stdout)["id"] == rows[0][0]


def test_piped_lists_are_tab_separated_whole_values(cli: Cli, stored: Engine) -> None:
    failed = cli("failed").stdout.splitlines()
    assert len(failed) == 1
    item, state, stage, reason, _source, error, attempts = failed[0].split("\t")
    assert (item, state, stage, reason, attempts) == (OTHER, "rejected", "clean", "empty", "0")
    assert error == "no text left after cleaning " * 9 and len(error) > 120
    stories = [line.split("\t") for line in cli("stories").stdout.splitlines()]
    assert all(len(row) == 6 and len(row[0]) > 8 for row in stories)
    named = [line.split("\t") for line in cli("entities").stdout.splitlines()]
    assert ["Marseille Harbour Authority", "ORG", "2", "Marseille Harbour Authority"] in named


def test_a_terminal_gets_a_table_that_folds_ids_instead_of_cutting_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = Console(force_terminal=True, width=40, record=True)
    monkeypatch.setattr(output, "out", terminal)
    output.print_rows([("id", lambda r: r), ("title", lambda r: "a title " * 6)], [LONG_A])
    text = terminal.export_text()
    assert "…" not in "".join(line for line in text.splitlines() if LONG_A[:10] in line)
    assert LONG_A in "".join(line.split("│")[1].strip() for line in text.splitlines()
                             if line.count("│") >= 3)


def test_show_takes_a_unique_prefix_of_an_article_or_an_item(cli: Cli, stored: Engine) -> None:
    done = cli("show", LONG_A[:12])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["id"] == LONG_A
    item = cli("show", OTHER[:5])  # not stored: its ledger row
    assert item.exit_code == 0 and json.loads(item.stdout)["state"] == "rejected"
    assert json.loads(cli("show", LONG_A).stdout)["id"] == LONG_A  # the whole id


def test_an_ambiguous_prefix_lists_the_candidates(cli: Cli, stored: Engine) -> None:
    done = cli("show", "13617e")
    assert done.exit_code == 2
    assert "'13617e' is ambiguous" in done.stderr
    assert LONG_A in done.stderr and LONG_B in done.stderr and done.stdout == ""


def test_an_unknown_id_is_a_usage_error(cli: Cli, stored: Engine) -> None:
    done = cli("show", "ffff")
    assert done.exit_code == 2
    assert "no article or item with id 'ffff'" in done.stderr


def test_replay_resolves_prefixes_in_the_ledger(
    cli: Cli, stored: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workers.producer import replay as producer

    sent: list[str] = []
    monkeypatch.setattr(producer, "send_articles",
                        lambda app, settings, articles: sent.extend(a.id for a in articles))
    assert cli("replay", "13617e").exit_code == 2  # ambiguous: nothing sent
    assert cli("replay", "zz").exit_code == 2
    assert sent == []
    done = cli("replay", OTHER[:6])
    assert done.exit_code == 0, done.output
    assert sent == [OTHER] and "replayed 1 items" in done.stderr


def test_story_filters_take_a_unique_prefix(cli: Cli, stored: Engine) -> None:
    from tasks.storage.catalog import list_stories

    story_ids = sorted(str(s["id"]) for s in list_stories(stored))
    assert story_ids
    story = story_ids[0]
    whole = cli("export", "--story", story).stdout
    assert whole and cli("export", "--story", story[:-5]).stdout == whole
    found = cli("search", "harbour", "--story", story[:-5], "--json").stdout.splitlines()
    assert found and all(json.loads(line)["story_id"] == story for line in found)
    unknown = cli("export", "--story", "no-such-story")
    assert unknown.exit_code == 2 and "no story with id 'no-such-story'" in unknown.stderr


def test_source_filter_takes_a_path_or_its_beginning(cli: Cli, stored: Engine) -> None:
    # The factory's sources are test://<item id>: a prefix of one id, of both, of none.
    one = cli("export", "--source", f"test://{LONG_A[:12]}")
    both = cli("search", "harbour", "--source", "test://13617e")
    none = cli("export", "--source", "test://13617e_")  # "_" is no wildcard
    assert [json.loads(line)["id"] for line in one.stdout.splitlines()] == [LONG_A]
    assert sorted(line.split("\t")[0] for line in both.stdout.splitlines()) == [LONG_A, LONG_B]
    assert none.exit_code == 0 and none.stdout == ""
