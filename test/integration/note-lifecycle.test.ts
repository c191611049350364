import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { startService, type RunningService } from '../../libs/platform/src/index.js';
import {
  createPrismaService,
  moveNoteStatus,
  noteStatusesBefore,
  STORED_NOTE_STATUSES,
  type PrismaService,
  type StoredNoteStatus,
} from '../../libs/database/src/index.js';
import { emptyExtraction, type RawExtraction } from '../../libs/schemas/src/index.js';
import { gatewayService } from '../../apps/gateway/src/gateway.service-definition.js';
import type { GatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { validatorService } from '../../apps/validator/src/validator.service-definition.js';
import type { ValidatorConfig } from '../../apps/validator/src/config/validator.config.js';
import { waitFor } from '../support/service-process.js';
import { createTestTenant, type TestTenant } from '../support/tenant-fixture.js';

/**
 * A note's whole lifecycle against the real broker and database: a note whose message is dead-lettered ends `failed`
 * with its reason (the hospital polling it reads why), and the note-status table refuses illegal moves in the UPDATE.
 */
describe('note lifecycle: dead letters end a note as failed; illegal status moves are refused', () => {
  const databaseUrl = process.env.DATABASE_URL!;
  const brokers = process.env.KAFKA_BROKERS!.split(',');
  const run = randomUUID().slice(0, 8);
  const kafka = new Kafka({ brokers, clientId: `lifecycle-test-${run}`, logLevel: logLevel.NOTHING });
  const db = new pg.Client({ connectionString: databaseUrl });
  let prisma: PrismaService;
  let producer: Producer;
  let gateway: RunningService<GatewayConfig>;
  let validator: RunningService<ValidatorConfig>;
  let tenant: TestTenant;
  let other: TestTenant;

  const env = { DATABASE_URL: databaseUrl, KAFKA_BROKERS: process.env.KAFKA_BROKERS, PORT: '0', LOG_LEVEL: 'warn' };

  beforeAll(async () => {
    await db.connect();
    prisma = createPrismaService(databaseUrl, 2);
    [tenant, other] = await Promise.all([
      createTestTenant(databaseUrl, 'lifecycle'),
      createTestTenant(databaseUrl, 'lifecycle-other'),
    ]);
    producer = kafka.producer();
    await producer.connect();
    gateway = await startService(gatewayService, { env: { ...env, DOCS_ENABLED: 'false' } });
    validator = await startService(validatorService, {
      env: {
        ...env,
        KAFKA_GROUP_ID: `validator-lifecycle-${run}`,
        MESSAGE_RETRY_BASE_MS: '50',
        MESSAGE_MAX_ATTEMPTS: '2',
      },
    });
  });

  afterAll(async () => {
    await Promise.all([gateway?.app.close(), validator?.app.close()]);
    await producer?.disconnect();
    await prisma?.onApplicationShutdown();
    await db.end();
  });

  /** Submits a note through the API, as a hospital does; no extractor runs in this test, so it stays in flight. */
  async function submit(who: TestTenant): Promise<string> {
    const response = await fetch(`${gateway.url}/v1/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${who.keys.submitter}` },
      body: JSON.stringify({ externalId: `lc-${randomUUID()}`, text: 'Started metformin 500 mg PO BID.' }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { id: string }).id;
  }

  const readNote = async (who: TestTenant, id: string) => {
    const response = await fetch(`${gateway.url}/v1/notes/${id}`, {
      headers: { authorization: `Bearer ${who.keys.reviewer}` },
    });
    return (await response.json()) as { status: string; failureReason: string | null; extraction: unknown };
  };

  const storedStatus = async (id: string) =>
    (
      await db.query<{ status: string; failure_reason: string | null }>(
        'SELECT status, failure_reason FROM notes WHERE id = $1',
        [id],
      )
    ).rows[0]!;

  /** A raw extraction the validator's contract refuses (no engine): the runner dead-letters it as schema_invalid. */
  function poison(who: TestTenant, noteId: string): string {
    const message: Partial<RawExtraction> = {
      version: 1,
      messageId: randomUUID(),
      tenantId: who.id,
      noteId,
      noteText: 'Started metformin 500 mg PO BID.',
      extraction: emptyExtraction(noteId, { name: 'bert-ner', model: 'm', version: '1' }),
      modelSeconds: 0,
      producedAt: new Date().toISOString(),
    };
    return JSON.stringify(message);
  }

  it('a poison message ends the note failed with its reason, shown by the API (not extracting forever)', async () => {
    const noteId = await submit(tenant);
    expect((await readNote(tenant, noteId)).status).toMatch(/^(queued|extracting)$/);
    await producer.send({ topic: 'extractions.raw', messages: [{ key: noteId, value: poison(tenant, noteId) }] });

    const failed = await waitFor(
      async () => {
        const note = await readNote(tenant, noteId);
        return note.status === 'failed' ? note : null;
      },
      30_000,
      'the note to be failed',
    );
    expect(failed.failureReason).toBe('schema_invalid');
    expect(failed.extraction).toBeNull();
    expect(await storedStatus(noteId)).toEqual({ status: 'failed', failure_reason: 'schema_invalid' });
    // The list filter knows the status too.
    const list = await fetch(`${gateway.url}/v1/notes?status=failed`, {
      headers: { authorization: `Bearer ${tenant.keys.reviewer}` },
    });
    expect(((await list.json()) as { items: { id: string }[] }).items.map((i) => i.id)).toContain(noteId);
  });

  it("a dead letter naming another tenant's note leaves that note alone", async () => {
    const noteId = await submit(tenant);
    // The message names the note under another tenant: the failure is looked up under the tenant the message names,
    // which has no such note.
    const message = poison(other, noteId);
    await producer.send({ topic: 'extractions.raw', messages: [{ key: noteId, value: message }] });
    // A marker behind it on the same key (same partitions of both topics) shows the letter was handled.
    const marker = await submit(other);
    await producer.send({ topic: 'extractions.raw', messages: [{ key: noteId, value: poison(other, marker) }] });
    await waitFor(async () => ((await storedStatus(marker)).status === 'failed' ? true : null), 30_000, 'the marker');
    expect((await storedStatus(noteId)).status).toMatch(/^(received|queued)$/);
  });

  it('a dead letter after the note has an outcome does not undo it', async () => {
    const noteId = await submit(tenant);
    expect(await moveNoteStatus(prisma.client, { tenantId: tenant.id, noteId, to: 'accepted' })).toBe(true);
    await producer.send({ topic: 'extractions.raw', messages: [{ key: noteId, value: poison(tenant, noteId) }] });
    const marker = await submit(tenant);
    await producer.send({ topic: 'extractions.raw', messages: [{ key: noteId, value: poison(tenant, marker) }] });
    await waitFor(async () => ((await storedStatus(marker)).status === 'failed' ? true : null), 30_000, 'the marker');
    expect(await storedStatus(noteId)).toEqual({ status: 'accepted', failure_reason: null });
  });

  it('applies the transition table in the UPDATE: every refused move leaves the row as it was', async () => {
    const refused: string[] = [];
    for (const from of STORED_NOTE_STATUSES) {
      for (const to of STORED_NOTE_STATUSES) {
        const noteId = randomUUID();
        await db.query(
          `INSERT INTO notes (id, tenant_id, external_id, text, requested_engine, status)
           VALUES ($1, $2, $3, 'x', 'none', $4)`,
          [noteId, tenant.id, `move-${noteId}`, from],
        );
        const moved = await moveNoteStatus(prisma.client, { tenantId: tenant.id, noteId, to, failureReason: 'r' });
        const row = await storedStatus(noteId);
        expect(moved).toBe(noteStatusesBefore(to).includes(from));
        expect(row.status).toBe(moved ? to : from);
        if (!moved) refused.push(`${from}→${to}`);
      }
    }
    // The moves the lifecycle must never make, spelled out rather than derived from the table under test.
    const mustRefuse = ['accepted→failed', 'rejected→failed', 'needs_review→failed', 'failed→failed'];
    mustRefuse.push('accepted→queued', 'failed→queued', 'queued→queued', 'accepted→extracted');
    mustRefuse.push(...STORED_NOTE_STATUSES.map((s: StoredNoteStatus) => `${s}→received`));
    expect(refused).toEqual(expect.arrayContaining(mustRefuse));
    for (const allowed of ['received→queued', 'queued→failed', 'extracted→failed', 'failed→accepted']) {
      expect(refused).not.toContain(allowed);
    }
  });

  it('an outcome after a failure clears the reason; a move is scoped to its tenant', async () => {
    const noteId = await submit(tenant);
    await moveNoteStatus(prisma.client, { tenantId: tenant.id, noteId, to: 'failed', failureReason: 'non_retryable' });
    expect(await moveNoteStatus(prisma.client, { tenantId: other.id, noteId, to: 'accepted' })).toBe(false);
    expect(await storedStatus(noteId)).toEqual({ status: 'failed', failure_reason: 'non_retryable' });
    expect(await moveNoteStatus(prisma.client, { tenantId: tenant.id, noteId, to: 'needs_review' })).toBe(true);
    expect(await storedStatus(noteId)).toEqual({ status: 'needs_review', failure_reason: null });
    expect((await readNote(tenant, noteId)).failureReason).toBeNull();
  });
});
