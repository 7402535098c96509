"""A re-dressed page no longer pays for dateparser's locale compilation in clean.

The page's footer ("(c) 2026 <Site> 3") passes htmldate's filter and goes to dateparser,
where no locale parses it: dateparser then compiles the patterns of every locale. That must
happen in the clean stage's warm-up (worker preload), not while a page is being cleaned.
"""

from __future__ import annotations

from collections.abc import Iterator

import dateparser.date
import pytest
from dateparser.languages.dictionary import Dictionary

from config.settings import CleanSettings, Settings
from tasks.clean import clean, warm_ups
from tasks.models import Article, RawDocument
from tasks.stages import STAGES

_PARAGRAPH = (
    "<p>The council met on Tuesday to discuss the new budget for the coming year, and "
    "members argued at length about the cost of repairing the old bridge over the river "
    "before agreeing to a compromise proposed by the mayor's office late in the evening.</p>"
)
_PARAGRAPHS = _PARAGRAPH * 6
# The shape of the re-dressed page that showed it (a dev page as bench/throughput_mix.py's
# "near" copies serve it): no date declared, only readers' comment stamps in the text,
# under another masthead, with a teaser sidebar and a copyright footer.
_PAGE = (
    "<!DOCTYPE html><html lang='en'><head><title>Council agrees budget</title>"
    "</head><body>"
    "<header><a href='/'>The Morning Ledger 3</a><nav><ul><li><a href='/world'>World</a></li>"
    "</ul></nav></header><article><h1>Council agrees budget</h1>"
    + _PARAGRAPHS
    + "<div class='comments'><b>Anna</b> <i>2019-11-18 22:22:25</i><p>Thank you.</p>"
    "<b>Boris</b> <i>2019-11-17 09:10:00</i><p>Good to know.</p></div></article>"
    "<aside><h3>Most read</h3><ol><li><a href='/story/1'>Storm warnings issued "
    "for the coast ahead of the weekend</a></li></ol></aside><footer><p>\u00a9 2026 The "
    "Morning Ledger 3 Media Group. All rights reserved.</p></footer></body></html>"
)


def _article(name: str) -> Article:
    # its own footer per test: htmldate memoises the strings it has parsed
    page = _PAGE.replace("Ledger 3 Media", f"Ledger {name[-1]} Media")
    raw = RawDocument(
        content=page,
        content_type="html",
        encoding="utf-8",
        encoding_source="utf-8",
        byte_size=len(page.encode()),
        final_url="https://wire3.example/copy/3",
    )
    return Article(id=name, source="https://wire3.example/copy/3", raw=raw)


def _compiled_locales() -> int:
    # dateparser's process-wide cache of compiled split patterns: settings -> locale -> regex
    return sum(len(per_locale) for per_locale in Dictionary._split_regex_cache.values())


@pytest.fixture()
def cold_dateparser() -> Iterator[list[str]]:
    """dateparser as in a fresh process (nothing compiled), and the strings it is given."""
    Dictionary._split_regex_cache.clear()
    given: list[str] = []
    original = dateparser.date.DateDataParser.get_date_data

    def spy(self: object, date_string: str, *args: object, **kwargs: object) -> object:
        given.append(date_string)
        return original(self, date_string, *args, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(dateparser.date.DateDataParser, "get_date_data", spy)
        yield given


def test_without_warm_up_the_page_compiles_every_locale(cold_dateparser: list[str]) -> None:
    """The cost the warm-up moves: shows the page still reaches the pathological path."""
    clean(_article("near-1"), CleanSettings())
    assert any("2026" in s for s in cold_dateparser)  # the footer went to dateparser
    assert _compiled_locales() > 100


def test_after_warm_up_the_page_compiles_none(cold_dateparser: list[str]) -> None:
    for _name, load in warm_ups(CleanSettings()):
        load()
    warmed = _compiled_locales()
    assert warmed > 100
    cold_dateparser.clear()
    article = clean(_article("near-2"), CleanSettings())
    assert any("2026" in s for s in cold_dateparser)
    assert len(cold_dateparser) <= 3  # htmldate's filter lets a few strings a page through
    assert _compiled_locales() == warmed
    assert article.published is not None
    assert article.published.startswith("2019-11-18")  # the latest comment's, not the footer's


def test_the_clean_stage_declares_the_warm_up() -> None:
    assert "dateparser_locales" in [name for name, _ in STAGES["clean"].warm_ups(Settings())]
