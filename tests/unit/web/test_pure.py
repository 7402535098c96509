"""Pure parts of the web package: chart geometry, article text segments, safe links, cursors,
sign-in redirects."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import HTTPException

from web.api.pagination import (
    keyset_cursor,
    offset_cursor,
    read_keyset,
    read_offset,
)
from web.charts import bar_chart
from web.highlight import paragraphs, removed_lines, safe_link
from web.pages.signin import safe_next


def test_chart_fills_missing_days_and_scales_to_the_top_value() -> None:
    chart = bar_chart([("2022-01-14", 1), ("2022-01-12", 4)], "t")
    assert chart is not None
    assert [(b.label, b.value) for b in chart.bars] == [
        ("2022-01-12", 4), ("2022-01-13", 0), ("2022-01-14", 1)]
    tallest = chart.bars[0]
    assert tallest.y == chart.top and tallest.y + tallest.height == chart.baseline
    assert chart.bars[1].height == 0 and chart.bars[2].height == pytest.approx(
        tallest.height / 4)
    assert bar_chart([], "t") is None


def _record() -> dict[str, Any]:
    text = "Grushko met NATO.\n\nLe texte en français.\n\n\n\nEnd <b>bold</b>."
    return {
        "text": text,
        "entities": [
            {"name": "Alexander Grushko", "label": "PERSON",
             "mentions": [{"text": "Grushko", "start": 0, "end": 7}]},
            {"name": "NATO", "label": "ORG",
             "mentions": [{"text": "NATO", "start": 12, "end": 16}]},
            # overlaps the first mention: dropped, never nested
            {"name": "Grush", "label": "NAME",
             "mentions": [{"text": "rush", "start": 1, "end": 5}]},
        ],
        "removed": [{"text": "Toutes les actualités", "reason": "machine_translation_disclaimer"},
                    {"text": "Skip to content", "reason": "navigation"}],
        "translation": {"foreign_paragraphs": [
            {"index": 1, "language": "fr", "text": "Le texte en français.", "in_text": True},
            {"index": -1, "language": "fr", "text": "Toutes les actualités", "in_text": False},
        ]},
    }


def test_paragraphs_cut_mentions_and_mark_foreign_ones() -> None:
    paras = paragraphs(_record())
    assert len(paras) == 3  # the empty piece between the blank lines is no paragraph
    first = paras[0]
    assert [(s.text, s.label) for s in first.segments] == [
        ("Grushko", "PERSON"), (" met ", None), ("NATO", "ORG"), (".", None)]
    assert paras[1].language == "fr" and paras[0].language is None
    assert "".join(s.text for s in paras[2].segments) == "End <b>bold</b>."  # text, not markup


def test_removed_lines_carry_their_reason_and_language() -> None:
    removed = removed_lines(_record())
    assert [(r.reason, r.language) for r in removed] == [
        ("machine_translation_disclaimer", "fr"), ("navigation", None)]


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JAVASCRIPT:x", "data:text/html,x",
                                 "vbscript:x", "", None, "//evil.example/"])
def test_only_http_urls_become_links(url: str | None) -> None:
    assert safe_link(url) is None


def test_http_urls_become_links() -> None:
    assert safe_link(" https://example.org/a ") == "https://example.org/a"


@pytest.mark.parametrize(("given", "expected"), [
    ("/search?q=x", "/search?q=x"), ("//evil.example/", "/"), ("/\\evil.example", "/"),
    ("https://evil.example/", "/"), (None, "/"), ("", "/")])
def test_sign_in_redirects_stay_on_this_site(given: str | None, expected: str) -> None:
    assert safe_next(given) == expected


def test_cursors_round_trip_and_refuse_garbage() -> None:
    at, row = read_keyset(keyset_cursor("2026-12-04T22:30:30.424411", "abc")) or (None, None)
    assert at is not None and at.isoformat() == "2026-12-04T22:30:30.424411" and row == "abc"
    assert read_offset(offset_cursor(40)) == 40
    assert read_keyset(None) is None and read_offset(None) == 0
    for bad in ("%%%", "bm90IGpzb24", offset_cursor(-1)):
        with pytest.raises(HTTPException) as caught:
            read_offset(bad)
        assert caught.value.status_code == 400
    with pytest.raises(HTTPException):
        read_keyset(offset_cursor(3))
