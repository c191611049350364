// Tokenises the training corpus with the npm `tokenizers` package (the library the engine uses at run time), so the
// training labels are aligned to exactly the tokens and character offsets the engine will see.
// Usage: node tools/train/tokenize-corpus.mjs <tokenizer.json> <corpus.jsonl> <out.jsonl>
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Tokenizer } from 'tokenizers';

const [tokPath, corpusPath, outPath] = process.argv.slice(2);
const tok = Tokenizer.fromFile(tokPath);
const out = createWriteStream(outPath);
let n = 0;
let tokens = 0;
let unk = 0;
for await (const line of createInterface({ input: createReadStream(corpusPath) })) {
  if (!line.trim()) continue;
  const doc = JSON.parse(line);
  const enc = await tok.encode(doc.text, null, { addSpecialTokens: false });
  const ids = enc.getIds();
  tokens += ids.length;
  unk += ids.filter((i) => i === 1).length;
  out.write(JSON.stringify({ src: doc.src, ids, offsets: enc.getOffsets(), spans: doc.spans }) + '\n');
  n++;
}
out.end();
console.log(JSON.stringify({ docs: n, tokens, unkRate: unk / tokens }));
