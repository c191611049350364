import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { Type, type TSchema } from '@sinclair/typebox';
import { ClinicalExtractionSchema } from '#schemas';
import { ApiKeyCreatedSchema, ApiKeyListSchema, CreateApiKeyBodySchema } from '../admin/admin.dto.js';
import { ProblemSchema } from '../http/problem.js';
import {
  BatchAcceptedSchema,
  BatchItemResultSchema,
  NoteAcceptedSchema,
  NoteListSchema,
  NoteStatusResponseSchema,
  NoteSummarySchema,
  SubmitBatchBodySchema,
  SubmitNoteBodySchema,
} from '../notes/note.dto.js';

const FhirBundleSchema = Type.Object(
  {
    resourceType: Type.Literal('Bundle'),
    type: Type.Literal('collection'),
    entry: Type.Array(Type.Object({ fullUrl: Type.String(), resource: Type.Object({ resourceType: Type.String() }) })),
  },
  { description: 'A FHIR R4 Bundle (http://hl7.org/fhir/R4/bundle.html); resources follow the R4 JSON schema.' },
);

/**
 * The named schemas of the API, straight from the TypeBox contracts the gateway validates with. Order matters:
 * a schema is replaced by a reference wherever it occurs inside one listed after it.
 */
export const OPENAPI_SCHEMAS: readonly (readonly [string, TSchema])[] = [
  ['Problem', ProblemSchema],
  ['ClinicalExtraction', ClinicalExtractionSchema],
  ['SubmitNoteRequest', SubmitNoteBodySchema],
  ['SubmitBatchRequest', SubmitBatchBodySchema],
  ['NoteAccepted', NoteAcceptedSchema],
  ['BatchItemResult', BatchItemResultSchema],
  ['BatchAccepted', BatchAcceptedSchema],
  ['Note', NoteStatusResponseSchema],
  ['NoteSummary', NoteSummarySchema],
  ['NoteList', NoteListSchema],
  ['FhirBundle', FhirBundleSchema],
  ['CreateApiKeyRequest', CreateApiKeyBodySchema],
  ['ApiKeyCreated', ApiKeyCreatedSchema],
  ['ApiKeyList', ApiKeyListSchema],
];

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Plain JSON (TypeBox's symbol keys dropped), without the JSON Schema dialect markers OpenAPI does not want. */
function plain(schema: TSchema): JsonValue {
  const value = JSON.parse(JSON.stringify(schema)) as { [key: string]: JsonValue };
  delete value.$id;
  delete value.$schema;
  return value;
}

/** Replaces every subtree equal to an earlier named schema with a $ref to it. */
function withRefs(node: JsonValue, named: Map<string, string>, self: string | null): JsonValue {
  if (node === null || typeof node !== 'object') return node;
  const key = JSON.stringify(node);
  const name = named.get(key);
  if (name && name !== self) return { $ref: `#/components/schemas/${name}` };
  if (Array.isArray(node)) return node.map((n) => withRefs(n, named, null));
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, withRefs(v, named, null)]));
}

export function componentSchemas(): Record<string, JsonValue> {
  const named = new Map<string, string>();
  const out: Record<string, JsonValue> = {};
  for (const [name, schema] of OPENAPI_SCHEMAS) {
    const json = plain(schema);
    out[name] = withRefs(json, named, name);
    named.set(JSON.stringify(json), name);
  }
  return out;
}

/** The gateway's OpenAPI 3.1 document, from its controllers' decorators and the TypeBox contracts. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Clinex gateway API')
    .setDescription(
      'Hospital systems submit clinical notes and read back validated extractions (JSON or FHIR R4). ' +
        'Authenticate with `Authorization: Bearer <API key>`. Every error is an RFC 9457 problem document ' +
        '(application/problem+json) with a stable `code`.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key: cx_<key id>_<secret>' })
    .build();
  const document = SwaggerModule.createDocument(app, config, { autoTagControllers: false });
  // The API integrators call: /v1. Operational routes (health, metrics) and the review page are not part of it, and
  // would otherwise depend on how the process is assembled.
  document.paths = Object.fromEntries(Object.entries(document.paths).filter(([route]) => route.startsWith('/v1/')));
  document.components = {
    ...document.components,
    schemas: { ...(document.components?.schemas ?? {}), ...(componentSchemas() as OpenAPIObject['components']) },
  };
  return sortKeys(document);
}

/** Stable key order so the checked-in copy only changes when the API does. */
function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortKeys) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  ) as T;
}
