"""Coverage table (share of articles with >= 3 distinct PERSON/ORG/LOC/GPE) per backend and
language from out/ner_results.jsonl (+ the final gazcaps run out/ner_gazcaps_v3.jsonl)."""
import json, collections
rows = [json.loads(l) for l in open('/work/research/out/ner_results.jsonl')]
rows = [r for r in rows if r.get('backend') not in ('gaz', 'gazcaps')]
rows += [json.loads(l) for l in open('/work/research/out/ner_gazcaps_v3.jsonl')]
tab = collections.defaultdict(dict); backs = []; meta = {}
for r in rows:
    if 'load_s' in r:
        meta[r['backend']] = r; continue
    if r['backend'] not in backs: backs.append(r['backend'])
    tab[(r['corpus'], r['lang'], r['n'])][r['backend']] = r
print('| corpus | lang | n | ' + ' | '.join(backs) + ' |')
print('|' + '---|' * (3 + len(backs)))
for k in sorted(tab, key=lambda k: (k[0], -k[2])):
    print(f'| {k[0]} | {k[1]} | {k[2]} | ' + ' | '.join(
        f"{tab[k][b]['share_ge3']:.2f} ({tab[k][b]['mean_distinct']:.0f}; {tab[k][b]['ms_per_1k_chars']:.0f})" if b in tab[k] else '-' for b in backs) + ' |')
print()
for b, m in meta.items():
    print(b, m)
