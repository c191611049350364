/** The roles a hospital's keys have: each key belongs to one tenant and sees and changes only that tenant. */
export const ROLES = ['submitter', 'reviewer', 'finance', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * The platform operator: the one role that spans tenants (all-tenant finance views, global price versions). Its keys
 * belong to no tenant and are created only with the CLI (`clinex admin create-operator-key`), never over HTTP.
 */
export const OPERATOR = 'operator';
export type Operator = typeof OPERATOR;
/** Every role an endpoint may name in `@Roles(...)`. */
export type AnyRole = Role | Operator;

/** A tenant's key: resolved on every request; every query is scoped by its tenantId. */
export interface Principal {
  tenantId: string;
  apiKeyId: string;
  role: Role;
}

/** An operator's key: no tenant to scope by, so only the routes that name the operator accept it. */
export interface OperatorPrincipal {
  apiKeyId: string;
  role: Operator;
}

/** Whoever a key says is calling; `role === 'operator'` tells the two apart. */
export type Caller = Principal | OperatorPrincipal;

export const isOperator = (caller: Caller): caller is OperatorPrincipal => caller.role === OPERATOR;
