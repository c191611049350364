import { Type, type Static } from '@sinclair/typebox';

/** One metered unit of work (LLM tokens or NER model-seconds), priced by the cost meter. */
export const COST_EVENTS_TOPIC = 'cost.events';

export const CostEventSchema = Type.Object(
  {
    version: Type.Literal(1),
    /** Deterministic per unit of work, so a redelivered event is recorded once. */
    eventId: Type.String({ minLength: 1, maxLength: 200 }),
    tenantId: Type.String({ format: 'uuid' }),
    noteId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
    engine: Type.String({ minLength: 1 }),
    model: Type.String({ minLength: 1 }),
    purpose: Type.Union([Type.Literal('extraction'), Type.Literal('repair'), Type.Literal('probe')]),
    inputTokens: Type.Integer({ minimum: 0 }),
    outputTokens: Type.Integer({ minimum: 0 }),
    cachedTokens: Type.Integer({ minimum: 0 }),
    modelSeconds: Type.Number({ minimum: 0 }),
    occurredAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'clinex.cost.events.v1', additionalProperties: false },
);
export type CostEvent = Static<typeof CostEventSchema>;
