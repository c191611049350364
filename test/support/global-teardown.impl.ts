import { dropDatabase } from './test-database.js';

export default async function globalTeardown(): Promise<void> {
  const infrastructure = globalThis.__clinexTestInfrastructure;
  if (!infrastructure) return;
  process.env.DATABASE_URL = process.env.TEST_POSTGRES_SERVER_URL;
  await Promise.all([infrastructure.broker?.stop(), dropDatabase(infrastructure.databaseName)]);
}
