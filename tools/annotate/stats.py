"""Counts of the committed corpus: notes and entries per split (train / tune / held-out), and the double sample."""
import json

from corpus import CORPUS, SPAN_LISTS, manifest

split = manifest()['split']
rows = {}
for path in sorted((CORPUS / 'annotations').glob('*.jsonl')):
    for line in path.read_text().splitlines():
        a = json.loads(line)
        r = rows.setdefault(split[a['id']], {'notes': 0, **{k: 0 for k in SPAN_LISTS}})
        r['notes'] += 1
        for k in SPAN_LISTS:
            r[k] += len(a[k])
double = sum(len(p.read_text().splitlines()) for p in (CORPUS / 'double').glob('*.jsonl'))
print('| split | notes | ' + ' | '.join(SPAN_LISTS) + ' |\n|---|' + '---|' * (len(SPAN_LISTS) + 1))
for s in ('train', 'tune', 'held-out'):
    r = rows.get(s, {'notes': 0, **{k: 0 for k in SPAN_LISTS}})
    print(f"| {s} | {r['notes']} | " + ' | '.join(str(r[k]) for k in SPAN_LISTS) + ' |')
total = {k: sum(r[k] for r in rows.values()) for k in ('notes', *SPAN_LISTS)}
print('| all | ' + ' | '.join(str(total[k]) for k in ('notes', *SPAN_LISTS)) + ' |')
print(f'\nsecond annotations (double sample): {double} notes')
