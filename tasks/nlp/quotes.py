"""Direct quotes («…», “…”, „…“, "…") and clear reported speech ("X said that …").

Quote marks are paired within a paragraph, tolerating the mixed marks of machine-translated
text (« … ” is common). The speaker comes from an attribution right after the quote
(", she insisted", ", said X") or from the subject of the last speech verb before it; see
``tasks.nlp.speakers`` for how subjects, pronouns and role nouns are resolved.
"""

from __future__ import annotations

import re

from tasks.models import Provenance, Quote
from tasks.nlp.speakers import (
    ACCORDING_TO,
    ORGANISATION_SPEAKER,
    EntitySpan,
    SpeakerFinder,
    speech_verbs_pattern,
)

__all__ = ["extract_quotes", "pair_quote_marks"]

# opening mark -> marks accepted as its closer
_PAIRS: dict[str, str] = {"«": "»”", "“": '”"', "„": "“”", '"': '"', "‹": "›", "‘": "’"}
# German also quotes »so« and ‚so‘ (in French text a stray » must not open a quote)
_LANGUAGE_PAIRS: dict[str, dict[str, str]] = {"de": {"»": "«", "›": "‹", "‚": "‘"}}
# single closers double as apostrophes ("don’t"): one followed by a letter closes nothing
_SINGLE_CLOSERS = "’‘‹›"
_SINGLE_MIN_WORDS = 5
# languages whose news prose attributes indirect speech at the end ("…, so Hancock.")
_TRAILING_ATTRIBUTION = frozenset({"de", "es"})
_SPACES = " \t\n\u00a0\u202f"
# After a verb-first attribution the subject ends where a place or time phrase begins
# ("sagte der Pontifex heute bei der Neujahrsmesse im Petersdom"): the places are not speakers.
_PREPOSITIONS = {
    "de": r"bei|in|im|am|an|auf|nach|vor|mit|zu|zum|zur|über|gegenüber|während",
    "es": r"en|ante|tras|durante|con|desde|sobre|a|al",
}
_CONFIDENCE = {"named subject": 0.9, ORGANISATION_SPEAKER: 0.8}


def _closes(text: str, k: int, closers: str) -> bool:
    if text[k] not in closers:
        return False
    return text[k] not in _SINGLE_CLOSERS or not text[k + 1 : k + 2].isalpha()


def pair_quote_marks(text: str, language: str | None = None) -> list[tuple[int, int]]:
    """(open, close) indices of quote-mark pairs; a pair never spans a paragraph break."""
    marks = {**_PAIRS, **_LANGUAGE_PAIRS.get(language or "", {})}
    pairs: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        closers = marks.get(text[i])
        if closers is None:
            i += 1
            continue
        para_end = text.find("\n", i)
        para_end = len(text) if para_end < 0 else para_end
        j = next((k for k in range(i + 1, para_end) if _closes(text, k, closers)), -1)
        if j < 0:
            i += 1
            continue
        pairs.append((i, j))
        i = j + 1
    return pairs


def _sentence_of(sentences: list[tuple[int, int]], pos: int) -> tuple[int, int]:
    for start, end in sentences:
        if start <= pos < end:
            return start, end
    return pos, pos


