/**
 * Long notes are cut into overlapping token windows; each token then takes its prediction from the window in which
 * it sits furthest from an edge, so every token is labelled with as much context on both sides as the windows allow.
 */

export interface TokenWindow {
  /** First content token (index into the note's tokens, specials excluded). */
  readonly start: number;
  /** One past the last content token. */
  readonly end: number;
}

/**
 * Windows of at most `content` tokens, neighbours sharing `overlap` tokens. The last window is aligned to the end so it
 * is full whenever the note is long enough.
 */
export function planWindows(tokenCount: number, content: number, overlap: number): TokenWindow[] {
  if (content < 1 || overlap < 0 || overlap >= content)
    throw new RangeError('need content >= 1 and 0 <= overlap < content');
  if (tokenCount <= content) return [{ start: 0, end: tokenCount }];
  const step = content - overlap;
  const windows: TokenWindow[] = [];
  for (let start = 0; ; start += step) {
    if (start + content >= tokenCount) {
      windows.push({ start: Math.max(0, tokenCount - content), end: tokenCount });
      break;
    }
    windows.push({ start, end: start + content });
  }
  return windows;
}

/**
 * For each token, the index of the window that should label it: the window where min(distance to its start, distance
 * to its end) is largest (ties go to the earlier window).
 */
export function assignTokensToWindows(tokenCount: number, windows: readonly TokenWindow[]): Int32Array {
  const owner = new Int32Array(tokenCount).fill(-1);
  const margin = new Int32Array(tokenCount).fill(-1);
  windows.forEach((w, wi) => {
    for (let t = w.start; t < w.end; t++) {
      const m = Math.min(t - w.start, w.end - 1 - t);
      if (m > margin[t]!) {
        margin[t] = m;
        owner[t] = wi;
      }
    }
  });
  return owner;
}
