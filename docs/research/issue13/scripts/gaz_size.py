"""RSS cost of the gazetteer + German lexicon at several sizes (VmRSS deltas).
usage: gaz_size.py MIN_POP CAPITALISED_ONLY(0/1)"""
import sys, os, gc as _gc
sys.path.insert(0, os.path.dirname(__file__))
def rss():
    return int([l for l in open('/proc/self/status') if l.startswith('VmRSS')][0].split()[1]) // 1024
import json, gzip
import ner_backends as nb
b = rss()
g = nb._gazetteer(min_pop=int(sys.argv[1])); _gc.collect()
a = rss()
import spacy_lookups_data
from pathlib import Path
d = json.load(gzip.open(Path(spacy_lookups_data.__file__).parent / "data" / "de_lemma_lookup.json.gz"))
lex = set(d) | set(d.values())
if sys.argv[2] == "1":
    lex = frozenset(w for w in lex if w[:1].isupper())
del d; _gc.collect()
c = rss()
print(f"min_pop={sys.argv[1]}: {len(g)} names, gazetteer +{a - b} MB; de lexicon ({len(lex)} words, capitalised_only={sys.argv[2]}) +{c - a} MB")