class _Extractor:
    def __init__(
        self, text: str, sentences: list[tuple[int, int]], spans: list[EntitySpan], language: str
    ) -> None:
        self.text, self.sentences, self.language = text, sentences, language
        self.finder = SpeakerFinder(text, spans, language)
        self.last_speaker: tuple[int, str] | None = None  # (closing mark, speaker)
        self.verbs = speech_verbs_pattern(language)
        self.pre_verbs = speech_verbs_pattern(language, after_quote=False)
        after = r"(?:\s+also|\s+aussi|\s+auch|\s+también)?\s+"
        subj = r"(?P<subj>[^,.;:!?«»“”„\"]{1,60}?)"
        self.post_subject_first = re.compile(
            r"\s*[,.!?]?\s*" + subj + after + self.verbs.pattern, re.IGNORECASE
        )
        self.post_verb_first = re.compile(
            r"\s*[,.!?]?\s*" + self.verbs.pattern + r"\s+" + subj + r"(?=[,.;:!?]|$)", re.IGNORECASE
        )
        # the verb's subject may stand between verb and conjunction ("sagte Scholz, dass")
        self.reported = re.compile(
            self.pre_verbs.pattern + r"(?P<between>(?:\s+[^\s,.;]+){0,4}?),?\s+"
            r"(?:that|que|qu['’]|dass)\s*(?P<clause>\S.*)",
            re.IGNORECASE | re.S,
        )
        preps = _PREPOSITIONS.get(language)
        self.preposition = re.compile(rf"\s(?:{preps})\s", re.IGNORECASE) if preps else None
        self.trailing = (
            re.compile(
                r",\s+" + self.verbs.pattern + r"\s+(?P<subj>[^,.;:!?]{1,60}?)\s*[.!]?\s*$",
                re.IGNORECASE,
            )
            if language in _TRAILING_ATTRIBUTION
            else None
        )
        # "…", afirmó.  The subject left implicit (Spanish drops it): the salient person.
        self.implicit = re.compile(r"\s*,\s*" + self.verbs.pattern + r"\s*[.;]", re.IGNORECASE)

    def _pre(self, sent_start: int, pos: int) -> tuple[str | None, str]:
        last = None
        for m in self.pre_verbs.finditer(self.text, sent_start, pos):
            last = m
        if last is None:
            return None, "unresolved"
        if last.group(1).casefold() in ACCORDING_TO:
            stop = self.text.find(",", last.end(), pos)
            return self.finder.resolve(last.end(), stop if stop > 0 else pos, subject_last=False)
        clause = self.text.rfind(";", sent_start, last.start())
        return self.finder.resolve(max(sent_start, clause + 1), last.start())

    def speaker(self, open_i: int, close_i: int) -> tuple[str | None, str]:
        s_start, _ = _sentence_of(self.sentences, open_i)
        _, s_end = _sentence_of(self.sentences, close_i)
        s_end = max(s_end, close_i + 1)
        for pattern, last in ((self.post_subject_first, True), (self.post_verb_first, False)):
            m = pattern.match(self.text, close_i + 1, s_end)
            if m:
                subj_end = m.end("subj")
                if not last and self.preposition is not None:
                    cut = self.preposition.search(self.text, m.start("subj"), subj_end)
                    subj_end = cut.start() if cut else subj_end
                name, how = self.finder.resolve(m.start("subj"), subj_end, last)
                if how == "named subject":
                    return name, how
                # an apposition names the person: "dijo el gobernador de Misiones, Oscar H."
                after = m.end("subj")
                if self.text.startswith(",", after):
                    person = self.finder.person_at(after, after + 3)
                    if person is not None:
                        return person.name, "named subject"
                if name:
                    return name, how
        if self.implicit.match(self.text, close_i + 1, s_end):
            return self.finder.salience.before(open_i), "implicit subject -> salient person"
        name, how = self._pre(s_start, open_i)
        if name is None and not self.text[s_start:open_i].strip():
            prev = [s for s in self.sentences if s[1] <= s_start]
            if prev and self.text[prev[-1][1] - 1] == ":":
                name, how = self._pre(prev[-1][0], prev[-1][1])
        return name, how

    def run(self, min_words: int) -> list[Quote]:
        for start, end in self.sentences:
            self.finder.note_sentence(start, end)
        pairs = pair_quote_marks(self.text, self.language)
        marks = sorted(i for pair in pairs for i in pair)
        # text order matters: a speaker found here becomes the salient person for later pronouns
        tasks = [(o, c, "direct") for o, c in pairs] + [
            (s, e, "reported") for s, e in self.sentences if not any(s <= i < e for i in marks)
        ]
        quotes: list[Quote] = []
        for a, b, kind in sorted(tasks):
            quote = self._direct(a, b, min_words) if kind == "direct" else self._reported(a, b)
            if quote is not None:
                quotes.append(quote)
        return quotes

    def _direct(self, open_i: int, close_i: int, min_words: int) -> Quote | None:
        start, end = open_i + 1, close_i
        while start < end and self.text[start] in _SPACES:
            start += 1
        while end > start and self.text[end - 1] in _SPACES:
            end -= 1
        # single marks mostly wrap names and terms (‘oxygen bar’): a quote there is a clause
        least = max(min_words, _SINGLE_MIN_WORDS) if self.text[open_i] in "‘‚" else min_words
        if len(self.text[start:end].split()) < least:
            return None
        name, how = self.speaker(open_i, close_i)
        if name is None and self.last_speaker and self._continues_last_quote(open_i, close_i):
            name, how = self.last_speaker[1], "continued quote -> previous speaker"
        if name and how != ORGANISATION_SPEAKER:
            self.finder.salience.add(open_i, name)
        if name:
            self.last_speaker = (close_i, name)
        return Quote(
            text=self.text[start:end],
            speaker=name,
            start=start,
            end=end,
            kind="direct",
            provenance=self._prov("quote marks", how, name),
        )

    def _continues_last_quote(self, open_i: int, close_i: int) -> bool:
        """A quote that is its whole sentence, right after an attributed one ("…“, so Esken.
        „Da gibt es zu wenig Verlässlichkeit.“), goes on with that speaker."""
        if self.last_speaker is None:
            return False
        s_start, _ = _sentence_of(self.sentences, open_i)
        _, s_end = _sentence_of(self.sentences, close_i)
        if self.text[s_start:open_i].strip() or self.text[close_i + 1 : s_end].strip(" .!?"):
            return False
        prev = [s for s in self.sentences if s[1] <= s_start]
        return bool(prev) and prev[-1][0] <= self.last_speaker[0] < prev[-1][1]

    def _trailing(self, s_start: int, s_end: int) -> Quote | None:
        """German and Spanish indirect speech attributed at the sentence's end ("Beide Tests
        könnten Viren nachweisen, so Hancock."): a quote only when a person is named."""
        if self.trailing is None:
            return None
        m = self.trailing.search(self.text, s_start, s_end)
        if not m:
            return None
        person = self.finder.person_at(m.start("subj"), m.end("subj"))
        if person is None:
            return None
        q_start, q_end = s_start, m.start()
        while q_start < q_end and self.text[q_start] in _SPACES:
            q_start += 1
        if len(self.text[q_start:q_end].split()) < 3:
            return None
        self.finder.salience.add(m.start(), person.name)
        return Quote(
            text=self.text[q_start:q_end],
            speaker=person.name,
            start=q_start,
            end=q_end,
            kind="reported",
            provenance=self._prov("clause + speech verb + speaker", "named subject", person.name),
        )

    def _reported(self, s_start: int, s_end: int) -> Quote | None:
        m = self.reported.search(self.text, s_start, s_end)
        if not m:
            return self._trailing(s_start, s_end)
        if m.group(1).casefold() in ACCORDING_TO:
            return None
        clause = self.text.rfind(";", s_start, m.start())
        name, how = self.finder.resolve(max(s_start, clause + 1), m.start())
        if name is None:
            person = self.finder.person_at(m.start("between"), m.end("between"))
            name, how = (person.name, "named subject") if person else (None, how)
        if name is None:  # "clear" reported speech only: an unknown speaker is no quote
            return None
        q_start, q_end = m.start("clause"), s_end
        while q_end > q_start and self.text[q_end - 1] in ".!?;" + _SPACES:
            q_end -= 1
        if how != ORGANISATION_SPEAKER:
            self.finder.salience.add(m.start(), name)
        return Quote(
            text=self.text[q_start:q_end],
            speaker=name,
            start=q_start,
            end=q_end,
            kind="reported",
            provenance=self._prov("speech verb + that", how, name),
        )

    @staticmethod
    def _prov(found_by: str, how: str, name: str | None) -> Provenance:
        confidence = _CONFIDENCE.get(how, 0.7) if name else None
        return Provenance(source=f"quotes: {found_by}; speaker: {how}", confidence=confidence)


def extract_quotes(
    text: str,
    sentences: list[tuple[int, int]],
    spans: list[EntitySpan],
    language: str,
    min_words: int = 2,
) -> list[Quote]:
    """Quotes in text order; ``spans`` are the article's entity mentions with canonical names."""
    return _Extractor(text, sentences, spans, language).run(min_words)
