import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The functions a V8 CPU profile (`node --cpu-prof`) spent most time in, by self time and by total time (self plus
 * callees), with the share of all samples:
 *
 *   npx tsx tools/perf/top-frames.ts DIR-or-FILE [--top 25]
 *
 * A folder means its newest .cpuprofile. Frames are named function (file:line), with paths inside the repository.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

const [target = '.', ...rest] = process.argv.slice(2);
const top = rest[0] === '--top' ? Number(rest[1]) : 25;
const file = statSync(target).isDirectory()
  ? readdirSync(target)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => path.join(target, f))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]
  : target;
if (!file) throw new Error(`no .cpuprofile in ${target}`);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const root = process.cwd();
const name = (n: ProfileNode) => {
  const { functionName, url, lineNumber } = n.callFrame;
  const where = url.replace(/^file:\/\//, '').replace(`${root}/`, '');
  return `${functionName || '(anonymous)'}${where ? ` (${where}:${lineNumber + 1})` : ''}`;
};

const self = new Map<string, number>();
const total = new Map<string, number>();
const idle = new Set(['(idle)', '(program)', '(garbage collector)']);
let busy = 0;
for (const id of profile.samples) {
  const leaf = byId.get(id)!;
  const leafName = name(leaf);
  self.set(leafName, (self.get(leafName) ?? 0) + 1);
  if (leaf.callFrame.functionName !== '(idle)') busy++;
  // Each function once per sample, however deep it recurses.
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = name(byId.get(at)!);
    if (!seen.has(frame)) total.set(frame, (total.get(frame) ?? 0) + 1);
    seen.add(frame);
  }
}

const samples = profile.samples.length;
const print = (title: string, counts: Map<string, number>) => {
  process.stdout.write(`\n${title}\n`);
  for (const [frame, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    if (idle.has(frame) && title.startsWith('total')) continue;
    process.stdout.write(`  ${((100 * n) / samples).toFixed(1).padStart(5)}%  ${frame}\n`);
  }
};
process.stdout.write(`${path.basename(file)}: ${samples} samples, ${((100 * busy) / samples).toFixed(1)}% not idle\n`);
print('self time', self);
print('total time (self + callees)', total);
