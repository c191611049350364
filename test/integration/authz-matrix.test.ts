import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { startService, type RunningService } from '../../libs/platform/src/index.js';
import type { GatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { gatewayService } from '../../apps/gateway/src/gateway.service-definition.js';
import { doseMistake, seedReviewItem } from '../support/review-fixture.js';
import { REPO_ROOT } from '../support/test-database.js';
import { createOperatorKey, createTestTenant, insertAcceptedNote, type TestTenant } from '../support/tenant-fixture.js';

/**
 * The gateway's complete authorisation matrix (issues 10 and 21): every operation of docs/openapi.json × every kind
 * of caller × a resource of the caller's own tenant and of another tenant, through the real gateway on real
 * PostgreSQL. The expected status of each cell is written down in `matrix()` below; an operation added to the API
 * without a row there fails the coverage test. Every tenant role stays inside its tenant: there is no exception cell.
 * The platform operator (a key of no tenant) is a caller of its own on every route; "own" and "other" are then just
 * two tenants, and where it may read across tenants (`operatorSpansTenants`) only its leak check is waived. Besides
 * the status, every cell checks:
 * - a refused request (4xx), and any request aimed at another tenant's resource, leaves every table as it was
 *   (row counts and a hash of the rows);
 * - no response body, refusals included, carries another tenant's data (ids, key ids, slug, name, note text, webhook
 *   or model names), except what the caller itself put in the URL;
 * - refusals are problem documents with the stable code the rule in `expectedCode` gives;
 * - the response, refusals included, is `Cache-Control: no-store` and `X-Content-Type-Options: nosniff`.
 */

const CALLERS = ['submitter', 'reviewer', 'finance', 'admin', 'operator', 'none', 'malformed', 'revoked'] as const;
type Caller = (typeof CALLERS)[number];
type Scope = 'own' | 'other';
/**
 * Expected statuses in CALLERS order: submitter, reviewer, finance, admin (the four tenant roles), operator, no key,
 * malformed key, revoked key.
 */
type Cells = readonly [number, number, number, number, number, number, number, number];

interface Target {
  /** Path with its parameters filled in (and query string), plus a JSON body for writes. */
  path: string;
  body?: unknown;
}

interface Entry {
  own: Cells;
  /** Null: the operation names no tenant-owned resource (its scope is always the caller's tenant). */
  other: Cells | null;
  /** 404 code of this operation's resource. */
  notFound?: string;
  /**
   * The operator reads every tenant here (finance views, issue 21): its answers may name both tenants, so its cells
   * skip the leak check. Nothing else does, and no tenant role has such a cell.
   */
  operatorSpansTenants?: true;
  target: (scope: Scope) => Promise<Target> | Target;
}

const ANON = [401, 401, 401] as const;

/**
 * Sets up one test run's fixtures and returns the matrix. Resources that a successful call would change (claims,
 * decisions, key revocation) are created fresh for each cell, so every cell starts from the same state.
 */
function matrix(f: Fixtures): Record<string, Entry> {
  const t = (scope: Scope) => f[scope];
  const unique = () => `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const range = 'from=2026-11-01&to=2026-11-30';
  return {
    // ── notes ──────────────────── submitter reviewer finance admin operator | none malformed revoked
    'POST /v1/notes': {
      own: [202, 403, 403, 202, 403, ...ANON],
      other: null,
      target: () => ({ path: '/v1/notes', body: { externalId: `m-${unique()}`, text: 'Matrix note.' } }),
    },
    'POST /v1/notes/batch': {
      own: [202, 403, 403, 202, 403, ...ANON],
      other: null,
      target: () => ({ path: '/v1/notes/batch', body: { notes: [{ externalId: `b-${unique()}`, text: 'Batch.' }] } }),
    },
    'GET /v1/notes': {
      own: [200, 200, 403, 200, 403, ...ANON],
      other: null,
      target: () => ({ path: '/v1/notes?limit=100' }),
    },
    'GET /v1/notes/{id}': {
      own: [200, 200, 403, 200, 403, ...ANON],
      other: [404, 404, 403, 404, 403, ...ANON],
      notFound: 'NOTE_NOT_FOUND',
      target: (s) => ({ path: `/v1/notes/${t(s).noteId}` }),
    },
    'GET /v1/notes/{id}/fhir': {
      own: [200, 200, 403, 200, 403, ...ANON],
      other: [404, 404, 403, 404, 403, ...ANON],
      notFound: 'NOTE_NOT_FOUND',
      target: (s) => ({ path: `/v1/notes/${t(s).noteId}/fhir` }),
    },
    // ── admin ──────────────────── submitter reviewer finance admin operator | none malformed revoked
    'POST /v1/admin/api-keys': {
      own: [403, 403, 403, 201, 403, ...ANON],
      other: null,
      target: () => ({ path: '/v1/admin/api-keys', body: { role: 'reviewer', label: 'matrix' } }),
    },
    'GET /v1/admin/api-keys': {
      own: [403, 403, 403, 200, 403, ...ANON],
      other: null,
      target: () => ({ path: '/v1/admin/api-keys' }),
    },
    'DELETE /v1/admin/api-keys/{id}': {
      own: [403, 403, 403, 204, 403, ...ANON],
      other: [403, 403, 403, 404, 403, ...ANON],
      notFound: 'API_KEY_NOT_FOUND',
      target: async (s) => ({ path: `/v1/admin/api-keys/${await f.throwawayKey(t(s).tenant)}` }),
    },
    // ── review ─────────────────── submitter reviewer finance admin operator | none malformed revoked
    'GET /v1/review/queue': {
      own: [403, 200, 403, 200, 403, ...ANON],
      other: null,
      target: () => ({ path: '/v1/review/queue?limit=500' }),
    },
    'GET /v1/review/items/{id}': {
      own: [403, 200, 403, 200, 403, ...ANON],
      other: [403, 404, 403, 404, 403, ...ANON],
      notFound: 'REVIEW_ITEM_NOT_FOUND',
      target: (s) => ({ path: `/v1/review/items/${t(s).reviewItemId}` }),
    },
    'POST /v1/review/items/{id}/claim': {
      own: [403, 200, 403, 200, 403, ...ANON],
      other: [403, 404, 403, 404, 403, ...ANON],
      notFound: 'REVIEW_ITEM_NOT_FOUND',
      target: async (s) => ({ path: `/v1/review/items/${await f.reviewItem(s)}/claim`, body: {} }),
    },
    // Giving a claim back is idempotent on the tenant's own items (204 whether or not the caller held it); another
    // tenant's item is not found (issue 21), and keeps its claim (the no-write check).
    'DELETE /v1/review/items/{id}/claim': {
      own: [403, 204, 403, 204, 403, ...ANON],
      other: [403, 404, 403, 404, 403, ...ANON],
      notFound: 'REVIEW_ITEM_NOT_FOUND',
      target: async (s) => ({ path: `/v1/review/items/${await f.reviewItem(s, { claimed: true })}/claim` }),
    },
    'POST /v1/review/items/{id}/decision': {
      own: [403, 200, 403, 200, 403, ...ANON],
      other: [403, 404, 403, 404, 403, ...ANON],
      notFound: 'REVIEW_ITEM_NOT_FOUND',
      target: async (s) => ({
        path: `/v1/review/items/${await f.reviewItem(s)}/decision`,
        body: { decision: 'accept' },
      }),
    },
    'GET /v1/review/export': {
      own: [403, 200, 403, 200, 403, ...ANON],
      other: null,
      target: () => ({ path: '/v1/review/export' }),
    },
    // ── finance ────────────────── submitter reviewer finance admin operator | none malformed revoked
    // A tenant's finance and admin keys see their own tenant only (issue 21); the operator reads every tenant.
    'GET /v1/finance/tenants': {
      own: [403, 403, 200, 200, 200, ...ANON],
      other: null,
      operatorSpansTenants: true,
      target: () => ({ path: '/v1/finance/tenants' }),
    },
    'GET /v1/finance/daily-spend': {
      own: [403, 403, 200, 200, 200, ...ANON],
      other: [403, 403, 403, 403, 200, ...ANON],
      operatorSpansTenants: true,
      target: (s) => ({ path: `/v1/finance/daily-spend?${range}&tenantId=${t(s).tenant.id}` }),
    },
    'GET /v1/finance/unit-costs': {
      own: [403, 403, 200, 200, 200, ...ANON],
      other: [403, 403, 403, 403, 200, ...ANON],
      operatorSpansTenants: true,
      target: (s) => ({ path: `/v1/finance/unit-costs?${range}&tenantId=${t(s).tenant.id}` }),
    },
    'GET /v1/finance/budgets': {
      own: [403, 403, 200, 200, 200, ...ANON],
      other: [403, 403, 403, 403, 200, ...ANON],
      operatorSpansTenants: true,
      target: (s) => ({ path: `/v1/finance/budgets?month=2026-11&tenantId=${t(s).tenant.id}` }),
    },
    // A budget and a webhook are the tenant's own business: the operator reads them but sets neither.
    'PUT /v1/finance/budgets/{tenantId}/{month}': {
      own: [403, 403, 200, 200, 403, ...ANON],
      other: [403, 403, 403, 403, 403, ...ANON],
      // A month far ahead: no budget fallback or alert for the tenants' current spend can follow from it.
      target: (s) => ({
        path: `/v1/finance/budgets/${t(s).tenant.id}/2031-01`,
        body: { softLimitUsd: '100', hardLimitUsd: '200' },
      }),
    },
    'PUT /v1/finance/webhooks/{tenantId}': {
      own: [403, 403, 204, 204, 403, ...ANON],
      other: [403, 403, 403, 403, 403, ...ANON],
      target: (s) => ({
        path: `/v1/finance/webhooks/${t(s).tenant.id}`,
        body: { url: `https://hooks.example.test/${s}-${unique()}` },
      }),
    },
    'GET /v1/finance/alerts': {
      own: [403, 403, 200, 200, 200, ...ANON],
      other: [403, 403, 403, 403, 200, ...ANON],
      operatorSpansTenants: true,
      target: (s) => ({ path: `/v1/finance/alerts?tenantId=${t(s).tenant.id}` }),
    },
    'GET /v1/finance/prices': {
      own: [403, 403, 200, 200, 200, ...ANON],
      other: null,
      target: () => ({ path: '/v1/finance/prices' }),
    },
    // Price versions price every tenant: the operator's alone.
    'POST /v1/finance/prices': {
      own: [403, 403, 403, 403, 201, ...ANON],
      other: null,
      target: () => ({
        path: '/v1/finance/prices',
        body: {
          engine: 'llm',
          model: `matrix-${unique()}`,
          effectiveFrom: new Date(Date.now() + 86_400_000).toISOString(),
          inputPerMillion: '1',
          outputPerMillion: '2',
          cachedInputPerMillion: null,
          perModelSecond: null,
        },
      }),
    },
    'GET /v1/finance/projection': {
      own: [403, 403, 200, 200, 200, ...ANON],
      other: [403, 403, 403, 403, 200, ...ANON],
      operatorSpansTenants: true,
      target: (s) => ({
        path: `/v1/finance/projection?notesPerDay=100&engine=llm&model=${f.models[s]}&tenantId=${t(s).tenant.id}`,
      }),
    },
  };
}

