import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validateExtraction, type ValidationFlag } from '#validation';

/**
 * Data-file fixtures (test/fixtures/validator/{valid,invalid}/*.json): a note written for the test, an extraction of
 * it, and exactly the flags (code and path) the validator must raise. Valid fixtures must be accepted; each invalid
 * one holds one class of error.
 */

interface ExpectedFlag {
  code: string;
  path: string;
}

interface Fixture {
  file: string;
  description: string;
  note: string;
  extraction: unknown;
  expected: { status: string; flags: ExpectedFlag[]; info?: ExpectedFlag[] };
}

const FIXTURES = fileURLToPath(new URL('../fixtures/validator/', import.meta.url));

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function load(kind: 'valid' | 'invalid'): Fixture[] {
  const dir = `${FIXTURES}${kind}/`;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const doc: unknown = JSON.parse(readFileSync(`${dir}${file}`, 'utf8'));
      if (
        !isRecord(doc) ||
        typeof doc['note'] !== 'string' ||
        typeof doc['description'] !== 'string' ||
        !isRecord(doc['expected'])
      ) {
        throw new Error(`${kind}/${file}: not a validator fixture`);
      }
      return { file: `${kind}/${file}`, ...(doc as Omit<Fixture, 'file'>) };
    });
}

// Compared as sets: ajv reports one schema problem once per union branch it tried.
const byCodeAndPath = (flags: readonly ExpectedFlag[]): string[] =>
  [...new Set(flags.map((f) => `${f.code} ${f.path}`))].sort();
const ofSeverity = (flags: readonly ValidationFlag[], info: boolean): ValidationFlag[] =>
  flags.filter((f) => (f.severity === 'info') === info);

/**
 * Drug names and dose texts of the extraction, to prove no message quotes one. Frequency texts are left out: they are
 * ordinary words ("daily") that a message may use in its own sentence.
 */
function quotedTexts(extraction: unknown): string[] {
  const medications = isRecord(extraction) && Array.isArray(extraction['medications']) ? extraction['medications'] : [];
  return medications
    .flatMap((m: unknown) => (isRecord(m) ? [m['name'], m['dose']] : []))
    .flatMap((mention: unknown) =>
      isRecord(mention) && typeof mention['text'] === 'string' ? [mention['text'].toLowerCase()] : [],
    );
}

describe.each([['valid' as const], ['invalid' as const]])('%s fixtures', (kind) => {
  const fixtures = load(kind);

  it('exist', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(kind === 'valid' ? 5 : 15);
  });

  it.each(fixtures.map((f) => [f.file, f] as const))('%s', (_file, fixture) => {
    const outcome = validateExtraction(fixture.note, fixture.extraction);
    expect(outcome.status).toBe(fixture.expected.status);
    expect(byCodeAndPath(ofSeverity(outcome.flags, false))).toEqual(byCodeAndPath(fixture.expected.flags));
    if (fixture.expected.info)
      expect(byCodeAndPath(ofSeverity(outcome.flags, true))).toEqual(byCodeAndPath(fixture.expected.info));
    // Flag messages are logged: none may quote the note or an extracted value (schema messages come from ajv).
    const texts = quotedTexts(fixture.extraction);
    for (const f of outcome.flags) {
      const message = f.message.toLowerCase();
      expect(texts.filter((t) => message.includes(t))).toEqual([]);
    }
  });
});
