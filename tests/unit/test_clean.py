"""The clean stage on the two seed articles, inline input, hints and failure modes."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import CleanSettings
from tasks.clean import clean
from tasks.errors import NotAnArticle, UnsupportedContent
from tasks.models import Article, RawDocument, SourceHints

SEEDS = Path("/work/shared/seeds")
SEED_000 = SEEDS / "000_dd7157ff7ca190b8.txt"
SEED_002 = SEEDS / "002_7f261bbe20e88e81.txt"
needs_seeds = pytest.mark.skipif(not SEED_000.exists(), reason="shared seeds not mounted")


def _raw_text(content: str) -> Article:
    raw = RawDocument(
        content=content,
        content_type="text",
        encoding="utf-8",
        encoding_source="utf-8",
        byte_size=len(content.encode()),
    )
    return Article(id="t1", source="seed.txt", raw=raw)


@needs_seeds
def test_seed_002_title_publisher_and_removals() -> None:
    article = clean(_raw_text(SEED_002.read_text(encoding="utf-8")), CleanSettings())
    assert article.title == "Russian representative takes stock of negotiations with NATO"
    assert article.publisher == "RT in French"
    assert article.metadata_provenance["title"].source == "text-heuristic"
    reasons = [(r.reason, r.text[:30]) for r in article.removed]
    assert reasons[0] == ("navigation", "Skip to content")
    assert reasons[1][0] == "title_line"
    assert reasons[2][0] == "machine_translation_disclaimer"
    assert article.removed[2].text.startswith("Toutes les actualités du site")
    assert article.text is not None
    assert "Skip to content" not in article.text
    assert "RT in French" not in article.text
    assert "Toutes les actualités" not in article.text
    assert article.text.startswith("Russian Deputy Foreign Minister Alexander Grushko holds")
    assert article.raw is None


@needs_seeds
def test_seed_000_publisher_credits_and_rubric() -> None:
    article = clean(_raw_text(SEED_000.read_text(encoding="utf-8")), CleanSettings())
    assert article.publisher == "RIA Novosti"
    assert article.metadata_provenance["publisher"].source == "text-heuristic"
    assert article.title is None  # no title line in the text: none is invented
    removed = {r.text: r.reason for r in article.removed}
    assert removed == {
        'GSV "Russia - Islamic World"': "rubric",
        "Photo: EPA / OLIVIER HOSLET / POOL / TASS": "photo_credit",
        "Based on materials from RIA Novosti": "agency_credit",
    }
    assert article.text is not None
    assert article.text.endswith("the bloc's information office in Moscow.")
    assert len(article.paragraphs) == 8
    assert "\n\n\n" not in article.text


def test_inline_text_with_hints_fills_missing_fields() -> None:
    body = "A first long sentence about the meeting in Brussels today.\n" * 3
    article = Article(
        id="t2",
        source="inline",
        source_kind="inline",
        inline_content=body,
        inline_content_type="text",
        hints=SourceHints(
            title="Meeting", published="2022-01-12T10:00:00Z", url="https://x.test/a"
        ),
    )
    article = clean(article, CleanSettings())
    assert article.title == "Meeting"
    assert article.published == "2022-01-12"
    assert article.canonical_url == "https://x.test/a"
    assert article.metadata_provenance["title"].source == "hint"


def test_text_is_normalised() -> None:
    content = "CafÃ©  owners\tmet   today to discuss the new rules for the terrace season.\n"
    article = clean(_raw_text(content + content.upper()), CleanSettings())
    assert article.text is not None
    assert (
        article.paragraphs[0]
        == "Café owners met today to discuss the new rules for the terrace season."
    )


def test_no_content_is_unsupported() -> None:
    with pytest.raises(UnsupportedContent):
        clean(Article(id="t3", source="nothing"), CleanSettings())


def test_empty_html_is_not_an_article() -> None:
    raw = RawDocument(
        content="<html><body><nav>Menu</nav></body></html>",
        content_type="html",
        encoding="utf-8",
        encoding_source="utf-8",
        byte_size=40,
    )
    with pytest.raises(NotAnArticle):
        clean(Article(id="t4", source="empty.html", raw=raw), CleanSettings())


def test_boilerplate_only_text_is_not_an_article() -> None:
    with pytest.raises(NotAnArticle) as info:
        clean(_raw_text("Skip to content\nMenu\nShare\nSubscribe\n"), CleanSettings())
    assert info.value.reason == "not_an_article"


@pytest.mark.parametrize("hostile", ["javascript:alert(document.cookie)", " JavaScript:void(0)",
                                     "data:text/html,<script>alert(1)</script>"])
def test_a_canonical_url_that_is_no_web_address_is_dropped(hostile: str) -> None:
    body = "A first long sentence about the meeting in Brussels today.\n" * 3
    for hints, html in [
        (SourceHints(url=hostile), None),  # a JSONL or feed hint
        (SourceHints(), f'<html><head><link rel="canonical" href="{hostile}"></head><body>'
                        f'<article><p>{body}</p><p>{body}</p></article></body></html>'),
    ]:
        article = Article(id="t3", source="inline", source_kind="inline",
                          inline_content=html or body,
                          inline_content_type="html" if html else "text", hints=hints)
        article = clean(article, CleanSettings())
        assert article.canonical_url is None
        assert "canonical_url" not in article.metadata_provenance
