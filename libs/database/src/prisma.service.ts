import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.js';

export type DatabaseClient = PrismaClient;
/** The client handed to a callback of `$transaction`: repositories accept either. */
export type DatabaseTransaction = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

export function createPrismaClient(databaseUrl: string, poolSize = 10): PrismaClient {
  // Prisma 7 with the pg driver adapter needs no native query engine.
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: poolSize }) });
}

/**
 * The one PrismaClient of a process. Repositories inject it; nothing else touches Prisma.
 * Provided through a factory (see DatabaseModule) so the URL comes from the app's validated config.
 */
@Injectable()
export class PrismaService implements OnApplicationShutdown {
  constructor(readonly client: PrismaClient) {}

  async isReady(): Promise<boolean> {
    try {
      await this.client.$queryRaw`SELECT 1`;
      return true;
    } catch {
      return false;
    }
  }

  // The last hook Nest runs, after consumers and HTTP have stopped, so in-flight work can still commit.
  async onApplicationShutdown(): Promise<void> {
    await this.client.$disconnect();
  }
}
