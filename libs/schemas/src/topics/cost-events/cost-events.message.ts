import { Type, type Static } from '@sinclair/typebox';
import { stringEnum } from '../../extraction/clinical-extraction.schema.js';

/** One metered unit of work (LLM tokens or NER model-seconds), priced by the cost meter. */
export const COST_EVENTS_TOPIC = 'cost.events';

/** What a call was for: the extraction itself, the one repair prompt after malformed output, or the reversal probe. */
export const COST_PURPOSES = ['extraction', 'repair', 'probe'] as const;
export type CostPurpose = (typeof COST_PURPOSES)[number];

/**
 * How a metered call ended. `ok`: an answer came back (and was usable); `invalid_output`: an answer came back but was
 * malformed, truncated or off-contract (still billed); the others: no answer after the client's retries.
 */
export const COST_OUTCOMES = [
  'ok',
  'invalid_output',
  'timeout',
  'rate_limited',
  'server_error',
  'connection_error',
  'rejected',
] as const;
export type CostOutcome = (typeof COST_OUTCOMES)[number];

/**
 * Version 1: the original event. Version 2 (what producers emit now) adds the optional call details below; the
 * meter accepts both. Token counts follow the OpenAI usage convention: `inputTokens` includes `cachedTokens`.
 * `attemptLatencyMs` came later (issue 22), optional like the other details, so events without it stay valid; a
 * meter must run this schema before producers send the field (its objects admit no unknown properties).
 */
export const CostEventSchema = Type.Object(
  {
    version: Type.Union([Type.Literal(1), Type.Literal(2)]),
    /**
     * Deterministic per unit of work (for an LLM call: its call id, derived from the message that caused it, the
     * engine and the call's purpose and sequence), so a redelivered or replayed event is recorded once.
     */
    eventId: Type.String({ minLength: 1, maxLength: 200 }),
    tenantId: Type.String({ format: 'uuid' }),
    noteId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
    engine: Type.String({ minLength: 1 }),
    /** The model as configured (the price table is keyed by it). */
    model: Type.String({ minLength: 1 }),
    purpose: stringEnum(COST_PURPOSES),
    inputTokens: Type.Integer({ minimum: 0 }),
    outputTokens: Type.Integer({ minimum: 0 }),
    cachedTokens: Type.Integer({ minimum: 0 }),
    modelSeconds: Type.Number({ minimum: 0 }),
    occurredAt: Type.String({ format: 'date-time' }),
    /** Wall-clock milliseconds the caller waited, retries and backoff included. */
    latencyMs: Type.Optional(Type.Integer({ minimum: 0 })),
    outcome: Type.Optional(stringEnum(COST_OUTCOMES)),
    /** True when the endpoint reported no usage and the tokens were counted with a tokenizer (or estimated). */
    estimated: Type.Optional(Type.Boolean()),
    /** HTTP attempts the call took (1 without retries). */
    attempts: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Wall-clock milliseconds of each HTTP attempt, in order (the backoff waits between them are not included). */
    attemptLatencyMs: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1, maxItems: 20 })),
    /** The model the endpoint says answered (e.g. a dated snapshot of the configured model). */
    servedModel: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    promptVariant: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { $id: 'clinex.cost.events.v2', additionalProperties: false },
);
export type CostEvent = Static<typeof CostEventSchema>;
