"""Applies the silver rule tagger to notes ({id, text} JSONL) and writes {id, spans} JSONL: the rules-only baseline
that the model card compares the network against (scored with `clinex eval` after rules-baseline.ts)."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import silver  # noqa: E402

with open(sys.argv[2], 'w', encoding='utf-8') as out:
    for line in open(sys.argv[1], encoding='utf-8'):
        if line.strip():
            n = json.loads(line)
            out.write(json.dumps({'id': n['id'], 'text': n['text'], 'spans': silver.tag(n['text'])}) + '\n')
