"""The gate's parsed page handed on to clean (``tasks.cleaning.parsed_pages``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import CleanSettings
from tasks.clean import clean
from tasks.cleaning import parsed_pages
from tasks.models import Article
from tasks.storage.page_copies import page_text, tree_text

CORPUS = Path("/work/shared/corpus/dev")
PAGE = (
    "<html><head><title>Ferry news</title></head><body><article>"
    + "".join(
        f"<p>Paragraph {n}: the harbour authority said ferry {n} would resume "
        f"its crossings to island {n} after repairs.</p>"
        for n in range(8)
    )
    + "</article></body></html>"
)


def _article(html: str) -> Article:
    return Article(
        id="a",
        batch_id="b",
        source="test://a",
        source_kind="inline",
        inline_content=html,
        inline_content_type="html",
    )


def test_a_tree_is_handed_out_once_and_only_for_the_same_page_object() -> None:
    page = PAGE + "<!-- once -->"
    tree = parsed_pages.load(page)
    same_text = "".join([PAGE, "<!-- once -->"])  # equal value, another object
    assert same_text == page and same_text is not page
    assert parsed_pages.take(same_text) == (False, None)
    assert parsed_pages.take(page) == (True, tree)
    assert parsed_pages.take(page) == (False, None)  # clean edits it: never handed twice


def test_a_dropped_tree_is_not_handed_out() -> None:
    page = PAGE + "<!-- dropped -->"
    parsed_pages.load(page)
    parsed_pages.drop(page)
    assert parsed_pages.take(page) == (False, None)


def test_only_a_message_of_trees_is_kept() -> None:
    pages = [PAGE + f"<!-- {n} -->" for n in range(20)]
    for page in pages:
        parsed_pages.load(page)
    assert [parsed_pages.take(p)[0] for p in pages] == [False] * 12 + [True] * 8


def test_the_gate_reads_the_tree_clean_then_gets_the_same_result() -> None:
    pages = sorted(CORPUS.glob("*.html"))[:12] if CORPUS.exists() else []
    if not pages:
        pytest.skip("shared corpus not mounted")
    for path in [*pages, None]:
        html = path.read_text(encoding="utf-8", errors="replace") if path else PAGE
        alone = clean(_article(html), CleanSettings())
        handed = _article(html)
        content = handed.inline_content or ""
        assert tree_text(parsed_pages.load(content)) == page_text(html)
        after_gate = clean(handed, CleanSettings())
        assert parsed_pages.take(content) == (False, None)  # clean took it
        assert after_gate.model_dump() == alone.model_dump()
