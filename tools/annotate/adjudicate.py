"""Adjudication of the double sample: the differences between the first annotation (data/corpus/annotations/bNN.jsonl)
and the second one (data/corpus/double/dNN.jsonl) of the 42 double-annotated notes, and the decisions that make the
first annotation the adjudicated one.

usage:
  python3 tools/annotate/adjudicate.py diff [NOTE_ID]   every difference, per double-sample note (or one note)
  python3 tools/annotate/adjudicate.py apply            rewrite the double-sample lines of annotations/bNN.jsonl
                                                        from the pre-adjudication base plus the decisions

Base. The first annotations as they were before adjudication are kept, one note per line, in
data/corpus/adjudication-base.jsonl (written once, by the first `apply`, from annotations/ as committed, when absent; `diff` reads annotations/
while it is absent).
`diff` and `apply` always compare the base with the second annotation, so indices in the decisions refer to the base
and to double/dNN.jsonl, and `apply` is idempotent: the adjudicated lines are recomputed from base + decisions.

Matching (entries are matched as the same mention; agreement.py's `overlap` and `greedy_matches`, exact offsets first,
then overlap among the rest):
- medications: name spans; problems: spans, across diagnoses and symptoms; labs: name spans (and value spans
  overlapping, when both name spans overlap several); follow-ups: spans; age and sex: one per note.
A difference is an entry of one side not matched in the other (`only_first`, `only_second`), or a matched pair whose
attributes differ (`pair`): problems: list, boundaries, negated; medications: name/dose/frequency/route spans,
dose_value, dose_unit, status; labs: name/value/unit spans, value_number, flag; follow-ups: span, interval, with;
age: value, unit, span; sex: value, span.

Decisions: data/corpus/adjudication.jsonl, one JSON object per line, one per difference:
  {"id": "mts-123", "field": "medications"|"problems"|"labs"|"followUps"|"age"|"sex",
   "first": "medications[2]" | null, "second": "medications[1]" | null,     # entry refs as printed by `diff`
   "action": ACTION, "set": {...} (edit only), "text": "short span text", "reason": "short reason"}
  (for age and sex, first/second are "patient.age"/"patient.sex", or null when that side has none).
ACTION:
- keep_first    the first annotation stands (an only_first entry is kept, an only_second entry is not added,
                a pair keeps the first entry's attributes);
- take_second   (pair, or age/sex) the first entry is replaced by the second one, as a whole (list included);
- add_second    (only_second) the second entry is added to the first annotation, in its list, with its offsets;
- remove_first  (only_first) the first entry is removed;
- edit          (any) the first entry (or, for only_second, the added second entry) gets the keys of "set" replaced
                (e.g. {"negated": false}, {"list": "diagnoses"}, {"dose_unit": "ml"}; spans with start/end), for a
                case where neither side is right as it stands.
Every difference must have exactly one decision; `apply` refuses to write otherwise. Lists of an adjudicated note are
written ordered by span start (stable); notes without a change keep their line as committed; every other line of
annotations/ stays byte-identical. After writing, every span and shape of the rewritten files is re-checked.
"""
import json
import sys
from collections import Counter

from agreement import greedy_matches, overlap
from corpus import CORPUS, manifest, note_texts, shape_errors, spans_of

BASE = CORPUS / 'adjudication-base.jsonl'
DECISIONS = CORPUS / 'adjudication.jsonl'
ACTIONS = {'keep_first', 'take_second', 'add_second', 'remove_first', 'edit'}
FIELDS = ('medications', 'problems', 'labs', 'followUps', 'age', 'sex')


def dumps(a):
    return json.dumps(a, ensure_ascii=False)


def double_ids():
    m = manifest()
    return {nid: m['doubleFirstBatch'][nid] for d in sorted(m['double']) for nid in m['double'][d]}


def read_lines(folder):
    out = {}
    for p in sorted((CORPUS / folder).glob('*.jsonl')):
        for line in p.read_text().splitlines():
            out[json.loads(line)['id']] = line
    return out


def base_lines(write=False):
    """The pre-adjudication first annotations of the double sample: the base file, or (absent) annotations/ as
    committed, which `apply` (write=True) then stores as the base, once."""
    if not BASE.exists():
        first = read_lines('annotations')
        lines = ''.join(first[nid] + '\n' for nid in double_ids())
        if not write:
            return {nid: first[nid] for nid in double_ids()}
        BASE.write_text(lines)
    return {json.loads(line)['id']: line for line in BASE.read_text().splitlines()}


