import { Type, type Static } from '@sinclair/typebox';
import { stringEnum } from '../../extraction/clinical-extraction.schema.js';

/** Where a message goes when it can never be processed; the reason says why, the payload is kept for replay. */
export const DEAD_LETTER_TOPIC = 'dead-letter';

export const DEAD_LETTER_REASONS = ['malformed_json', 'schema_invalid', 'retries_exhausted', 'non_retryable'] as const;

export const DeadLetterSchema = Type.Object(
  {
    version: Type.Literal(1),
    sourceTopic: Type.String(),
    partition: Type.Integer({ minimum: 0 }),
    offset: Type.String(),
    consumerGroup: Type.String(),
    reason: stringEnum(DEAD_LETTER_REASONS),
    /** Error code and JSON paths only: never a value from the payload (it may hold note text). */
    detail: Type.String({ maxLength: 2000 }),
    attempts: Type.Integer({ minimum: 1 }),
    /** The original message value, base64, so it can be inspected and replayed. */
    payloadBase64: Type.String(),
    failedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'clinex.dead-letter.v1', additionalProperties: false },
);
export type DeadLetter = Static<typeof DeadLetterSchema>;
