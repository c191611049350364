// `npm start` (script `exec node …`): builds, then runs the local launcher in this same process. One node process under npm (no shell between them, no `a && b`
// shell chain), so Ctrl-C reaches the launcher, which stops everything and exits 0, and npm then exits 0 too (a shell
// between them dies of the signal and npm reports 130).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const build = spawnSync(npm, ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
await import(pathToFileURL(path.join(root, 'dist/tools/local/start-local.js')).href);
