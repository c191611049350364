import { ArgumentsHost, Catch, HttpException, type ExceptionFilter } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { isDatabaseUnavailable } from '#database';
import { DomainError } from '#platform';
import { AuthError, AuthErrorCode, RateLimitError } from '../auth/auth.errors.js';
import { AdminError, AdminErrorCode } from '../admin/admin.errors.js';
import { IdempotencyError, IdempotencyErrorCode } from '../idempotency/idempotency.errors.js';
import { NoteError, NoteErrorCode } from '../notes/note.errors.js';
import { ReviewError, ReviewErrorCode } from '../review/review.errors.js';
import { FinanceError, financeStatus } from '../finance/finance.errors.js';
import { PROBLEM_CONTENT_TYPE, problem, type FieldError, type Problem } from './problem.js';
import { RequestError, RequestErrorCode } from './request-validation.js';

// Exhaustive maps: adding a code to an enum without a status here is a compile error.
const authStatus: Record<AuthErrorCode, number> = {
  [AuthErrorCode.MISSING_CREDENTIALS]: 401,
  [AuthErrorCode.INVALID_CREDENTIALS]: 401,
  [AuthErrorCode.FORBIDDEN_ROLE]: 403,
  [AuthErrorCode.RATE_LIMITED]: 429,
  [AuthErrorCode.TOO_MANY_AUTH_FAILURES]: 429,
};
const noteStatus: Record<NoteErrorCode, number> = {
  [NoteErrorCode.NOTE_NOT_FOUND]: 404,
  [NoteErrorCode.EXTERNAL_ID_CONFLICT]: 409,
  [NoteErrorCode.NOTE_TOO_LONG]: 413,
  [NoteErrorCode.NOTE_NOT_READY]: 409,
};
const requestStatus: Record<RequestErrorCode, number> = {
  [RequestErrorCode.VALIDATION_FAILED]: 400,
  [RequestErrorCode.UNKNOWN_FIELD]: 400,
  [RequestErrorCode.MALFORMED_JSON]: 400,
  [RequestErrorCode.INVALID_UTF8]: 400,
  [RequestErrorCode.INVALID_CHARACTER]: 400,
  [RequestErrorCode.UNSUPPORTED_MEDIA_TYPE]: 415,
  [RequestErrorCode.PAYLOAD_TOO_LARGE]: 413,
  [RequestErrorCode.BATCH_TOO_LARGE]: 413,
  [RequestErrorCode.INVALID_IDEMPOTENCY_KEY]: 400,
  [RequestErrorCode.INVALID_CURSOR]: 400,
};
const idempotencyStatus: Record<IdempotencyErrorCode, number> = {
  [IdempotencyErrorCode.IDEMPOTENCY_KEY_REUSED]: 409,
};
const adminStatus: Record<AdminErrorCode, number> = {
  [AdminErrorCode.API_KEY_NOT_FOUND]: 404,
  [AdminErrorCode.TENANT_NOT_FOUND]: 404,
  [AdminErrorCode.TENANT_EXISTS]: 409,
};
const reviewStatus: Record<ReviewErrorCode, number> = {
  [ReviewErrorCode.REVIEW_ITEM_NOT_FOUND]: 404,
  [ReviewErrorCode.REVIEW_ITEM_NOT_PENDING]: 409,
  [ReviewErrorCode.REVIEW_ITEM_CLAIMED]: 409,
  [ReviewErrorCode.CORRECTION_INVALID]: 422,
  [ReviewErrorCode.CORRECTION_INCONSISTENT]: 422,
};

export function statusOf(error: DomainError<string>): number {
  if (error instanceof AuthError) return authStatus[error.code];
  if (error instanceof NoteError) return noteStatus[error.code];
  if (error instanceof RequestError) return requestStatus[error.code];
  if (error instanceof IdempotencyError) return idempotencyStatus[error.code];
  if (error instanceof AdminError) return adminStatus[error.code];
  if (error instanceof ReviewError) return reviewStatus[error.code];
  if (error instanceof FinanceError) return financeStatus[error.code];
  return 500;
}

