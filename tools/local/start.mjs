// `npm start` (the script is `exec node tools/local/start.mjs`): builds, then runs the local launcher in this same
// process. With no shell between npm and node, Ctrl-C reaches the launcher, which stops everything and exits 0, and
// npm exits 0 too (a shell in between dies of the signal, and npm then reports 130).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const build = spawnSync(npm, ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
await import(pathToFileURL(path.join(root, 'dist/tools/local/start-local.js')).href);
