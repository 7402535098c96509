"""Print a seeded random sample of 20 distinct named entities (PERSON/ORG/LOC/GPE/CAPS) for a
backend, language and corpus, for by-eye precision checks.
usage: spot_check.py BACKEND LANG [dev|stories] [N]"""
import json, random, sys
b, L = sys.argv[1], sys.argv[2]
corpus = sys.argv[3] if len(sys.argv) > 3 else None
n = int(sys.argv[4]) if len(sys.argv) > 4 else 20
seen = {}
for line in open(f'/work/research/out/ner_samples_{b}.jsonl'):
    r = json.loads(line)
    if r["lang"] != L or (corpus and r["corpus"] != corpus):
        continue
    for s, l in r["ents"]:
        if l in ("PERSON", "ORG", "LOC", "GPE", "CAPS"):
            seen.setdefault(s.casefold(), (s, l))
items = sorted(seen.values())
random.Random(int(__import__("os").environ.get("SEED", 13))).shuffle(items)
print(f"{b} {L} {corpus or 'all'}: {len(items)} distinct; sample:")
print(" ; ".join(f"{s.replace(chr(10), ' ')}/{l[:3]}" for s, l in items[:n]))
