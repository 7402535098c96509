from __future__ import annotations

import pytest

from tasks.language.detector import detect
from tasks.language.langid_backend import build_identifier

NO = (
    "Regjeringen la tirsdag fram en ny plan for å bygge tusenvis av rimelige boliger i hele landet."
)


@pytest.mark.parametrize("backend", ["py3langid", "lingua"])
def test_norwegian_variants_are_reported_as_no(backend: str) -> None:
    found = detect(NO, ("en", "no", "de"), backend=backend)  # type: ignore[arg-type]
    assert found.language == "no"
    assert found.candidates[0].language == "no" and found.confidence_of("no") == found.confidence


def test_text_without_features_gives_no_confident_language() -> None:
    found = detect("12345 67890", ("en", "fr", "de"))
    assert found.confidence < 0.5


def test_identifier_is_built_once_per_language_set() -> None:
    assert build_identifier(("en", "fr")) is build_identifier(("en", "fr"))
    with pytest.raises(ValueError, match="at least two"):
        build_identifier(("en", "xx"))
