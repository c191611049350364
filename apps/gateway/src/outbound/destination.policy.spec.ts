import { describe, expect, it } from '@jest/globals';
import { DestinationPolicy, type HostResolver, type ResolvedAddress } from './destination.policy.js';
import { OutboundError } from './outbound.errors.js';

const closed = { allowedPrivateCidrs: [], allowedPorts: [] };

/** DNS as a script: each call for a name answers the next entry of its list (the last one repeats). */
function scriptedDns(answers: Record<string, (string[] | Error)[]>): HostResolver & { calls: string[] } {
  const calls: string[] = [];
  const resolver = async (hostname: string): Promise<ResolvedAddress[]> => {
    calls.push(hostname);
    const list = answers[hostname];
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    const answer = list.length > 1 ? list.shift()! : list[0]!;
    if (answer instanceof Error) throw answer;
    return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolver, { calls });
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(OutboundError);
    return (err as OutboundError).message;
  }
  throw new Error('expected a refusal');
}

async function asyncRefusal(run: () => Promise<unknown>): Promise<string> {
  const err = await run().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OutboundError);
  return (err as OutboundError).message;
}

describe('webhook destination policy', () => {
  const policy = new DestinationPolicy(closed, scriptedDns({}));

  it('accepts http(s) URLs of public addresses and names on the default port', () => {
    expect(policy.checkUrl('https://hooks.example.com/clinex?x=1').hostname).toBe('hooks.example.com');
    expect(policy.checkUrl('http://93.184.215.14/hook').hostname).toBe('93.184.215.14');
    expect(policy.checkUrl('https://hooks.example.com:443/').port).toBe('');
    expect(policy.checkUrl('https://[2606:4700:4700::1111]/').hostname).toBe('[2606:4700:4700::1111]');
  });

  it.each([
    ['http://127.0.0.1/', '127.0.0.1 is a loopback address'],
    ['http://2130706433/', '127.0.0.1 is a loopback address'], // decimal
    ['http://0x7f.1/', '127.0.0.1 is a loopback address'], // hex and short form
    ['http://0177.0.0.1/', '127.0.0.1 is a loopback address'], // octal
    ['http://017700000001/', '127.0.0.1 is a loopback address'],
    ['http://127.1/', '127.0.0.1 is a loopback address'],
    ['http://[::1]/', '::1 is a loopback address'],
    ['http://[::ffff:127.0.0.1]/', '127.0.0.1 is a loopback address'],
    ['http://[0:0:0:0:0:ffff:7f00:1]/', '127.0.0.1 is a loopback address'],
    ['http://0/', '0.0.0.0 is an unspecified address'],
    ['http://[::]/', ':: is an unspecified address'],
    ['http://10.1.2.3/', '10.1.2.3 is a private network address'],
    ['http://172.20.0.5/', '172.20.0.5 is a private network address'],
    ['http://192.168.0.10/', '192.168.0.10 is a private network address'],
    ['http://[fd00::5]/', 'fd00::5 is a private network address'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254 is a link-local address'],
    ['http://[fe80::1]/', 'fe80::1 is a link-local address'],
    ['http://100.64.1.1/', '100.64.1.1 is a shared (CGNAT) network address'],
    ['http://224.0.0.251/', '224.0.0.251 is a multicast address'],
    ['http://[ff02::1]/', 'ff02::1 is a multicast address'],
    ['http://localhost/', 'localhost is the local host'],
    ['http://LOCALHOST./', 'localhost is the local host'],
    ['http://api.localhost/', 'api.localhost is the local host'],
  ])('refuses %s', (url, reason) => {
    expect(refusal(() => policy.checkUrl(url))).toContain(reason);
  });

  it('refuses other schemes, credentials and ports other than the default', () => {
    expect(refusal(() => policy.checkUrl('ftp://hooks.example.com/'))).toBe('scheme ftp: is not allowed');
    expect(refusal(() => policy.checkUrl('file:///etc/passwd'))).toBe('scheme file: is not allowed');
    expect(refusal(() => policy.checkUrl('gopher://hooks.example.com:70/'))).toBe('scheme gopher: is not allowed');
    expect(refusal(() => policy.checkUrl('https://user:secret@hooks.example.com/'))).toMatch(/credentials/);
    expect(refusal(() => policy.checkUrl('https://user@hooks.example.com/'))).toMatch(/credentials/);
    expect(refusal(() => policy.checkUrl('https://hooks.example.com:8443/'))).toMatch(/port 8443 is not allowed/);
    expect(refusal(() => policy.checkUrl('http://hooks.example.com:443/'))).toMatch(/port 443 is not allowed/);
    expect(refusal(() => policy.checkUrl('not a url'))).toBe('not a valid URL');
  });

  it('lets an operator allow internal receivers by CIDR and extra ports, but never unspecified or multicast', () => {
    const open = new DestinationPolicy(
      { allowedPrivateCidrs: ['127.0.0.1/32', '10.20.0.0/16', 'fd00:1::/64', '224.0.0.0/4'], allowedPorts: [8080] },
      scriptedDns({}),
    );
    expect(open.checkUrl('http://127.0.0.1:8080/hook').port).toBe('8080');
    expect(open.checkUrl('http://2130706433/').hostname).toBe('127.0.0.1');
    expect(open.checkUrl('http://[::ffff:127.0.0.1]/').hostname).toBe('[::ffff:7f00:1]');
    expect(open.checkUrl('http://10.20.3.4/').hostname).toBe('10.20.3.4');
    expect(open.checkUrl('http://[fd00:1::9]/').hostname).toBe('[fd00:1::9]');
    expect(refusal(() => open.checkUrl('http://127.0.0.2/'))).toContain('loopback');
    expect(refusal(() => open.checkUrl('http://10.21.0.1/'))).toContain('private');
    expect(refusal(() => open.checkUrl('http://127.0.0.1:8081/'))).toMatch(/port 8081/);
    expect(refusal(() => open.checkUrl('http://224.0.0.1/'))).toContain('multicast');
    expect(refusal(() => open.checkUrl('http://localhost:8080/'))).toContain('local host');
  });

  it('resolves a name once and checks every address it has', async () => {
    const dns = scriptedDns({
      'hooks.example.com': [['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c']],
      'mixed.example.com': [['93.184.215.14', '10.0.0.7']],
      'mapped.example.com': [['::ffff:169.254.169.254']],
    });
    const guard = new DestinationPolicy(closed, dns);
    const ok = await guard.resolve('https://hooks.example.com/x');
    expect(ok.addresses.map((a) => a.address)).toEqual(['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c']);
    expect(await asyncRefusal(() => guard.resolve('https://mixed.example.com/'))).toBe(
      'mixed.example.com resolves to 10.0.0.7, a private network address',
    );
    expect(await asyncRefusal(() => guard.resolve('https://mapped.example.com/'))).toContain(
      'resolves to 169.254.169.254, a link-local address',
    );
    expect(dns.calls).toEqual(['hooks.example.com', 'mixed.example.com', 'mapped.example.com']);
    // An address literal needs no DNS.
    expect((await guard.resolve('http://93.184.215.14/')).addresses).toEqual([{ address: '93.184.215.14', family: 4 }]);
    expect(dns.calls).toHaveLength(3);
  });

  it('at configuration, refuses a name that resolves inward and lets one that does not resolve yet through', async () => {
    const dns = scriptedDns({
      'inward.example.com': [['192.168.4.4']],
      'slow.example.com': [new Error('never used')],
    });
    const guard = new DestinationPolicy(closed, async (name) =>
      name === 'slow.example.com' ? new Promise<ResolvedAddress[]>(() => undefined) : dns(name),
    );
    expect(await asyncRefusal(() => guard.vet('https://inward.example.com/', 1000))).toContain('private network');
    await expect(guard.vet('https://unpublished.example.test/', 1000)).resolves.toBeUndefined();
    await expect(guard.vet('https://slow.example.com/', 50)).resolves.toBeUndefined();
    expect(await asyncRefusal(() => guard.vet('http://169.254.169.254/', 1000))).toContain('link-local');
  });

  it('checks again at each request, so a name that turns inward later (DNS rebinding) is refused then', async () => {
    const dns = scriptedDns({ 'rebind.example.com': [['93.184.215.14'], ['127.0.0.1']] });
    const guard = new DestinationPolicy(closed, dns);
    await expect(guard.vet('https://rebind.example.com/hook', 1000)).resolves.toBeUndefined();
    expect(await asyncRefusal(() => guard.resolve('https://rebind.example.com/hook'))).toBe(
      'rebind.example.com resolves to 127.0.0.1, a loopback address',
    );
  });
});
