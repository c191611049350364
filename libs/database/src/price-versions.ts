import { randomUUID } from 'node:crypto';
import type { PriceVersion } from './generated/prisma/client.js';
import type { DatabaseClient } from './prisma.service.js';

/** A new price for an engine and model; rates are decimal strings (USD), null where the model has no such charge. */
export interface NewPriceVersionRow {
  engine: string;
  model: string;
  effectiveFrom: Date;
  inputPerMillion: string | null;
  outputPerMillion: string | null;
  cachedInputPerMillion: string | null;
  perModelSecond: string | null;
  source?: string | null;
  createdBy?: string | null;
}

/**
 * The one writer of `price_versions`: adds the next version of an engine and model, numbered after the highest so
 * far. A transaction-scoped advisory lock per engine and model serialises writers, so two concurrent additions cannot
 * both read version N and collide on N+1. Returns null when a version already starts at that instant (the unique
 * (engine, model, effective_from) key); every other error is thrown.
 */
export async function insertPriceVersion(db: DatabaseClient, input: NewPriceVersionRow): Promise<PriceVersion | null> {
  try {
    return await db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`price:${input.engine}:${input.model}`}))`;
      const last = await tx.priceVersion.findFirst({
        where: { engine: input.engine, model: input.model },
        orderBy: { version: 'desc' },
        select: { version: true },
      });
      return tx.priceVersion.create({
        data: {
          id: randomUUID(),
          engine: input.engine,
          model: input.model,
          version: (last?.version ?? 0) + 1,
          effectiveFrom: input.effectiveFrom,
          inputPerMillion: input.inputPerMillion,
          outputPerMillion: input.outputPerMillion,
          cachedInputPerMillion: input.cachedInputPerMillion,
          perModelSecond: input.perModelSecond,
          source: input.source ?? null,
          createdBy: input.createdBy ?? null,
        },
      });
    });
  } catch (error) {
    if ((error as { code?: string }).code === 'P2002') return null;
    throw error;
  }
}
