"""The page-copy rule (``tasks.storage.page_copies``) on made-up pages: pure code."""

from __future__ import annotations

from tasks.storage.page_copies import is_page_copy, page_text, shingles

ARTICLE = [
    f"Paragraph {n}: the harbour authority said on Tuesday that ferry number {n} would "
    f"resume its crossings to island {n} after repairs to the northern pier were finished."
    for n in range(12)
]
OTHER = [
    f"Item {n}: the regional orchestra announced a new season of {n} concerts, with a "
    f"programme of symphonies {n} and a festival weekend at the old cathedral in spring."
    for n in range(12)
]


def _page(paragraphs: list[str], site: str, extra: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    boiler = f"<p>Sign up for the {site} newsletter and never miss a story again today.</p>"
    return (f"<html><head><title>{site}</title></head><body><nav><p>{site} home world "
            f"sport culture opinion video podcasts</p></nav><article>{body}{extra}</article>"
            f"{boiler}<footer><p>Copyright 2026 {site} Media Group. All rights reserved. "
            "Privacy terms contact.</p></footer></body></html>")


def test_the_paragraph_text_leaves_navigation_and_footers_out() -> None:
    text = page_text(_page(ARTICLE[:2], "Daily Ledger"))
    assert "ferry number 0" in text and "newsletter" in text
    assert "home world" not in text and "Copyright" not in text


def test_the_same_article_in_another_template_is_a_copy() -> None:
    original = "\n\n".join(ARTICLE)
    ad = "<div class='ad'><p>Advertisement: holidays on the coast from 99 EUR.</p></div>"
    for page in (_page(ARTICLE, "Evening Post"), _page(ARTICLE, "Morning Star", extra=ad)):
        assert is_page_copy(original, shingles(page_text(page)))


def test_two_articles_of_one_template_are_not_copies() -> None:
    assert not is_page_copy("\n\n".join(OTHER), shingles(page_text(_page(ARTICLE, "Site"))))


def test_a_page_holding_much_more_than_the_original_is_left_to_clean() -> None:
    original = "\n\n".join(ARTICLE[:6])
    assert is_page_copy(original, shingles(page_text(_page(ARTICLE[:6], "Site"))))
    assert not is_page_copy(original, shingles(page_text(_page(ARTICLE[:6] + OTHER, "Site"))))


def test_a_short_original_is_never_matched_from_the_page() -> None:
    assert not is_page_copy(ARTICLE[0], shingles(page_text(_page(ARTICLE[:1], "Site"))))
