import type { Static, TSchema } from '@sinclair/typebox';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

export interface ContractError {
  /** JSON pointer to the offending value, e.g. `/medications/0/dose/value`. */
  path: string;
  message: string;
}

export type ContractResult<T> = { ok: true; value: T } | { ok: false; errors: ContractError[] };

// ajv-formats ships CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true, strictTypes: false, allowUnionTypes: true }));
// TypeBox marks schemas with a symbol-keyed `[Kind]`; ajv ignores symbols, but strict mode rejects unknown keywords.
ajv.addKeyword('kind').addKeyword('modifier');

/** Compiles a contract schema once and returns a checker that collects every error with its JSON path. */
export function compileContract<S extends TSchema>(schema: S): (data: unknown) => ContractResult<Static<S>> {
  const validate = ajv.compile(schema);
  return (data: unknown) => {
    if (validate(data)) return { ok: true, value: data as Static<S> };
    return { ok: false, errors: (validate.errors ?? []).map(toContractError) };
  };
}

function toContractError(error: ErrorObject): ContractError {
  const path = error.instancePath || '/';
  const extra =
    error.keyword === 'additionalProperties'
      ? ` (${String((error.params as { additionalProperty?: string }).additionalProperty)})`
      : error.keyword === 'required'
        ? ` (${String((error.params as { missingProperty?: string }).missingProperty)})`
        : '';
  return { path, message: `${error.message ?? error.keyword}${extra}` };
}
