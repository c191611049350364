import { describe, expect, it } from '@jest/globals';
import { DynamicBatcher } from './dynamic-batcher.js';

describe('DynamicBatcher', () => {
  it('batches items from concurrent callers up to the max batch size, one batch at a time', async () => {
    const sizes: number[] = [];
    let running = 0;
    let maxRunning = 0;
    const b = new DynamicBatcher<number, number>(
      async (items) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        sizes.push(items.length);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        return items.map((x) => x * 2);
      },
      4,
      50,
    );
    const results = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((x) => b.submit(x)));
    expect(results.map((r) => r.output)).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    expect(sizes.slice(0, 2)).toEqual([4, 4]);
    expect(sizes.reduce((a, c) => a + c, 0)).toBe(10);
    expect(maxRunning).toBe(1);
    expect(results[0]!.stats.size).toBe(4);
  });

  it('runs a partial batch after the max wait', async () => {
    const b = new DynamicBatcher<number, number>(async (items) => items, 64, 20);
    const t0 = performance.now();
    const r = await b.submit(1);
    expect(r.stats.size).toBe(1);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(15);
  });

  it('rejects every item of a failed batch', async () => {
    const b = new DynamicBatcher<number, number>(() => Promise.reject(new Error('boom')), 2, 0);
    await expect(b.submit(1)).rejects.toThrow('boom');
  });
});
