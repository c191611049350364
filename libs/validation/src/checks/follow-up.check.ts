import type { ClinicalExtraction, Span } from '#schemas';
import type { NoteText } from './note-text.js';
import { cutEdge, type CutRules } from './span-boundary.js';
import { flag, type ValidationFlag } from './validation-flag.js';

/**
 * Follow-ups. A token tagger cuts a follow-up phrase into pieces ("her back in" + "followup in 3 months, at"): the
 * guideline's follow-up is the whole phrase from its verb, so a second entry a few words after the first, in the same
 * sentence, is a piece of it. A span that begins or ends inside a word ("m., consider" of "a.m., consider") is cut.
 */

const FOLLOW_UP_CUT: CutRules = { wordJoiners: '-.', numberJoiners: '.,' };
// How close a later entry must start after an earlier one to be read as a piece of it.
const PIECE_GAP = 25;
// Between two separate follow-ups of one sentence: a list separator or a connective ("in 2 days, and return if ...").
const SEPARATE_RE = /[,;]|\b(?:and|or|then|but)\b/i;

export function checkFollowUps(note: NoteText, extraction: ClinicalExtraction, flags: ValidationFlag[]): void {
  const entries = extraction.followUps
    .map((f, index) => ({ index, span: f.span }))
    .filter((e): e is { index: number; span: Span } => e.span !== null)
    .sort((a, b) => a.span.start - b.span.start);
  entries.forEach((entry, k) => {
    const path = `/followUps/${entry.index}`;
    if (cutEdge(note.text, entry.span, FOLLOW_UP_CUT) !== null) {
      flags.push(flag('FOLLOW_UP_SPAN_CUT', path, 'follow-up span begins or ends inside a word of the note'));
      return;
    }
    const previous = entries[k - 1];
    if (
      previous &&
      entry.span.start >= previous.span.end &&
      entry.span.start - previous.span.end <= PIECE_GAP &&
      !note.hasBoundaryBetween(previous.span.end, entry.span.start) &&
      !SEPARATE_RE.test(note.text.slice(previous.span.end, entry.span.start))
    ) {
      flags.push(
        flag('FOLLOW_UP_SPLIT', path, `this entry and /followUps/${previous.index} are pieces of one follow-up`),
      );
    }
  });
}
