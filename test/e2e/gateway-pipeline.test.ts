import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { emptyExtraction, type ClinicalExtraction, type RawExtraction } from '../../libs/schemas/src/index.js';
import { fhirR4Errors } from '../support/fhir-schema.js';
import { startServiceProcess, waitFor, type ServiceProcess } from '../support/service-process.js';
import { createTestTenant, type TestTenant } from '../support/tenant-fixture.js';
import { REPO_ROOT } from '../support/test-database.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- FHIR resources are read loosely in assertions.
type Loose = Record<string, any>;

/**
 * Acceptance 1 through the built services over real Kafka and PostgreSQL: a note posted with an Idempotency-Key and
 * posted again (same response, one note), read back once processed, and its FHIR R4 Bundle valid against the R4
 * JSON schema; then a richer extraction of the same note (medications, conditions, labs) as an engine publishes it,
 * validated by the real validator and rendered as FHIR. Also: /docs serves the OpenAPI document, equal to the
 * checked-in docs/openapi.json (regenerate with `npm run docs:openapi`).
 */
describe('gateway API end to end: idempotent submit → pipeline → FHIR', () => {
  const databaseUrl = process.env.DATABASE_URL!;
  const brokers = process.env.KAFKA_BROKERS!;
  const run = randomUUID().slice(0, 8);
  const noteText =
    `Patient seen ${run}. Started metformin 500 mg PO twice daily. Stopped aspirin. Denies chest pain. ` +
    'HbA1c 7.2 %. Assessment: type 2 diabetes.';
  const services: ServiceProcess[] = [];
  const db = new pg.Client({ connectionString: databaseUrl });
  let gateway: ServiceProcess;
  let tenant: TestTenant;
  let producer: Producer;

  beforeAll(async () => {
    await db.connect();
    tenant = await createTestTenant(databaseUrl, 'gw-e2e');
    const common = { DATABASE_URL: databaseUrl, KAFKA_BROKERS: brokers, LOG_LEVEL: 'info' };
    const started = await Promise.all([
      startServiceProcess('gateway', { ...common, OUTBOX_POLL_INTERVAL_MS: '200' }),
      startServiceProcess('extractor', { ...common, KAFKA_GROUP_ID: `gw-e2e-extractor-${run}` }),
      startServiceProcess('validator', { ...common, KAFKA_GROUP_ID: `gw-e2e-validator-${run}` }),
    ]);
    services.push(...started);
    gateway = started[0];
    producer = new Kafka({
      brokers: brokers.split(','),
      clientId: `gw-e2e-${run}`,
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await Promise.all(services.map((s) => s.stop('SIGKILL')));
    await db.end();
  });

  const headers = (extra: Record<string, string> = {}) => ({
    'content-type': 'application/json',
    authorization: `Bearer ${tenant.keys.submitter}`,
    ...extra,
  });
  const getJson = async <T>(url: string) => {
    const response = await fetch(`${gateway.url}${url}`, { headers: headers() });
    return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as T };
  };
  let noteId = '';

  it('answers a retry with the same Idempotency-Key with the same status and body, and stores one note', async () => {
    const key = randomUUID();
    const body = JSON.stringify({
      externalId: `e2e-${run}`,
      text: noteText,
      patientRef: 'MRN-77',
      encounterRef: 'ENC-5',
    });
    const first = await fetch(`${gateway.url}/v1/notes`, {
      method: 'POST',
      headers: headers({ 'idempotency-key': key }),
      body,
    });
    expect(first.status).toBe(202);
    const firstBody = await first.text();
    const again = await fetch(`${gateway.url}/v1/notes`, {
      method: 'POST',
      headers: headers({ 'idempotency-key': key }),
      body,
    });
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.text()).toBe(firstBody);
    noteId = (JSON.parse(firstBody) as { id: string }).id;
    const notes = await db.query('SELECT id FROM notes WHERE tenant_id = $1', [tenant.id]);
    expect(notes.rows).toEqual([{ id: noteId }]);
    const events = await db.query('SELECT count(*)::int AS n FROM outbox_events WHERE message_key = $1', [noteId]);
    expect(events.rows[0].n).toBe(1);
  });

  it('reads the note back once processed, and its FHIR Bundle is valid FHIR R4', async () => {
    const note = await waitFor(
      async () => {
        const { body } = await getJson<{ status: string; fhirUrl: string | null }>(`/v1/notes/${noteId}`);
        return body.status === 'validated' ? body : null;
      },
      60_000,
      'the note to be validated',
    );
    expect(note.fhirUrl).toBe(`/v1/notes/${noteId}/fhir`);
    const fhir = await getJson<{ resourceType: string; entry: { resource: { resourceType: string } }[] }>(
      note.fhirUrl!,
    );
    expect(fhir.status).toBe(200);
    expect(fhir.type).toMatch(/^application\/fhir\+json/);
    expect(fhirR4Errors(fhir.body)).toEqual([]);
    expect(fhir.body.entry.map((e) => e.resource.resourceType).sort()).toEqual([
      'DocumentReference',
      'Patient',
      'Provenance',
    ]);
    const listed = await getJson<{ items: { id: string; status: string }[] }>('/v1/notes?status=validated');
    expect(listed.body.items).toEqual([expect.objectContaining({ id: noteId, status: 'validated' })]);
  });

  it('renders a full extraction, validated by the real validator, as R4 MedicationStatement / Condition / Observation', async () => {
    const at = (s: string) => {
      const start = noteText.indexOf(s);
      return { text: s, span: { text: s, start, end: start + s.length } };
    };
    const engine = { name: 'bert-ner', model: 'e2e-fixture', version: run };
    const extraction: ClinicalExtraction = {
      ...emptyExtraction(noteId, engine),
      medications: [
        {
          name: at('metformin'),
          dose: { ...at('500 mg'), value: 500, unit: 'mg' },
          frequency: { ...at('twice daily'), code: 'BID', timesPerDay: 2, asNeeded: false },
          route: { ...at('PO'), code: 'PO' },
          status: 'new',
          confidence: 0.97,
        },
        { name: at('aspirin'), dose: null, frequency: null, route: null, status: 'stopped', confidence: 0.9 },
      ],
      symptoms: [{ ...at('chest pain'), negated: true }],
      diagnoses: [{ ...at('type 2 diabetes'), negated: false }],
      labs: [{ name: at('HbA1c'), value: { ...at('7.2'), value: 7.2 }, unit: at('%') }],
    };
    const message: RawExtraction = {
      version: 1,
      messageId: randomUUID(),
      tenantId: tenant.id,
      noteId,
      noteText,
      engine,
      extraction,
      modelSeconds: 0.01,
      producedAt: new Date().toISOString(),
    };
    await producer.send({ topic: 'extractions.raw', messages: [{ key: noteId, value: JSON.stringify(message) }] });

    const note = await waitFor(
      async () => {
        const { body } = await getJson<{ status: string; extraction: { engine: { version: string } } | null }>(
          `/v1/notes/${noteId}`,
        );
        return body.extraction?.engine.version === run ? body : null;
      },
      60_000,
      'the richer extraction to be validated',
    );
    expect(['validated', 'needs_review']).toContain(note.status);
    const fhir = await getJson<{ entry: { resource: Loose }[] }>(`/v1/notes/${noteId}/fhir`);
    expect(fhir.status).toBe(200);
    expect(fhirR4Errors(fhir.body)).toEqual([]);
    const of = (type: string) => fhir.body.entry.map((e) => e.resource).filter((r) => r.resourceType === type);
    expect(of('MedicationStatement')).toMatchObject([
      {
        status: 'active',
        dosage: [
          {
            doseAndRate: [{ doseQuantity: { value: 500, system: 'http://unitsofmeasure.org', code: 'mg' } }],
            timing: { code: { coding: [{ code: 'BID' }] } },
            route: { coding: [{ system: 'http://snomed.info/sct', code: '26643006' }] },
          },
        ],
      },
      { status: 'stopped' },
    ]);
    expect(
      of('Condition')
        .map((c) => c.verificationStatus.coding[0].code)
        .sort(),
    ).toEqual(note.status === 'validated' ? ['confirmed', 'refuted'] : ['provisional', 'refuted']);
    expect(of('Observation')).toMatchObject([{ valueQuantity: { value: 7.2, code: '%' } }]);
    expect(of('Provenance')[0]!.target).toHaveLength(1 + 2 + 2 + 1);
    expect(of('DocumentReference')[0]).toMatchObject({ identifier: [{ value: `e2e-${run}` }] });
  });

  it('serves the OpenAPI document at /docs, equal to the checked-in docs/openapi.json', async () => {
    const ui = await fetch(`${gateway.url}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger-ui');
    const served = (await (await fetch(`${gateway.url}/docs/openapi.json`)).json()) as Record<string, unknown>;
    const committed = JSON.parse(await readFile(path.join(REPO_ROOT, 'docs/openapi.json'), 'utf8')) as unknown;
    // On failure: run `npm run docs:openapi` and commit docs/openapi.json.
    expect(served).toEqual(committed);
    expect(served).toMatchObject({ openapi: '3.1.0', paths: { '/v1/notes': {}, '/v1/notes/{id}/fhir': {} } });
  });

  it('never logs the note text', async () => {
    await Promise.all(services.map((s) => s.stop('SIGTERM')));
    const lines = services.flatMap((s) => s.lines);
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.filter((l) => l.includes(run) && l.includes('metformin'))).toEqual([]);
    expect(lines.filter((l) => l.includes('Stopped aspirin') || l.includes('HbA1c 7.2'))).toEqual([]);
  });
});
