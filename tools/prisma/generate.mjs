// Generates the Prisma client offline. The Prisma CLI insists on downloading its native schema engine before
// every command, even `generate`, which never runs it; pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file
// skips that download (see ../shared/STACK.md). Plain JS so it also runs at `npm ci` before anything is built.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let cli;
try {
  cli = require.resolve('prisma/build/index.js');
} catch {
  // Production installs (`npm ci --omit=dev`) have no Prisma CLI; their images copy the generated client in.
  console.log('prisma CLI not installed; skipping client generation');
  process.exit(0);
}
const engine = process.env.PRISMA_SCHEMA_ENGINE_BINARY;
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: engine && existsSync(engine) ? engine : process.execPath,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
};
const result = spawnSync(process.execPath, [cli, 'generate'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
