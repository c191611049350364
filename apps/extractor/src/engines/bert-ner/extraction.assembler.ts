import {
  frequencyFacts,
  normaliseRoute,
  normaliseUnit,
  parseDose,
  sentenceIndex,
  splitSentences,
  type Sentence,
} from '#clinical';
import {
  PATIENT_AGE_MAX,
  type ClinicalExtraction,
  type Condition,
  type FollowUp,
  type LabResult,
  type Medication,
  type Span,
} from '#schemas';
import type { EntitySpan } from './bio.decoder.js';
import { repairSpans } from './span.repair.js';
import { conditionNegated, medicationStatus } from './context.rules.js';

/** Turns model entity spans into the contract: attaches sig parts to drugs, parses values, adds context status. */

type Extracted = Pick<ClinicalExtraction, 'patient' | 'medications' | 'diagnoses' | 'symptoms' | 'labs' | 'followUps'>;

const span = (text: string, start: number, end: number): Span => ({ text: text.slice(start, end), start, end });
const mention = (text: string, e: { start: number; end: number }) => ({
  text: text.slice(e.start, e.end),
  span: span(text, e.start, e.end),
});
const round = (x: number): number => Math.round(x * 1000) / 1000;

/** Sig parts farther than this from every drug are dropped rather than attached to a far-away medication. */
const MAX_ATTACH_DISTANCE = 120;
/** A sig part right before a drug with only this between ("40 mg of Lasix") belongs to that drug. */
const LEADING_GAP_RE = /^\s*(?:of|IV|PO|p\.o\.|x)?\s*$/i;

type Slot = 'dose' | 'frequency' | 'route';
const SLOT_OF: Partial<Record<EntitySpan['target'], Slot>> = {
  'medication.dose': 'dose',
  'medication.frequency': 'frequency',
  'medication.route': 'route',
};

interface Draft {
  name: EntitySpan;
  dose: EntitySpan | null;
  frequency: EntitySpan | null;
  route: EntitySpan | null;
  /** Continuation entries ("10 units in the morning and 5 units at night") share the name mention. */
  sentence: number;
}

const NUMBER_WORD_RE = /^(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|half)$/i;

/** The unit as written ("mg", "tablets"), lower-cased, when the dose text has a unit the unit table knows. */
export function doseUnitAsWritten(doseText: string): string | null {
  const words = doseText
    .replace(/(\d)([a-zA-Zµμ%])/g, '$1 $2')
    .split(/\s+/)
    .filter(Boolean);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (/\d/.test(w) || NUMBER_WORD_RE.test(w) || /^(?:to|or|-|and|a)$/i.test(w)) continue;
    for (const n of [3, 2, 1]) {
      const cand = words
        .slice(i, i + n)
        .join(' ')
        .replace(/[.,;:)]+$/, '');
      if (cand && normaliseUnit(cand)) return cand.toLowerCase();
    }
  }
  return null;
}

function toMedication(text: string, d: Draft, sentences: readonly Sentence[]): Medication {
  let dose: Medication['dose'] = null;
  if (d.dose) {
    const m = mention(text, d.dose);
    const parsed = parseDose(m.text);
    const value = parsed.value !== null && parsed.value > 0 ? parsed.value : null;
    dose = { ...m, value, unit: parsed.unit ? doseUnitAsWritten(m.text) : null };
  }
  let frequency: Medication['frequency'] = null;
  if (d.frequency) {
    const m = mention(text, d.frequency);
    frequency = { ...m, ...frequencyFacts(m.text) };
  }
  const route: Medication['route'] = d.route
    ? { ...mention(text, d.route), code: normaliseRoute(text.slice(d.route.start, d.route.end)) }
    : null;
  const parts = [d.name, d.dose, d.frequency, d.route].filter((x): x is EntitySpan => x !== null);
  const confidence = round(parts.reduce((a, p) => a + p.confidence, 0) / parts.length);
  const sentence = sentences[d.sentence]!;
  return {
    name: mention(text, d.name),
    dose,
    frequency,
    route,
    status: medicationStatus(text, sentence, d.name.start, d.name.end),
    confidence: Math.min(1, Math.max(0, confidence)),
  };
}

