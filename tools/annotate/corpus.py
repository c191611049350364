"""Shared helpers of the annotation tools: the manifest, note texts by id, and the annotation shape."""
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / '..' / 'shared' / 'data'
CORPUS = ROOT / 'data' / 'corpus'
WORK = ROOT / '.cache' / 'annotate'

SPAN_LISTS = ('medications', 'diagnoses', 'symptoms', 'labs', 'followUps')
MED_STATUS = {'current', 'new', 'stopped', 'past', 'allergy', 'negated'}
AGE_UNITS = {'years', 'months', 'weeks', 'days'}
INTERVAL_UNITS = {'days', 'weeks', 'months', 'years'}
LAB_FLAGS = {'high', 'low', 'normal', 'abnormal', None}


def manifest() -> dict:
    return json.loads((CORPUS / 'manifest.json').read_text())


def batch_ids(batch: str) -> list:
    m = manifest()
    return m['batches'].get(batch) or m['double'][batch]


def note_texts() -> dict:
    return {n['id']: n['text'] for n in map(json.loads, open(SHARED / 'mtsamples' / 'notes.jsonl'))}


def output_path(batch: str) -> Path:
    return CORPUS / ('double' if batch.startswith('d') else 'annotations') / f'{batch}.jsonl'


def spans_of(ann: dict):
    """Yields (path, span) for every span of one note's annotation, in the contract's shape."""
    for i, m in enumerate(ann.get('medications', [])):
        for f in ('name', 'dose', 'frequency', 'route'):
            if m.get(f) is not None:
                yield f'medications[{i}].{f}', m[f]
    for lst in ('diagnoses', 'symptoms'):
        for i, p in enumerate(ann.get(lst, [])):
            yield f'{lst}[{i}].span', p['span']
    for i, lab in enumerate(ann.get('labs', [])):
        for f in ('name', 'value', 'unit'):
            if lab.get(f) is not None:
                yield f'labs[{i}].{f}', lab[f]
    for i, fu in enumerate(ann.get('followUps', [])):
        for f in ('span', 'with'):
            if fu.get(f) is not None:
                yield f'followUps[{i}].{f}', fu[f]
    pat = ann.get('patient') or {}
    for f in ('age', 'sex'):
        if pat.get(f):
            yield f'patient.{f}.span', pat[f]['span']


def shape_errors(ann: dict) -> list:
    """Errors in fields other than spans (a span is checked against the note separately)."""
    errs = []
    for k in ('id', 'patient', *SPAN_LISTS):
        if k not in ann:
            errs.append(f'missing key {k}')
    for i, m in enumerate(ann.get('medications', [])):
        if not m.get('name'):
            errs.append(f'medications[{i}] has no name')
        if m.get('status') not in MED_STATUS:
            errs.append(f'medications[{i}].status {m.get("status")!r}')
        dv = m.get('dose_value')
        if dv is not None and not isinstance(dv, (int, float)):
            errs.append(f'medications[{i}].dose_value must be a number or null')
    for lst in ('diagnoses', 'symptoms'):
        for i, p in enumerate(ann.get(lst, [])):
            if not isinstance(p.get('negated'), bool):
                errs.append(f'{lst}[{i}].negated must be true/false')
            if p.get('text') != (p.get('span') or {}).get('text'):
                errs.append(f'{lst}[{i}].text differs from its span text')
    for i, lab in enumerate(ann.get('labs', [])):
        if not lab.get('name') or not lab.get('value'):
            errs.append(f'labs[{i}] needs name and value spans')
        vn = lab.get('value_number')
        if vn is not None and not isinstance(vn, (int, float)):
            errs.append(f'labs[{i}].value_number must be a number or null')
        if lab.get('flag') not in LAB_FLAGS:
            errs.append(f'labs[{i}].flag {lab.get("flag")!r}')
    for i, fu in enumerate(ann.get('followUps', [])):
        iv = fu.get('interval')
        if iv is not None and (not isinstance(iv.get('value'), (int, float)) or iv.get('unit') not in INTERVAL_UNITS):
            errs.append(f'followUps[{i}].interval must be {{value: number, unit: days|weeks|months|years}} or null')
    pat = ann.get('patient') or {}
    age, sex = pat.get('age'), pat.get('sex')
    if age is not None and (not isinstance(age.get('value'), (int, float)) or age.get('unit') not in AGE_UNITS):
        errs.append('patient.age needs value (number) and unit (years|months|weeks|days)')
    if sex is not None and sex.get('value') not in ('female', 'male'):
        errs.append('patient.sex.value must be female or male')
    return errs
