// postbuild: tsc emits only compiled TypeScript, so the browser files of the gateway's pages (any `assets` folder
// under apps/*/src) are copied to the same place under dist/, where the compiled page controllers look for them.
import { cpSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..');

function* assetFolders(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const full = path.join(dir, entry.name);
    if (entry.name === 'assets') yield full;
    else yield* assetFolders(full);
  }
}

let copied = 0;
for (const app of readdirSync(path.join(root, 'apps'))) {
  const src = path.join(root, 'apps', app, 'src');
  if (!existsSync(src)) continue;
  for (const folder of assetFolders(src)) {
    cpSync(folder, path.join(root, 'dist', path.relative(root, folder)), { recursive: true });
    copied++;
  }
}
process.stdout.write(`copied ${copied} page asset folder(s) into dist/\n`);
