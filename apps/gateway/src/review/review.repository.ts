import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { insertMedicationRows, moveNoteStatus, Prisma, PrismaService } from '#database';
import type { ClinicalExtraction } from '#schemas';
import type { FacetCount, FlagView, Severity } from './review.dto.js';

/** The queue's filters, already parsed; every query also takes the tenant. */
export interface QueueFilter {
  flagCode?: string;
  engine?: string;
  model?: string;
  version?: string;
  from?: Date;
  to?: Date;
}

export interface EngineRecord {
  name: string;
  model: string;
  version: string;
  promptVariant: string | null;
}

export interface ClaimRecord {
  apiKeyId: string;
  expiresAt: Date;
}

export interface QueueRow {
  id: string;
  noteId: string;
  externalId: string;
  engine: EngineRecord;
  createdAt: Date;
  severity: Severity | null;
  minConfidence: number | null;
  flagCount: number;
  flagCodes: string[];
  /** Only an unexpired claim. */
  claim: ClaimRecord | null;
}

export interface QueueCounts {
  total: number;
  claimedByOthers: number;
  bySeverity: Record<Severity, number>;
}

export interface QueueFacets {
  queueSize: number;
  flagCode: FacetCount[];
  engine: FacetCount[];
  version: FacetCount[];
}

export type ExtractionStatus = 'accepted' | 'needs_review' | 'rejected';

export interface ReviewItemRecord {
  id: string;
  noteId: string;
  externalId: string;
  noteText: string;
  status: ExtractionStatus;
  createdAt: Date;
  engine: EngineRecord;
  /** As stored; the validator only sends schema-valid extractions to review. */
  payload: ClinicalExtraction;
  flags: FlagView[];
  claim: ClaimRecord | null;
}

export type ClaimResult =
  | { kind: 'claimed'; expiresAt: Date }
  | { kind: 'not_found' }
  | { kind: 'not_pending' }
  | { kind: 'claimed_by_other'; expiresAt: Date };

export interface DecisionToRecord {
  tenantId: string;
  extractionId: string;
  noteId: string;
  /** The reviewer's API key id. */
  actor: string;
  decision: 'accept' | 'correct' | 'reject';
  comment: string | null;
  engine: EngineRecord;
  before: { status: ExtractionStatus; payload: ClinicalExtraction };
  after: { status: 'accepted' | 'rejected'; payload: ClinicalExtraction };
  /** The reviewer's changes as sent (correct only). */
  changes: unknown[] | null;
  /** The flags the reviewer saw, kept with the decision because they describe the engine's output. */
  flags: FlagView[];
}

export type DecisionResult =
  | { kind: 'decided'; decisionId: string }
  | { kind: 'not_found' }
  | { kind: 'not_pending' }
  | { kind: 'claimed_by_other' };

export interface ExportFilter {
  decisions: ('accept' | 'correct')[];
  from?: Date;
  to?: Date;
}

export interface ExportRow {
  decisionId: string;
  decision: 'accept' | 'correct';
  decidedAt: Date;
  extractionId: string;
  noteId: string;
  externalId: string;
  noteText: string;
  payload: ClinicalExtraction;
}

/** Domain values stored as JSON columns: plain JSON by construction (they came from JSON or the contract types). */
const asJson = (value: unknown) => value as Prisma.InputJsonValue;

const SEVERITY_BY_RANK: Record<number, Severity | null> = { 3: 'error', 2: 'warning', 1: 'info', 0: null };
const EXPORT_BATCH = 200;

function queueConditions(tenantId: string, filter: QueueFilter): Prisma.Sql {
  const conditions = [Prisma.sql`e.tenant_id = ${tenantId}::uuid`, Prisma.sql`e.status = 'needs_review'`];
  if (filter.flagCode) {
    conditions.push(
      Prisma.sql`EXISTS (SELECT 1 FROM extraction_flags f WHERE f.extraction_id = e.id AND f.code = ${filter.flagCode})`,
    );
  }
  if (filter.engine) conditions.push(Prisma.sql`e.engine_name = ${filter.engine}`);
  if (filter.model) conditions.push(Prisma.sql`e.engine_model = ${filter.model}`);
  if (filter.version) conditions.push(Prisma.sql`e.engine_version = ${filter.version}`);
  if (filter.from) conditions.push(Prisma.sql`e.created_at >= ${filter.from}::timestamptz`);
  if (filter.to) conditions.push(Prisma.sql`e.created_at < ${filter.to}::timestamptz`);
  return Prisma.join(conditions, ' AND ');
}

