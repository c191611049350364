import { z } from 'zod';

/**
 * The dependency audit policy (README "Dependency audit"), as a pure function over `npm audit --json` reports so it
 * can be tested on recorded reports:
 * - an advisory of severity high or critical in a production dependency fails the build;
 * - advisories in dev-only dependencies, and low/moderate/info ones anywhere, are reported and do not fail;
 * - an allowlist entry (advisory id, reason, review date) lets one failing advisory pass until its review date;
 *   an expired entry fails the build, whether or not the advisory is still reported, and so does an entry whose
 *   review date is more than MAX_REVIEW_DAYS away (an allowlisting is a decision to look again, not forever).
 */

export const SEVERITIES = ['info', 'low', 'moderate', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const FAILING_SEVERITIES: readonly Severity[] = ['high', 'critical'];
export const MAX_REVIEW_DAYS = 90;

// ── npm audit --json (auditReportVersion 2, npm 7 to 11) ────────────────────────────────────────────────────────

const AdvisorySchema = z.object({
  source: z.number(),
  name: z.string(),
  dependency: z.string().optional(),
  title: z.string(),
  url: z.string(),
  severity: z.enum(SEVERITIES),
  range: z.string().optional(),
});
export type Advisory = z.infer<typeof AdvisorySchema>;

const VulnerabilitySchema = z.object({
  name: z.string(),
  severity: z.enum(SEVERITIES),
  isDirect: z.boolean(),
  /** Advisories against this package itself, or names of dependencies that bring one in. */
  via: z.array(z.union([z.string(), AdvisorySchema])),
  /** Packages that depend on this one and are vulnerable through it. */
  effects: z.array(z.string()),
  range: z.string(),
  nodes: z.array(z.string()),
  fixAvailable: z.union([z.boolean(), z.object({ name: z.string(), version: z.string(), isSemVerMajor: z.boolean() })]),
});

export const AuditReportSchema = z.object({
  auditReportVersion: z.literal(2),
  vulnerabilities: z.record(z.string(), VulnerabilitySchema),
  metadata: z.object({
    vulnerabilities: z.record(z.string(), z.number()),
    dependencies: z.object({ prod: z.number(), dev: z.number(), total: z.number() }).loose(),
  }),
});
export type AuditReport = z.infer<typeof AuditReportSchema>;

/** What `npm audit --json` prints when it got no report (registry refused, network down). */
const AuditFailureSchema = z
  .object({
    message: z.string().optional(),
    statusCode: z.number().optional(),
    error: z.object({ code: z.string().nullish(), summary: z.string(), detail: z.string().optional() }).optional(),
  })
  .refine((v) => v.message !== undefined || v.error !== undefined);

export type AuditOutput = { kind: 'report'; report: AuditReport } | { kind: 'unavailable'; reason: string };

/** Reads `npm audit --json` output: a report, or the reason there is none. Anything else is an error. */
export function parseAuditOutput(json: string): AuditOutput {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { kind: 'unavailable', reason: `npm audit printed no JSON: ${json.slice(0, 200)}` };
  }
  const report = AuditReportSchema.safeParse(value);
  if (report.success) return { kind: 'report', report: report.data };
  const failure = AuditFailureSchema.safeParse(value);
  if (failure.success) {
    const f = failure.data;
    const reason = [f.message, f.error?.code, f.error?.summary].filter(Boolean).join(' / ');
    return { kind: 'unavailable', reason: reason || 'npm audit failed without a reason' };
  }
  throw new Error(`unexpected npm audit output: ${report.error.issues.map((i) => i.path.join('.')).join(', ')}`);
}

// ── allowlist ───────────────────────────────────────────────────────────────────────────────────────────────────

const DAY = /^\d{4}-\d{2}-\d{2}$/;
export const AllowlistSchema = z.object({
  entries: z.array(
    z
      .object({
        /** The advisory: its GHSA id (from its URL), or `npm:<source>` for one without. */
        id: z.string().regex(/^(GHSA(-[23456789cfghjmpqrvwx]{4}){3}|npm:\d+)$/),
        /** Only this package's finding of the advisory; all packages when absent. */
        package: z.string().min(1).optional(),
        /** Why it cannot hurt us, or why it cannot be fixed yet: a true reason, for the next reviewer. */
        reason: z.string().min(20),
        /** Last day the entry counts (UTC); after it the build fails until someone looks again. */
        reviewBy: z.string().regex(DAY),
      })
      .strict(),
  ),
});
export type Allowlist = z.infer<typeof AllowlistSchema>;
export type AllowlistEntry = Allowlist['entries'][number];

// ── policy ──────────────────────────────────────────────────────────────────────────────────────────────────────

export type Verdict = 'fail' | 'allowed' | 'report';

export interface Finding {
  id: string;
  package: string;
  severity: Severity;
  title: string;
  url: string;
  /** Vulnerable versions. */
  range: string;
  /** True when the package is installed with production dependencies (npm audit --omit=dev reports it too). */
  production: boolean;
  /** The project's direct dependencies that bring the package in. */
  via: string[];
  fix: string;
  verdict: Verdict;
  allowedBy?: AllowlistEntry;
}

export interface AllowlistProblem {
  entry: AllowlistEntry;
  problem: 'expired' | 'review-too-far' | 'unused';
  /** Whether the problem fails the build (unused entries are only reported). */
  fails: boolean;
}

export interface PolicyResult {
  findings: Finding[];
  allowlist: AllowlistProblem[];
  failed: boolean;
}

export function advisoryId(advisory: Advisory): string {
  return /\/(GHSA(?:-[0-9a-z]{4}){3})$/i.exec(advisory.url)?.[1] ?? `npm:${advisory.source}`;
}