def second_anns():
    return {nid: json.loads(line) for nid, line in read_lines('double').items()}


def sp(s):
    return None if s is None else (s['start'], s['end'], s['text'])


def show(s):
    return 'null' if s is None else f"{s['text']!r}@{s['start']}-{s['end']}"


def match(xs, ys, key, strict=None):
    """Pairs (i, j) of the same mention: identical key spans first (or `strict`), then overlapping key spans."""
    strict = strict or (lambda x, y: (key(x)['start'], key(x)['end']) == (key(y)['start'], key(y)['end']))
    exact = greedy_matches(xs, ys, strict)
    ui, uj = {i for i, _ in exact}, {j for _, j in exact}
    ri = [i for i in range(len(xs)) if i not in ui]
    rj = [j for j in range(len(ys)) if j not in uj]
    rest = greedy_matches([xs[i] for i in ri], [ys[j] for j in rj], lambda x, y: overlap(key(x), key(y)))
    pairs = exact + [(ri[a], rj[b]) for a, b in rest]
    mi, mj = {i for i, _ in pairs}, {j for _, j in pairs}
    return sorted(pairs), [i for i in range(len(xs)) if i not in mi], [j for j in range(len(ys)) if j not in mj]


def problems(a):
    return [(f'{lst}[{i}]', lst, p) for lst in ('diagnoses', 'symptoms') for i, p in enumerate(a[lst])]


def entry_attrs(field, e, lst=None):
    """The compared attributes of one entry, as {name: comparable value} and {name: printable value}."""
    if field == 'problems':
        return {'list': lst, 'span': sp(e['span']), 'negated': e['negated']}
    if field == 'medications':
        return {'name': sp(e['name']), 'dose': sp(e.get('dose')), 'dose_value': e.get('dose_value'),
                'dose_unit': e.get('dose_unit'), 'frequency': sp(e.get('frequency')), 'route': sp(e.get('route')),
                'status': e.get('status')}
    if field == 'labs':
        return {'name': sp(e['name']), 'value': sp(e['value']), 'value_number': e.get('value_number'),
                'unit': sp(e.get('unit')), 'flag': e.get('flag')}
    if field == 'followUps':
        return {'span': sp(e['span']), 'interval': e.get('interval'), 'with': sp(e.get('with'))}
    if field == 'age':
        return {'value': e['value'], 'unit': e['unit'], 'span': sp(e['span'])}
    if field == 'sex':
        return {'value': e['value'], 'span': sp(e['span'])}
    raise ValueError(field)


def fmt_attrs(field, e, lst=None):
    parts = []
    for k, v in entry_attrs(field, e, lst).items():
        if isinstance(v, tuple):
            v = show({'start': v[0], 'end': v[1], 'text': v[2]})
        elif isinstance(v, dict):
            v = f"{v.get('value')} {v.get('unit')}"
        parts.append(f'{k}={v}')
    return ' '.join(parts)


def differences(nid, a, b):
    """Every difference of one note: dicts {id, field, kind, first, second, text, detail}."""
    out = []

    def item(field, kind, fr, sr, text, detail):
        out.append({'id': nid, 'field': field, 'kind': kind, 'first': fr, 'second': sr, 'text': text,
                    'detail': detail})

    lists = {
        'medications': ([(f'medications[{i}]', None, m) for i, m in enumerate(a['medications'])],
                        [(f'medications[{i}]', None, m) for i, m in enumerate(b['medications'])], lambda e: e['name']),
        'problems': (problems(a), problems(b), lambda e: e['span']),
        'labs': ([(f'labs[{i}]', None, x) for i, x in enumerate(a['labs'])],
                 [(f'labs[{i}]', None, x) for i, x in enumerate(b['labs'])], lambda e: e['name']),
        'followUps': ([(f'followUps[{i}]', None, x) for i, x in enumerate(a['followUps'])],
                      [(f'followUps[{i}]', None, x) for i, x in enumerate(b['followUps'])], lambda e: e['span']),
    }
    for field, (xs, ys, key) in lists.items():
        strict = None
        if field == 'labs':   # several results of one test name: the value span decides the mention first
            strict = lambda x, y: overlap(x['name'], y['name']) and overlap(x['value'], y['value'])
        pairs, oi, oj = match([x[2] for x in xs], [y[2] for y in ys], key, strict)
        for i in oi:
            r, lst, e = xs[i]
            item(field, 'only_first', r, None, key(e)['text'], fmt_attrs(field, e, lst))
        for j in oj:
            r, lst, e = ys[j]
            item(field, 'only_second', None, r, key(e)['text'], fmt_attrs(field, e, lst))
        for i, j in pairs:
            (ra, la, ea), (rb, lb, eb) = xs[i], ys[j]
            va, vb = entry_attrs(field, ea, la), entry_attrs(field, eb, lb)
            if va != vb:
                diff = [k for k in va if va[k] != vb[k]]
                item(field, 'pair', ra, rb, key(ea)['text'],
                     f"differs in {', '.join(diff)}\n      first:  {fmt_attrs(field, ea, la)}"
                     f"\n      second: {fmt_attrs(field, eb, lb)}")
    for f in ('age', 'sex'):
        va, vb = (a['patient'] or {}).get(f), (b['patient'] or {}).get(f)
        if va is None and vb is None:
            continue
        if va is None or vb is None or entry_attrs(f, va) != entry_attrs(f, vb):
            item(f, 'pair' if va and vb else ('only_first' if va else 'only_second'),
                 f'patient.{f}' if va else None, f'patient.{f}' if vb else None, (va or vb)['span']['text'],
                 f"first:  {fmt_attrs(f, va) if va else 'null'}\n      second: {fmt_attrs(f, vb) if vb else 'null'}")
    return out


