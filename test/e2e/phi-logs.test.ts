import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { startServiceProcess, waitFor, type ServiceProcess } from '../support/service-process.js';
import { REPO_ROOT } from '../support/test-database.js';
import { createTestTenant, type TestTenant } from '../support/tenant-fixture.js';

/**
 * PHI never reaches a log: real clinical notes (MTSamples, from ../shared) go through the three services at debug
 * level with every log line captured; no run of six consecutive words from any note, and no extracted value, may
 * appear in any line.
 */
const NOTE_COUNT = 60;
const ENGINE = process.env.PHI_TEST_ENGINE ?? 'bert-ner';

interface Sample {
  id: string;
  text: string;
}

const words = (text: string) => text.toLowerCase().match(/[a-z0-9]+/g) ?? [];

function shingles(text: string, size = 6): Set<string> {
  const w = words(text);
  const out = new Set<string>();
  for (let i = 0; i + size <= w.length; i++) out.add(w.slice(i, i + size).join(' '));
  return out;
}

describe(`PHI in logs: ${NOTE_COUNT} real notes through the pipeline (engine ${ENGINE})`, () => {
  const databaseUrl = process.env.DATABASE_URL!;
  const run = randomUUID().slice(0, 8);
  const services: ServiceProcess[] = [];
  let tenant: TestTenant;
  let samples: Sample[];

  beforeAll(async () => {
    const file = path.join(REPO_ROOT, '../shared/data/mtsamples/notes.jsonl');
    samples = readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Sample)
      .filter((s) => s.text.length > 400 && s.text.length < 20_000)
      .slice(0, NOTE_COUNT);
    tenant = await createTestTenant(databaseUrl, 'phi');
    const common = { DATABASE_URL: databaseUrl, KAFKA_BROKERS: process.env.KAFKA_BROKERS!, LOG_LEVEL: 'debug' };
    services.push(
      ...(await Promise.all([
        startServiceProcess('gateway', { ...common, DEFAULT_ENGINE: ENGINE }),
        startServiceProcess('extractor', {
          ...common,
          EXTRACTOR_ENGINE: ENGINE,
          KAFKA_GROUP_ID: `phi-extractor-${run}`,
        }),
        startServiceProcess('validator', { ...common, KAFKA_GROUP_ID: `phi-validator-${run}` }),
      ])),
    );
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop('SIGKILL')));
  });

  it('processes the notes and no log line carries note text or an extracted value', async () => {
    const gateway = services[0]!;
    const ids: string[] = [];
    for (const sample of samples) {
      const response = await fetch(`${gateway.url}/v1/notes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.keys.submitter}` },
        body: JSON.stringify({ externalId: `phi-${run}-${sample.id}`, text: sample.text }),
      });
      expect(response.status).toBe(202);
      ids.push(((await response.json()) as { id: string }).id);
    }
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      await waitFor(
        async () => {
          const { rows } = await db.query<{ n: string }>(
            'SELECT count(*) AS n FROM extractions WHERE note_id = ANY($1::uuid[])',
            [ids],
          );
          return Number(rows[0]!.n) === ids.length ? true : null;
        },
        240_000,
        'every note to be extracted and validated',
      );
      const { rows } = await db.query<{
        payload: { medications: { name: { text: string } }[]; diagnoses: { text: string }[] };
      }>('SELECT payload FROM extractions WHERE note_id = ANY($1::uuid[])', [ids]);
      // Stop the services so every buffered line is flushed before reading the logs.
      await Promise.all(services.map((s) => s.stop('SIGTERM')));
      const lines = services.flatMap((s) => s.lines);
      expect(lines.length).toBeGreaterThan(NOTE_COUNT);

      const logShingles = new Set<string>();
      for (const line of lines) for (const s of shingles(line)) logShingles.add(s);
      const leakedText = samples.filter((sample) => [...shingles(sample.text)].some((s) => logShingles.has(s)));
      expect(leakedText.map((s) => s.id)).toEqual([]);

      // Extracted values: every medication and diagnosis text of 5+ characters, as whole words.
      const logWords = new Set(lines.flatMap((l) => words(l)));
      const values = new Set(
        rows
          .flatMap((r) => [...r.payload.medications.map((m) => m.name.text), ...r.payload.diagnoses.map((d) => d.text)])
          .filter((v) => v.length >= 5),
      );
      const leakedValues = [...values].filter((v) => {
        const w = words(v);
        return (
          w.length > 0 &&
          w.every((word) => logWords.has(word)) &&
          lines.some((l) => l.toLowerCase().includes(v.toLowerCase()))
        );
      });
      expect(leakedValues).toEqual([]);
    } finally {
      await db.end();
    }
  });
});
