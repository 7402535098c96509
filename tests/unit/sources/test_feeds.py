from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tasks.sources import SourceItem, iter_sources

FEEDS = Path("/work/shared/corpus/feeds")
pytestmark = pytest.mark.skipif(not FEEDS.is_dir(), reason="corpus feeds not present")


def _expected_entries(path: Path) -> int:
    """Count entries straight from the file, independently of the reader under test."""
    data = path.read_bytes()
    if path.name.endswith(".json"):
        return len(json.loads(data)["items"])
    pattern = {".rss": rb"<item[\s>]", ".atom": rb"<entry[\s>]", ".xml": rb"<url[\s>]"}
    return len(re.findall(pattern[path.suffix], data))


@pytest.mark.parametrize(
    "name",
    [
        "guardian-us.rss",
        "heise-developer.atom",
        "npr-technology.feed.json",
        "sitemaps.org.sitemap.xml",
        "talkingpointsmemo.atom",
        "uol-noticias.rss",
        "washingtonpost-wellness.rss",
    ],
)
def test_each_feed_yields_one_item_per_entry_with_hints(name: str) -> None:
    path = FEEDS / name
    results = list(iter_sources([str(path)]))
    assert len(results) == _expected_entries(path) > 0
    assert all(isinstance(r, SourceItem) for r in results)
    items = [r for r in results if isinstance(r, SourceItem)]
    for item in items:
        assert item.hints.url and item.hints.url.startswith(("http://", "https://"))
        assert item.hints.published
        if item.source_kind == "url":
            assert item.source == item.hints.url and item.item_key.startswith("url:")
        else:
            assert item.inline_content and item.item_key.startswith("feed:")
    if not name.endswith(".xml"):  # feeds, unlike sitemaps, have titles and a publisher
        assert all(item.hints.title for item in items)
        assert all(item.hints.publisher for item in items)
    assert len({item.item_key for item in items}) == len(items)


def test_relative_atom_links_are_made_absolute() -> None:
    items = [r for r in iter_sources([str(FEEDS / "talkingpointsmemo.atom")])]
    assert all(isinstance(i, SourceItem) for i in items)
    first = items[0]
    assert isinstance(first, SourceItem)
    assert first.hints.url == (
        "http://talkingpointsmemo.com/livewire/"
        "hannity-announces-fox-hired-sebastian-gorka-national-security-strategist"
    )
    # TPM carries full articles: they travel inline, no download needed
    assert first.source_kind == "inline" and first.inline_content_type == "html"
    assert "Sebastian Gorka" in (first.inline_content or "")


def test_teaser_feeds_become_url_items() -> None:
    items = list(iter_sources([str(FEEDS / "heise-developer.atom")]))
    assert {i.source_kind for i in items if isinstance(i, SourceItem)} == {"url"}


def test_latin1_feed_without_declaration_is_decoded() -> None:
    items = [
        i for i in iter_sources([str(FEEDS / "uol-noticias.rss")]) if isinstance(i, SourceItem)
    ]
    assert items[0].hints.title is not None and "simulações" in items[0].hints.title
    assert items[0].hints.published == "Seg, 24 Set 2018 19:42:40 -0300"  # left for clean


def test_json_feed_hints() -> None:
    items = [
        i
        for i in iter_sources([str(FEEDS / "npr-technology.feed.json")])
        if isinstance(i, SourceItem)
    ]
    assert items[0].hints.publisher == "Technology"
    assert items[0].hints.title == "Keller Rinaudo: How can delivery drones save lives?"
    # utm_* tracking parameters do not split identities
    assert "utm_" not in items[0].item_key and "utm_" in items[0].source
