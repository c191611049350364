import { readFileSync } from 'node:fs';
import { validateExtraction } from '#validation';
const d = JSON.parse(readFileSync(process.argv[2]!, 'utf8'));
const out = validateExtraction(d.note, d.extraction);
console.log(JSON.stringify(out.flags ?? out, null, 1).slice(0, 2000));
