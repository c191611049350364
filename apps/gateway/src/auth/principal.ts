export const ROLES = ['submitter', 'reviewer', 'finance', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: resolved from the API key on every request; every query is scoped by its tenantId. */
export interface Principal {
  tenantId: string;
  apiKeyId: string;
  role: Role;
}
