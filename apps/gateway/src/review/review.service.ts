import { Injectable } from '@nestjs/common';
import { ClinicalExtractionSchema, compileContract, type ClinicalExtraction } from '#schemas';
import type { Principal } from '../auth/principal.js';
import { applyCorrection } from './correction.patch.js';
import { checkCorrectionConsistency } from './correction-consistency.check.js';
import type {
  ClaimBody,
  ClaimResponse,
  ClaimView,
  DecisionBody,
  DecisionResponse,
  ExportQuery,
  QueueQuery,
  QueueView,
  ReviewItemView,
} from './review.dto.js';
import { ReviewError, ReviewErrorCode } from './review.errors.js';
import { toGoldLine } from './review-export.format.js';
import { ReviewRepository, type ClaimRecord, type QueueFilter } from './review.repository.js';

/** A claim lasts this long unless renewed; the review page renews it while the item is open. */
export const DEFAULT_CLAIM_TTL_SECONDS = 600;
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 200;
const DAY_MS = 86_400_000;

const checkExtraction = compileContract(ClinicalExtractionSchema);

/** A date (`2026-11-28`) means the start of that day (UTC); with `endOfDay`, the start of the next day. */
function parseInstant(value: string | undefined, endOfDay = false): Date | undefined {
  if (value === undefined) return undefined;
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const instant = new Date(dateOnly ? `${value}T00:00:00Z` : value);
  return dateOnly && endOfDay ? new Date(instant.getTime() + DAY_MS) : instant;
}

@Injectable()
export class ReviewService {
  constructor(private readonly reviews: ReviewRepository) {}

