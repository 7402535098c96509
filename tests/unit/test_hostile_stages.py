"""Hostile inputs inside the stages (issue 16): a typed rejection naming the input, never an
unexpected error that ends the item ``dead``, and never real data lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import CleanSettings, FetchSettings
from tasks.clean import clean
from tasks.errors import NotAnArticle, PermanentError
from tasks.fetch import fetch
from tasks.models import Article, RawDocument

SENTENCE = ("The harbour council met on Tuesday evening and agreed the budget for next year "
            "after a long debate about the new ferry terminal.")


def test_a_deeply_nested_json_article_is_rejected_not_dead(tmp_path: Path) -> None:
    path = tmp_path / "nested.json"
    path.write_text('{"title": "deep", "html": ' + "[" * 100_000 + "]" * 100_000 + "}")
    article = Article(id="n1", source=str(path), source_kind="file")
    with pytest.raises(NotAnArticle) as caught:
        fetch(article, FetchSettings())
    assert isinstance(caught.value, PermanentError) and caught.value.reason == "too_deep"
    assert str(path) in str(caught.value) and "levels" in str(caught.value)


def _html(content: str) -> Article:
    raw = RawDocument(content=content, content_type="html", encoding="utf-8",
                      encoding_source="inline", byte_size=len(content.encode()))
    return Article(id="p1", source="dump.jsonl#1", source_kind="inline", raw=raw)


@pytest.mark.parametrize("html", [
    f"<p>{SENTENCE}</p>",
    f"<article>{SENTENCE} {SENTENCE}</article>",
    f"  <div>{SENTENCE}</div>\n",
])
def test_html_of_one_element_is_parsed(html: str) -> None:
    # trafilatura's load_html refuses a document of one element as "not valid HTML".
    article = clean(_html(html), CleanSettings())
    assert SENTENCE in article.text
