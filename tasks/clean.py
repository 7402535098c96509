"""The clean stage: raw HTML or plain text in, main text and metadata with provenance out.

HTML goes through trafilatura (mode chosen per page, see ``tasks.cleaning.main_text``); plain
text through the line rules and text heuristics (``tasks.cleaning.plain``). Both paths end
in the same line rules, so every removed line is recorded with its reason. The raw document
is dropped afterwards: the HTML never travels further down the chain.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from config.settings import CleanSettings
from tasks.cleaning.fields import iso_date, tidy
from tasks.cleaning.html import confidence, extract_html
from tasks.cleaning.normalize import join_paragraphs, normalize_text, split_lines
from tasks.cleaning.plain import clean_plain
from tasks.cleaning.text_rules import apply_rules
from tasks.cleaning.trafilatura_meta import warm_dateparser
from tasks.errors import NotAnArticle, UnsupportedContent
from tasks.models import Article, Provenance, RemovedLine

__all__ = ["NO_DATE", "clean", "content_of", "warm_ups"]

logger = logging.getLogger(__name__)

_HEURISTIC_CONFIDENCE = 0.6
_HINT_CONFIDENCE = 0.5
_TITLE_SCAN = 3
_FIELDS = ("title", "publisher", "author", "published", "canonical_url")
# The provenance of ``published`` when neither the page nor the producer gave a date.
NO_DATE = "none found"


def warm_ups(settings: CleanSettings) -> list[tuple[str, Callable[[], object]]]:
    """dateparser's locale patterns, compiled before the worker forks (see ``warm_dateparser``)."""
    return [("dateparser_locales", warm_dateparser)]


def content_of(article: Article) -> tuple[str, str, str | None]:
    """(content, 'html'|'text', url) from fetch's raw document or the producer's inline text."""
    if article.raw is not None:
        url = article.raw.final_url or article.hints.url
        return article.raw.content, article.raw.content_type, url
    if article.inline_content is not None:
        kind = article.inline_content_type
        if kind is None:  # the producer did not say: markup is recognisable by its tags
            head = article.inline_content.lstrip()[:200].lower()
            kind = "html" if head.startswith(("<!doctype html", "<html", "<?xml")) else "text"
        url = article.hints.url or (article.source if article.source_kind == "url" else None)
        return article.inline_content, kind, url
    raise UnsupportedContent(f"article {article.id}: neither raw nor inline content")


def _clean_html(article: Article, content: str, url: str | None, mode: str) -> list[str]:
    try:
        page = extract_html(content, url, mode)
    except UnsupportedContent as exc:
        raise UnsupportedContent(f"{article.source}: {exc}") from exc
    logger.debug(
        "article %s: html extracted in %s mode (%d passes)", article.id, page.mode, page.passes
    )
    paragraphs, removed = apply_rules(split_lines(normalize_text(page.text)), rubrics=False)
    title = page.fields.get("title")
    # The headline lives in ``title``; extractors repeat it at the top, sometimes after a
    # kicker or a date line, so the first few paragraphs are checked.
    head = [p.casefold() for p in paragraphs[:_TITLE_SCAN]]
    if title and title.casefold() in head:
        removed.insert(
            0, RemovedLine(text=paragraphs.pop(head.index(title.casefold())), reason="title_line")
        )
    article.removed.extend(removed)
    for name, value in page.fields.items():
        setattr(article, name, value)
        source = page.sources[name]
        article.metadata_provenance[name] = Provenance(
            source=source, confidence=confidence(source, name)
        )
    return paragraphs


def _clean_text(article: Article, content: str) -> list[str]:
    result = clean_plain(content, hint_title=article.hints.title)
    article.removed.extend(result.removed)
    for name, source in result.sources.items():
        setattr(article, name, getattr(result, name))
        article.metadata_provenance[name] = Provenance(
            source=source, confidence=_HEURISTIC_CONFIDENCE
        )
    return result.paragraphs


def _apply_hints(article: Article, url: str | None) -> None:
    """Feed/producer hints fill only the fields the content itself did not give."""
    hints = {
        "title": tidy(article.hints.title),
        "publisher": tidy(article.hints.publisher),
        "published": iso_date(article.hints.published),
        "canonical_url": url,
    }
    for name, value in hints.items():
        if value and getattr(article, name) is None:
            setattr(article, name, value)
            article.metadata_provenance[name] = Provenance(
                source="hint", confidence=_HINT_CONFIDENCE
            )


def _web_url_only(article: Article) -> None:
    """A canonical URL is a web address: a page's ``javascript:`` or ``data:`` "URL" (or a
    hint's) is hostile input that readers would be offered as a link, so it is dropped."""
    url = article.canonical_url
    if url is not None and urlsplit(url.strip()).scheme.lower() not in ("http", "https"):
        logger.info("article %s: canonical URL %.60r is no http(s) address: dropped",
                    article.id, url)
        article.canonical_url = None
        article.metadata_provenance.pop("canonical_url", None)


def clean(article: Article, settings: CleanSettings) -> Article:
    """Fill text, removed lines and metadata; raise NotAnArticle when too little text is left."""
    content, kind, url = content_of(article)
    article.removed = []
    article.metadata_provenance = {}
    for name in _FIELDS:
        setattr(article, name, None)
    if kind == "html":
        paragraphs = _clean_html(article, content, url, settings.html_mode)
    else:
        paragraphs = _clean_text(article, content)
    _apply_hints(article, url)
    _web_url_only(article)
    if article.published is None:
        # Said, not guessed: no fetch or enqueue time stands in for a publication date.
        article.metadata_provenance["published"] = Provenance(source=NO_DATE, confidence=None)
    text = join_paragraphs(paragraphs)
    if len(text) < settings.min_text_chars:
        raise NotAnArticle(
            f"article {article.id}: {len(text)} chars of text left after cleaning "
            f"(minimum {settings.min_text_chars})"
        )
    article.text = text
    if article.raw is not None:
        # The <html lang> outlives the raw page as a hint for translate_check (never the truth).
        article.html_lang = article.raw.html_lang
    article.raw = None
    logger.info(
        "article %s: cleaned %s, %d paragraphs, %d lines removed",
        article.id,
        kind,
        len(paragraphs),
        len(article.removed),
    )
    return article