/** The offending fields of a domain error: request errors list them; others may carry `details` ({path, message}). */
function fieldErrorsOf(error: DomainError<string>): FieldError[] | undefined {
  if (error instanceof RequestError) return error.errors;
  const details = (error as { details?: unknown }).details;
  if (!Array.isArray(details)) return undefined;
  const isDetail = (d: unknown): d is { path: string; message: string } =>
    typeof (d as { path?: unknown } | null)?.path === 'string' &&
    typeof (d as { message?: unknown } | null)?.message === 'string';
  return (details as unknown[]).filter(isDetail).map((d) => ({ field: d.path, detail: d.message }));
}

/** A domain error as the problem document an HTTP client gets (also used for per-item results of a batch). */
export function problemOf(error: DomainError<string>, instance?: string): Problem {
  return problem(statusOf(error), error.code, error.message, {
    field: error.field,
    errors: fieldErrorsOf(error),
    instance,
  });
}

/** Fastify's own 4xx errors (bad JSON, wrong content type, body too large) keep their status with a stable code. */
const fastifyCodes: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MALFORMED_BODY',
};

const DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE';

/** Every error as RFC 9457 problem details (application/problem+json) with a stable `code`. */
@Catch()
export class DomainErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest | undefined>();
    const instance = request?.url?.split('?')[0];
    const body = this.toProblem(exception, instance);
    if (exception instanceof RateLimitError) void reply.header('retry-after', String(exception.retryAfterSeconds));
    if (body.status === 401) void reply.header('www-authenticate', 'Bearer');
    if (body.code === DATABASE_UNAVAILABLE) void reply.header('retry-after', '1');
    void reply.status(body.status).header('content-type', PROBLEM_CONTENT_TYPE).send(body);
  }

  private toProblem(exception: unknown, instance: string | undefined): Problem {
    if (exception instanceof DomainError) {
      const domainError = exception as DomainError<string>;
      if (statusOf(domainError) < 500) return problemOf(domainError, instance);
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      // The Fastify adapter wraps Fastify's own errors; their code says what was wrong with the request.
      const cause = exception.cause as { code?: unknown } | undefined;
      const fastifyCode = typeof cause?.code === 'string' ? fastifyCodes[cause.code] : undefined;
      if (cause instanceof DomainError) return this.toProblem(cause, instance);
      const code =
        fastifyCode ?? (status === 404 ? 'ROUTE_NOT_FOUND' : status === 413 ? 'PAYLOAD_TOO_LARGE' : `HTTP_${status}`);
      if (status < 500) return problem(status, code, exception.message, { instance });
    }
    const candidate = exception as { statusCode?: unknown; code?: unknown; message?: unknown };
    if (typeof candidate.statusCode === 'number' && candidate.statusCode >= 400 && candidate.statusCode < 500) {
      const code = (typeof candidate.code === 'string' && fastifyCodes[candidate.code]) || 'BAD_REQUEST';
      const detail = typeof candidate.message === 'string' ? candidate.message : 'bad request';
      return problem(candidate.statusCode, code, detail, { instance });
    }
    // The database is down or restarting. The same request works once it is back, and is safe to repeat: a note
    // retried under its externalId (or a request with its Idempotency-Key) is stored once, even when the first
    // attempt's commit landed just before the connection dropped. The log names the driver's code only.
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn({ code: (exception as { code?: string }).code }, 'database unavailable');
      return problem(503, DATABASE_UNAVAILABLE, 'the database is unavailable; retry the same request shortly', {
        instance,
      });
    }
    // Unexpected: the client gets an id to quote, the log gets the error (never the request body).
    const errorId = randomUUID();
    this.logger.error({ errorId, err: exception }, 'unhandled error');
    return problem(500, 'INTERNAL_ERROR', 'an unexpected error occurred', { errorId, instance });
  }
}
