"""Run one NER backend over the dev corpus texts and a stories-dev sample; print JSON lines.
usage: ner_eval.py BACKEND [N_STORIES_PER_LANG]
Reports per language: n, share with >=3 distinct PERSON/ORG/LOC/GPE, mean distinct, ms/article;
plus load seconds and peak RSS (ru_maxrss) after load and after the run. Samples entities to
out/ner_samples_BACKEND.jsonl for spot checks."""
import json, sys, time, resource, random, collections, os
sys.path.insert(0, os.path.dirname(__file__))
from ner_backends import LOADERS, distinct_named

def rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024

name = sys.argv[1]
n_st = int(sys.argv[2]) if len(sys.argv) > 2 else 60
rss0 = rss(); t0 = time.time()
run = LOADERS[name]()
run("Warm up text with Angela Merkel in Berlin.")
load_s = time.time() - t0; rss_load = rss()

docs = [json.loads(l) for l in open('/work/research/out/dev_texts.jsonl')]
items = [("dev", d["lang"], d["id"], d["text"]) for d in docs]
pairs = [json.loads(l) for l in open('/work/shared/corpus/stories-dev/pairs.jsonl')]
arts = {}
for p in pairs:
    for k in "12":
        arts.setdefault((p["lang" + k], p["url" + k] or p["pair_id"] + k), ((p["title" + k] or "") + "\n" + p["text" + k]).strip())
bylang = collections.defaultdict(list)
for (lang, key), text in arts.items():
    bylang[lang].append((key, text))
rng = random.Random(13)
for lang, lst in sorted(bylang.items()):
    lst.sort(); rng.shuffle(lst)
    for key, text in lst[:n_st]:
        items.append(("stories", lang, key, text))

stats = collections.defaultdict(lambda: {"n": 0, "ge3": 0, "distinct": 0, "ms": 0.0, "chars": 0})
samples = open(f'/work/research/out/ner_samples_{name}.jsonl', 'w')
for corpus, lang, key, text in items:
    t = time.perf_counter(); ents = run(text, lang=lang) if name in ('gaz', 'gazcaps', 'routed') else run(text); ms = (time.perf_counter() - t) * 1000
    d = distinct_named(ents)
    s = stats[(corpus, lang)]
    s["n"] += 1; s["ge3"] += len(d) >= 3; s["distinct"] += len(d); s["ms"] += ms; s["chars"] += len(text)
    samples.write(json.dumps({"corpus": corpus, "lang": lang, "id": key, "ents": ents[:60]}, ensure_ascii=False) + "\n")
print(json.dumps({"backend": name, "load_s": round(load_s, 2), "rss_before_mb": rss0, "rss_after_load_mb": rss_load, "rss_peak_mb": rss()}))
for (corpus, lang), s in sorted(stats.items()):
    print(json.dumps({"backend": name, "corpus": corpus, "lang": lang, "n": s["n"], "share_ge3": round(s["ge3"] / s["n"], 2),
                      "mean_distinct": round(s["distinct"] / s["n"], 1), "ms_per_article": round(s["ms"] / s["n"], 1),
                      "ms_per_1k_chars": round(s["ms"] / max(1, s["chars"]) * 1000, 2)}))
