import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { startService, type RunningService } from '../../libs/platform/src/index.js';
import { gatewayService } from '../../apps/gateway/src/gateway.service-definition.js';
import type { GatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import type { QueueView } from '../../apps/gateway/src/review/review.dto.js';
import { doseMistake, seedReviewItem, type SeededItem } from '../support/review-fixture.js';
import { createTestTenant, type TestTenant } from '../support/tenant-fixture.js';

/**
 * Who may use the review API: reviewers (and admins) of the item's own tenant only. Another tenant's reviewer sees
 * neither the item in the queue nor the item itself, and cannot claim, decide or export it; submitter and finance
 * keys get 403 on every review endpoint, no key gets 401.
 */
describe('review API access (gateway in-process, real PostgreSQL)', () => {
  const databaseUrl = process.env.DATABASE_URL!;
  const db = new pg.Client({ connectionString: databaseUrl });
  let gateway: RunningService<GatewayConfig>;
  let hospital: TestTenant;
  let other: TestTenant;
  let item: SeededItem;
  let othersItem: SeededItem;

  beforeAll(async () => {
    await db.connect();
    hospital = await createTestTenant(databaseUrl, 'review-hospital');
    other = await createTestTenant(databaseUrl, 'review-other');
    item = await seedReviewItem(db, hospital.id, (id) => doseMistake(id));
    othersItem = await seedReviewItem(db, other.id, (id) => doseMistake(id, 'metformin', 850));
    gateway = await startService(gatewayService, {
      env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', LOG_LEVEL: 'fatal', DOCS_ENABLED: 'false' },
    });
  });

  afterAll(async () => {
    await gateway?.app.close();
    await db.end();
  });

  const call = (key: string | null, method: string, path: string, body?: unknown) =>
    fetch(`${gateway.url}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const endpoints = (id: string): [string, string, unknown?][] => [
    ['GET', '/v1/review/queue'],
    ['GET', `/v1/review/items/${id}`],
    ['POST', `/v1/review/items/${id}/claim`, {}],
    ['DELETE', `/v1/review/items/${id}/claim`],
    ['POST', `/v1/review/items/${id}/decision`, { decision: 'accept' }],
    ['GET', '/v1/review/export'],
    ['GET', '/v1/review/export?format=gold'],
  ];

  it('refuses submitter and finance keys (403) and requests without a key (401) on every review endpoint', async () => {
    for (const [method, path, body] of endpoints(item.extractionId)) {
      for (const role of ['submitter', 'finance'] as const) {
        const response = await call(hospital.keys[role], method, path, body);
        expect({ role, method, path, status: response.status }).toEqual({ role, method, path, status: 403 });
        expect(((await response.json()) as { code: string }).code).toBe('FORBIDDEN_ROLE');
      }
      const anonymous = await call(null, method, path, body);
      expect({ method, path, status: anonymous.status }).toEqual({ method, path, status: 401 });
    }
    // Nothing happened to the item.
    const row = await db.query('SELECT status, claimed_by FROM extractions WHERE id = $1', [item.extractionId]);
    expect(row.rows[0]).toEqual({ status: 'needs_review', claimed_by: null });
  });

  it("keeps each tenant's queue, items and exports to its own reviewers", async () => {
    const ours = (await (await call(hospital.keys.reviewer, 'GET', '/v1/review/queue')).json()) as QueueView;
    const theirs = (await (await call(other.keys.reviewer, 'GET', '/v1/review/queue')).json()) as QueueView;
    expect(ours.items.map((i) => i.id)).toEqual([item.extractionId]);
    expect(theirs.items.map((i) => i.id)).toEqual([othersItem.extractionId]);
    expect(ours.facets.flagCode).toEqual([{ value: 'DOSE_VALUE_NOT_IN_TEXT', count: 1 }]);

    // Another tenant's item does not exist for this reviewer: 404 everywhere, as for an unknown id — giving back a
    // claim included (issue 21; on the tenant's own items that stays a no-op 204).
    for (const [method, path, body] of endpoints(item.extractionId).slice(1, 5)) {
      const response = await call(other.keys.reviewer, method, path, body);
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 404 });
      const text = await response.text();
      expect(text).toContain('REVIEW_ITEM_NOT_FOUND');
      expect(text).not.toContain(item.noteText);
    }
    const row = await db.query('SELECT status, claimed_by FROM extractions WHERE id = $1', [item.extractionId]);
    expect(row.rows[0]).toEqual({ status: 'needs_review', claimed_by: null });

    // The hospital's reviewer decides; the other tenant's export stays without it.
    const decided = await call(hospital.keys.reviewer, 'POST', `/v1/review/items/${item.extractionId}/decision`, {
      decision: 'accept',
    });
    expect(decided.status).toBe(200);
    const ourExport = await (await call(hospital.keys.reviewer, 'GET', '/v1/review/export')).text();
    const theirExport = await (await call(other.keys.reviewer, 'GET', '/v1/review/export')).text();
    expect(
      ourExport
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { noteId: string }).noteId),
    ).toEqual([item.noteId]);
    expect(theirExport).toBe('');

    // Admins of the tenant may review too.
    expect((await call(other.keys.admin, 'GET', `/v1/review/items/${othersItem.extractionId}`)).status).toBe(200);
  });
});
