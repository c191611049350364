import { compactText } from '#clinical';
import type { ClinicalExtraction, Mention, Span } from '#schemas';
import type { NoteText } from './note-text.js';
import { flag, type ValidationFlag } from './validation-flag.js';

/**
 * Grounding: a value is only as good as the place in the note it came from. This is what catches hallucinated
 * values and text an engine was talked into emitting by a prompt injection inside the note.
 */

/** The note text a value stands for, once grounded; `span` is null when it was found by text search only. */
export interface GroundedText {
  readonly text: string;
  readonly span: Span | null;
}

/** Checks a span's offsets and text against the note. */
function spanMatchesNote(note: NoteText, span: Span, path: string, flags: ValidationFlag[]): boolean {
  if (span.end > note.length || span.start > span.end) {
    flags.push(flag('SPAN_OUT_OF_BOUNDS', path, 'span offsets fall outside the note or end before they start'));
    return false;
  }
  if (span.end - span.start !== span.text.length || !note.text.startsWith(span.text, span.start)) {
    flags.push(flag('SPAN_TEXT_MISMATCH', path, 'span text differs from the note text at its offsets'));
    return false;
  }
  return true;
}

/**
 * Grounds one mention. Returns the note text it stands for, or null when the mention cannot be trusted (its span is
 * wrong, or it has none and its text is not in the note); later checks skip comparisons against untrusted text.
 */
export function groundMention(
  note: NoteText,
  mention: Mention,
  path: string,
  flags: ValidationFlag[],
): GroundedText | null {
  const { span } = mention;
  if (span === null) {
    if (note.contains(mention.text)) {
      flags.push(
        flag(
          'NOT_GROUNDED',
          `${path}/span`,
          'value has no span; its text occurs in the note but its position is unknown',
          'warning',
        ),
      );
      return { text: mention.text, span: null };
    }
    flags.push(flag('NOT_GROUNDED', path, 'value has no span and its text does not occur in the note'));
    return null;
  }
  if (!spanMatchesNote(note, span, `${path}/span`, flags)) return null;
  if (compactText(mention.text) !== compactText(span.text)) {
    flags.push(
      flag('MENTION_TEXT_MISMATCH', `${path}/text`, 'mention text differs from the note text its span points to'),
    );
  }
  return { text: span.text, span };
}

/** Grounds every mention outside the medication list (medications are grounded while their facts are collected). */
export function checkSectionGrounding(note: NoteText, extraction: ClinicalExtraction, flags: ValidationFlag[]): void {
  extraction.diagnoses.forEach((c, i) => groundMention(note, c, `/diagnoses/${i}`, flags));
  extraction.symptoms.forEach((c, i) => groundMention(note, c, `/symptoms/${i}`, flags));
  extraction.labs.forEach((lab, i) => {
    groundMention(note, lab.name, `/labs/${i}/name`, flags);
    groundMention(note, lab.value, `/labs/${i}/value`, flags);
    if (lab.unit) groundMention(note, lab.unit, `/labs/${i}/unit`, flags);
  });
  extraction.followUps.forEach((f, i) => {
    groundMention(note, f, `/followUps/${i}`, flags);
    if (f.with) groundMention(note, f.with, `/followUps/${i}/with`, flags);
  });
  const { age, sex } = extraction.patient;
  if (age) groundMention(note, age, '/patient/age', flags);
  // Sex is a coded value with an optional span and no text of its own; only the span can be checked.
  if (sex.span) spanMatchesNote(note, sex.span, '/patient/sex/span', flags);
}
