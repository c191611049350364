import { amountsEqual } from '#clinical';
import type { ClinicalExtraction } from '#schemas';
import { flag, type ValidationFlag } from './validation-flag.js';

/** A lab's number must be a number its value text gives; "1,200" gives 1200 (and, read as a list, 1 and 200). */

const GROUPED_RE = /-?\d{1,3}(?:,\d{3})+(?:\.\d+)?/g;
const PLAIN_RE = /-?\d+(?:\.\d+)?/g;
const COMMA_RE = /,/g;

export function labValueNumbers(text: string): number[] {
  const grouped = (text.match(GROUPED_RE) ?? []).map((n) => Number(n.replace(COMMA_RE, '')));
  return [...grouped, ...(text.match(PLAIN_RE) ?? []).map(Number)];
}

export function checkLabs(extraction: ClinicalExtraction, flags: ValidationFlag[]): void {
  extraction.labs.forEach((lab, i) => {
    const { value } = lab;
    if (value.value === null) return;
    const numbers = labValueNumbers(value.text);
    if (numbers.length > 0 && !numbers.some((n) => amountsEqual(n, value.value!))) {
      flags.push(
        flag(
          'LAB_VALUE_NOT_IN_TEXT',
          `/labs/${i}/value/value`,
          'lab value does not match any number in its value text',
        ),
      );
    }
  });
}
