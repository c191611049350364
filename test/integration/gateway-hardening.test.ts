import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { AddressInfo } from 'node:net';
import { startService, type RunningService } from '../../libs/platform/src/index.js';
import type { CostEvent } from '../../libs/schemas/src/index.js';
import type { GatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { gatewayService } from '../../apps/gateway/src/gateway.service-definition.js';
import type { ValidatorConfig } from '../../apps/validator/src/config/validator.config.js';
import { CostMeterService } from '../../apps/validator/src/cost-meter/cost-meter.service.js';
import { validatorService } from '../../apps/validator/src/validator.service-definition.js';
import { createTestTenant, type TestTenant } from '../support/tenant-fixture.js';

/**
 * What the unauthenticated get, through the real gateway and validator (issue 21): keys are checked before any
 * body is read; the Bearer scheme in any case; `/metrics` only for the holder of METRICS_TOKEN, without tenant ids
 * unless the operator opts in; security headers on every kind of response; the bind address honoured.
 */
describe('gateway and service hardening', () => {
  const databaseUrl = process.env.DATABASE_URL!;
  const metricsToken = `hardening-${randomUUID()}`;
  const run = randomUUID().slice(0, 8);
  let gateway: RunningService<GatewayConfig>;
  let tenant: TestTenant;

  const env = (extra: Record<string, string> = {}) => ({
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    PORT: '0',
    LOG_LEVEL: 'fatal',
    DOCS_ENABLED: 'false',
    MAX_BODY_BYTES: '4096',
    METRICS_TOKEN: metricsToken,
    ...extra,
  });

  beforeAll(async () => {
    tenant = await createTestTenant(databaseUrl, 'hardening');
    gateway = await startService(gatewayService, { env: env() });
  });

  afterAll(async () => {
    await gateway?.app.close();
  });

  const problemCode = async (response: Response) => ((await response.json()) as { code: string }).code;

  /**
   * Sends a request head announcing `announced` body bytes, then only `sent` of them; resolves with the response head
   * when one comes, or with '' when none has come within `waitMs`.
   */
  function partialBody(path: string, announced: number, sent: number, key?: string, waitMs = 5_000): Promise<string> {
    const { port } = new URL(gateway.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let data = '';
      const timer = setTimeout(() => {
        socket.destroy();
        resolve(data);
      }, waitMs);
      socket.on('connect', () => {
        socket.write(
          `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
            `${key ? `Authorization: Bearer ${key}\r\n` : ''}Content-Length: ${announced}\r\n\r\n${'['.repeat(sent)}`,
        );
      });
      socket.on('data', (chunk: Buffer) => {
        data += chunk.toString();
        if (data.includes('\r\n\r\n')) {
          clearTimeout(timer);
          socket.destroy();
          resolve(data);
        }
      });
      socket.on('error', reject);
    });
  }

  describe('authentication before the body', () => {
    it('answers 401, not 400/413/415, to requests without a valid key whatever their body', async () => {
      const post = (body: string, headers: Record<string, string>) =>
        fetch(`${gateway.url}/v1/notes`, { method: 'POST', headers, body });
      const broken = await post('{"externalId": ', { 'content-type': 'application/json' });
      expect([broken.status, await problemCode(broken)]).toEqual([401, 'MISSING_CREDENTIALS']);
      const tooLarge = await post(JSON.stringify({ text: 'x'.repeat(100_000) }), {
        'content-type': 'application/json',
      });
      expect([tooLarge.status, await problemCode(tooLarge)]).toEqual([401, 'MISSING_CREDENTIALS']);
      const wrongType = await post('a,b', { 'content-type': 'text/csv', authorization: 'Bearer cx_nope' });
      expect([wrongType.status, await problemCode(wrongType)]).toEqual([401, 'INVALID_CREDENTIALS']);
      // With a valid key the body is read and judged as before.
      const judged = await post('{"externalId": ', {
        'content-type': 'application/json',
        authorization: `Bearer ${tenant.keys.submitter}`,
      });
      expect([judged.status, await problemCode(judged)]).toEqual([400, 'MALFORMED_JSON']);
    });

    it('refuses an unauthenticated request before its body has arrived', async () => {
      // 5 MiB announced, 1 KiB sent: an answer can only come before the body was read.
      const refused = await partialBody('/v1/notes/batch', 5 * 1024 * 1024, 1024);
      expect(refused).toMatch(/^HTTP\/1\.1 401 /);
      expect(refused).toMatch(/www-authenticate: Bearer/i);
      // A valid key's request, by contrast, waits for its body (nothing comes back while it is missing).
      expect(await partialBody('/v1/notes/batch', 64 * 1024, 1024, tenant.keys.submitter, 1_500)).toBe('');
    });

    it('answers an unknown /v1 route 401 without a key and 404 with one', async () => {
      const anonymous = await fetch(`${gateway.url}/v1/no-such-route`);
      expect([anonymous.status, await problemCode(anonymous)]).toEqual([401, 'MISSING_CREDENTIALS']);
      const known = await fetch(`${gateway.url}/v1/no-such-route`, {
        headers: { authorization: `Bearer ${tenant.keys.submitter}` },
      });
      expect([known.status, await problemCode(known)]).toEqual([404, 'ROUTE_NOT_FOUND']);
    });
  });

  it.each(['bearer', 'BEARER', 'BeArEr'])('takes the %s scheme: auth schemes are case-insensitive', async (scheme) => {
    const response = await fetch(`${gateway.url}/v1/notes`, {
      headers: { authorization: `${scheme} ${tenant.keys.submitter}` },
    });
    expect(response.status).toBe(200);
  });

  it('refuses other schemes as a missing key', async () => {
    const response = await fetch(`${gateway.url}/v1/notes`, {
      headers: { authorization: `Basic ${tenant.keys.admin}` },
    });
    expect([response.status, await problemCode(response)]).toEqual([401, 'MISSING_CREDENTIALS']);
  });

  it.each([
    ['GET', '/health/live', 200],
    ['GET', '/health/ready', 200],
    ['GET', '/metrics', 401],
    ['GET', '/no-such-page', 404],
    ['POST', '/v1/notes', 401],
    ['GET', '/review', 200],
  ])('%s %s (%i) carries no-store, nosniff, no framing and a CSP', async (method, route, status) => {
    const response = await fetch(`${gateway.url}${route}`, { method });
    expect(response.status).toBe(status);
    expect({
      // Terminus sends its own `no-cache, no-store, must-revalidate` on /health.
      cacheControl: /(^|, )no-store(,|$)/.test(response.headers.get('cache-control') ?? '') ? 'no-store' : null,
      contentTypeOptions: response.headers.get('x-content-type-options'),
      frameOptions: response.headers.get('x-frame-options'),
      referrer: response.headers.get('referrer-policy'),
    }).toEqual({
      cacheControl: 'no-store',
      contentTypeOptions: 'nosniff',
      frameOptions: 'DENY',
      referrer: 'no-referrer',
    });
    // The API's responses may load nothing; the review page's shell has its own, hash-pinned policy.
    expect(response.headers.get('content-security-policy')).toMatch(
      route === '/review' ? /^default-src 'none'; script-src 'self' 'sha256-/ : /^default-src 'none'/,
    );
  });

  describe('/metrics', () => {
    const scrape = (service: { url: string }, authorization?: string) =>
      fetch(`${service.url}/metrics`, { headers: authorization ? { authorization } : {} });

    it('is refused without the scrape token, with a wrong one, and to everyone when no token is set', async () => {
      for (const authorization of [undefined, 'Bearer wrong-token', `Basic ${metricsToken}`, metricsToken]) {
        const response = await scrape(gateway, authorization);
        expect({ authorization, status: response.status }).toEqual({ authorization, status: 401 });
        expect(response.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        const body = (await response.json()) as { code: string; detail: string };
        expect(body).toMatchObject({
          code: 'METRICS_TOKEN_REQUIRED',
          detail: expect.stringContaining('METRICS_TOKEN'),
        });
      }
      const tokenless = await startService(gatewayService, { env: env({ METRICS_TOKEN: '' }) });
      try {
        expect((await scrape(tokenless, `Bearer ${metricsToken}`)).status).toBe(401);
        expect((await scrape(tokenless)).status).toBe(401);
      } finally {
        await tokenless.app.close();
      }
    });

    it('serves the holder of the token, with one auth_failed counter that does not tell unknown ids apart', async () => {
      // An unknown key id and a wrong secret, both refused.
      for (const key of [`cx_0123456789abcdef_${'A'.repeat(43)}`, `${tenant.keys.admin.slice(0, 20)}${'B'.repeat(43)}`])
        expect((await fetch(`${gateway.url}/v1/notes`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(
          401,
        );
      const response = await scrape(gateway, `bearer ${metricsToken}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      expect(text).toMatch(/^clinex_gateway_auth_failed_total\{service="clinex-gateway"\} [1-9]/m);
      expect(text).not.toMatch(/unknown_key|wrong_secret|reason=/);
    });

    it('names no tenant in metered usage unless METRICS_TENANT_LABELS opts in', async () => {
      const model = `hardening-model-${run}`;
      const event: CostEvent = {
        version: 2,
        eventId: randomUUID(),
        tenantId: tenant.id,
        noteId: randomUUID(),
        engine: 'llm',
        model,
        purpose: 'extraction',
        inputTokens: 1234,
        outputTokens: 56,
        cachedTokens: 0,
        modelSeconds: 0,
        occurredAt: new Date().toISOString(),
      };
      const meterOn = async (labels: boolean) => {
        const validator: RunningService<ValidatorConfig> = await startService(validatorService, {
          env: {
            ...process.env,
            KAFKA_GROUP_ID: `hardening-${run}-${labels}`,
            PORT: '0',
            LOG_LEVEL: 'fatal',
            METRICS_TOKEN: metricsToken,
            METRICS_TENANT_LABELS: String(labels),
          },
        });
        try {
          await validator.app.get(CostMeterService).record([{ ...event, eventId: randomUUID() }]);
          expect((await scrape(validator)).status).toBe(401);
          return await (await scrape(validator, `Bearer ${metricsToken}`)).text();
        } finally {
          await validator.app.close();
        }
      };
      const plain = await meterOn(false);
      expect(plain).toContain(
        `clinex_llm_tokens_total{engine="llm",model="${model}",kind="input",service="clinex-validator"} 1234`,
      );
      expect(plain).not.toContain(tenant.id);
      expect(plain).not.toMatch(/tenant="/);
      const labelled = await meterOn(true);
      expect(labelled).toContain(`tenant="${tenant.id}"`);
    });
  });

  describe('bind address', () => {
    /** An address of this machine other than loopback, to connect through. */
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

    const reachable = (port: number, host: string) =>
      new Promise<boolean>((resolve) => {
        const socket = connect(port, host);
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });

    it('listens where BIND_ADDRESS says: loopback only for 127.0.0.1, every interface for 0.0.0.0', async () => {
      const loopback = await startService(gatewayService, { env: env({ BIND_ADDRESS: '127.0.0.1' }) });
      try {
        const address = loopback.app.getHttpServer().address() as AddressInfo;
        expect(address.address).toBe('127.0.0.1');
        expect(loopback.url).toBe(`http://127.0.0.1:${address.port}`);
        expect(await reachable(address.port, '127.0.0.1')).toBe(true);
        if (external) expect(await reachable(address.port, external)).toBe(false);
      } finally {
        await loopback.app.close();
      }
      const everywhere = gateway.app.getHttpServer().address() as AddressInfo;
      expect(everywhere.address).toBe('0.0.0.0');
      if (external) expect(await reachable(everywhere.port, external)).toBe(true);
    });
  });
});
