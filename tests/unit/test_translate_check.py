"""The translate_check stage, called as the pipeline calls it, on articles built the way
clean leaves them (text joined by blank lines, removed lines with their reasons)."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import TranslateSettings
from tasks.errors import NotAnArticle
from tasks.language.translator import register_translator, unregister_translator
from tasks.models import Article, RemovedLine
from tasks.translate_check import translate_check

SEEDS = Path("/work/shared/seeds")

EN = [
    "The government announced on Tuesday a new plan to build thousands of affordable homes "
    "across the country over the next five years.",
    "Opposition leaders said the proposal did not go far enough and called for a public "
    "inquiry into the rising cost of rent in the largest cities.",
    "The minister is expected to present the details of the plan to parliament next week, "
    "after consultations with regional authorities.",
]
FR = (
    "Le gouvernement a présenté mardi un nouveau plan pour construire des milliers de "
    "logements abordables dans tout le pays au cours des cinq prochaines années."
)
DE = (
    "Die Regierung hat am Dienstag einen neuen Plan vorgestellt, um in den nächsten fünf "
    "Jahren im ganzen Land Tausende bezahlbare Wohnungen zu bauen."
)
PAP = (
    "Siman pasa Prome Minister tabata invita pa ta presente na e evento aki. E studiantenan a "
    "presenta trahenan di materialnan recicla cu asistencia di hende local. Hopi hende ta bebe "
    "nan koffie den disposable cup y nos mester cambia esaki awor riba e isla."
)


def article(paragraphs: list[str], **fields: object) -> Article:
    return Article(id="t1", source="test", text="\n\n".join(paragraphs), **fields)


@pytest.fixture
def settings() -> TranslateSettings:
    return TranslateSettings()


def seed_000() -> Article:
    lines = (SEEDS / "000_dd7157ff7ca190b8.txt").read_text(encoding="utf-8").split("\n")
    return article(
        lines[:8],
        publisher="RIA Novosti",
        removed=[
            RemovedLine(text=lines[8], reason="rubric"),
            RemovedLine(text=lines[9], reason="photo_credit"),
            RemovedLine(text=lines[10], reason="agency_credit"),
        ],
    )


def seed_002() -> Article:
    blocks = (SEEDS / "002_7f261bbe20e88e81.txt").read_text(encoding="utf-8").split("\n\n")
    skip, title = blocks[0].split("\n")
    return article(
        blocks[1:-1],
        title=title.split(" – ")[0],
        removed=[
            RemovedLine(text=skip, reason="navigation"),
            RemovedLine(text=title, reason="title_line"),
            RemovedLine(text=blocks[-1], reason="machine_translation_disclaimer"),
        ],
    )


def test_seed_000_is_flagged_as_translated_from_russian(settings: TranslateSettings) -> None:
    result = translate_check(seed_000(), settings).language_check
    assert result is not None
    assert (result.language, result.decision, result.model_language) == ("en", "pass", "en")
    assert result.machine_translated and result.source_language == "ru"
    assert any(
        "Based on materials from RIA Novosti" in e for e in result.machine_translation_evidence
    )
    assert len(result.paragraph_languages) == 8


def test_seed_002_reports_the_french_disclaimer_outside_the_text(
    settings: TranslateSettings,
) -> None:
    art = translate_check(seed_002(), settings)
    result = art.language_check
    assert result is not None and art.text is not None
    assert result.machine_translated and result.source_language == "fr"
    removed = [f for f in result.foreign_paragraphs if not f.in_text]
    assert [(f.language, f.index, f.start) for f in removed] == [("fr", -1, None)]
    assert removed[0].text not in art.text
    evidence = " ".join(result.machine_translation_evidence)
    assert "disclaimer removed by clean (in fr)" in evidence and "RT in French" in evidence


def test_foreign_paragraph_is_listed_with_offsets(settings: TranslateSettings) -> None:
    art = translate_check(article([EN[0], FR, EN[1], EN[2]]), settings)
    result = art.language_check
    assert result is not None and art.text is not None
    assert result.language == "en"
    assert result.paragraph_languages == ["en", "fr", "en", "en"]
    (foreign,) = result.foreign_paragraphs
    assert (foreign.index, foreign.language, foreign.in_text) == (1, "fr", True)
    assert foreign.start is not None and foreign.end is not None
    assert art.text[foreign.start : foreign.end] == FR


def test_short_paragraph_is_marked_undetermined(settings: TranslateSettings) -> None:
    result = translate_check(article([EN[0], "Read more:", EN[1]]), settings).language_check
    assert result is not None
    assert result.paragraph_languages == ["en", None, "en"]


def test_french_is_routed_to_its_own_model(settings: TranslateSettings) -> None:
    result = translate_check(article([FR, FR]), settings).language_check
    assert result is not None
    assert (result.language, result.decision, result.model_language) == ("fr", "route", "fr")


def test_other_language_goes_to_the_fallback_ner(settings: TranslateSettings) -> None:
    result = translate_check(article([DE]), settings).language_check
    assert result is not None
    assert (result.language, result.decision, result.model_language) == ("de", "route", "de")
    assert "fallback NER" in result.reason


def test_other_language_needs_translation_without_the_fallback(
    settings: TranslateSettings,
) -> None:
    settings = settings.model_copy(update={"route_to_fallback_ner": False})
    result = translate_check(article([DE]), settings).language_check
    assert result is not None
    assert (result.language, result.decision, result.model_language) == (
        "de",
        "needs_translation",
        None,
    )


def test_papiamento_is_recognised_though_no_detector_models_it(
    settings: TranslateSettings,
) -> None:
    result = translate_check(article([PAP]), settings).language_check
    assert result is not None
    assert (result.language, result.decision) == ("pap", "route")


def test_wrong_html_lang_is_ignored_and_noted(settings: TranslateSettings) -> None:
    result = translate_check(article([DE], html_lang="en-US"), settings).language_check
    assert result is not None
    assert result.language == "de"
    assert "'en' disagrees" in result.reason


class Upper:
    def translate(self, text: str, source: str, target: str) -> str:
        return f"[{source}->{target}] {text.upper()}"


def test_registered_translator_translates_then_passes(settings: TranslateSettings) -> None:
    register_translator("upper", Upper())
    try:
        settings.translator = "upper"
        art = translate_check(article([DE]), settings)
    finally:
        unregister_translator("upper")
    result = art.language_check
    assert result is not None and art.text is not None
    assert (result.decision, result.model_language, result.translated_by) == ("pass", "en", "upper")
    assert result.original_text == DE and art.text.startswith("[de->en] DIE REGIERUNG")


@pytest.mark.parametrize(("text", "reason"), [("", "no_text"), ("1234 5678 — 90", "no_language")])
def test_no_language_is_rejected(settings: TranslateSettings, text: str, reason: str) -> None:
    art = Article(id="t1", source="test", text=text)
    with pytest.raises(NotAnArticle) as caught:
        translate_check(art, settings)
    assert caught.value.reason == reason
    assert art.language_check is not None and art.language_check.decision == "reject"
    assert art.language_check.language is None and art.language_check.reason


def test_disclaimer_missed_by_clean_is_evidence(settings: TranslateSettings) -> None:
    note = "This article was machine translated from German and may contain errors."
    result = translate_check(article([*EN, note]), settings).language_check
    assert result is not None
    assert result.machine_translated
    assert any("left in the text" in e for e in result.machine_translation_evidence)


def test_plain_english_article_has_no_machine_translation_evidence(
    settings: TranslateSettings,
) -> None:
    result = translate_check(article(EN, publisher="The Daily Planet"), settings).language_check
    assert result is not None
    assert not result.machine_translated and result.machine_translation_evidence == []
    assert result.source_language is None


def test_lingua_backend_gives_the_same_verdicts() -> None:
    settings = TranslateSettings(detector_backend="lingua", detector_languages=["en", "fr", "de"])
    result = translate_check(article([EN[0], FR, EN[1], EN[2]]), settings).language_check
    assert result is not None
    assert result.language == "en" and result.paragraph_languages == ["en", "fr", "en", "en"]


def test_clean_then_translate_check_on_the_seed_files(settings: TranslateSettings) -> None:
    clean_module = pytest.importorskip("tasks.clean")
    from config.settings import CleanSettings

    expected = {"000_dd7157ff7ca190b8": "ru", "002_7f261bbe20e88e81": "fr"}
    for name, source in expected.items():
        art = Article(
            id=name,
            source=name,
            source_kind="inline",
            inline_content=(SEEDS / f"{name}.txt").read_text(encoding="utf-8"),
            inline_content_type="text",
        )
        art = translate_check(clean_module.clean(art, CleanSettings()), settings)
        assert art.language_check is not None and art.text is not None
        assert art.language_check.language == "en"
        check = art.language_check
        assert check.machine_translated and check.source_language == source
        assert "Toutes les actualités" not in art.text
    assert art.language_check is not None
    assert any(f.language == "fr" and not f.in_text for f in art.language_check.foreign_paragraphs)