/**
 * The stable code of a refusal: 401 MISSING_CREDENTIALS without a key, else INVALID_CREDENTIALS; 403 FORBIDDEN_ROLE,
 * or TENANT_FORBIDDEN where the same role succeeds on its own tenant (the refusal is about the tenant, not the
 * role); 404 the operation's not-found code.
 */
function expectedCode(entry: Entry, caller: Caller, scope: Scope, status: number): string | null {
  if (status === 401) return caller === 'none' ? 'MISSING_CREDENTIALS' : 'INVALID_CREDENTIALS';
  if (status === 403) {
    const ownStatus = entry.own[CALLERS.indexOf(caller)]!;
    return scope === 'other' && ownStatus < 400 ? 'TENANT_FORBIDDEN' : 'FORBIDDEN_ROLE';
  }
  if (status === 404) return entry.notFound ?? null;
  return null;
}

/** Every table; columns the outbox relay changes on its own (its lease, attempts, last error and publish time) are left out. */
const SNAPSHOT_TABLES: [string, string[]][] = [
  ['tenants', []],
  ['api_keys', []],
  ['notes', ['status', 'updated_at']],
  ['outbox_events', ['published_at', 'attempts', 'last_error', 'claimed_by', 'claimed_until']],
  ['extractions', []],
  ['extraction_flags', []],
  ['extraction_medications', []],
  ['review_decisions', []],
  ['audit_log', []],
  ['idempotency_keys', []],
  ['cost_events', []],
  ['price_versions', []],
  ['tenant_budgets', []],
  ['budget_alerts', []],
];

