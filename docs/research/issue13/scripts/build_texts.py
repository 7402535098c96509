"""Build one clean text per dev page.
sh/lg: gold_text. tf (snippets only): trafilatura's extraction of the HTML (the product's
clean stage uses trafilatura too), falling back to title + gold_with snippets when shorter.
Writes out/dev_texts.jsonl with id, lang, source, text, text_kind."""
import json, glob, os, collections
import trafilatura
out = []
for p in sorted(glob.glob('/work/shared/corpus/dev/*.json')):
    d = json.load(open(p))
    if d['gold_text']:
        text, kind = d['gold_text'], 'gold'
    else:
        raw = open(p[:-5] + '.html', 'rb').read().decode((d['encoding'] or 'utf-8').split(' ')[0], errors='replace')
        title = (d.get('gold_meta') or {}).get('title') or ''
        snip = '\n'.join([title] + list(d.get('gold_with') or []))
        ext = trafilatura.extract(raw, url=d.get('url'), favor_precision=False) or ''
        if len(ext) > len(snip):
            text, kind = (title + '\n' + ext if title and title not in ext[:300] else ext), 'trafilatura'
        else:
            text, kind = snip, 'snippets'
    out.append({'id': d['id'], 'lang': d['lang'], 'source': d['id'][:2], 'text': text.strip(), 'text_kind': kind})
os.makedirs('/work/research/out', exist_ok=True)
with open('/work/research/out/dev_texts.jsonl', 'w') as f:
    for r in out:
        f.write(json.dumps(r, ensure_ascii=False) + '\n')
c = collections.defaultdict(list)
for r in out: c[r['lang']].append(len(r['text']))
for k, v in sorted(c.items(), key=lambda x: -len(x[1])):
    v.sort(); print(k, len(v), 'median chars', v[len(v)//2], 'min', v[0])
