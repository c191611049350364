"""Rule/lexicon tagger that writes silver entity spans on unlabelled clinical text (MTSamples, PHEE/ADE extras).

Spans are (start, end, label) with label in LABELS. Precision matters more than recall here: the network learns from
the contexts these rules are sure about and generalises to names and sigs the rules do not know.
"""
import re
import lexicon as L

LABELS = ['DRUG', 'DOSE', 'FREQ', 'ROUTE', 'DIAGNOSIS', 'SYMPTOM', 'LAB_NAME', 'LAB_VALUE', 'FOLLOWUP', 'AGE', 'SEX']
PRIORITY = {'LAB_NAME': 0, 'LAB_VALUE': 0, 'DRUG': 1, 'DOSE': 2, 'FREQ': 2, 'ROUTE': 2, 'FOLLOWUP': 3, 'AGE': 4,
            'DIAGNOSIS': 5, 'SYMPTOM': 6, 'SEX': 7}

_names = L.drug_names()
DRUG_LEX_RE = re.compile(r"(?<![A-Za-z0-9\-])(?:" + '|'.join(re.escape(n) for n in _names) + r")"
                         r"(?:[ -](?:XL|XR|SR|CR|ER|LA|DS|HCT|ODT|EC)|\s?#\s?\d)?(?![A-Za-z0-9])", re.I)
NOT_AFTER_RE = re.compile(r"^\s*(?:levels?|toxicity|clinic|hospital|medical|center|drip protocol)\b", re.I)
UNKNOWN_DRUG_RE = re.compile(r"(?<![A-Za-z0-9])([A-Z][a-z]{3,}(?:-[A-Z]{2})?)\s(?=" + L.NUM_RANGE + r"\s?(?:mg|mcg|units|meq)\b)", re.I)
STOP_CAPS = {'take', 'takes', 'took', 'dose', 'doses', 'give', 'given', 'total', 'received', 'receive', 'about',
             'approximately', 'with', 'then', 'after', 'over', 'from', 'plus', 'also', 'only', 'until', 'each',
             'every', 'start', 'started', 'increase', 'increased', 'decrease', 'decreased', 'reduce', 'reduced',
             'patient', 'weight', 'weighs', 'blood', 'loss', 'estimated', 'fluids', 'this', 'that', 'were', 'was',
             'have', 'been', 'when', 'into', 'once', 'twice', 'daily', 'dosage', 'tablet', 'tablets', 'capsule',
             'bolus', 'drip', 'infusion', 'continue', 'continued', 'restart', 'hold', 'held', 'stop', 'stopped'}
GAP_OK_RE = re.compile(r"^[\s,;:()\-]*(?:(?:of|by|at|in|per|tablets?|tabs?|capsules?|caps?|take|one|1|x|and|sig|po|"
                       r"the|a|dose|orally|xl|sr|cr|er)\b[\s,;:()\-]*){0,3}$", re.I)
MAX_FIRST_GAP = 25
MAX_GAP = 14


def _overlaps(a, b):
    return a[0] < b[1] and b[0] < a[1]


def resolve(spans):
    """Keeps the higher-priority (then longer, then earlier) span wherever two overlap."""
    kept = []
    for s in sorted(spans, key=lambda s: (PRIORITY[s[2]], -(s[1] - s[0]), s[0])):
        if s[1] <= s[0]:
            continue
        if not any(_overlaps(s, k) for k in kept):
            kept.append(s)
    return sorted(kept)


def _sig(text, start, limit):
    """Dose, route and frequency chained after a drug name (each close to the previous one)."""
    out = []
    pos = start
    seen = set()
    first = True
    while pos < limit:
        cands = []
        for label, rx in (('DOSE', L.DOSE_RE), ('FREQ', L.FREQ_RE), ('ROUTE', L.ROUTE_RE)):
            m = rx.search(text, pos, limit)
            if m and label not in seen:
                cands.append((m.start(), -(m.end() - m.start()), label, m))
        if not cands:
            break
        s, _, label, m = min(cands)
        gap = text[pos:s]
        if len(gap) > (MAX_FIRST_GAP if first else MAX_GAP) or not GAP_OK_RE.match(gap) and not (first and len(gap) <= 4):
            break
        if label == 'ROUTE' and m.group().lower() in L.WEAK_ROUTES and first and len(gap) > 3:
            break
        out.append((m.start(), m.end(), label))
        seen.add(label)
        pos = m.end()
        first = False
        if label == 'FREQ' and len(seen) >= 2:
            break
    return out


def tag(text, with_meds=True, with_other=True):
    spans = []
    if with_other:
        for m in L.LAB_RE.finditer(text):
            spans.append((m.start(1), m.end(1), 'LAB_NAME'))
            spans.append((m.start(2), m.end(2), 'LAB_VALUE'))
    lab_spans = list(spans)
    if with_meds:
        drugs = []
        for m in DRUG_LEX_RE.finditer(text):
            name = m.group().lower()
            if NOT_AFTER_RE.match(text[m.end():m.end() + 25]):
                continue
            if any(_overlaps((m.start(), m.end()), l) for l in lab_spans):
                continue
            base = re.sub(r"[ -](?:xl|xr|sr|cr|er|la|ds|hct|odt|ec)$|\s?#\s?\d$", '', name)
            if base in L.AMBIGUOUS and not L.DOSE_RE.match(text, m.end() + 1) and not L.DOSE_RE.match(text, m.end()):
                continue
            drugs.append((m.start(), m.end()))
        for m in UNKNOWN_DRUG_RE.finditer(text):
            w = m.group(1)
            if w.lower() in STOP_CAPS or L.SYMPTOM_RE.fullmatch(w) or L.DIAGNOSIS_RE.fullmatch(w):
                continue
            if not any(_overlaps((m.start(1), m.end(1)), d) for d in drugs):
                drugs.append((m.start(1), m.end(1)))
        drugs.sort()
        for i, (s, e) in enumerate(drugs):
            spans.append((s, e, 'DRUG'))
            nxt = drugs[i + 1][0] if i + 1 < len(drugs) else len(text)
            spans.extend(_sig(text, e, min(nxt, e + 90)))
            # "40 mg of Lasix", "given 1 g IV vancomycin"
            before = text[max(0, s - 30):s]
            m = re.search(r"(" + L.NUM_RANGE + r"\s?" + L.UNITS + r")\s(?:of\s)?$", before, re.I)
            if m:
                spans.append((s - len(before) + m.start(1), s - len(before) + m.end(1), 'DOSE'))
    if with_other:
        for m in L.FOLLOWUP_RE.finditer(text):
            spans.append((m.start(), m.end(), 'FOLLOWUP'))
        for m in L.AGE_RE.finditer(text):
            spans.append((m.start(), m.end(), 'AGE'))
        for m in L.DIAGNOSIS_RE.finditer(text):
            spans.append((m.start(), m.end(), 'DIAGNOSIS'))
        for m in L.SYMPTOM_RE.finditer(text):
            spans.append((m.start(), m.end(), 'SYMPTOM'))
        for m in L.SEX_WORDS.finditer(text):
            spans.append((m.start(), m.end(), 'SEX'))
    return resolve(spans)
