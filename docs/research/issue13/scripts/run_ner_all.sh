#!/bin/sh
# Each backend in its own process so load time and RSS are its own.
cd /work/research
for b in en_sm fr_sm fr_md es_sm31 cs_sm natasha jieba gaz gazcaps; do
  nice -n 15 .venv/bin/python scripts/ner_eval.py $b 60 2>/dev/null
done > out/ner_results.jsonl
