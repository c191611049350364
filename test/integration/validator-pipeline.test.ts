import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import pg from 'pg';
import { startService, type RunningService } from '../../libs/platform/src/index.js';
import {
  emptyExtraction,
  type ClinicalExtraction,
  type DeadLetter,
  type RawExtraction,
} from '../../libs/schemas/src/index.js';
import { validatorService } from '../../apps/validator/src/validator.service-definition.js';
import type { ValidatorConfig } from '../../apps/validator/src/config/validator.config.js';
import { waitFor } from '../support/service-process.js';
import { createTestTenant, type TestTenant } from '../support/tenant-fixture.js';

/**
 * The validator against the real broker and database: clean, flagged, schema-invalid and redelivered raw
 * extractions end in the right rows; poison messages go to the dead-letter topic without blocking their partition.
 */
describe('validator over real Kafka and PostgreSQL', () => {
  const databaseUrl = process.env.DATABASE_URL!;
  const brokers = process.env.KAFKA_BROKERS!.split(',');
  const run = randomUUID().slice(0, 8);
  const kafka = new Kafka({ brokers, clientId: `validator-test-${run}`, logLevel: logLevel.NOTHING });
  const db = new pg.Client({ connectionString: databaseUrl });
  const deadLetters: DeadLetter[] = [];
  let producer: Producer;
  let dlqConsumer: Consumer;
  let service: RunningService<ValidatorConfig>;
  let tenant: TestTenant;

  const noteText = 'Discharged on lisinopril 10 mg PO daily. Denies chest pain.';

  async function createNote(): Promise<string> {
    const id = randomUUID();
    await db.query(
      `INSERT INTO notes (id, tenant_id, external_id, text, requested_engine, status) VALUES ($1, $2, $3, $4, 'none', 'queued')`,
      [id, tenant.id, `ext-${id}`, noteText],
    );
    return id;
  }

  function raw(noteId: string, extraction: unknown, overrides: Partial<RawExtraction> = {}): RawExtraction {
    return {
      version: 1,
      messageId: randomUUID(),
      tenantId: tenant.id,
      noteId,
      noteText,
      engine: { name: 'bert-ner', model: 'test-model', version: '1' },
      extraction: extraction as RawExtraction['extraction'],
      modelSeconds: 0.01,
      producedAt: new Date().toISOString(),
      ...overrides,
    };
  }

  function cleanExtraction(noteId: string): ClinicalExtraction {
    const at = (s: string) => {
      const start = noteText.indexOf(s);
      return { text: s, start, end: start + s.length };
    };
    return {
      ...emptyExtraction(noteId, { name: 'bert-ner', model: 'test-model', version: '1' }),
      medications: [
        {
          name: { text: 'lisinopril', span: at('lisinopril') },
          dose: { text: '10 mg', span: at('10 mg'), value: 10, unit: 'mg' },
          frequency: { text: 'daily', span: at('daily'), code: 'QD', timesPerDay: 1, asNeeded: false },
          route: { text: 'PO', span: at('PO'), code: 'PO' },
          status: 'current',
          confidence: 0.97,
        },
      ],
      symptoms: [{ text: 'chest pain', span: at('chest pain'), negated: true }],
    };
  }

  const send = (key: string, value: string) => producer.send({ topic: 'extractions.raw', messages: [{ key, value }] });

  const extractionRows = async (noteId: string) =>
    (await db.query<{ id: string; status: string }>('SELECT id, status FROM extractions WHERE note_id = $1', [noteId]))
      .rows;

  const settled = (noteId: string) =>
    waitFor(
      async () => {
        const rows = await extractionRows(noteId);
        return rows.length > 0 ? rows : null;
      },
      30_000,
      `an extraction for note ${noteId}`,
    );

  beforeAll(async () => {
    await db.connect();
    tenant = await createTestTenant(databaseUrl, 'validator');
    producer = kafka.producer();
    await producer.connect();
    dlqConsumer = kafka.consumer({ groupId: `dlq-reader-${run}` });
    await dlqConsumer.connect();
    await dlqConsumer.subscribe({ topic: 'dead-letter', fromBeginning: true });
    await dlqConsumer.run({
      eachMessage: async ({ message }) => {
        deadLetters.push(JSON.parse(message.value!.toString()) as DeadLetter);
      },
    });
    Object.assign(process.env, {
      KAFKA_GROUP_ID: `validator-it-${run}`,
      PORT: '0',
      LOG_LEVEL: 'warn',
      MESSAGE_RETRY_BASE_MS: '50',
      MESSAGE_MAX_ATTEMPTS: '3',
    });
    service = await startService(validatorService);
  });

  afterAll(async () => {
    await service?.app.close();
    await Promise.all([producer?.disconnect(), dlqConsumer?.disconnect()]);
    await db.end();
  });

  it('stores a clean extraction as accepted, with normalised medication rows and the note status', async () => {
    const noteId = await createNote();
    await send(noteId, JSON.stringify(raw(noteId, cleanExtraction(noteId))));
    const [row] = await settled(noteId);
    expect(row!.status).toBe('accepted');
    const meds = await db.query(
      'SELECT name, dose_value::float AS dose, dose_unit, frequency_code, route_code, tenant_id FROM extraction_medications WHERE extraction_id = $1',
      [row!.id],
    );
    expect(meds.rows).toEqual([
      { name: 'lisinopril', dose: 10, dose_unit: 'mg', frequency_code: 'QD', route_code: 'PO', tenant_id: tenant.id },
    ]);
    const note = await db.query('SELECT status FROM notes WHERE id = $1', [noteId]);
    expect(note.rows[0].status).toBe('accepted');
  });

  it('sends an extraction with an ungrounded value to review, with its flags stored', async () => {
    const noteId = await createNote();
    const extraction = cleanExtraction(noteId);
    extraction.medications.push({
      name: { text: 'amoxicillin', span: null },
      dose: null,
      frequency: null,
      route: null,
      status: 'current',
      confidence: 0.9,
    });
    await send(noteId, JSON.stringify(raw(noteId, extraction)));
    const [row] = await settled(noteId);
    expect(row!.status).toBe('needs_review');
    const flags = await db.query('SELECT code, path FROM extraction_flags WHERE extraction_id = $1', [row!.id]);
    expect(flags.rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'NOT_GROUNDED', path: expect.stringMatching(/^\/medications\/1/) }),
      ]),
    );
  });

  it('records a schema-invalid extraction as rejected with the JSON paths at fault', async () => {
    const noteId = await createNote();
    const broken = { ...cleanExtraction(noteId), medications: [{ name: { text: 'lisinopril' } }] };
    await send(noteId, JSON.stringify(raw(noteId, broken)));
    const [row] = await settled(noteId);
    expect(row!.status).toBe('rejected');
    const flags = await db.query('SELECT code, path FROM extraction_flags WHERE extraction_id = $1', [row!.id]);
    expect(flags.rows.every((f: { code: string }) => f.code === 'SCHEMA_INVALID')).toBe(true);
    expect(flags.rows.map((f: { path: string }) => f.path)).toContain('/medications/0');
  });

  it('writes a redelivered message once', async () => {
    const noteId = await createNote();
    const message = JSON.stringify(raw(noteId, cleanExtraction(noteId)));
    await send(noteId, message);
    await send(noteId, message);
    const marker = await createNote();
    // Same key → same partition → processed after both copies.
    await producer.send({
      topic: 'extractions.raw',
      messages: [{ key: noteId, value: JSON.stringify(raw(marker, cleanExtraction(marker))) }],
    });
    await settled(marker);
    expect(await extractionRows(noteId)).toHaveLength(1);
  });

  it('dead-letters poison messages with a reason and keeps processing the partition', async () => {
    const noteId = await createNote();
    const key = `poison-${run}`;
    await send(key, '{"this is not json');
    await send(key, JSON.stringify({ version: 1, noteId: 'not-a-uuid' }));
    await send(key, JSON.stringify(raw(randomUUID(), cleanExtraction(noteId)))); // a note that does not exist
    await send(key, JSON.stringify(raw(noteId, cleanExtraction(noteId))));
    const [row] = await settled(noteId);
    expect(row!.status).toBe('accepted');

    const ours = await waitFor(
      async () => {
        const mine = deadLetters.filter(
          (d) =>
            Buffer.from(d.payloadBase64, 'base64').toString().length > 0 &&
            d.sourceTopic === 'extractions.raw' &&
            d.consumerGroup === `validator-it-${run}`,
        );
        return mine.length >= 3 ? mine : null;
      },
      20_000,
      'three dead letters',
    );
    expect(ours.map((d) => d.reason).sort()).toEqual(['malformed_json', 'non_retryable', 'schema_invalid']);
    const malformed = ours.find((d) => d.reason === 'malformed_json')!;
    expect(Buffer.from(malformed.payloadBase64, 'base64').toString()).toBe('{"this is not json');
    expect(ours.find((d) => d.reason === 'schema_invalid')!.detail).toMatch(/\/noteId/);
  });

  it('does not write for a note of another tenant (the message is dead-lettered instead)', async () => {
    const noteId = await createNote();
    const intruder = await createTestTenant(databaseUrl, 'intruder');
    await send(noteId, JSON.stringify(raw(noteId, cleanExtraction(noteId), { tenantId: intruder.id })));
    await waitFor(
      async () =>
        deadLetters.some(
          (d) =>
            d.reason === 'non_retryable' && Buffer.from(d.payloadBase64, 'base64').toString().includes(intruder.id),
        )
          ? true
          : null,
      20_000,
      'the cross-tenant message to be dead-lettered',
    );
    expect(await extractionRows(noteId)).toHaveLength(0);
  });
});
