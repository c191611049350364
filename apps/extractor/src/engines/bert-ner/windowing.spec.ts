import { describe, expect, it } from '@jest/globals';
import { assignTokensToWindows, planWindows } from './windowing.js';

describe('planWindows', () => {
  it('keeps a short note in one window', () => {
    expect(planWindows(10, 126, 32)).toEqual([{ start: 0, end: 10 }]);
  });

  it('covers every token with windows of the given size that overlap by the stride', () => {
    for (const n of [127, 200, 1000, 4321]) {
      const w = planWindows(n, 126, 32);
      expect(w[0]!.start).toBe(0);
      expect(w[w.length - 1]!.end).toBe(n);
      for (const x of w) expect(x.end - x.start).toBe(126);
      for (let i = 1; i < w.length; i++) expect(w[i - 1]!.end - w[i]!.start).toBeGreaterThanOrEqual(32);
    }
  });

  it('gives each token to the window where it is most central', () => {
    const w = planWindows(300, 100, 40);
    const owner = assignTokensToWindows(300, w);
    expect([...owner].every((o) => o >= 0)).toBe(true);
    // In an overlap, the first half goes to the earlier window, the second half to the later one.
    const overlapStart = w[1]!.start;
    const overlapEnd = w[0]!.end;
    expect(owner[overlapStart]).toBe(0);
    expect(owner[overlapEnd - 1]).toBe(1);
    // Ownership never goes back to an earlier window.
    for (let t = 1; t < 300; t++) expect(owner[t]!).toBeGreaterThanOrEqual(owner[t - 1]!);
  });
});
