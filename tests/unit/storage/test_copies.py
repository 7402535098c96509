"""complete_copy: what a recognised copy takes from its original, offsets on its own text."""

from __future__ import annotations

from tasks.models import Article, Entity, LanguageCheck, Mention, Provenance, Quote
from tasks.storage.copies import COPIED_FROM, complete_copy

TEXT = "Olaf Scholz met Emmanuel Macron in Paris. \u201cWe agree,\u201d Scholz said."


def _original() -> Article:
    return Article(
        id="o1", source="x", text=TEXT, title="Scholz in Paris",
        language_check=LanguageCheck(language="en", confidence=0.9),
        entities=[Entity(name="Olaf Scholz", label="PERSON", count=2, mentions=[
            Mention(text="Olaf Scholz", start=0, end=11),
            Mention(text="Scholz", start=TEXT.rindex("Scholz"), end=TEXT.rindex("Scholz") + 6),
        ])],
        quotes=[Quote(text="We agree,", speaker="Olaf Scholz", start=43, end=52)],
        extract_provenance={"entities": Provenance(source="spacy")},
    )


def test_a_raw_copy_takes_the_text_and_everything_extracted() -> None:
    done = complete_copy(Article(id="c1", source="wire"), _original())
    assert (done.id, done.source, done.text, done.title) == ("c1", "wire", TEXT,
                                                              "Scholz in Paris")
    assert done.entities == _original().entities
    assert done.extract_provenance[COPIED_FROM].source == "article o1"


def test_a_copy_with_a_header_gets_its_offsets_moved() -> None:
    copy = Article(id="c2", source="wire", text="PARIS (Wire) -\n\n" + TEXT + "\n\n(c) Wire",
                   language_check=LanguageCheck(language="fr", confidence=0.5))
    done = complete_copy(copy, _original())
    assert done.text == copy.text and done.language_check == copy.language_check
    for mention in done.entities[0].mentions:
        assert done.text is not None and done.text[mention.start : mention.end] == mention.text
    quote = done.quotes[0]
    assert done.text is not None and done.text[quote.start : quote.end] == quote.text


def test_an_edited_copy_keeps_only_the_spans_still_in_place() -> None:
    edited = TEXT.replace("Scholz said", "the chancellor said")
    done = complete_copy(Article(id="c3", source="wire", text=edited), _original())
    [scholz] = done.entities
    assert [m.text for m in scholz.mentions] == ["Olaf Scholz"]
    assert scholz.count == 2  # what the original counted
