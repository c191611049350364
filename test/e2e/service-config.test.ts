import { describe, expect, it } from '@jest/globals';
import { runToExit, type AppName } from '../support/service-process.js';

describe('typed config: a service refuses to start on a missing or bad variable, naming it', () => {
  const brokers = process.env.KAFKA_BROKERS!;
  const cases: { app: AppName; env: Record<string, string>; variable: string; says: RegExp }[] = [
    { app: 'gateway', env: { KAFKA_BROKERS: brokers }, variable: 'DATABASE_URL', says: /is required but not set/ },
    {
      app: 'validator',
      env: { DATABASE_URL: 'postgresql://x@127.0.0.1/x' },
      variable: 'KAFKA_BROKERS',
      says: /is required but not set/,
    },
    { app: 'extractor', env: {}, variable: 'KAFKA_BROKERS', says: /is required but not set/ },
    {
      app: 'gateway',
      env: { KAFKA_BROKERS: brokers, DATABASE_URL: 'mysql://db/x' },
      variable: 'DATABASE_URL',
      says: /postgresql:\/\//,
    },
    { app: 'extractor', env: { KAFKA_BROKERS: 'no-port-here' }, variable: 'KAFKA_BROKERS', says: /host:port/ },
    {
      app: 'validator',
      env: { KAFKA_BROKERS: brokers, DATABASE_URL: 'postgresql://x@h/x', PORT: 'eighty' },
      variable: 'PORT',
      says: /number/i,
    },
  ];

  it.each(cases)('$app without a valid $variable exits 1 and names it', async ({ app, env, variable, says }) => {
    const { code, output } = await runToExit(app, env);
    expect(code).toBe(1);
    expect(output).toContain('invalid configuration');
    const line = output.split('\n').find((l) => l.includes(`${variable}:`));
    expect(line).toBeDefined();
    expect(line).toMatch(says);
  });
});
