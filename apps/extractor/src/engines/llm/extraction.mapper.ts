import { frequencyFacts, normaliseRoute } from '#clinical';
import type { ClinicalExtraction, Condition, FollowUp, LabResult, Medication, Mention, Span } from '#schemas';
import { EXTRACTION_SCHEMA_VERSION, PATIENT_AGE_MAX } from '#schemas';
import { findInstructionPassages, type TextRange } from './instruction-passages.js';
import type { LlmMedication, LlmOutput } from './llm-output.schema.js';
import { readSingleDose, readSingleNumber } from './quantity.reader.js';
import { key, SpanLocator } from './span.locator.js';

/**
 * Turns a validated model answer (values only) into the ClinicalExtraction contract: every value is looked up in the
 * note to get its span, and frequency and route codes come from the shared normalisers in #clinical rather than from
 * the model.
 *
 * Where a value is: each entry carries `evidence`, a short quote the model copied around the mention. The entry's main
 * text (drug name, problem, lab name, follow-up phrase) is looked for inside the places of that quote; its parts
 * (dose, frequency, route, lab value and unit, the follow-up's "with") inside the same place, after the main text.
 * An entry whose quote cannot be found (or that has none) is placed only when its text occurs once in the note:
 * when it occurs several times, choosing one would be a guess, so the span stays null and the validator flags it
 * (NOT_GROUNDED) for a reviewer. Each place in the note is given to one value; a value that has no free place left
 * shares one (the same mention listed twice, or one "daily" that belongs to two drugs).
 *
 * Numbers: the model's own numbers are kept. A number the model left null is never chosen from several: it is read
 * from the located text only when that text states exactly one quantity (see quantity.reader.ts), so "80 mg/12.5 mg"
 * keeps its text and a null value, "132,000" reads as 132000, and a dose read from its text gets its unit from the
 * same reading.
 */

const MAX_MENTION = 1000;
const MAX_UNIT = 40;
/** An LLM reading is never certain: a medication whose every part was found in the note gets this. */
const MAX_CONFIDENCE = 0.9;

const LIMITS = { medications: 500, diagnoses: 500, symptoms: 500, labs: 500, followUps: 100 } as const;

export interface MappingContext {
  readonly noteId: string;
  readonly noteText: string;
  readonly engine: ClinicalExtraction['engine'];
}

const round = (n: number, places = 2) => Math.round(n * 10 ** places) / 10 ** places;
const clean = (text: string | null | undefined): string | null => {
  const t = text?.trim();
  return t ? t.slice(0, MAX_MENTION) : null;
};
const positive = (n: number | null | undefined): number | null =>
  typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : null;

function mention(modelText: string, span: Span | null): Mention {
  return span ? { text: span.text.slice(0, MAX_MENTION), span } : { text: modelText, span: null };
}

/** Where an entry's main text was placed, and the place of its evidence quote that holds it (for its parts). */
interface Anchor {
  readonly span: Span | null;
  readonly quote: TextRange | null;
  /** Every place of the entry's quote (its parts may sit in one even when the main text was placed without it). */
  readonly quotes: readonly TextRange[];
}

const contains = (range: TextRange, span: Span) => span.start >= range.start && span.end <= range.end;
/** Where an entry's parts are looked for first: the quote place that holds its main text, else every place. */
const quoteRanges = (anchor: Anchor): readonly TextRange[] => (anchor.quote ? [anchor.quote] : anchor.quotes);

class Mapper {
  private readonly locator: SpanLocator;
  /** Places already given to a value (by `key`). */
  private readonly taken = new Set<string>();

  constructor(private readonly ctx: MappingContext) {
    this.locator = new SpanLocator(ctx.noteText, findInstructionPassages(ctx.noteText));
  }

