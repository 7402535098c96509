"""Entries of downloaded feeds and sitemaps with their identity keys (the corpus feeds)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from tasks.errors import InputTooLarge
from tasks.monitor.entries import parse_source
from tasks.sources.items import SourceItem

FEEDS = Path("/work/shared/corpus/feeds")
pytestmark = pytest.mark.skipif(not FEEDS.is_dir(), reason="corpus feeds not present")


@pytest.mark.parametrize("name", ["guardian-us.rss", "heise-developer.atom",
                                  "npr-technology.feed.json", "sitemaps.org.sitemap.xml",
                                  "talkingpointsmemo.atom", "uol-noticias.rss",
                                  "washingtonpost-wellness.rss"])
def test_every_corpus_feed_gives_entries_with_distinct_keys(name: str) -> None:
    entries, parsed = parse_source((FEEDS / name).read_bytes(), name, 10_000_000)
    assert parsed.problem is None and entries
    assert all(e.keys for e in entries)
    firsts = [e.keys for e in entries]
    assert len(set(firsts)) == len(firsts)
    if name not in {"sitemaps.org.sitemap.xml", "uol-noticias.rss"}:  # those have no GUIDs
        assert any(k.startswith("guid:") for e in entries for k in e.keys)
    assert all(k.startswith(("guid:", "url:")) for e in entries for k in e.keys)


def test_ttl_and_update_period_are_read_as_the_declared_period() -> None:
    rss = (b'<?xml version="1.0"?><rss version="2.0" '
           b'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel><title>t</title>'
           b'<ttl>120</ttl><sy:updatePeriod>hourly</sy:updatePeriod>'
           b'<sy:updateFrequency>2</sy:updateFrequency>'
           b'<item><guid>a</guid><link>https://x.example/a</link></item></channel></rss>')
    entries, parsed = parse_source(rss, "t", 1_000_000)
    assert parsed.declared_s == 1800  # twice an hour beats a 2 h ttl: the shortest wins
    assert entries[0].keys == ("guid:a", "url:https://x.example/a")
    assert isinstance(entries[0].result, SourceItem)


def test_gzip_is_read_and_bounded() -> None:
    body = (FEEDS / "guardian-us.rss").read_bytes()
    entries, _ = parse_source(gzip.compress(body), "g", 10_000_000)
    assert entries
    with pytest.raises(InputTooLarge):
        parse_source(gzip.compress(b" " * 2_000_000), "bomb", 1_000_000)


def test_an_html_page_is_an_invalid_feed() -> None:
    entries, parsed = parse_source(b"<html><body><p>Not found</p></body></html>", "h", 10_000)
    assert not entries and parsed.problem is not None
