import { normaliseFrequency, normaliseRoute, parseDose } from '#clinical';
import type { ClinicalExtraction, Condition, FollowUp, LabResult, Medication, Mention, Span } from '#schemas';
import { EXTRACTION_SCHEMA_VERSION } from '#schemas';
import { findInstructionPassages } from './instruction-passages.js';
import type { LlmMedication, LlmOutput } from './llm-output.schema.js';
import { key, SpanLocator } from './span.locator.js';

/**
 * Turns a validated model answer (values only) into the ClinicalExtraction contract: every value is looked up in the
 * note to get its span (a value not found keeps a null span, which the validator flags as NOT_GROUNDED), and
 * frequency and route codes come from the shared normalisers in #clinical rather than from the model.
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

function mention(modelText: string, span: Span | null): Mention {
  return span ? { text: span.text.slice(0, MAX_MENTION), span } : { text: modelText, span: null };
}

class Mapper {
  private readonly locator: SpanLocator;

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

  private patient(p: LlmOutput['patient']): ClinicalExtraction['patient'] {
    const ageText = clean(p.age?.text);
    const age =
      p.age && ageText && Number.isFinite(p.age.value) && p.age.value >= 0 && p.age.value <= 150
        ? { ...mention(ageText, this.locator.first(ageText)), value: p.age.value, unit: p.age.unit }
        : null;
    const sexText = clean(p.sexText);
    return { age, sex: { value: p.sex, span: p.sex !== 'unknown' && sexText ? this.locator.first(sexText) : null } };
  }

  private medications(list: readonly LlmMedication[]): Medication[] {
    const out: Medication[] = [];
    const taken = new Set<string>();
    let cursor = 0;
    for (const m of list) {
      const name = clean(m.name);
      if (!name) continue;
      const nameSpan = this.locator.first(name, cursor);
      if (nameSpan) cursor = nameSpan.start + 1;
      const anchor = nameSpan?.end ?? 0;
      const attribute = (value: string | null): { text: string; span: Span | null } | null => {
        const text = clean(value);
        if (!text) return null;
        const span = this.locator.near(text, anchor, taken);
        if (span) taken.add(key(span));
        return { text, span };
      };
      const dose = attribute(m.dose);
      const frequency = attribute(m.frequency);
      const route = attribute(m.route);
      const parts = [nameSpan, ...[dose, frequency, route].filter((p) => p !== null).map((p) => p.span)];
      out.push({
        name: mention(name, nameSpan),
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
    const positive = (n: number | null | undefined) =>
      typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : null;
    const value = positive(m.doseValue) ?? positive(parseDose(span?.text ?? text).value);
    const unit = clean(m.doseUnit)?.slice(0, MAX_UNIT) ?? null;
    return { ...mention(text, span), value, unit };
  }

  private frequency(text: string, span: Span | null): NonNullable<Medication['frequency']> {
    const read = span?.text ?? text;
    const f = normaliseFrequency(read);
    const perDay = f?.timesPerDay ?? null;
    return {
      ...mention(text, span),
      code: f?.code ?? null,
      timesPerDay: perDay !== null && perDay >= 0 && perDay <= 48 ? round(perDay, 4) : null,
      asNeeded: f?.asNeeded ?? /\bp\.?r\.?n\b|as needed/i.test(read),
    };
  }

  private conditions(list: readonly { text: string; negated: boolean }[]): Condition[] {
    const out: Condition[] = [];
    let cursor = 0;
    for (const c of list) {
      const text = clean(c.text);
      if (!text) continue;
      const span = this.locator.first(text, cursor);
      if (span) cursor = span.start + 1;
      out.push({ ...mention(text, span), negated: c.negated });
    }
    return out;
  }

  private labs(list: LlmOutput['labs']): LabResult[] {
    const out: LabResult[] = [];
    let cursor = 0;
    for (const lab of list) {
      const name = clean(lab.name);
      const valueText = clean(lab.value);
      if (!name || !valueText) continue;
      const nameSpan = this.locator.first(name, cursor);
      if (nameSpan) cursor = nameSpan.start + 1;
      const valueSpan = this.locator.near(valueText, nameSpan?.end ?? 0);
      const unitText = clean(lab.unit)?.slice(0, MAX_UNIT) ?? null;
      const unitSpan = unitText ? this.locator.near(unitText, valueSpan?.end ?? nameSpan?.end ?? 0) : null;
      const parsed = /-?\d+(?:\.\d+)?/.exec(valueSpan?.text ?? valueText);
      const numeric =
        typeof lab.numericValue === 'number' && Number.isFinite(lab.numericValue)
          ? lab.numericValue
          : parsed
            ? Number(parsed[0])
            : null;
      out.push({
        name: mention(name, nameSpan),
        value: { ...mention(valueText, valueSpan), value: numeric },
        unit: unitText ? mention(unitText, unitSpan) : null,
        ...(lab.flag ? { flag: lab.flag } : {}),
      });
    }
    return out;
  }

  private followUps(list: LlmOutput['followUps']): FollowUp[] {
    const out: FollowUp[] = [];
    let cursor = 0;
    for (const f of list) {
      const text = clean(f.text);
      if (!text) continue;
      const span = this.locator.first(text, cursor);
      if (span) cursor = span.start + 1;
      const withText = clean(f.with);
      const interval =
        typeof f.intervalValue === 'number' && Number.isFinite(f.intervalValue) && f.intervalValue > 0 && f.intervalUnit
          ? { value: f.intervalValue, unit: f.intervalUnit }
          : null;
      out.push({
        ...mention(text, span),
        interval,
        with: withText ? mention(withText, this.locator.near(withText, span?.start ?? 0)) : null,
      });
    }
    return out;
  }
}

export function toClinicalExtraction(output: LlmOutput, ctx: MappingContext): ClinicalExtraction {
  return new Mapper(ctx).map(output);
}
