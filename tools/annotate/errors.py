"""Lists an engine's errors on the train or tune split, field by field, for error analysis.

  python3 tools/annotate/errors.py tune /tmp/pred-tune.jsonl [field]

field: medications, problems, labs, followUps, sex, age (default: all). The held-out split is refused: its errors are
never read, so no rule or threshold is written for them (data/corpus/README.md). Matching is looser than
`clinex eval` (lower-cased texts for medications, span overlap elsewhere); it is for reading, not for scores.
"""
import json
import sys

from corpus import CORPUS, manifest


def main():
    split, pred_path = sys.argv[1], sys.argv[2]
    field = sys.argv[3] if len(sys.argv) > 3 else None
    if split == 'held-out':
        sys.exit('the held-out split is measured only; its errors are not listed')
    ids = {i for i, s in manifest()['split'].items() if s == split}
    gold = {}
    for f in sorted((CORPUS / 'annotations').glob('*.jsonl')):
        for line in open(f):
            a = json.loads(line)
            if a['id'] in ids:
                gold[a['id']] = a
    pred = {}
    for line in open(pred_path):
        p = json.loads(line)
        pred[p.get('noteId') or p.get('id')] = p

    def ov(a, b):
        return a and b and a['start'] < b['end'] and b['start'] < a['end']

    def sp(m):
        return m.get('span') if isinstance(m.get('span'), dict) else m

    for nid, g in gold.items():
        p = pred.get(nid, {})
        out = []
        if field in (None, 'medications'):
            gn = {m['name']['text'].lower() for m in g['medications']}
            pn = {m['name']['text'].lower() for m in p.get('medications', [])}
            out += [f'  med FN {t!r}' for t in sorted(gn - pn)] + [f'  med FP {t!r}' for t in sorted(pn - gn)]
        if field in (None, 'problems'):
            gp = g['diagnoses'] + g['symptoms']
            pp = p.get('diagnoses', []) + p.get('symptoms', [])
            out += [f'  problem FN {x["span"]["text"]!r}' for x in gp if not any(ov(x['span'], sp(y)) for y in pp)]
            out += [f'  problem FP {sp(y)["text"]!r}' for y in pp if sp(y) and not any(ov(x['span'], sp(y)) for x in gp)]
        if field in (None, 'labs'):
            for x in g['labs']:
                hit = [y for y in p.get('labs', []) if ov(x['name'], sp(y['name']))]
                val = x['value']['text'] if x.get('value') else None
                if not hit:
                    out.append(f'  lab FN {x["name"]["text"]!r} = {val!r}')
                elif all(y['value']['text'] != val for y in hit):
                    out.append(f'  lab VALUE {x["name"]["text"]!r} gold {val!r} pred {hit[0]["value"]["text"]!r}')
            for y in p.get('labs', []):
                if not any(ov(x['name'], sp(y['name'])) for x in g['labs']):
                    out.append(f'  lab FP {y["name"]["text"]!r} = {y["value"]["text"]!r}')
        if field in (None, 'followUps'):
            for x in g['followUps']:
                if not any(ov(x['span'], sp(y)) for y in p.get('followUps', [])):
                    out.append(f'  follow-up FN {x["span"]["text"]!r}')
            for y in p.get('followUps', []):
                if not any(ov(x['span'], sp(y)) for x in g['followUps']):
                    out.append(f'  follow-up FP {y["text"]!r}')
        if field in (None, 'sex', 'age'):
            gs = (g['patient'].get('sex') or {}).get('value')
            ps = ((p.get('patient') or {}).get('sex') or {}).get('value')
            if field != 'age' and (gs or 'unknown') != (ps or 'unknown'):
                out.append(f'  sex gold {gs} pred {ps}')
            ga = g['patient'].get('age')
            pa = (p.get('patient') or {}).get('age')
            if field != 'sex' and (ga or {}).get('value') != (pa or {}).get('value'):
                out.append(f'  age gold {ga and ga["span"]["text"]!r} pred {pa and pa["text"]!r}')
        if out:
            print(nid)
            print('\n'.join(out))


if __name__ == '__main__':
    main()
