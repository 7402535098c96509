from __future__ import annotations

from tasks.language.document import document_language, normalize_hint
from tasks.language.paragraphs import classify_paragraphs

CODES = ("en", "fr", "de", "hr")
EN = [
    "The club confirmed on Monday that its manager will stay until the end of the season.",
    "Supporters had called for changes after a run of six matches without a single win.",
    "The board said it still believed in the project and in the young squad it had built.",
]
HR = (
    "Prvookrivljenika, drugookrivljenika i trećeokrivljenika se tereti da su kao odgovorne "
    "osobe propustili osigurati primjenu pravila zaštite na radu, zbog čega su tri radnika "
    "smrtno stradala prilikom čišćenja spremnika u tvornici u srpnju prošle godine, a "
    "istraga je pokazala da nisu imali ni osnovnu zaštitnu opremu ni potrebnu obuku."
)


def decide(text: str, hint: str | None = None) -> tuple[str | None, str]:
    verdicts = classify_paragraphs(text, CODES, min_chars=40, min_confidence=0.5)
    found = document_language(
        text, verdicts, CODES, min_confidence=0.5, backend="py3langid", hint=hint
    )
    return found.language, found.note


def test_a_long_foreign_paragraph_does_not_outvote_the_article() -> None:
    text = "\n\n".join([EN[0], HR, EN[1], EN[2]])
    assert len(HR) > sum(len(p) for p in EN) / 2
    assert decide(text)[0] == "en"


def test_hint_is_never_the_truth() -> None:
    language, note = decide("\n\n".join(EN), hint="fr-FR")
    assert language == "en" and "disagrees" in note


def test_no_letters_no_language() -> None:
    assert decide("2021 — 2022 / 17:45")[0] is None


def test_normalize_hint() -> None:
    assert [normalize_hint(h) for h in ("en-US", "pap_AW", "FR", "", None, "x")] == [
        "en",
        "pap",
        "fr",
        None,
        None,
        None,
    ]
