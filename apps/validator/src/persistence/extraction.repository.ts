import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { medicationRow, noteStatusesBefore, PrismaService } from '#database';
import type { ClinicalExtraction } from '#schemas';
import type { ValidationFlag } from '#validation';

export interface ExtractionToStore {
  tenantId: string;
  noteId: string;
  engine: { name: string; model: string; version: string };
  status: 'accepted' | 'needs_review' | 'rejected';
  /** What the engine produced (stored even when rejected, for the reviewer and for debugging the engine). */
  payload: unknown;
  /** Set when the payload passed the schema, so its medications can be normalised into rows. */
  extraction: ClinicalExtraction | null;
  flags: ValidationFlag[];
}

export type StoreResult =
  | { kind: 'stored'; extractionId: string }
  | { kind: 'duplicate'; extractionId: string; status: ExtractionToStore['status']; flagCodes: string[] }
  | { kind: 'note_not_found' };

// One statement, so one round trip and no interactive transaction: the note must exist for the tenant; a redelivered
// message hits the unique (note, engine, version) key and inserts nothing; flags, medication rows and the note's new
// status are written only with a new extraction. The note status move applies the transition table (noteStatusesBefore).
// $1 note, $2 tenant, $3 extraction id, $4-$6 engine, $7 status, $8 payload, $9-$12 flags, $13-$21 medication rows,
// $22 the note statuses the move is allowed from.
const STORE_EXTRACTION = `
  WITH note AS (SELECT id FROM notes WHERE id = $1::uuid AND tenant_id = $2::uuid),
  inserted AS (
    INSERT INTO extractions (id, tenant_id, note_id, engine_name, engine_model, engine_version, status, payload)
    SELECT $3::uuid, $2::uuid, note.id, $4, $5, $6, $7::text::"ExtractionStatus", $8::jsonb FROM note
    ON CONFLICT (note_id, engine_name, engine_version) DO NOTHING
    RETURNING id),
  flags AS (
    INSERT INTO extraction_flags (id, tenant_id, extraction_id, code, severity, message, path)
    SELECT gen_random_uuid(), $2::uuid, inserted.id, f.code, f.severity::"FlagSeverity", f.message, f.path
      FROM inserted, unnest($9::text[], $10::text[], $11::text[], $12::text[]) AS f(code, severity, message, path)),
  medications AS (
    INSERT INTO extraction_medications (id, tenant_id, extraction_id, position, name, dose_value, dose_unit,
                                        frequency_code, times_per_day, route_code, status, confidence)
    SELECT gen_random_uuid(), $2::uuid, inserted.id, m.position, m.name, m.dose_value, m.dose_unit, m.frequency_code,
           m.times_per_day, m.route_code, m.status, m.confidence
      FROM inserted, unnest($13::int[], $14::text[], $15::numeric[], $16::text[], $17::text[], $18::numeric[],
                            $19::text[], $20::text[], $21::float8[])
        AS m(position, name, dose_value, dose_unit, frequency_code, times_per_day, route_code, status, confidence)),
  moved AS (
    UPDATE notes SET status = $7::text::"NoteStatus", failure_reason = NULL, updated_at = now()
     WHERE id = $1::uuid AND tenant_id = $2::uuid AND status::text = ANY($22::text[])
       AND EXISTS (SELECT 1 FROM inserted))
  SELECT EXISTS (SELECT 1 FROM note) AS note_found, (SELECT id FROM inserted)::text AS inserted_id`;

const EXISTING_EXTRACTION = `
  SELECT e.id::text AS id, e.status::text AS status,
         coalesce(array_agg(f.code) FILTER (WHERE f.code IS NOT NULL), '{}') AS codes
    FROM extractions e LEFT JOIN extraction_flags f ON f.extraction_id = e.id
   WHERE e.note_id = $1::uuid AND e.engine_name = $2 AND e.engine_version = $3
   GROUP BY e.id`;

@Injectable()
export class ExtractionRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Writes the extraction, its flags, its medication rows and the note's new status at once (one statement).
   * Idempotent on (note, engine, engine version): a redelivered message finds the first write and stores nothing.
   */
  async store(input: ExtractionToStore): Promise<StoreResult> {
    const extractionId = randomUUID();
    const rows = (input.extraction?.medications ?? []).map(medicationRow);
    const [result] = await this.prisma.sql.query<{ note_found: boolean; inserted_id: string | null }>(
      STORE_EXTRACTION,
      [
        input.noteId,
        input.tenantId,
        extractionId,
        input.engine.name,
        input.engine.model,
        input.engine.version,
        input.status,
        JSON.stringify(input.payload),
        input.flags.map((f) => f.code),
        input.flags.map((f) => f.severity),
        input.flags.map((f) => f.message),
        input.flags.map((f) => f.path),
        rows.map((r) => r.position),
        rows.map((r) => r.name),
        rows.map((r) => r.doseValue),
        rows.map((r) => r.doseUnit),
        rows.map((r) => r.frequencyCode),
        rows.map((r) => r.timesPerDay),
        rows.map((r) => r.routeCode),
        rows.map((r) => r.status),
        rows.map((r) => r.confidence),
        noteStatusesBefore(input.status),
      ],
      'extraction-store',
    );
    if (!result?.note_found) return { kind: 'note_not_found' };
    if (result.inserted_id) return { kind: 'stored', extractionId: result.inserted_id };
    const [existing] = await this.prisma.sql.query<{
      id: string;
      status: ExtractionToStore['status'];
      codes: string[];
    }>(EXISTING_EXTRACTION, [input.noteId, input.engine.name, input.engine.version], 'extraction-existing');
    if (!existing) throw new Error('extraction insert conflicted but no extraction was found');
    return { kind: 'duplicate', extractionId: existing.id, status: existing.status, flagCodes: existing.codes };
  }
}
