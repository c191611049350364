import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DestinationPolicy, type HostResolver } from './destination.policy.js';
import { OutboundError } from './outbound.errors.js';
import { WebhookSender } from './webhook.sender.js';

interface Seen {
  host: string | undefined;
  userAgent: string | undefined;
  body: unknown;
}

/** DNS as a script: each call answers the next address of the list (the last one repeats). */
function scriptedDns(addresses: string[]): HostResolver & { calls: number } {
  const resolver = async () => {
    resolver.calls++;
    const address = addresses.length > 1 ? addresses.shift()! : addresses[0]!;
    return [{ address, family: 4 as const }];
  };
  resolver.calls = 0;
  return resolver;
}

describe('webhook sender', () => {
  const seen: Seen[] = [];
  let status = 204;
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        if (req.url === '/silent') return; // a receiver that never answers
        seen.push({ host: req.headers.host, userAgent: req.headers['user-agent'], body: JSON.parse(text) });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const allowLocal = { allowedPrivateCidrs: ['127.0.0.1/32'], allowedPorts: [] as number[] };
  const post = { userAgent: 'clinex-test', timeoutMs: 2000 };

  it('connects to the address it checked, keeping the name as the Host', async () => {
    // receiver.clinex.test is in no DNS: only the checked address can have been used to connect.
    const dns = scriptedDns(['127.0.0.1']);
    const sender = new WebhookSender(new DestinationPolicy({ ...allowLocal, allowedPorts: [port] }, dns));
    seen.length = 0;
    await sender.postJson(`http://receiver.clinex.test:${port}/hook`, { n: 1 }, post);
    expect(seen).toEqual([{ host: `receiver.clinex.test:${port}`, userAgent: 'clinex-test', body: { n: 1 } }]);
    expect(dns.calls).toBe(1);
  });

  it('sends nothing once the name resolves somewhere forbidden (DNS rebinding)', async () => {
    const dns = scriptedDns(['127.0.0.1', '10.0.0.1']);
    const sender = new WebhookSender(new DestinationPolicy({ ...allowLocal, allowedPorts: [port] }, dns));
    seen.length = 0;
    await sender.postJson(`http://receiver.clinex.test:${port}/hook`, { n: 1 }, post);
    const refused = await sender.postJson(`http://receiver.clinex.test:${port}/hook`, { n: 2 }, post).catch((e) => e);
    expect(refused).toBeInstanceOf(OutboundError);
    expect((refused as Error).message).toBe('receiver.clinex.test resolves to 10.0.0.1, a private network address');
    expect(seen.map((s) => s.body)).toEqual([{ n: 1 }]);
  });

  it('never contacts a destination the policy refuses', async () => {
    const sender = new WebhookSender(new DestinationPolicy({ allowedPrivateCidrs: [], allowedPorts: [port] }));
    seen.length = 0;
    for (const url of [`http://127.0.0.1:${port}/`, `http://2130706433:${port}/`, `http://[::ffff:7f00:1]:${port}/`]) {
      await expect(sender.postJson(url, {}, post)).rejects.toThrow(OutboundError);
    }
    expect(seen).toEqual([]);
  });

  it('fails on an answer other than 2xx, redirects included', async () => {
    const sender = new WebhookSender(new DestinationPolicy({ ...allowLocal, allowedPorts: [port] }));
    for (const code of [302, 500]) {
      status = code;
      await expect(sender.postJson(`http://127.0.0.1:${port}/`, {}, post)).rejects.toThrow(`webhook answered ${code}`);
    }
    status = 204;
  });

  it('gives up on a receiver that does not answer in time', async () => {
    const sender = new WebhookSender(new DestinationPolicy({ ...allowLocal, allowedPorts: [port] }));
    await expect(sender.postJson(`http://127.0.0.1:${port}/silent`, {}, { ...post, timeoutMs: 200 })).rejects.toThrow(
      'no answer within 200 ms',
    );
  });
});
