import pg from 'pg';
import { dailySpendSql } from '../apps/gateway/src/finance/finance.repository.js';
import { createMigratedDatabase, dropDatabase } from '../test/support/test-database.js';

/**
 * The finance dashboard's 30-day daily-spend query at scale: one million cost events (20 tenants, 4 engine/model
 * pairs, 3 purposes, 90 days, 2% unpriced) bulk-inserted with generate_series into a throwaway database; the exact
 * SQL the gateway runs is timed (all tenants, and one tenant) and its plan printed with the indexes on cost_events.
 * Run: npm run bench:finance   (EVENTS=... to change the size)
 */
const EVENTS = Number(process.env.EVENTS ?? 1_000_000);
const RUNS = 7;

async function main(): Promise<void> {
  const db = await createMigratedDatabase('clinex_bench_finance');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query(`INSERT INTO tenants (id, slug, name)
      SELECT ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'bench-' || i, 'Bench ' || i
        FROM generate_series(1, 20) i`);
    let started = Date.now();
    await client.query(
      `INSERT INTO cost_events (id, event_id, tenant_id, note_id, engine, model, purpose, input_tokens, output_tokens,
                                cached_tokens, model_seconds, cost_usd, occurred_at)
       SELECT gen_random_uuid(), 'bench-' || i,
              ('00000000-0000-4000-8000-' || lpad((1 + i % 20)::text, 12, '0'))::uuid,
              gen_random_uuid(),
              (ARRAY['llm','llm','llm','bert-ner'])[1 + i % 4],
              (ARRAY['gpt-4o','gpt-4o-mini','gpt-4.1-mini','clinex-bert-ner'])[1 + i % 4],
              (ARRAY['extraction','repair','probe'])[1 + (i / 7) % 3],
              800 + i % 700, 200 + i % 300, i % 100, (i % 4 = 3)::int * 0.35,
              CASE WHEN i % 50 = 0 THEN NULL ELSE round((0.0001 + (i % 997) / 100000.0)::numeric, 12) END,
              timestamptz '2026-11-28 00:00:00+00' - (i::float8 / $1 * 90 * interval '1 day')
         FROM generate_series(1, $1::int) i`,
      [EVENTS],
    );
    process.stdout.write(`inserted ${EVENTS.toLocaleString('en')} cost events in ${Date.now() - started} ms\n`);
    started = Date.now();
    await client.query('VACUUM ANALYZE cost_events');
    process.stdout.write(`vacuum analyze: ${Date.now() - started} ms\n\n`);

    const { rows: indexes } = await client.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cost_events' ORDER BY indexname`,
    );
    process.stdout.write(`indexes on cost_events:\n${indexes.map((i) => `  ${i.indexdef}`).join('\n')}\n\n`);

    const from = new Date('2026-10-29T00:00:00Z');
    const to = new Date('2026-11-28T00:00:00Z');
    const cases = [
      { label: '30 days, all tenants (admin)', sql: dailySpendSql(null, from, to) },
      {
        label: '30 days, one tenant (finance)',
        sql: dailySpendSql(['00000000-0000-4000-8000-000000000007'], from, to),
      },
    ];
    for (const { label, sql } of cases) {
      const times: number[] = [];
      let groups = 0;
      let scanned = 0;
      for (let i = 0; i < RUNS; i++) {
        const t = process.hrtime.bigint();
        const result = await client.query<{ events: string }>(sql.text, sql.values);
        times.push(Number(process.hrtime.bigint() - t) / 1e6);
        groups = result.rowCount ?? 0;
        scanned = result.rows.reduce((n, r) => n + Number(r.events), 0);
      }
      times.sort((x, y) => x - y);
      process.stdout.write(
        `${label}: ${groups} groups over ${scanned.toLocaleString('en')} events; ` +
          `median ${times[RUNS >> 1]!.toFixed(1)} ms, min ${times[0]!.toFixed(1)} ms, max ${times[RUNS - 1]!.toFixed(1)} ms\n`,
      );
      const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql.text}`, sql.values);
      process.stdout.write(`${plan.rows.map((r) => `  ${r['QUERY PLAN']}`).join('\n')}\n\n`);
    }
  } finally {
    await client.end();
    await dropDatabase(db.name);
  }
}

await main();
