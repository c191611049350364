import { describe, expect, it } from '@jest/globals';
import { emptyExtraction, type ClinicalExtraction } from '#schemas';
import { fhirR4Errors } from '../../../../test/support/fhir-schema.js';
import { toFhirBundle, type FhirSource } from './fhir-bundle.mapper.js';

const text =
  'Pt on metformin 500 mg PO BID and albuterol 2 puffs inhaled q4h prn. Stopped aspirin. Denies chest pain. ' +
  'Allergic to penicillin. Dx: type 2 diabetes. HbA1c 7.2 %. No warfarin.';
const at = (s: string) => {
  const start = text.indexOf(s);
  if (start < 0) throw new Error(`fixture lacks ${s}`);
  return { text: s, start, end: start + s.length };
};
const mention = (s: string) => ({ text: s, span: at(s) });

function extraction(): ClinicalExtraction {
  return {
    ...emptyExtraction('n', { name: 'bert-ner', model: 'clinex-bert-ner', version: '1' }),
    patient: { age: null, sex: { value: 'female', span: null } },
    medications: [
      {
        name: mention('metformin'),
        dose: { ...mention('500 mg'), value: 500, unit: 'mg' },
        frequency: { ...mention('BID'), code: 'BID', timesPerDay: 2, asNeeded: false },
        route: { ...mention('PO'), code: 'PO' },
        status: 'current',
        confidence: 0.98,
      },
      {
        name: mention('albuterol'),
        dose: { ...mention('2 puffs'), value: 2, unit: 'puffs' },
        frequency: { ...mention('q4h prn'), code: 'Q4H', timesPerDay: 6, asNeeded: true },
        route: { ...mention('inhaled'), code: 'INH' },
        status: 'current',
        confidence: 0.9,
      },
      { name: mention('aspirin'), dose: null, frequency: null, route: null, status: 'stopped', confidence: 0.9 },
      { name: mention('penicillin'), dose: null, frequency: null, route: null, status: 'allergy', confidence: 0.9 },
      { name: mention('warfarin'), dose: null, frequency: null, route: null, status: 'negated', confidence: 0.8 },
    ],
    diagnoses: [{ ...mention('type 2 diabetes'), negated: false, code: { system: 'ICD-10-CM', code: 'E11.9' } }],
    symptoms: [{ ...mention('chest pain'), negated: true }],
    labs: [{ name: mention('HbA1c'), value: { ...mention('7.2'), value: 7.2 }, unit: mention('%'), flag: 'high' }],
  };
}

