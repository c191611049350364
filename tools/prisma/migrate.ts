// `npm run db:migrate`: applies prisma/migrations to DATABASE_URL with the project's runner (see migration-runner.ts).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyMigrations } from '../../libs/database/src/migrations/migration-runner.js';

const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write('db:migrate: DATABASE_URL: is required but not set\n');
  process.exit(1);
}
const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../prisma/migrations');
const result = await applyMigrations(url, dir, (line) => process.stdout.write(`${line}\n`));
process.stdout.write(`migrations: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied\n`);
