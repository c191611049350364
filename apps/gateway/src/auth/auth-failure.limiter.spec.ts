import { describe, expect, it } from '@jest/globals';
import { createLogger, Metrics } from '#platform';
import { AuthFailureLimiter, clientKey, MAX_TRACKED_CLIENTS } from './auth-failure.limiter.js';
import { AuthErrorCode, RateLimitError } from './auth.errors.js';

const SECOND = 1000;

function limiter(limit = 3, windowSeconds = 60, lockoutSeconds = 300): AuthFailureLimiter {
  return new AuthFailureLimiter(
    {
      AUTH_FAILURE_LIMIT: limit,
      AUTH_FAILURE_WINDOW_SECONDS: windowSeconds,
      AUTH_LOCKOUT_SECONDS: lockoutSeconds,
      AUTH_LOCKOUT_VERIFY_INTERVAL_MS: 1000,
    },
    createLogger({ name: 'test', level: 'silent' }),
    new Metrics('test'),
  );
}

/** The refusal a locked-out client's request without a valid key gets, or null when the client is not locked out. */
function lockoutOf(l: AuthFailureLimiter, client: string, now: number): RateLimitError | null {
  return l.isLockedOut(client, now) ? l.refusal(client, false, now) : null;
}

describe('AuthFailureLimiter', () => {
  it('locks a client out when the limit is reached within the sliding window', () => {
    const l = limiter();
    l.recordFailure('a', 0);
    l.recordFailure('a', 30 * SECOND);
    l.recordFailure('a', 61 * SECOND); // the first one has left the window
    expect(lockoutOf(l, 'a', 61 * SECOND)).toBeNull();
    l.recordFailure('a', 62 * SECOND); // 30 s, 61 s, 62 s
    const error = lockoutOf(l, 'a', 62 * SECOND);
    expect(error?.code).toBe(AuthErrorCode.TOO_MANY_AUTH_FAILURES);
    expect(error?.retryAfterSeconds).toBe(300);
  });

  it('counts Retry-After down and lifts the lockout when it ends, then counts afresh', () => {
    const l = limiter(2, 60, 10);
    l.recordFailure('a', 0);
    l.recordFailure('a', 0);
    expect(lockoutOf(l, 'a', 4_500)?.retryAfterSeconds).toBe(6);
    expect(lockoutOf(l, 'a', 9_999)?.retryAfterSeconds).toBe(1);
    expect(lockoutOf(l, 'a', 10_000)).toBeNull();
    l.recordFailure('a', 10_000);
    expect(lockoutOf(l, 'a', 10_000)).toBeNull();
  });

  it('rations key verifications of a locked-out client to one a second, and none are rationed otherwise', () => {
    const l = limiter(1);
    expect([l.takeVerification('a', 0), l.takeVerification('a', 1)]).toEqual([true, true]);
    l.recordFailure('a', 0);
    expect(l.takeVerification('a', 10)).toBe(true);
    expect(l.takeVerification('a', 500)).toBe(false);
    expect(l.refusal('a', true, 500)).toMatchObject({
      code: AuthErrorCode.TOO_MANY_AUTH_FAILURES,
      retryAfterSeconds: 1,
    });
    expect(l.takeVerification('a', 1010)).toBe(true);
    expect(l.takeVerification('b', 1010)).toBe(true);
    expect(l.takeVerification('b', 1011)).toBe(true);
  });

  it('keeps clients apart', () => {
    const l = limiter(1);
    l.recordFailure('a', 0);
    expect(lockoutOf(l, 'a', 1)).not.toBeNull();
    expect(lockoutOf(l, 'b', 1)).toBeNull();
  });

  it('stays bounded under a flood of addresses, forgetting idle clients first and keeping lockouts', () => {
    const l = limiter(2, 60, 300);
    l.recordFailure('locked', 0);
    l.recordFailure('locked', 0);
    for (let i = 1; i < MAX_TRACKED_CLIENTS; i++) l.recordFailure(`client-${i}`, 0);
    expect(l.trackedClients).toBe(MAX_TRACKED_CLIENTS);
    // A minute later every one-off client is idle: the next new client makes them go, the lockout stays.
    l.recordFailure('newcomer', 61 * SECOND);
    expect(l.trackedClients).toBe(2);
    expect(lockoutOf(l, 'locked', 61 * SECOND)).not.toBeNull();
    // All busy: the oldest tenth makes room at once, and the map never grows past its bound.
    let largest = 0;
    for (let i = 0; i < MAX_TRACKED_CLIENTS + 10; i++) {
      l.recordFailure(`burst-${i}`, 62 * SECOND);
      largest = Math.max(largest, l.trackedClients);
    }
    expect(largest).toBe(MAX_TRACKED_CLIENTS);
    expect(l.trackedClients).toBeGreaterThan(MAX_TRACKED_CLIENTS * 0.9);
    expect(l.trackedClients).toBeLessThan(MAX_TRACKED_CLIENTS * 0.9 + 20);
  });
});

describe('clientKey', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::ffff:cb00:7107', '203.0.113.7'],
    ['2001:db8:0:7::1', '2001:db8:0:7::/64'],
    ['2001:0db8:0000:0007:ffff:0:0:3', '2001:db8:0:7::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.33', '64:ff9b:0:0::/64'],
    [undefined, 'unknown'],
  ])('%s → %s', (ip, key) => {
    expect(clientKey(ip)).toBe(key);
  });
});
