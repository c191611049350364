import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { startService, type RunningService } from '../../libs/platform/src/index.js';
import type { GatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { gatewayService } from '../../apps/gateway/src/gateway.service-definition.js';
import { addApiKey } from '../support/review-fixture.js';
import { createTestTenant, type TestTenant } from '../support/tenant-fixture.js';

/**
 * Brute-force limiting of failed authentication, per client address, through the real gateway: after
 * AUTH_FAILURE_LIMIT failures the address gets 429 TOO_MANY_AUTH_FAILURES with Retry-After on every authenticated
 * route — a valid key included — until the lockout ends, while other addresses are unaffected. Clients are told
 * apart by their real source address (loopback has the whole 127.0.0.0/8), and by X-Forwarded-For only where
 * TRUST_PROXY names the proxy.
 */
describe('failed-authentication limit per client address', () => {
  const databaseUrl = process.env.DATABASE_URL!;
  const db = new pg.Client({ connectionString: databaseUrl });
  let direct: RunningService<GatewayConfig>;
  let proxied: RunningService<GatewayConfig>;
  let tenant: TestTenant;
  let revokedKey: string;
  const unknownKey = `cx_0123456789abcdef_${'A'.repeat(43)}`;
  const malformedKey = 'cx_this-is-not-a-key';

  const env = (extra: Record<string, string>) => ({
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    PORT: '0',
    LOG_LEVEL: 'fatal',
    DOCS_ENABLED: 'false',
    AUTH_FAILURE_LIMIT: '3',
    AUTH_FAILURE_WINDOW_SECONDS: '60',
    AUTH_LOCKOUT_SECONDS: '3',
    ...extra,
  });

  beforeAll(async () => {
    await db.connect();
    tenant = await createTestTenant(databaseUrl, 'brute-force');
    const revoked = await addApiKey(db, tenant.id, 'reviewer');
    await db.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [revoked.id]);
    revokedKey = revoked.key;
    direct = await startService(gatewayService, { env: env({}) });
    proxied = await startService(gatewayService, { env: env({ TRUST_PROXY: '127.0.0.1' }) });
  });

  afterAll(async () => {
    await Promise.all([direct?.app.close(), proxied?.app.close()]);
    await db.end();
  });

  interface Answer {
    status: number;
    retryAfter: string | undefined;
    contentType: string | undefined;
    body: string;
  }

  /** One GET from a chosen loopback source address (Node's fetch cannot pick one). */
  function get(
    service: RunningService<GatewayConfig>,
    path: string,
    options: { key?: string; from?: string; forwardedFor?: string } = {},
  ): Promise<Answer> {
    const url = new URL(service.url);
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port: url.port,
          path,
          localAddress: options.from ?? '127.0.0.1',
          agent: false,
          headers: {
            ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
            ...(options.forwardedFor ? { 'x-forwarded-for': options.forwardedFor } : {}),
          },
        },
        (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              retryAfter: response.headers['retry-after'],
              contentType: response.headers['content-type'],
              body,
            }),
          );
        },
      );
      request.on('error', reject);
      request.end();
    });
  }

  const metric = async (service: RunningService<GatewayConfig>, name: string, label = '') => {
    const text = await (await fetch(`${service.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(name) && l.includes(label));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  const expectLockedOut = (answer: Answer) => {
    expect(answer.status).toBe(429);
    expect(answer.contentType).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 429, code: 'TOO_MANY_AUTH_FAILURES' });
    expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(answer.retryAfter)).toBeLessThanOrEqual(3);
  };

  it('locks an address out after the limit, even for a valid key, until Retry-After has passed', async () => {
    const from = '127.0.0.2';
    const failures = [unknownKey, malformedKey, revokedKey];
    for (const key of failures) {
      const answer = await get(direct, '/v1/notes', { key, from });
      expect({ key, status: answer.status }).toEqual({ key, status: 401 });
      expect(JSON.parse(answer.body)).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    }
    expectLockedOut(await get(direct, '/v1/notes', { key: tenant.keys.reviewer, from }));
    expectLockedOut(await get(direct, '/v1/review/queue', { key: tenant.keys.reviewer, from }));
    expectLockedOut(await get(direct, '/v1/notes', { from }));
    // Public routes stay open, and other addresses are not affected.
    expect((await get(direct, '/health/live', { from })).status).toBe(200);
    expect((await get(direct, '/v1/notes', { key: tenant.keys.reviewer, from: '127.0.0.3' })).status).toBe(200);

    const retryAfter = Number((await get(direct, '/v1/notes', { key: tenant.keys.reviewer, from })).retryAfter);
    await sleep(retryAfter * 1000 + 100);
    expect((await get(direct, '/v1/notes', { key: tenant.keys.reviewer, from })).status).toBe(200);
  });

  it('does not let a valid key wipe out earlier failures', async () => {
    const from = '127.0.0.4';
    expect((await get(direct, '/v1/notes', { key: unknownKey, from })).status).toBe(401);
    expect((await get(direct, '/v1/notes', { key: unknownKey, from })).status).toBe(401);
    expect((await get(direct, '/v1/notes', { key: tenant.keys.reviewer, from })).status).toBe(200);
    expect((await get(direct, '/v1/notes', { key: unknownKey, from })).status).toBe(401);
    expectLockedOut(await get(direct, '/v1/notes', { key: tenant.keys.reviewer, from }));
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY names the proxy: a client cannot pick a fresh address', async () => {
    const from = '127.0.0.5';
    for (const forwardedFor of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) {
      expect((await get(direct, '/v1/notes', { key: unknownKey, from, forwardedFor })).status).toBe(401);
    }
    expectLockedOut(await get(direct, '/v1/notes', { key: tenant.keys.reviewer, from, forwardedFor: '198.51.100.4' }));
  });

  it('behind a trusted proxy counts the forwarded client, IPv6 clients by /64', async () => {
    for (let i = 0; i < 3; i++) {
      const answer = await get(proxied, '/v1/notes', { key: unknownKey, forwardedFor: '203.0.113.7' });
      expect(answer.status).toBe(401);
    }
    expectLockedOut(await get(proxied, '/v1/notes', { key: tenant.keys.reviewer, forwardedFor: '203.0.113.7' }));
    // The proxy's other clients, and requests from the proxy itself, keep working.
    const neighbour = await get(proxied, '/v1/notes', { key: tenant.keys.reviewer, forwardedFor: '203.0.113.8' });
    expect(neighbour.status).toBe(200);
    expect((await get(proxied, '/v1/notes', { key: tenant.keys.reviewer })).status).toBe(200);
    // Three addresses of one /64 are one client; the next /64 is another.
    for (const address of ['2001:db8:0:7::1', '2001:db8:0:7::2', '2001:db8:0:7:ffff::3']) {
      expect((await get(proxied, '/v1/notes', { key: unknownKey, forwardedFor: address })).status).toBe(401);
    }
    expectLockedOut(await get(proxied, '/v1/notes', { key: tenant.keys.reviewer, forwardedFor: '2001:db8:0:7::99' }));
    const nextBlock = await get(proxied, '/v1/notes', { key: tenant.keys.reviewer, forwardedFor: '2001:db8:0:8::1' });
    expect(nextBlock.status).toBe(200);
  });

  it('refuses malformed keys before any lookup or hash, and locked-out requests before looking at the key', async () => {
    const from = '127.0.0.6';
    const failures = 'clinex_gateway_auth_failures_total';
    const [malformedBefore, wrongBefore, refusedBefore] = await Promise.all([
      metric(direct, failures, 'reason="malformed"'),
      metric(direct, failures, 'reason="wrong_secret"'),
      metric(direct, 'clinex_gateway_auth_lockout_refusals_total'),
    ]);
    // A real key id with a wrong secret is the only kind that costs a scrypt hash.
    const wrongSecret = `${tenant.keys.admin.slice(0, 20)}${'B'.repeat(43)}`;
    expect((await get(direct, '/v1/notes', { key: wrongSecret, from })).status).toBe(401);
    // Junk of any size: refused on its shape.
    expect((await get(direct, '/v1/notes', { key: `cx_${'x'.repeat(8000)}`, from })).status).toBe(401);
    expect((await get(direct, '/v1/notes', { key: malformedKey, from })).status).toBe(401);
    expect(await metric(direct, failures, 'reason="malformed"')).toBe(malformedBefore + 2);
    expect(await metric(direct, failures, 'reason="wrong_secret"')).toBe(wrongBefore + 1);

    // Locked out now: further wrong keys are not even classified (no lookup, no hash), only refused.
    expectLockedOut(await get(direct, '/v1/notes', { key: wrongSecret, from }));
    expectLockedOut(await get(direct, '/v1/notes', { key: malformedKey, from }));
    expect(await metric(direct, failures, 'reason="wrong_secret"')).toBe(wrongBefore + 1);
    expect(await metric(direct, failures, 'reason="malformed"')).toBe(malformedBefore + 2);
    expect(await metric(direct, 'clinex_gateway_auth_lockout_refusals_total')).toBe(refusedBefore + 2);
  });
});
