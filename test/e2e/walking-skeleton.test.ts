import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { startServiceProcess, waitFor, type ServiceProcess } from '../support/service-process.js';
import { createTestTenant, type TestTenant } from '../support/tenant-fixture.js';

/**
 * The walking skeleton: a note posted to the gateway is stored with its outbox row, relayed to notes.submitted,
 * extracted, validated and written — through three real service processes, a real broker and a real database.
 */
describe('walking skeleton: gateway → Kafka → extractor → Kafka → validator → PostgreSQL', () => {
  const databaseUrl = process.env.DATABASE_URL!;
  const run = randomUUID().slice(0, 8);
  // A phrase no log line could contain by chance: if it shows up in a log, note text leaked.
  const marker = `Zorblatt-${run}`;
  const noteText = `Patient ${marker} reports chest pain. Started metformin 500 mg PO twice daily.`;
  const services: ServiceProcess[] = [];
  const metricsToken = `skeleton-metrics-${randomUUID()}`;
  let tenant: TestTenant;
  let other: TestTenant;
  let gateway: ServiceProcess;

  beforeAll(async () => {
    tenant = await createTestTenant(databaseUrl, 'skeleton');
    other = await createTestTenant(databaseUrl, 'skeleton-other');
    const common = {
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS!,
      LOG_LEVEL: 'debug',
      METRICS_TOKEN: metricsToken,
    };
    const started = await Promise.all([
      startServiceProcess('gateway', { ...common, OUTBOX_POLL_INTERVAL_MS: '200' }),
      startServiceProcess('extractor', { ...common, KAFKA_GROUP_ID: `skeleton-extractor-${run}` }),
      startServiceProcess('validator', { ...common, KAFKA_GROUP_ID: `skeleton-validator-${run}` }),
    ]);
    services.push(...started);
    gateway = started[0];
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop('SIGKILL')));
  });

  const post = (body: unknown, key = tenant.keys.submitter) =>
    fetch(`${gateway.url}/v1/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(body),
    });
  const getNote = (id: string, key = tenant.keys.submitter) =>
    fetch(`${gateway.url}/v1/notes/${id}`, { headers: { authorization: `Bearer ${key}` } });

  it('accepts a note, publishes it through the outbox, extracts, validates and stores the extraction', async () => {
    const response = await post({ externalId: `ext-${run}`, text: noteText });
    expect(response.status).toBe(202);
    const accepted = (await response.json()) as { id: string; statusUrl: string; status: string };
    expect(accepted.statusUrl).toBe(`/v1/notes/${accepted.id}`);

    const final = await waitFor(
      async () => {
        const body = (await (await getNote(accepted.id)).json()) as { status: string; extraction: unknown };
        return ['validated', 'needs_review', 'rejected'].includes(body.status) ? body : null;
      },
      45_000,
      'the note to be validated',
    );
    expect(final).toMatchObject({
      status: 'validated',
      extraction: {
        status: 'accepted',
        engine: { name: 'none' },
        flags: [],
        data: { noteId: accepted.id, medications: [] },
      },
    });

    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const outbox = await db.query('SELECT published_at FROM outbox_events WHERE message_key = $1', [accepted.id]);
    const extractions = await db.query('SELECT engine_name, status FROM extractions WHERE note_id = $1', [accepted.id]);
    await db.end();
    expect(outbox.rows).toHaveLength(1);
    expect(outbox.rows[0].published_at).toBeInstanceOf(Date);
    expect(extractions.rows).toEqual([{ engine_name: 'none', status: 'accepted' }]);
  });

  it('answers a retry of the same note with the original note, and a changed body with 409', async () => {
    const body = { externalId: `retry-${run}`, text: noteText };
    const first = (await (await post(body)).json()) as { id: string };
    const again = await post(body);
    expect(again.status).toBe(202);
    expect(((await again.json()) as { id: string }).id).toBe(first.id);
    const changed = await post({ ...body, text: `${noteText} Amended.` });
    expect(changed.status).toBe(409);
    expect(await changed.json()).toMatchObject({ code: 'EXTERNAL_ID_CONFLICT', field: '/externalId' });
  });

  it('rejects bad input with a status, an error code and the field at fault', async () => {
    const missing = await post({ externalId: `bad-${run}` });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ field: '/text', detail: expect.stringContaining('required') }],
    });

    const malformed = await fetch(`${gateway.url}/v1/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.keys.submitter}` },
      body: '{"externalId": ',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ code: 'MALFORMED_JSON' });

    const unauthenticated = await post({ externalId: `x-${run}`, text: 'x' }, 'not-a-key');
    expect(unauthenticated.status).toBe(401);
    const wrongRole = await post({ externalId: `x-${run}`, text: 'x' }, tenant.keys.finance);
    expect(wrongRole.status).toBe(403);
  });

  it("keeps tenants apart: another hospital's key cannot see the note", async () => {
    const { id } = (await (await post({ externalId: `iso-${run}`, text: noteText })).json()) as { id: string };
    const foreign = await getNote(id, other.keys.submitter);
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toMatchObject({ code: 'NOTE_NOT_FOUND' });
  });

  it('exposes Prometheus metrics on every service to the holder of METRICS_TOKEN only', async () => {
    for (const service of services) {
      const refused = await fetch(`${service.url}/metrics`);
      expect({ service: service.name, status: refused.status }).toEqual({ service: service.name, status: 401 });
      const response = await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).toContain('process_resident_memory_bytes');
      expect(text).toContain(`service="clinex-${service.name}"`);
      expect(text).toContain('# TYPE clinex_stage_seconds histogram');
    }
  });

  it('reports liveness and readiness of each service', async () => {
    for (const service of services) {
      const live = await fetch(`${service.url}/health/live`);
      expect(live.status).toBe(200);
      const ready = await fetch(`${service.url}/health/ready`);
      expect(ready.status).toBe(200);
      const body = (await ready.json()) as { status: string; info: Record<string, { status: string }> };
      expect(body.status).toBe('ok');
      expect(body.info.kafka?.status).toBe('up');
    }
  });

  it('never writes note text to any log line, and stops cleanly on SIGTERM', async () => {
    const codes = await Promise.all(services.map((s) => s.stop('SIGTERM')));
    expect(codes).toEqual([0, 0, 0]);
    const all = services.flatMap((s) => s.lines);
    // The run logged real work (debug level), so an empty log cannot pass this test.
    expect(all.length).toBeGreaterThan(10);
    expect(all.some((l) => l.includes('message processed'))).toBe(true);
    const leaks = all.filter((l) => l.includes(marker) || l.includes('chest pain') || l.includes('metformin'));
    expect(leaks).toEqual([]);
  });
});
