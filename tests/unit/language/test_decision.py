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
