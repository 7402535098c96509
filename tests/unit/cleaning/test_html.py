"""HTML extraction on a few corpus pages: text, gold snippets and gold metadata."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config.settings import CleanSettings
from tasks.clean import clean
from tasks.cleaning.fields import clean_author, iso_date, strip_site_name
from tasks.models import Article, RawDocument

CORPUS = Path("/work/shared/corpus/dev")
PAGES = ["tf-zdnet.de.facebook", "tf-fivethirtyeight.com.endorsement", "tf-bondyblog.fr.paris-8"]


def _ws(text: str) -> str:
    return " ".join(text.split())


def _clean_page(name: str) -> tuple[Article, dict[str, object]]:
    if not (CORPUS / f"{name}.html").exists():
        pytest.skip("shared corpus not mounted")
    meta = json.loads((CORPUS / f"{name}.json").read_text(encoding="utf-8"))
    data = (CORPUS / f"{name}.html").read_bytes()
    raw = RawDocument(
        content=data.decode(str(meta["encoding"]).split()[0], errors="replace"),
        content_type="html",
        encoding=str(meta["encoding"]),
        encoding_source="corpus",
        byte_size=len(data),
        final_url=str(meta["url"]),
    )
    return clean(Article(id=name, source=str(meta["url"]), raw=raw), CleanSettings()), meta


@pytest.mark.parametrize("name", PAGES)
def test_corpus_page_text_and_metadata(name: str) -> None:
    article, meta = _clean_page(name)
    assert article.text
    assert article.raw is None
    for snippet in meta["gold_with"]:  # type: ignore[attr-defined]
        assert _ws(snippet) in _ws(article.text)
    gold = meta["gold_meta"]
    assert isinstance(gold, dict)
    assert article.author == gold["author"].strip()
    assert article.published == gold["date"]
    assert article.metadata_provenance["published"].source in {"json-ld", "og", "meta", "htmldate"}
    assert "\n\n\n" not in article.text


def test_corpus_page_title_matches_gold() -> None:
    article, meta = _clean_page("tf-zdnet.de.facebook")
    gold = meta["gold_meta"]
    assert isinstance(gold, dict)
    assert article.title == gold["title"]
    assert article.metadata_provenance["title"].source == "json-ld"


def test_iso_date_and_site_name_helpers() -> None:
    assert iso_date("2022-5-7T13:43:46-05:00") == "2022-05-07"
    assert iso_date("sometime in May") is None
    assert strip_site_name("Will Smith - TV TODAY", ["TV TODAY"]) == "Will Smith"
    assert strip_site_name("Oil rises - and stocks fall", ["Example News"]) == (
        "Oil rises - and stocks fall"
    )
    assert clean_author("Par Attac France", []) == "Attac France"
    assert clean_author("Example News", ["Example News"]) is None
