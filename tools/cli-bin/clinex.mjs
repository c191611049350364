#!/usr/bin/env node
// `npx clinex …`: runs the TypeScript CLI (tools/cli/clinex.ts) from the sources through tsx, with the
// `clinex-source` condition so the package's `#schemas`-style imports resolve to the sources rather than dist/.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const entry = path.resolve(here, '..', 'cli', 'clinex.ts');
const tsx = pathToFileURL(require.resolve('tsx/esm')).href;
const result = spawnSync(
  process.execPath,
  ['--conditions=clinex-source', '--import', tsx, entry, ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
);
process.exit(result.status ?? 1);