/** The filtered queue with its sort keys: worst flag, lowest medication confidence, age. */
const rankedQueue = (tenantId: string, filter: QueueFilter) => Prisma.sql`
  SELECT e.id, e.note_id, e.engine_name, e.engine_model, e.engine_version,
         e.payload #>> '{engine,promptVariant}' AS prompt_variant, e.created_at,
         CASE WHEN e.claim_expires_at > now() THEN e.claimed_by END AS claimed_by,
         CASE WHEN e.claim_expires_at > now() THEN e.claim_expires_at END AS claim_expires_at,
         COALESCE(fl.rank, 0) AS rank, fl.flag_count, fl.flag_codes, med.min_confidence
  FROM extractions e
  LEFT JOIN LATERAL (
    SELECT MAX(CASE f.severity WHEN 'error' THEN 3 WHEN 'warning' THEN 2 ELSE 1 END)::int AS rank,
           COUNT(*)::int AS flag_count, ARRAY_AGG(DISTINCT f.code) AS flag_codes
    FROM extraction_flags f WHERE f.extraction_id = e.id
  ) fl ON true
  LEFT JOIN LATERAL (
    SELECT MIN(m.confidence) AS min_confidence FROM extraction_medications m WHERE m.extraction_id = e.id
  ) med ON true
  WHERE ${queueConditions(tenantId, filter)}`;

@Injectable()
export class ReviewRepository {
  constructor(private readonly prisma: PrismaService) {}

  async queuePage(tenantId: string, filter: QueueFilter, page: { limit: number; offset: number }): Promise<QueueRow[]> {
    const rows = await this.prisma.client.$queryRaw<
      {
        id: string;
        note_id: string;
        external_id: string;
        engine_name: string;
        engine_model: string;
        engine_version: string;
        prompt_variant: string | null;
        created_at: Date;
        claimed_by: string | null;
        claim_expires_at: Date | null;
        rank: number;
        flag_count: number;
        flag_codes: string[] | null;
        min_confidence: number | null;
      }[]
    >`
      WITH q AS (${rankedQueue(tenantId, filter)})
      SELECT q.*, n.external_id FROM q JOIN notes n ON n.id = q.note_id AND n.tenant_id = ${tenantId}::uuid
      ORDER BY q.rank DESC, q.min_confidence ASC NULLS LAST, q.created_at ASC, q.id ASC
      LIMIT ${page.limit}::int OFFSET ${page.offset}::int`;
    return rows.map((r) => ({
      id: r.id,
      noteId: r.note_id,
      externalId: r.external_id,
      engine: {
        name: r.engine_name,
        model: r.engine_model,
        version: r.engine_version,
        promptVariant: r.prompt_variant,
      },
      createdAt: r.created_at,
      severity: SEVERITY_BY_RANK[r.rank] ?? null,
      minConfidence: r.min_confidence,
      flagCount: r.flag_count,
      flagCodes: (r.flag_codes ?? []).sort(),
      claim: r.claimed_by && r.claim_expires_at ? { apiKeyId: r.claimed_by, expiresAt: r.claim_expires_at } : null,
    }));
  }

  async queueCounts(tenantId: string, filter: QueueFilter, apiKeyId: string): Promise<QueueCounts> {
    const [row] = await this.prisma.client.$queryRaw<
      { total: number; claimed_by_others: number; error: number; warning: number; info: number }[]
    >`
      WITH q AS (${rankedQueue(tenantId, filter)})
      SELECT COUNT(*)::int AS total,
             COUNT(*) FILTER (WHERE claimed_by IS NOT NULL AND claimed_by <> ${apiKeyId}::uuid)::int AS claimed_by_others,
             COUNT(*) FILTER (WHERE rank = 3)::int AS error,
             COUNT(*) FILTER (WHERE rank = 2)::int AS warning,
             COUNT(*) FILTER (WHERE rank = 1)::int AS info
      FROM q`;
    return {
      total: row?.total ?? 0,
      claimedByOthers: row?.claimed_by_others ?? 0,
      bySeverity: { error: row?.error ?? 0, warning: row?.warning ?? 0, info: row?.info ?? 0 },
    };
  }

  async queueFacets(tenantId: string): Promise<QueueFacets> {
    const rows = await this.prisma.client.$queryRaw<{ facet: string; value: string; count: number }[]>`
      WITH q AS (SELECT id, engine_name, engine_version FROM extractions
                 WHERE tenant_id = ${tenantId}::uuid AND status = 'needs_review')
      SELECT 'size' AS facet, '' AS value, COUNT(*)::int AS count FROM q
      UNION ALL
      SELECT 'flagCode', f.code, COUNT(DISTINCT f.extraction_id)::int
        FROM extraction_flags f JOIN q ON q.id = f.extraction_id GROUP BY f.code
      UNION ALL
      SELECT 'engine', engine_name, COUNT(*)::int FROM q GROUP BY engine_name
      UNION ALL
      SELECT 'version', engine_version, COUNT(*)::int FROM q GROUP BY engine_version`;
    const facet = (name: string): FacetCount[] =>
      rows
        .filter((r) => r.facet === name)
        .map((r) => ({ value: r.value, count: r.count }))
        .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
    return {
      queueSize: rows.find((r) => r.facet === 'size')?.count ?? 0,
      flagCode: facet('flagCode'),
      engine: facet('engine'),
      version: facet('version'),
    };
  }

