const WHITESPACE_RE = /\s+/g;

/**
 * Lower-cases and drops all whitespace. Engines re-type what they read ("500mg" for "500 mg", "Tylenol No. 3" with one
 * space for two), so mention text, span text and note search are compared in this form.
 */
export function compactText(text: string): string {
  return text.toLowerCase().replace(WHITESPACE_RE, '');
}
