import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readJsonl } from './cli-io.js';
import { formatScoreTable, scoreMedications, type ScoredMedication } from './medication.scoring.js';
import { formatContractRows, scoreContract, toScoredNote, type ScoredNote } from './contract.scoring.js';
import { corpusAnnotations, isCorpusDir, parseSplit } from './annotated-corpus.js';

const USAGE = `usage: clinex eval --gold gold.jsonl|data/corpus [--split held-out|tune|train] --pred extractions.jsonl [--json scores.json]
Gold lines: {"id", "medications": [{name, dose, dose_value, dose_unit, frequency, route, ...}]} (the gold guideline),
plus, where annotated, "diagnoses", "symptoms", "labs", "followUps" and "patient" (data/corpus/README.md); a corpus
folder with --split reads that split's annotations. Every field the gold annotates is scored.
Pred lines: ClinicalExtraction objects (noteId) as written by \`clinex extract\`, or lines in the gold format.
Prints a table and the scores as JSON (stdout); --json also writes the JSON to a file.`;

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | null =>
  isObj(v) && typeof v['text'] === 'string' ? v['text'] : typeof v === 'string' ? v : null;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** A medication in either the gold format (dose_value/dose_unit beside the dose span) or the contract format. */
export function toScored(m: unknown): ScoredMedication | null {
  if (!isObj(m)) return null;
  const name = text(m['name']);
  if (!name) return null;
  const doseText = text(m['dose']);
  let dose: ScoredMedication['dose'] = null;
  if (doseText !== null) {
    const d = m['dose'] as Json;
    const value = 'dose_value' in m ? num(m['dose_value']) : num(d['value']);
    const unit = 'dose_unit' in m ? str(m['dose_unit']) : str(d['unit']);
    dose = { text: doseText, value, unit };
  }
  return { name, dose, frequency: text(m['frequency']), route: text(m['route']) };
}

interface Loaded {
  medications: Map<string, ScoredMedication[]>;
  contract: Map<string, ScoredNote>;
}

function addLine(into: Loaded, value: unknown, where: string): void {
  if (!isObj(value)) throw new Error(`${where} is not an object`);
  const id = str(value['noteId']) ?? str(value['id']) ?? (typeof value['id'] === 'number' ? String(value['id']) : null);
  const meds = value['medications'];
  if (!id || !Array.isArray(meds)) throw new Error(`${where} needs an id (or noteId) and a medications array`);
  const list = into.medications.get(id) ?? [];
  for (const m of meds) {
    const s = toScored(m);
    if (s) list.push(s);
  }
  into.medications.set(id, list);
  into.contract.set(id, toScoredNote(value));
}

async function load(path: string, what: string, split?: string): Promise<Loaded> {
  const into: Loaded = { medications: new Map(), contract: new Map() };
  if (what === 'gold' && isCorpusDir(path)) {
    corpusAnnotations(path, parseSplit(split)).forEach((a, i) => addLine(into, a, `corpus note ${i + 1}`));
    return into;
  }
  for await (const { line, value } of readJsonl(path)) addLine(into, value, `${what} line ${line}`);
  return into;
}

/** `clinex eval`: P/R/F1 of predictions against gold, for every field the gold annotates. Returns the process exit code. */
export async function runEval(argv: string[]): Promise<number> {
  const args = argv[0] === 'eval' ? argv.slice(1) : argv;
  let values;
  try {
    values = parseArgs({
      args,
      options: {
        gold: { type: 'string' },
        pred: { type: 'string' },
        split: { type: 'string' },
        json: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (!values.gold || !values.pred) {
    process.stderr.write(`--gold and --pred are required\n${USAGE}\n`);
    return 2;
  }
  try {
    const gold = await load(values.gold, 'gold', values.split);
    const pred = await load(values.pred, 'pred');
    const result = scoreMedications(gold.medications, pred.medications);
    const contract = scoreContract(gold.contract, pred.contract);
    if (result.missingPredictions.length > 0) {
      process.stderr.write(
        `warning: ${result.missingPredictions.length} gold notes have no prediction (scored as empty)\n`,
      );
    }
    const json = JSON.stringify(
      {
        notes: result.notes,
        missingPredictions: result.missingPredictions.length,
        scores: { ...result.scores, ...contract.scores },
        negationAccuracy: contract.negationAccuracy,
      },
      null,
      2,
    );
    const negation =
      contract.negationAccuracy === null
        ? ''
        : `\nnegation agreement on matched problems: ${contract.negationAccuracy.toFixed(3)}`;
    process.stdout.write(`${formatScoreTable(result.scores, formatContractRows(contract))}${negation}\n\n${json}\n`);
    if (values.json) writeFileSync(values.json, json + '\n');
    return 0;
  } catch (e) {
    process.stderr.write(`eval failed: ${(e as Error).message}\n`);
    return 1;
  }
}

/** Registry entry for tools/cli/clinex.ts (`COMMANDS.eval = evalCommand`); writes to the process streams. */
export const evalCommand = {
  summary:
    'P/R/F1 of extractions against gold: medications (names, name+dose/frequency/route), problems, labs, follow-ups, age, sex',
  usage: USAGE,
  run: (args: readonly string[]): Promise<number> => runEval([...args]),
} as const;