  map(output: LlmOutput): ClinicalExtraction {
    return {
      schemaVersion: EXTRACTION_SCHEMA_VERSION,
      noteId: this.ctx.noteId,
      engine: this.ctx.engine,
      patient: this.patient(output.patient),
      medications: this.medications(output.medications.slice(0, LIMITS.medications)),
      diagnoses: this.conditions(output.diagnoses.slice(0, LIMITS.diagnoses)),
      symptoms: this.conditions(output.symptoms.slice(0, LIMITS.symptoms)),
      labs: this.labs(output.labs.slice(0, LIMITS.labs)),
      followUps: this.followUps(output.followUps.slice(0, LIMITS.followUps)),
    };
  }

  private take(span: Span | null): Span | null {
    if (span) this.taken.add(key(span));
    return span;
  }

  /** Places the entry's main text: inside its quote, else at its only occurrence, else nowhere (see above). */
  private anchor(value: string, evidence: string | null | undefined): Anchor {
    const quoteText = clean(evidence);
    const quotes = quoteText ? this.locator.quotePlaces(quoteText) : [];
    let shared: Anchor | null = null;
    for (const quote of quotes) {
      const inside = this.locator.within(value, quote);
      const free = inside.find((s) => !this.taken.has(key(s)));
      if (free) return { span: this.take(free), quote, quotes };
      shared ??= inside[0] ? { span: inside[0], quote, quotes } : null;
    }
    if (shared) return shared;
    const all = this.locator.occurrences(value);
    return { span: all.length === 1 ? this.take(all[0]!) : null, quote: null, quotes };
  }

  /**
   * Places a part of an entry: inside the first of `ranges` that holds it (after `from` when it can, and a free
   * place before a taken one), else nearest after `from` when the entry's main text was placed, else at its only
   * occurrence.
   */
  private part(value: string, ranges: readonly TextRange[], placed: Span | null, from = placed?.end ?? 0): Span | null {
    const all = this.locator.occurrences(value);
    if (all.length === 0) return null;
    const free = (s: Span) => !this.taken.has(key(s));
    for (const range of ranges) {
      const inside = all.filter((s) => contains(range, s));
      const pick =
        inside.find((s) => free(s) && s.start >= from) ??
        inside.find(free) ??
        inside.find((s) => s.start >= from) ??
        inside[0];
      if (pick) return this.take(pick);
    }
    if (placed) return this.take(this.locator.near(value, from, this.taken));
    return all.length === 1 ? this.take(all[0]!) : null;
  }

  private patient(p: LlmOutput['patient']): ClinicalExtraction['patient'] {
    const ageText = clean(p.age?.text);
    // The guideline's age is the age "as first stated"; the sex word is any that states it.
    const age =
      p.age && ageText && Number.isFinite(p.age.value) && p.age.value >= 0 && p.age.value <= PATIENT_AGE_MAX
        ? { ...mention(ageText, this.locator.first(ageText)), value: p.age.value, unit: p.age.unit }
        : null;
    const sexText = clean(p.sexText);
    return { age, sex: { value: p.sex, span: p.sex !== 'unknown' && sexText ? this.locator.first(sexText) : null } };
  }

  private medications(list: readonly LlmMedication[]): Medication[] {
    const out: Medication[] = [];
    for (const m of list) {
      const name = clean(m.name);
      if (!name) continue;
      const anchor = this.anchor(name, m.evidence);
      const part = (value: string | null): { text: string; span: Span | null } | null => {
        const text = clean(value);
        return text ? { text, span: this.part(text, quoteRanges(anchor), anchor.span) } : null;
      };
      const dose = part(m.dose);
      const frequency = part(m.frequency);
      const route = part(m.route);
      const parts = [anchor.span, ...[dose, frequency, route].filter((p) => p !== null).map((p) => p.span)];
      out.push({
        name: mention(name, anchor.span),
        dose: dose ? this.dose(m, dose.text, dose.span) : null,
        frequency: frequency ? this.frequency(frequency.text, frequency.span) : null,
        route: route
          ? { ...mention(route.text, route.span), code: normaliseRoute(route.span?.text ?? route.text) }
          : null,
        status: m.status,
        // Grounding-based, not a model probability: the share of the entry's parts found in the note.
        confidence: round((MAX_CONFIDENCE * parts.filter((s) => s !== null).length) / parts.length),
      });
    }
    return out;
  }

