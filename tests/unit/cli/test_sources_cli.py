"""``newsflow sources``: add, import, list, show, pause, resume, remove on a SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.unit.cli.conftest import Cli


def test_add_list_pause_resume_remove(cli: Cli) -> None:
    first = cli("sources", "add", "https://www.example.com/feed.xml", "--every", "30m",
                "--name", "Ex", "--tag", "world")
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == "1"
    again = cli("sources", "add", "http://example.com/feed.xml", "--tag", "uk")
    assert again.stdout.strip() == "1" and "already registered" in again.stderr
    cli("sources", "add", "https://other.example/rss")
    rows = [json.loads(line) for line in cli("sources", "list", "--json").stdout.splitlines()]
    assert [(r["id"], r["tags"], r["every_s"]) for r in rows] == [
        (1, ["uk", "world"], 1800.0), (2, [], None)]
    tagged = cli("sources", "list", "--tag", "world").stdout.splitlines()
    assert len(tagged) == 1 and tagged[0].startswith("1\tactive\tnew\t")
    assert cli("sources", "pause", "1").exit_code == 0
    assert cli("sources", "list").stdout.splitlines()[0].startswith("1\tpaused")
    assert cli("sources", "resume", "1").exit_code == 0
    assert cli("sources", "remove", "2").exit_code == 0
    assert [json.loads(x)["id"] for x in cli("sources", "list", "--json").stdout.splitlines()] \
        == [1]
    assert cli("sources", "list", "--unhealthy").stdout == ""
    shown = json.loads(cli("sources", "show", "1", "--json").stdout)
    assert shown["name"] == "Ex" and shown["events"] == []
    assert shown["items_per_day_7d"] == 0 and shown["rejected_share"] is None
    assert shown["unhealthy"] is False


def test_bad_input_exits_2_with_a_reason(cli: Cli) -> None:
    bad_url = cli("sources", "add", "ftp://example.com/x")
    assert bad_url.exit_code == 2 and "http(s)" in bad_url.stderr
    bad_every = cli("sources", "add", "https://a.example/rss", "--every", "often")
    assert bad_every.exit_code == 2
    cli("sources", "add", "https://a.example/rss")
    assert cli("sources", "show", "42").exit_code == 2
    assert cli("sources", "pause", "x").exit_code == 2


def test_import_opml_and_csv(cli: Cli, tmp_path: Path) -> None:
    opml = tmp_path / "desk.opml"
    opml.write_text('<?xml version="1.0"?><opml version="2.0"><body>'
                    '<outline text="W"><outline text="A" xmlUrl="https://a.example/rss"/>'
                    '</outline></body></opml>')
    csv = tmp_path / "more.csv"
    csv.write_text("url,tags\nhttps://a.example/rss,x\nhttps://b.example/atom,y\nnot a url,\n")
    done = cli("sources", "import", str(opml), "--tag", "desk")
    assert done.exit_code == 0 and "1 added" in done.stderr
    done = cli("sources", "import", str(csv))
    assert "1 added, 1 already registered, 1 refused" in done.stderr
    rows = [json.loads(x) for x in cli("sources", "list", "--json").stdout.splitlines()]
    assert [(r["url"], r["tags"]) for r in rows] == [
        ("https://a.example/rss", ["W", "desk", "x"]), ("https://b.example/atom", ["y"])]
