import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import { startService, type RunningService } from '../../libs/platform/src/index.js';
import { gatewayService } from '../../apps/gateway/src/gateway.service-definition.js';
import type { GatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { REPO_ROOT } from '../support/test-database.js';
import { createTestTenant, type TestTenant } from '../support/tenant-fixture.js';

/**
 * Property-based fuzzing of every documented endpoint (docs/openapi.json): thousands of malformed requests —
 * random bodies, content types, path parameters, query strings and credentials; strings full of control characters
 * (NUL, C0/C1, unpaired surrogates, BOM, bidi marks) in every field, header and parameter; and, sent over a raw
 * socket, malformed and duplicated headers. None may get a 5xx or crash the gateway, and none may write a row.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const TABLES = [
  'tenants',
  'api_keys',
  'notes',
  'outbox_events',
  'extractions',
  'review_decisions',
  'audit_log',
  'idempotency_keys',
  'price_versions',
  'tenant_budgets',
];

interface Operation {
  method: string;
  path: string;
}

const operations: Operation[] = Object.entries(
  (
    JSON.parse(readFileSync(path.join(REPO_ROOT, 'docs/openapi.json'), 'utf8')) as {
      paths: Record<string, Record<string, unknown>>;
    }
  ).paths,
).flatMap(([p, ops]) => Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path: p })));

describe(`API fuzz: ${RUNS} malformed requests over ${operations.length} operations`, () => {
  const databaseUrl = process.env.DATABASE_URL!;
  let gateway: RunningService<GatewayConfig>;
  let tenant: TestTenant;
  const db = new pg.Client({ connectionString: databaseUrl });

  beforeAll(async () => {
    await db.connect();
    tenant = await createTestTenant(databaseUrl, 'fuzz');
    gateway = await startService(gatewayService, {
      env: {
        DATABASE_URL: databaseUrl,
        KAFKA_BROKERS: process.env.KAFKA_BROKERS,
        PORT: '0',
        LOG_LEVEL: 'fatal',
        DOCS_ENABLED: 'false',
        // The fuzzer is one client sending as fast as it can: rate limiting is tested elsewhere.
        RATE_LIMIT_PER_SECOND: '100000',
        RATE_LIMIT_BURST: '100000',
        // Likewise its bogus keys would lock its one address out (auth-brute-force.test.ts covers that), and every
        // later request would stop at the lockout instead of reaching parsing and validation.
        AUTH_FAILURE_LIMIT: '100000',
      },
    });
  });

  afterAll(async () => {
    await gateway?.app.close();
    await db.end();
  });

  const counts = async () => {
    const out: Record<string, number> = {};
    for (const table of TABLES) {
      const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
      out[table] = Number(rows[0]!.n);
    }
    return out;
  };

  // Characters that break things: NUL, C0 and C1 controls, DEL, unpaired surrogates, BOM, bidi and line separators.
  const special = fc.constantFrom(
    '\u0000',
    '\u0001',
    '\u0008',
    '\t',
    '\n',
    '\r',
    '\u000b',
    '\f',
    '\u001b',
    '\u001f',
    '\u007f',
    '\u0080',
    '\u0085',
    '\u009f',
    '\ud800',
    '\udfff',
    '\ufeff',
    '\u200e',
    '\u200f',
    '\u202a',
    '\u202e',
    '\u2066',
    '\u2069',
    '\u2028',
    '\u2029',
    '\ufffd',
    '\uffff',
  );
  const nasty = fc.string({ unit: fc.oneof(special, fc.string({ minLength: 1, maxLength: 1 })), maxLength: 24 });
  /** A string that no identifier may hold: a refused character somewhere in it. */
  const refused = fc
    .tuple(nasty, fc.constantFrom('\u0000', '\ud800', '\u0007', '\u202e', '\ufeff'), nasty)
    .map(([a, bad, b]) => `${a}${bad}${b}`);
  const charBodies = fc.oneof(
    fc.record({ externalId: refused, text: nasty, patientRef: nasty, encounterRef: nasty }),
    fc.record({ externalId: nasty, text: refused.map((t) => `${t}\u0000`), patientRef: refused }),
    fc.record({ notes: fc.array(fc.record({ externalId: refused, text: nasty }), { minLength: 1, maxLength: 3 }) }),
    fc.record({ decision: fc.constantFrom('accept', 'reject', 'correct'), comment: refused.map((c) => `\u0000${c}`) }),
    fc.record({ label: refused, role: fc.constantFrom('submitter', 'reviewer') }),
    fc.dictionary(refused, nasty, { minKeys: 1, maxKeys: 3 }),
  );
  const jsonish = fc.oneof(
    charBodies.map((v) => JSON.stringify(v)),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.string(),
    fc.constant('{"externalId": '),
    fc.constant('{"externalId":"x","text":"\\ud800"}'),
    fc.record({ externalId: fc.string(), text: fc.string(), extra: fc.anything() }).map((v) => JSON.stringify(v)),
    fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('latin1')),
  );
  const pathParam = fc.oneof(
    fc.uuid(),
    nasty,
    fc.string({ maxLength: 40 }),
    fc.constant('..%2f..'),
    fc.constant('%00'),
    fc.integer().map(String),
  );
  const query = fc.dictionary(
    fc.constantFrom(
      'status',
      'since',
      'cursor',
      'limit',
      'from',
      'to',
      'tenantId',
      'format',
      'flag',
      'engine',
      'notes',
      'model',
    ),
    fc.oneof(
      fc.string({ maxLength: 30 }),
      nasty,
      fc.integer().map(String),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    ),
    { maxKeys: 4 },
  );
  const request = fc.record({
    operation: fc.constantFrom(...operations),
    params: fc.array(pathParam, { minLength: 2, maxLength: 2 }),
    query,
    body: jsonish,
    contentType: fc.constantFrom(
      'application/json',
      'application/json; charset=latin1',
      'text/plain',
      'application/x-www-form-urlencoded',
      '',
    ),
    key: fc.constantFrom<keyof TestTenant['keys'] | 'bogus' | 'none'>(
      'submitter',
      'reviewer',
      'finance',
      'admin',
      'bogus',
      'none',
    ),
    idempotencyKey: fc.option(fc.string({ maxLength: 300 }), { nil: undefined }),
    // One request in three goes over a raw socket with headers no HTTP client library would send.
    rawHeaders: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 2 },
      {
        arbitrary: fc.array(
          fc.oneof(
            fc.tuple(fc.constantFrom('idempotency-key', 'authorization', 'content-type', 'x-note'), nasty),
            fc.tuple(
              fc.constantFrom('content-type', 'authorization', 'idempotency-key', 'content-length'),
              fc.constantFrom('application/json', 'Bearer x', '12', '-1', 'abc'),
            ),
            fc.tuple(
              fc.constantFrom('bad header', 'no-colon', '', ' leading-space', 'x\u0000y'),
              fc.string({ maxLength: 8 }),
            ),
          ),
          { minLength: 1, maxLength: 4 },
        ),
        weight: 1,
      },
    ),
  });

  /** Percent-encodes a path parameter; an unpaired surrogate goes out as the (invalid UTF-8) bytes it would be. */
  const encodePathParam = (value: string): string =>
    [...value]
      .map((c) => {
        try {
          return encodeURIComponent(c);
        } catch {
          return '%ED%A0%80';
        }
      })
      .join('');

  /** One request over a plain socket, headers written exactly as given; the answer's status (0: connection closed). */
  const sendRaw = (url: URL, method: string, headers: [string, string][], body: string): Promise<number> =>
    new Promise((resolve) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        const lines = headers.map(([k, v]) => (k === 'no-colon' ? `${k}${v}` : `${k}: ${v}`));
        const bytes = Buffer.from(body, 'utf8');
        socket.write(
          Buffer.concat([
            Buffer.from(
              `${method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n` +
                `${lines.join('\r\n')}\r\ncontent-length: ${bytes.length}\r\n\r\n`,
              'latin1',
            ),
            bytes,
          ]),
        );
      });
      let head = '';
      socket.setTimeout(10_000, () => socket.destroy());
      socket.on('data', (d: Buffer) => (head += d.toString('latin1')));
      socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0)));
      socket.on('error', () => undefined);
    });

  it('never answers 5xx, never crashes, never writes', async () => {
    const before = await counts();
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        let params = [...r.params];
        const url = new URL(
          gateway.url + r.operation.path.replace(/\{[^}]+\}/g, () => encodePathParam(params.shift() ?? randomUUID())),
        );
        for (const [k, v] of Object.entries(r.query)) url.searchParams.set(k, v);
        params = [];
        const headers: Record<string, string> = {};
        if (r.contentType) headers['content-type'] = r.contentType;
        if (r.key === 'bogus')
          headers.authorization = 'Bearer cx_0000000000000000_notarealkeynotarealkeynotarealkeynotareal';
        else if (r.key !== 'none') headers.authorization = `Bearer ${tenant.keys[r.key]}`;
        if (r.idempotencyKey !== undefined) headers['idempotency-key'] = r.idempotencyKey.replace(/[^\x20-\x7e]/g, '');
        const hasBody = r.operation.method !== 'GET' && r.operation.method !== 'DELETE';
        let status: number;
        if (r.rawHeaders) {
          status = await sendRaw(
            url,
            r.operation.method,
            [...Object.entries(headers), ...r.rawHeaders],
            hasBody ? r.body : '',
          );
        } else {
          const response = await fetch(url, {
            method: r.operation.method,
            headers,
            ...(hasBody ? { body: r.body } : {}),
          });
          await response.arrayBuffer();
          status = response.status;
        }
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status >= 500 || status === 0) {
          throw new Error(`${r.operation.method} ${url.pathname} answered ${status || 'nothing (connection closed)'}`);
        }
      }),
      { numRuns: RUNS, seed: 20261203 },
    );
    const health = await fetch(`${gateway.url}/health/live`);
    expect(health.status).toBe(200);
    expect(await counts()).toEqual(before);
    const sent = [...statuses.values()].reduce((a, b) => a + b, 0);
    const serverErrors = [...statuses].filter(([status]) => status >= 500).reduce((a, [, n]) => a + n, 0);
    process.stdout.write(
      `[fuzz] ${sent} requests over ${operations.length} operations, ${serverErrors} answered 5xx; statuses: ` +
        `${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`,
    );
  }, 900_000);
});
