"""Tokenizer-only pipelines for languages without a trained model."""

from __future__ import annotations

from tasks.nlp.models import MAX_SPECIAL_CASES, blank_pipeline, sentences


def test_language_with_a_huge_special_case_table_gets_the_base_table() -> None:
    from spacy.util import get_lang_class

    assert len(get_lang_class("id").Defaults.tokenizer_exceptions) > MAX_SPECIAL_CASES
    nlp = blank_pipeline("id")
    assert nlp.lang == "id"
    assert len(nlp.tokenizer.rules) <= MAX_SPECIAL_CASES
    doc = nlp("Presiden Joko Widodo tiba di Jakarta. Ia bertemu menteri-menteri kabinet.")
    assert len(sentences(doc)) == 2
    assert any(t.is_stop for t in doc)  # the language's own stop words are kept


def test_language_with_a_modest_table_keeps_its_special_cases() -> None:
    nlp = blank_pipeline("de")
    assert len(nlp.tokenizer.rules) > 100
    # "z.B." is one token, so no sentence ends inside it
    doc = nlp("Das gilt z.B. für Berlin. Und für Hamburg.")
    assert "z.B." in [t.text for t in doc]
    assert len(sentences(doc)) == 2


def test_language_needing_an_uninstalled_tokenizer_falls_back_to_multilingual() -> None:
    assert blank_pipeline("ja").lang == "xx"
