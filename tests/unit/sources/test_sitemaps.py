from __future__ import annotations

import gzip
from pathlib import Path

from tasks.sources import SourceItem, SourceProblem, iter_sources

NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
NEWS_NS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'


def _urlset(urls: list[str]) -> str:
    body = "".join(
        f"<url><loc>{u}</loc><lastmod>2024-01-0{i + 1}</lastmod></url>" for i, u in enumerate(urls)
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset {NS}>{body}</urlset>'


def test_sitemap_index_with_local_children(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_text(_urlset(["https://n.example/1", "https://n.example/2"]))
    (tmp_path / "b.xml.gz").write_bytes(gzip.compress(_urlset(["https://n.example/3"]).encode()))
    index = tmp_path / "sitemap_index.xml"
    index.write_text(
        f'<?xml version="1.0"?><sitemapindex {NS}>'
        "<sitemap><loc>a.xml</loc></sitemap>"
        "<sitemap><loc>https://n.example/b.xml.gz</loc></sitemap>"  # mirrored next to the index
        "<sitemap><loc>https://n.example/missing.xml</loc></sitemap>"
        "</sitemapindex>"
    )
    results = list(iter_sources([str(index)]))
    items = [r for r in results if isinstance(r, SourceItem)]
    problems = [r for r in results if isinstance(r, SourceProblem)]
    assert [i.source for i in items] == [
        "https://n.example/1",
        "https://n.example/2",
        "https://n.example/3",
    ]
    assert [i.hints.published for i in items] == ["2024-01-01", "2024-01-02", "2024-01-01"]
    assert len(problems) == 1 and problems[0].reason == "not_found"
    assert "missing.xml" in problems[0].message


def test_index_that_refers_to_itself(tmp_path: Path) -> None:
    index = tmp_path / "loop.xml"
    index.write_text(f"<sitemapindex {NS}><sitemap><loc>loop.xml</loc></sitemap></sitemapindex>")
    results = list(iter_sources([str(index)]))
    assert [r.reason for r in results if isinstance(r, SourceProblem)] == ["cycle"]


def test_news_sitemap_hints(tmp_path: Path) -> None:
    path = tmp_path / "news.xml"
    path.write_text(
        f"<urlset {NS} {NEWS_NS}><url><loc>https://n.example/story</loc><news:news>"
        "<news:publication><news:name>The Example Times</news:name>"
        "<news:language>en</news:language></news:publication>"
        "<news:publication_date>2024-05-06T07:08:09Z</news:publication_date>"
        "<news:title>Big story</news:title></news:news></url></urlset>"
    )
    (item,) = list(iter_sources([str(path)]))
    assert isinstance(item, SourceItem)
    assert item.hints.title == "Big story"
    assert item.hints.published == "2024-05-06T07:08:09Z"
    assert item.hints.publisher == "The Example Times"
    assert item.hints.language == "en"


def test_malformed_sitemap_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(f"<urlset {NS}><url><loc>https://n.example/1</loc></url><url>")
    results = list(iter_sources([str(path)]))
    assert isinstance(results[-1], SourceProblem) and results[-1].reason == "invalid_sitemap"
    assert isinstance(results[0], SourceItem)
