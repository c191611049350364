import { PrismaService } from './prisma.service.js';

/** The database part of a service's readiness (see HealthModule): answers a trivial query. */
export function databaseReadinessProbe(prisma: PrismaService): { name: string; check(): Promise<void> } {
  return {
    name: 'database',
    check: async (): Promise<void> => {
      await prisma.client.$queryRaw`SELECT 1`;
    },
  };
}
