import { describe, expect, it } from '@jest/globals';
import { parseAnswer } from './llm-output.parser.js';

const valid = {
  patient: { age: null, sex: 'unknown', sexText: null },
  medications: [],
  diagnoses: [],
  symptoms: [],
  labs: [],
  followUps: [],
};

describe('parseAnswer', () => {
  it('accepts the JSON object, in a code fence or with text around it, and drops reasoning', () => {
    expect(parseAnswer(JSON.stringify(valid), 'stop')).toEqual({ ok: true, value: valid });
    expect(parseAnswer('```json\n' + JSON.stringify(valid) + '\n```', 'stop')).toEqual({ ok: true, value: valid });
    expect(parseAnswer(`Here it is: ${JSON.stringify({ reasoning: 'x', ...valid })}`, 'stop')).toEqual({
      ok: true,
      value: valid,
    });
  });

  it('accepts entries with their evidence quote, and entries without one (the format of engine version 1)', () => {
    const symptom = { text: 'cough', negated: false };
    const withEvidence = { ...valid, symptoms: [{ evidence: 'Reports a cough', ...symptom }] };
    expect(parseAnswer(JSON.stringify(withEvidence), 'stop')).toEqual({ ok: true, value: withEvidence });
    const without = { ...valid, symptoms: [symptom] };
    expect(parseAnswer(JSON.stringify(without), 'stop')).toEqual({ ok: true, value: without });
    const wrongType = { ...valid, symptoms: [{ evidence: 3, ...symptom }] };
    expect(parseAnswer(JSON.stringify(wrongType), 'stop')).toMatchObject({ ok: false, kind: 'off_contract' });
  });

  it('tells malformed from truncated JSON', () => {
    expect(parseAnswer('{"patient": {', 'length')).toMatchObject({ ok: false, kind: 'truncated' });
    expect(parseAnswer('{"patient": {', 'stop')).toMatchObject({ ok: false, kind: 'malformed' });
    expect(parseAnswer('no json at all', 'stop')).toMatchObject({ ok: false, kind: 'malformed' });
  });

  it('reports schema problems by path, never by value', () => {
    const bad = { ...valid, medications: [{ name: 'Secretdrug', status: 'sometimes' }] };
    const parsed = parseAnswer(JSON.stringify(bad), 'stop');
    expect(parsed).toMatchObject({ ok: false, kind: 'off_contract' });
    if (parsed.ok) return;
    expect(parsed.problem).toContain('/medications/0');
    expect(parsed.problem).not.toContain('Secretdrug');
    expect(parsed.problem).not.toContain('sometimes');
  });

  it('does not quote the answer in a JSON syntax problem', () => {
    const parsed = parseAnswer('{"name": Lisinopril}', 'stop');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).not.toContain('Lisinopril');
  });
});
