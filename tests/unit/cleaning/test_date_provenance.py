"""Each publication date says where it came from and how far to trust it; none is invented."""

from __future__ import annotations

from datetime import UTC, datetime

from config.settings import CleanSettings
from tasks.clean import NO_DATE, clean
from tasks.models import Article, SourceHints

BODY = "".join(
    f"<p>Sentence {i} of a long enough article body about the harbour and its new ferries, "
    "written so that the extractor keeps it as the main text of the page.</p>"
    for i in range(8)
)


def _page(
    head: str = "", body_extra: str = "", url: str = "https://news.test/a/harbour"
) -> Article:
    html = (
        f"<html><head><title>Harbour ferries</title>{head}</head><body><article>"
        f"<h1>Harbour ferries</h1>{body_extra}{BODY}</article></body></html>"
    )
    return Article(
        id="d1",
        source=url,
        source_kind="inline",
        inline_content=html,
        inline_content_type="html",
        hints=SourceHints(url=url),
        enqueued_at=datetime(2026, 12, 4, 12, 0, tzinfo=UTC),
    )


def _published(article: Article) -> tuple[str | None, str, float | None]:
    article = clean(article, CleanSettings())
    prov = article.metadata_provenance["published"]
    return article.published, prov.source, prov.confidence


def test_a_declared_json_ld_date() -> None:
    ld = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": '
        '"Harbour ferries", "datePublished": "2022-01-12T08:30:00+01:00"}</script>'
    )
    assert _published(_page(ld)) == ("2022-01-12", "json-ld", 0.9)


def test_a_meta_tag_datetime_keeps_its_tag_as_source() -> None:
    og = '<meta property="article:published_time" content="2021-03-04T10:00:00Z">'
    assert _published(_page(og)) == ("2021-03-04", "og", 0.9)


def test_a_date_only_in_the_url_path() -> None:
    url = "https://news.test/2020/06/15/harbour-ferries"
    assert _published(_page(url=url)) == ("2020-06-15", "url path", 0.7)


def test_a_date_found_by_htmldate_in_the_page() -> None:
    line = "<p class='date'>Published 9 May 2019</p>"
    assert _published(_page(body_extra=line)) == ("2019-05-09", "htmldate", 0.5)


def test_no_date_anywhere_says_so_instead_of_taking_the_fetch_time() -> None:
    assert _published(_page()) == (None, NO_DATE, None)


def test_plain_text_without_a_date_says_so() -> None:
    text = "A first long sentence about the meeting in Brussels today.\n" * 3
    article = Article(
        id="d2",
        source="inline",
        source_kind="inline",
        inline_content=text,
        inline_content_type="text",
        enqueued_at=datetime(2026, 12, 4, tzinfo=UTC),
    )
    assert _published(article) == (None, NO_DATE, None)


def test_a_feed_or_jsonl_hint_is_used_and_named_when_the_page_has_none() -> None:
    article = _page()
    article.hints.published = "2018-02-03T00:00:00Z"
    assert _published(article) == ("2018-02-03", "hint", 0.5)
