/**
 * Dose units as written in notes ("mcg", "units", "tabs", "cc") normalised to UCUM codes where UCUM has one
 * (https://ucum.org): `ug` for micrograms, `[iU]` for international units, `meq`, `mL`... Countable forms (tablet, puff,
 * drop) have no UCUM unit; they become UCUM annotations such as `{tablet}`, which are only comparable with themselves.
 */

/** What a unit measures; two doses are comparable only within one dimension (and, for counts, one count unit). */
export type UnitDimension =
  | 'mass'
  | 'volume'
  | 'amount'
  | 'equivalents'
  | 'arbitrary'
  | 'count'
  | 'percent'
  | 'radioactivity'
  | 'mass-per-weight'
  | 'mass-rate'
  | 'volume-rate'
  | 'arbitrary-rate'
  | 'mass-per-weight-rate';

export interface DoseUnit {
  /** UCUM code, or a UCUM annotation such as `{tablet}` for a countable form. */
  readonly code: string;
  readonly dimension: UnitDimension;
  /**
   * Size in the dimension's base unit: mg, mL, mmol, meq, [iU], mCi, mg/kg, mg/h, mL/h, [iU]/h, ug/kg/min; 1 for
   * counts and percent.
   */
  readonly factor: number;
}

type UnitRow = readonly [code: string, dimension: UnitDimension, factor: number, aliases: readonly string[]];

// Aliases are matched after lower-casing, dropping periods and collapsing spaces ("I.U." -> "iu", "mg ." -> "mg").
// prettier-ignore
const UNIT_ROWS: readonly UnitRow[] = [
  ['mg', 'mass', 1, ['mg', 'mgs', 'milligram', 'milligrams', 'milligramme', 'milligrammes']],
  ['ug', 'mass', 1e-3, ['mcg', 'mcgs', 'ug', 'µg', 'μg', 'microgram', 'micrograms', 'microgramme', 'microgrammes']],
  ['ng', 'mass', 1e-6, ['ng', 'nanogram', 'nanograms']],
  ['g', 'mass', 1e3, ['g', 'gm', 'gms', 'gram', 'grams', 'gramme', 'grammes']],
  ['mL', 'volume', 1, ['ml', 'mls', 'milliliter', 'milliliters', 'millilitre', 'millilitres', 'cc', 'ccs']],
  ['L', 'volume', 1e3, ['l', 'liter', 'liters', 'litre', 'litres']],
  ['[tsp_us]', 'volume', 5, ['tsp', 'tsps', 'teaspoon', 'teaspoons', 'teaspoonful', 'teaspoonfuls']],
  ['[tbs_us]', 'volume', 15, ['tbsp', 'tbsps', 'tablespoon', 'tablespoons', 'tablespoonful', 'tablespoonfuls']],
  ['[foz_us]', 'volume', 30, ['oz', 'fl oz', 'ounce', 'ounces']],
  ['mmol', 'amount', 1, ['mmol', 'mmols', 'millimole', 'millimoles']],
  ['meq', 'equivalents', 1, ['meq', 'meqs', 'milliequivalent', 'milliequivalents', 'mequiv']],
  ['[iU]', 'arbitrary', 1, ['iu', 'ius', 'u', 'unit', 'units', 'international unit', 'international units', 'intl units']],
  ['10*3.[iU]', 'arbitrary', 1e3, ['thousand units', 'k units']],
  ['10*6.[iU]', 'arbitrary', 1e6, ['million units', 'million iu', 'mu', 'miu']],
  ['%', 'percent', 1, ['%', 'percent', 'per cent']],
  ['mCi', 'radioactivity', 1, ['mci', 'millicurie', 'millicuries']],
  ['uCi', 'radioactivity', 1e-3, ['uci', 'µci', 'μci', 'microcurie', 'microcuries']],
  ['MBq', 'radioactivity', 1 / 37, ['mbq', 'megabecquerel', 'megabecquerels']],
  ['GBq', 'radioactivity', 1000 / 37, ['gbq', 'gigabecquerel', 'gigabecquerels']],
  ['mg/kg', 'mass-per-weight', 1, ['mg/kg', 'mgs/kg', 'milligrams per kilogram', 'mg per kg']],
  ['ug/kg', 'mass-per-weight', 1e-3, ['mcg/kg', 'ug/kg', 'µg/kg', 'micrograms per kilogram', 'mcg per kg']],
  ['g/kg', 'mass-per-weight', 1e3, ['g/kg', 'gm/kg', 'grams per kilogram']],
  ['mg/h', 'mass-rate', 1, ['mg/h', 'mg/hr', 'mg/hour', 'mg per hour']],
  ['mg/d', 'mass-rate', 1 / 24, ['mg/d', 'mg/day', 'mg per day', 'mg/24h', 'mg/24 h', 'mg/24 hours']],
  ['ug/h', 'mass-rate', 1e-3, ['mcg/h', 'mcg/hr', 'ug/h', 'ug/hr', 'µg/h', 'mcg/hour', 'mcg per hour']],
  ['ug/min', 'mass-rate', 0.06, ['mcg/min', 'ug/min', 'µg/min', 'mcg per minute']],
  ['mL/h', 'volume-rate', 1, ['ml/h', 'ml/hr', 'ml/hour', 'cc/h', 'cc/hr', 'cc/hour', 'ml per hour']],
  ['[iU]/h', 'arbitrary-rate', 1, ['units/h', 'units/hr', 'units/hour', 'u/h', 'u/hr', 'iu/h', 'iu/hr', 'units per hour']],
  ['ug/kg/min', 'mass-per-weight-rate', 1, ['mcg/kg/min', 'ug/kg/min', 'µg/kg/min', 'mcg/kg/minute']],
  ['{tablet}', 'count', 1, ['tablet', 'tablets', 'tab', 'tabs', 'tabl', 'tbl', 'pill', 'pills', 'caplet', 'caplets']],
  ['{capsule}', 'count', 1, ['capsule', 'capsules', 'cap', 'caps', 'gelcap', 'gelcaps', 'softgel', 'softgels']],
  ['{puff}', 'count', 1, ['puff', 'puffs', 'inhalation', 'inhalations', 'actuation', 'actuations']],
  ['{drop}', 'count', 1, ['drop', 'drops', 'gtt', 'gtts']],
  ['{patch}', 'count', 1, ['patch', 'patches']],
  ['{spray}', 'count', 1, ['spray', 'sprays', 'squirt', 'squirts']],
  ['{suppository}', 'count', 1, ['suppository', 'suppositories', 'supp', 'supps']],
  ['{application}', 'count', 1, ['application', 'applications', 'applicatorful', 'applicatorfuls']],
  ['{lozenge}', 'count', 1, ['lozenge', 'lozenges', 'troche', 'troches']],
  ['{packet}', 'count', 1, ['packet', 'packets', 'sachet', 'sachets']],
  ['{vial}', 'count', 1, ['vial', 'vials']],
  ['{ampule}', 'count', 1, ['ampule', 'ampules', 'ampoule', 'ampoules', 'amp', 'amps']],
  ['{scoop}', 'count', 1, ['scoop', 'scoops', 'capful', 'capfuls']],
];

