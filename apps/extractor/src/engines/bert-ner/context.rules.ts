/**
 * Context rules around an entity: medication status and condition negation within its sentence (the sentences come
 * from the shared splitter in #clinical). Plain text windows, NegEx-style: a trigger before the entity in the same sentence, with no scope-ending word in between.
 */
import type { Sentence } from '#clinical';
import type { Medication } from '#schemas';

export type MedicationStatus = Medication['status'];

const SECTION_RE = /(?:^|\n|\.\s{1,3}|,\s{2})([A-Z][A-Z /&]{3,40}):/g;

/** The nearest section header ("ALLERGIES", "DISCHARGE MEDICATIONS") before `pos`, upper-cased; '' when none. */
export function sectionAt(text: string, pos: number): string {
  let last = '';
  SECTION_RE.lastIndex = 0;
  for (let m = SECTION_RE.exec(text); m !== null && m.index < pos; m = SECTION_RE.exec(text)) last = m[1]!.trim();
  return last;
}

const SCOPE_END = /\b(?:but|however|although|though|except|aside from|apart from|which|who)\b/i;

function lastTrigger(before: string, re: RegExp): boolean {
  const m = re.exec(before);
  if (!m) return false;
  return !SCOPE_END.test(before.slice(m.index + m[0].length));
}

const ALLERGY_BEFORE =
  /\b(?:allergic to|allergy to|allergies to|allergies|allergy|intolerant (?:of|to)|intolerance to|reaction to|sensitivity to|nkda)\b[^.]*$/i;
const ALLERGY_AFTER = /^[^.\n]{0,25}\b(?:allergy|allergic|intolerance|causes (?:a )?(?:rash|hives))\b/i;
const NEGATED_BEFORE =
  /\b(?:not (?:on|taking|using|receiving|given)(?: any)?|denies(?: taking| using| any)?|denied(?: taking| using)?|never (?:took|taken|used|been on)|no)\s+(?:\w+\s+){0,2}$/i;
const STOPPED_BEFORE =
  /\b(?:discontinued?|d\/c(?:'d)?|stopped|stop|stopping|held|hold|holding|off|no longer (?:taking|on|using)|taken off|came off|weaned off|withdrawn|ceased)\b(?:\s+(?:\w+\s+){0,3})?$/i;
const STOPPED_AFTER =
  /^[^.\n]{0,40}\b(?:was|were|has been|have been|is being|will be)\s+(?:discontinued|stopped|held)\b|^[^.\n]{0,20}\b(?:discontinued|stopped|held)\b/i;
const NEW_BEFORE =
  /\b(?:start(?:ed|ing)?|begin|began|initiat(?:e|ed|ing)|prescrib(?:e|ed)|will (?:give|start|add|use|try|prescribe)|recommend(?:ed)?|plac(?:e|ed) (?:him |her )?on|add(?:ed)?|switch(?:ed)? to|chang(?:e|ed) to|increas(?:e|ed)|decreas(?:e|ed)|given a (?:prescription|script) for|prescription for|rx|try|trial of|give|gave)\b[^.]*$/i;
const PAST_BEFORE =
  /\b(?:has tried|had tried|tried|previously (?:on|taking|took|taken|used|given)?|in the past|history of|used to (?:take|be on)|was (?:on|taking|treated with)|had been (?:on|taking)|prior|failed)\b[^.]*$/i;

/** Medication status from the words around the name, then the section it sits in; `current` by default. */
export function medicationStatus(text: string, sentence: Sentence, start: number, end: number): MedicationStatus {
  const before = text.slice(Math.max(sentence.start, start - 80), start);
  const after = text.slice(end, Math.min(sentence.end, end + 60));
  const section = sectionAt(text, start);
  if (/ALLERG/.test(section) && start - text.lastIndexOf(':', start) < 200) return 'allergy';
  if (lastTrigger(before, ALLERGY_BEFORE) || ALLERGY_AFTER.test(after)) return 'allergy';
  if (NEGATED_BEFORE.test(before)) return 'negated';
  if (lastTrigger(before, STOPPED_BEFORE) || STOPPED_AFTER.test(after)) return 'stopped';
  if (lastTrigger(before, NEW_BEFORE) || /PLAN|DISCHARGE MED|RECOMMEND/.test(section)) return 'new';
  if (lastTrigger(before, PAST_BEFORE) || /PAST MEDICATION|PREVIOUS MEDICATION/.test(section)) return 'past';
  return 'current';
}

const NEGATION_BEFORE =
  /\b(?:denies|denied|deny|no|not|without|negative for|free of|absence of|absent|rule[sd]? out|ruled out|no evidence of|no signs? of|never had|resolved|neither|nor)\b[^.]*$/i;
const NEGATION_AFTER = /^\s*(?:is|was|were|are)?\s*(?:denied|absent|negative|ruled out|not (?:present|seen|noted))\b/i;

/** Whether a diagnosis or symptom is negated by the words before it in its sentence (or a denial right after). */
export function conditionNegated(text: string, sentence: Sentence, start: number, end: number): boolean {
  const before = text.slice(Math.max(sentence.start, start - 100), start);
  if (lastTrigger(before, NEGATION_BEFORE)) return true;
  return NEGATION_AFTER.test(text.slice(end, Math.min(sentence.end, end + 30)));
}
