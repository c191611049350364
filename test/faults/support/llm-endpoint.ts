import {
  answer,
  apiError,
  OpenAiTestServer,
  type RecordedRequest,
  type Reply,
} from '../../support/openai-test-server.js';
import { seededDraw, unreliable, type FaultPlan, type FaultTally } from '../../support/openai-fault-plan.js';
import type { CostCheck, CostReconciliation } from './fault-harness.js';

/**
 * The LLM endpoint of the slow-or-failing-LLM scenario: the OpenAI test server answering like a careful model for
 * the fault run's notes (extraction, repair and reversal-probe prompts), wrapped in a seeded fault plan, with an
 * outage switch. Its ledger of delivered completions is what the scenario's cost events must reconcile against.
 */

export const PURPOSES = ['extraction', 'repair', 'probe'] as const;
export type Purpose = (typeof PURPOSES)[number];

/** The note number the fault harness writes into every note ("Fault run note <i>: ..."), and the prompt's purpose. */
export function unitOf(request: RecordedRequest): { note: number; purpose: Purpose } | null {
  const note = request.body.messages
    .map((m) => /Fault run note (\d+):/.exec(m.content)?.[1])
    .find((n) => n !== undefined);
  if (note === undefined) return null;
  const system = request.body.messages[0]?.content ?? '';
  const purpose: Purpose = system.startsWith('You check which medication')
    ? 'probe'
    : request.lastUserMessage.startsWith('Your answer could not be used')
      ? 'repair'
      : 'extraction';
  return { note: Number(note), purpose };
}

const unitKey = (note: number, purpose: string) => `${note}/${purpose}`;

/** The note the harness posts: metformin and lisinopril, each with dose and frequency. */
function extractionAnswer(): unknown {
  const med = (name: string, dose: string, value: number, frequency: string, route: string | null) => ({
    name,
    dose,
    doseValue: value,
    doseUnit: 'mg',
    frequency,
    route,
    status: 'current',
  });
  return {
    patient: { age: null, sex: 'unknown', sexText: null },
    medications: [med('metformin', '500 mg', 500, 'twice daily', 'PO'), med('lisinopril', '10 mg', 10, 'daily', null)],
    diagnoses: [],
    symptoms: [],
    labs: [],
    followUps: [],
  };
}

/** The probe: each dose or frequency belongs to the medication mention nearest before it (true for these notes). */
function probeAnswer(request: RecordedRequest): unknown {
  const text = request.lastUserMessage;
  const mentions = [...text.matchAll(/^M(\d+): .* at characters (\d+)-\d+$/gm)].map((m) => ({
    n: Number(m[1]),
    start: Number(m[2]),
  }));
  const answers = [...text.matchAll(/^Q(\d+): the \w+ text .* at characters (\d+)-\d+$/gm)].map((q) => {
    const start = Number(q[2]);
    const owner = mentions.filter((m) => m.start < start).at(-1);
    return { question: Number(q[1]), mention: owner?.n ?? null };
  });
  return { answers };
}

export interface FaultyLlm {
  server: OpenAiTestServer;
  tally: FaultTally;
  /** While on, every request is answered 503 (the provider is down). */
  setOutage(on: boolean): void;
  outageAnswers(): number;
  costCheck: CostCheck;
  /** The last reconciliation per purpose (for the scenario's printout). */
  lastBreakdown(): LlmCostBreakdown | null;
}

export async function startFaultyLlm(seed: number, apiKey: string): Promise<FaultyLlm> {
  const server = await OpenAiTestServer.start({ apiKey });
  // About 5% of notes get a malformed first answer (they take the repair prompt); a fifth of those stay beyond repair.
  const malformed = (note: number): 'no' | 'repairable' | 'hopeless' => {
    if (seededDraw(seed, note, 'malformed') >= 0.05) return 'no';
    return seededDraw(seed, note, 'hopeless') < 0.2 ? 'hopeless' : 'repairable';
  };
  const healthy = (request: RecordedRequest): Reply => {
    const unit = unitOf(request);
    if (!unit) return apiError(400, { message: 'not a prompt of this fault run' });
    if (unit.purpose === 'probe') return answer(probeAnswer(request));
    const fate = malformed(unit.note);
    const broken = fate === 'hopeless' || (fate === 'repairable' && unit.purpose === 'extraction');
    return answer(
      broken ? '{"patient": {"age": null, "sex": "unknown"}, "medications": [{"name": ' : extractionAnswer(),
    );
  };
  const plan: FaultPlan = {
    seed,
    keyOf: (request) => {
      const unit = unitOf(request);
      return unit ? unitKey(unit.note, unit.purpose) : 'unknown';
    },
    // About one attempt in four goes wrong. "Slow" stays 1.2 s under the scenario's 2 s client timeout (a loaded
    // machine must not turn it into a timeout whose answer was delivered anyway); "hang" goes past it.
    rates: { slow: 0.08, serverError: 0.04, unavailable: 0.04, rateLimited: 0.04, drop: 0.02, cut: 0.02, hang: 0.02 },
    latencyMs: [20, 200],
    slowMs: [400, 800],
    deadKeys: 0.01,
    retryAfterMs: 100,
  };
  const { script, tally } = unreliable(healthy, plan);
  let outage = false;
  let outageAnswers = 0;
  server.onRequest((request, index) => {
    if (!outage) return script(request, index);
    outageAnswers++;
    return apiError(503, { message: 'The service is temporarily unavailable' });
  });
  let breakdown: LlmCostBreakdown | null = null;
  return {
    server,
    tally,
    setOutage: (on) => void (outage = on),
    outageAnswers: () => outageAnswers,
    costCheck: async (db, tenantId, noteIds) => {
      const { rows } = await db.query<CostRow>(
        `SELECT n.external_id, c.purpose, c.outcome, c.input_tokens, c.output_tokens, c.cached_tokens, c.estimated,
                c.attempts
           FROM cost_events c JOIN notes n ON n.id = c.note_id AND n.tenant_id = c.tenant_id
          WHERE c.tenant_id = $1 AND c.note_id = ANY($2::uuid[])`,
        [tenantId, noteIds],
      );
      breakdown = reconcileLlmCosts(server, rows);
      return breakdown.total;
    },
    lastBreakdown: () => breakdown,
  };
}