def all_differences(only=None):
    base = {nid: json.loads(line) for nid, line in base_lines().items()}
    second = second_anns()
    out = []
    for nid in double_ids():
        if only and nid != only:
            continue
        out += differences(nid, base[nid], second[nid])
    return out


def cmd_diff(only=None):
    diffs = all_differences(only)
    decided = {(d['id'], d['field'], d.get('first'), d.get('second')): d for d in load_decisions()}
    note = None
    for d in diffs:
        if d['id'] != note:
            note = d['id']
            print(f'===== {note} (first: {double_ids()[note]}) =====')
        dec = decided.get((d['id'], d['field'], d['first'], d['second']))
        mark = f"  [decided: {dec['action']}]" if dec else ''
        print(f"  {d['field']} {d['kind']} first={d['first']} second={d['second']} {d['text']!r}{mark}")
        print(f"      {d['detail']}")
    c = Counter((d['field'], d['kind']) for d in diffs)
    print(f'\n{len(diffs)} differences: ' + ', '.join(f'{f}/{k} {n}' for (f, k), n in sorted(c.items())))
    return 0


def load_decisions():
    if not DECISIONS.exists():
        return []
    return [json.loads(line) for line in DECISIONS.read_text().splitlines() if line.strip()]


def get_ref(ref):
    """(list name, index) of an entry reference such as 'symptoms[3]'."""
    lst, idx = ref[:-1].split('[')
    return lst, int(idx)


