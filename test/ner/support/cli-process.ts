import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// The CLI commands run in a plain Node process (onnxruntime-node's tensors do not survive Jest's VM context).
const RUNNER = join('test', 'ner', 'support', 'run-cli.ts');

/** Runs `clinex extract|eval ...` from the sources in a child process; returns its status and output. */
export function cli(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--conditions=clinex-source', '--import', 'tsx', RUNNER, ...args], {
    cwd: process.cwd(),
    encoding: 'utf8',
    input,
    env: { ...process.env, NODE_OPTIONS: '' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