function advisoriesOf(report: AuditReport): { pkg: string; advisory: Advisory }[] {
  return Object.entries(report.vulnerabilities).flatMap(([pkg, v]) =>
    v.via.filter((x): x is Advisory => typeof x !== 'string').map((advisory) => ({ pkg, advisory })),
  );
}

/** The direct dependencies through which `pkg` is installed, following `effects` up the tree. */
function directDependents(report: AuditReport, pkg: string): string[] {
  const found = new Set<string>();
  const seen = new Set<string>();
  const walk = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const v = report.vulnerabilities[name];
    if (!v) return;
    if (v.isDirect) found.add(name);
    v.effects.forEach(walk);
  };
  walk(pkg);
  return [...found].sort();
}

function fixOf(report: AuditReport, pkg: string): string {
  const fix = report.vulnerabilities[pkg]?.fixAvailable;
  if (fix === undefined || fix === false) return 'no fix available';
  if (fix === true) return 'npm audit fix';
  return `${fix.name}@${fix.version}${fix.isSemVerMajor ? ' (semver-major)' : ''}`;
}

const daysBetween = (from: string, to: string) =>
  (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;

/**
 * Applies the policy. `all` is `npm audit --json`, `production` is `npm audit --json --omit=dev` from the same
 * lockfile; `today` is a UTC day (YYYY-MM-DD).
 */
export function applyPolicy(
  all: AuditReport,
  production: AuditReport,
  allowlist: Allowlist,
  today: string,
): PolicyResult {
  const inProduction = new Set(advisoriesOf(production).map(({ pkg, advisory }) => `${pkg} ${advisoryId(advisory)}`));
  const valid = (e: AllowlistEntry) => e.reviewBy >= today && daysBetween(today, e.reviewBy) <= MAX_REVIEW_DAYS;
  const used = new Set<AllowlistEntry>();

  const findings = advisoriesOf(all).map(({ pkg, advisory }): Finding => {
    const id = advisoryId(advisory);
    const production = inProduction.has(`${pkg} ${id}`);
    const finding = {
      id,
      package: pkg,
      severity: advisory.severity,
      title: advisory.title,
      url: advisory.url,
      range: advisory.range ?? all.vulnerabilities[pkg]!.range,
      production,
      via: directDependents(all, pkg),
      fix: fixOf(all, pkg),
    };
    if (!production || !FAILING_SEVERITIES.includes(advisory.severity)) return { ...finding, verdict: 'report' };
    const entry = allowlist.entries.find((e) => e.id === id && (e.package === undefined || e.package === pkg));
    if (entry) used.add(entry);
    if (entry && valid(entry)) return { ...finding, verdict: 'allowed', allowedBy: entry };
    return { ...finding, verdict: 'fail' };
  });

  const problems = allowlist.entries.flatMap((entry): AllowlistProblem[] => {
    if (entry.reviewBy < today) return [{ entry, problem: 'expired', fails: true }];
    if (daysBetween(today, entry.reviewBy) > MAX_REVIEW_DAYS)
      return [{ entry, problem: 'review-too-far', fails: true }];
    if (!used.has(entry)) return [{ entry, problem: 'unused', fails: false }];
    return [];
  });

  const order = (f: Finding) => [
    f.verdict === 'fail' ? 0 : f.verdict === 'allowed' ? 1 : 2,
    -SEVERITIES.indexOf(f.severity),
  ];
  findings.sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    return x[0]! - y[0]! || x[1]! - y[1]! || a.package.localeCompare(b.package) || a.id.localeCompare(b.id);
  });
  return {
    findings,
    allowlist: problems,
    failed: findings.some((f) => f.verdict === 'fail') || problems.some((p) => p.fails),
  };
}

// ── summary ─────────────────────────────────────────────────────────────────────────────────────────────────────

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The report CI prints: one line per finding, then allowlist problems, then the verdict. */
export function summarise(result: PolicyResult, dependencies: AuditReport['metadata']['dependencies']): string {
  const { prod, dev, total } = dependencies;
  const out: string[] = [
    `npm audit: ${prod} production and ${dev} dev dependencies (${total} in all); ` +
      `fails on ${FAILING_SEVERITIES.join('/')} advisories in production dependencies`,
  ];
  if (result.findings.length === 0) out.push('no advisories');
  else
    out.push(
      table(
        ['verdict', 'severity', 'deps', 'package', 'advisory', 'via', 'fix', 'title'],
        result.findings.map((f) => [
          f.verdict === 'allowed' ? `allowed until ${f.allowedBy!.reviewBy}` : f.verdict,
          f.severity,
          f.production ? 'prod' : 'dev',
          f.package,
          f.id,
          f.via.join(',') || '-',
          f.fix,
          f.title,
        ]),
      ),
    );
  for (const p of result.allowlist) {
    const what = {
      expired: `review date ${p.entry.reviewBy} has passed: look again (fix it, or renew with a reason)`,
      'review-too-far': `review date ${p.entry.reviewBy} is more than ${MAX_REVIEW_DAYS} days away`,
      unused: 'matches no failing advisory any more: remove it',
    }[p.problem];
    out.push(
      `allowlist ${p.fails ? 'ERROR' : 'note'}: ${p.entry.id}${p.entry.package ? ` (${p.entry.package})` : ''} ${what}`,
    );
  }
  const failing = result.findings.filter((f) => f.verdict === 'fail').length;
  const allowlistErrors = result.allowlist.filter((p) => p.fails).length;
  const advisories = `${failing} failing advisor${failing === 1 ? 'y' : 'ies'}`;
  out.push(result.failed ? `FAILED: ${advisories}, ${allowlistErrors} allowlist error(s)` : 'passed');
  return out.join('\n');
}