function buildMedications(text: string, entities: readonly EntitySpan[], sentences: readonly Sentence[]): Medication[] {
  const drugs: Draft[] = entities
    .filter((e) => e.target === 'medication.name')
    .map((e) => ({ name: e, dose: null, frequency: null, route: null, sentence: sentenceIndex(sentences, e.start) }));
  const drafts: Draft[] = [...drugs];
  // The draft a drug's later sig parts go to: the drug itself, or its latest continuation entry.
  const latest = new Map<Draft, Draft>(drugs.map((d) => [d, d]));
  for (const part of entities) {
    const slot = SLOT_OF[part.target];
    if (!slot || drugs.length === 0) continue;
    const sIdx = sentenceIndex(sentences, part.start);
    // Nearest preceding drug in the same sentence.
    let preceding: Draft | undefined;
    for (const d of drugs) if (d.name.end <= part.start && d.sentence === sIdx) preceding = d;
    let owner: Draft | undefined = drugs.find(
      (d) => d.name.start >= part.end && LEADING_GAP_RE.test(text.slice(part.end, d.name.start)),
    );
    // A part wedged between two drugs ("Advair 1 puff bid Lisinopril 10 mg qd") ends the earlier drug's sig when that
    // sig still lacks this part: lists write a dose or frequency after its drug far more often than before the next
    // one. Routes are the exception ("IV Vancomycin"), so a route right before a drug stays with that drug.
    if (owner && preceding && slot !== 'route' && latest.get(preceding)![slot] === null) owner = preceding;
    owner ??= preceding;
    if (!owner) {
      let best = Infinity;
      for (const d of drugs) {
        const dist = d.name.end <= part.start ? part.start - d.name.end : d.name.start - part.end;
        if (dist >= 0 && dist < best) {
          best = dist;
          owner = d;
        }
      }
      if (best > MAX_ATTACH_DISTANCE) owner = undefined;
    }
    if (!owner) continue;
    let target = latest.get(owner)!;
    if (target[slot] !== null) {
      // A second dose/frequency/route for the same drug mention is a second sig: a new entry.
      target = { name: owner.name, dose: null, frequency: null, route: null, sentence: owner.sentence };
      drafts.push(target);
      latest.set(owner, target);
    }
    target[slot] = part;
  }
  drafts.sort((a, b) => a.name.start - b.name.start);
  return drafts.map((d) => toMedication(text, d, sentences));
}

function buildConditions(
  text: string,
  entities: readonly EntitySpan[],
  target: EntitySpan['target'],
  sentences: readonly Sentence[],
): Condition[] {
  return entities
    .filter((e) => e.target === target)
    .map((e) => ({
      ...mention(text, e),
      negated: conditionNegated(text, sentences[sentenceIndex(sentences, e.start)]!, e.start, e.end),
      confidence: round(e.confidence),
    }));
}

const LAB_UNIT_RE =
  /^\s?(mg\/dl|g\/dl|mmol\/l|meq\/l|mEq\/L|mg\/L|ng\/ml|ng\/dL|pg\/ml|u\/l|iu\/l|units\/l|k\/ul|x10\^?9\/l|%|cells\/mm3|mm\/hr|mmhg|seconds|sec)(?![a-z])/i;
const LAB_FLAG_RE = /^\s?(?:\((H|L|high|low)\)|,?\s(high|low|elevated|decreased|normal|abnormal)\b)/i;

/** Between two values of one lab written as a list ("H&H 41.7 and 14.6", "WBC 10.9, 17.3, 26.9"). */
const VALUE_LIST_GAP_RE = /^\s*(?:,|;|\/|and|,\s*and|then|to|->)\s*$/i;