const source = (status: 'accepted' | 'needs_review' = 'accepted'): FhirSource => ({
  note: {
    id: '7d0b3f4e-9a55-4a6f-8d57-0d6d1f1c2b3a',
    externalId: 'EHR-42',
    patientRef: 'MRN-1001',
    encounterRef: 'ENC-9',
    createdAt: new Date('2026-11-28T10:00:00.000Z'),
  },
  extraction: {
    id: 'b6f2a3c4-1d2e-4f50-9a8b-7c6d5e4f3a2b',
    status,
    createdAt: new Date('2026-11-28T10:00:05.000Z'),
    data: extraction(),
  },
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- FHIR resources are read loosely in assertions.
type Loose = Record<string, any>;
type Entry = { resource: Loose };
const resources = (type: string, bundle = toFhirBundle(source())) =>
  (bundle.entry as Entry[]).map((e) => e.resource).filter((r) => r.resourceType === type);

describe('FHIR R4 Bundle of an extraction', () => {
  it('is valid against the official R4 JSON schema, validated and in review', () => {
    expect(fhirR4Errors(toFhirBundle(source('accepted')))).toEqual([]);
    expect(fhirR4Errors(toFhirBundle(source('needs_review')))).toEqual([]);
  });

  it('catches what the schema forbids (the check is not vacuous)', () => {
    const broken = (change: (resource: Loose) => void, type: string) => {
      const bundle = toFhirBundle(source()) as unknown as { entry: Entry[] };
      change(bundle.entry.find((e) => e.resource.resourceType === type)!.resource);
      return fhirR4Errors(bundle);
    };
    // STU3's MedicationStatement.taken does not exist in R4; subject is required; Observation.status is a closed set.
    expect(broken((r) => (r.taken = 'y'), 'MedicationStatement').length).toBeGreaterThan(0);
    expect(broken((r) => delete r.subject, 'MedicationStatement').length).toBeGreaterThan(0);
    expect(broken((r) => (r.status = 'done'), 'Observation').length).toBeGreaterThan(0);
  });

  it('MedicationStatement: UCUM dose quantity, GTS timing code, SNOMED route, derivedFrom the DocumentReference', () => {
    const [doc] = resources('DocumentReference');
    const [metformin, albuterol, aspirin, warfarin] = resources('MedicationStatement');
    expect(metformin).toMatchObject({
      status: 'active',
      medicationCodeableConcept: { text: 'metformin' },
      derivedFrom: [{ reference: `urn:uuid:${doc!.id}` }],
      dosage: [
        {
          timing: {
            code: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation', code: 'BID' }] },
            repeat: { frequency: 2, period: 1, periodUnit: 'd' },
          },
          route: { coding: [{ system: 'http://snomed.info/sct', code: '26643006' }] },
          doseAndRate: [{ doseQuantity: { value: 500, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' } }],
        },
      ],
    });
    expect(albuterol!.dosage[0]).toMatchObject({
      asNeededBoolean: true,
      route: { coding: [{ code: '447694001' }] },
      doseAndRate: [{ doseQuantity: { value: 2, code: '{puff}' } }],
      timing: { code: { coding: [{ code: 'Q4H' }] } },
    });
    expect(aspirin!.status).toBe('stopped');
    expect(warfarin!.status).toBe('not-taken');
    expect(resources('MedicationStatement')).toHaveLength(4);
    expect(resources('AllergyIntolerance')).toMatchObject([{ code: { text: 'penicillin' }, category: ['medication'] }]);
  });

  it('Condition for diagnoses (coded) and refuted negated symptoms; Observation for labs; Provenance over all', () => {
    const [diabetes, chestPain] = resources('Condition');
    expect(diabetes).toMatchObject({
      clinicalStatus: { coding: [{ code: 'active' }] },
      verificationStatus: { coding: [{ code: 'confirmed' }] },
      code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9' }], text: 'type 2 diabetes' },
    });
    expect(chestPain).toMatchObject({ verificationStatus: { coding: [{ code: 'refuted' }] } });
    expect(chestPain!.clinicalStatus).toBeUndefined();
    expect(resources('Observation')).toMatchObject([
      {
        status: 'final',
        valueQuantity: { value: 7.2, system: 'http://unitsofmeasure.org', code: '%' },
        interpretation: [{ coding: [{ code: 'H' }] }],
      },
    ]);
    const [provenance] = resources('Provenance');
    const [doc] = resources('DocumentReference');
    expect(provenance!.entity).toEqual([{ role: 'source', what: { reference: `urn:uuid:${doc!.id}` } }]);
    // Every clinical resource and the Patient are targets.
    expect(provenance!.target).toHaveLength(1 + 4 + 1 + 2 + 1);
    expect(doc).toMatchObject({
      masterIdentifier: { value: source().note.id },
      subject: { reference: expect.any(String) },
    });
  });

  it('is the same Bundle every time for the same extraction, and marks extractions in review', () => {
    expect(toFhirBundle(source())).toEqual(toFhirBundle(source()));
    const review = toFhirBundle(source('needs_review'));
    expect(resources('Observation', review)[0]!.status).toBe('preliminary');
    expect(resources('Condition', review)[0]!.meta.tag[0].code).toBe('needs-review');
  });
});
