import { Injectable, type PipeTransform } from '@nestjs/common';
import type { Static, TSchema } from '@sinclair/typebox';
import { compileContract, type ContractError } from '#schemas';
import { DomainError } from '#platform';

export enum RequestErrorCode {
  VALIDATION_FAILED = 'VALIDATION_FAILED',
}

export class RequestValidationError extends DomainError<RequestErrorCode> {
  readonly domain = 'request';
  constructor(
    readonly fields: ContractError[],
    where: 'body' | 'query' | 'path',
  ) {
    super(
      RequestErrorCode.VALIDATION_FAILED,
      `invalid ${where}: ${fields.map((f) => `${where}${f.path === '/' ? '' : f.path} ${f.message}`).join('; ')}`,
      fields[0]?.path,
    );
  }
}

/** Validates a request part against a TypeBox schema (compiled once) and passes on the typed value. */
@Injectable()
export class ContractPipe<S extends TSchema> implements PipeTransform<unknown, Static<S>> {
  private readonly check: ReturnType<typeof compileContract<S>>;
  constructor(
    schema: S,
    private readonly where: 'body' | 'query' | 'path' = 'body',
  ) {
    this.check = compileContract(schema);
  }

  transform(value: unknown): Static<S> {
    const result = this.check(value ?? {});
    if (!result.ok) throw new RequestValidationError(result.errors, this.where);
    return result.value;
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
