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
 * AUTH_FAILURE_LIMIT failures the address gets 429 TOO_MANY_AUTH_FAILURES with Retry-After for every request without
 * a valid key until the lockout ends, while a valid key is still served (issue 21: one client behind a hospital's
 * NAT must not lock the hospital out) and other addresses are unaffected. Clients are told apart by their real source
 * address (loopback has the whole 127.0.0.0/8), and by X-Forwarded-For only where TRUST_PROXY names the proxy.
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
  const metricsToken = 'brute-force-metrics-token-0123456789abcdef';

  const env = (extra: Record<string, string>) => ({
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    PORT: '0',
    LOG_LEVEL: 'fatal',
    DOCS_ENABLED: 'false',
    AUTH_FAILURE_LIMIT: '3',
    AUTH_FAILURE_WINDOW_SECONDS: '60',
    AUTH_LOCKOUT_SECONDS: '3',
    METRICS_TOKEN: metricsToken,
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
    const text = await (
      await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })
    ).text();
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

  it('locks an address out after the limit until Retry-After has passed, still serving its valid keys', async () => {
    const from = '127.0.0.2';
    // A key in use before the lockout, as a hospital's keys are: this instance has verified it.
    expect((await get(direct, '/v1/notes', { key: tenant.keys.reviewer, from })).status).toBe(200);
    const failures = [unknownKey, malformedKey, revokedKey];
    for (const key of failures) {
      const answer = await get(direct, '/v1/notes', { key, from });
      expect({ key, status: answer.status }).toEqual({ key, status: 401 });
      expect(JSON.parse(answer.body)).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    }
    // Every request without a valid key is refused with 429 now, whatever it carries.
    for (const key of [unknownKey, malformedKey, revokedKey, undefined])
      expectLockedOut(await get(direct, '/v1/notes', { key, from }));
    expectLockedOut(await get(direct, '/v1/review/queue', { key: unknownKey, from }));
    // A valid key from the locked-out address is still served, on every route its role may call.
    expect((await get(direct, '/v1/notes', { key: tenant.keys.reviewer, from })).status).toBe(200);
    expect((await get(direct, '/v1/review/queue', { key: tenant.keys.reviewer, from })).status).toBe(200);
    // Public routes stay open, and other addresses are not affected.
    expect((await get(direct, '/health/live', { from })).status).toBe(200);
    expect((await get(direct, '/v1/notes', { key: unknownKey, from: '127.0.0.3' })).status).toBe(401);

    // Without a key to verify, Retry-After counts the lockout itself down.
    const retryAfter = Number((await get(direct, '/v1/notes', { from })).retryAfter);
    await sleep(retryAfter * 1000 + 100);
    expect((await get(direct, '/v1/notes', { key: unknownKey, from })).status).toBe(401);
  });

  it('does not let a valid key wipe out earlier failures', async () => {
    const from = '127.0.0.4';
    expect((await get(direct, '/v1/notes', { key: unknownKey, from })).status).toBe(401);
    expect((await get(direct, '/v1/notes', { key: unknownKey, from })).status).toBe(401);
    expect((await get(direct, '/v1/notes', { key: tenant.keys.reviewer, from })).status).toBe(200);
    expect((await get(direct, '/v1/notes', { key: unknownKey, from })).status).toBe(401);
    expectLockedOut(await get(direct, '/v1/notes', { key: unknownKey, from }));
    expect((await get(direct, '/v1/notes', { key: tenant.keys.reviewer, from })).status).toBe(200);
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY names the proxy: a client cannot pick a fresh address', async () => {
    const from = '127.0.0.5';
    for (const forwardedFor of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) {
      expect((await get(direct, '/v1/notes', { key: unknownKey, from, forwardedFor })).status).toBe(401);
    }
    expectLockedOut(await get(direct, '/v1/notes', { key: unknownKey, from, forwardedFor: '198.51.100.4' }));
  });

  it('behind a trusted proxy counts the forwarded client, IPv6 clients by /64', async () => {
    expect((await get(proxied, '/v1/notes', { key: tenant.keys.reviewer, forwardedFor: '203.0.113.7' })).status).toBe(
      200,
    );
    for (let i = 0; i < 3; i++) {
      const answer = await get(proxied, '/v1/notes', { key: unknownKey, forwardedFor: '203.0.113.7' });
      expect(answer.status).toBe(401);
    }
    expectLockedOut(await get(proxied, '/v1/notes', { key: unknownKey, forwardedFor: '203.0.113.7' }));
    expect((await get(proxied, '/v1/notes', { key: tenant.keys.reviewer, forwardedFor: '203.0.113.7' })).status).toBe(
      200,
    );
    // The proxy's other clients, and requests from the proxy itself, are not locked out.
    const neighbour = await get(proxied, '/v1/notes', { key: unknownKey, forwardedFor: '203.0.113.8' });
    expect(neighbour.status).toBe(401);
    expect((await get(proxied, '/v1/notes', { key: unknownKey })).status).toBe(401);
    // Three addresses of one /64 are one client; the next /64 is another.
    for (const address of ['2001:db8:0:7::1', '2001:db8:0:7::2', '2001:db8:0:7:ffff::3']) {
      expect((await get(proxied, '/v1/notes', { key: unknownKey, forwardedFor: address })).status).toBe(401);
    }
    expectLockedOut(await get(proxied, '/v1/notes', { key: unknownKey, forwardedFor: '2001:db8:0:7::99' }));
    const nextBlock = await get(proxied, '/v1/notes', { key: unknownKey, forwardedFor: '2001:db8:0:8::1' });
    expect(nextBlock.status).toBe(401);
  });

  it('counts refusals in one counter, hashes unknown ids like known ones, and rations hashing when locked out', async () => {
    const from = '127.0.0.6';
    const failed = 'clinex_gateway_auth_failed_total';
    const hashes = 'clinex_gateway_auth_key_hashes_total';
    const refusals = 'clinex_gateway_auth_lockout_refusals_total';
    const read = async () => ({
      failed: await metric(direct, failed),
      hashes: await metric(direct, hashes),
      refusals: await metric(direct, refusals),
    });
    const scrape = await (
      await fetch(`${direct.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })
    ).text();
    // One counter of refusals: nothing in the scrape tells unknown key ids from wrong secrets.
    expect(scrape).not.toMatch(/unknown_key|wrong_secret|auth_failures_total/);

    const before = await read();
    // A real key id with a wrong secret and an unknown key id cost one scrypt verification each.
    const wrongSecret = `${tenant.keys.admin.slice(0, 20)}${'B'.repeat(43)}`;
    expect((await get(direct, '/v1/notes', { key: wrongSecret, from })).status).toBe(401);
    expect(await read()).toEqual({ ...before, failed: before.failed + 1, hashes: before.hashes + 1 });
    // Junk of any size: refused on its shape, before any lookup or hash.
    expect((await get(direct, '/v1/notes', { key: `cx_${'x'.repeat(8000)}`, from })).status).toBe(401);
    expect(await read()).toEqual({ ...before, failed: before.failed + 2, hashes: before.hashes + 1 });
    expect((await get(direct, '/v1/notes', { key: unknownKey, from })).status).toBe(401);
    expect(await read()).toEqual({ ...before, failed: before.failed + 3, hashes: before.hashes + 2 });

    // Locked out now: malformed keys cost nothing, and refusals are counted apart, not as failures.
    expectLockedOut(await get(direct, '/v1/notes', { key: malformedKey, from }));
    expect(await read()).toEqual({
      failed: before.failed + 3,
      hashes: before.hashes + 2,
      refusals: before.refusals + 1,
    });
  });

  it('verifies at most one not-yet-verified key per interval for a locked-out address, and serves it when valid', async () => {
    const service = await startService(gatewayService, {
      env: env({ AUTH_LOCKOUT_SECONDS: '60', AUTH_LOCKOUT_VERIFY_INTERVAL_MS: '30000' }),
    });
    try {
      const from = '127.0.0.7';
      for (let i = 0; i < 3; i++) expect((await get(service, '/v1/notes', { key: unknownKey, from })).status).toBe(401);
      // Keys this instance has never verified: the first is verified (and served), the next must wait.
      const fresh = await addApiKey(db, tenant.id, 'submitter');
      const another = await addApiKey(db, tenant.id, 'reviewer');
      expect((await get(service, '/v1/notes', { key: fresh.key, from })).status).toBe(200);
      const refused = (answer: Answer) => ({
        status: answer.status,
        code: (JSON.parse(answer.body) as { code: string }).code,
        retryAfter: Number(answer.retryAfter),
      });
      // Refused unverified: come back when the next verification is due (the interval), not when the lockout ends.
      const waiting = await get(service, '/v1/notes', { key: another.key, from });
      expect(refused(waiting)).toEqual({ status: 429, code: 'TOO_MANY_AUTH_FAILURES', retryAfter: 30 });
      expect(JSON.parse(waiting.body).detail).toMatch(/could not be checked yet/);
      expect(refused(await get(service, '/v1/notes', { key: unknownKey, from }))).toEqual(refused(waiting));
      // A request that needs no verification (no key, a malformed one) waits for the end of the lockout.
      const anonymous = refused(await get(service, '/v1/notes', { from }));
      expect(anonymous).toMatchObject({ status: 429, code: 'TOO_MANY_AUTH_FAILURES' });
      expect(anonymous.retryAfter).toBeGreaterThan(30);
      // The verified key needs no hash: it keeps being served.
      for (let i = 0; i < 3; i++) expect((await get(service, '/v1/notes', { key: fresh.key, from })).status).toBe(200);
      // Another address is not rationed.
      expect((await get(service, '/v1/notes', { key: another.key, from: '127.0.0.8' })).status).toBe(200);
    } finally {
      await service.app.close();
    }
  });
});