  async findItem(tenantId: string, id: string): Promise<ReviewItemRecord | null> {
    const row = await this.prisma.client.extraction.findFirst({
      where: { id, tenantId },
      select: {
        id: true,
        noteId: true,
        status: true,
        createdAt: true,
        engineName: true,
        engineModel: true,
        engineVersion: true,
        payload: true,
        claimedBy: true,
        claimExpiresAt: true,
        note: { select: { externalId: true, text: true } },
        flags: { select: { code: true, severity: true, message: true, path: true }, orderBy: { path: 'asc' } },
      },
    });
    if (!row) return null;
    const payload = row.payload as unknown as ClinicalExtraction;
    const claimActive = row.claimedBy !== null && row.claimExpiresAt !== null && row.claimExpiresAt > new Date();
    return {
      id: row.id,
      noteId: row.noteId,
      externalId: row.note.externalId,
      noteText: row.note.text,
      status: row.status,
      createdAt: row.createdAt,
      engine: {
        name: row.engineName,
        model: row.engineModel,
        version: row.engineVersion,
        promptVariant: payload.engine?.promptVariant ?? null,
      },
      payload,
      flags: row.flags,
      claim: claimActive ? { apiKeyId: row.claimedBy!, expiresAt: row.claimExpiresAt! } : null,
    };
  }

  /**
   * Takes or renews the claim in one statement. The row is locked first (FOR UPDATE waits for a concurrent claim to
   * commit and then reads the row it wrote), and the UPDATE only happens when that row is unclaimed, expired or
   * already the caller's: so of two reviewers racing, exactly one gets it. A new claim (not a renewal) is audited in
   * the same statement.
   */
  async claim(tenantId: string, id: string, apiKeyId: string, ttlSeconds: number): Promise<ClaimResult> {
    const [claimed] = await this.prisma.client.$queryRaw<{ claim_expires_at: Date }[]>`
      WITH current AS (
        SELECT id, claimed_by, claim_expires_at FROM extractions
        WHERE id = ${id}::uuid AND tenant_id = ${tenantId}::uuid AND status = 'needs_review'
        FOR UPDATE
      ), claimed AS (
        UPDATE extractions e
        SET claimed_by = ${apiKeyId}::uuid,
            claim_expires_at = now() + make_interval(secs => ${ttlSeconds}::double precision)
        FROM current c
        WHERE e.id = c.id
          AND (c.claimed_by IS NULL OR c.claim_expires_at <= now() OR c.claimed_by = ${apiKeyId}::uuid)
        RETURNING e.id, e.claim_expires_at,
                  (c.claimed_by IS DISTINCT FROM ${apiKeyId}::uuid OR c.claim_expires_at <= now()) AS fresh
      ), audited AS (
        INSERT INTO audit_log (tenant_id, actor, action, entity_type, entity_id, data)
        SELECT ${tenantId}::uuid, ${apiKeyId}, 'review.claim', 'extraction', id::text,
               jsonb_build_object('expiresAt', claim_expires_at)
        FROM claimed WHERE fresh
      )
      SELECT claim_expires_at FROM claimed`;
    if (claimed) return { kind: 'claimed', expiresAt: claimed.claim_expires_at };

    const [current] = await this.prisma.client.$queryRaw<
      { status: ExtractionStatus; claim_expires_at: Date | null }[]
    >`SELECT status, claim_expires_at FROM extractions WHERE id = ${id}::uuid AND tenant_id = ${tenantId}::uuid`;
    if (!current) return { kind: 'not_found' };
    if (current.status !== 'needs_review') return { kind: 'not_pending' };
    return { kind: 'claimed_by_other', expiresAt: current.claim_expires_at ?? new Date() };
  }

  /**
   * Gives up the caller's own claim: `released`; `not_held` when the tenant has the item but the caller holds no
   * claim on it (giving back twice is not an error); `not_found` when the tenant has no such item.
   */
  async release(tenantId: string, id: string, apiKeyId: string): Promise<'released' | 'not_held' | 'not_found'> {
    const count = await this.prisma.client.$executeRaw`
      UPDATE extractions SET claimed_by = NULL, claim_expires_at = NULL
      WHERE id = ${id}::uuid AND tenant_id = ${tenantId}::uuid AND claimed_by = ${apiKeyId}::uuid`;
    if (count > 0) return 'released';
    const item = await this.prisma.client.extraction.findFirst({ where: { id, tenantId }, select: { id: true } });
    return item ? 'not_held' : 'not_found';
  }

