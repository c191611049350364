import type { ClinicalExtraction, Mention, Medication } from '#schemas';

/**
 * The medication gold format of shared/data/medication-gold-dev (see its GUIDELINE.md): one line per note,
 * `{"id", "medications": [ENTRY...]}`, each ENTRY with spans `{text, start, end}` (0-based, end exclusive),
 * `dose_value`/`dose_unit` beside the dose span, and a status. Reviewed extractions exported this way are gold for
 * `clinex eval` and training data for the NER model.
 */
export type GoldStatus = 'current' | 'new' | 'stopped' | 'past' | 'allergy' | 'negated';

export interface GoldSpan {
  text: string;
  /** Null only when the extraction gave no span and the text could not be found in the note (see `comment`). */
  start: number | null;
  end: number | null;
}

export interface GoldMedication {
  name: GoldSpan;
  dose: GoldSpan | null;
  dose_value: number | null;
  dose_unit: string | null;
  frequency: GoldSpan | null;
  route: GoldSpan | null;
  status: GoldStatus;
  comment?: string;
}

export interface GoldLine {
  /** The extraction's noteId, so contract and gold exports pair up in `clinex eval`. */
  id: string;
  medications: GoldMedication[];
}

/** A span for a mention: its own, else the first place its text occurs in the note (case-insensitively last). */
function goldSpan(noteText: string, mention: Mention, notes: string[]): GoldSpan {
  if (mention.span) return { text: mention.span.text, start: mention.span.start, end: mention.span.end };
  let start = noteText.indexOf(mention.text);
  if (start < 0) start = noteText.toLowerCase().indexOf(mention.text.toLowerCase());
  if (start < 0) {
    notes.push('position unknown: the text is not in the note');
    return { text: mention.text, start: null, end: null };
  }
  notes.push('span located by text search');
  return { text: noteText.slice(start, start + mention.text.length), start, end: start + mention.text.length };
}

function goldStatus(status: Medication['status'], notes: string[]): GoldStatus {
  if (status !== 'unknown') return status;
  // The guideline's default for a medication without other context.
  notes.push('status unknown in the extraction; written as current');
  return 'current';
}

export function toGoldMedication(noteText: string, m: Medication): GoldMedication {
  const notes: string[] = [];
  const entry: GoldMedication = {
    name: goldSpan(noteText, m.name, notes),
    dose: m.dose ? goldSpan(noteText, m.dose, notes) : null,
    dose_value: m.dose?.value ?? null,
    dose_unit: m.dose?.unit?.toLowerCase() ?? null,
    frequency: m.frequency ? goldSpan(noteText, m.frequency, notes) : null,
    route: m.route ? goldSpan(noteText, m.route, notes) : null,
    status: goldStatus(m.status, notes),
  };
  if (notes.length > 0) entry.comment = [...new Set(notes)].join('; ');
  return entry;
}

export function toGoldLine(noteText: string, extraction: ClinicalExtraction): GoldLine {
  return { id: extraction.noteId, medications: extraction.medications.map((m) => toGoldMedication(noteText, m)) };
}
