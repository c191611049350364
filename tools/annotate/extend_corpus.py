"""Add a second draw of notes to the annotated corpus, all of them training notes.

The held-out and tune splits of the first draw (select_corpus.py) stay exactly as they were: growing them now would
mix notes chosen after results were seen into the evaluation. New notes go to `train` only. A new note is left out when
it is a near-copy of any note already in the corpus (MTSamples repeats reports under several specialties with small
edits), so a held-out report cannot leak into training through its twin.

Deterministic: the same shared/ copy and arguments give the same manifest. Usage:
    python3 tools/annotate/extend_corpus.py --seed 20261204 --notes 160 --first-batch 22
"""
import argparse
import json
import random
import re
import sys
from pathlib import Path

from select_corpus import MAX_CHARS, SHARED, BATCH

# Two notes sharing more than this share of their word 8-grams count as copies of one report.
NEAR_COPY_SHINGLES = 0.3


def shingles(text: str) -> set:
    words = re.findall(r'[a-z0-9]+', text.lower())
    return {' '.join(words[i:i + 8]) for i in range(max(0, len(words) - 7))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--seed', type=int, required=True)
    ap.add_argument('--notes', type=int, required=True)
    ap.add_argument('--first-batch', type=int, required=True)
    args = ap.parse_args()

    out = Path(__file__).resolve().parents[2] / 'data' / 'corpus' / 'manifest.json'
    manifest = json.loads(out.read_text())
    notes = {n['id']: n['text'] for n in map(json.loads, open(SHARED / 'mtsamples' / 'notes.jsonl'))}
    dev = {json.loads(l)['id'] for l in open(SHARED / 'medication-gold-dev' / 'notes.jsonl')}
    taken = set(manifest['split'])
    taken_shingles = [shingles(notes[i]) for i in sorted(taken) if i in notes]
    taken_shingles += [shingles(json.loads(l)['text']) for l in open(SHARED / 'medication-gold-dev' / 'notes.jsonl')]

    pool = sorted((i for i, t in notes.items() if i not in dev and i not in taken and 200 <= len(t) <= MAX_CHARS),
                  key=lambda i: int(i.split('-')[1]))
    rng = random.Random(args.seed)
    rng.shuffle(pool)
    chosen, copies = [], 0
    for nid in pool:
        if len(chosen) == args.notes:
            break
        s = shingles(notes[nid])
        if any(s and len(s & t) / len(s) > NEAR_COPY_SHINGLES for t in taken_shingles):
            copies += 1
            continue
        chosen.append(nid)
        taken_shingles.append(s)
    for nid in chosen:
        manifest['split'][nid] = 'train'
    for k in range(0, len(chosen), BATCH):
        manifest['batches'][f'b{args.first_batch + k // BATCH:02d}'] = chosen[k:k + BATCH]
    manifest.setdefault('extensions', []).append({
        'seed': args.seed, 'notes': len(chosen), 'split': 'train', 'nearCopiesSkipped': copies,
        'batches': [f'b{args.first_batch + k // BATCH:02d}' for k in range(0, len(chosen), BATCH)],
    })
    out.write_text(json.dumps(manifest, indent=1) + '\n')
    print(f'{len(chosen)} notes added to train ({copies} near-copies skipped)', file=sys.stderr)


if __name__ == '__main__':
    main()