  /**
   * Writes a decision in one transaction: the extraction's final status and values (claim cleared), its medication
   * rows, the decision, the audit row and the note's status. The row is locked first and re-checked, so a decision
   * races neither another decision nor another reviewer's claim.
   */
  async recordDecision(input: DecisionToRecord): Promise<DecisionResult> {
    return this.prisma.client.$transaction(async (tx) => {
      const [locked] = await tx.$queryRaw<
        { status: ExtractionStatus; claimed_by: string | null; claim_active: boolean | null }[]
      >`
        SELECT status, claimed_by, claim_expires_at > now() AS claim_active FROM extractions
        WHERE id = ${input.extractionId}::uuid AND tenant_id = ${input.tenantId}::uuid FOR UPDATE`;
      if (!locked) return { kind: 'not_found' } as const;
      if (locked.status !== 'needs_review') return { kind: 'not_pending' } as const;
      if (locked.claimed_by !== null && locked.claim_active === true && locked.claimed_by !== input.actor) {
        return { kind: 'claimed_by_other' } as const;
      }

      const { tenantId, extractionId } = input;
      await tx.extraction.update({
        where: { id: extractionId },
        data: {
          status: input.after.status,
          payload: input.after.payload,
          claimedBy: null,
          claimExpiresAt: null,
        },
      });
      // Medication rows mirror the final values; a rejected extraction has none, as a schema-rejected one has none.
      await tx.extractionMedication.deleteMany({ where: { tenantId, extractionId } });
      const medications = input.after.status === 'accepted' ? input.after.payload.medications : [];
      await insertMedicationRows(tx, tenantId, extractionId, medications);
      const decisionId = randomUUID();
      const before = { status: input.before.status, payload: input.before.payload, flags: input.flags };
      const after = { status: input.after.status, payload: input.after.payload };
      await tx.reviewDecision.create({
        data: {
          id: decisionId,
          tenantId,
          extractionId,
          reviewerKey: input.actor,
          decision: input.decision,
          comment: input.comment,
          before: asJson(before),
          after: asJson(after),
        },
      });
      await tx.auditLog.create({
        data: {
          tenantId,
          actor: input.actor,
          action: `review.${input.decision}`,
          entityType: 'extraction',
          entityId: extractionId,
          data: asJson({
            decisionId,
            noteId: input.noteId,
            engine: { ...input.engine },
            comment: input.comment,
            changes: input.changes ?? null,
            before,
            after,
          }),
        },
      });
      await moveNoteStatus(tx, { tenantId, noteId: input.noteId, to: input.after.status });
      return { kind: 'decided', decisionId } as const;
    });
  }

  /** Accepted and corrected extractions in decision order, read in batches (keyset) so an export streams. */
  async *exportRows(tenantId: string, filter: ExportFilter): AsyncGenerator<ExportRow> {
    let after: { at: Date; id: string } | null = null;
    for (;;) {
      const conditions = [
        Prisma.sql`d.tenant_id = ${tenantId}::uuid`,
        Prisma.sql`e.status = 'accepted'`,
        Prisma.sql`d.decision::text IN (${Prisma.join(filter.decisions)})`,
      ];
      if (filter.from) conditions.push(Prisma.sql`d.created_at >= ${filter.from}::timestamptz`);
      if (filter.to) conditions.push(Prisma.sql`d.created_at < ${filter.to}::timestamptz`);
      if (after) conditions.push(Prisma.sql`(d.created_at, d.id) > (${after.at}::timestamptz, ${after.id}::uuid)`);
      const rows = await this.prisma.client.$queryRaw<
        {
          decision_id: string;
          decision: 'accept' | 'correct';
          created_at: Date;
          extraction_id: string;
          note_id: string;
          external_id: string;
          text: string;
          payload: ClinicalExtraction;
        }[]
      >`
        SELECT d.id AS decision_id, d.decision::text AS decision, d.created_at, e.id AS extraction_id, e.note_id,
               n.external_id, n.text, e.payload
        FROM review_decisions d
        JOIN extractions e ON e.id = d.extraction_id AND e.tenant_id = d.tenant_id
        JOIN notes n ON n.id = e.note_id AND n.tenant_id = d.tenant_id
        WHERE ${Prisma.join(conditions, ' AND ')}
        ORDER BY d.created_at, d.id
        LIMIT ${EXPORT_BATCH}::int`;
      for (const r of rows) {
        yield {
          decisionId: r.decision_id,
          decision: r.decision,
          decidedAt: r.created_at,
          extractionId: r.extraction_id,
          noteId: r.note_id,
          externalId: r.external_id,
          noteText: r.text,
          payload: r.payload,
        };
      }
      const last = rows[rows.length - 1];
      if (!last || rows.length < EXPORT_BATCH) return;
      after = { at: last.created_at, id: last.decision_id };
    }
  }
}
