import { createHash } from 'node:crypto';
import { normaliseUnit } from '#clinical';
import type { ClinicalExtraction, Condition, LabResult, Medication } from '#schemas';
import {
  CODE_SYSTEM_URI,
  LAB_UCUM,
  MEDICATION_STATEMENT_STATUS,
  SNOMED_ROUTE,
  SYSTEM,
  TIMING,
  type TimingRepeat,
} from './fhir-codes.js';

/**
 * A note's validated extraction as a FHIR R4 `collection` Bundle: the source note as a DocumentReference, a Patient
 * the resources point at, one MedicationStatement per medication (AllergyIntolerance for allergies), a Condition
 * per diagnosis and symptom, an Observation per lab result, and a Provenance tying everything to the note and the
 * engine. Resource ids are derived from the note and extraction ids, so the same extraction always gives the same
 * Bundle. Pure: no I/O, so it is unit-tested directly and validated against the R4 JSON schema in the tests.
 */

export interface FhirSource {
  note: {
    id: string;
    externalId: string;
    patientRef: string | null;
    encounterRef: string | null;
    createdAt: Date;
  };
  extraction: {
    id: string;
    /** The validator's verdict: needs_review marks every resource as awaiting review. */
    status: 'accepted' | 'needs_review';
    createdAt: Date;
    data: ClinicalExtraction;
  };
}

type Json = Record<string, unknown>;
interface Coding {
  system: string;
  code: string;
  display?: string;
}
interface Reference {
  reference: string;
}

export interface FhirBundle {
  resourceType: 'Bundle';
  id: string;
  meta: { lastUpdated: string };
  identifier: { system: string; value: string };
  type: 'collection';
  timestamp: string;
  entry: { fullUrl: string; resource: Json & { resourceType: string; id: string } }[];
}

const concept = (text: string, coding?: Coding[]) => (coding && coding.length > 0 ? { coding, text } : { text });