const UNITS_BY_ALIAS: ReadonlyMap<string, DoseUnit> = (() => {
  const map = new Map<string, DoseUnit>();
  for (const [code, dimension, factor, aliases] of UNIT_ROWS) {
    const unit: DoseUnit = Object.freeze({ code, dimension, factor });
    map.set(code.toLowerCase(), unit);
    for (const alias of aliases) map.set(alias, unit);
  }
  return map;
})();

const PERIOD_RE = /\./g;
const SPACES_RE = /\s+/g;
const SPACE_AROUND_SLASH_RE = /\s*\/\s*/g;
const EDGE_PUNCTUATION_RE = /^[\s,;:()[\]-]+|[\s,;:()[\]-]+$/g;

function unitKey(text: string): string {
  return text
    .toLowerCase()
    .replace(PERIOD_RE, '')
    .replace(SPACE_AROUND_SLASH_RE, '/')
    .replace(SPACES_RE, ' ')
    .replace(EDGE_PUNCTUATION_RE, '');
}

/** The unit an engine or a note wrote, normalised; null when it is not a dose unit we know. */
export function normaliseUnit(text: string): DoseUnit | null {
  return UNITS_BY_ALIAS.get(unitKey(text)) ?? null;
}

/**
 * The unit at the start of `text` (what follows a dose number): tries the first three, two, then one word, so
 * "international units daily" and "mg tablet" both resolve. Returns the unit and how many characters it used.
 */
export function readLeadingUnit(text: string): DoseUnit | null {
  const words = text.trim().split(SPACES_RE, 3);
  for (let n = words.length; n > 0; n--) {
    const unit = UNITS_BY_ALIAS.get(unitKey(words.slice(0, n).join(' ')));
    if (unit) return unit;
  }
  return null;
}

/** Whether two quantities can be compared: same dimension, and for counts the same countable form. */
export function unitsComparable(a: DoseUnit, b: DoseUnit): boolean {
  if (a.dimension !== b.dimension) return false;
  return a.dimension !== 'count' || a.code === b.code;
}

const RELATIVE_TOLERANCE = 1e-6;

/** Compares two amounts within a relative tolerance, so 0.1 mg and 100 ug are equal despite floating point. */
export function amountsEqual(a: number, b: number): boolean {
  return Math.abs(a - b) <= RELATIVE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
}

/** `value unit` expressed in `target` units; null when the units are not comparable. */
export function convertAmount(value: number, from: DoseUnit, to: DoseUnit): number | null {
  return unitsComparable(from, to) ? (value * from.factor) / to.factor : null;
}
