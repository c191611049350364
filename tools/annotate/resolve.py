"""Turns an annotator's drafts into checked annotations: computes every span's offsets, checks the shape.

usage: python3 tools/annotate/resolve.py BATCH
Drafts: .cache/annotate/drafts/BATCH/<note id>.json, one per note of the batch, in the contract's shape, where a span
may be written without offsets as {"text": "...", "ctx": "a verbatim quote around it"} (ctx optional when the text
occurs once in the note; "occ": n picks the n-th occurrence of ctx, or of text when there is no ctx). Spans that already
carry start/end are kept when note[start:end] == text. Writes data/corpus/{annotations|double}/BATCH.jsonl only when
every draft resolves; otherwise prints each problem and exits 1.
"""
import json
import sys

from corpus import WORK, batch_ids, note_texts, output_path, shape_errors, spans_of


def occurrences(hay: str, needle: str) -> list:
    out, i = [], hay.find(needle)
    while i >= 0:
        out.append(i)
        i = hay.find(needle, i + 1)
    return out


def resolve_span(note: str, span: dict) -> str | None:
    text = span.get('text')
    if not isinstance(text, str) or not text or text != text.strip():
        return f'span text {text!r} is empty or has surrounding spaces'
    if isinstance(span.get('start'), int) and note[span['start']:span.get('end', -1)] == text:
        span.pop('ctx', None), span.pop('occ', None)
        return None
    ctx, occ = span.pop('ctx', None), span.pop('occ', None)
    base = 0
    if ctx:
        hits = occurrences(note, ctx)
        if not hits:
            return f'ctx {ctx!r} not found verbatim in the note'
        if occ is None and len(hits) > 1:
            return f'ctx {ctx!r} occurs {len(hits)} times: lengthen it or add "occ"'
        base = hits[(occ or 1) - 1] if (occ or 1) <= len(hits) else None
        if base is None:
            return f'ctx {ctx!r} has only {len(hits)} occurrences'
        inner = ctx.find(text)
        if inner < 0:
            return f'text {text!r} is not inside its ctx {ctx!r}'
        start = base + inner
    else:
        hits = occurrences(note, text)
        if not hits:
            return f'text {text!r} not found verbatim in the note'
        if occ is None and len(hits) > 1:
            return f'text {text!r} occurs {len(hits)} times: add "ctx" (a quote around the mention) or "occ"'
        if (occ or 1) > len(hits):
            return f'text {text!r} has only {len(hits)} occurrences'
        start = hits[(occ or 1) - 1]
    span['start'], span['end'] = start, start + len(text)
    return None


def main() -> int:
    batch = sys.argv[1]
    texts = note_texts()
    problems, out = [], []
    for nid in batch_ids(batch):
        path = WORK / 'drafts' / batch / f'{nid}.json'
        if not path.exists():
            problems.append(f'{nid}: no draft at {path}')
            continue
        try:
            ann = json.loads(path.read_text())
        except json.JSONDecodeError as e:
            problems.append(f'{nid}: draft is not JSON ({e})')
            continue
        ann['id'] = nid
        note = texts[nid]
        for lst in ('diagnoses', 'symptoms'):
            for p in ann.get(lst, []):
                p.setdefault('text', (p.get('span') or {}).get('text'))
        for where, span in spans_of(ann):
            err = resolve_span(note, span) if isinstance(span, dict) else 'not a span object'
            if err:
                problems.append(f'{nid} {where}: {err}')
        problems += [f'{nid}: {e}' for e in shape_errors(ann)]
        out.append(ann)
    if problems:
        print('\n'.join(problems))
        print(f'{len(problems)} problem(s); nothing written', file=sys.stderr)
        return 1
    dest = output_path(batch)
    dest.write_text(''.join(json.dumps(a, ensure_ascii=False) + '\n' for a in out))
    n = {k: sum(len(a[k]) for a in out) for k in ('medications', 'diagnoses', 'symptoms', 'labs', 'followUps')}
    print(f'{batch}: {len(out)} notes written to {dest.relative_to(dest.parents[2])}; counts {n}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
