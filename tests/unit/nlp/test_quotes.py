from __future__ import annotations

from tasks.nlp.quotes import extract_quotes, pair_quote_marks
from tasks.nlp.speakers import EntitySpan


def test_pairs_mixed_marks_within_a_paragraph() -> None:
    text = '« We are firm ”, she said of “ open doors ” and "more".\n\n« unclosed\n\nend »'
    pairs = pair_quote_marks(text)
    assert [text[o + 1 : c].strip() for o, c in pairs] == ["We are firm", "open doors", "more"]


def _spans(text: str, names: list[tuple[str, str, str]]) -> list[EntitySpan]:
    return [EntitySpan(text.index(m), text.index(m) + len(m), n, lb) for m, n, lb in names]


def _sentences(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for part in text.split(". "):
        out.append((pos, pos + len(part) + 1))
        pos += len(part) + 2
    return out


def test_subject_not_the_person_in_the_relative_clause_and_role_noun() -> None:
    text = (
        'Envoy Ann Lee, who met Bob Kay, said the talks were "very hard". '
        'The diplomat added that they were "not over yet".'
    )
    spans = _spans(text, [("Ann Lee", "Ann Lee", "PERSON"), ("Bob Kay", "Bob Kay", "PERSON")])
    quotes = extract_quotes(text, _sentences(text), spans, "en")
    assert [(q.text, q.speaker) for q in quotes] == [
        ("very hard", "Ann Lee"),
        ("not over yet", "Ann Lee"),
    ]


def test_post_quote_attribution_and_pronoun() -> None:
    text = 'Bob Kay spoke first. "We will not move an inch", he said. "Nothing", said Ann Lee.'
    spans = _spans(text, [("Bob Kay", "Bob Kay", "PERSON"), ("Ann Lee", "Ann Lee", "PERSON")])
    quotes = extract_quotes(text, _sentences(text), spans, "en", min_words=1)
    assert [(q.text, q.speaker) for q in quotes] == [
        ("We will not move an inch", "Bob Kay"),
        ("Nothing", "Ann Lee"),
    ]


def test_reported_speech_needs_a_known_speaker() -> None:
    text = "Ann Lee said that the deal was close. Someone said that it was not."
    spans = _spans(text, [("Ann Lee", "Ann Lee", "PERSON")])
    quotes = extract_quotes(text, _sentences(text), spans, "en")
    assert [(q.kind, q.speaker, q.text) for q in quotes] == [
        ("reported", "Ann Lee", "the deal was close")
    ]
