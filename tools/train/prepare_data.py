"""Builds the training corpus: synthetic notes, silver-labelled MTSamples, PHEE and ADE-Corpus-V2.

Writes .cache/train/data/corpus.jsonl ({src, text, spans: [[start, end, label]]}) and corpus_stats.json.
The medication gold development notes and the annotated corpus's notes are excluded from the silver MTSamples (by id,
and the gold notes also by text), so no evaluation note is trained on.
"""
import argparse
import json
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
import silver  # noqa: E402
import synth  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
SHARED = os.path.abspath(os.path.join(REPO, '..', 'shared', 'data'))


def read_jsonl(p):
    with open(p, encoding='utf-8') as f:
        return [json.loads(l) for l in f if l.strip()]


def excluded_notes():
    """The medication gold development notes, and every note of the annotated corpus (its held-out and tune splits
    must never be trained on; its train split enters as gold through gold_corpus.py, not as silver)."""
    gold = read_jsonl(os.path.join(SHARED, 'medication-gold-dev', 'notes.jsonl'))
    corpus = json.load(open(os.path.join(REPO, 'data', 'corpus', 'manifest.json')))['split']
    return {g['id'] for g in gold} | set(corpus), {re.sub(r'\s+', ' ', g['text']).strip()[:400] for g in gold}


def mtsamples(rng):
    ids, texts = excluded_notes()
    out, skipped = [], 0
    for n in read_jsonl(os.path.join(SHARED, 'mtsamples', 'notes.jsonl')):
        if n['id'] in ids or re.sub(r'\s+', ' ', n['text']).strip()[:400] in texts:
            skipped += 1
            continue
        out.append({'src': 'mtsamples', 'id': n['id'], 'text': n['text'], 'spans': silver.tag(n['text'])})
    return out, skipped


PHEE_MAP = {'Drug': 'DRUG', 'Dosage': 'DOSE', 'Route': 'ROUTE', 'Freq': 'FREQ', 'Disorder': 'DIAGNOSIS',
            'Age': 'AGE', 'Gender': 'SEX'}


def _phee_spans(node, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if k in PHEE_MAP and isinstance(v, dict) and 'text' in v and 'start' in v:
                for texts, starts in zip(v['text'], v['start']):
                    for t, s in zip(texts, starts):
                        out.append((s, s + len(t), PHEE_MAP[k]))
            if isinstance(v, (dict, list)):
                _phee_spans(v, out)
    elif isinstance(node, list):
        for v in node:
            _phee_spans(v, out)


def phee():
    out = []
    for split in ('train', 'dev'):
        for d in read_jsonl(os.path.join(SHARED, 'phee', f'{split}.jsonl')):
            text = d['context']
            gold = []
            _phee_spans(d.get('annotations', []), gold)
            gold = [s for s in gold if text[s[0]:s[1]] and s[1] <= len(text)]
            # PHEE only labels drugs tied to an event: add silver drug/sig spans where PHEE says nothing.
            spans = silver.resolve(gold + [s for s in silver.tag(text, with_other=False)
                                           if not any(s[0] < g[1] and g[0] < s[1] for g in gold)])
            out.append({'src': 'phee', 'text': text, 'spans': spans})
    return out


def ade(rng):
    out = []
    base = os.path.join(SHARED, 'ade-corpus-v2')
    seen = {}
    for line in open(os.path.join(base, 'DRUG-DOSE.rel'), encoding='utf-8'):
        p = line.rstrip('\n').split('|')
        if len(p) < 8:
            continue
        text, dose, drug = p[1], p[2], p[5]
        spans = []
        for s, lab in ((drug, 'DRUG'), (dose, 'DOSE')):
            i = text.find(s)
            if i >= 0:
                spans.append((i, i + len(s), lab))
        seen.setdefault(text, []).extend(spans)
    ae = [l.rstrip('\n').split('|') for l in open(os.path.join(base, 'DRUG-AE.rel'), encoding='utf-8')]
    rng.shuffle(ae)
    for p in ae[:2500]:
        if len(p) < 8:
            continue
        text, drug = p[1], p[5]
        i = text.find(drug)
        if i >= 0:
            seen.setdefault(text, []).append((i, i + len(drug), 'DRUG'))
    for text, gold in seen.items():
        spans = silver.resolve(gold + [s for s in silver.tag(text, with_other=False)
                                       if not any(s[0] < g[1] and g[0] < s[1] for g in gold)])
        out.append({'src': 'ade', 'text': text, 'spans': spans})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--seed', type=int, default=13)
    ap.add_argument('--synthetic', type=int, default=4000)
    ap.add_argument('--out', default=os.path.join(REPO, '.cache', 'train', 'data'))
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    g = synth.Gen(a.seed)
    docs = [dict(src='synthetic', **g.note()) for _ in range(a.synthetic)]
    mts, skipped = mtsamples(rng)
    docs += mts + phee() + ade(rng)
    for d in docs:
        d['spans'] = [list(s) for s in d['spans']]
    rng.shuffle(docs)
    stats = {'docs': len(docs), 'gold_notes_excluded_from_mtsamples': skipped, 'by_source': {}, 'labels': {}}
    for d in docs:
        stats['by_source'][d['src']] = stats['by_source'].get(d['src'], 0) + 1
        for s in d['spans']:
            stats['labels'][s[2]] = stats['labels'].get(s[2], 0) + 1
    with open(os.path.join(a.out, 'corpus.jsonl'), 'w', encoding='utf-8') as f:
        for d in docs:
            f.write(json.dumps(d) + '\n')
    json.dump(stats, open(os.path.join(a.out, 'corpus_stats.json'), 'w'), indent=1)
    print(json.dumps(stats))


if __name__ == '__main__':
    main()
