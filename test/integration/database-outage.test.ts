import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applyMigrations } from '../../libs/database/src/index.js';
import { startService, type RunningService } from '../../libs/platform/src/index.js';
import type { GatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { gatewayService } from '../../apps/gateway/src/gateway.service-definition.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../tools/local/embedded-database.js';
import { freePort } from '../support/free-port.js';
import { MIGRATIONS_DIR } from '../support/test-database.js';
import { createTestTenant, type TestTenant } from '../support/tenant-fixture.js';

/**
 * The database goes away under a running gateway (its own embedded server, so stopping it disturbs no other test):
 * clients get 503 DATABASE_UNAVAILABLE with Retry-After, not a 500 to quote to support; once the server is back
 * the same gateway serves again without a restart, and a note retried under its externalId is stored once.
 */
describe('gateway while its database is down', () => {
  let dir: string;
  let port: number;
  let database: EmbeddedDatabase;
  let gateway: RunningService<GatewayConfig>;
  let tenant: TestTenant;

  const post = (externalId: string) =>
    fetch(`${gateway.url}/v1/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.keys.submitter}` },
      body: JSON.stringify({ externalId, text: 'Outage note: metformin 500 mg PO twice daily.' }),
    });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'clinex-outage-'));
    await chmod(dir, 0o755);
    port = await freePort();
    database = await startEmbeddedDatabase(dir, port);
    await applyMigrations(database.url, MIGRATIONS_DIR);
    tenant = await createTestTenant(database.url, 'outage');
    gateway = await startService(gatewayService, {
      env: {
        DATABASE_URL: database.url,
        KAFKA_BROKERS: process.env.KAFKA_BROKERS,
        PORT: '0',
        LOG_LEVEL: 'fatal',
        DOCS_ENABLED: 'false',
      },
    });
  });

  afterAll(async () => {
    await gateway?.app.close();
    await database?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 503 DATABASE_UNAVAILABLE with Retry-After while it is down, and serves again once it is back', async () => {
    const before = await post('outage-before');
    expect(before.status).toBe(202);
    const { id } = (await before.json()) as { id: string };

    await database.stop();
    for (const response of [
      await post('outage-during'),
      await fetch(`${gateway.url}/v1/notes/${id}`, { headers: { authorization: `Bearer ${tenant.keys.submitter}` } }),
    ]) {
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(await response.json()).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE' });
    }

    database = await startEmbeddedDatabase(dir, port);
    // The pool drops its dead connections and connects again: no gateway restart.
    const during = await post('outage-during');
    expect(during.status).toBe(202);
    const again = await post('outage-during');
    expect(again.status).toBe(202);
    expect(((await again.json()) as { id: string }).id).toBe(((await during.json()) as { id: string }).id);
    const status = await fetch(`${gateway.url}/v1/notes/${id}`, {
      headers: { authorization: `Bearer ${tenant.keys.submitter}` },
    });
    expect(status.status).toBe(200);
  });
});
