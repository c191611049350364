import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path, { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createTestTenant } from '../test/support/tenant-fixture.js';
import { createMigratedDatabase, dropDatabase, REPO_ROOT } from '../test/support/test-database.js';

// The gateway as built (tsc emits the decorator metadata Nest's injection needs; tsx's esbuild does not), started
// in this process on the in-process bus: no Kafka broker is needed to time authentication.
const built = (file: string) => pathToFileURL(path.join(REPO_ROOT, 'dist', file)).href;
const { gatewayService } = (await import(
  built('apps/gateway/src/gateway.service-definition.js')
)) as typeof import('../apps/gateway/src/gateway.service-definition.js');
const { InProcessBus, startService } = (await import(
  built('libs/platform/src/index.js')
)) as typeof import('../libs/platform/src/index.js');

/**
 * Key-id oracle (issue 21): how long the gateway takes to refuse an unknown key id, against a known key id with a
 * wrong secret, measured in the same run through the real gateway (HTTP on loopback, real PostgreSQL). An unknown id
 * is verified against a dummy scrypt hash, so the two should take the same time; the acceptance bound is a ratio of
 * medians within 20 % over 200 tries each. The two kinds alternate, so drift in machine load hits both alike; every
 * unknown id is a fresh random one, every wrong secret too. The brute-force lockout is lifted for the run (its own
 * tests cover it), and nothing is cached: refused keys never are.
 *
 *   npm run bench:auth      (= npm run build && tsx bench/auth-timing.bench.ts --out bench/results/auth-timing.json)
 *   options: --tries 200 --warmup 10 --bound 0.2
 *
 * Uses DATABASE_URL's server (a fresh database, dropped afterwards); exits 1 when the ratio is outside the bound.
 */

const { values: args } = parseArgs({
  options: {
    tries: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '10' },
    bound: { type: 'string', default: '0.2' },
    out: { type: 'string' },
  },
});
const TRIES = Number(args.tries);
const WARMUP = Number(args.warmup);
const BOUND = Number(args.bound);

interface Summary {
  tries: number;
  medianMs: number;
  meanMs: number;
  p10Ms: number;
  p90Ms: number;
  statuses: Record<string, number>;
}

function summarise(times: number[], statuses: number[]): Summary {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const counts: Record<string, number> = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    tries: times.length,
    medianMs: round(at(0.5)),
    meanMs: round(times.reduce((a, b) => a + b, 0) / times.length),
    p10Ms: round(at(0.1)),
    p90Ms: round(at(0.9)),
    statuses: counts,
  };
}

async function main(): Promise<void> {
  const db = await createMigratedDatabase('clinex_bench_auth');
  const gateway = await startService(gatewayService, {
    env: {
      DATABASE_URL: db.url,
      MESSAGE_TRANSPORT: 'in-process',
      PORT: '0',
      BIND_ADDRESS: '127.0.0.1',
      LOG_LEVEL: 'fatal',
      DOCS_ENABLED: 'false',
      AUTH_FAILURE_LIMIT: '1000000',
      RATE_LIMIT_PER_SECOND: '1000000',
      RATE_LIMIT_BURST: '1000000',
    },
    bus: new InProcessBus(),
  });
  try {
    const tenant = await createTestTenant(db.url, 'bench-auth');
    const knownId = /^cx_([0-9a-f]{16})_/.exec(tenant.keys.reviewer)![1]!;
    const secret = () => randomBytes(32).toString('base64url');
    const unknownKey = () => `cx_${randomBytes(8).toString('hex')}_${secret()}`;
    const wrongSecret = () => `cx_${knownId}_${secret()}`;

    const time = async (key: string): Promise<{ ms: number; status: number }> => {
      const started = process.hrtime.bigint();
      const response = await fetch(`${gateway.url}/v1/notes`, { headers: { authorization: `Bearer ${key}` } });
      await response.arrayBuffer();
      return { ms: Number(process.hrtime.bigint() - started) / 1e6, status: response.status };
    };

    for (let i = 0; i < WARMUP; i++) {
      await time(unknownKey());
      await time(wrongSecret());
    }
    const samples = {
      unknown: { times: [] as number[], statuses: [] as number[] },
      wrong: { times: [] as number[], statuses: [] as number[] },
    };
    for (let i = 0; i < TRIES; i++) {
      // Alternate which kind goes first, so neither always follows the other.
      const order = i % 2 === 0 ? (['unknown', 'wrong'] as const) : (['wrong', 'unknown'] as const);
      for (const kind of order) {
        const { ms, status } = await time(kind === 'unknown' ? unknownKey() : wrongSecret());
        samples[kind].times.push(ms);
        samples[kind].statuses.push(status);
      }
    }
    const valid = { times: [] as number[], statuses: [] as number[] };
    for (let i = 0; i < 50; i++) {
      const { ms, status } = await time(tenant.keys.reviewer);
      valid.times.push(ms);
      valid.statuses.push(status);
    }

    const unknown = summarise(samples.unknown.times, samples.unknown.statuses);
    const wrong = summarise(samples.wrong.times, samples.wrong.statuses);
    const ratio = Math.round((wrong.medianMs / unknown.medianMs) * 1000) / 1000;
    const meanRatio = Math.round((wrong.meanMs / unknown.meanMs) * 1000) / 1000;
    const within = Math.abs(ratio - 1) <= BOUND;
    const result = {
      measuredAt: new Date().toISOString(),
      tries: TRIES,
      unknownKeyId: unknown,
      knownIdWrongSecret: wrong,
      validKeyCached: summarise(valid.times, valid.statuses),
      medianRatioWrongOverUnknown: ratio,
      meanRatioWrongOverUnknown: meanRatio,
      bound: `|ratio - 1| <= ${BOUND}`,
      within,
    };
    const line = (label: string, s: Summary) =>
      `${label.padEnd(28)} n=${s.tries}  median ${s.medianMs} ms  mean ${s.meanMs} ms  p10 ${s.p10Ms} ms  p90 ${s.p90Ms} ms  statuses ${JSON.stringify(s.statuses)}`;
    process.stdout.write(`${line('unknown key id', unknown)}\n`);
    process.stdout.write(`${line('known id, wrong secret', wrong)}\n`);
    process.stdout.write(`${line('valid key (cached)', result.validKeyCached)}\n`);
    process.stdout.write(
      `ratio wrong/unknown: median ${ratio}, mean ${meanRatio} — ${within ? 'within' : 'OUTSIDE'} ±${BOUND * 100} %\n`,
    );
    if (args.out) {
      mkdirSync(dirname(args.out), { recursive: true });
      writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
    }
    process.exitCode = within ? 0 : 1;
  } finally {
    await gateway.app.close();
    await dropDatabase(db.name);
  }
}

await main();