/** A name-based UUID (version 5 layout over SHA-256), stable for the same inputs. */
function stableUuid(...parts: string[]): string {
  const hash = createHash('sha256').update(parts.join('\u0000')).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function quantity(value: number, unitText: string | null, ucum: string | null): Json {
  const q: Json = { value };
  if (unitText) q.unit = unitText;
  if (ucum) Object.assign(q, { system: SYSTEM.ucum, code: ucum });
  return q;
}

function doseUcum(unit: string | null): string | null {
  return unit ? (normaliseUnit(unit)?.code ?? null) : null;
}

function labUcum(unit: string | null): string | null {
  if (!unit) return null;
  return LAB_UCUM[unit.trim().toLowerCase()] ?? normaliseUnit(unit)?.code ?? null;
}

function conditionCoding(code: Condition['code']): Coding[] | undefined {
  if (!code) return undefined;
  const system = code.system.includes(':') ? code.system : CODE_SYSTEM_URI[code.system.trim().toLowerCase()];
  return system ? [{ system, code: code.code }] : undefined;
}

function dosage(m: Medication): Json {
  const d: Json = {};
  const text = [m.dose?.text, m.route?.text, m.frequency?.text].filter(Boolean).join(' ');
  if (text) d.text = text;
  const timing = m.frequency?.code ? TIMING[m.frequency.code] : null;
  if (timing && (timing.gts || timing.repeat)) {
    const t: { code?: Json; repeat?: TimingRepeat } = {};
    if (timing.gts) t.code = { coding: [{ system: SYSTEM.gts, code: timing.gts }], text: m.frequency!.text };
    if (timing.repeat) t.repeat = timing.repeat;
    d.timing = t;
  }
  if (m.frequency?.asNeeded || m.frequency?.code === 'PRN') d.asNeededBoolean = true;
  if (m.route?.code) {
    const route = SNOMED_ROUTE[m.route.code];
    d.route = concept(m.route.text, [{ system: SYSTEM.snomed, code: route.code, display: route.display }]);
  }
  if (m.dose && m.dose.value !== null) {
    d.doseAndRate = [{ doseQuantity: quantity(m.dose.value, m.dose.unit, doseUcum(m.dose.unit)) }];
  }
  return d;
}

export function toFhirBundle(source: FhirSource): FhirBundle {
  const { note, extraction } = source;
  const data = extraction.data;
  const review = extraction.status === 'needs_review';
  const recorded = extraction.createdAt.toISOString();
  const entries: FhirBundle['entry'] = [];
  const idFor = (kind: string, index = 0) => stableUuid(note.id, extraction.id, kind, String(index));
  const meta = review
    ? { meta: { tag: [{ system: SYSTEM.reviewStatus, code: 'needs-review', display: 'Awaiting clinical review' }] } }
    : {};
  const add = (resourceType: string, id: string, body: Json): Reference => {
    entries.push({ fullUrl: `urn:uuid:${id}`, resource: { resourceType, id, ...meta, ...body } });
    return { reference: `urn:uuid:${id}` };
  };

  const patient = add('Patient', idFor('patient'), {
    ...(note.patientRef ? { identifier: [{ value: note.patientRef }] } : {}),
    gender: data.patient.sex.value,
  });
  const encounter = note.encounterRef ? { identifier: { value: note.encounterRef }, type: 'Encounter' } : null;
  const document = add('DocumentReference', idFor('document'), {
    masterIdentifier: { system: SYSTEM.noteId, value: note.id },
    identifier: [{ value: note.externalId }],
    status: 'current',
    type: { text: 'Clinical note' },
    subject: patient,
    date: note.createdAt.toISOString(),
    content: [{ attachment: { contentType: 'text/plain', url: `/v1/notes/${note.id}`, title: note.externalId } }],
    ...(encounter ? { context: { encounter: [encounter] } } : {}),
  });
  const targets: Reference[] = [patient];

  data.medications.forEach((m, i) => {
    if (m.status === 'allergy') {
      targets.push(
        add('AllergyIntolerance', idFor('allergy', i), {
          clinicalStatus: { coding: [{ system: SYSTEM.allergyClinical, code: 'active' }] },
          verificationStatus: { coding: [{ system: SYSTEM.allergyVerification, code: 'unconfirmed' }] },
          category: ['medication'],
          code: concept(m.name.text),
          patient,
          recordedDate: note.createdAt.toISOString(),
        }),
      );
      return;
    }
    targets.push(
      add('MedicationStatement', idFor('medication', i), {
        status: MEDICATION_STATEMENT_STATUS[m.status],
        medicationCodeableConcept: concept(m.name.text),
        subject: patient,
        ...(encounter ? { context: encounter } : {}),
        dateAsserted: note.createdAt.toISOString(),
        derivedFrom: [document],
        dosage: [dosage(m)],
      }),
    );
  });

  const condition = (c: Condition, kind: 'diagnosis' | 'symptom', i: number) => {
    const category =
      kind === 'diagnosis'
        ? { coding: [{ system: SYSTEM.conditionCategory, code: 'encounter-diagnosis' }] }
        : { coding: [{ system: SYSTEM.snomed, code: '418799008', display: 'Finding reported by subject' }] };
    const verification = c.negated ? 'refuted' : review ? 'provisional' : 'confirmed';
    targets.push(
      add('Condition', idFor(kind, i), {
        // A refuted condition has no clinical status: it is not the patient's condition at all.
        ...(c.negated ? {} : { clinicalStatus: { coding: [{ system: SYSTEM.conditionClinical, code: 'active' }] } }),
        verificationStatus: { coding: [{ system: SYSTEM.conditionVerification, code: verification }] },
        category: [category],
        code: concept(c.text, conditionCoding(c.code)),
        subject: patient,
        ...(encounter ? { encounter } : {}),
        recordedDate: note.createdAt.toISOString(),
        evidence: [{ detail: [document] }],
      }),
    );
  };
  data.diagnoses.forEach((c, i) => condition(c, 'diagnosis', i));
  data.symptoms.forEach((c, i) => condition(c, 'symptom', i));

  data.labs.forEach((lab: LabResult, i) => {
    const value =
      lab.value.value !== null
        ? { valueQuantity: quantity(lab.value.value, lab.unit?.text ?? null, labUcum(lab.unit?.text ?? null)) }
        : { valueString: lab.value.text };
    const interpretation = lab.flag ? { high: 'H', low: 'L', normal: 'N', abnormal: 'A' }[lab.flag] : null;
    targets.push(
      add('Observation', idFor('lab', i), {
        status: review ? 'preliminary' : 'final',
        category: [{ coding: [{ system: SYSTEM.observationCategory, code: 'laboratory' }] }],
        code: concept(lab.name.text),
        subject: patient,
        ...(encounter ? { encounter } : {}),
        derivedFrom: [document],
        ...value,
        ...(interpretation
          ? { interpretation: [{ coding: [{ system: SYSTEM.interpretation, code: interpretation }] }] }
          : {}),
      }),
    );
  });

  add('Provenance', idFor('provenance'), {
    target: targets,
    recorded,
    activity: { coding: [{ system: SYSTEM.dataOperation, code: 'CREATE' }] },
    agent: [
      {
        type: { coding: [{ system: SYSTEM.participantType, code: 'assembler' }] },
        who: { display: `Clinex ${data.engine.name} engine (${data.engine.model} ${data.engine.version})` },
      },
    ],
    entity: [{ role: 'source', what: document }],
  });

  return {
    resourceType: 'Bundle',
    id: idFor('bundle'),
    meta: { lastUpdated: recorded },
    identifier: { system: SYSTEM.noteId, value: note.id },
    type: 'collection',
    timestamp: recorded,
    entry: entries,
  };
}
