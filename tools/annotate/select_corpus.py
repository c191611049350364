"""Pick the notes of the annotated corpus and fix their splits before anyone annotates or trains.

Deterministic (seed below): the same shared/ copy gives the same manifest. Notes of medication-gold-dev are excluded
(that set stays the development set). Very long notes (> MAX_CHARS) are left out so that one annotator batch stays
readable in one sitting; the README says so.
"""
import json
import random
import sys
from pathlib import Path

SEED = 20261203
N_NOTES = 420
N_HELD_OUT = 100
N_TUNE = 40
N_DOUBLE = 42
BATCH = 20
MAX_CHARS = 7000
SHARED = Path(__file__).resolve().parents[2] / '..' / 'shared' / 'data'


def main() -> None:
    notes = [json.loads(l) for l in open(SHARED / 'mtsamples' / 'notes.jsonl')]
    dev = {json.loads(l)['id'] for l in open(SHARED / 'medication-gold-dev' / 'notes.jsonl')}
    pool = sorted((n['id'] for n in notes if n['id'] not in dev and 200 <= len(n['text']) <= MAX_CHARS),
                  key=lambda i: int(i.split('-')[1]))
    rng = random.Random(SEED)
    chosen = rng.sample(pool, N_NOTES)
    split = {}
    for i, nid in enumerate(chosen):
        split[nid] = 'held-out' if i < N_HELD_OUT else 'tune' if i < N_HELD_OUT + N_TUNE else 'train'
    # Batches mix splits, so no annotator's habits are confined to one split.
    order = chosen[:]
    rng.shuffle(order)
    batches = {f'b{k // BATCH + 1:02d}': order[k:k + BATCH] for k in range(0, len(order), BATCH)}
    double_ids = rng.sample(chosen, N_DOUBLE)
    first_batch = {nid: b for b, ids in batches.items() for nid in ids}
    double = {f'd{k // 21 + 1:02d}': double_ids[k:k + 21] for k in range(0, N_DOUBLE, 21)}
    manifest = {
        'seed': SEED, 'source': 'shared/data/mtsamples/notes.jsonl', 'excluded': 'medication-gold-dev ids; notes over '
        f'{MAX_CHARS} or under 200 characters', 'split': split, 'batches': batches, 'double': double,
        'doubleFirstBatch': {nid: first_batch[nid] for nid in double_ids},
    }
    out = Path(__file__).resolve().parents[2] / 'data' / 'corpus' / 'manifest.json'
    out.write_text(json.dumps(manifest, indent=1) + '\n')
    counts = {s: sum(1 for v in split.values() if v == s) for s in ('train', 'tune', 'held-out')}
    print(f'{len(chosen)} notes, {len(batches)} batches, double {N_DOUBLE}; splits {counts}', file=sys.stderr)


if __name__ == '__main__':
    main()