function labFlag(after: string, unitLength: number): LabResult['flag'] {
  const m = LAB_FLAG_RE.exec(after.slice(unitLength));
  const word = (m?.[1] ?? m?.[2] ?? '').toLowerCase();
  if (word === 'h' || word === 'high' || word === 'elevated') return 'high';
  if (word === 'l' || word === 'low' || word === 'decreased') return 'low';
  if (word === 'normal') return 'normal';
  if (word === 'abnormal') return 'abnormal';
  return undefined;
}

function labResult(text: string, name: EntitySpan, v: EntitySpan): LabResult {
  const valueText = text.slice(v.start, v.end);
  const num = /-?\d+(?:\.\d+)?/.exec(valueText.replace(/,/g, ''));
  const after = text.slice(v.end, v.end + 20);
  const unitMatch = LAB_UNIT_RE.exec(after);
  const unit = unitMatch
    ? mention(text, { start: v.end + unitMatch[0].indexOf(unitMatch[1]!), end: v.end + unitMatch[0].length })
    : null;
  const flag = labFlag(after, unitMatch ? unitMatch[0].length : 0);
  return {
    name: mention(text, name),
    value: { ...mention(text, v), value: num ? Number(num[0]) : null },
    unit,
    ...(flag ? { flag } : {}),
  };
}

function buildLabs(text: string, entities: readonly EntitySpan[]): LabResult[] {
  const labs: LabResult[] = [];
  const sorted = [...entities].sort((a, b) => a.start - b.start);
  sorted.forEach((e, i) => {
    if (e.target !== 'lab.name') return;
    // The lab's value: the next lab value before the next lab name, within a short distance; then any further values
    // written as a list right after it (one result each, sharing the name).
    let last: EntitySpan | null = null;
    for (let j = i + 1; j < sorted.length; j++) {
      const v = sorted[j]!;
      if (v.target === 'lab.name' || (last === null && v.start - e.end > 60)) break;
      if (v.target !== 'lab.value') continue;
      if (last !== null) {
        const gap = text.slice(last.end, v.start);
        const unitLength = LAB_UNIT_RE.exec(gap)?.[0].length ?? 0;
        if (!VALUE_LIST_GAP_RE.test(gap.slice(unitLength))) break;
      }
      labs.push(labResult(text, e, v));
      last = v;
    }
  });
  return labs;
}

const WORD_NUMBERS: Readonly<Record<string, number>> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  twelve: 12,
  'a couple of': 2,
  'a few': 3,
  several: 3,
};
const INTERVAL_RE =
  /\b(\d+(?:\.\d+)?|an?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|a couple of|a few|several)(?:\s?(?:-|to)\s?\d+)?\s?(day|week|month|year|wk|mo)s?\b/i;
