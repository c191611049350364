"""Inter-annotator agreement on the double-annotated sample: data/corpus/double/* against the first annotation of the
same notes, per field, as F1 (one annotator's entries as reference, the other's as prediction; F1 is symmetric).
Prints a Markdown table and writes data/corpus/agreement.json.

Once the double sample is adjudicated (tools/annotate/adjudicate.py), the first annotation is taken from
data/corpus/adjudication-base.jsonl (the first annotations as they were before adjudication), so the first table stays
the inter-annotator agreement to publish; a second, labelled table compares the adjudicated first annotation
(data/corpus/annotations/*) with the second one (stored under "adjudicated_vs_second" in agreement.json).

Matching (the same rules `clinex eval` uses for the contract's fields):
- medication name: the same name text (case-insensitive) in the note, as a set per note;
  + dose / frequency / route: the name's attribute text also the same;
- problems: spans overlap (relaxed) or are identical (exact), and the same list (diagnoses/symptoms) is NOT required,
  since the guideline leaves findings ambiguous; negation agreement is reported over the matched pairs;
- labs: name spans overlap and the same value number (or both null);
- follow-ups: spans overlap; interval the same when both give one;
- age: same value and unit; sex: same value.
"""
import json
import sys

from corpus import CORPUS


def load(folder):
    out = {}
    for p in sorted((CORPUS / folder).glob('*.jsonl')):
        for line in p.read_text().splitlines():
            a = json.loads(line)
            out[a['id']] = a
    return out


def load_base():
    """The first annotations of the double sample as they were before adjudication (adjudication-base.jsonl, written
    by adjudicate.py apply), or None before any adjudication."""
    p = CORPUS / 'adjudication-base.jsonl'
    if not p.exists():
        return None
    return {a['id']: a for a in map(json.loads, p.read_text().splitlines())}


def f1(tp_a, n_a, tp_b, n_b):
    p = tp_b / n_b if n_b else 1.0
    r = tp_a / n_a if n_a else 1.0
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def overlap(x, y):
    return x['start'] < y['end'] and y['start'] < x['end']


def med_keys(a, attr=None):
    keys = set()
    for m in a['medications']:
        k = (m['name']['text'].lower(),)
        if attr:
            v = m.get(attr)
            k += ((v['text'].lower() if v else None),)
        keys.add(k)
    return keys


def greedy_matches(xs, ys, same):
    used, pairs = set(), []
    for i, x in enumerate(xs):
        for j, y in enumerate(ys):
            if j not in used and same(x, y):
                used.add(j)
                pairs.append((i, j))
                break
    return pairs


def table(first, second, ids):
    """Agreement of two annotations of the notes `ids`: {field: {f1, first, second}} (negation: agreement, pairs)."""
    rows = {}

    def add(field, tp_a, n_a, tp_b, n_b):
        r = rows.setdefault(field, [0, 0, 0, 0])
        r[0] += tp_a; r[1] += n_a; r[2] += tp_b; r[3] += n_b

    neg_same = neg_pairs = 0
    for nid in ids:
        a, b = first[nid], second[nid]
        for field, attr in (('medication name', None), ('name + dose', 'dose'), ('name + frequency', 'frequency'),
                            ('name + route', 'route')):
            ka, kb = med_keys(a, attr), med_keys(b, attr)
            add(field, len(ka & kb), len(ka), len(ka & kb), len(kb))
        pa = [p for lst in ('diagnoses', 'symptoms') for p in a[lst]]
        pb = [p for lst in ('diagnoses', 'symptoms') for p in b[lst]]
        for field, same in (('problems (relaxed)', lambda x, y: overlap(x['span'], y['span'])),
                            ('problems (exact)', lambda x, y: (x['span']['start'], x['span']['end']) ==
                             (y['span']['start'], y['span']['end']))):
            m_ab = greedy_matches(pa, pb, same)
            m_ba = greedy_matches(pb, pa, same)
            add(field, len(m_ab), len(pa), len(m_ba), len(pb))
            if field == 'problems (relaxed)':
                neg_pairs += len(m_ab)
                neg_same += sum(1 for i, j in m_ab if pa[i]['negated'] == pb[j]['negated'])
        lab_same = lambda x, y: overlap(x['name'], y['name']) and x.get('value_number') == y.get('value_number')
        add('labs (name + value)', len(greedy_matches(a['labs'], b['labs'], lab_same)), len(a['labs']),
            len(greedy_matches(b['labs'], a['labs'], lab_same)), len(b['labs']))

        def fu_same(x, y):
            if not overlap(x['span'], y['span']):
                return False
            return x['interval'] is None or y['interval'] is None or x['interval'] == y['interval']
        add('follow-ups', len(greedy_matches(a['followUps'], b['followUps'], fu_same)), len(a['followUps']),
            len(greedy_matches(b['followUps'], a['followUps'], fu_same)), len(b['followUps']))
        for f, key in (('age', lambda p: (p['value'], p['unit'])), ('sex', lambda p: p['value'])):
            va, vb = (a['patient'] or {}).get(f), (b['patient'] or {}).get(f)
            ka, kb = (key(va) if va else None), (key(vb) if vb else None)
            same = int(ka is not None and ka == kb)
            add(f, same, int(ka is not None), same, int(kb is not None))
    out = {f: {'f1': round(f1(*r), 3), 'first': r[1], 'second': r[3]} for f, r in rows.items()}
    out['problem negation (matched pairs)'] = {'agreement': round(neg_same / neg_pairs, 3) if neg_pairs else None,
                                               'pairs': neg_pairs}
    return out


def print_table(title, tab, first_label='first'):
    print(f'{title}\n')
    print(f'| field | F1 | entries ({first_label} / second) |\n|---|---|---|')
    for f, r in tab.items():
        if 'f1' in r:
            print(f"| {f} | {r['f1']:.3f} | {r['first']} / {r['second']} |")
        else:
            print(f"| {f} | {r['agreement']} (agreement) | {r['pairs']} pairs |")
    print()


def main() -> int:
    second = load('double')
    current = load('annotations')
    base = load_base()
    first = base or current
    ids = [i for i in second if i in first]
    if not ids:
        print('no double-annotated note has a first annotation yet', file=sys.stderr)
        return 1
    pre = table(first, second, ids)
    print_table(f'Inter-annotator agreement on {len(ids)} double-annotated notes (first annotation '
                f'{"before adjudication, adjudication-base.jsonl" if base else "as in annotations/"} vs second)', pre)
    result = {'notes': len(ids), 'fields': pre}
    if base:
        post = table(current, second, ids)
        print_table(f'Adjudicated first annotation (annotations/) vs second, {len(ids)} notes '
                    '(not an agreement figure: the adjudication saw the second annotation)', post, 'adjudicated')
        result['adjudicated_vs_second'] = post
    (CORPUS / 'agreement.json').write_text(json.dumps(result, indent=1) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
