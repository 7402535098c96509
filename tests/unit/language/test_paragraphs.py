from __future__ import annotations

from tasks.language.paragraphs import classify_paragraphs, foreign_paragraphs, paragraph_spans
from tasks.models import Article

CODES = ("en", "fr", "de")
EN = "The council met on Tuesday to discuss the budget for the coming year and new taxes."
FR = "Le conseil s'est réuni mardi pour discuter du budget de l'année prochaine et des impôts."


def test_spans_match_article_paragraphs_even_with_blank_pieces() -> None:
    text = "First one.\n\n\n\nSecond\nline.\n\n  \n\nThird."
    spans = paragraph_spans(text)
    article = Article(id="a", source="s", text=text)
    assert [text[s:e] for s, e in spans] == article.paragraphs


def test_short_and_unsure_paragraphs_have_no_language() -> None:
    verdicts = classify_paragraphs(f"{EN}\n\nOK.\n\n{FR}", CODES, min_chars=40, min_confidence=0.5)
    assert [v.language for v in verdicts] == ["en", None, "fr"]
    assert verdicts[1].detection is None
    unsure = classify_paragraphs(EN, CODES, min_chars=40, min_confidence=1.01)
    assert unsure[0].language is None and unsure[0].detection is not None


def test_foreign_paragraphs_differ_from_the_document() -> None:
    text = f"{EN}\n\n{FR}"
    verdicts = classify_paragraphs(text, CODES, min_chars=40, min_confidence=0.5)
    (foreign,) = foreign_paragraphs(verdicts, "en")
    assert (foreign.index, foreign.language) == (1, "fr")
    assert text[foreign.start : foreign.end] == FR
    assert foreign_paragraphs(verdicts, None) == []
