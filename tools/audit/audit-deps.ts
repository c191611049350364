// `npm run audit:deps`: runs `npm audit --json` for all dependencies and for production ones only, applies the
// policy in audit-policy.ts with the allowlist (audit-allowlist.json), prints a summary table and exits 1 when the
// policy fails. Exit 2: no advisory data (registry refused or unreachable) and --if-unavailable=fail (the default).
//
//   npm run audit:deps [-- --allowlist FILE] [--if-unavailable fail|warn] [--report FILE --production-report FILE]
//
// --report/--production-report read saved `npm audit --json` output instead of asking the registry (for tests, or to
// judge a report taken elsewhere).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AllowlistSchema, applyPolicy, parseAuditOutput, summarise, type AuditOutput } from './audit-policy.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function npmAudit(omitDev: boolean): string {
  const args = ['audit', '--json', ...(omitDev ? ['--omit=dev'] : [])];
  const result = spawnSync('npm', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw result.error;
  // npm audit exits 1 both when it finds advisories and when it fails: the JSON tells which.
  return result.stdout;
}

function main(): number {
  const { values } = parseArgs({
    options: {
      allowlist: { type: 'string', default: path.join(ROOT, 'audit-allowlist.json') },
      'if-unavailable': { type: 'string', default: 'fail' },
      report: { type: 'string' },
      'production-report': { type: 'string' },
    },
  });
  const ifUnavailable = values['if-unavailable'];
  if (ifUnavailable !== 'fail' && ifUnavailable !== 'warn') throw new Error('--if-unavailable must be fail or warn');
  if (Boolean(values.report) !== Boolean(values['production-report']))
    throw new Error('--report and --production-report go together');

  const allowlist = AllowlistSchema.parse(
    existsSync(values.allowlist) ? JSON.parse(readFileSync(values.allowlist, 'utf8')) : { entries: [] },
  );
  const read = (file: string | undefined, omitDev: boolean): AuditOutput =>
    parseAuditOutput(file ? readFileSync(file, 'utf8') : npmAudit(omitDev));
  const all = read(values.report, false);
  const production = all.kind === 'report' ? read(values['production-report'], true) : all;

  if (all.kind === 'unavailable' || production.kind === 'unavailable') {
    const reason = all.kind === 'unavailable' ? all.reason : production.kind === 'unavailable' ? production.reason : '';
    const verdict = ifUnavailable === 'warn' ? 'WARNING' : 'FAILED';
    process.stdout.write(`${verdict}: npm audit got no advisory data, so nothing was checked (${reason})\n`);
    return ifUnavailable === 'warn' ? 0 : 2;
  }
  const today = new Date().toISOString().slice(0, 10);
  const result = applyPolicy(all.report, production.report, allowlist, today);
  process.stdout.write(`${summarise(result, all.report.metadata.dependencies)}\n`);
  return result.failed ? 1 : 0;
}

process.exitCode = main();
