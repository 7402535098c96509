import json, sys, time, os, glob
sys.path.insert(0, os.getcwd())
from config.settings import load_settings
from tasks.codec import decode, encode
from tasks.models import Article
from tasks.pipeline import run_inline_batch
from kombu.utils.json import dumps as kdumps, loads as kloads
files = sorted(glob.glob("/work/shared/corpus/dev/**/*.html", recursive=True))[:16]
arts = [Article(id=f"a{i}", source=f, source_kind="file") for i, f in enumerate(files)]
settings = load_settings(database_url="sqlite:////tmp/overhead_codec.db")
from tasks.storage.db import migrate
migrate("sqlite:////tmp/overhead_codec.db")
stages = ("fetch", "clean", "translate_check", "extract")
out = [a for a in run_inline_batch(arts, settings, stages) if isinstance(a, Article)]
print(len(out), "articles")
def t(name, f, n=20):
    b = time.process_time()
    for _ in range(n):
        f()
    print(f"{name}: {1000*(time.process_time()-b)/n/len(out):.3f} ms/article")
payloads = [encode(a) for a in out]
body = kdumps([payloads])
print("JSON bytes/article", len(body)/len(out))

from pydantic_core import from_json, to_json
strs = [a.model_dump_json(exclude_defaults=True) for a in out]
bA = kdumps([payloads]); bB = kdumps([strs]); bC = to_json([payloads])
for r in range(2):
    t("encode A: encode + kombu dumps", lambda: kdumps([[encode(a) for a in out]]), 40)
    t("encode B: model_dump_json + kombu dumps of strings", lambda: kdumps([[a.model_dump_json(exclude_defaults=True) for a in out]]), 40)
    t("encode C: encode + to_json", lambda: to_json([[encode(a) for a in out]]), 40)
    t("decode A: kombu loads + model_validate", lambda: [decode(p) for p in kloads(bA)[0]], 40)
    t("decode B: kombu loads + model_validate_json", lambda: [Article.model_validate_json(s) for s in kloads(bB)[0]], 40)
    t("decode C: from_json + model_validate", lambda: [decode(p) for p in from_json(bC)[0]], 40)
print("sizes A B C", len(bA)/len(out), len(bB)/len(out), len(bC)/len(out))
