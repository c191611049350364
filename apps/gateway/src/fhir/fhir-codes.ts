import type { FREQUENCY_CODES, MEDICATION_STATUSES, ROUTE_CODES } from '#schemas';

/** Code systems and the contract-code → FHIR code tables used by the Bundle mapper. */
export const SYSTEM = {
  ucum: 'http://unitsofmeasure.org',
  snomed: 'http://snomed.info/sct',
  gts: 'http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation',
  conditionCategory: 'http://terminology.hl7.org/CodeSystem/condition-category',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  conditionVerification: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
  allergyClinical: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
  allergyVerification: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  interpretation: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
  dataOperation: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation',
  participantType: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type',
  reviewStatus: 'https://clinex.dev/fhir/CodeSystem/review-status',
  noteId: 'urn:clinex:note-id',
} as const;

type RouteCode = (typeof ROUTE_CODES)[number];
type FrequencyCode = (typeof FREQUENCY_CODES)[number];
type MedicationStatus = (typeof MEDICATION_STATUSES)[number];

/** SNOMED CT route-of-administration qualifier values (the FHIR R4 route-codes value set). */
export const SNOMED_ROUTE: Record<RouteCode, { code: string; display: string }> = {
  PO: { code: '26643006', display: 'Oral route' },
  IV: { code: '47625008', display: 'Intravenous route' },
  IM: { code: '78421000', display: 'Intramuscular route' },
  SC: { code: '34206005', display: 'Subcutaneous route' },
  SL: { code: '37839007', display: 'Sublingual route' },
  PR: { code: '37161004', display: 'Rectal route' },
  TOP: { code: '6064005', display: 'Topical route' },
  INH: { code: '447694001', display: 'Respiratory tract route' },
  NAS: { code: '46713006', display: 'Nasal route' },
  OPH: { code: '54485002', display: 'Ophthalmic route' },
  OT: { code: '10547007', display: 'Otic route' },
  TD: { code: '45890007', display: 'Transdermal route' },
  PV: { code: '16857009', display: 'Vaginal route' },
  NG: { code: '127492001', display: 'Nasogastric route' },
  ID: { code: '372464004', display: 'Intradermal route' },
  BUCC: { code: '54471007', display: 'Buccal route' },
};

export interface TimingRepeat {
  count?: number;
  frequency?: number;
  period?: number;
  periodUnit?: 'h' | 'd' | 'wk' | 'mo';
  when?: string[];
}

/**
 * Each contract frequency as a FHIR Timing: the HL7 v3 GTS abbreviation (timing-abbreviation value set) where one
 * exists, and always the equivalent `repeat` so systems that ignore the code still get the schedule.
 */
export const TIMING: Record<FrequencyCode, { gts: string | null; repeat: TimingRepeat | null }> = {
  QD: { gts: 'QD', repeat: { frequency: 1, period: 1, periodUnit: 'd' } },
  BID: { gts: 'BID', repeat: { frequency: 2, period: 1, periodUnit: 'd' } },
  TID: { gts: 'TID', repeat: { frequency: 3, period: 1, periodUnit: 'd' } },
  QID: { gts: 'QID', repeat: { frequency: 4, period: 1, periodUnit: 'd' } },
  QHS: { gts: 'BED', repeat: { frequency: 1, period: 1, periodUnit: 'd', when: ['HS'] } },
  QAM: { gts: 'AM', repeat: { frequency: 1, period: 1, periodUnit: 'd', when: ['MORN'] } },
  QPM: { gts: 'PM', repeat: { frequency: 1, period: 1, periodUnit: 'd', when: ['EVE'] } },
  Q1H: { gts: 'Q1H', repeat: { frequency: 1, period: 1, periodUnit: 'h' } },
  Q2H: { gts: 'Q2H', repeat: { frequency: 1, period: 2, periodUnit: 'h' } },
  Q3H: { gts: 'Q3H', repeat: { frequency: 1, period: 3, periodUnit: 'h' } },
  Q4H: { gts: 'Q4H', repeat: { frequency: 1, period: 4, periodUnit: 'h' } },
  Q6H: { gts: 'Q6H', repeat: { frequency: 1, period: 6, periodUnit: 'h' } },
  Q8H: { gts: 'Q8H', repeat: { frequency: 1, period: 8, periodUnit: 'h' } },
  Q12H: { gts: null, repeat: { frequency: 1, period: 12, periodUnit: 'h' } },
  Q24H: { gts: 'QD', repeat: { frequency: 1, period: 24, periodUnit: 'h' } },
  Q48H: { gts: 'QOD', repeat: { frequency: 1, period: 48, periodUnit: 'h' } },
  QOD: { gts: 'QOD', repeat: { frequency: 1, period: 2, periodUnit: 'd' } },
  QWK: { gts: 'WK', repeat: { frequency: 1, period: 1, periodUnit: 'wk' } },
  BIW: { gts: null, repeat: { frequency: 2, period: 1, periodUnit: 'wk' } },
  TIW: { gts: null, repeat: { frequency: 3, period: 1, periodUnit: 'wk' } },
  QMONTH: { gts: 'MO', repeat: { frequency: 1, period: 1, periodUnit: 'mo' } },
  ONCE: { gts: null, repeat: { count: 1 } },
  CONT: { gts: null, repeat: null },
  PRN: { gts: null, repeat: null },
};

/** MedicationStatement.status for each contract status (`allergy` becomes an AllergyIntolerance instead). */
export const MEDICATION_STATEMENT_STATUS: Record<Exclude<MedicationStatus, 'allergy'>, string> = {
  current: 'active',
  new: 'active',
  stopped: 'stopped',
  past: 'completed',
  negated: 'not-taken',
  unknown: 'unknown',
};

/** Common laboratory units as written → UCUM (dose units come from #clinical's normaliser). */
export const LAB_UCUM: Readonly<Record<string, string>> = {
  'mg/dl': 'mg/dL',
  'g/dl': 'g/dL',
  'g/l': 'g/L',
  'mg/l': 'mg/L',
  'ng/ml': 'ng/mL',
  'pg/ml': 'pg/mL',
  'ug/ml': 'ug/mL',
  'mcg/ml': 'ug/mL',
  'mmol/l': 'mmol/L',
  'umol/l': 'umol/L',
  'µmol/l': 'umol/L',
  'meq/l': 'meq/L',
  'u/l': 'U/L',
  'iu/l': '[IU]/L',
  'miu/l': 'm[IU]/L',
  'uiu/ml': 'u[IU]/mL',
  mmhg: 'mm[Hg]',
  'mm hg': 'mm[Hg]',
  bpm: '/min',
  '/min': '/min',
  '%': '%',
  'k/ul': '10*3/uL',
  'x10^9/l': '10*9/L',
  '10^9/l': '10*9/L',
  'x10^12/l': '10*12/L',
  fl: 'fL',
  kg: 'kg',
  'kg/m2': 'kg/m2',
  'ml/min/1.73m2': 'mL/min/{1.73_m2}',
  sec: 's',
  s: 's',
};

/** Well-known names for code systems an engine may give instead of the system URI. */
export const CODE_SYSTEM_URI: Readonly<Record<string, string>> = {
  'icd-10': 'http://hl7.org/fhir/sid/icd-10',
  icd10: 'http://hl7.org/fhir/sid/icd-10',
  'icd-10-cm': 'http://hl7.org/fhir/sid/icd-10-cm',
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  snomed: SYSTEM.snomed,
  'snomed-ct': SYSTEM.snomed,
  snomedct: SYSTEM.snomed,
  loinc: 'http://loinc.org',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
};
