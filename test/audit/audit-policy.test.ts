import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AllowlistSchema,
  applyPolicy,
  parseAuditOutput,
  summarise,
  type Allowlist,
  type AuditReport,
} from '../../tools/audit/audit-policy.js';
import { REPO_ROOT } from '../support/test-database.js';

const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/audit');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');
const report = (name: string): AuditReport => {
  const output = parseAuditOutput(fixture(name));
  if (output.kind !== 'report') throw new Error(`${name} is not a report`);
  return output.report;
};
const TODAY = '2026-12-02';
const none: Allowlist = { entries: [] };
const entry = (id: string, reviewBy: string, pkg?: string) => ({
  id,
  ...(pkg ? { package: pkg } : {}),
  reason: 'only reached with trusted input in this project',
  reviewBy,
});

describe('dependency audit policy', () => {
  const all = report('mixed.all.json');
  const production = report('mixed.production.json');

  it('reads the recorded 405 from this registry mirror as "no advisory data", not as a clean report', () => {
    const output = parseAuditOutput(fixture('registry-405.json'));
    expect(output).toEqual({ kind: 'unavailable', reason: expect.stringContaining('405 Method Not Allowed') });
    expect(parseAuditOutput('npm ERR! something')).toMatchObject({ kind: 'unavailable' });
    expect(() => parseAuditOutput('{"auditReportVersion": 2}')).toThrow(/unexpected npm audit output/);
  });

  it('passes a clean report', () => {
    const result = applyPolicy(report('clean.json'), report('clean.json'), none, TODAY);
    expect(result).toEqual({ findings: [], allowlist: [], failed: false });
  });

  it('fails on high and critical advisories in production dependencies only', () => {
    const result = applyPolicy(all, production, none, TODAY);
    expect(result.failed).toBe(true);
    expect(result.findings.map((f) => [f.verdict, f.severity, f.production ? 'prod' : 'dev', f.package, f.id])).toEqual(
      [
        ['fail', 'critical', 'prod', 'fixture-url-parser', 'GHSA-2222-3333-4444'],
        ['fail', 'high', 'prod', 'fixture-image-codec', 'GHSA-5555-6666-7777'],
        ['report', 'high', 'dev', 'fixture-glob', 'GHSA-ffff-gggg-hhhh'],
        ['report', 'moderate', 'prod', 'fixture-string-utils', 'GHSA-8888-9999-cccc'],
        ['report', 'low', 'prod', 'fixture-url-parser', 'GHSA-jjjj-mmmm-pppp'],
      ],
    );
    const parser = result.findings[0]!;
    expect(parser).toMatchObject({ via: ['fixture-http-framework'], fix: 'npm audit fix', range: '<2.4.1' });
    expect(result.findings[1]!.fix).toBe('fixture-image-codec@2.0.0 (semver-major)');
    expect(result.findings[2]!).toMatchObject({ via: ['fixture-test-runner'], fix: 'no fix available' });
  });

  it('lets an allowlisted advisory pass until its review date, and fails on the day after', () => {
    const allowlist = {
      entries: [entry('GHSA-2222-3333-4444', '2026-12-31'), entry('GHSA-5555-6666-7777', '2026-12-31')],
    };
    const passing = applyPolicy(all, production, allowlist, TODAY);
    expect(passing.failed).toBe(false);
    expect(passing.findings.filter((f) => f.verdict === 'allowed').map((f) => f.package)).toEqual([
      'fixture-url-parser',
      'fixture-image-codec',
    ]);
    expect(applyPolicy(all, production, allowlist, '2026-12-31').failed).toBe(false);

    const expired = applyPolicy(all, production, allowlist, '2027-01-01');
    expect(expired.failed).toBe(true);
    expect(expired.allowlist.map((p) => [p.entry.id, p.problem, p.fails])).toEqual([
      ['GHSA-2222-3333-4444', 'expired', true],
      ['GHSA-5555-6666-7777', 'expired', true],
    ]);
  });

  it('fails on an expired entry even when its advisory is gone, and on review dates over 90 days away', () => {
    const clean = report('clean.json');
    const expired = applyPolicy(clean, clean, { entries: [entry('GHSA-2222-3333-4444', '2026-12-01')] }, TODAY);
    expect(expired).toMatchObject({ failed: true, allowlist: [{ problem: 'expired', fails: true }] });
    const far = applyPolicy(clean, clean, { entries: [entry('npm:1100001', '2027-03-03')] }, TODAY);
    expect(far).toMatchObject({ failed: true, allowlist: [{ problem: 'review-too-far', fails: true }] });
    const unused = applyPolicy(clean, clean, { entries: [entry('npm:1100001', '2027-03-02')] }, TODAY);
    expect(unused).toMatchObject({ failed: false, allowlist: [{ problem: 'unused', fails: false }] });
  });

  it('holds a package-scoped entry to that package', () => {
    const scoped = { entries: [entry('GHSA-2222-3333-4444', '2026-12-31', 'some-other-package')] };
    const result = applyPolicy(all, production, scoped, TODAY);
    expect(result.findings[0]!).toMatchObject({ package: 'fixture-url-parser', verdict: 'fail' });
    expect(result.allowlist).toMatchObject([{ problem: 'unused' }]);
  });

  it('requires an advisory id, a real reason and a review day in every allowlist entry', () => {
    const parse = (e: object) => AllowlistSchema.safeParse({ entries: [e] }).success;
    expect(parse(entry('GHSA-2222-3333-4444', '2026-12-31'))).toBe(true);
    expect(parse({ ...entry('GHSA-2222-3333-4444', '2026-12-31'), reason: 'ok' })).toBe(false);
    expect(parse({ id: 'GHSA-2222-3333-4444', reason: 'a reason long enough to read' })).toBe(false);
    expect(parse(entry('CVE-2026-0001', '2026-12-31'))).toBe(false);
    expect(parse(entry('GHSA-2222-3333-4444', '31/12/2026'))).toBe(false);
    expect(parse({ ...entry('GHSA-2222-3333-4444', '2026-12-31'), expires: 'never' })).toBe(false);
  });

  it('prints one table line per advisory and the verdict', () => {
    const text = summarise(applyPolicy(all, production, none, TODAY), all.metadata.dependencies);
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      'npm audit: 121 production and 342 dev dependencies (462 in all); fails on high/critical advisories in production dependencies',
    );
    expect(lines[1]).toMatch(/^verdict\s+severity\s+deps\s+package\s+advisory\s+via\s+fix\s+title$/);
    expect(lines.filter((l) => /^(fail|report|allowed)\s/.test(l))).toHaveLength(5);
    expect(lines.at(-1)).toBe('FAILED: 2 failing advisories, 0 allowlist error(s)');
  });
});

