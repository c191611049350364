import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { startService, type RunningService } from '../../libs/platform/src/index.js';
import type { GatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { gatewayService } from '../../apps/gateway/src/gateway.service-definition.js';
import type { Role } from '../../apps/gateway/src/auth/principal.js';
import { parseApiKey } from '../../apps/gateway/src/auth/api-key.hasher.js';
import { createTestTenant, insertAcceptedNote, type TestTenant } from '../support/tenant-fixture.js';

/**
 * Acceptance 2: every endpoint × every role × own / other tenant, through the real gateway on real PostgreSQL and
 * Kafka. Another tenant's resource is indistinguishable from a missing one (404), and lists never include it.
 */
describe('gateway authorisation matrix', () => {
  const databaseUrl = process.env.DATABASE_URL!;
  const db = new pg.Client({ connectionString: databaseUrl });
  let gateway: RunningService<GatewayConfig>;
  let own: TestTenant;
  let other: TestTenant;
  const fixtures: Record<'own' | 'other', { noteId: string }> = { own: { noteId: '' }, other: { noteId: '' } };

  const noteWithExtraction = (tenant: TestTenant): Promise<string> =>
    insertAcceptedNote(db, tenant.id, 'Note.', 'authz');

  beforeAll(async () => {
    await db.connect();
    [own, other] = await Promise.all([
      createTestTenant(databaseUrl, 'authz'),
      createTestTenant(databaseUrl, 'authz-other'),
    ]);
    fixtures.own.noteId = await noteWithExtraction(own);
    fixtures.other.noteId = await noteWithExtraction(other);
    gateway = await startService(gatewayService, {
      // /docs is covered by the e2e test against the built gateway (Jest's ESM loader cannot load @fastify/static).
      env: {
        DATABASE_URL: databaseUrl,
        KAFKA_BROKERS: process.env.KAFKA_BROKERS,
        PORT: '0',
        LOG_LEVEL: 'warn',
        DOCS_ENABLED: 'false',
      },
    });
  });

  afterAll(async () => {
    await gateway?.app.close();
    await db.end();
  });

  const call = (method: string, path: string, key: string | null, body?: unknown) =>
    fetch(`${gateway.url}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const keyIds = async (tenant: TestTenant) =>
    (await db.query<{ id: string }>('SELECT id FROM api_keys WHERE tenant_id = $1 ORDER BY created_at', [tenant.id]))
      .rows;
  const throwawayKey = async (tenant: TestTenant) => {
    const id = randomUUID();
    await db.query(
      `INSERT INTO api_keys (id, tenant_id, key_id, secret_hash, role, label) VALUES ($1, $2, $3, 'x', 'submitter', 'throwaway')`,
      [id, tenant.id, randomUUID().replace(/-/g, '').slice(0, 16)],
    );
    return id;
  };

  type Scope = 'own' | 'other';
  interface Endpoint {
    name: string;
    allowed: Role[];
    ok: number;
    /** Status for an allowed role when the target belongs to the other tenant (null: the endpoint has no target). */
    foreign: number | null;
    request: (scope: Scope, key: string | null) => Promise<Response>;
  }
  const tenantOf = (scope: Scope) => (scope === 'own' ? own : other);
  let counter = 0;
  const endpoints: Endpoint[] = [
    {
      name: 'POST /v1/notes',
      allowed: ['submitter', 'admin'],
      ok: 202,
      foreign: null,
      request: (_s, key) => call('POST', '/v1/notes', key, { externalId: `m-${++counter}`, text: 'Matrix note.' }),
    },
    {
      name: 'POST /v1/notes/batch',
      allowed: ['submitter', 'admin'],
      ok: 202,
      foreign: null,
      request: (_s, key) =>
        call('POST', '/v1/notes/batch', key, { notes: [{ externalId: `b-${++counter}`, text: 'Batch note.' }] }),
    },
    {
      name: 'GET /v1/notes',
      allowed: ['submitter', 'reviewer', 'admin'],
      ok: 200,
      foreign: null,
      request: (_s, key) => call('GET', '/v1/notes', key),
    },
    {
      name: 'GET /v1/notes/{id}',
      allowed: ['submitter', 'reviewer', 'admin'],
      ok: 200,
      foreign: 404,
      request: (scope, key) => call('GET', `/v1/notes/${fixtures[scope].noteId}`, key),
    },
    {
      name: 'GET /v1/notes/{id}/fhir',
      allowed: ['submitter', 'reviewer', 'admin'],
      ok: 200,
      foreign: 404,
      request: (scope, key) => call('GET', `/v1/notes/${fixtures[scope].noteId}/fhir`, key),
    },
    {
      name: 'POST /v1/admin/api-keys',
      allowed: ['admin'],
      ok: 201,
      foreign: null,
      request: (_s, key) => call('POST', '/v1/admin/api-keys', key, { role: 'reviewer', label: 'matrix' }),
    },
    {
      name: 'GET /v1/admin/api-keys',
      allowed: ['admin'],
      ok: 200,
      foreign: null,
      request: (_s, key) => call('GET', '/v1/admin/api-keys', key),
    },
    {
      name: 'DELETE /v1/admin/api-keys/{id}',
      allowed: ['admin'],
      ok: 204,
      foreign: 404,
      request: async (scope, key) => call('DELETE', `/v1/admin/api-keys/${await throwawayKey(tenantOf(scope))}`, key),
    },
  ];
  const roles: Role[] = ['submitter', 'reviewer', 'finance', 'admin'];
  const cases = endpoints.flatMap((endpoint) =>
    roles.flatMap((role) =>
      (['own', 'other'] as const)
        .filter((scope) => scope === 'own' || endpoint.foreign !== null)
        .map((scope) => {
          const allowed = endpoint.allowed.includes(role);
          const expected = !allowed ? 403 : scope === 'own' ? endpoint.ok : endpoint.foreign!;
          return { endpoint: endpoint.name, role, scope, expected };
        }),
    ),
  );

  it.each(cases)('$endpoint as $role on $scope tenant → $expected', async ({ endpoint, role, scope, expected }) => {
    const target = endpoints.find((e) => e.name === endpoint)!;
    const response = await target.request(scope, own.keys[role]);
    expect(response.status).toBe(expected);
    if (expected >= 400) {
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const code = ((await response.json()) as { code: string }).code;
      expect(code).toBe(
        expected === 403 ? 'FORBIDDEN_ROLE' : target.name.includes('api-keys') ? 'API_KEY_NOT_FOUND' : 'NOTE_NOT_FOUND',
      );
    }
  });

  it.each(endpoints.map((e) => e.name))(
    '%s without a key → 401 MISSING_CREDENTIALS, with a wrong key → 401',
    async (name) => {
      const target = endpoints.find((e) => e.name === name)!;
      const missing = await target.request('own', null);
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toBe('Bearer');
      expect(await missing.json()).toMatchObject({ code: 'MISSING_CREDENTIALS' });
      const wrong = await target.request('own', `cx_0123456789abcdef_${'A'.repeat(43)}`);
      expect(wrong.status).toBe(401);
      expect(await wrong.json()).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    },
  );

  it('lists never show another tenant’s notes or keys', async () => {
    const otherNotes = (
      await db.query<{ id: string }>('SELECT id FROM notes WHERE tenant_id = $1', [other.id])
    ).rows.map((r) => r.id);
    expect(otherNotes.length).toBeGreaterThan(0);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await (
        await call('GET', `/v1/notes?limit=5${cursor ? `&cursor=${cursor}` : ''}`, own.keys.reviewer)
      ).json()) as { items: { id: string }[]; nextCursor: string | null };
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    const ownNotes = (await db.query<{ id: string }>('SELECT id FROM notes WHERE tenant_id = $1', [own.id])).rows;
    expect(seen.sort()).toEqual(ownNotes.map((r) => r.id).sort());
    expect(seen.filter((id) => otherNotes.includes(id))).toEqual([]);

    const keys = (await (await call('GET', '/v1/admin/api-keys', own.keys.admin)).json()) as {
      items: { id: string }[];
    };
    expect(keys.items.map((k) => k.id).sort()).toEqual((await keyIds(own)).map((k) => k.id).sort());
  });

  it('a key an admin creates works at once and is shown only once; a revoked key stops working', async () => {
    const created = await call('POST', '/v1/admin/api-keys', own.keys.admin, { role: 'submitter', label: 'new EHR' });
    const { id, apiKey } = (await created.json()) as { id: string; apiKey: string };
    expect((await call('GET', '/v1/notes', apiKey)).status).toBe(200);
    const listed = (await (await call('GET', '/v1/admin/api-keys', own.keys.admin)).json()) as { items: object[] };
    // The secret is everything after the key id: base64url may itself contain '_' (split('_') cut it short about
    // once in 64 runs, and an empty piece is in every string).
    expect(JSON.stringify(listed)).not.toContain(parseApiKey(apiKey)!.secret);
    expect((await call('DELETE', `/v1/admin/api-keys/${id}`, own.keys.admin)).status).toBe(204);
    expect((await call('GET', '/v1/notes', apiKey)).status).toBe(401);
  });
});
