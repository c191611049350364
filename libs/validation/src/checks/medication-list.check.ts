import { amountsEqual, compactText, convertAmount } from '#clinical';
import type { Mention } from '#schemas';
import type { MedicationFacts } from './medication-facts.js';
import { flag, type ValidationFlag } from './validation-flag.js';

/**
 * Checks across the medication list. A note may mention one drug several times (history, list, plan) and the
 * guideline keeps each mention; what must not happen is the same mention twice, or one drug at two doses in the
 * same state without the note saying so.
 */

function mentionKey(m: Mention | null): string {
  if (m === null) return '-';
  return m.span ? `${m.span.start}:${m.span.end}` : `t:${compactText(m.text)}`;
}

function entryKey(f: MedicationFacts): string {
  const m = f.medication;
  return [mentionKey(m.name), mentionKey(m.dose), mentionKey(m.frequency), mentionKey(m.route), m.status].join('|');
}

function sameNameMention(a: MedicationFacts, b: MedicationFacts): boolean {
  const sa = a.medication.name.span;
  const sb = b.medication.name.span;
  return sa !== null && sb !== null && sa.start === sb.start && sa.end === sb.end;
}

/** Whether two entries give the drug different amounts in comparable units; false when they cannot be compared. */
function dosesDiffer(a: MedicationFacts, b: MedicationFacts): boolean {
  const va = a.medication.dose?.value ?? null;
  const vb = b.medication.dose?.value ?? null;
  if (va === null || vb === null || !a.doseUnit || !b.doseUnit) return false;
  const converted = convertAmount(vb, b.doseUnit, a.doseUnit);
  return converted !== null && !amountsEqual(va, converted);
}

/** Flags duplicates and dose conflicts; returns the indices of duplicate entries, which other checks can skip. */
export function checkMedicationList(facts: readonly MedicationFacts[], flags: ValidationFlag[]): ReadonlySet<number> {
  const duplicates = new Set<number>();
  const firstByKey = new Map<string, number>();
  const byDrug = new Map<string, MedicationFacts[]>();
  for (const f of facts) {
    const key = entryKey(f);
    const first = firstByKey.get(key);
    if (first !== undefined) {
      flags.push(flag('DUPLICATE_MEDICATION', f.path, `entry repeats entry ${first} (same mentions, same status)`));
      duplicates.add(f.index);
      continue;
    }
    firstByKey.set(key, f.index);

    const sameDrug = byDrug.get(f.identity);
    if (!sameDrug) {
      byDrug.set(f.identity, [f]);
      continue;
    }
    // One name mention with two sigs ("insulin 10 units in the morning and 5 units at night", "increased from 40 mg
    // to 60 mg") is the note stating two doses on purpose; statuses that differ (stopped vs new) explain a change.
    const conflict = sameDrug.find(
      (other) => other.medication.status === f.medication.status && !sameNameMention(other, f) && dosesDiffer(other, f),
    );
    if (conflict) {
      flags.push(
        flag(
          'DOSE_CONFLICT',
          `${f.path}/dose`,
          `dose differs from entry ${conflict.index} for the same drug with the same status`,
        ),
      );
    }
    sameDrug.push(f);
  }
  return duplicates;
}
