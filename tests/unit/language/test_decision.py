from __future__ import annotations

import pytest

from tasks.language.decision import decide


@pytest.mark.parametrize(
    ("language", "decision", "model"),
    [
        ("en", "pass", "en"),
        ("fr", "route", "fr"),
        ("it", "route", "it"),
        ("de", "needs_translation", None),
        (None, "reject", None),
    ],
)
def test_decision_table(language: str | None, decision: str, model: str | None) -> None:
    outcome = decide(language, target="en", routed=["fr", "it"], why_unknown="no letters")
    assert (outcome.decision, outcome.model_language) == (decision, model)
    assert outcome.reason


@pytest.mark.parametrize("language", ["de", "es", "tr", "ar", "pap"])
def test_every_language_goes_to_the_fallback_ner_when_it_is_on(language: str) -> None:
    outcome = decide(language, target="en", routed=["fr"], fallback=True)
    assert (outcome.decision, outcome.model_language) == ("route", language)
    assert "fallback NER" in outcome.reason


def test_fallback_changes_neither_pass_nor_reject() -> None:
    assert decide("en", target="en", routed=[], fallback=True).decision == "pass"
    assert decide(None, target="en", routed=[], fallback=True).decision == "reject"
