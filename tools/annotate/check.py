"""Checks every committed annotation: JSON shape, and text == note[start:end] for every span. Exit 1 on any problem."""
import json
import sys

from corpus import CORPUS, note_texts, shape_errors, spans_of

texts = note_texts()
problems, notes = [], 0
for path in sorted((CORPUS / 'annotations').glob('*.jsonl')) + sorted((CORPUS / 'double').glob('*.jsonl')):
    for line in path.read_text().splitlines():
        ann = json.loads(line)
        notes += 1
        note = texts.get(ann['id'])
        if note is None:
            problems.append(f'{path.name} {ann["id"]}: unknown note id')
            continue
        problems += [f'{path.name} {ann["id"]}: {e}' for e in shape_errors(ann)]
        for where, s in spans_of(ann):
            if note[s['start']:s['end']] != s['text']:
                problems.append(f'{path.name} {ann["id"]} {where}: offsets do not give {s["text"]!r}')
print('\n'.join(problems) or f'{notes} annotated notes, every span and shape checked')
sys.exit(1 if problems else 0)
