// Response bodies are read as parsed JSON (untyped) and checked field by field with expect(); the test lint profile allows that.

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { startService, type RunningService } from '../../libs/platform/src/index.js';
import { gatewayService } from '../../apps/gateway/src/gateway.service-definition.js';
import type { GatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { BudgetAlertService } from '../../apps/gateway/src/finance/budget-alerts.service.js';
import { FinanceRepository } from '../../apps/gateway/src/finance/finance.repository.js';
import { createTestTenant, type TestTenant } from '../support/tenant-fixture.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * The SSRF guard on finance alert webhooks, through the real gateway (in-process) and real PostgreSQL: with the
 * default configuration a finance key cannot point the gateway at its own host, the hospital's network or the cloud
 * metadata service, however the address is spelled; a stored destination that is forbidden now is not called at
 * delivery, and the alert says why; the same delivery goes out once the operator allows that receiver.
 */
describe('webhook destinations', () => {
  const databaseUrl = process.env.DATABASE_URL!;
  const db = new pg.Client({ connectionString: databaseUrl });
  const run = randomUUID().slice(0, 8);
  const started: RunningService<GatewayConfig>[] = [];
  let gateway: RunningService<GatewayConfig>;
  let tenant: TestTenant;
  let other: TestTenant;
  let receiver: WebhookReceiver<{ tenantId: string; message: string }>;

  const startGateway = async (env: Record<string, string>) => {
    const service = await startService(gatewayService, {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        PORT: '0',
        LOG_LEVEL: 'error',
        DOCS_ENABLED: 'false',
        // Sweeps run by hand only.
        FINANCE_ALERT_INTERVAL_MS: '3600000',
        ...env,
      },
    });
    started.push(service);
    return service;
  };

  const setWebhook = async (key: string, tenantId: string, url: string | null) => {
    const response = await fetch(`${gateway.url}/v1/finance/webhooks/${tenantId}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };

  const storedUrl = async (tenantId: string) =>
    (await db.query('SELECT alert_webhook_url FROM tenants WHERE id = $1', [tenantId])).rows[0].alert_webhook_url;

  beforeAll(async () => {
    await db.connect();
    [tenant, other] = await Promise.all([
      createTestTenant(databaseUrl, 'hook-guard'),
      createTestTenant(databaseUrl, 'hook-other'),
    ]);
    receiver = await startWebhookReceiver('/alerts');
    // The receiver's port is allowed, so what is refused below is the address, not the port.
    gateway = await startGateway({ WEBHOOK_ALLOWED_PRIVATE_CIDRS: '', WEBHOOK_ALLOWED_PORTS: String(receiver.port) });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(started.map((s) => s.app.close()));
    await receiver?.close();
    await db.end();
  });

  it('accepts a public address, and a name that does not resolve yet (each delivery checks it again)', async () => {
    expect((await setWebhook(tenant.keys.finance, tenant.id, 'https://93.184.215.14/clinex')).status).toBe(204);
    expect(await storedUrl(tenant.id)).toBe('https://93.184.215.14/clinex');
    // .test names never resolve (RFC 2606).
    const unpublished = `https://hooks-${run}.example.test/clinex`;
    expect((await setWebhook(tenant.keys.finance, tenant.id, unpublished)).status).toBe(204);
    expect(await storedUrl(tenant.id)).toBe(unpublished);
  });

  it.each([
    ['the receiver on the gateway host', () => receiver.url, '127.0.0.1 is a loopback address'],
    ['localhost', () => 'http://localhost/hook', 'localhost is the local host'],
    ['127.0.0.1 in decimal', () => 'http://2130706433/', '127.0.0.1 is a loopback address'],
    ['127.0.0.1 in hex', () => 'http://0x7f.1/', '127.0.0.1 is a loopback address'],
    ['127.0.0.1 in octal', () => 'http://0177.0.0.01/', '127.0.0.1 is a loopback address'],
    ['IPv4-mapped IPv6 loopback', () => 'http://[::ffff:127.0.0.1]/', '127.0.0.1 is a loopback address'],
    ['IPv6 loopback', () => 'http://[::1]/', '::1 is a loopback address'],
    ['the unspecified address', () => 'http://0.0.0.0/', '0.0.0.0 is an unspecified address'],
    ['an RFC 1918 address', () => 'http://10.0.12.7/ehr', '10.0.12.7 is a private network address'],
    ['a unique-local address', () => 'https://[fd12::7]/', 'fd12::7 is a private network address'],
    ['cloud metadata', () => 'http://169.254.169.254/latest/meta-data/', '169.254.169.254 is a link-local'],
    ['an IPv6 link-local address', () => 'http://[fe80::1]/', 'fe80::1 is a link-local address'],
    ['a CGNAT address', () => 'http://100.100.100.200/', '100.100.100.200 is a shared (CGNAT) network address'],
    ['a multicast address', () => 'http://239.1.1.1/', '239.1.1.1 is a multicast address'],
    ['credentials in the URL', () => 'https://clinex:secret@hooks.example.com/', 'credentials in the URL'],
    ['a port not allowed', () => 'https://hooks.example.com:8443/', 'port 8443 is not allowed'],
  ])('refuses %s with 400 WEBHOOK_DESTINATION_FORBIDDEN and keeps the stored URL', async (_what, url, reason) => {
    const before = await storedUrl(tenant.id);
    const { status, body } = await setWebhook(tenant.keys.finance, tenant.id, url());
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: 'WEBHOOK_DESTINATION_FORBIDDEN', field: '/url', status: 400 });
    expect(body.detail).toContain(reason);
    expect(await storedUrl(tenant.id)).toBe(before);
  });

  it('refuses other schemes in the request schema, and still answers 403 before looking at the URL', async () => {
    const ftp = await setWebhook(tenant.keys.finance, tenant.id, 'ftp://hooks.example.com/');
    expect(ftp.status).toBe(400);
    expect(ftp.body).toMatchObject({ code: 'VALIDATION_FAILED', field: '/url' });
    // Another tenant's finance key learns nothing about the URL check.
    const foreign = await setWebhook(other.keys.finance, tenant.id, 'http://127.0.0.1/');
    expect(foreign.status).toBe(403);
    // Nor does another tenant's admin (a tenant's admin is no operator, issue 21); the tenant's own admin may set
    // the webhook, but not to a forbidden destination either.
    const foreignAdmin = await setWebhook(other.keys.admin, tenant.id, 'http://192.168.0.1/');
    expect([foreignAdmin.status, foreignAdmin.body.code]).toEqual([403, 'TENANT_FORBIDDEN']);
    const admin = await setWebhook(tenant.keys.admin, tenant.id, 'http://192.168.0.1/');
    expect(admin.status).toBe(400);
    expect(admin.body.code).toBe('WEBHOOK_DESTINATION_FORBIDDEN');
    expect((await setWebhook(tenant.keys.finance, tenant.id, null)).status).toBe(204);
  });

  it('does not deliver to a stored destination that is forbidden now, records why, and delivers once allowed', async () => {
    // As a URL stored before the guard existed, or a name that has since turned inward, would be.
    await db.query('UPDATE tenants SET alert_webhook_url = $2 WHERE id = $1', [tenant.id, receiver.url]);
    const raised = await gateway.app.get(FinanceRepository).raiseAlert({
      tenantId: tenant.id,
      dedupeKey: `guard:${run}`,
      kind: 'soft_limit',
      month: new Date().toISOString().slice(0, 7),
      thresholdPercent: null,
      spendUsd: '1',
      limitUsd: '0.5',
      message: `guard test ${run}`,
    });
    expect(raised).toBe(true);
    const mine = async (service: RunningService<GatewayConfig>) => {
      const response = await fetch(`${service.url}/v1/finance/alerts`, {
        headers: { authorization: `Bearer ${tenant.keys.finance}` },
      });
      const list = (await response.json()) as {
        message: string;
        deliveredAt: string | null;
        deliveryAttempts: number;
        lastError: string | null;
      }[];
      return list.find((a) => a.message === `guard test ${run}`)!;
    };
    // A sweep claims at most 20 alerts, oldest first, and other test files' tenants may have some pending.
    const sweepUntil = async (
      service: RunningService<GatewayConfig>,
      done: (a: Awaited<ReturnType<typeof mine>>) => boolean,
    ) => {
      for (let i = 0; i < 10 && !done(await mine(service)); i++) await service.app.get(BudgetAlertService).sweep();
      return mine(service);
    };

    const refused = await sweepUntil(gateway, (a) => a.deliveryAttempts > 0);
    expect(refused).toMatchObject({
      deliveredAt: null,
      deliveryAttempts: 1,
      lastError: 'WEBHOOK_DESTINATION_FORBIDDEN: 127.0.0.1 is a loopback address',
    });
    expect(receiver.received.filter((r) => r.tenantId === tenant.id)).toEqual([]);

    // The control: a gateway whose operator allows this receiver delivers the same alert (after the claim lease).
    const allowing = await startGateway({
      WEBHOOK_ALLOWED_PRIVATE_CIDRS: '127.0.0.1/32',
      WEBHOOK_ALLOWED_PORTS: String(receiver.port),
    });
    await db.query('UPDATE budget_alerts SET last_attempt_at = NULL WHERE tenant_id = $1', [tenant.id]);
    const delivered = await sweepUntil(allowing, (a) => a.deliveredAt !== null);
    expect(receiver.received.filter((r) => r.tenantId === tenant.id).map((r) => r.message)).toEqual([
      `guard test ${run}`,
    ]);
    expect(delivered).toMatchObject({ deliveryAttempts: 2, lastError: null, deliveredAt: expect.any(String) });
  }, 60_000);
});
