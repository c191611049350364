import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { RequestError, RequestErrorCode } from '../http/request-validation.js';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
const KEY_PATTERN = /^[\x21-\x7E]{1,255}$/;

/** The request's Idempotency-Key (1-255 visible ASCII characters, optionally quoted), or null when none was sent. */
export function parseIdempotencyKey(header: string | string[] | undefined): string | null {
  if (header === undefined) return null;
  const raw = Array.isArray(header) ? header.join(',') : header;
  const value = /^"(.*)"$/.exec(raw.trim())?.[1] ?? raw.trim();
  if (!KEY_PATTERN.test(value)) {
    throw new RequestError(
      RequestErrorCode.INVALID_IDEMPOTENCY_KEY,
      'Idempotency-Key must be 1-255 visible ASCII characters (a UUID is a good choice)',
      [{ field: IDEMPOTENCY_KEY_HEADER, detail: 'must be 1-255 visible ASCII characters' }],
    );
  }
  return value;
}

export const IdempotencyKey = createParamDecorator((_: unknown, context: ExecutionContext): string | null =>
  parseIdempotencyKey(context.switchToHttp().getRequest<FastifyRequest>().headers['idempotency-key']),
);
