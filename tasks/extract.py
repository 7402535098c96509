"""Extract stage: entities, quotes, dates, keywords and a lead summary for one article.

``extract`` handles one article; ``extract_batch`` runs spaCy over a batch (grouped by
model, in pieces of bounded size: ``tasks.nlp.pieces``) and returns an article without text
as its ``EmptyInput``, in its place; anything else it raises is the caller's to handle
(``tasks.pipeline`` redoes the batch one by one). ``extract_many`` is ``extract_batch`` with
each ``EmptyInput`` recorded on its article as ``extract_provenance["error"]``.

NER runs when the language check named a ``model_language``: its installed spaCy package
(``ExtractSettings.models``) where there is one, otherwise the fallback NER
(``tasks.nlp.fallback_ner``: gazetteer places, capitalised spans, title and organisation cues)
on a tokenizer-only pipeline. With neither, the language-independent parts still run and
``extract_provenance["entities"]`` says why NER was skipped.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from config.settings import ExtractSettings
from tasks.errors import EmptyInput, NewsflowError
from tasks.models import Article, Entity, Provenance
from tasks.nlp.canonical import group_mentions
from tasks.nlp.dates import normalize_dates, pattern_date_mentions
from tasks.nlp.embedding import article_lead_vector
from tasks.nlp.entities import RawMention, raw_mentions
from tasks.nlp.fallback_ner import FALLBACK_SOURCE, fallback_mentions
from tasks.nlp.gazetteer import load_gazetteer
from tasks.nlp.given_names import load_person_names
from tasks.nlp.keywords import METHOD as KEYWORD_METHOD
from tasks.nlp.keywords import extract_keywords
from tasks.nlp.models import blank_pipeline, load_pipeline, resolve_package, sentences
from tasks.nlp.pieces import pipe_bounded
from tasks.nlp.quotes import extract_quotes
from tasks.nlp.speakers import EntitySpan
from tasks.nlp.summary import METHOD as SUMMARY_METHOD
from tasks.nlp.summary import lead_summary

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

__all__ = ["extract", "extract_batch", "extract_many", "warm_ups"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Route:
    language: str  # for tokenizer, speech verbs and dateparser
    package: str | None  # spaCy package for NER, None = fallback NER or none
    why_skipped: str = ""
    fallback: bool = False  # tasks.nlp.fallback_ner instead of a spaCy model


def _route(article: Article, settings: ExtractSettings) -> _Route:
    tr = article.language_check
    if tr is None:
        return _Route("xx", None, "skipped: no language check on this article")
    language = tr.model_language or tr.language or "xx"
    if tr.model_language is None:
        return _Route(language, None, f"skipped: no model language (decision {tr.decision})")
    candidates = settings.models.get(tr.model_language)
    if not candidates and settings.fallback_ner:
        return _Route(language, None, fallback=True)
    if not candidates:
        return _Route(language, None, f"skipped: no model for {tr.model_language}")
    package = resolve_package(tuple(candidates))
    if package is None:
        tried = ", ".join(candidates)
        return _Route(language, None, f"skipped: no installed model for {language} ({tried})")
    return _Route(language, package)


def _require_text(article: Article) -> str:
    if not article.text or not article.text.strip():
        raise _no_text(article)
    return article.text


def _no_text(article: Article) -> EmptyInput:
    return EmptyInput(f"article {article.id} has no text to extract from")


def _pipeline(route: _Route) -> Language:
    return load_pipeline(route.package) if route.package else blank_pipeline(route.language)


def _annotate(article: Article, doc: Doc, route: _Route, settings: ExtractSettings) -> Article:
    text = doc.text
    sents = sentences(doc)
    prov: dict[str, Provenance] = {}
    entities: list[Entity] = []
    if route.package:
        source = f"spacy:{route.package}@{doc.vocab.lang}-{_version(route.package)}/ner"
        mentions = raw_mentions(doc, settings.dropped_labels)
        entities = _english_places(group_mentions(mentions, text, settings.aliases, source),
                                   settings)
        if "DATE" not in _ner_labels(route.package):
            # e.g. the French model (WikiNER: PER/LOC/ORG/MISC) tags no dates
            found = [
                RawMention(t, s, e, "DATE")
                for t, s, e in pattern_date_mentions(text, route.language)
            ]
            entities += group_mentions(found, text, {}, "dates: month-name pattern")
        prov["entities"] = Provenance(source=f"{source} + canonical grouping rules")
    elif route.fallback:
        entities = _fallback_entities(text, route.language, settings)
        fallback = FALLBACK_SOURCE.format(language=route.language)
        prov["entities"] = Provenance(source=f"{fallback} + canonical grouping rules")
    else:
        prov["entities"] = Provenance(source=route.why_skipped)
    spans = [EntitySpan(m.start, m.end, e.name, e.label) for e in entities for m in e.mentions]
    quotes = extract_quotes(text, sents, spans, route.language, settings.quote_min_words)
    prov["quotes"] = Provenance(source="quote-mark pairing + speech-verb rules (no parser)")

    date_mentions = [
        (m.text, m.start, m.end) for e in entities if e.label == "DATE" for m in e.mentions
    ]
    dates, ref = normalize_dates(date_mentions, article.published, route.language)
    if route.package or route.fallback:
        ref_text = f"{ref[0].isoformat()} ({ref[1]})" if ref else "none"
        prov["dates"] = Provenance(
            source=f"DATE mentions (NER or month-name pattern) + dateparser; reference {ref_text}"
        )
    else:
        prov["dates"] = Provenance(source=f"{route.why_skipped} (dates come from NER)")

    keywords = extract_keywords(doc, entities, [s for s, _ in sents], settings.max_keywords)
    prov["keywords"] = Provenance(source=KEYWORD_METHOD)
    summary = lead_summary(text, sents, settings.summary_sentences)
    prov["summary"] = Provenance(source=SUMMARY_METHOD.format(n=settings.summary_sentences))
    log.debug(
        "article %s: %d entities, %d quotes, %d dates",
        article.id,
        len(entities),
        len(quotes),
        len(dates),
    )
    return article.model_copy(
        update={
            "entities": entities,
            "quotes": quotes,
            "dates": dates,
            "keywords": keywords,
            "summary": summary,
            "extract_provenance": prov,
            "lead_vector": article_lead_vector(article.title, text),
        }
    )




def _fallback_entities(text: str, language: str, settings: ExtractSettings) -> list[Entity]:
    found = fallback_mentions(text, language, load_gazetteer(settings.gazetteer_min_population))
    source = FALLBACK_SOURCE.format(language=language)
    aliases = {**settings.aliases, **found.aliases}
    entities = group_mentions(found.mentions, text, aliases, source)
    dates = [RawMention(t, s, e, "DATE") for t, s, e in pattern_date_mentions(text, language)]
    return entities + group_mentions(dates, text, {}, "dates: month-name pattern")


_PLACE_LABELS = frozenset({"GPE", "LOC"})


def _english_places(entities: list[Entity], settings: ExtractSettings) -> list[Entity]:
    """spaCy's places under the gazetteer's English name ("Moscou" -> "Moscow"), so that
    articles in every language name a place alike; without the fallback NER (and so without
    a gazetteer in this process) the names stay as the text has them."""
    if not settings.fallback_ner:
        return entities
    gazetteer = load_gazetteer(settings.gazetteer_min_population)
    out = []
    for entity in entities:
        place = gazetteer.get(entity.name) if entity.label in _PLACE_LABELS else None
        out.append(entity if place is None or place.name == entity.name
                   else entity.model_copy(update={"name": place.name}))
    return out


def _ner_labels(package: str) -> tuple[str, ...]:
    labels: tuple[str, ...] = getattr(load_pipeline(package).get_pipe("ner"), "labels", ())
    return labels


def _version(package: str) -> str:
    return str(load_pipeline(package).meta.get("version", "?"))


def extract(article: Article, settings: ExtractSettings) -> Article:
    """Fill the extract fields of ``article``; raises EmptyInput when it has no text."""
    text = _require_text(article)
    route = _route(article, settings)
    nlp = _pipeline(route)
    with nlp.memory_zone():
        return _annotate(article, _one(nlp, text, settings), route, settings)


def _one(nlp: Language, text: str, settings: ExtractSettings) -> Doc:
    return pipe_bounded(nlp, [text], settings.piece_chars, settings.group_chars)[0]


def _failed(article: Article, exc: Exception) -> Article:
    reason = exc.reason if isinstance(exc, NewsflowError) else type(exc).__name__
    prov = {"error": Provenance(source=f"{reason}: {exc}")}
    return article.model_copy(update={"extract_provenance": prov})


def extract_batch(articles: list[Article], settings: ExtractSettings) -> list[Article | Exception]:
    """``extract`` over a batch with one ``nlp.pipe`` per model; one result per input, in order.

    Each entry is the extracted article, or the ``EmptyInput`` of an article with no text.
    Anything else raised here (a poisonous text, the worker's soft time limit) propagates:
    the caller (``tasks.pipeline.run_stage_batch``) decides, and redoes a failed batch one
    article at a time.
    """
    results: list[Article | Exception | None] = [None] * len(articles)
    groups: dict[_Route, list[int]] = defaultdict(list)
    for i, article in enumerate(articles):
        if not article.text or not article.text.strip():
            results[i] = _no_text(article)
            log.warning("article %s: extract rejected: %s", article.id, results[i])
        else:
            groups[_route(article, settings)].append(i)
    for route, indices in groups.items():
        nlp = _pipeline(route)
        texts = [articles[i].text or "" for i in indices]
        # Every new word of a text would stay in the shared Vocab for the life of the
        # process (spaCy's documented growth in long-running services); the zone evicts
        # them once the batch is turned into plain records. No Doc may outlive the block.
        with nlp.memory_zone():
            docs = pipe_bounded(nlp, texts, settings.piece_chars, settings.group_chars)
            for doc, i in zip(docs, indices, strict=True):
                results[i] = _annotate(articles[i], doc, route, settings)
            del docs
    return [r for r in results if r is not None]


def extract_many(articles: list[Article], settings: ExtractSettings) -> list[Article]:
    """``extract_batch`` with every failure recorded on its article instead of returned.

    A failed article comes back unchanged but for ``extract_provenance["error"]`` (reason and
    message); callers that must stop failed articles should use ``extract_batch``.
    """
    return [
        _failed(article, result) if isinstance(result, Exception) else result
        for article, result in zip(articles, extract_batch(articles, settings), strict=True)
    ]


def warm_ups(settings: ExtractSettings) -> list[tuple[str, Callable[[], object]]]:
    """The spaCy pipelines to load before the worker forks, one per language, and the
    fallback NER's gazetteer and given names."""
    loads: list[tuple[str, Callable[[], object]]] = [
        (f"spacy_{language}", partial(_load_first_installed, tuple(candidates)))
        for language, candidates in settings.models.items()
    ]
    if settings.fallback_ner:
        loads.append(
            ("gazetteer", partial(load_gazetteer, settings.gazetteer_min_population))
        )
        loads.append(("given_names", load_person_names))
    return loads


def _load_first_installed(candidates: tuple[str, ...]) -> None:
    package = resolve_package(candidates)
    if package is None:
        log.warning("no installed spaCy package among %s: nothing preloaded", candidates)
        return
    load_pipeline(package)("warm up")