  async queue(principal: Principal, query: QueueQuery): Promise<QueueView> {
    const filter: QueueFilter = {
      flagCode: query.flagCode,
      engine: query.engine,
      model: query.model,
      version: query.version,
      from: parseInstant(query.from),
      to: parseInstant(query.to, true),
    };
    const page = {
      limit: Math.min(Number(query.limit ?? DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE),
      offset: Number(query.offset ?? 0),
    };
    const [rows, counts, facets] = await Promise.all([
      this.reviews.queuePage(principal.tenantId, filter, page),
      this.reviews.queueCounts(principal.tenantId, filter, principal.apiKeyId),
      this.reviews.queueFacets(principal.tenantId),
    ]);
    return {
      total: counts.total,
      claimedByOthers: counts.claimedByOthers,
      bySeverity: counts.bySeverity,
      queueSize: facets.queueSize,
      facets: { flagCode: facets.flagCode, engine: facets.engine, version: facets.version },
      items: rows.map((r) => ({
        id: r.id,
        noteId: r.noteId,
        externalId: r.externalId,
        engine: r.engine,
        createdAt: r.createdAt.toISOString(),
        severity: r.severity,
        minConfidence: r.minConfidence,
        flagCount: r.flagCount,
        flagCodes: r.flagCodes,
        claim: this.claimView(principal, r.claim),
      })),
    };
  }

  async item(principal: Principal, id: string): Promise<ReviewItemView> {
    const item = await this.reviews.findItem(principal.tenantId, id);
    if (!item) throw notFound();
    return {
      id: item.id,
      noteId: item.noteId,
      externalId: item.externalId,
      status: item.status,
      createdAt: item.createdAt.toISOString(),
      engine: item.engine,
      noteText: item.noteText,
      extraction: item.payload,
      flags: item.flags,
      claim: this.claimView(principal, item.claim),
    };
  }

  async claim(principal: Principal, id: string, body: ClaimBody): Promise<ClaimResponse> {
    const ttl = body.ttlSeconds ?? DEFAULT_CLAIM_TTL_SECONDS;
    const result = await this.reviews.claim(principal.tenantId, id, principal.apiKeyId, ttl);
    switch (result.kind) {
      case 'claimed':
        return { id, claim: { mine: true, expiresAt: result.expiresAt.toISOString() } };
      case 'not_found':
        throw notFound();
      case 'not_pending':
        throw notPending();
      case 'claimed_by_other':
        throw claimedByOther();
    }
  }

  /** Idempotent for the tenant's own items (204 whether or not the caller held the claim); 404 for any other id. */
  async release(principal: Principal, id: string): Promise<void> {
    const result = await this.reviews.release(principal.tenantId, id, principal.apiKeyId);
    if (result === 'not_found') throw notFound();
  }

  /**
   * Accept keeps the engine's values; correct applies the reviewer's changes, which must give a schema-valid
   * extraction whose changed values still match the note; reject keeps the values for the record but ends the
   * extraction as rejected. The decision, audit row, final values, medication rows and note status are written
   * together (see ReviewRepository.recordDecision).
   */
  async decide(principal: Principal, id: string, body: DecisionBody): Promise<DecisionResponse> {
    const item = await this.reviews.findItem(principal.tenantId, id);
    if (!item) throw notFound();
    if (item.status !== 'needs_review') throw notPending();
    if (item.claim && item.claim.apiKeyId !== principal.apiKeyId) throw claimedByOther();

    const status = body.decision === 'reject' ? 'rejected' : 'accepted';
    const payload =
      body.decision === 'correct' ? this.corrected(item.noteText, item.payload, body.changes) : item.payload;
    const result = await this.reviews.recordDecision({
      tenantId: principal.tenantId,
      extractionId: item.id,
      noteId: item.noteId,
      actor: principal.apiKeyId,
      decision: body.decision,
      comment: body.comment?.trim() || null,
      engine: item.engine,
      before: { status: item.status, payload: item.payload },
      after: { status, payload },
      changes: body.decision === 'correct' ? body.changes : null,
      flags: item.flags,
    });
    switch (result.kind) {
      case 'decided':
        return {
          decisionId: result.decisionId,
          extractionId: item.id,
          decision: body.decision,
          status,
          noteStatus: status,
        };
      case 'not_found':
        throw notFound();
      case 'not_pending':
        throw notPending();
      case 'claimed_by_other':
        throw claimedByOther();
    }
  }

  /** One JSON line per accepted or corrected extraction, in decision order. */
  async *exportLines(principal: Principal, query: ExportQuery): AsyncGenerator<string> {
    const format = query.format ?? 'contract';
    const rows = this.reviews.exportRows(principal.tenantId, {
      decisions: query.decision ? [query.decision] : ['accept', 'correct'],
      from: parseInstant(query.from),
      to: parseInstant(query.to, true),
    });
    for await (const row of rows) {
      const line = format === 'gold' ? toGoldLine(row.noteText, row.payload) : row.payload;
      yield `${JSON.stringify(line)}\n`;
    }
  }

  private corrected(
    noteText: string,
    original: ClinicalExtraction,
    changes: Extract<DecisionBody, { decision: 'correct' }>['changes'],
  ): ClinicalExtraction {
    const patched = applyCorrection(original, changes);
    if (patched.errors.length > 0) {
      throw new ReviewError(
        ReviewErrorCode.CORRECTION_INVALID,
        `the changes cannot be applied: ${patched.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
        patched.errors[0]?.path,
        patched.errors,
      );
    }
    const checked = checkExtraction(patched.document);
    if (!checked.ok) {
      throw new ReviewError(
        ReviewErrorCode.CORRECTION_INVALID,
        `the corrected extraction breaks the ClinicalExtraction schema: ${checked.errors
          .map((e) => `${e.path} ${e.message}`)
          .join('; ')}`,
        checked.errors[0]?.path,
        checked.errors,
      );
    }
    const problems = checkCorrectionConsistency(noteText, checked.value, patched.touched);
    if (problems.length > 0) {
      throw new ReviewError(
        ReviewErrorCode.CORRECTION_INCONSISTENT,
        `corrected values contradict the note: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
        problems[0]?.path,
        problems,
      );
    }
    return checked.value;
  }

  private claimView(principal: Principal, claim: ClaimRecord | null): ClaimView | null {
    return claim && { mine: claim.apiKeyId === principal.apiKeyId, expiresAt: claim.expiresAt.toISOString() };
  }
}

const notFound = () =>
  new ReviewError(ReviewErrorCode.REVIEW_ITEM_NOT_FOUND, 'no extraction with this id for your tenant', 'id');
const notPending = () =>
  new ReviewError(ReviewErrorCode.REVIEW_ITEM_NOT_PENDING, 'this extraction is not awaiting review', 'id');
const claimedByOther = () =>
  new ReviewError(ReviewErrorCode.REVIEW_ITEM_CLAIMED, 'another reviewer is working on this extraction', 'id');
