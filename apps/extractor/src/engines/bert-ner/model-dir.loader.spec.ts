import { describe, expect, it } from '@jest/globals';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BertNerError, BertNerErrorCode } from './bert-ner.errors.js';
import { loadModelDir } from './model-dir.loader.js';
import { BertNerEngine } from './bert-ner.engine.js';

const FIXTURE = join(process.cwd(), 'test', 'ner', 'fixtures', 'tiny-model');

function copyFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ner-model-'));
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof BertNerError) return e.code;
    throw e;
  }
  return undefined;
}

describe('loadModelDir', () => {
  it('loads the fixture: labels in id order, mapped onto contract fields', () => {
    const m = loadModelDir(FIXTURE);
    expect(m.labels[0]).toEqual({ prefix: 'O', type: null, target: null });
    expect(m.labels.find((l) => l.type === 'DRUG' && l.prefix === 'B')?.target).toBe('medication.name');
    expect(m.maxPositions).toBe(64);
  });

  it.each(['model.onnx', 'config.json', 'tokenizer.json', 'clinex-labels.json'])('names a missing %s', (file) => {
    const dir = copyFixture();
    try {
      rmSync(join(dir, file));
      expect(() => loadModelDir(dir)).toThrow(file);
      expect(codeOf(() => loadModelDir(dir))).toBe(BertNerErrorCode.ModelFileMissing);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a config.json that is not JSON', () => {
    const dir = copyFixture();
    try {
      writeFileSync(join(dir, 'config.json'), '{"id2label": {"0": "O",');
      expect(codeOf(() => loadModelDir(dir))).toBe(BertNerErrorCode.ModelConfigInvalid);
      expect(() => loadModelDir(dir)).toThrow(/config\.json is not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a config.json without id2label', () => {
    const dir = copyFixture();
    try {
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', max_position_embeddings: 64 }));
      expect(() => loadModelDir(dir)).toThrow(/id2label/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects model labels the mapping does not cover, naming the label', () => {
    const dir = copyFixture();
    try {
      writeFileSync(join(dir, 'clinex-labels.json'), JSON.stringify({ entities: { DRUG: 'medication.name' } }));
      expect(codeOf(() => loadModelDir(dir))).toBe(BertNerErrorCode.LabelNotMapped);
      expect(() => loadModelDir(dir)).toThrow(/"B-DOSE"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a mapping onto an unknown contract field', () => {
    const dir = copyFixture();
    try {
      writeFileSync(join(dir, 'clinex-labels.json'), JSON.stringify({ entities: { DRUG: 'medication.colour' } }));
      expect(codeOf(() => loadModelDir(dir))).toBe(BertNerErrorCode.ModelConfigInvalid);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the engine fails at start on a bad dir and on a window larger than the model allows', async () => {
    await expect(BertNerEngine.create({ modelDir: join(tmpdir(), 'no-such-model-dir') })).rejects.toThrow(
      /lacks model\.onnx/,
    );
    await expect(BertNerEngine.create({ modelDir: FIXTURE, windowTokens: 128 })).rejects.toThrow(
      /max_position_embeddings/,
    );
    await expect(BertNerEngine.create({ modelDir: FIXTURE, windowTokens: 32, strideTokens: 40 })).rejects.toThrow(
      /strideTokens/,
    );
  });
});
