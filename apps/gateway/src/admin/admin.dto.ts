import { Type, type Static } from '@sinclair/typebox';
import { stringEnum } from '#schemas';
import { ROLES } from '../auth/principal.js';

export const CreateApiKeyBodySchema = Type.Object(
  {
    role: stringEnum(ROLES),
    label: Type.String({ minLength: 1, maxLength: 200, description: 'What the key is for, e.g. "EHR interface".' }),
  },
  { additionalProperties: false },
);
export type CreateApiKeyBody = Static<typeof CreateApiKeyBodySchema>;

const apiKeyFields = {
  id: Type.String({ format: 'uuid' }),
  role: stringEnum(ROLES),
  label: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
};

export const ApiKeyCreatedSchema = Type.Object(
  {
    ...apiKeyFields,
    apiKey: Type.String({ description: 'The key. Shown only in this response: it is stored hashed.' }),
  },
  { additionalProperties: false },
);
export type ApiKeyCreatedResponse = Static<typeof ApiKeyCreatedSchema>;

export const ApiKeySummarySchema = Type.Object(
  { ...apiKeyFields, revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]) },
  { additionalProperties: false },
);
export const ApiKeyListSchema = Type.Object(
  { items: Type.Array(ApiKeySummarySchema) },
  { additionalProperties: false },
);
export type ApiKeyListResponse = Static<typeof ApiKeyListSchema>;
