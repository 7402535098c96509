"""OPML and CSV source lists, and the duration spellings of --every."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.errors import BadSourceList
from tasks.monitor.durations import format_duration, parse_duration
from tasks.monitor.importers import read_source_list

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>desk</title></head><body>
  <outline text="World">
    <outline text="Guardian US" type="rss" xmlUrl="https://www.theguardian.com/us/rss"
             category="us,english"/>
    <outline title="UOL" type="rss" xmlUrl="https://rss.uol.com.br/feed/noticias.xml"/>
  </outline>
  <outline text="no feed here"/>
  <outline text="Heise" xmlUrl="https://www.heise.de/developer/rss/news-atom.xml"/>
</body></opml>"""


def test_opml_outlines_become_sources_with_folder_and_category_tags(tmp_path: Path) -> None:
    path = tmp_path / "desk.opml"
    path.write_text(OPML)
    specs = read_source_list(path)
    assert [s.url for s in specs] == [
        "https://www.theguardian.com/us/rss", "https://rss.uol.com.br/feed/noticias.xml",
        "https://www.heise.de/developer/rss/news-atom.xml"]
    assert specs[0].name == "Guardian US" and specs[0].tags == ("World", "us", "english")
    assert specs[1].name == "UOL" and specs[1].tags == ("World",)
    assert specs[2].tags == ()


def test_csv_with_header_tags_and_interval(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("url,name,tags,every,language\n"
                    "https://a.example/rss,A,de;politics,2h,de\n"
                    ",,,,\n"
                    "https://b.example/sitemap.xml,,,,\n")
    specs = read_source_list(path)
    assert [(s.url, s.name, s.tags, s.every_s, s.language) for s in specs] == [
        ("https://a.example/rss", "A", ("de", "politics"), 7200.0, "de"),
        ("https://b.example/sitemap.xml", None, (), None, None)]


@pytest.mark.parametrize("text", ["no header\nhttps://a.example\n", "url,every\nhttps://a,often\n",
                                  "<opml><head/></opml>"])
def test_unreadable_lists_say_why(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad"
    path.write_text(text)
    with pytest.raises(BadSourceList):
        read_source_list(path)


def test_durations() -> None:
    assert parse_duration("90") == 90
    assert parse_duration("15m") == 900
    assert parse_duration("1h30m") == 5400
    assert parse_duration("1d") == 86400
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("soon")
    assert format_duration(5400) == "1h30m"
    assert format_duration(300) == "5m"
