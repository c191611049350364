import { randomUUID } from 'node:crypto';
import type { Medication } from '#schemas';
import type { DatabaseTransaction } from './prisma.service.js';

/**
 * Writes an extraction's medications as normalised, queryable rows (one per medication, in contract order). The
 * validator writes them for a new extraction and the review API rewrites them after a decision: one mapping for both.
 */
export async function insertMedicationRows(
  tx: DatabaseTransaction,
  tenantId: string,
  extractionId: string,
  medications: readonly Medication[],
): Promise<void> {
  if (medications.length === 0) return;
  await tx.extractionMedication.createMany({
    data: medications.map((m, position) => ({
      id: randomUUID(),
      tenantId,
      extractionId,
      ...medicationRow(m, position),
    })),
  });
}

/** One medication as its row's columns (camel-cased), in contract order: the mapping both writers use. */
export function medicationRow(m: Medication, position: number) {
  return {
    position,
    name: m.name.text,
    doseValue: m.dose?.value ?? null,
    doseUnit: m.dose?.unit ?? null,
    frequencyCode: m.frequency?.code ?? null,
    timesPerDay: m.frequency?.timesPerDay ?? null,
    routeCode: m.route?.code ?? null,
    status: m.status,
    confidence: m.confidence,
  };
}
