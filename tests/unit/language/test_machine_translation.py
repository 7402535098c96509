from __future__ import annotations

from tasks.language.machine_translation import assess, is_disclaimer

EN = ["The talks in Geneva lasted more than seven hours, the delegation said on Monday."]


def language_of(text: str) -> str | None:
    return "fr" if "traduisons" in text or "automatique" in text else "en"


def run(**kwargs: object) -> tuple[bool, str | None, list[str]]:
    args: dict[str, object] = {
        "document_language": "en",
        "paragraphs": EN,
        "removed": [],
        "title": None,
        "publisher": None,
        "language_of": language_of,
    }
    args.update(kwargs)
    verdict = assess(**args)  # type: ignore[arg-type]
    return verdict.machine_translated, verdict.source_language, [e.text for e in verdict.evidence]


def test_disclaimers_in_corpus_languages() -> None:
    for text in (
        "Cet article a fait l'objet d'une traduction automatique.",
        "Dieser Artikel wurde maschinell übersetzt.",
        "Artículo traducido automáticamente.",
        "Ten tekst został przetłumaczony maszynowo.",
        "Статья переведена автоматически.",
        "本文由机器翻译。",
    ):
        assert is_disclaimer(text), text
    assert not is_disclaimer("The translation of the treaty took three years.")


def test_removed_disclaimer_names_its_language_as_source() -> None:
    line = "Nous la traduisons grâce à une technologie programmatique."
    flagged, source, evidence = run(removed=[(line, "machine_translation_disclaimer")])
    assert flagged and source == "fr" and "removed by clean (in fr)" in evidence[0]


def test_calque_is_strong_but_one_agency_credit_is_weak() -> None:
    flagged, source, _ = run(removed=[("Based on materials from RIA Novosti", "credit")])
    assert flagged and source == "ru"
    flagged, _, evidence = run(removed=[("Photo: EPA / TASS", "photo_credit")])
    assert not flagged and evidence == ["credited source TASS publishes in ru"]


def test_agency_mentioned_in_the_body_is_not_a_credit() -> None:
    flagged, _, evidence = run(paragraphs=["AFP reported that TASS had confirmed the talks."])
    assert not flagged and evidence == []


def test_calque_applies_only_in_its_own_language() -> None:
    flagged, _, _ = run(document_language="de", removed=[("Based on materials from X", "c")])
    assert not flagged


def test_title_and_publisher_naming_a_foreign_edition() -> None:
    flagged, source, evidence = run(title="Talks resume in Geneva – RT in French")
    assert flagged and source == "fr" and "title names a fr edition" in evidence[0]
    flagged, source, _ = run(publisher="RT en français")
    assert flagged and source == "fr"
    assert not run(title="Life in English – a review")[0]
