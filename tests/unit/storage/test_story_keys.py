"""Story evidence weighs names from trained models only (the fallback NER's are too noisy)."""

from __future__ import annotations

from tasks.models import Entity, Provenance
from tasks.nlp.fallback_ner import FALLBACK_SOURCE
from tasks.storage.entity_index import entity_keys, from_trained_model


def _entity(name: str, source: str) -> Entity:
    return Entity(name=name, label="PERSON", count=2, provenance=Provenance(source=source))


def test_only_trained_model_names_become_story_keys() -> None:
    spacy = _entity("Alexander Grushko", "spacy:en_core_web_sm@en-3.8.0/ner")
    rules = _entity("Olaf Scholz", FALLBACK_SOURCE.format(language="de"))
    kept = [e for e in (spacy, rules) if from_trained_model(e)]
    assert kept == [spacy]
    assert entity_keys(kept) == {"per:grushko": 2}