describe('npm run audit:deps (the script CI runs)', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'tools/audit/audit-deps.ts'), ...args], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
    });
  const reports = (name: string) => [
    '--report',
    path.join(FIXTURES, `${name}.all.json`),
    '--production-report',
    path.join(FIXTURES, `${name}.production.json`),
  ];

  it('exits 1 on a failing report and 0 once the failures are allowlisted', () => {
    const failing = run(...reports('mixed'));
    expect(failing.status).toBe(1);
    expect(failing.stdout).toContain('FAILED: 2 failing advisories');

    const dir = mkdtempSync(path.join(tmpdir(), 'clinex-audit-'));
    const allowlist = path.join(dir, 'allowlist.json');
    const reviewBy = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    writeFileSync(
      allowlist,
      JSON.stringify({ entries: [entry('GHSA-2222-3333-4444', reviewBy), entry('GHSA-5555-6666-7777', reviewBy)] }),
    );
    const allowed = run(...reports('mixed'), '--allowlist', allowlist);
    expect(allowed.stdout).toContain(`allowed until ${reviewBy}`);
    expect(allowed.status).toBe(0);
  });

  it('exits 2 when the registry gives no advisory data, 0 with a warning under --if-unavailable warn', () => {
    const file = path.join(FIXTURES, 'registry-405.json');
    const refused = run('--report', file, '--production-report', file);
    expect(refused.status).toBe(2);
    expect(refused.stdout).toMatch(/^FAILED: npm audit got no advisory data, so nothing was checked \(405/);
    const warned = run('--report', file, '--production-report', file, '--if-unavailable', 'warn');
    expect(warned.status).toBe(0);
    expect(warned.stdout).toMatch(/^WARNING: npm audit got no advisory data/);
  });

  it('checks the checked-in allowlist', () => {
    const clean = path.join(FIXTURES, 'clean.json');
    const result = run('--report', clean, '--production-report', clean);
    expect(result.stdout).toContain('no advisories');
    expect(result.status).toBe(0);
  });
});
