"""Does a newly stored article match a watch? Pure functions, no database, no NLP.

The store calls ``matching`` inside its transaction with the article it is storing, so the
rules must be cheap and must read like the CLI's:

* query: ``newsflow search`` semantics. The query's words (``search.query_words``) are
  stemmed with the article's own language (``search_terms.query_terms``), stop words of that
  language dropped, and every remaining term must occur among the article's title and text
  terms (the stems ``search_terms.index_text`` writes into SQLite's FTS5 table). Accents
  are ignored, as SQLite's ``unicode61 remove_diacritics 2`` tokenizer does (PostgreSQL's
  search keeps them: there a watch is slightly more lenient than ``search``).
* entities: ``--entity`` semantics on the article's own entities. A watched name matches
  an entity whose canonical name, any mention, or (a one-word name) a person's surname has
  the same cross-script key (``entity_index.norm_name``: "Грушко" = "Gruschko" = "Grushko");
  the extract alias table (``ExtractSettings.aliases``) turns a variant into its canonical
  name on both sides ("North Atlantic Alliance" watches "NATO").
* language and publisher: equal, any case.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from tasks.models import Article
from tasks.storage.entity_index import norm_name
from tasks.storage.search import query_words
from tasks.storage.search_terms import query_terms, stemmer_name
from tasks.watches.spec import Watch

__all__ = [
    "ArticleFacts",
    "entity_keys_of",
    "expand_aliases",
    "matches",
    "matching",
    "watched_keys",
]

_PERSON_LABELS = frozenset({"PERSON", "PER"})


def _fold(term: str) -> str:
    """Without accents: what SQLite's tokenizer compares (``remove_diacritics 2``)."""
    if term.isascii():
        return term
    decomposed = unicodedata.normalize("NFKD", term)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _alias_map(aliases: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Name key of every variant (and of the canonical name itself) -> canonical key."""
    keyed: dict[str, str] = {}
    for canonical, variants in aliases.items():
        target = norm_name(canonical)
        for variant in (canonical, *variants):
            key = norm_name(variant)
            if key:
                keyed[key] = target
    return keyed


def _with_aliases(keys: Iterable[str], alias_map: Mapping[str, str]) -> set[str]:
    keyed = {k for k in keys if k}
    return keyed | {alias_map[k] for k in keyed if k in alias_map}


def entity_keys_of(article: Article, alias_map: Mapping[str, str]) -> frozenset[str]:
    """The keys a watched name may meet in ``article``: each entity's name and mentions,
    and each person's surname (``--entity Stoltenberg`` finds "Jens Stoltenberg")."""
    keys: set[str] = set()
    for entity in article.entities:
        names = [entity.name, *(m.text for m in entity.mentions)]
        found = {norm_name(n) for n in names}
        if entity.label.upper() in _PERSON_LABELS:
            found |= {k.split()[-1] for k in found if k}
        keys |= found
    return frozenset(_with_aliases(keys, alias_map))


def watched_keys(names: Iterable[str], alias_map: Mapping[str, str]) -> frozenset[str]:
    """The keys of a watch's names (a variant also watches its canonical name)."""
    return frozenset(_with_aliases((norm_name(n) for n in names), alias_map))


@dataclass
class ArticleFacts:
    """What the rules read of one article; terms and keys are computed once, on demand."""

    article: Article
    aliases: Mapping[str, Sequence[str]] = field(default_factory=dict)

    @property
    def language(self) -> str | None:
        check = self.article.language_check
        if check is not None and check.language:
            return check.language
        return self.article.hints.language

    @cached_property
    def stemmer(self) -> str:
        return stemmer_name(self.language)

    @cached_property
    def terms(self) -> frozenset[str]:
        # What index_text writes for the title and the text, computed on the distinct words
        # only: stemming each distinct word once costs a third of stemming every token.
        words = set(query_words(self.article.title or "")) | set(
            query_words(self.article.text or ""))
        return frozenset(_fold(t) for t in query_terms(sorted(words), self.stemmer))

    @cached_property
    def alias_map(self) -> dict[str, str]:
        return _alias_map(self.aliases)

    @cached_property
    def entity_keys(self) -> frozenset[str]:
        return entity_keys_of(self.article, self.alias_map)


def _query_holds(query: str, facts: ArticleFacts) -> bool:
    words = query_words(query)
    if not words:
        return False
    terms = query_terms(words, facts.stemmer)
    # Only stop words of the article's language: search finds nothing there either.
    return bool(terms) and all(_fold(t) in facts.terms for t in terms)


def _same(wanted: str | None, value: str | None) -> bool:
    return wanted is None or (value or "").casefold() == wanted.casefold()


def matches(watch: Watch, facts: ArticleFacts) -> bool:
    """Whether every part ``watch`` names holds for the article (cheapest checks first)."""
    if not watch.active:
        return False
    if not _same(watch.language, facts.language):
        return False
    if not _same(watch.publisher, facts.article.publisher):
        return False
    if watch.entities and not (watched_keys(watch.entities, facts.alias_map)
                               & facts.entity_keys):
        return False
    return not watch.query or _query_holds(watch.query, facts)


def matching(watches: Iterable[Watch], article: Article,
             aliases: Mapping[str, Sequence[str]] | None = None) -> list[Watch]:
    """The watches ``article`` matches, in the order given."""
    facts = ArticleFacts(article, aliases or {})
    return [w for w in watches if matches(w, facts)]


def expand_aliases(names: Sequence[str], aliases: Mapping[str, Sequence[str]]) -> list[str]:
    """``names`` followed by the canonical name of each variant the alias table knows
    ("OTAN" -> "OTAN", "NATO"): what a new watch saves, so the store needs no alias table."""
    canonical_of = {norm_name(v): c for c, vs in aliases.items() for v in (c, *vs)}
    out = list(names)
    for name in names:
        canonical = canonical_of.get(norm_name(name))
        if canonical and canonical not in out:
            out.append(canonical)
    return out
