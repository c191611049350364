export * from './database.module.js';
export * from './prisma.service.js';
export * from './migrations/migration-runner.js';
export * from './medication-rows.js';
export * from './database-readiness.probe.js';
export * from './database-availability.js';
export { Prisma } from './generated/prisma/client.js';
export type * as Db from './generated/prisma/client.js';
export * from './note-status.js';
