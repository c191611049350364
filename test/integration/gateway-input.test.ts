import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import pg from 'pg';
import { startService, type RunningService } from '../../libs/platform/src/index.js';
import type { GatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { gatewayService } from '../../apps/gateway/src/gateway.service-definition.js';
import { waitFor } from '../support/service-process.js';
import { createTestTenant, type TestTenant } from '../support/tenant-fixture.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are read loosely in assertions.
type Loose = Record<string, any>;

/**
 * Acceptance 4 and the request rules: each kind of bad input gets its documented status and problem code (RFC 9457,
 * application/problem+json) and writes nothing; Idempotency-Key and batch semantics; rate limit with Retry-After.
 */
describe('gateway input rules, idempotency, batches and rate limit', () => {
  const databaseUrl = process.env.DATABASE_URL!;
  const db = new pg.Client({ connectionString: databaseUrl });
  let gateway: RunningService<GatewayConfig>;
  let limited: RunningService<GatewayConfig>;
  let tenant: TestTenant;
  const common = {
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    PORT: '0',
    LOG_LEVEL: 'warn',
    // /docs is covered by the e2e test against the built gateway (Jest's ESM loader cannot load @fastify/static).
    DOCS_ENABLED: 'false',
    MAX_BATCH_NOTES: '5',
    MAX_NOTE_BYTES: '2000',
    MAX_BODY_BYTES: '4096',
  };

  beforeAll(async () => {
    await db.connect();
    tenant = await createTestTenant(databaseUrl, 'input');
    gateway = await startService(gatewayService, { env: common });
    limited = await startService(gatewayService, {
      env: { ...common, RATE_LIMIT_BURST: '3', RATE_LIMIT_PER_SECOND: '1' },
    });
  });

  afterAll(async () => {
    await Promise.all([gateway?.app.close(), limited?.app.close()]);
    await db.end();
  });

  const written = async () => {
    const counts = await db.query<{ notes: string; events: string; keys: string }>(
      `SELECT (SELECT count(*) FROM notes WHERE tenant_id = $1) AS notes,
              (SELECT count(*) FROM outbox_events WHERE tenant_id = $1) AS events,
              (SELECT count(*) FROM idempotency_keys WHERE tenant_id = $1) AS keys`,
      [tenant.id],
    );
    return counts.rows[0];
  };

  const post = (
    path: string,
    body: string | Buffer,
    headers: Record<string, string> = {},
    target: RunningService<GatewayConfig> = gateway,
  ) =>
    fetch(`${target.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.keys.submitter}`, ...headers },
      body,
    });
  const json = (value: unknown) => JSON.stringify(value);
  const note = (externalId = `n-${randomUUID()}`, text = 'Metformin 500 mg PO BID.') => ({ externalId, text });

  const badInputs: { name: string; send: () => Promise<Response>; status: number; code: string; field?: string }[] = [
    {
      name: 'malformed JSON',
      send: () => post('/v1/notes', '{"externalId": "x", '),
      status: 400,
      code: 'MALFORMED_JSON',
    },
    { name: 'empty body', send: () => post('/v1/notes', ''), status: 400, code: 'MALFORMED_JSON' },
    {
      name: 'wrong content type',
      send: () => post('/v1/notes', json(note()), { 'content-type': 'text/plain' }),
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'form content type',
      send: () => post('/v1/notes', 'externalId=a&text=b', { 'content-type': 'application/x-www-form-urlencoded' }),
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'a charset other than UTF-8',
      send: () => post('/v1/notes', json(note()), { 'content-type': 'application/json; charset=iso-8859-1' }),
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      field: 'Content-Type',
    },
    {
      name: 'empty text',
      send: () => post('/v1/notes', json(note(undefined, ''))),
      status: 400,
      code: 'VALIDATION_FAILED',
      field: '/text',
    },
    {
      name: 'blank text',
      send: () => post('/v1/notes', json(note(undefined, ' \n\t '))),
      status: 400,
      code: 'VALIDATION_FAILED',
      field: '/text',
    },
    {
      name: 'missing text',
      send: () => post('/v1/notes', json({ externalId: 'x' })),
      status: 400,
      code: 'VALIDATION_FAILED',
      field: '/text',
    },
    {
      name: 'invalid UTF-8',
      send: () =>
        post(
          '/v1/notes',
          Buffer.concat([Buffer.from('{"externalId":"u1","text":"caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
        ),
      status: 400,
      code: 'INVALID_UTF8',
    },
    {
      name: 'oversized body',
      send: () => post('/v1/notes', json(note(undefined, 'x'.repeat(5000)))),
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    },
    {
      name: 'oversized note in a batch',
      send: () => post('/v1/notes/batch', json({ notes: [note(), note(undefined, 'é'.repeat(1001))] })),
      status: 413,
      code: 'NOTE_TOO_LONG',
      field: '/notes/1/text',
    },
    {
      name: 'unknown field',
      send: () => post('/v1/notes', json({ ...note(), patientId: 'MRN-1' })),
      status: 400,
      code: 'UNKNOWN_FIELD',
      field: '/patientId',
    },
    {
      name: 'huge batch',
      send: () => post('/v1/notes/batch', json({ notes: Array.from({ length: 6 }, () => note()) })),
      status: 413,
      code: 'BATCH_TOO_LARGE',
      field: '/notes',
    },
    {
      name: 'batch with one invalid note',
      send: () => post('/v1/notes/batch', json({ notes: [note(), { externalId: 'no text' }] })),
      status: 400,
      code: 'VALIDATION_FAILED',
      field: '/notes/1/text',
    },
    {
      name: 'wrong key',
      send: () => post('/v1/notes', json(note()), { authorization: `Bearer ${tenant.keys.submitter}x` }),
      status: 401,
      code: 'INVALID_CREDENTIALS',
    },
    {
      name: 'missing key',
      send: () => post('/v1/notes', json(note()), { authorization: '' }),
      status: 401,
      code: 'MISSING_CREDENTIALS',
    },
    // Issue 20: characters no field may hold, refused with the field and the offset (http/character.policy.ts).
    {
      name: 'NUL in the note text',
      send: () => post('/v1/notes', json(note(undefined, 'a\u0000b'))),
      status: 400,
      code: 'INVALID_CHARACTER',
      field: '/text',
    },
    {
      name: 'NUL in a batch note',
      send: () => post('/v1/notes/batch', json({ notes: [note(), note(undefined, 'x\u0000')] })),
      status: 400,
      code: 'INVALID_CHARACTER',
      field: '/notes/1/text',
    },
    {
      name: 'NUL in patientRef',
      send: () => post('/v1/notes', json({ ...note(), patientRef: 'p\u0000' })),
      status: 400,
      code: 'INVALID_CHARACTER',
      field: '/patientRef',
    },
    {
      name: 'unpaired surrogate in the text',
      send: () => post('/v1/notes', '{"externalId":"s1","text":"ab\\ud800"}'),
      status: 400,
      code: 'INVALID_CHARACTER',
      field: '/text',
    },
    {
      name: 'control character in externalId',
      send: () => post('/v1/notes', json(note('id\u0007x'))),
      status: 400,
      code: 'INVALID_CHARACTER',
      field: '/externalId',
    },
    {
      name: 'bidi override in encounterRef',
      send: () => post('/v1/notes', json({ ...note(), encounterRef: 'enc\u202Eevil' })),
      status: 400,
      code: 'INVALID_CHARACTER',
      field: '/encounterRef',
    },
    {
      name: 'invalid Idempotency-Key',
      send: () => post('/v1/notes', json(note()), { 'idempotency-key': 'has spaces in it' }),
      status: 400,
      code: 'INVALID_IDEMPOTENCY_KEY',
      field: 'Idempotency-Key',
    },
  ];

  it('names the offset of a refused character', async () => {
    const response = await post('/v1/notes', json(note(undefined, 'abc\u0000')));
    const problem = (await response.json()) as { errors: { field: string; detail: string }[] };
    expect(problem.errors[0]).toEqual({ field: '/text', detail: expect.stringContaining('offset 3') });
  });

  it('stores control characters of a note text losslessly (form feed, escape, BOM, bidi mark, C1)', async () => {
    const text = '\uFEFFPage 1\fMetformin 500 mg\u001b[0m PO BID.\u200F\u0085 end';
    const response = await post('/v1/notes', json(note(undefined, text)));
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const stored = await db.query<{ text: string }>('SELECT text FROM notes WHERE id = $1', [id]);
    expect(stored.rows[0]!.text).toBe(text);
  });

  it('answers a header the HTTP parser refuses (control character in Idempotency-Key) as a problem', async () => {
    const { port } = new URL(gateway.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          'POST /v1/notes HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n' +
            `authorization: Bearer ${tenant.keys.submitter}\r\nIdempotency-Key: ab\u0001cd\r\n` +
            'content-length: 2\r\n\r\n{}',
        );
      });
      let data = '';
      socket.on('data', (d: Buffer) => (data += d.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(raw).toMatch(/content-type: application\/problem\+json/i);
    const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as { code: string; status: number };
    expect(body).toMatchObject({ code: 'MALFORMED_HEADER', status: 400 });
  });

  it('answers a method a route does not have, and an unknown route, as problems with codes', async () => {
    for (const [method, path] of [
      ['PATCH', '/v1/notes'],
      ['GET', '/v1/nothing-here'],
    ] as const) {
      const response = await fetch(`${gateway.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${tenant.keys.submitter}` },
      });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await response.json()) as { code: string }).code).toBe('ROUTE_NOT_FOUND');
    }
  });

  it.each(badInputs)('$name → $status $code, as problem details, and nothing written', async (input) => {
    const before = await written();
    const response = await input.send();
    expect(response.status).toBe(input.status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await response.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({
      type: `https://clinex.dev/problems/${input.code.toLowerCase().replace(/_/g, '-')}`,
      title: expect.any(String),
      status: input.status,
      detail: expect.any(String),
      code: input.code,
      instance: expect.stringMatching(/^\/v1\/notes/),
    });
    if (input.field) expect(problem.field).toBe(input.field);
    expect(await written()).toEqual(before);
  });

  it('Idempotency-Key: same key and body → the original status and body; another body → 409; one note', async () => {
    const key = randomUUID();
    const body = note();
    const first = await post('/v1/notes', json(body), { 'idempotency-key': key });
    expect(first.status).toBe(202);
    const firstText = await first.text();
    // The same request with its members in another order is the same request.
    const again = await post('/v1/notes', json({ text: body.text, externalId: body.externalId }), {
      'idempotency-key': key,
    });
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.text()).toBe(firstText);

    const before = await written();
    const other = await post('/v1/notes', json(note()), { 'idempotency-key': key });
    expect(other.status).toBe(409);
    expect(await other.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', field: 'Idempotency-Key' });
    // The key belongs to POST /v1/notes with that body: the batch endpoint cannot reuse it either.
    expect((await post('/v1/notes/batch', json({ notes: [body] }), { 'idempotency-key': key })).status).toBe(409);
    expect(await written()).toEqual(before);
    const rows = await db.query('SELECT id FROM notes WHERE tenant_id = $1 AND external_id = $2', [
      tenant.id,
      body.externalId,
    ]);
    expect(rows.rows).toEqual([{ id: (JSON.parse(firstText) as { id: string }).id }]);
  });

  it('concurrent requests with one Idempotency-Key create one note and all get the same answer', async () => {
    const key = randomUUID();
    const body = json(note());
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => post('/v1/notes', body, { 'idempotency-key': key })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(202));
    const ids = new Set(await Promise.all(responses.map(async (r) => ((await r.json()) as { id: string }).id)));
    expect(ids.size).toBe(1);
    const stored = await db.query('SELECT count(*)::int AS n FROM idempotency_keys WHERE tenant_id = $1 AND key = $2', [
      tenant.id,
      key,
    ]);
    expect(stored.rows[0].n).toBe(1);
  });

  it('an expired Idempotency-Key starts afresh', async () => {
    const key = randomUUID();
    expect((await post('/v1/notes', json(note()), { 'idempotency-key': key })).status).toBe(202);
    await db.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1`, [key]);
    const reused = await post('/v1/notes', json(note()), { 'idempotency-key': key });
    expect(reused.status).toBe(202);
    expect(reused.headers.get('idempotent-replayed')).toBeNull();
  });

  it('a batch reports each note: created, repeated, or refused (207) — and is replayed whole under its key', async () => {
    const existing = note();
    expect((await post('/v1/notes', json(existing))).status).toBe(202);
    const fresh = note();
    const batch = { notes: [fresh, existing, { ...existing, text: 'Changed text.' }, fresh] };
    const key = randomUUID();
    const response = await post('/v1/notes/batch', json(batch), { 'idempotency-key': key });
    expect(response.status).toBe(207);
    const body = (await response.json()) as {
      accepted: number;
      rejected: number;
      results: { index: number; status: number; outcome: string; note?: { id: string }; error?: { code: string } }[];
    };
    expect(body).toMatchObject({ accepted: 3, rejected: 1 });
    expect(body.results.map((r) => [r.index, r.status, r.outcome])).toEqual([
      [0, 202, 'created'],
      [1, 202, 'existing'],
      [2, 409, 'rejected'],
      [3, 202, 'existing'],
    ]);
    expect(body.results[2]!.error).toMatchObject({ code: 'EXTERNAL_ID_CONFLICT', status: 409, field: '/externalId' });
    expect(body.results[3]!.note!.id).toBe(body.results[0]!.note!.id);
    const replay = await post('/v1/notes/batch', json(batch), { 'idempotency-key': key });
    expect(replay.status).toBe(207);
    expect(await replay.json()).toEqual(body);

    const all = { notes: [note(), note()] };
    expect((await post('/v1/notes/batch', json(all))).status).toBe(202);
    const outbox = await db.query('SELECT count(*)::int AS n FROM outbox_events WHERE message_key = ANY($1)', [
      body.results.filter((r) => r.note).map((r) => r.note!.id),
    ]);
    expect(outbox.rows[0].n).toBe(2); // the fresh note and the earlier one: one event each, never a second
  });

  it('lists with status and since filters and a cursor, rejecting unknown query parameters', async () => {
    const headers = { authorization: `Bearer ${tenant.keys.reviewer}` };
    // The outbox relay moves each sent note from received to queued, which changes its updated_at: a note moved
    // while the pages are read changes its place in the (updatedAt, id) order, and one moved after the pages but
    // before the count below is counted but was not listed. So list once the relay has sent everything.
    await waitFor(
      async () => {
        const left = await db.query(
          `SELECT (SELECT count(*)::int FROM notes WHERE tenant_id = $1 AND status = 'received')
                + (SELECT count(*)::int FROM outbox_events WHERE tenant_id = $1 AND published_at IS NULL) AS n`,
          [tenant.id],
        );
        return left.rows[0].n === 0 ? true : null;
      },
      30_000,
      'the outbox relay to send every note of the tenant',
    );
    const since = new Date(Date.now() - 60_000).toISOString();
    const page = async (query: string) => {
      const response = await fetch(`${gateway.url}/v1/notes?${query}`, { headers });
      return { status: response.status, body: (await response.json()) as Loose };
    };
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const { body }: { body: Loose } = await page(
        `since=${encodeURIComponent(since)}&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(body.items.length).toBeLessThanOrEqual(3);
      all.push(...body.items.map((i: { id: string }) => i.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(new Set(all).size).toBe(all.length);
    const count = await db.query('SELECT count(*)::int AS n FROM notes WHERE tenant_id = $1 AND updated_at >= $2', [
      tenant.id,
      since,
    ]);
    expect(all.length).toBe(count.rows[0].n);
    const future = await page(`since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(future.body).toEqual({ items: [], nextCursor: null });
    const validated = await page('status=validated,rejected');
    expect(validated.body.items).toEqual([]);
    expect((await page('status=done')).body).toMatchObject({ code: 'VALIDATION_FAILED', field: 'status' });
    expect((await page('tenant=other')).body).toMatchObject({ code: 'UNKNOWN_FIELD', field: 'tenant' });
    expect((await page('cursor=bm9wZQ')).body).toMatchObject({ code: 'INVALID_CURSOR', field: 'cursor' });
  });

  it('rate limits each API key with 429 and Retry-After', async () => {
    const get = (key: string) => fetch(`${limited.url}/v1/notes`, { headers: { authorization: `Bearer ${key}` } });
    const statuses: number[] = [];
    let limitedResponse: Response | null = null;
    for (let i = 0; i < 5; i++) {
      const response = await get(tenant.keys.reviewer);
      statuses.push(response.status);
      if (response.status === 429) limitedResponse = response;
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses).toContain(429);
    expect(Number(limitedResponse!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await limitedResponse!.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    // Another key of the same tenant has its own allowance.
    expect((await get(tenant.keys.admin)).status).toBe(200);
  });
});
