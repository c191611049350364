import { Inject, Injectable, type PipeTransform } from '@nestjs/common';
import type { Static, TSchema } from '@sinclair/typebox';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ContractError } from '#schemas';
import { DomainError } from '#platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config.js';
import type { FieldError } from './problem.js';

export enum RequestErrorCode {
  /** The body, query or path does not match the endpoint's schema. */
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  /** The body or query has a member the endpoint does not define (a typo must not be silently ignored). */
  UNKNOWN_FIELD = 'UNKNOWN_FIELD',
  MALFORMED_JSON = 'MALFORMED_JSON',
  INVALID_UTF8 = 'INVALID_UTF8',
  /** A string holds a character its field may not (http/character.policy.ts): the problem names field and offset. */
  INVALID_CHARACTER = 'INVALID_CHARACTER',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  BATCH_TOO_LARGE = 'BATCH_TOO_LARGE',
  INVALID_IDEMPOTENCY_KEY = 'INVALID_IDEMPOTENCY_KEY',
  INVALID_CURSOR = 'INVALID_CURSOR',
}

type RequestPart = 'body' | 'query' | 'path' | 'header';

/** Something is wrong with the request itself (as opposed to what it asks for). */
export class RequestError extends DomainError<RequestErrorCode> {
  readonly domain = 'request';
  constructor(
    code: RequestErrorCode,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(code, message, errors[0]?.field);
  }
}

/** Body fields are JSON pointers; query, path and header parameters are named. */
function fieldName(where: RequestPart, pointer: string): string {
  return where === 'body' ? pointer : pointer.replace(/^\//, '').split('/')[0] || pointer;
}

export class RequestValidationError extends RequestError {
  constructor(
    readonly fields: ContractError[],
    where: RequestPart,
    code: RequestErrorCode = RequestErrorCode.VALIDATION_FAILED,
  ) {
    super(
      code,
      `invalid ${where}: ${fields.map((f) => `${where}${f.path === '/' ? '' : f.path} ${f.message}`).join('; ')}`,
      fields.map((f) => ({ field: fieldName(where, f.path), detail: f.message })),
    );
  }
}

// ajv-formats ships CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = addFormats(
  new Ajv2020({ allErrors: true, verbose: true, strict: true, strictTypes: false, allowUnionTypes: true }),
);
ajv.addKeyword('kind').addKeyword('modifier');
const compiled = new WeakMap<TSchema, ValidateFunction>();

interface RequestCheckError extends ContractError {
  unknownField: boolean;
}

/**
 * Points each error at the offending member: a missing or unknown property is reported at its own path
 * (`/text`), not at the object that lacks or has it, so clients can highlight the field.
 */
function toRequestError(error: ErrorObject): RequestCheckError {
  const base = error.instancePath;
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  if (error.keyword === 'required' && params.missingProperty !== undefined) {
    return { path: `${base}/${params.missingProperty}`, message: 'is required', unknownField: false };
  }
  if (error.keyword === 'additionalProperties' && params.additionalProperty !== undefined) {
    return { path: `${base}/${params.additionalProperty}`, message: 'is not a known field', unknownField: true };
  }
  if (error.keyword === 'anyOf') {
    const members = (error.parentSchema as { anyOf?: { const?: unknown }[] } | undefined)?.anyOf ?? [];
    const allowed = members.every((m) => m.const !== undefined) ? members.map((m) => String(m.const)) : null;
    const message = allowed ? `must be one of: ${allowed.join(', ')}` : 'does not match any of the allowed forms';
    return { path: base || '/', message, unknownField: false };
  }
  return { path: base || '/', message: error.message ?? error.keyword, unknownField: false };
}

/** A union reports one error per member and then `anyOf`; keep only the `anyOf` summary for that value. */
function withoutUnionNoise(errors: ErrorObject[]): ErrorObject[] {
  const unions = errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath);
  return errors.filter(
    (e) => e.keyword === 'anyOf' || !unions.some((u) => e.instancePath === u || e.instancePath.startsWith(`${u}/`)),
  );
}

/** Checks a value against a TypeBox schema (compiled once per schema); throws a RequestValidationError. */
export function checkRequest<S extends TSchema>(schema: S, value: unknown, where: RequestPart): Static<S> {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(value)) return value;
  const mapped = withoutUnionNoise(validate.errors ?? []).map(toRequestError);
  const unknownOnly = mapped.length > 0 && mapped.every((e) => e.unknownField);
  throw new RequestValidationError(
    mapped.map(({ path, message }) => ({ path, message })),
    where,
    unknownOnly ? RequestErrorCode.UNKNOWN_FIELD : RequestErrorCode.VALIDATION_FAILED,
  );
}

/** Validates a request part against a TypeBox schema and passes on the typed value. */
@Injectable()
export class ContractPipe<S extends TSchema> implements PipeTransform<unknown, Static<S>> {
  constructor(
    private readonly schema: S,
    private readonly where: 'body' | 'query' | 'path' = 'body',
  ) {}

  transform(value: unknown): Static<S> {
    return checkRequest(this.schema, value ?? {}, this.where);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class UuidPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!UUID.test(value)) throw new RequestValidationError([{ path: '/id', message: 'must be a UUID' }], 'path');
    return value.toLowerCase();
  }
}

/**
 * Refuses a batch with more items than MAX_BATCH_NOTES before anything else looks at it (413 BATCH_TOO_LARGE), so
 * the limit is reported as such rather than as a schema error.
 */
@Injectable()
export class BatchLimitPipe implements PipeTransform<unknown, unknown> {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  transform(value: unknown): unknown {
    const notes = (value as { notes?: unknown } | null | undefined)?.notes;
    if (Array.isArray(notes) && notes.length > this.config.MAX_BATCH_NOTES) {
      throw new RequestError(
        RequestErrorCode.BATCH_TOO_LARGE,
        `a batch holds at most ${this.config.MAX_BATCH_NOTES} notes; this one has ${notes.length}`,
        [{ field: '/notes', detail: `must have at most ${this.config.MAX_BATCH_NOTES} items` }],
      );
    }
    return value;
  }
}
