import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './test-database.js';

export type AppName = 'gateway' | 'extractor' | 'validator';

/** A built service running as its own process, exactly as in production; every line it writes is kept. */
export interface ServiceProcess {
  name: AppName;
  child: ChildProcess;
  lines: string[];
  url: string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function entryPoint(app: AppName): string {
  const file = path.join(REPO_ROOT, 'dist/apps', app, 'src/main.js');
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` (npm test does it in pretest)`);
  return file;
}

function baseEnv(): NodeJS.ProcessEnv {
  // Only what a deployment would set: no Jest or npm variables leak into the service.
  const { PATH, HOME, LANG, TZ } = process.env;
  return { PATH, HOME, LANG, TZ, NODE_ENV: 'production' };
}

export function runToExit(
  app: AppName,
  env: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entryPoint(app)], { cwd: REPO_ROOT, env: { ...baseEnv(), ...env } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${app} did not exit within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** `nodeArgs` go to node itself (e.g. `--cpu-prof`, which NODE_OPTIONS may not carry). */
export function startServiceProcess(
  app: AppName,
  env: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
  nodeArgs: string[] = [],
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [...nodeArgs, entryPoint(app)], {
    cwd: REPO_ROOT,
    env: { ...baseEnv(), PORT: '0', ...env },
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${app} did not start within ${timeoutMs} ms:\n${lines.join('\n')}`));
    }, timeoutMs);
    const onData = (data: Buffer) => {
      buffered += data.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        const started = /"msg":"clinex-[a-z]+ started"/.test(line) ? (JSON.parse(line) as { url: string }) : null;
        if (started) {
          clearTimeout(timer);
          resolve({
            name: app,
            child,
            lines,
            url: started.url,
            stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
              if (child.exitCode === null && child.signalCode === null) child.kill(signal);
              return exited;
            },
          });
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      if (buffered) lines.push(buffered);
      reject(new Error(`${app} exited with ${code} before starting:\n${lines.join('\n')}`));
    });
  });
}

export async function waitFor<T>(
  probe: () => Promise<T | null | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
