import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '#platform';
import { loadGatewayConfig } from './gateway.config.js';

const base = { DATABASE_URL: 'postgresql://u@127.0.0.1/db', MESSAGE_TRANSPORT: 'in-process' };

describe('gateway config: brute-force guard and proxies', () => {
  it('defaults to 20 failures a minute, a 5-minute lockout, and no trusted proxy', () => {
    const config = loadGatewayConfig(base);
    expect(config).toMatchObject({
      AUTH_FAILURE_LIMIT: 20,
      AUTH_FAILURE_WINDOW_SECONDS: 60,
      AUTH_LOCKOUT_SECONDS: 300,
      TRUST_PROXY: false,
    });
  });

  it.each([
    ['false', false],
    ['true', true],
    ['10.0.0.1', ['10.0.0.1']],
    [' 10.0.0.0/8, 192.168.1.10 ,fd00::/8 ', ['10.0.0.0/8', '192.168.1.10', 'fd00::/8']],
  ])('TRUST_PROXY=%j', (value, expected) => {
    expect(loadGatewayConfig({ ...base, TRUST_PROXY: value }).TRUST_PROXY).toEqual(expected);
  });

  // A hop count cannot tell the proxy from a client that connects directly with a forged header.
  it.each(['1', 'yes', '10.0.0.0/33', 'proxy.internal', '10.0.0.1/8/1', ','])('refuses TRUST_PROXY=%j', (value) => {
    expect(() => loadGatewayConfig({ ...base, TRUST_PROXY: value })).toThrow(ConfigError);
  });

  it('refuses a zero or negative limit', () => {
    expect(() => loadGatewayConfig({ ...base, AUTH_FAILURE_LIMIT: '0' })).toThrow(/AUTH_FAILURE_LIMIT/);
  });
});
