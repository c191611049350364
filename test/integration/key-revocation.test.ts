import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { startService, type RunningService } from '../../libs/platform/src/index.js';
import type { GatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { gatewayService } from '../../apps/gateway/src/gateway.service-definition.js';
import { REPO_ROOT } from '../support/test-database.js';
import { createTestTenant, type TestTenant } from '../support/tenant-fixture.js';

const run = promisify(execFile);

/** `npx clinex admin …` as an operator runs it: the real CLI process, against the same database. */
async function clinex(databaseUrl: string, ...args: string[]): Promise<unknown> {
  const { stdout } = await run(path.join(REPO_ROOT, 'node_modules/.bin/clinex'), ['admin', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: databaseUrl },
  });
  return JSON.parse(stdout);
}

/**
 * Revocation takes effect at once, on every path (issue 21): a key that two gateway instances have verified (and
 * cached) is refused on its very next request at both, whether it was revoked over HTTP on one of them or with the
 * CLI straight in the database. Operator keys are made and revoked only with the CLI, and behave the same.
 */
describe('API key revocation across gateway instances and the CLI', () => {
  const databaseUrl = process.env.DATABASE_URL!;
  const db = new pg.Client({ connectionString: databaseUrl });
  let one: RunningService<GatewayConfig>;
  let two: RunningService<GatewayConfig>;
  let tenant: TestTenant;
  let other: TestTenant;

  const env = {
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    PORT: '0',
    LOG_LEVEL: 'fatal',
    DOCS_ENABLED: 'false',
    // The default: a verified key would be remembered for 10 minutes without the revocation check.
    AUTH_CACHE_TTL_MS: '600000',
  };

  const status = async (gateway: RunningService<GatewayConfig>, key: string, route = '/v1/notes') =>
    (await fetch(`${gateway.url}${route}`, { headers: { authorization: `Bearer ${key}` } })).status;

  /** A key of the tenant made over HTTP by its admin, used on both instances so that both have it cached. */
  async function warmKey(role: string): Promise<{ id: string; apiKey: string }> {
    const response = await fetch(`${one.url}/v1/admin/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.keys.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role, label: `revocation ${role}` }),
    });
    expect(response.status).toBe(201);
    const key = (await response.json()) as { id: string; apiKey: string };
    for (const gateway of [one, two]) for (let i = 0; i < 2; i++) expect(await status(gateway, key.apiKey)).toBe(200);
    return key;
  }

  beforeAll(async () => {
    await db.connect();
    [tenant, other] = await Promise.all([
      createTestTenant(databaseUrl, 'revocation'),
      createTestTenant(databaseUrl, 'revocation-other'),
    ]);
    [one, two] = await Promise.all([startService(gatewayService, { env }), startService(gatewayService, { env })]);
  });

  afterAll(async () => {
    await Promise.all([one?.app.close(), two?.app.close()]);
    await db.end();
  });

  it('refuses a key revoked over HTTP on its next request, on the instance that revoked it and on the other', async () => {
    const key = await warmKey('submitter');
    const revoked = await fetch(`${one.url}/v1/admin/api-keys/${key.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${tenant.keys.admin}` },
    });
    expect(revoked.status).toBe(204);
    expect(await status(one, key.apiKey)).toBe(401);
    expect(await status(two, key.apiKey)).toBe(401);
  });

  it('refuses a key revoked with `clinex admin revoke-key` on its next request, on every instance', async () => {
    const key = await warmKey('reviewer');
    expect(await clinex(databaseUrl, 'revoke-key', '--tenant', tenant.slug, '--id', key.id)).toEqual({
      revoked: key.id,
    });
    expect(await status(one, key.apiKey)).toBe(401);
    expect(await status(two, key.apiKey)).toBe(401);
    // The key's tenant still works, and the CLI lists the key as revoked.
    expect(await status(one, tenant.keys.reviewer)).toBe(200);
    const listed = (await clinex(databaseUrl, 'list-keys', '--tenant', tenant.slug)) as {
      items: { id: string; revokedAt: string | null }[];
    };
    expect(listed.items.find((k) => k.id === key.id)?.revokedAt).toEqual(expect.any(String));
  });

  it('makes operator keys with the CLI only: of no tenant, reading every tenant, revoked at once', async () => {
    const created = (await clinex(databaseUrl, 'create-operator-key', '--label', 'revocation test operator')) as {
      operatorKey: { id: string; role: string; apiKey: string };
    };
    const { id, role, apiKey } = created.operatorKey;
    expect(role).toBe('operator');
    const { rows } = await db.query<{ tenant_id: string | null; role: string }>(
      'SELECT tenant_id, role FROM api_keys WHERE id = $1',
      [id],
    );
    expect(rows).toEqual([{ tenant_id: null, role: 'operator' }]);

    const tenants = async (gateway: RunningService<GatewayConfig>) => {
      const response = await fetch(`${gateway.url}/v1/finance/tenants`, {
        headers: { authorization: `Bearer ${apiKey}` },
      });
      return {
        status: response.status,
        ids: response.ok ? ((await response.json()) as { id: string }[]).map((t) => t.id) : [],
      };
    };
    for (const gateway of [one, two]) {
      const seen = await tenants(gateway);
      expect(seen.status).toBe(200);
      expect(seen.ids).toEqual(expect.arrayContaining([tenant.id, other.id]));
    }
    // A tenant route is not the operator's, and no tenant admin can see or revoke the operator key.
    expect(await status(one, apiKey)).toBe(403);
    const listedByAdmin = (await (
      await fetch(`${one.url}/v1/admin/api-keys`, { headers: { authorization: `Bearer ${tenant.keys.admin}` } })
    ).json()) as { items: { id: string }[] };
    expect(listedByAdmin.items.map((k) => k.id)).not.toContain(id);
    const byAdmin = await fetch(`${one.url}/v1/admin/api-keys/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${tenant.keys.admin}` },
    });
    expect(byAdmin.status).toBe(404);
    // An operator key cannot be asked for over HTTP either.
    const asked = await fetch(`${one.url}/v1/admin/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.keys.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'operator', label: 'let me in' }),
    });
    expect(asked.status).toBe(400);

    const listed = (await clinex(databaseUrl, 'list-operator-keys')) as { id: string; revokedAt: string | null }[];
    expect(listed.find((k) => k.id === id)).toMatchObject({ revokedAt: null });
    expect(await clinex(databaseUrl, 'revoke-operator-key', '--id', id)).toEqual({ revoked: id });
    expect((await tenants(one)).status).toBe(401);
    expect((await tenants(two)).status).toBe(401);
  });

  it('answers bad CLI input with the field at fault and exit status 2', async () => {
    const failure = await clinex(databaseUrl, 'revoke-operator-key', '--id', 'not-a-uuid').then(
      () => null,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure).toMatchObject({ code: 2 });
    expect(failure?.stderr).toContain('--id must be a key id');
  });
});
