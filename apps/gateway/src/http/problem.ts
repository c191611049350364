import { STATUS_CODES } from 'node:http';
import { Type, type Static } from '@sinclair/typebox';

/**
 * Errors leave the gateway as RFC 9457 problem details (`application/problem+json`). Besides the standard members,
 * every problem has a stable `code` (the one clients should branch on; `title` and `detail` are for people) and,
 * when the error is about particular input, `field` and `errors[]`.
 */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const PROBLEM_TYPE_BASE = 'https://clinex.dev/problems/';

export const FieldErrorSchema = Type.Object(
  {
    /** A JSON pointer into the request body (`/notes/2/text`), or the name of a query, path or header parameter. */
    field: Type.String(),
    detail: Type.String(),
  },
  { additionalProperties: false },
);
export type FieldError = Static<typeof FieldErrorSchema>;

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ format: 'uri', description: 'Identifies the problem type; one per code.' }),
    title: Type.String({ description: 'Short summary of the problem type (the HTTP reason phrase).' }),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.String({ description: 'What went wrong with this request, for a person to read.' }),
    instance: Type.Optional(Type.String({ description: 'The request path.' })),
    code: Type.String({ description: 'Stable machine-readable error code, e.g. VALIDATION_FAILED.' }),
    field: Type.Optional(Type.String({ description: 'The first offending field (see errors[].field).' })),
    errors: Type.Optional(Type.Array(FieldErrorSchema)),
    errorId: Type.Optional(Type.String({ description: 'Quote this to support: it finds the server log entry.' })),
  },
  { additionalProperties: false },
);
export type Problem = Static<typeof ProblemSchema>;

export function problemType(code: string): string {
  return `${PROBLEM_TYPE_BASE}${code.toLowerCase().replace(/_/g, '-')}`;
}

export function problem(
  status: number,
  code: string,
  detail: string,
  extra: { field?: string; errors?: FieldError[]; instance?: string; errorId?: string } = {},
): Problem {
  const body: Problem = { type: problemType(code), title: STATUS_CODES[status] ?? 'Error', status, detail, code };
  if (extra.instance !== undefined) body.instance = extra.instance;
  const field = extra.field ?? extra.errors?.[0]?.field;
  if (field !== undefined) body.field = field;
  if (extra.errors && extra.errors.length > 0) body.errors = extra.errors;
  if (extra.errorId !== undefined) body.errorId = extra.errorId;
  return body;
}
