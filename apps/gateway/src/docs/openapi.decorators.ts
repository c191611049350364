import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiResponse } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from '../http/problem.js';

/**
 * Route documentation in terms of the named component schemas in openapi.schemas.ts (TypeBox contracts), so the
 * OpenAPI document describes exactly the schemas the gateway validates with.
 */
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (VALIDATION_FAILED, UNKNOWN_FIELD, MALFORMED_JSON, INVALID_UTF8, ...)',
  401: 'Missing or invalid API key (MISSING_CREDENTIALS, INVALID_CREDENTIALS)',
  403: 'The key’s role may not call this endpoint (FORBIDDEN_ROLE)',
  404: 'Not found for your tenant',
  409: 'Conflict with an earlier request or the resource state',
  413: 'Body, note or batch too large (PAYLOAD_TOO_LARGE, NOTE_TOO_LONG, BATCH_TOO_LARGE)',
  415: 'Not application/json in UTF-8 (UNSUPPORTED_MEDIA_TYPE)',
  429:
    'Rate limit of the API key exceeded (RATE_LIMITED), or too many failed authentications from this address ' +
    '(TOO_MANY_AUTH_FAILURES); see Retry-After',
};

export const ApiJsonBody = (schema: string) => ApiBody({ required: true, schema: ref(schema) });

export const ApiJsonResponse = (
  status: number,
  schema: string,
  description: string,
  contentType = 'application/json',
) => ApiResponse({ status, description, content: { [contentType]: { schema: ref(schema) } } });

/** The problem responses a route can give; 401, 403 and 429 apply to every authenticated route. */
export const ApiProblems = (...statuses: number[]) =>
  applyDecorators(
    ...[...new Set([...statuses, 401, 403, 429])].sort().map((status) =>
      ApiResponse({
        status,
        description: PROBLEM_DESCRIPTIONS[status] ?? 'Error',
        content: { [PROBLEM_CONTENT_TYPE]: { schema: ref('Problem') } },
      }),
    ),
  );

export const ApiIdempotencyKey = () =>
  ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Makes a retry safe: the same key with the same body returns the original response (status and body, with ' +
      'Idempotent-Replayed: true); the same key with a different body is 409 IDEMPOTENCY_KEY_REUSED. Keys are ' +
      'per tenant and expire after 24 hours (IDEMPOTENCY_TTL_HOURS). 1-255 visible ASCII characters; use a UUID.',
    schema: { type: 'string', maxLength: 255 },
  });
