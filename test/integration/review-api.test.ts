import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { startService, type RunningService } from '../../libs/platform/src/index.js';
import { gatewayService } from '../../apps/gateway/src/gateway.service-definition.js';
import type { GatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import type { QueueView } from '../../apps/gateway/src/review/review.dto.js';
import {
  addApiKey,
  apiKeyRowId,
  doseMistake,
  seedReviewItem,
  spanIn,
  type SeedFlag,
} from '../support/review-fixture.js';
import { createTestTenant } from '../support/tenant-fixture.js';
import { emptyExtraction } from '../../libs/schemas/src/index.js';

/**
 * The review API against the real database through a gateway started in-process: queue order, counts and filters,
 * claims under concurrency and expiry, and decisions that write everything in one transaction. Items are inserted
 * directly in the validator's shape (see review-fixture.ts) so each test controls exact states.
 */
describe('review API (gateway in-process, real PostgreSQL)', () => {
  const databaseUrl = process.env.DATABASE_URL!;
  const db = new pg.Client({ connectionString: databaseUrl });
  let gateway: RunningService<GatewayConfig>;

  beforeAll(async () => {
    await db.connect();
    gateway = await startService(gatewayService, {
      env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', LOG_LEVEL: 'fatal', DOCS_ENABLED: 'false' },
    });
  });

  afterAll(async () => {
    await gateway?.app.close();
    await db.end();
  });

  const request = (key: string, method: string, path: string, body?: unknown) =>
    fetch(`${gateway.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const json = async <T>(response: Response): Promise<T> => (await response.json()) as T;
  const queue = async (key: string, query = '') =>
    json<QueueView>(await request(key, 'GET', `/v1/review/queue${query}`));
  const claim = (key: string, id: string) => request(key, 'POST', `/v1/review/items/${id}/claim`, {});
  const decide = (key: string, id: string, body: unknown) =>
    request(key, 'POST', `/v1/review/items/${id}/decision`, body);

  const warningOnly = (noteId: string) => {
    const base = doseMistake(noteId, 'lisinopril', 10, 0.1);
    base.extraction.medications[0]!.dose!.value = 10;
    const flags: SeedFlag[] = [
      {
        code: 'DOSE_ABOVE_RANGE',
        severity: 'warning',
        message: 'dose is above the usual range',
        path: '/medications/0/dose',
      },
    ];
    return { ...base, flags };
  };

  it('lists the tenant queue by worst flag, then lowest confidence, then age, with counts, facets and filters', async () => {
    const tenant = await createTestTenant(databaseUrl, 'review-queue');
    const t0 = Date.now() - 3_600_000;
    const at = (minutes: number) => ({ createdAt: new Date(t0 + minutes * 60_000) });
    const a = await seedReviewItem(db, tenant.id, (id) => doseMistake(id, 'metformin', 500, 0.9), at(0));
    const b = await seedReviewItem(db, tenant.id, (id) => doseMistake(id, 'metformin', 850, 0.5), at(20));
    const c = await seedReviewItem(db, tenant.id, warningOnly, {
      ...at(5),
      engine: { name: 'llm', model: 'gpt-test', version: 'prompt-v2' },
    });
    const d = await seedReviewItem(db, tenant.id, (id) => doseMistake(id, 'metformin', 1000, 0.5), at(10));

    const all = await queue(tenant.keys.reviewer);
    expect(all.items.map((i) => i.id)).toEqual([d.extractionId, b.extractionId, a.extractionId, c.extractionId]);
    expect(all).toMatchObject({
      total: 4,
      queueSize: 4,
      claimedByOthers: 0,
      bySeverity: { error: 3, warning: 1, info: 0 },
    });
    expect(all.items[0]).toMatchObject({
      externalId: d.externalId,
      severity: 'error',
      minConfidence: 0.5,
      flagCount: 1,
      flagCodes: ['DOSE_VALUE_NOT_IN_TEXT'],
      engine: { name: 'bert-ner', version: '2026.11.1', promptVariant: null },
      claim: null,
    });
    expect(all.facets.flagCode).toEqual([
      { value: 'DOSE_VALUE_NOT_IN_TEXT', count: 3 },
      { value: 'DOSE_ABOVE_RANGE', count: 1 },
    ]);
    expect(all.facets.engine).toEqual([
      { value: 'bert-ner', count: 3 },
      { value: 'llm', count: 1 },
    ]);

    const byFlag = await queue(tenant.keys.reviewer, '?flagCode=DOSE_ABOVE_RANGE');
    expect(byFlag.items.map((i) => i.id)).toEqual([c.extractionId]);
    expect(byFlag).toMatchObject({ total: 1, queueSize: 4, bySeverity: { error: 0, warning: 1 } });
    expect((await queue(tenant.keys.reviewer, '?engine=llm&version=prompt-v2')).items.map((i) => i.id)).toEqual([
      c.extractionId,
    ]);
    expect((await queue(tenant.keys.reviewer, '?version=2026.11.1')).total).toBe(3);
    const window = `?from=${encodeURIComponent(new Date(t0 + 4 * 60_000).toISOString())}&to=${encodeURIComponent(
      new Date(t0 + 15 * 60_000).toISOString(),
    )}`;
    expect((await queue(tenant.keys.reviewer, window)).items.map((i) => i.id)).toEqual([
      d.extractionId,
      c.extractionId,
    ]);
    const paged = await queue(tenant.keys.reviewer, '?limit=2&offset=1');
    expect(paged.items.map((i) => i.id)).toEqual([b.extractionId, a.extractionId]);
    expect(paged.total).toBe(4);

    const bad = await request(tenant.keys.reviewer, 'GET', '/v1/review/queue?limit=abc&colour=red');
    expect(bad.status).toBe(400);
  });

  it('lets exactly one of two reviewers claim an item when they race for it', async () => {
    const tenant = await createTestTenant(databaseUrl, 'review-race');
    const second = await addApiKey(db, tenant.id, 'reviewer');
    const firstId = await apiKeyRowId(db, tenant.keys.reviewer);
    const items = [];
    for (let i = 0; i < 5; i++) items.push(await seedReviewItem(db, tenant.id, (id) => doseMistake(id)));
    for (const item of items) {
      const keys = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? tenant.keys.reviewer : second.key));
      const responses = await Promise.all(keys.map((key) => claim(key, item.extractionId)));
      const winners = new Set(keys.filter((_, i) => responses[i]!.status === 200));
      expect(winners.size).toBe(1);
      const losers = responses.filter((r) => r.status !== 200);
      expect(losers).toHaveLength(5);
      for (const loser of losers) {
        expect(loser.status).toBe(409);
        expect(await json<{ code: string }>(loser)).toMatchObject({ code: 'REVIEW_ITEM_CLAIMED' });
      }
      const [winner] = [...winners];
      const { rows } = await db.query('SELECT claimed_by FROM extractions WHERE id = $1', [item.extractionId]);
      expect(rows[0].claimed_by).toBe(winner === second.key ? second.id : firstId);
    }
    // One audit row per item: renewals by the holder are not new claims.
    const audits = await db.query<{ entity_id: string }>(
      `SELECT entity_id FROM audit_log WHERE tenant_id = $1 AND action = 'review.claim'`,
      [tenant.id],
    );
    expect(audits.rows.map((r) => r.entity_id).sort()).toEqual(items.map((i) => i.extractionId).sort());
  });

  it('lets a claim lapse, refuses decisions from anyone but the holder, and releases on request', async () => {
    const tenant = await createTestTenant(databaseUrl, 'review-claim');
    const second = await addApiKey(db, tenant.id, 'reviewer');
    const item = await seedReviewItem(db, tenant.id, (id) => doseMistake(id));

    const first = await claim(tenant.keys.reviewer, item.extractionId);
    expect(first.status).toBe(200);
    expect(await json(first)).toMatchObject({ id: item.extractionId, claim: { mine: true } });
    expect((await queue(second.key)).claimedByOthers).toBe(1);
    expect((await queue(second.key)).items[0]!.claim).toMatchObject({ mine: false });

    const refused = await decide(second.key, item.extractionId, { decision: 'accept' });
    expect(refused.status).toBe(409);
    expect(await json(refused)).toMatchObject({ code: 'REVIEW_ITEM_CLAIMED' });

    // The holder walks away: once the claim has expired the other reviewer can take it.
    await db.query(`UPDATE extractions SET claim_expires_at = now() - interval '1 second' WHERE id = $1`, [
      item.extractionId,
    ]);
    expect((await claim(second.key, item.extractionId)).status).toBe(200);
    expect((await claim(tenant.keys.reviewer, item.extractionId)).status).toBe(409);

    expect((await request(second.key, 'DELETE', `/v1/review/items/${item.extractionId}/claim`)).status).toBe(204);
    expect((await claim(tenant.keys.reviewer, item.extractionId)).status).toBe(200);
    const tooShort = await request(tenant.keys.reviewer, 'POST', `/v1/review/items/${item.extractionId}/claim`, {
      ttlSeconds: 1,
    });
    expect(tooShort.status).toBe(400);
  });

  it('writes a correction to the extraction, its medication rows, the note, the decision and the audit log', async () => {
    const tenant = await createTestTenant(databaseUrl, 'review-decide');
    const reviewerId = await apiKeyRowId(db, tenant.keys.reviewer);
    const item = await seedReviewItem(db, tenant.id, (id) => doseMistake(id));
    expect((await claim(tenant.keys.reviewer, item.extractionId)).status).toBe(200);

    const detail = await json<{ noteText: string; flags: SeedFlag[]; extraction: unknown }>(
      await request(tenant.keys.reviewer, 'GET', `/v1/review/items/${item.extractionId}`),
    );
    expect(detail.noteText).toBe(item.noteText);
    expect(detail.flags).toEqual([
      expect.objectContaining({ code: 'DOSE_VALUE_NOT_IN_TEXT', path: '/medications/0/dose/value' }),
    ]);
    expect(detail.extraction).toEqual(item.extraction);

    const invalid = await decide(tenant.keys.reviewer, item.extractionId, {
      decision: 'correct',
      changes: [{ op: 'replace', path: '/medications/0/dose/value', value: -5 }],
    });
    expect(invalid.status).toBe(422);
    expect(await json(invalid)).toMatchObject({
      code: 'CORRECTION_INVALID',
      field: expect.stringMatching(/^\/medications\/0\/dose/),
    });

    const contradicts = await decide(tenant.keys.reviewer, item.extractionId, {
      decision: 'correct',
      changes: [{ op: 'replace', path: '/medications/0/dose/value', value: 50 }],
    });
    expect(contradicts.status).toBe(422);
    expect(await json(contradicts)).toMatchObject({
      code: 'CORRECTION_INCONSISTENT',
      field: '/medications/0/dose/value',
    });

    const protectedField = await decide(tenant.keys.reviewer, item.extractionId, {
      decision: 'correct',
      changes: [{ op: 'replace', path: '/engine/version', value: 'x' }],
    });
    expect(protectedField.status).toBe(422);
    expect(
      (await db.query('SELECT 1 FROM review_decisions WHERE extraction_id = $1', [item.extractionId])).rowCount,
    ).toBe(0);

    const corrected = await decide(tenant.keys.reviewer, item.extractionId, {
      decision: 'correct',
      changes: [{ op: 'replace', path: '/medications/0/dose/value', value: 500 }],
      comment: 'dose read as 5000',
    });
    expect(corrected.status).toBe(200);
    const result = await json<{ decisionId: string }>(corrected);
    expect(result).toMatchObject({
      extractionId: item.extractionId,
      decision: 'correct',
      status: 'accepted',
      noteStatus: 'accepted',
    });

    const extraction = await db.query('SELECT status, payload, claimed_by FROM extractions WHERE id = $1', [
      item.extractionId,
    ]);
    expect(extraction.rows[0]).toMatchObject({ status: 'accepted', claimed_by: null });
    expect(extraction.rows[0].payload.medications[0].dose.value).toBe(500);
    const meds = await db.query(
      'SELECT name, dose_value::float AS dose FROM extraction_medications WHERE extraction_id = $1',
      [item.extractionId],
    );
    expect(meds.rows).toEqual([{ name: 'metformin', dose: 500 }]);
    expect((await db.query('SELECT status FROM notes WHERE id = $1', [item.noteId])).rows[0].status).toBe('accepted');

    const decisions = await db.query('SELECT * FROM review_decisions WHERE extraction_id = $1', [item.extractionId]);
    expect(decisions.rows).toHaveLength(1);
    expect(decisions.rows[0]).toMatchObject({
      id: result.decisionId,
      reviewer_key: reviewerId,
      decision: 'correct',
      comment: 'dose read as 5000',
    });
    expect(decisions.rows[0].before.payload.medications[0].dose.value).toBe(5000);
    expect(decisions.rows[0].after.payload.medications[0].dose.value).toBe(500);

    const audit = await db.query(`SELECT * FROM audit_log WHERE entity_id = $1 AND action = 'review.correct'`, [
      item.extractionId,
    ]);
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]).toMatchObject({ tenant_id: tenant.id, actor: reviewerId, entity_type: 'extraction' });
    expect(audit.rows[0].created_at).toBeInstanceOf(Date);
    expect(audit.rows[0].data).toMatchObject({
      decisionId: result.decisionId,
      noteId: item.noteId,
      engine: { name: 'bert-ner', model: 'clinex-ner-test', version: '2026.11.1', promptVariant: null },
      changes: [{ op: 'replace', path: '/medications/0/dose/value', value: 500 }],
      before: { status: 'needs_review' },
      after: { status: 'accepted' },
    });

    const again = await decide(tenant.keys.reviewer, item.extractionId, { decision: 'reject' });
    expect(again.status).toBe(409);
    expect(await json(again)).toMatchObject({ code: 'REVIEW_ITEM_NOT_PENDING' });
    expect((await queue(tenant.keys.reviewer)).total).toBe(0);
  });

  it('rejects without a claim, keeping the values for the record but dropping the medication rows', async () => {
    const tenant = await createTestTenant(databaseUrl, 'review-reject');
    const item = await seedReviewItem(db, tenant.id, (id) => doseMistake(id));
    const rejected = await decide(tenant.keys.admin, item.extractionId, {
      decision: 'reject',
      comment: 'wrong patient',
    });
    expect(rejected.status).toBe(200);
    const row = await db.query('SELECT status, payload FROM extractions WHERE id = $1', [item.extractionId]);
    expect(row.rows[0].status).toBe('rejected');
    expect(row.rows[0].payload).toEqual(item.extraction);
    expect(
      (await db.query('SELECT 1 FROM extraction_medications WHERE extraction_id = $1', [item.extractionId])).rowCount,
    ).toBe(0);
    expect((await db.query('SELECT status FROM notes WHERE id = $1', [item.noteId])).rows[0].status).toBe('rejected');
  });

  it('writes nothing when any part of a decision fails (one transaction)', async () => {
    const tenant = await createTestTenant(databaseUrl, 'review-atomic');
    const item = await seedReviewItem(db, tenant.id, (id) => doseMistake(id));
    // A real failure inside PostgreSQL at the last-but-one write: the audit row for this extraction.
    await db.query(`CREATE OR REPLACE FUNCTION review_test_fail_audit() RETURNS trigger AS $$
      BEGIN IF NEW.entity_id = '${item.extractionId}' THEN RAISE EXCEPTION 'injected audit failure'; END IF; RETURN NEW; END
      $$ LANGUAGE plpgsql`);
    await db.query(`CREATE TRIGGER review_test_fail_audit BEFORE INSERT ON audit_log
      FOR EACH ROW EXECUTE FUNCTION review_test_fail_audit()`);
    try {
      const response = await decide(tenant.keys.reviewer, item.extractionId, {
        decision: 'correct',
        changes: [{ op: 'replace', path: '/medications/0/dose/value', value: 500 }],
      });
      expect(response.status).toBe(500);
    } finally {
      await db.query('DROP TRIGGER review_test_fail_audit ON audit_log');
      await db.query('DROP FUNCTION review_test_fail_audit()');
    }
    const row = await db.query('SELECT status, payload FROM extractions WHERE id = $1', [item.extractionId]);
    expect(row.rows[0].status).toBe('needs_review');
    expect(row.rows[0].payload.medications[0].dose.value).toBe(5000);
    const meds = await db.query(
      'SELECT dose_value::float AS dose FROM extraction_medications WHERE extraction_id = $1',
      [item.extractionId],
    );
    expect(meds.rows).toEqual([{ dose: 5000 }]);
    expect(
      (await db.query('SELECT 1 FROM review_decisions WHERE extraction_id = $1', [item.extractionId])).rowCount,
    ).toBe(0);
    expect((await db.query('SELECT status FROM notes WHERE id = $1', [item.noteId])).rows[0].status).toBe(
      'needs_review',
    );
  });

  it('accepts a correction that adds, edits and removes entries when they stay grounded', async () => {
    const tenant = await createTestTenant(databaseUrl, 'review-edit');
    const item = await seedReviewItem(db, tenant.id, (noteId) => {
      const noteText = 'Takes aspirin 81 mg daily and atorvastatin 40 mg at bedtime. Hypertension.';
      const at = (t: string) => spanIn(noteText, t);
      return {
        noteText,
        flags: [
          {
            code: 'DUPLICATE_MEDICATION',
            severity: 'warning',
            message: 'the same mention twice',
            path: '/medications/1',
          },
        ],
        extraction: {
          ...emptyExtraction(noteId, { name: 'llm', model: 'm', version: '1' }),
          medications: [
            {
              name: { text: 'aspirin', span: at('aspirin') },
              dose: { text: '81 mg', span: at('81 mg'), value: 81, unit: 'mg' },
              frequency: { text: 'daily', span: at('daily'), code: 'QD', timesPerDay: 1, asNeeded: false },
              route: null,
              status: 'current',
              confidence: 0.9,
            },
            {
              name: { text: 'aspirin', span: at('aspirin') },
              dose: null,
              frequency: null,
              route: null,
              status: 'current',
              confidence: 0.4,
            },
          ],
        },
      };
    });
    const note = item.noteText;
    const response = await decide(tenant.keys.reviewer, item.extractionId, {
      decision: 'correct',
      changes: [
        {
          op: 'add',
          path: '/medications/-',
          value: {
            name: { text: 'atorvastatin', span: spanIn(note, 'atorvastatin') },
            dose: { text: '40 mg', span: spanIn(note, '40 mg'), value: 40, unit: 'mg' },
            frequency: {
              text: 'at bedtime',
              span: spanIn(note, 'at bedtime'),
              code: 'QHS',
              timesPerDay: 1,
              asNeeded: false,
            },
            route: null,
            status: 'current',
            confidence: 1,
          },
        },
        { op: 'remove', path: '/medications/1' },
        {
          op: 'add',
          path: '/diagnoses/-',
          value: { text: 'Hypertension', span: spanIn(note, 'Hypertension'), negated: false },
        },
      ],
    });
    expect(response.status).toBe(200);
    const meds = await db.query(
      'SELECT position, name, dose_value::float AS dose, frequency_code FROM extraction_medications WHERE extraction_id = $1 ORDER BY position',
      [item.extractionId],
    );
    expect(meds.rows).toEqual([
      { position: 0, name: 'aspirin', dose: 81, frequency_code: 'QD' },
      { position: 1, name: 'atorvastatin', dose: 40, frequency_code: 'QHS' },
    ]);
  });
});
