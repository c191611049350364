"""Turns the annotated corpus (data/corpus/annotations) into training documents for the tagger.

Writes .cache/train/data/gold-train.jsonl and gold-tune.jsonl ({src: 'gold', id, text, spans: [[start, end, label]]})
in the shape prepare_data.py writes, so tokenize-corpus.mjs and train.py read them unchanged. Only notes of the
`train` and `tune` splits of data/corpus/manifest.json are read; the held-out split is refused by construction (its
ids are never looked up), and the medication gold development notes are not in the corpus at all.

Label mapping (contract field -> tagger type): medication name/dose/frequency/route -> DRUG/DOSE/FREQ/ROUTE, diagnoses
and symptoms -> DIAGNOSIS/SYMPTOM, lab name/value -> LAB_NAME/LAB_VALUE (the engine reads the unit after the value), follow-up phrase -> FOLLOWUP, age and sex
spans -> AGE/SEX. Where two annotated spans overlap (a problem named inside a follow-up phrase, a drug inside a
diagnosis), the same priority as the silver tagger keeps one.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import silver  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
SHARED = os.path.abspath(os.path.join(REPO, '..', 'shared', 'data'))
CORPUS = os.path.join(REPO, 'data', 'corpus')
TRAINABLE = ('train', 'tune')


def read_jsonl(p):
    with open(p, encoding='utf-8') as f:
        return [json.loads(l) for l in f if l.strip()]


def spans_of(ann, text):
    out = []

    def add(span, label):
        if span and span.get('end', 0) > span.get('start', 0):
            out.append((span['start'], span['end'], label))

    for m in ann.get('medications', []):
        add(m.get('name'), 'DRUG')
        add(m.get('dose'), 'DOSE')
        add(m.get('frequency'), 'FREQ')
        add(m.get('route'), 'ROUTE')
    for p in ann.get('diagnoses', []):
        add(p['span'], 'DIAGNOSIS')
    for p in ann.get('symptoms', []):
        add(p['span'], 'SYMPTOM')
    for lab in ann.get('labs', []):
        add(lab.get('name'), 'LAB_NAME')
        add(lab.get('value'), 'LAB_VALUE')
    for f in ann.get('followUps', []):
        add(f.get('span'), 'FOLLOWUP')
    pat = ann.get('patient') or {}
    for key, label in (('age', 'AGE'), ('sex', 'SEX')):
        if pat.get(key):
            add(pat[key].get('span'), label)
    return silver.resolve(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=os.path.join(REPO, '.cache', 'train', 'data'))
    a = ap.parse_args()
    manifest = json.load(open(os.path.join(CORPUS, 'manifest.json')))
    split = manifest['split']
    texts = {n['id']: n['text'] for n in read_jsonl(os.path.join(SHARED, 'mtsamples', 'notes.jsonl'))}
    docs = {s: [] for s in TRAINABLE}
    held_out_seen = 0
    ann_dir = os.path.join(CORPUS, 'annotations')
    for name in sorted(os.listdir(ann_dir)):
        for ann in read_jsonl(os.path.join(ann_dir, name)):
            s = split.get(ann['id'])
            if s not in TRAINABLE:
                held_out_seen += 1
                continue
            text = texts[ann['id']]
            docs[s].append({'src': 'gold', 'id': ann['id'], 'text': text, 'spans': [list(x) for x in spans_of(ann, text)]})
    os.makedirs(a.out, exist_ok=True)
    stats = {'held_out_skipped': held_out_seen}
    for s, ds in docs.items():
        with open(os.path.join(a.out, f'gold-{s}.jsonl'), 'w', encoding='utf-8') as f:
            for d in ds:
                f.write(json.dumps(d) + '\n')
        labels = {}
        for d in ds:
            for x in d['spans']:
                labels[x[2]] = labels.get(x[2], 0) + 1
        stats[s] = {'notes': len(ds), 'labels': labels}
    print(json.dumps(stats))


if __name__ == '__main__':
    main()
