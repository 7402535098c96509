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


def test_py3langid_restricted_model_ranks_like_set_languages() -> None:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from tasks.language.langid_backend import build_identifier

    codes = ("en", "fr", "de", "es", "no")
    ours = build_identifier(codes)
    reference = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    reference.set_languages(["en", "fr", "de", "es", "no", "nn"])
    assert ours.nb_ptc.shape[1] == len(ours.nb_classes) == 6  # only the wanted columns
    assert ours.nb_ptc.flags["C_CONTIGUOUS"]  # a feature's scores side by side (issue 17)
    for text in ("The ministers met in Brussels on Monday.",
                 "Les ministres se sont réunis à Bruxelles lundi.",
                 "Die Minister trafen sich am Montag in Brüssel.",
                 "Ministrene møttes i Brussel mandag."):
        assert ours.rank(text) == reference.rank(text)
