"""How the product's current hard gate (>= 3 shared canonical names) would treat stories-dev
pairs with each entity source: share of positives / negatives passing the gate per language."""
import json, numpy as np, sys
P = [json.loads(l) for l in open('/work/shared/corpus/stories-dev/pairs.jsonl')]
for tag in sys.argv[1:]:
    E = json.load(open(f'/work/research/out/stories_ents_{tag}.json'))
    print(tag)
    for L in ["ar", "de", "es", "tr", "en"]:
        pos = [p for p in P if p["lang1"] == L and p["overall"] <= 1.5]
        neg = [p for p in P if p["lang1"] == L and p["overall"] >= 3.5]
        def passes(p):
            a, b = p["pair_id"].split("_")
            return len(set(E[a]) & set(E[b])) >= 3
        print(f"  {L}: positives passing gate {np.mean([passes(p) for p in pos]) if pos else float('nan'):.2f} (n={len(pos)}), negatives passing {np.mean([passes(p) for p in neg]):.2f} (n={len(neg)})")
