"""Entity keys per stories-dev article with a NER backend, for entity-overlap scores.
Key: anyascii transliteration, casefolded, possessive/apostrophe suffix dropped; multi-word
spans also give their last word (surname-style key, as the product's canonical names do).
usage: stories_entities.py BACKEND  -> out/stories_ents_BACKEND.json"""
import json, re, sys, os, time
sys.path.insert(0, os.path.dirname(__file__))
from anyascii import anyascii
from ner_backends import LOADERS
name = sys.argv[1]
run = LOADERS[name]()
A = json.load(open('/work/research/out/stories_articles.json'))
def keys(ents):
    out = set()
    for s, l in ents:
        if l not in ("PERSON", "ORG", "LOC", "GPE", "CAPS"):
            continue
        s = re.sub(r"['’`][^\s]*$", "", s.strip())          # Erdoğan'ın, Trump's
        k = anyascii(s).casefold().strip(" .,-\"'")
        if len(k) < 2:
            continue
        out.add(k)
        parts = k.split()
        if len(parts) > 1 and len(parts[-1]) >= 3:
            out.add(parts[-1])
    return sorted(out)
t = time.time(); E = {}
for a in A["ids"]:
    art = A["arts"][a]
    text = (art["title"] + "\n" + art["text"]).strip()
    ents = run(text, lang=art["lang"]) if name in ("gaz", "gazcaps", "routed") else run(text)
    E[a] = keys(ents)
json.dump(E, open(f'/work/research/out/stories_ents_{name}.json', 'w'), ensure_ascii=False)
print(name, len(E), "articles", round(time.time() - t, 1), "s")
