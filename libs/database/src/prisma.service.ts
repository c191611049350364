import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client.js';

export type DatabaseClient = PrismaClient;
/** The client handed to a callback of `$transaction`: repositories accept either. */
export type DatabaseTransaction = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

/**
 * The one database handle of a process: Prisma for repositories, and `sql` over the same connection pool for the
 * few statements on a hot path where Prisma's per-call work (query compilation, an interactive transaction's round
 * trips) costs more than the database does (see bench/ingest.bench.ts). Nothing else opens connections.
 */
export function createPrismaService(databaseUrl: string, poolSize = 10): PrismaService {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  // A pooled idle connection the server drops (restart, idle kill) is removed by pg-pool, which then emits 'error':
  // without a listener that would end the process. The next query simply takes another connection.
  pool.on('error', () => undefined);
  // Prisma 7 with the pg driver adapter needs no native query engine.
  return new PrismaService(new PrismaClient({ adapter: new PrismaPg(pool) }), pool);
}

/** Statements over the shared pool, rows typed by the caller; SQL with `$n` parameters only, never interpolation. */
export interface SqlRunner {
  /**
   * `name` makes it a prepared statement: each connection parses and plans it once, then only binds values (for
   * statements run on every request). One name, one text.
   */
  query<Row>(text: string, values: unknown[], name?: string): Promise<Row[]>;
  /** Runs `work` in one transaction on one connection: committed when it returns, rolled back when it throws. */
  transaction<T>(work: (sql: Pick<SqlRunner, 'query'>) => Promise<T>): Promise<T>;
}

function sqlRunner(pool: pg.Pool): SqlRunner {
  return {
    query: async <Row>(text: string, values: unknown[], name?: string) =>
      (await pool.query({ text, values, name })).rows as Row[],
    transaction: async <T>(work: (sql: Pick<SqlRunner, 'query'>) => Promise<T>) => {
      const connection = await pool.connect();
      // While checked out, a connection the server drops emits 'error' on the client itself (pg-pool listens only
      // to idle ones); the statement in flight fails with it, so the event only needs a listener.
      const ignoreDropped = () => undefined;
      connection.on('error', ignoreDropped);
      try {
        await connection.query('BEGIN');
        const result = await work({
          query: async <Row>(text: string, values: unknown[], name?: string) =>
            (await connection.query({ text, values, name })).rows as Row[],
        });
        await connection.query('COMMIT');
        connection.off('error', ignoreDropped);
        connection.release();
        return result;
      } catch (error) {
        // A connection whose rollback fails is broken: the pool discards it instead of handing it out again.
        const broken = await connection.query('ROLLBACK').then(
          () => undefined,
          (rollbackError: unknown) => rollbackError as Error,
        );
        connection.off('error', ignoreDropped);
        connection.release(broken);
        throw error;
      }
    },
  };
}

/**
 * The one PrismaClient of a process. Repositories inject it; nothing else touches Prisma.
 * Provided through a factory (see DatabaseModule) so the URL comes from the app's validated config.
 */
@Injectable()
export class PrismaService implements OnApplicationShutdown {
  readonly sql: SqlRunner;

  constructor(
    readonly client: PrismaClient,
    private readonly pool: pg.Pool,
  ) {
    this.sql = sqlRunner(pool);
  }

  async isReady(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  // The last hook Nest runs, after consumers and HTTP have stopped, so in-flight work can still commit.
  async onApplicationShutdown(): Promise<void> {
    await this.client.$disconnect();
    if (!this.pool.ended) await this.pool.end();
  }
}
