"""Metadata choice on small synthetic pages: visible headline, site names, authors."""

from __future__ import annotations

import json

from trafilatura import load_html

from tasks.cleaning.fields import clean_author, strip_site_name, tidy
from tasks.cleaning.page_fields import page_fields

BODY = "<p>" + "Ministers met in Brussels on Monday to agree the budget. " * 5 + "</p>"


def _page(head: str, h1: str = "") -> tuple[dict[str, str], dict[str, str]]:
    html = f"<html><head>{head}</head><body><h1>{h1}</h1>{BODY}</body></html>"
    return page_fields(load_html(html), "https://news.example.test/a")


def test_json_ld_headline_and_author_win_with_provenance() -> None:
    ld = {
        "@type": "NewsArticle",
        "headline": "Budget agreed in Brussels",
        "author": {"name": "Jane Doe"},
        "datePublished": "2021-03-04T10:00:00+01:00",
        "publisher": {"name": "Example News"},
    }
    head = f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    head += '<meta property="og:title" content="Budget agreed | Example News">'
    values, sources = _page(head)
    assert values["title"] == "Budget agreed in Brussels"
    assert values["author"] == "Jane Doe"
    assert values["published"] == "2021-03-04"
    assert values["publisher"] == "Example News"
    assert sources["title"] == sources["author"] == sources["published"] == "json-ld"


def test_branding_tail_is_cut_back_to_the_visible_heading() -> None:
    head = '<meta property="og:title" content="Budget agreed after long night | NEWSX">'
    values, _ = _page(head, h1="Budget agreed after long night")
    assert values["title"] == "Budget agreed after long night"


def test_lone_heading_of_the_same_story_beats_the_seo_title() -> None:
    head = '<meta property="og:title" content="Brussels budget: ministers agree deal">'
    values, sources = _page(head, h1="Ministers agree Brussels budget deal at dawn")
    assert values["title"] == "Ministers agree Brussels budget deal at dawn"
    assert sources["title"] == "h1"


def test_unrelated_heading_does_not_replace_the_title() -> None:
    head = '<meta property="og:title" content="Brussels budget: ministers agree deal">'
    values, _ = _page(head, h1="The Weekly Gazette of Things")
    assert values["title"] == "Brussels budget: ministers agree deal"


def test_copyright_notice_is_not_a_publisher() -> None:
    values, _ = _page('<meta name="publisher" content="Copyright 2014">')
    assert values.get("publisher") != "Copyright 2014"


def test_site_name_holding_a_separator_is_stripped() -> None:
    site = "AOC media - Analyse Opinion Critique"
    assert strip_site_name(f"La retraite est un archaïsme | {site}", [site]) == (
        "La retraite est un archaïsme"
    )


def test_handles_profiles_and_anonymous_are_not_authors() -> None:
    assert clean_author("edilson.la.rosa", []) is None
    assert clean_author("Facebook Com", []) is None
    assert clean_author("anónimo", []) is None
    assert clean_author("Edilson La Rosa", []) == "Edilson La Rosa"


def test_tidy_keeps_a_closing_quotation() -> None:
    assert tidy('Rescue video: "We got her!"') == 'Rescue video: "We got her!"'
    assert tidy('"Quoted whole"') == "Quoted whole"
