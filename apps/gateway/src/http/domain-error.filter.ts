import { ArgumentsHost, Catch, HttpException, type ExceptionFilter } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { DomainError } from '#platform';
import { AuthError, AuthErrorCode } from '../auth/auth.errors.js';
import { NoteError, NoteErrorCode } from '../notes/note.errors.js';
import { RequestErrorCode, RequestValidationError } from './request-validation.js';

export interface ErrorBody {
  error: {
    code: string;
    message: string;
    field?: string;
    fields?: { path: string; message: string }[];
    errorId?: string;
  };
}

// Exhaustive maps: adding a code to an enum without a status here is a compile error.
const authStatus: Record<AuthErrorCode, number> = {
  [AuthErrorCode.MISSING_CREDENTIALS]: 401,
  [AuthErrorCode.INVALID_CREDENTIALS]: 401,
  [AuthErrorCode.FORBIDDEN_ROLE]: 403,
};
const noteStatus: Record<NoteErrorCode, number> = {
  [NoteErrorCode.NOTE_NOT_FOUND]: 404,
  [NoteErrorCode.EXTERNAL_ID_CONFLICT]: 409,
  [NoteErrorCode.NOTE_TOO_LONG]: 413,
};
const requestStatus: Record<RequestErrorCode, number> = {
  [RequestErrorCode.VALIDATION_FAILED]: 400,
};

function statusOf(error: DomainError<string>): number {
  if (error instanceof AuthError) return authStatus[error.code];
  if (error instanceof NoteError) return noteStatus[error.code];
  if (error instanceof RequestValidationError) return requestStatus[error.code];
  return 500;
}

/** Fastify's own 4xx errors (bad JSON, wrong content type, body too large) keep their status with a stable code. */
const fastifyCodes: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MALFORMED_BODY',
};

@Catch()
export class DomainErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const [status, body] = this.toResponse(exception);
    void reply.status(status).send(body);
  }

  private toResponse(exception: unknown): [number, ErrorBody] {
    if (exception instanceof DomainError) {
      const domainError = exception as DomainError<string>;
      const status = statusOf(domainError);
      const fields = domainError instanceof RequestValidationError ? domainError.fields : undefined;
      return [
        status,
        { error: { code: domainError.code, message: domainError.message, field: domainError.field, fields } },
      ];
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      // The Fastify adapter wraps Fastify's own errors; their code says what was wrong with the request.
      const cause = exception.cause as { code?: unknown } | undefined;
      const fastifyCode = typeof cause?.code === 'string' ? fastifyCodes[cause.code] : undefined;
      const code =
        fastifyCode ?? (status === 404 ? 'ROUTE_NOT_FOUND' : status === 413 ? 'PAYLOAD_TOO_LARGE' : `HTTP_${status}`);
      return [status, { error: { code, message: exception.message } }];
    }
    const candidate = exception as { statusCode?: unknown; code?: unknown; message?: unknown };
    if (typeof candidate.statusCode === 'number' && candidate.statusCode >= 400 && candidate.statusCode < 500) {
      const code = (typeof candidate.code === 'string' && fastifyCodes[candidate.code]) || 'BAD_REQUEST';
      return [
        candidate.statusCode,
        { error: { code, message: typeof candidate.message === 'string' ? candidate.message : 'bad request' } },
      ];
    }
    // Unexpected: the client gets an id to quote, the log gets the error (never the request body).
    const errorId = randomUUID();
    this.logger.error({ errorId, err: exception }, 'unhandled error');
    return [500, { error: { code: 'INTERNAL_ERROR', message: 'an unexpected error occurred', errorId } }];
  }
}
