import { createHash } from 'node:crypto';
import { apiError, type RecordedRequest, type Script } from './openai-test-server.js';

/**
 * A slow, failing OpenAI-compatible endpoint for the test server: each attempt is answered late, with a 500, 503 or
 * 429, a dropped connection, an answer cut off mid-body, or not at all (the client times out); some units of work
 * fail on every attempt. Decisions are drawn from a hash of the seed, the request's unit of work and its attempt
 * number for that unit, so a run gives every note the same fate whatever order the requests arrive in.
 */
export interface FaultPlan {
  readonly seed: number;
  /** The unit of work a request belongs to (e.g. a note and a purpose); attempts are counted per key. */
  readonly keyOf: (request: RecordedRequest) => string;
  /** Shares of attempts (0..1, summing to at most 1); the rest get the base script's answer after `latencyMs`. */
  readonly rates: Readonly<Partial<Record<FaultKind, number>>>;
  /** Latency of an ordinary answer, uniform in [min, max]. */
  readonly latencyMs: readonly [number, number];
  /** Latency of a `slow` answer (keep it under the client's timeout, so "slow" never becomes "timed out"). */
  readonly slowMs: readonly [number, number];
  /** Share of keys answered 503 on every attempt, so their calls exhaust the client's retries. */
  readonly deadKeys?: number;
  /** Retry-After sent with 429s, in ms. */
  readonly retryAfterMs?: number;
}

export type FaultKind = 'slow' | 'serverError' | 'unavailable' | 'rateLimited' | 'drop' | 'cut' | 'hang';

const KINDS: readonly FaultKind[] = ['slow', 'serverError', 'unavailable', 'rateLimited', 'drop', 'cut', 'hang'];

/** Uniform [0, 1) from a hash of the parts. */
export function seededDraw(...parts: readonly (string | number)[]): number {
  const hex = createHash('sha256').update(parts.join('|')).digest('hex');
  return parseInt(hex.slice(0, 12), 16) / 2 ** 48;
}

export interface FaultTally {
  /** Attempts per fate, `answer` included. */
  readonly byKind: Record<FaultKind | 'answer' | 'dead', number>;
}

/** Wraps `answer` (what a healthy endpoint would say) in the plan's faults; `tally` counts what was done. */
export function unreliable(answer: Script, plan: FaultPlan): { script: Script; tally: FaultTally } {
  const attempts = new Map<string, number>();
  const tally: FaultTally = {
    byKind: { answer: 0, dead: 0, slow: 0, serverError: 0, unavailable: 0, rateLimited: 0, drop: 0, cut: 0, hang: 0 },
  };
  const between = ([min, max]: readonly [number, number], draw: number) => Math.round(min + (max - min) * draw);
  const script: Script = async (request, index) => {
    const key = plan.keyOf(request);
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    const latency = between(plan.latencyMs, seededDraw(plan.seed, key, attempt, 'latency'));
    if (plan.deadKeys && seededDraw(plan.seed, key, 'dead') < plan.deadKeys) {
      tally.byKind.dead++;
      return apiError(503, { message: 'The engine is currently overloaded', delayMs: latency });
    }
    const draw = seededDraw(plan.seed, key, attempt, 'kind');
    let edge = 0;
    let kind: FaultKind | 'answer' = 'answer';
    for (const k of KINDS) {
      edge += plan.rates[k] ?? 0;
      if (draw < edge) {
        kind = k;
        break;
      }
    }
    tally.byKind[kind]++;
    switch (kind) {
      case 'answer':
      case 'slow':
      case 'cut': {
        const reply = await answer(request, index);
        if (reply.kind !== 'answer') return reply;
        if (kind === 'cut') {
          // Somewhere inside the JSON body, never at its end.
          return {
            ...reply,
            delayMs: latency,
            cutAfterBytes: 20 + Math.floor(seededDraw(plan.seed, key, attempt) * 80),
          };
        }
        const delayMs = kind === 'slow' ? between(plan.slowMs, seededDraw(plan.seed, key, attempt, 'slow')) : latency;
        return { ...reply, delayMs };
      }
      case 'serverError':
        return apiError(500, { delayMs: latency });
      case 'unavailable':
        return apiError(503, { message: 'The engine is currently overloaded', delayMs: latency });
      case 'rateLimited':
        return apiError(429, { retryAfterMs: plan.retryAfterMs ?? 100, delayMs: latency });
      case 'drop':
        return { kind: 'drop', delayMs: latency };
      case 'hang':
        return { kind: 'hang' };
      default: {
        const unknown: never = kind;
        throw new Error(`unknown fault ${String(unknown)}`);
      }
    }
  };
  return { script, tally };
}