  private dose(m: LlmMedication, text: string, span: Span | null): NonNullable<Medication['dose']> {
    const modelValue = positive(m.doseValue);
    const modelUnit = clean(m.doseUnit)?.slice(0, MAX_UNIT) ?? null;
    // Read from the text only what the model left null, and only from a text with one amount; the unit read from
    // the text is used only with the value it was read with.
    const reading = modelValue === null || modelUnit === null ? readSingleDose(span?.text ?? text) : null;
    const readingFits = reading !== null && (modelValue === null || reading.value === modelValue);
    const value = modelValue ?? (readingFits ? reading.value : null);
    const unit = modelUnit ?? (readingFits ? (reading.unit?.slice(0, MAX_UNIT) ?? null) : null);
    return { ...mention(text, span), value, unit };
  }

  private frequency(text: string, span: Span | null): NonNullable<Medication['frequency']> {
    return { ...mention(text, span), ...frequencyFacts(span?.text ?? text) };
  }

  private conditions(list: LlmOutput['diagnoses']): Condition[] {
    const out: Condition[] = [];
    for (const c of list) {
      const text = clean(c.text);
      if (!text) continue;
      out.push({ ...mention(text, this.anchor(text, c.evidence).span), negated: c.negated });
    }
    return out;
  }

  private labs(list: LlmOutput['labs']): LabResult[] {
    const out: LabResult[] = [];
    for (const lab of list) {
      const name = clean(lab.name);
      const valueText = clean(lab.value);
      if (!name || !valueText) continue;
      const anchor = this.anchor(name, lab.evidence);
      const valueSpan = this.part(valueText, quoteRanges(anchor), anchor.span);
      const unitText = clean(lab.unit)?.slice(0, MAX_UNIT) ?? null;
      const unitSpan = unitText ? this.part(unitText, quoteRanges(anchor), valueSpan ?? anchor.span) : null;
      const numeric =
        typeof lab.numericValue === 'number' && Number.isFinite(lab.numericValue)
          ? lab.numericValue
          : readSingleNumber(valueSpan?.text ?? valueText);
      out.push({
        name: mention(name, anchor.span),
        value: { ...mention(valueText, valueSpan), value: numeric },
        unit: unitText ? mention(unitText, unitSpan) : null,
        ...(lab.flag ? { flag: lab.flag } : {}),
      });
    }
    return out;
  }

  private followUps(list: LlmOutput['followUps']): FollowUp[] {
    const out: FollowUp[] = [];
    for (const f of list) {
      const text = clean(f.text);
      if (!text) continue;
      const anchor = this.anchor(text, f.evidence);
      const withText = clean(f.with);
      // "with" is usually inside the follow-up phrase itself ("follow up with cardiology in 2 weeks").
      const withSpan = withText
        ? this.part(
            withText,
            [...(anchor.span ? [anchor.span] : []), ...quoteRanges(anchor)],
            anchor.span,
            anchor.span?.start,
          )
        : null;
      const interval =
        typeof f.intervalValue === 'number' && Number.isFinite(f.intervalValue) && f.intervalValue > 0 && f.intervalUnit
          ? { value: f.intervalValue, unit: f.intervalUnit }
          : null;
      out.push({
        ...mention(text, anchor.span),
        interval,
        with: withText ? mention(withText, withSpan) : null,
      });
    }
    return out;
  }
}

export function toClinicalExtraction(output: LlmOutput, ctx: MappingContext): ClinicalExtraction {
  return new Mapper(ctx).map(output);
}
