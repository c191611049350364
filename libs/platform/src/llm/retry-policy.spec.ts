import { describe, expect, it } from '@jest/globals';
import { classifyStatus, retryAfterMs, retryDelayMs } from './retry-policy.js';
import { deterministicId } from './call-id.js';

const headers = (h: Record<string, string>) => new Headers(h);
const policy = { maxRetries: 3, baseMs: 1000, maxMs: 30_000 };

describe('retry policy', () => {
  it('reads retry-after-ms, then Retry-After in seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-28T12:00:00Z');
    expect(retryAfterMs(headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now)).toBe(250);
    expect(retryAfterMs(headers({ 'retry-after': '2' }), now)).toBe(2000);
    expect(retryAfterMs(headers({ 'retry-after': '1.5' }), now)).toBe(1500);
    expect(retryAfterMs(headers({ 'retry-after': 'Sat, 28 Nov 2026 12:00:07 GMT' }), now)).toBe(7000);
    expect(retryAfterMs(headers({ 'retry-after': 'soon' }), now)).toBeNull();
    expect(retryAfterMs(headers({}), now)).toBeNull();
    expect(retryAfterMs(undefined, now)).toBeNull();
  });

  it('honours a requested wait (plus at most 10% jitter) and refuses one above the maximum', () => {
    expect(retryDelayMs(1, 2000, policy, () => 0)).toBe(2000);
    expect(retryDelayMs(1, 2000, policy, () => 0.999)).toBe(2200);
    expect(retryDelayMs(1, 31_000, policy, () => 0)).toBeNull();
  });

  it('backs off exponentially with jitter between half and all of the step, capped', () => {
    const low = [1, 2, 3, 4, 10].map((n) => retryDelayMs(n, null, policy, () => 0));
    const high = [1, 2, 3, 4, 10].map((n) => retryDelayMs(n, null, policy, () => 1));
    expect(low).toEqual([500, 1000, 2000, 4000, 15_000]);
    expect(high).toEqual([1000, 2000, 4000, 8000, 30_000]);
  });

  it('retries rate limits, timeouts and server errors, not other client errors', () => {
    expect([429, 408, 500, 503, 400, 401, 404, 422].map(classifyStatus)).toEqual([
      'rate_limited',
      'timeout',
      'server_error',
      'server_error',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
    ]);
  });

  it('derives the same UUID-shaped call id from the same parts, and another from others', () => {
    const id = deterministicId('llm', 'message-1', 'extraction', '0');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deterministicId('llm', 'message-1', 'extraction', '0')).toBe(id);
    expect(deterministicId('llm', 'message-1', 'repair', '1')).not.toBe(id);
    // Parts are separated, so moving a boundary changes the id.
    expect(deterministicId('ab', 'c')).not.toBe(deterministicId('a', 'bc'));
  });
});
