import { Type, type Static } from '@sinclair/typebox';
import type { ClinicalExtraction } from '#schemas';

/**
 * Review API contracts. Query strings arrive as strings, so their schemas are string patterns; the controller turns
 * them into the typed filter the service takes.
 */

const isoDateTime = Type.String({ format: 'date-time' });
const isoDateOrDateTime = Type.Union([Type.String({ format: 'date' }), isoDateTime]);

/** GET /v1/review/queue */
export const QueueQuerySchema = Type.Object(
  {
    flagCode: Type.Optional(Type.String({ pattern: '^[A-Z][A-Z0-9_]{0,63}$' })),
    engine: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** The engine (model) version. */
    version: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    /** Extractions created at or after this instant (a date means its start, UTC). */
    from: Type.Optional(isoDateOrDateTime),
    /** Extractions created before this instant (a date means the end of that day, UTC). */
    to: Type.Optional(isoDateOrDateTime),
    limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$' })),
    offset: Type.Optional(Type.String({ pattern: '^(0|[1-9][0-9]{0,6})$' })),
  },
  { additionalProperties: false },
);
export type QueueQuery = Static<typeof QueueQuerySchema>;

/** POST /v1/review/items/:id/claim */
export const ClaimBodySchema = Type.Object(
  {
    /** How long the claim holds unless renewed (claiming again extends it) or released. */
    ttlSeconds: Type.Optional(Type.Integer({ minimum: 10, maximum: 3600 })),
  },
  { additionalProperties: false },
);
export type ClaimBody = Static<typeof ClaimBodySchema>;

const pointer = Type.String({ pattern: '^/', maxLength: 300 });
const comment = Type.Optional(Type.String({ maxLength: 4000 }));

export const CorrectionChangeSchema = Type.Union([
  Type.Object({ op: Type.Literal('replace'), path: pointer, value: Type.Unknown() }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('add'), path: pointer, value: Type.Unknown() }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('remove'), path: pointer }, { additionalProperties: false }),
]);

/** POST /v1/review/items/:id/decision */
export const DecisionBodySchema = Type.Union([
  Type.Object({ decision: Type.Literal('accept'), comment }, { additionalProperties: false }),
  Type.Object(
    {
      decision: Type.Literal('correct'),
      /** JSON Patch subset (replace/add/remove) applied to the extraction as stored. */
      changes: Type.Array(CorrectionChangeSchema, { minItems: 1, maxItems: 500 }),
      comment,
    },
    { additionalProperties: false },
  ),
  Type.Object({ decision: Type.Literal('reject'), comment }, { additionalProperties: false }),
]);
export type DecisionBody = Static<typeof DecisionBodySchema>;

/** GET /v1/review/export */
export const ExportQuerySchema = Type.Object(
  {
    /** `contract`: ClinicalExtraction lines; `gold`: the medication gold format (shared/data/medication-gold-dev). */
    format: Type.Optional(Type.Union([Type.Literal('contract'), Type.Literal('gold')])),
    /** Which decisions to export; both by default. */
    decision: Type.Optional(Type.Union([Type.Literal('accept'), Type.Literal('correct')])),
    from: Type.Optional(isoDateOrDateTime),
    to: Type.Optional(isoDateOrDateTime),
  },
  { additionalProperties: false },
);
export type ExportQuery = Static<typeof ExportQuerySchema>;

export type Severity = 'error' | 'warning' | 'info';

export interface EngineView {
  name: string;
  model: string;
  version: string;
  promptVariant: string | null;
}

export interface ClaimView {
  /** Whether the caller holds it; otherwise another reviewer does. */
  mine: boolean;
  expiresAt: string;
}

export interface QueueItemView {
  id: string;
  noteId: string;
  externalId: string;
  engine: EngineView;
  createdAt: string;
  /** The most severe flag (the queue's first sort key). */
  severity: Severity | null;
  /** The lowest medication confidence (second sort key); null without medications. */
  minConfidence: number | null;
  flagCount: number;
  flagCodes: string[];
  claim: ClaimView | null;
}

export interface FacetCount {
  value: string;
  count: number;
}

export interface QueueView {
  /** Items matching the filters; `items` is one page of them, in priority order. */
  total: number;
  /** Of those, held by another reviewer right now. */
  claimedByOthers: number;
  bySeverity: Record<Severity, number>;
  /** Over the tenant's whole queue, unfiltered, so filter choices stay stable while filtering. */
  facets: { flagCode: FacetCount[]; engine: FacetCount[]; version: FacetCount[] };
  queueSize: number;
  items: QueueItemView[];
}

export interface FlagView {
  code: string;
  severity: Severity;
  message: string;
  /** JSON pointer into `extraction`. */
  path: string;
}

export interface ReviewItemView {
  id: string;
  noteId: string;
  externalId: string;
  status: 'accepted' | 'needs_review' | 'rejected';
  createdAt: string;
  engine: EngineView;
  noteText: string;
  extraction: ClinicalExtraction;
  flags: FlagView[];
  claim: ClaimView | null;
}

export interface ClaimResponse {
  id: string;
  claim: ClaimView;
}

export interface DecisionResponse {
  decisionId: string;
  extractionId: string;
  decision: DecisionBody['decision'];
  status: 'accepted' | 'rejected';
  noteStatus: 'accepted' | 'rejected';
}
