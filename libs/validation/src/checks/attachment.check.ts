import type { Span } from '#schemas';
import type { MedicationFacts } from './medication-facts.js';
import type { NoteText } from './note-text.js';
import { flag, type ValidationFlag } from './validation-flag.js';

/**
 * Where an entry's attributes sit relative to its name: a route in another sentence than the name was most often
 * taken from a neighbouring statement ("IV Nexium 40 mg daily. We will hold all p.o. medications"), and one name
 * mention given several different frequencies was most often cut into pieces ("Xopenex q.i.d. and p.r.n." as two
 * entries) or given its neighbours' sigs.
 */

function crossesSentence(note: NoteText, name: Span, attribute: Span): boolean {
  return name.end <= attribute.start
    ? note.hasBoundaryBetween(name.end, attribute.start)
    : attribute.end <= name.start && note.hasBoundaryBetween(attribute.end, name.start);
}

// Between a name and a route after it: the route opens a new conjunct ("1% lidocaine and IV sedation, including
// fentanyl"), when a connective comes right before it and a word right after it (what the route is of).
const OPENS_CONJUNCT_RE = /(?:,|\b(?:and|or|with|then|plus))\s*$/i;
const WORD_FOLLOWS_RE = /^[ \t]+[a-z]/i;

function opensOtherPhrase(note: NoteText, name: Span, route: Span): boolean {
  if (route.start < name.end) return false;
  return (
    OPENS_CONJUNCT_RE.test(note.text.slice(name.end, route.start)) &&
    WORD_FOLLOWS_RE.test(note.text.slice(route.end, route.end + 4))
  );
}

export function checkAttachment(note: NoteText, facts: readonly MedicationFacts[], flags: ValidationFlag[]): void {
  // Doses and frequencies are the reversal probe's questions; routes are asked here.
  for (const f of facts) {
    const name = f.name?.span;
    const route = f.route?.span;
    if (!name || !route) continue;
    if (crossesSentence(note, name, route)) {
      flags.push(
        flag('ROUTE_OTHER_SENTENCE', `${f.path}/route`, 'this route is in another sentence than the medication name'),
      );
    } else if (opensOtherPhrase(note, name, route)) {
      flags.push(
        flag('ROUTE_OF_OTHER_PHRASE', `${f.path}/route`, 'this route begins another phrase after the medication name'),
      );
    }
  }
  // Entries sharing one name mention with different frequency spans: the frequency nearest after the name (in its
  // sentence) is the name's own; the others were taken from neighbours or are pieces of one frequency.
  const byName = new Map<string, MedicationFacts[]>();
  for (const f of facts) {
    const span = f.name?.span;
    if (!span || !f.frequency?.span) continue;
    const key = `${span.start}:${span.end}`;
    byName.set(key, [...(byName.get(key) ?? []), f]);
  }
  for (const group of byName.values()) {
    const spans = new Set(group.map((f) => `${f.frequency!.span!.start}:${f.frequency!.span!.end}`));
    if (spans.size < 2) continue;
    const name = group[0]!.name!.span!;
    const own = group
      .map((f) => f.frequency!.span!)
      .filter((s) => s.start >= name.end && !note.hasBoundaryBetween(name.end, s.start))
      .sort((a, b) => a.start - b.start)[0];
    const doseKey = (f: MedicationFacts) => (f.dose?.span ? `${f.dose.span.start}:${f.dose.span.end}` : null);
    const doses = group.map(doseKey);
    for (const f of group) {
      if (own && f.frequency!.span!.start === own.start && f.frequency!.span!.end === own.end) continue;
      // A sig of its own (a dose no other entry of the name holds) is the guideline's second statement of one drug:
      // "insulin 10 units in the morning and 5 units at night".
      const dose = doseKey(f);
      if (dose !== null && doses.filter((d) => d === dose).length === 1) continue;
      flags.push(
        flag(
          'FREQUENCY_SHARED_NAME',
          `${f.path}/frequency`,
          'one medication name in the note is given several different frequencies',
        ),
      );
    }
  }
}
