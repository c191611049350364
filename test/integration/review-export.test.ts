import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { runEval } from '../../apps/extractor/src/cli/eval.command.js';
import { startService, type RunningService } from '../../libs/platform/src/index.js';
import { gatewayService } from '../../apps/gateway/src/gateway.service-definition.js';
import type { GatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import type { ClinicalExtraction } from '../../libs/schemas/src/index.js';
import { doseMistake, seedReviewItem, type SeededItem } from '../support/review-fixture.js';
import { createTestTenant, type TestTenant } from '../support/tenant-fixture.js';
import { REPO_ROOT } from '../support/test-database.js';

const SHARED_GOLD = path.resolve(REPO_ROOT, '../shared/data/medication-gold-dev/gold.jsonl');
const ENTRY_KEYS = ['name', 'dose', 'dose_value', 'dose_unit', 'frequency', 'route', 'status'];

interface Scores {
  scores: Record<'name' | 'dose' | 'frequency' | 'route', { tp: number; fp: number; fn: number; f1: number }>;
}

/**
 * The export of reviewed extractions: a corrected extraction exported in the gold format is gold for `clinex eval`
 * (the contract export of the same decisions scores 1.0 against it; the engine's uncorrected output does not), and
 * the export streams every decision once across its database batches.
 */
describe('review export (gateway in-process, real PostgreSQL, clinex eval)', () => {
  const databaseUrl = process.env.DATABASE_URL!;
  const db = new pg.Client({ connectionString: databaseUrl });
  const dir = mkdtempSync(path.join(tmpdir(), 'clinex-review-export-'));
  let gateway: RunningService<GatewayConfig>;
  let tenant: TestTenant;

  beforeAll(async () => {
    await db.connect();
    gateway = await startService(gatewayService, {
      env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', LOG_LEVEL: 'fatal', DOCS_ENABLED: 'false' },
    });
  });

  afterAll(async () => {
    await gateway?.app.close();
    await db.end();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (pathAndQuery: string) =>
    fetch(`${gateway.url}${pathAndQuery}`, { headers: { authorization: `Bearer ${tenant.keys.reviewer}` } });
  const decide = (id: string, body: unknown) =>
    fetch(`${gateway.url}/v1/review/items/${id}/decision`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.keys.reviewer}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const file = (name: string, content: string) => {
    const full = path.join(dir, name);
    writeFileSync(full, content);
    return full;
  };
  async function evaluate(gold: string, pred: string): Promise<Scores> {
    const scores = path.join(dir, `scores-${randomUUID()}.json`);
    // runEval prints its table to stdout; the scores are read from --json.
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = () => true;
    try {
      expect(await runEval(['--gold', gold, '--pred', pred, '--json', scores])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    return JSON.parse(readFileSync(scores, 'utf8')) as Scores;
  }

  it('round-trips a corrected extraction through clinex eval as gold', async () => {
    tenant = await createTestTenant(databaseUrl, 'review-export');
    const corrected = await seedReviewItem(db, tenant.id, (id) => doseMistake(id, 'metformin', 500));
    const accepted: SeededItem = await seedReviewItem(db, tenant.id, (id) => {
      const base = doseMistake(id, 'lisinopril', 10, 0.8);
      base.extraction.medications[0]!.dose!.value = 10;
      base.extraction.medications[0]!.status = 'current';
      return { ...base, flags: [{ code: 'DOSE_CONFLICT', severity: 'warning', message: 'm', path: '/medications/0' }] };
    });
    const rejected = await seedReviewItem(db, tenant.id, (id) => doseMistake(id, 'warfarin', 5));
    expect(
      (
        await decide(corrected.extractionId, {
          decision: 'correct',
          changes: [{ op: 'replace', path: '/medications/0/dose/value', value: 500 }],
        })
      ).status,
    ).toBe(200);
    expect((await decide(accepted.extractionId, { decision: 'accept' })).status).toBe(200);
    expect((await decide(rejected.extractionId, { decision: 'reject' })).status).toBe(200);

    const goldResponse = await get('/v1/review/export?format=gold');
    expect(goldResponse.status).toBe(200);
    expect(goldResponse.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const goldText = await goldResponse.text();
    const contractText = await (await get('/v1/review/export')).text();
    const goldLines = goldText
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; medications: Record<string, unknown>[] });
    const contractLines = contractText
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ClinicalExtraction);

    // Reviewed and kept: the correction and the acceptance, in decision order; never the rejection.
    expect(goldLines.map((l) => l.id)).toEqual([corrected.noteId, accepted.noteId]);
    expect(contractLines.map((l) => l.noteId)).toEqual([corrected.noteId, accepted.noteId]);
    expect(contractLines[0]!.medications[0]!.dose!.value).toBe(500);
    expect(goldLines[0]!.medications[0]).toEqual({
      name: { text: 'metformin', start: 8, end: 17 },
      dose: { text: '500 mg', start: 18, end: 24 },
      dose_value: 500,
      dose_unit: 'mg',
      frequency: { text: 'twice daily', start: 28, end: 39 },
      route: { text: 'PO', start: 25, end: 27 },
      status: 'new',
    });
    expect(
      (await (await get('/v1/review/export?format=gold&decision=correct')).text()).trim().split('\n'),
    ).toHaveLength(1);

    // The gold lines have the shape of the shared medication gold set, and every span is exact.
    const notes = new Map([corrected, accepted].map((i) => [i.noteId, i.noteText]));
    for (const line of goldLines) {
      expect(Object.keys(line)).toEqual(['id', 'medications']);
      for (const entry of line.medications) {
        expect(Object.keys(entry)).toEqual(ENTRY_KEYS);
        for (const key of ['name', 'dose', 'frequency', 'route']) {
          const span = entry[key] as { text: string; start: number; end: number } | null;
          if (span === null) continue;
          expect(Object.keys(span)).toEqual(['text', 'start', 'end']);
          expect(notes.get(line.id)!.slice(span.start, span.end)).toBe(span.text);
        }
      }
    }
    if (existsSync(SHARED_GOLD)) {
      const [first] = readFileSync(SHARED_GOLD, 'utf8').split('\n');
      const shared = JSON.parse(first!) as { medications: Record<string, unknown>[] };
      expect(Object.keys(shared)).toEqual(Object.keys(goldLines[0]!));
      const sharedEntry = shared.medications.find((m) => m['dose'] !== null)!;
      expect(Object.keys(sharedEntry).filter((k) => k !== 'comment')).toEqual(ENTRY_KEYS);
      expect(Object.keys(sharedEntry['name'] as object)).toEqual(['text', 'start', 'end']);
    }

    // clinex eval: the contract export scores perfectly against the gold export of the same decisions...
    const gold = file('gold.jsonl', goldText);
    const perfect = await evaluate(gold, file('contract.jsonl', contractText));
    for (const metric of ['name', 'dose', 'frequency', 'route'] as const) {
      expect(perfect.scores[metric]).toMatchObject({ tp: 2, fp: 0, fn: 0, f1: 1 });
    }
    // ...and the engine's own output, before the correction, misses exactly the corrected dose.
    const engineOutput = [corrected.extraction, accepted.extraction].map((e) => JSON.stringify(e)).join('\n');
    const engine = await evaluate(gold, file('engine.jsonl', `${engineOutput}\n`));
    expect(engine.scores.name).toMatchObject({ tp: 2, fp: 0, fn: 0 });
    expect(engine.scores.dose).toMatchObject({ tp: 1, fp: 1, fn: 1 });
    // The gold export is also valid as predictions (eval reads both formats).
    expect((await evaluate(gold, gold)).scores.dose.f1).toBe(1);
  });

  it('streams every reviewed extraction exactly once across database batches', async () => {
    tenant = await createTestTenant(databaseUrl, 'review-export-many');
    const item = await seedReviewItem(db, tenant.id, (id) => doseMistake(id));
    const payload = { ...item.extraction, medications: [] };
    // 450 accepted extractions decided in the same millisecond: the keyset must break ties by decision id.
    const decidedAt = new Date();
    const ids: string[] = [];
    for (let i = 0; i < 450; i++) {
      const noteId = randomUUID();
      const extractionId = randomUUID();
      ids.push(noteId);
      await db.query(
        `INSERT INTO notes (id, tenant_id, external_id, text, requested_engine, status) VALUES ($1, $2, $3, 'x', 'none', 'accepted')`,
        [noteId, tenant.id, `bulk-${i}`],
      );
      await db.query(
        `INSERT INTO extractions (id, tenant_id, note_id, engine_name, engine_model, engine_version, status, payload)
         VALUES ($1, $2, $3, 'none', 'none', '1', 'accepted', $4)`,
        [extractionId, tenant.id, noteId, JSON.stringify({ ...payload, noteId })],
      );
      await db.query(
        `INSERT INTO review_decisions (id, tenant_id, extraction_id, reviewer_key, decision, before, after, created_at)
         VALUES ($1, $2, $3, 'k', 'accept', '{}', '{}', $4)`,
        [randomUUID(), tenant.id, extractionId, decidedAt],
      );
    }
    const text = await (await get('/v1/review/export')).text();
    const exported = text
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as ClinicalExtraction).noteId);
    expect(exported).toHaveLength(450);
    expect(new Set(exported)).toEqual(new Set(ids));
  });
});
