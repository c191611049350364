import { ROUTE_CODES } from '#schemas';
import { boundedMemo } from '../text/bounded-memo.util.js';

/** A route as written ("p.o.", "by mouth", "subq", "nebs", "in each eye") to the contract's route code. */

export type RouteCode = (typeof ROUTE_CODES)[number];

// prettier-ignore
const ROUTE_ROWS: readonly (readonly [RouteCode, readonly string[]])[] = [
  // A bare "os" is left (oculus sinister) eye, not "per os".
  ['PO', ['po', 'by mouth', 'orally', 'oral', 'per os', 'mouth', 'per mouth', 'by mouth po', 'oral route',
    'tablet by mouth', 'swallowed', 'enteral']],
  ['IV', ['iv', 'intravenous', 'intravenously', 'iv push', 'ivp', 'ivpb', 'iv piggyback', 'iv drip', 'iv infusion',
    'intravenous infusion', 'intravenous push', 'iv bolus', 'i v', 'ivss', 'intravenous bolus']],
  ['IM', ['im', 'intramuscular', 'intramuscularly', 'i m', 'im injection', 'intramuscular injection']],
  ['SC', ['sc', 'subcutaneous', 'subcutaneously', 'subq', 'sub q', 'sub-q', 'sq', 'subcut', 'sub cut', 's c', 'sq injection',
    'subcutaneous injection', 'subq injection', 'sc injection', 'under the skin']],
  ['SL', ['sl', 'sublingual', 'sublingually', 'under the tongue', 's l']],
  ['PR', ['pr', 'rectal', 'rectally', 'per rectum', 'by rectum', 'suppository', 'rectal suppository', 'via rectum']],
  ['TOP', ['topical', 'topically', 'to skin', 'to the skin', 'applied', 'apply', 'cutaneous', 'externally', 'to affected area',
    'to affected areas', 'to the affected area', 'on the skin', 'top', 'dermal']],
  ['INH', ['inhaled', 'inhalation', 'inhaler', 'inh', 'nebulized', 'nebulised', 'nebulizer', 'nebuliser', 'neb', 'nebs',
    'mdi', 'hhn', 'by inhalation', 'via inhaler', 'via mdi', 'via nebulizer', 'by nebulizer', 'by neb', 'inhalation aerosol',
    'metered dose inhaler', 'dpi', 'diskus', 'handihaler', 'respiratory', 'via neb', 'aerosol', 'breathing treatment']],
  ['NAS', ['intranasal', 'intranasally', 'nasal', 'nasally', 'nasal spray', 'in each nostril', 'each nostril', 'per nostril',
    'in nostril', 'in the nose', 'per nose', 'in each nare', 'each nare', 'nare', 'nares', 'in both nostrils', 'nasal inhaler',
    'spray in each nostril', 'sprays in each nostril']],
  ['OPH', ['ophthalmic', 'eye drops', 'eye drop', 'in each eye', 'in both eyes', 'both eyes', 'each eye', 'in the eye',
    'in eye', 'in eyes', 'in right eye', 'in the right eye', 'in left eye', 'in the left eye', 'right eye', 'left eye',
    'ou', 'od', 'os', 'ophth', 'ophthalmically', 'to eyes', 'to both eyes', 'eye', 'eyes', 'into the eye',
    'into each eye', 'drop in each eye', 'drops in each eye', 'ocular']],
  ['OT', ['otic', 'ear drops', 'ear drop', 'in each ear', 'in both ears', 'each ear', 'in the ear', 'in ear', 'in ears',
    'in right ear', 'in the right ear', 'in left ear', 'in the left ear', 'au', 'ad', 'aural', 'ear', 'ears']],
  ['TD', ['transdermal', 'transdermally', 'patch', 'td', 'transdermal patch', 'topical patch', 'via patch', 'by patch']],
  ['PV', ['pv', 'vaginal', 'vaginally', 'per vagina', 'intravaginal', 'intravaginally', 'vag', 'per vaginam',
    'vaginal suppository', 'vaginal cream']],
  ['NG', ['ng', 'per ng', 'via ng', 'ng tube', 'per ng tube', 'via ng tube', 'ngt', 'per ngt', 'nasogastric',
    'nasogastric tube', 'per tube', 'via tube', 'by tube', 'feeding tube', 'per feeding tube', 'via feeding tube',
    'peg', 'per peg', 'via peg', 'g tube', 'per g tube', 'via g tube', 'gt', 'per gt', 'j tube', 'per j tube', 'og',
    'per og', 'ogt', 'orogastric', 'per peg tube', 'via peg tube', 'peg tube']],
  ['ID', ['id', 'intradermal', 'intradermally', 'intracutaneous']],
  ['BUCC', ['buccal', 'buccally', 'bucc', 'transmucosal', 'oromucosal', 'in the cheek', 'between cheek and gum']],
];

const ROUTES_BY_PHRASE: ReadonlyMap<string, RouteCode> = (() => {
  const map = new Map<string, RouteCode>();
  for (const [code, phrases] of ROUTE_ROWS) for (const phrase of phrases) map.set(phrase, code);
  return map;
})();

const PERIOD_RE = /\./g;
const NON_WORD_RE = /[^a-z0-9]+/g;
const LEADING_PREPOSITION_RE = /^(?:via|by|per|through|to be taken|taken|given|route|the) /;

function normaliseUncached(text: string): RouteCode | null {
  // "p.o." -> "po", "sub-q" -> "sub q", "I.V." -> "iv".
  const key = text.toLowerCase().replace(PERIOD_RE, '').replace(NON_WORD_RE, ' ').trim();
  return ROUTES_BY_PHRASE.get(key) ?? ROUTES_BY_PHRASE.get(key.replace(LEADING_PREPOSITION_RE, '')) ?? null;
}

/** The route code for a route as written; null when it is not a route this module knows. */
export const normaliseRoute: (text: string) => RouteCode | null = boundedMemo(normaliseUncached);
