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

describe('gateway config: webhook destinations', () => {
  it('allows no internal receiver and no extra port by default', () => {
    expect(loadGatewayConfig(base)).toMatchObject({ WEBHOOK_ALLOWED_PRIVATE_CIDRS: [], WEBHOOK_ALLOWED_PORTS: [] });
  });

  it('reads comma lists of addresses/CIDRs and of ports', () => {
    const config = loadGatewayConfig({
      ...base,
      WEBHOOK_ALLOWED_PRIVATE_CIDRS: ' 127.0.0.1/32, 10.20.0.0/16 ,fd00:1::/64,192.168.7.7',
      WEBHOOK_ALLOWED_PORTS: '8080, 8443',
    });
    expect(config.WEBHOOK_ALLOWED_PRIVATE_CIDRS).toEqual([
      '127.0.0.1/32',
      '10.20.0.0/16',
      'fd00:1::/64',
      '192.168.7.7',
    ]);
    expect(config.WEBHOOK_ALLOWED_PORTS).toEqual([8080, 8443]);
  });

  it.each(['internal.example', '10.0.0.0/33', '127.0.0.1/8/1', 'fd00::/129'])(
    'refuses WEBHOOK_ALLOWED_PRIVATE_CIDRS=%j',
    (value) => {
      expect(() => loadGatewayConfig({ ...base, WEBHOOK_ALLOWED_PRIVATE_CIDRS: value })).toThrow(
        /WEBHOOK_ALLOWED_PRIVATE_CIDRS/,
      );
    },
  );

  it.each(['0', '65536', 'http', '80-90', '-1'])('refuses WEBHOOK_ALLOWED_PORTS=%j', (value) => {
    expect(() => loadGatewayConfig({ ...base, WEBHOOK_ALLOWED_PORTS: value })).toThrow(/WEBHOOK_ALLOWED_PORTS/);
  });
});

describe('gateway config: bind address and metrics access', () => {
  it('listens on every IPv4 interface, refuses /metrics to everyone and labels no tenant by default', () => {
    const config = loadGatewayConfig(base);
    expect(config).toMatchObject({ BIND_ADDRESS: '0.0.0.0', METRICS_TENANT_LABELS: false });
    expect(config.METRICS_TOKEN).toBeUndefined();
  });

  it.each(['127.0.0.1', '::1', '::', '192.0.2.10'])('takes BIND_ADDRESS=%j', (value) => {
    expect(loadGatewayConfig({ ...base, BIND_ADDRESS: value }).BIND_ADDRESS).toBe(value);
  });

  it.each(['localhost', '127.0.0.1:3000', '0.0.0.0/0', '256.0.0.1'])('refuses BIND_ADDRESS=%j', (value) => {
    expect(() => loadGatewayConfig({ ...base, BIND_ADDRESS: value })).toThrow(/BIND_ADDRESS: must be an IP address/);
  });

  it('refuses a short or spaced METRICS_TOKEN, naming the variable but never echoing the value', () => {
    for (const token of ['too-short-0123456789', `${'a'.repeat(20)} ${'b'.repeat(20)}`]) {
      let message = '';
      try {
        loadGatewayConfig({ ...base, METRICS_TOKEN: token });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/METRICS_TOKEN: must be at least 32 visible ASCII characters/);
      expect(message).not.toContain(token);
    }
    const token = 'f'.repeat(64);
    expect(loadGatewayConfig({ ...base, METRICS_TOKEN: token, METRICS_TENANT_LABELS: 'true' })).toMatchObject({
      METRICS_TOKEN: token,
      METRICS_TENANT_LABELS: true,
    });
  });
});