interface TenantFixture {
  tenant: TestTenant;
  noteId: string;
  reviewItemId: string;
}
type Fixtures = Record<Scope, TenantFixture> & {
  models: Record<Scope, string>;
  throwawayKey: (tenant: TestTenant) => Promise<string>;
  reviewItem: (scope: Scope, options?: { claimed?: boolean }) => Promise<string>;
};

const documented: string[] = Object.entries(
  (
    JSON.parse(readFileSync(path.join(REPO_ROOT, 'docs/openapi.json'), 'utf8')) as {
      paths: Record<string, Record<string, { security?: Record<string, unknown>[] }>>;
    }
  ).paths,
).flatMap(([p, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${p}`));

describe('authorisation matrix over every documented operation', () => {
  const databaseUrl = process.env.DATABASE_URL!;
  const db = new pg.Client({ connectionString: databaseUrl });
  const run = randomBytes(4).toString('hex');
  let gateway: RunningService<GatewayConfig>;
  let keys: Record<Caller, string | null>;
  let fixtures: Fixtures;
  let entries: Record<string, Entry> = {};
  /** Words that belong to the other tenant only: none may appear in a response to the own tenant's keys. */
  const otherMarkers = { text: `other-tenant-secret-${run}`, model: `other-model-${run}` };

  const call = (method: string, target: Target, key: string | null) =>
    fetch(`${gateway.url}${target.path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(target.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: target.body === undefined ? undefined : JSON.stringify(target.body),
    });

  const noteWithExtraction = (tenant: TestTenant, text: string): Promise<string> =>
    insertAcceptedNote(db, tenant.id, text, 'matrix');

  /** Spend, a budget, an alert and a webhook for a tenant, so finance answers have something to leak. */
  async function financeData(tenant: TestTenant, model: string, webhook: string): Promise<void> {
    await db.query(
      `INSERT INTO cost_events (id, event_id, tenant_id, engine, model, purpose, input_tokens, output_tokens,
         occurred_at) VALUES ($1, $2, $3, 'llm', $4, 'extraction', 1000, 100, '2026-11-15T12:00:00Z')`,
      [randomUUID(), `matrix-${randomUUID()}`, tenant.id, model],
    );
    await db.query(
      `INSERT INTO tenant_budgets (id, tenant_id, month, soft_limit_usd, hard_limit_usd)
       VALUES ($1, $2, '2026-11', 10, 20)`,
      [randomUUID(), tenant.id],
    );
    await db.query(
      `INSERT INTO budget_alerts (id, tenant_id, dedupe_key, kind, month, threshold_percent, spend_usd, limit_usd,
         message) VALUES ($1, $2, 'budget:2026-11:50', 'budget', '2026-11', 50, 10, 20, 'half the budget is spent')`,
      [randomUUID(), tenant.id],
    );
    await db.query('UPDATE tenants SET alert_webhook_url = $2 WHERE id = $1', [tenant.id, webhook]);
  }

  async function tenantFixture(tenant: TestTenant, scope: Scope): Promise<TenantFixture> {
    const secret = scope === 'other' ? otherMarkers.text : `own tenant note ${run}`;
    const noteId = await noteWithExtraction(tenant, `${secret}: started metformin.`);
    const item = await seedReviewItem(db, tenant.id, (id) => doseMistake(id));
    // A reviewed item, so exports have lines to leak.
    const decided = await seedReviewItem(db, tenant.id, (id) => doseMistake(id, 'lisinopril', 10));
    const accepted = await call(
      'POST',
      { path: `/v1/review/items/${decided.extractionId}/decision`, body: { decision: 'accept' } },
      tenant.keys.reviewer,
    );
    expect(accepted.status).toBe(200);
    const model = scope === 'other' ? otherMarkers.model : `own-model-${run}`;
    await financeData(tenant, model, `https://hooks.example.test/${scope}-webhook-${run}`);
    return { tenant, noteId, reviewItemId: item.extractionId };
  }

  beforeAll(async () => {
    await db.connect();
    const [own, other] = await Promise.all([
      createTestTenant(databaseUrl, 'matrix-own'),
      createTestTenant(databaseUrl, `matrix-other-${run}`),
    ]);
    gateway = await startService(gatewayService, {
      env: {
        DATABASE_URL: databaseUrl,
        KAFKA_BROKERS: process.env.KAFKA_BROKERS,
        PORT: '0',
        LOG_LEVEL: 'fatal',
        DOCS_ENABLED: 'false',
        // One client sends a few hundred requests and a hundred bad keys in seconds: both limits have their own
        // tests (gateway-input, auth-brute-force), here they would only turn cells into 429s.
        RATE_LIMIT_PER_SECOND: '100000',
        RATE_LIMIT_BURST: '100000',
        AUTH_FAILURE_LIMIT: '100000',
        // No alert sweep during the run: it would write budget_alerts rows between two snapshots.
        FINANCE_ALERT_INTERVAL_MS: '3600000',
      },
    });
    // A revoked key: the tenant's most powerful role, revoked through the API.
    const created = await call(
      'POST',
      { path: '/v1/admin/api-keys', body: { role: 'admin', label: 'to revoke' } },
      own.keys.admin,
    );
    const revoked = (await created.json()) as { id: string; apiKey: string };
    expect((await call('DELETE', { path: `/v1/admin/api-keys/${revoked.id}` }, own.keys.admin)).status).toBe(204);
    keys = {
      ...own.keys,
      operator: (await createOperatorKey(databaseUrl, `matrix operator ${run}`)).key,
      none: null,
      malformed: `cx_${'z'.repeat(16)}_not-a-key`,
      revoked: revoked.apiKey,
    };

    const models = { own: `own-model-${run}`, other: otherMarkers.model };
    const byScope = { own: await tenantFixture(own, 'own'), other: await tenantFixture(other, 'other') };
    fixtures = {
      ...byScope,
      models,
      throwawayKey: async (tenant) => {
        const id = randomUUID();
        await db.query(
          `INSERT INTO api_keys (id, tenant_id, key_id, secret_hash, role, label)
           VALUES ($1, $2, $3, 'x', 'submitter', 'throwaway')`,
          [id, tenant.id, randomBytes(8).toString('hex')],
        );
        return id;
      },
      reviewItem: async (scope, options = {}) => {
        const tenant = byScope[scope].tenant;
        const item = await seedReviewItem(db, tenant.id, (id) => doseMistake(id));
        if (options.claimed) {
          const claim = { path: `/v1/review/items/${item.extractionId}/claim`, body: {} };
          expect((await call('POST', claim, tenant.keys.reviewer)).status).toBe(200);
        }
        return item.extractionId;
      },
    };
    entries = matrix(fixtures);
  }, 120_000);

  afterAll(async () => {
    await gateway?.app.close();
    await db.end();
  });

  async function snapshot(): Promise<Record<string, string>> {
    const sql = SNAPSHOT_TABLES.map(([table, volatile]) => {
      const row = `(to_jsonb(x)${volatile.map((c) => ` - '${c}'`).join('')})::text`;
      return `SELECT '${table}' AS t, count(*) || ':' || md5(coalesce(string_agg(${row}, '|' ORDER BY ${row}), '')) AS v
              FROM ${table} x`;
    }).join(' UNION ALL ');
    const { rows } = await db.query<{ t: string; v: string }>(sql);
    return Object.fromEntries(rows.map((r) => [r.t, r.v]));
  }

  /** Everything that identifies the other tenant's data, read fresh (cells create resources as they go). */
  async function otherTenantMarkers(): Promise<string[]> {
    const other = fixtures.other.tenant;
    const { rows } = await db.query<{ v: string }>(
      `SELECT id::text AS v FROM notes WHERE tenant_id = $1
       UNION ALL SELECT external_id FROM notes WHERE tenant_id = $1
       UNION ALL SELECT id::text FROM extractions WHERE tenant_id = $1
       UNION ALL SELECT id::text FROM api_keys WHERE tenant_id = $1
       UNION ALL SELECT key_id FROM api_keys WHERE tenant_id = $1
       UNION ALL SELECT id::text FROM review_decisions WHERE tenant_id = $1
       UNION ALL SELECT alert_webhook_url FROM tenants WHERE id = $1 AND alert_webhook_url IS NOT NULL
       UNION ALL SELECT slug FROM tenants WHERE id = $1
       UNION ALL SELECT name FROM tenants WHERE id = $1`,
      [other.id],
    );
    return [other.id, otherMarkers.text, otherMarkers.model, ...rows.map((r) => r.v)];
  }

  it('has a row for every documented operation, and no row for an undocumented one', () => {
    expect(Object.keys(entries).sort()).toEqual([...documented].sort());
  });

  it('documents bearer authentication on every operation', () => {
    const doc = JSON.parse(readFileSync(path.join(REPO_ROOT, 'docs/openapi.json'), 'utf8')) as {
      paths: Record<string, Record<string, { security?: unknown }>>;
    };
    const without = documented.filter((op) => {
      const [method, p] = op.split(' ') as [string, string];
      return JSON.stringify(doc.paths[p]![method.toLowerCase()]!.security) !== JSON.stringify([{ bearer: [] }]);
    });
    expect(without).toEqual([]);
  });

  const cells = documented.flatMap((operation) =>
    (['own', 'other'] as const).flatMap((scope) => CALLERS.map((caller) => ({ operation, scope, caller }))),
  );

  it.each(cells)('$operation as $caller on $scope tenant', async ({ operation, scope, caller }) => {
    const entry = entries[operation];
    if (!entry) throw new Error(`no matrix row for ${operation}: add one to matrix()`);
    const row = scope === 'own' ? entry.own : entry.other;
    if (row === null) return; // The operation names no resource of a tenant: the own-tenant cells cover it.
    const expected = row[CALLERS.indexOf(caller)]!;
    const [method, template] = operation.split(' ') as [string, string];

    const target = await entry.target(scope);
    expect(target.path.split('?')[0]!.split('/').length).toBe(template.split('/').length);
    const mustNotWrite = expected >= 400 || scope === 'other';
    const before = mustNotWrite ? await snapshot() : null;

    const response = await call(method, target, keys[caller]);
    const text = await response.text();

    expect({ operation, caller, scope, status: response.status }).toEqual({
      operation,
      caller,
      scope,
      status: expected,
    });
    expect({
      cacheControl: response.headers.get('cache-control'),
      contentTypeOptions: response.headers.get('x-content-type-options'),
    }).toEqual({ cacheControl: 'no-store', contentTypeOptions: 'nosniff' });
    if (expected >= 400) {
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const code = expectedCode(entry, caller, scope, expected);
      expect((JSON.parse(text) as { code: string }).code).toBe(code);
      if (expected === 401) expect(response.headers.get('www-authenticate')).toBe('Bearer');
    }
    if (before) expect(await snapshot()).toEqual(before);
    if (!(caller === 'operator' && entry.operatorSpansTenants)) {
      const request = `${target.path} ${JSON.stringify(target.body ?? null)}`;
      const leaked = (await otherTenantMarkers()).filter((m) => !request.includes(m) && text.includes(m));
      expect({ operation, caller, scope, leaked }).toEqual({ operation, caller, scope, leaked: [] });
    }
  });

  it('keeps Idempotency-Keys and externalIds per tenant: the same values in two tenants never meet', async () => {
    const idempotencyKey = `shared-${run}`;
    const externalId = `shared-external-${run}`;
    const submit = (key: string, text: string) =>
      fetch(`${gateway.url}/v1/notes`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          'idempotency-key': idempotencyKey,
        },
        body: JSON.stringify({ externalId, text }),
      });
    const theirs = await submit(fixtures.other.tenant.keys.submitter, `${otherMarkers.text} shared`);
    expect(theirs.status).toBe(202);
    const theirId = ((await theirs.json()) as { id: string }).id;
    // Same Idempotency-Key and externalId, other content: no replay of their response, no conflict with their note.
    const ours = await submit(keys.submitter!, 'Our own note.');
    expect(ours.status).toBe(202);
    expect(ours.headers.get('idempotent-replayed')).toBeNull();
    const ourId = ((await ours.json()) as { id: string }).id;
    expect(ourId).not.toBe(theirId);
    const { rows } = await db.query<{ tenant_id: string }>('SELECT tenant_id FROM notes WHERE id = $1', [ourId]);
    expect(rows[0]!.tenant_id).toBe(fixtures.own.tenant.id);
  });
});
