"""Near copies of real HTML pages recognised before clean, and never a false copy.

On the dev corpus: every page is cleaned and stored as an original (SQLite and PostgreSQL);
then, for every site with several dev pages, each page of the site other than the original
must not be recognised as a copy of it (one template, different articles); a new edition of
the page (another header, navigation, footer, sidebar and an ad block: the throughput
benchmark's near copy) and the article moved into another site's page (its template copy)
must be recognised as copies of it when its article is in ``<p>`` elements. And over every
pair of distinct dev pages, the page-copy rule takes none for a copy of another.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from urllib.parse import urlsplit

import pytest

from bench.throughput_mix import _other_template, _page_edition
from config.settings import CleanSettings, StoreSettings
from tasks.clean import clean
from tasks.errors import NotAnArticle
from tasks.models import Article
from tasks.storage import recognise
from tasks.storage.db import get_engine
from tasks.storage.page_copies import is_page_copy, page_text, shingles
from tasks.storage.repository import store_article
from tests.unit.storage.factories import CORPUS

pytestmark = pytest.mark.integration


def _pages() -> list[dict[str, str]]:
    found = []
    for path in sorted(CORPUS.glob("*.html")):
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        found.append({"name": path.stem, "url": meta.get("url") or f"https://dev.example/{path.stem}",
                      "html": path.read_text(encoding="utf-8", errors="replace")})
    return found


def _page_article(name: str, html: str) -> Article:
    return Article(id=name, batch_id="b", source=f"test://{name}", source_kind="inline",
                   inline_content=html, inline_content_type="html")


def _cleaned(page: dict[str, str]) -> Article | None:
    try:
        return clean(_page_article(page["name"], page["html"]), CleanSettings())
    except NotAnArticle:
        return None


@pytest.fixture(scope="module")
def corpus() -> list[tuple[dict[str, str], Article]]:
    if not CORPUS.exists():
        pytest.skip(f"no dev corpus at {CORPUS}")
    return [(page, done) for page in _pages() if (done := _cleaned(page)) is not None]


def test_no_two_distinct_dev_pages_are_taken_for_copies(
        corpus: list[tuple[dict[str, str], Article]]) -> None:
    texts = [shingles(done.text or "") for _page, done in corpus]
    pages = [shingles(page_text(page["html"])) for page, _done in corpus]
    false = [(corpus[i][0]["name"], corpus[j][0]["name"])
             for i in range(len(corpus)) for j in range(len(corpus))
             if i != j and is_page_copy(texts[i], pages[j])]
    assert len(corpus) > 150 and false == []


def test_same_site_pages_stay_apart_and_their_copies_are_recognised(
        db_url: str, corpus: list[tuple[dict[str, str], Article]]) -> None:
    engine, settings = get_engine(db_url), StoreSettings()
    sites: dict[str, list[tuple[dict[str, str], Article]]] = defaultdict(list)
    for page, done in corpus:
        sites[urlsplit(page["url"]).hostname or ""].append((page, done))
    shared = [group for group in sites.values() if len(group) > 1]
    assert len(shared) >= 10  # wired.com, cnn.com, bbc.com, nytimes.com...
    rng = random.Random(7)
    recognised = expected = 0
    for group in shared:
        (first, original), others = group[0], group[1:]
        store_article(engine, original.model_copy(update={"duplicate_of": None}), settings)
        strangers = [p for p, _d in corpus if urlsplit(p["url"]).hostname
                     != urlsplit(first["url"]).hostname]
        near = _page_article(f"{first['name']}-near", _page_edition(first["html"], 3))
        moved = _other_template(first, rng.choice(strangers), 5)
        candidates = [_page_article(f"{p['name']}-again", p["html"]) for p, _d in others]
        copies = [near, *([_page_article(f"{first['name']}-moved", moved["html"])]
                          if moved else [])]
        recognise.before_clean(candidates + copies, settings, engine)
        # one template, different articles: never a copy
        assert [a.id for a in candidates if a.duplicate_of is not None] == []
        if is_page_copy(original.text or "", shingles(page_text(first["html"]))):
            expected += len(copies)
            recognised += sum(a.duplicate_of == first["name"] for a in copies)
        assert all(a.duplicate_of in (None, first["name"]) for a in copies)
    assert expected and recognised >= 0.9 * expected, (recognised, expected)
