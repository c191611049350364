import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Tokenizer } from 'tokenizers';
import { ClinicalExtractionSchema, compileContract, type ClinicalExtraction } from '#schemas';
import { BertNerEngine, type TokenClassifier } from '../../apps/extractor/src/engines/bert-ner/bert-ner.engine.js';
import type { WindowPrediction } from '../../apps/extractor/src/engines/bert-ner/onnx-token-classifier.js';
import type { EngineResult } from '../../apps/extractor/src/engines/extraction-engine.port.js';

const FIXTURE = join(process.cwd(), 'test', 'ner', 'fixtures', 'tiny-model');
const validate = compileContract(ClinicalExtractionSchema);

/** A context-free stand-in for the network: B-DRUG on the first piece of "metoprolol", I-DRUG on its other pieces. */
async function stubClassifier(): Promise<{ classifier: TokenClassifier; windowsSeen: number[] }> {
  const tok = Tokenizer.fromFile(join(FIXTURE, 'tokenizer.json'));
  const enc = await tok.encode('metoprolol', null, { addSpecialTokens: false });
  const pieces = enc.getIds();
  const windowsSeen: number[] = [];
  const classifier: TokenClassifier = {
    provider: 'cpu',
    classify: (windows) => {
      windowsSeen.push(windows.length);
      return Promise.resolve(
        windows.map((w): WindowPrediction => {
          const classes = new Int32Array(w.length);
          const probs = new Float32Array(w.length).fill(0.99);
          for (let i = 0; i + pieces.length <= w.length; i++) {
            if (pieces.every((p, k) => w[i + k] === p)) {
              classes[i] = 1; // B-DRUG
              for (let k = 1; k < pieces.length; k++) classes[i + k] = 2; // I-DRUG
            }
          }
          return { classes, probs };
        }),
      );
    },
    dispose: () => Promise.resolve(),
  };
  return { classifier, windowsSeen };
}

function longNote(chars: number): { text: string; drugStarts: number[] } {
  const parts = [
    'Patient seen today.',
    'Metoprolol 25 mg twice a day.',
    'Blood pressure is stable and he feels well.',
    'Continue metoprolol, recheck soon.',
  ];
  let text = '';
  const drugStarts: number[] = [];
  for (let i = 0; text.length < chars; i++) {
    const p = parts[i % parts.length]! + (i % 7 === 0 ? '\n' : '  ');
    const at = p.toLowerCase().indexOf('metoprolol');
    if (at >= 0) drugStarts.push(text.length + at);
    text += p;
  }
  return { text, drugStarts };
}

function allSpans(x: ClinicalExtraction): { text: string; start: number; end: number }[] {
  const out: { text: string; start: number; end: number }[] = [];
  const add = (m: { span: { text: string; start: number; end: number } | null } | null): void => {
    if (m?.span) out.push(m.span);
  };
  for (const m of x.medications) [m.name, m.dose, m.frequency, m.route].forEach(add);
  for (const c of [...x.diagnoses, ...x.symptoms, ...x.followUps]) add(c);
  for (const l of x.labs) [l.name, l.value, l.unit].forEach(add);
  add(x.patient.age);
  if (x.patient.sex.span) out.push(x.patient.sex.span);
  return out;
}

describe('BertNerEngine windowing', () => {
  it('finds every mention in a 20,000-character note across window boundaries, with exact offsets', async () => {
    const { classifier, windowsSeen } = await stubClassifier();
    const engine = await BertNerEngine.create(
      { modelDir: FIXTURE, windowTokens: 48, strideTokens: 12, maxBatchSize: 8, maxWaitMs: 1 },
      { classifier },
    );
    try {
      const { text, drugStarts } = longNote(20_000);
      expect(text.length).toBeGreaterThanOrEqual(20_000);
      const { extraction } = await engine.extract({ noteId: 'long', tenantId: 't', text });
      expect(extraction.medications.map((m) => m.name.span!.start)).toEqual(drugStarts);
      for (const m of extraction.medications) expect(m.name.text.toLowerCase()).toBe('metoprolol');
      for (const s of allSpans(extraction)) expect(text.slice(s.start, s.end)).toBe(s.text);
      // Hundreds of windows, sent in batches of at most 8.
      expect(windowsSeen.reduce((a, b) => a + b, 0)).toBeGreaterThan(100);
      expect(Math.max(...windowsSeen)).toBeLessThanOrEqual(8);
    } finally {
      await engine.close();
    }
  });

  it('batches windows of concurrent extract calls together', async () => {
    const { classifier, windowsSeen } = await stubClassifier();
    const engine = await BertNerEngine.create(
      { modelDir: FIXTURE, windowTokens: 64, strideTokens: 8, maxBatchSize: 16, maxWaitMs: 300 },
      { classifier },
    );
    try {
      const notes = Array.from({ length: 6 }, (_, i) => `Note ${i}: metoprolol 25 mg daily.`);
      const results = await Promise.all(
        notes.map((text, i) => engine.extract({ noteId: `n${i}`, tenantId: 't', text })),
      );
      // Tokenising is asynchronous, so allow a straggler; without batching this would be six runs of one.
      expect(windowsSeen.reduce((a, b) => a + b, 0)).toBe(6);
      expect(windowsSeen.length).toBeLessThanOrEqual(2);
      for (const r of results) expect(r.extraction.medications).toHaveLength(1);
    } finally {
      await engine.close();
    }
  });
});

describe('BertNerEngine with an ONNX model', () => {
  it('runs the tiny random model end to end: valid contract, exact spans, model seconds, provider log', () => {
    const { text } = longNote(20_000);
    const notes = [text, 'A 45-year-old male takes lisinopril 10 mg p.o. daily. Denies chest pain.', ''];
    const run = spawnSync(
      process.execPath,
      [
        '--conditions=clinex-source',
        '--import',
        'tsx',
        join('test', 'ner', 'support', 'run-tiny-model.ts'),
        JSON.stringify(notes),
      ],
      { cwd: process.cwd(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout) as {
      results: EngineResult[];
      logs: string[];
      provider: string;
      descriptor: { name: string };
    };
    for (const [i, r] of out.results.entries()) {
      const v = validate(r.extraction);
      expect(v.ok ? [] : v.errors).toEqual([]);
      for (const s of allSpans(r.extraction)) expect(notes[i]!.slice(s.start, s.end)).toBe(s.text);
    }
    expect(out.results[0]!.modelSeconds).toBeGreaterThan(0);
    expect(out.results[2]!.modelSeconds).toBe(0);
    expect(out.descriptor.name).toBe('bert-ner');
    // Without a CUDA provider in this install the engine says so and runs on CPU.
    expect(out.logs.some((l) => /execution provider (cpu|cuda)/.test(l))).toBe(true);
    if (out.provider === 'cpu') expect(out.logs.some((l) => /CUDA requested/.test(l))).toBe(true);
    expect(out.logs.join('\n')).not.toContain('lisinopril');
  });
});