def cmd_apply():
    base_l = base_lines(write=True)
    base = {nid: json.loads(line) for nid, line in base_l.items()}
    second = second_anns()
    texts = note_texts()
    diffs = all_differences()
    keys = {(d['id'], d['field'], d['first'], d['second']): d for d in diffs}
    decisions = load_decisions()
    errs, seen = [], {}
    for n, dec in enumerate(decisions, 1):
        k = (dec.get('id'), dec.get('field'), dec.get('first'), dec.get('second'))
        d = keys.get(k)
        if d is None:
            errs.append(f'decision line {n}: no such difference {k}')
            continue
        if k in seen:
            errs.append(f'decision line {n}: difference {k} decided twice (line {seen[k]})')
        seen[k] = n
        act = dec.get('action')
        ok = {'only_first': {'keep_first', 'remove_first', 'edit'},
              'only_second': {'keep_first', 'add_second', 'edit'},
              'pair': {'keep_first', 'take_second', 'edit'}}[d['kind']]
        if act not in ok:
            errs.append(f'decision line {n}: action {act!r} not allowed for a {d["kind"]} difference')
        if act == 'edit' and not isinstance(dec.get('set'), dict):
            errs.append(f'decision line {n}: edit needs "set"')
        if not dec.get('reason'):
            errs.append(f'decision line {n}: no reason')
    missing = [k for k in keys if k not in seen]
    errs += [f'undecided: {k[0]} {k[1]} first={k[2]} second={k[3]} {keys[k]["text"]!r}' for k in missing]
    if errs:
        print('\n'.join(errs))
        print(f'{len(errs)} problems; nothing written')
        return 1

    # build adjudicated annotations
    out = {}
    for nid in double_ids():
        a = json.loads(base_l[nid])
        decs = [d for d in decisions if d['id'] == nid and d['action'] != 'keep_first']
        if not decs:
            continue
        # entries per list as mutable slots, so indices of the base stay valid while editing
        slots = {lst: [[e, lst] for e in a[lst]] for lst in ('medications', 'diagnoses', 'symptoms', 'labs',
                                                              'followUps')}
        added = []
        for dec in decs:
            f, act = dec['field'], dec['action']
            if f in ('age', 'sex'):
                val = a['patient'].get(f)
                if act == 'take_second':
                    val = second[nid]['patient'].get(f)
                elif act == 'remove_first':
                    val = None
                elif act == 'add_second':
                    val = second[nid]['patient'].get(f)
                elif act == 'edit':
                    val = dict(val or second[nid]['patient'][f]); val.update(dec['set'])
                a['patient'][f] = val
                continue
            if dec.get('first'):
                lst, i = get_ref(dec['first'])
                slot = slots[lst][i]
            else:
                slot = None
            if dec.get('second'):
                lst2, j = get_ref(dec['second'])
                e2 = json.loads(json.dumps(second[nid][lst2][j]))
            if act == 'remove_first':
                slot[0] = None
            elif act == 'take_second':
                slot[0], slot[1] = e2, lst2
            elif act == 'add_second':
                added.append([e2, lst2])
            elif act == 'edit':
                if slot is None:
                    slot = [e2, lst2]
                    added.append(slot)
                e = dict(slot[0])
                for k, v in dec['set'].items():
                    if k == 'list':
                        slot[1] = v
                    else:
                        e[k] = v
                if 'span' in dec['set'] and 'text' in e:
                    e['text'] = e['span']['text']
                slot[0] = e
        new = {lst: [] for lst in slots}
        for lst, ss in slots.items():
            for e, l2 in ss:
                if e is not None:
                    new[l2].append(e)
        for e, l2 in added:
            new[l2].append(e)
        key = {'medications': lambda m: m['name']['start'], 'diagnoses': lambda p: p['span']['start'],
               'symptoms': lambda p: p['span']['start'], 'labs': lambda x: x['name']['start'],
               'followUps': lambda x: x['span']['start']}
        for lst in new:
            a[lst] = sorted(new[lst], key=key[lst])
        out[nid] = a

    # rewrite the batches: double-sample lines from base + decisions, every other line as committed
    dbl = double_ids()
    changed_files = set()
    problems_ = []
    for p in sorted((CORPUS / 'annotations').glob('*.jsonl')):
        lines = p.read_text().splitlines()
        new_lines = []
        for line in lines:
            nid = json.loads(line)['id']
            if nid in dbl:
                line = dumps(out[nid]) if nid in out else base_l[nid]
            new_lines.append(line)
        text = ''.join(x + '\n' for x in new_lines)
        if text != p.read_text():
            p.write_text(text)
            changed_files.add(p.name)
        for line in new_lines:
            ann = json.loads(line)
            if ann['id'] not in dbl:
                continue
            problems_ += [f'{p.name} {ann["id"]}: {e}' for e in shape_errors(ann)]
            note = texts[ann['id']]
            for where, s in spans_of(ann):
                if note[s['start']:s['end']] != s['text']:
                    problems_.append(f'{p.name} {ann["id"]} {where}: offsets do not give {s["text"]!r}')
    changed_notes = len(out)
    c_act = Counter(d['action'] for d in decisions)
    c_field = Counter(d['field'] for d in decisions)
    print(f"{len(decisions)} decisions on {len(diffs)} differences in {len(dbl)} notes: "
          + ', '.join(f'{k} {v}' for k, v in sorted(c_act.items())) + '; '
          + ', '.join(f'{k} {c_field[k]}' for k in FIELDS if c_field[k]) + f'; {changed_notes} notes changed'
          + f" ({len(changed_files)} files rewritten this run); spans re-checked: "
          + ('OK' if not problems_ else f'{len(problems_)} problems'))
    if problems_:
        print('\n'.join(problems_))
        return 1
    return 0


def main(argv):
    if len(argv) >= 2 and argv[1] == 'diff':
        return cmd_diff(argv[2] if len(argv) > 2 else None)
    if len(argv) == 2 and argv[1] == 'apply':
        return cmd_apply()
    print(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
