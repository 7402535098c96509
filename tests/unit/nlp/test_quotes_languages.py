"""Quotes and speakers in German and Spanish, on sentences of the stories-dev corpus.

The entity spans are made by hand here (in the pipeline they come from the extract stage's
NER), so these tests check the quote marks, speech verbs and speaker rules alone.
"""

from __future__ import annotations

import re

from tasks.nlp.quotes import extract_quotes, pair_quote_marks
from tasks.nlp.speakers import EntitySpan


def _sentences(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for m in re.finditer(r"(?<=[.!?“”\"»])\s+(?=[„\"“«A-ZÄÖÜ¿¡])", text):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, len(text)))
    return out


def _quotes(
    language: str, text: str, names: list[tuple[str, str, str]]
) -> list[tuple[str, str | None, str]]:
    # "Esken|." marks the span "Esken" where it is followed by "."
    spans = []
    for surface, name, label in names:
        mention, _, after = surface.partition("|")
        start = text.index(mention + after)
        spans.append(EntitySpan(start, start + len(mention), name, label))
    found = extract_quotes(text, _sentences(text), spans, language)
    return [(q.text[:30], q.speaker, q.provenance.source.split("speaker: ")[1]) for q in found]


def test_german_marks_verb_first_attribution_and_so() -> None:
    text = (
        "Die neuen SPD-Chefs Saskia Esken und Norbert Walter-Borjans pochen auf zusätzliche "
        "Milliardeninvestitionen. „Wir wollen eine Perspektive für zehn Jahre“, sagte "
        "Walter-Borjans der Deutschen Presse-Agentur in Berlin. „Etwa bei der "
        "Schuldigitalisierung sagen die Länder zu Recht: Wie geht es weiter?“, so Esken. "
        "„Da gibt es zu wenig Verlässlichkeit.“ Die Folge sei ein fehlender Personalaufbau."
    )
    names = [
        ("Saskia Esken", "Saskia Esken", "PERSON"),
        ("Norbert Walter-Borjans", "Norbert Walter-Borjans", "PERSON"),
        ("Walter-Borjans| der", "Norbert Walter-Borjans", "PERSON"),
        ("Deutschen Presse-Agentur", "Deutsche Presse-Agentur", "ORG"),
        ("Berlin", "Berlin", "GPE"),
        ("Esken|.", "Saskia Esken", "PERSON"),
    ]
    assert _quotes("de", text, names) == [
        ("Wir wollen eine Perspektive fü", "Norbert Walter-Borjans", "named subject"),
        ("Etwa bei der Schuldigitalisier", "Saskia Esken", "named subject"),
        ("Da gibt es zu wenig Verlässlic", "Saskia Esken", "continued quote -> previous speaker"),
    ]


def test_german_subject_before_the_verb_and_no_place_as_speaker() -> None:
    text = (
        "Walter-Borjans sagte: „Die 450 Milliarden Euro basieren nicht auf einem Wert.“ "
        "„Wenn wir unser Handeln menschlich gestalten wollen, müssen wir auf die Frau "
        "schauen“, sagte der Pontifex heute bei der Neujahrsmesse im Petersdom in Rom."
    )
    names = [
        ("Walter-Borjans", "Norbert Walter-Borjans", "PERSON"),
        ("Petersdom", "Petersdom", "ORG"),
        ("Rom", "Rom", "GPE"),
    ]
    assert _quotes("de", text, names) == [
        ("Die 450 Milliarden Euro basier", "Norbert Walter-Borjans", "named subject"),
        ("Wenn wir unser Handeln menschl", None, "unresolved"),
    ]


def test_german_reported_speech_with_dass() -> None:
    text = "Scholz sagte, dass die Regierung die Hilfen verlängern werde."
    names = [("Scholz", "Olaf Scholz", "PERSON")]
    assert _quotes("de", text, names) == [
        ("die Regierung die Hilfen verlä", "Olaf Scholz", "named subject")
    ]


def test_spanish_verbs_apposition_and_implicit_subject() -> None:
    text = (
        "“Decidimos congelar mi sueldo, el del vicegobernador y ministros”, dijo el "
        'gobernador de Misiones, Oscar Herrera Ahuad. "Veníamos advirtiendo que el decreto '
        'iba a impactar sobre el precio final", dijo Parpaceli. "Es un gran desafío y lo '
        'estamos esperando todas las empresas", afirmó.'
    )
    names = [
        ("Misiones", "Misiones", "GPE"),
        ("Oscar Herrera Ahuad", "Oscar Herrera Ahuad", "PERSON"),
        ("Parpaceli", "Parpaceli", "PERSON"),
    ]
    assert _quotes("es", text, names) == [
        ("Decidimos congelar mi sueldo, ", "Oscar Herrera Ahuad", "named subject"),
        ("Veníamos advirtiendo que el de", "Parpaceli", "named subject"),
        ("Es un gran desafío y lo estamo", "Parpaceli", "implicit subject -> salient person"),
    ]


def test_spanish_relative_clause_after_the_speaker_and_segun() -> None:
    text = (
        '"Había ido dos veces al baño durante el partido", explicó en ese momento Cuevas, '
        "que junto a Granollers cayó ante el británico Jonny Marray. Según Marray, "
        '"el partido fue demasiado largo".'
    )
    names = [
        ("Cuevas", "Pablo Cuevas", "PERSON"),
        ("Granollers", "Marcel Granollers", "PERSON"),
        ("Jonny Marray", "Jonny Marray", "PERSON"),
        ("Marray|,", "Jonny Marray", "PERSON"),
    ]
    assert [q[:2] for q in _quotes("es", text, names)] == [
        ("Había ido dos veces al baño du", "Pablo Cuevas"),
        ("el partido fue demasiado largo", "Jonny Marray"),
    ]


def test_marks_per_language_and_apostrophes() -> None:
    de = "Er nannte es »eine Zumutung« und ‚unfair‘."
    assert [de[o + 1 : c] for o, c in pair_quote_marks(de, "de")] == ["eine Zumutung", "unfair"]
    fr = "Il a dit « non » puis » rien"
    assert [fr[o + 1 : c].strip() for o, c in pair_quote_marks(fr, "fr")] == ["non"]
    en = "She called it ‘a deal we don’t like’ yesterday."
    assert [en[o + 1 : c] for o, c in pair_quote_marks(en, "en")] == ["a deal we don’t like"]


def test_german_dev_corpus_quote_and_indirect_speech_with_so() -> None:
    # lg-de-tagesschau-coronavirus-grossbritannien-109 (dev corpus), shortened
    text = (
        '"Millionen neuer Coronavirus-Schnelltests werden vor Ort in weniger als 90 Minuten '
        'Ergebnisse liefern", sagte Gesundheitsminister Matt Hancock. Beide Tests könnten '
        "Covid-19 und andere vor allem im Winter wütende Viren nachweisen, so Hancock. "
        "Dadurch werde die Testkapazität stark erhöht."
    )
    names = [
        ("Matt Hancock", "Matt Hancock", "PERSON"),
        ("Hancock|. Dadurch", "Matt Hancock", "PERSON"),
    ]
    assert _quotes("de", text, names) == [
        ("Millionen neuer Coronavirus-Sc", "Matt Hancock", "named subject"),
        ("Beide Tests könnten Covid-19 u", "Matt Hancock", "named subject"),
    ]
