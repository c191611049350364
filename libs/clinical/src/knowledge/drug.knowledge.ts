import type { RouteCode } from '../route/route.normaliser.js';
import { boundedMemo } from '../text/bounded-memo.util.js';
import { normaliseUnit, type DoseUnit, type UnitDimension } from '../units/dose-unit.normaliser.js';
import { DRUGS, type DrugEntry } from './drugs.data.js';

/** Looks drug names as written ("Toprol-XL", "Extra Strength Tylenol", "K-Dur") up in the curated table. */

export interface DoseReference {
  /** Usual adult single dose, in `unit`. */
  readonly min: number;
  readonly max: number;
  /** Maximum adult daily dose in `unit`; null where the table gives none (opioids, insulin, weight-based drugs). */
  readonly maxDaily: number | null;
  readonly unit: DoseUnit;
}

export interface DrugInfo {
  /** Generic name: the identity two mentions share when they name the same drug. */
  readonly name: string;
  readonly routes: ReadonlySet<RouteCode>;
  /** Dimensions a dose of this drug can be written in; a dose in any other is an impossible unit. */
  readonly dimensions: ReadonlySet<UnitDimension>;
  readonly dose: DoseReference | null;
}

const STRENGTH_ROUTES: ReadonlySet<RouteCode> = new Set(['TOP', 'OPH', 'OT', 'NAS', 'PV', 'TD']);

function dimensionsOf(entry: DrugEntry): ReadonlySet<UnitDimension> {
  const dims = new Set<UnitDimension>(entry.dims ?? ['mass', 'count', 'volume']);
  // Eye drops, creams and patches are written by strength ("0.5%"), and most drugs are dosed per kg in children.
  if (entry.dims === undefined && entry.routes.some((r) => STRENGTH_ROUTES.has(r))) dims.add('percent');
  if (dims.has('mass')) dims.add('mass-per-weight');
  if (entry.routes.includes('IV')) {
    dims.add('volume-rate');
    if (dims.has('mass')) dims.add('mass-rate').add('mass-per-weight-rate');
    if (dims.has('arbitrary')) dims.add('arbitrary-rate');
  }
  if (entry.routes.includes('TD') && dims.has('mass')) dims.add('mass-rate');
  return dims;
}

function compile(entry: DrugEntry): DrugInfo {
  const routes = new Set<RouteCode>(entry.routes);
  // Anything taken by mouth can go down a feeding tube.
  if (routes.has('PO')) routes.add('NG');
  let dose: DoseReference | null = null;
  if (entry.dose) {
    const [min, max, unitCode, maxDaily] = entry.dose;
    const unit = normaliseUnit(unitCode);
    if (!unit || !(min > 0) || !(max >= min) || (maxDaily !== undefined && maxDaily < max)) {
      throw new Error(`drug table: invalid dose reference for ${entry.name}`);
    }
    dose = { min, max, maxDaily: maxDaily ?? null, unit };
  }
  return Object.freeze({ name: entry.name, routes, dimensions: dimensionsOf(entry), dose });
}

const NUMBERED_RE = /#\s*(?=\d)|\bno\.?\s*(?=\d)/g;
const NON_NAME_RE = /[^a-z0-9/]+/g;
const SLASH_RE = /\//g;
const SPACES_RE = /\s+/;

/** Lower case, "Tylenol No. 3" and "Tylenol #3" -> "tylenol 3", punctuation and hyphens -> spaces. */
export function drugNameKey(text: string): string {
  return text.toLowerCase().replace(NUMBERED_RE, '').replace(NON_NAME_RE, ' ').trim();
}

const DRUGS_BY_KEY: ReadonlyMap<string, DrugInfo> = (() => {
  const map = new Map<string, DrugInfo>();
  for (const entry of DRUGS) {
    const info = compile(entry);
    for (const name of [entry.name, ...(entry.aka ?? [])]) {
      const key = drugNameKey(name);
      const existing = map.get(key);
      if (existing && existing !== info)
        throw new Error(`drug table: "${key}" names both ${existing.name} and ${info.name}`);
      map.set(key, info);
    }
  }
  return map;
})();

// Words that describe a product's form, release or salt rather than the drug, dropped before a second look-up.
// prettier-ignore
const FORM_WORDS: ReadonlySet<string> = new Set([
  'xl', 'xr', 'sr', 'cr', 'er', 'la', 'dr', 'ec', 'odt', 'cd', 'hfa', 'es', 'ds', 'ss', 'extra', 'strength', 'regular',
  'maximum', 'max', 'tablet', 'tablets', 'tab', 'tabs', 'capsule', 'capsules', 'cap', 'caps', 'injection', 'inj',
  'solution', 'suspension', 'syrup', 'elixir', 'cream', 'ointment', 'gel', 'lotion', 'drops', 'drop', 'eye', 'ophthalmic',
  'otic', 'nasal', 'spray', 'inhaler', 'patch', 'oral', 'iv', 'po', 'im', 'sc', 'sq', 'subq', 'chewable', 'liquid',
  'powder', 'pen', 'flexpen', 'kwikpen', 'solostar', 'diskus', 'respimat', 'handihaler', 'ellipta', 'hcl', 'hydrochloride',
  'sodium', 'potassium', 'calcium', 'succinate', 'tartrate', 'besylate', 'maleate', 'mesylate', 'sulfate', 'acetate',
  'citrate', 'fumarate', 'magnesium', 'generic', 'brand', 'dose', 'therapy', 'medication', 'preparation', 'tbec',
]);
const MIN_FALLBACK_WORD_LENGTH = 3;

function findUncached(text: string): DrugInfo | null {
  const key = drugNameKey(text);
  const exact = DRUGS_BY_KEY.get(key);
  if (exact) return exact;
  const words = key.replace(SLASH_RE, ' ').split(SPACES_RE);
  const kept = words.filter((w) => !FORM_WORDS.has(w));
  if (kept.length > 0 && kept.length < words.length) {
    const stripped = DRUGS_BY_KEY.get(kept.join(' '));
    if (stripped) return stripped;
  }
  // "verapamil 240 sustained" or "Chondroitin/glucosamine": any single word that is a drug name on its own.
  for (const word of kept) {
    if (word.length < MIN_FALLBACK_WORD_LENGTH) continue;
    const single = DRUGS_BY_KEY.get(word);
    if (single) return single;
  }
  return null;
}

/** Whether the text is, word for word, a name or synonym in the table (no form words dropped, no single word taken). */
export function isTableName(text: string): boolean {
  return DRUGS_BY_KEY.has(drugNameKey(text));
}

/** The table entry for a drug name as written; null for drugs the table does not know. */
export const findDrug: (name: string) => DrugInfo | null = boundedMemo(findUncached);

/** Identity for comparing two mentions: the generic name when the table knows the drug, else the normalised text. */
export function drugIdentity(name: string): string {
  return findDrug(name)?.name ?? drugNameKey(name);
}

/** How many names (generic and synonyms) the table resolves; reported by tests and the knowledge README. */
export const DRUG_TABLE_SIZE = { drugs: DRUGS.length, names: DRUGS_BY_KEY.size } as const;