interface CostRow {
  external_id: string;
  purpose: string;
  outcome: string | null;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  estimated: boolean;
  attempts: number | null;
}

export interface PurposeFigures {
  /** Units of work (note and purpose) the endpoint saw requests for. */
  units: number;
  /** Completions delivered in full with usage (what the provider bills). */
  delivered: number;
  /** Cost events recorded for an answer (outcome ok or invalid_output). */
  answeredEvents: number;
  /** Cost events of calls that got no answer (timeout, rate limit, 5xx, dropped connection...). */
  failedEvents: number;
  duplicates: number;
  lost: number;
  /** Answered events whose tokens differ from the delivered completion's usage. */
  tokenMismatches: number;
}

export interface LlmCostBreakdown {
  total: CostReconciliation;
  byPurpose: Record<Purpose, PurposeFigures>;
  tokenMismatches: number;
  /** The first units that do not reconcile, described for the failure message (no note text). */
  problems: string[];
}

const ANSWERED = new Set(['ok', 'invalid_output']);

/**
 * The ledger against what the endpoint delivered, per unit of work (note, purpose): a unit with n delivered
 * completions must have n answered events; a unit the endpoint saw but never answered must have exactly one failed
 * event (such a call is metered too: a timed-out attempt may be billed). Anything short is lost, anything over is
 * counted twice. Answered events carry the delivered usage (prompt tokens may add an estimate for timed-out
 * attempts, and say so).
 */
export function reconcileLlmCosts(server: OpenAiTestServer, rows: readonly CostRow[]): LlmCostBreakdown {
  const byPurpose = Object.fromEntries(
    PURPOSES.map((p) => [
      p,
      { units: 0, delivered: 0, answeredEvents: 0, failedEvents: 0, duplicates: 0, lost: 0, tokenMismatches: 0 },
    ]),
  ) as Record<Purpose, PurposeFigures>;
  const seen = new Map<string, number[]>();
  for (const [index, request] of server.requests.entries()) {
    const unit = unitOf(request);
    if (!unit) continue;
    const key = unitKey(unit.note, unit.purpose);
    seen.set(key, [...(seen.get(key) ?? []), index]);
  }
  const problems: string[] = [];
  const delivered = new Map<string, DeliveredUsage[]>();
  for (const c of server.completions) {
    const unit = unitOf(c.request);
    if (!unit) continue;
    const key = unitKey(unit.note, unit.purpose);
    delivered.set(key, [...(delivered.get(key) ?? []), c]);
  }
  const events = new Map<string, CostRow[]>();
  for (const row of rows) {
    const note = /-(\d+)$/.exec(row.external_id)?.[1];
    const key = unitKey(Number(note ?? -1), row.purpose);
    events.set(key, [...(events.get(key) ?? []), row]);
  }
  for (const key of new Set([...seen.keys(), ...events.keys()])) {
    const purpose = key.split('/')[1] as Purpose;
    const figures = byPurpose[purpose] ?? byPurpose.extraction;
    const completions = delivered.get(key) ?? [];
    const recorded = events.get(key) ?? [];
    const answered = recorded.filter((e) => e.outcome !== null && ANSWERED.has(e.outcome));
    const failed = recorded.length - answered.length;
    const expectedFailed = seen.has(key) && completions.length === 0 ? 1 : 0;
    if (seen.has(key)) figures.units++;
    figures.delivered += completions.length;
    figures.answeredEvents += answered.length;
    figures.failedEvents += failed;
    const lost = Math.max(0, completions.length - answered.length) + Math.max(0, expectedFailed - failed);
    const duplicates = Math.max(0, answered.length - completions.length) + Math.max(0, failed - expectedFailed);
    figures.lost += lost;
    figures.duplicates += duplicates;
    if ((lost > 0 || duplicates > 0) && problems.length < 10) {
      const requests = (seen.get(key) ?? []).map((i) => {
        const at = server.requests[i]!.receivedAt - (server.requests[0]?.receivedAt ?? 0);
        return `#${i}@${at}ms${completions.some((c) => c.index === i) ? ' delivered' : ''}`;
      });
      const recordedAs = recorded.map((e) => `${e.outcome ?? 'none'}/${e.attempts ?? '?'} attempts`);
      problems.push(`${key}: requests [${requests.join(', ')}], events [${recordedAs.join(', ')}]`);
    }
    if (completions.length === 1 && answered.length === 1) {
      const [c, e] = [completions[0]!, answered[0]!];
      const inputOk = e.estimated ? e.input_tokens >= c.promptTokens : e.input_tokens === c.promptTokens;
      if (!inputOk || e.output_tokens !== c.completionTokens || e.cached_tokens !== c.cachedTokens) {
        figures.tokenMismatches++;
      }
    }
  }
  const sum = (f: (p: PurposeFigures) => number) => PURPOSES.reduce((a, p) => a + f(byPurpose[p]), 0);
  return {
    total: { events: rows.length, duplicates: sum((p) => p.duplicates), lost: sum((p) => p.lost) },
    byPurpose,
    tokenMismatches: sum((p) => p.tokenMismatches),
    problems,
  };
}

type DeliveredUsage = OpenAiTestServer['completions'][number];
