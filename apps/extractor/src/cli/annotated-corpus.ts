import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { NoteInput } from './cli-io.js';

/**
 * The annotated corpus (data/corpus): its manifest fixes each note's split (train, tune, held-out) before anyone
 * annotated or trained; annotations/*.jsonl hold one annotated note a line. Note texts are not in the repo: they are
 * read by id from the MTSamples file the manifest names (beside the checkout, in ../shared).
 */
export const CORPUS_SPLITS = ['train', 'tune', 'held-out'] as const;
export type CorpusSplit = (typeof CORPUS_SPLITS)[number];

interface Manifest {
  source: string;
  split: Record<string, string>;
}

export function isCorpusDir(path: string): boolean {
  return existsSync(join(path, 'manifest.json')) && existsSync(join(path, 'annotations'));
}

function manifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
}

export function parseSplit(value: string | undefined): CorpusSplit {
  if (value === undefined) throw new Error(`--split is required with a corpus folder (${CORPUS_SPLITS.join(', ')})`);
  if (!(CORPUS_SPLITS as readonly string[]).includes(value))
    throw new Error(`--split must be one of ${CORPUS_SPLITS.join(', ')}`);
  return value as CorpusSplit;
}

/** The annotated notes of one split, in file order (first annotation of each note; double annotations are not read). */
export function corpusAnnotations(dir: string, split: CorpusSplit): Record<string, unknown>[] {
  const { split: splits } = manifest(dir);
  const out: Record<string, unknown>[] = [];
  const annDir = join(dir, 'annotations');
  for (const file of readdirSync(annDir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()) {
    for (const raw of readFileSync(join(annDir, file), 'utf8').split('\n')) {
      if (!raw.trim()) continue;
      const ann = JSON.parse(raw) as Record<string, unknown>;
      if (splits[String(ann['id'])] === split) out.push(ann);
    }
  }
  return out;
}

/** The texts of the annotated notes of one split, from the MTSamples file the manifest names. */
export function corpusNotes(dir: string, split: CorpusSplit): NoteInput[] {
  const ids = new Set(corpusAnnotations(dir, split).map((a) => String(a['id'])));
  const source = resolve(dir, '..', '..', '..', manifest(dir).source);
  if (!existsSync(source)) throw new Error(`the corpus's note texts are not at ${source}`);
  const notes: NoteInput[] = [];
  for (const raw of readFileSync(source, 'utf8').split('\n')) {
    if (!raw.trim()) continue;
    const n = JSON.parse(raw) as { id: string; text: string };
    if (ids.has(n.id)) notes.push({ id: n.id, text: n.text });
  }
  return notes;
}