const WITH_RE =
  /\bwith\s+((?:Dr\.?\s+[A-Z][\w'-]+)|(?:(?:his|her|their|the)\s+)?(?:primary care(?: physician| provider)?|PCP|[a-z]+ology|[a-z]+ologist|[A-Z][a-z]+ Clinic|surgery|orthopedics))/;

function buildFollowUps(text: string, entities: readonly EntitySpan[]): FollowUp[] {
  return entities
    .filter((e) => e.target === 'followUp')
    .map((e) => {
      const m = mention(text, e);
      const iv = INTERVAL_RE.exec(m.text);
      let interval: FollowUp['interval'] = null;
      if (iv) {
        const raw = iv[1]!.toLowerCase();
        const value = WORD_NUMBERS[raw] ?? Number(raw);
        const u = iv[2]!.toLowerCase();
        const unit = u.startsWith('d') ? 'days' : u.startsWith('w') ? 'weeks' : u.startsWith('m') ? 'months' : 'years';
        if (value > 0) interval = { value, unit };
      }
      const windowEnd = Math.min(text.length, e.end + 40);
      const w = WITH_RE.exec(text.slice(e.start, windowEnd));
      const withMention = w
        ? mention(text, { start: e.start + w.index + w[0].indexOf(w[1]!), end: e.start + w.index + w[0].length })
        : null;
      return { ...m, interval, with: withMention };
    });
}

const AGE_RE = /(\d{1,3}(?:\.\d+)?)\s?-?\s?(year|yr|y\/o|month|mo|week|wk|day)?/i;
const FEMALE_RE = /^(?:female|woman|women|lady|girl|f|she|her|mrs|ms|miss)$/i;
const MALE_RE = /^(?:male|man|men|gentleman|boy|m|he|him|mr)$/i;

function buildPatient(text: string, entities: readonly EntitySpan[]): Extracted['patient'] {
  let age: Extracted['patient']['age'] = null;
  const ageEntity = entities.find((e) => e.target === 'patient.age' && AGE_RE.test(text.slice(e.start, e.end)));
  if (ageEntity) {
    const m = mention(text, ageEntity);
    const p = AGE_RE.exec(m.text)!;
    const value = Number(p[1]);
    const u = (p[2] ?? 'year').toLowerCase();
    const unit = u.startsWith('mo') ? 'months' : u.startsWith('w') ? 'weeks' : u.startsWith('d') ? 'days' : 'years';
    if (value >= 0 && value <= PATIENT_AGE_MAX) age = { ...m, value, unit };
  }
  let sex: Extracted['patient']['sex'] = { value: 'unknown', span: null };
  for (const e of entities) {
    if (e.target !== 'patient.sex') continue;
    const word = text.slice(e.start, e.end).replace(/[^A-Za-z]/g, '');
    const value = FEMALE_RE.test(word) ? 'female' : MALE_RE.test(word) ? 'male' : null;
    if (value) {
      sex = { value, span: span(text, e.start, e.end) };
      break;
    }
  }
  if (sex.value === 'unknown') sex = sexFromPronouns(text) ?? sex;
  return { age, sex };
}

const PRONOUN_RE = /\b(she|her|hers|herself|he|him|his|himself|mrs|ms|mr)\b/gi;
const TITLES = new Set(['Mr', 'Mrs', 'Ms']);
const FEMALE_PRONOUNS = new Set(['she', 'her', 'hers', 'herself', 'mrs', 'ms']);

/**
 * The annotation guideline's last resort for sex ("he" only if nothing better exists): when the model tagged no
 * word that states it, the pronouns and titles of the note decide by majority (a note also speaks of relatives), and
 * the first pronoun of the majority is the span. A tie, or no pronoun at all, leaves sex unknown.
 */
export function sexFromPronouns(text: string): Extracted['patient']['sex'] | null {
  let female = 0;
  let male = 0;
  const first: Partial<Record<'female' | 'male', RegExpExecArray>> = {};
  for (const m of text.matchAll(PRONOUN_RE)) {
    const word = m[1]!;
    // Pronouns in lower case or capitalised, titles only as written ("Ms"): "HE" or "MS" is an abbreviation.
    const isTitle = word.toLowerCase().startsWith('m');
    const capitalised = word[0]!.toUpperCase() + word.slice(1).toLowerCase();
    if (isTitle ? !TITLES.has(word) : word !== word.toLowerCase() && word !== capitalised) continue;
    const value = FEMALE_PRONOUNS.has(word.toLowerCase()) ? 'female' : 'male';
    if (value === 'female') female++;
    else male++;
    first[value] ??= m;
  }
  if (female === male) return null;
  const value = female > male ? 'female' : 'male';
  const m = first[value]!;
  return { value, span: span(text, m.index, m.index + m[1]!.length) };
}

export function assembleExtraction(text: string, entities: readonly EntitySpan[]): Extracted {
  const sorted = repairSpans(text, entities).sort((a, b) => a.start - b.start || b.end - a.end);
  const sentences = splitSentences(text);
  return {
    patient: buildPatient(text, sorted),
    medications: buildMedications(text, sorted, sentences).slice(0, 500),
    diagnoses: buildConditions(text, sorted, 'diagnosis', sentences).slice(0, 500),
    symptoms: buildConditions(text, sorted, 'symptom', sentences).slice(0, 500),
    labs: buildLabs(text, sorted).slice(0, 500),
    followUps: buildFollowUps(text, sorted).slice(0, 100),
  };
}
