/**
 * Memoises a pure function of a string. Notes repeat the same few sig fragments ("daily", "b.i.d.", "p.o.") over and
 * over, so normalising each distinct text once keeps validation well under a millisecond. The cache is dropped
 * whole when full: simpler than LRU bookkeeping, and a refill costs only the normalisations themselves.
 */
export function boundedMemo<T>(fn: (text: string) => T, maxEntries = 4096): (text: string) => T {
  const cache = new Map<string, T>();
  return (text: string) => {
    const hit = cache.get(text);
    if (hit !== undefined || cache.has(text)) return hit as T;
    if (cache.size >= maxEntries) cache.clear();
    const value = fn(text);
    cache.set(text, value);
    return value;
  };
}
