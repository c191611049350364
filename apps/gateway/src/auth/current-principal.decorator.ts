import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest } from './request-authenticator.js';
import { isOperator, type Caller, type OperatorPrincipal, type Principal } from './principal.js';

function callerOf(context: ExecutionContext): Caller {
  const caller = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  // RolesGuard runs first on every non-public route; reaching here without a caller is a wiring bug.
  if (!caller) throw new Error('route reached without an authenticated principal');
  return caller;
}

/** The tenant key calling a tenant route (one whose @Roles names only tenant roles). */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const caller = callerOf(context);
  // Such a route's @Roles keeps operators out; an operator here means a route admits it without handling it.
  if (isOperator(caller)) throw new Error('an operator reached a route that takes a tenant principal');
  return caller;
});

/** The caller of a route that also admits the platform operator: a tenant key or an operator key. */
export const CurrentCaller = createParamDecorator((_: unknown, context: ExecutionContext): Caller => callerOf(context));

/** The operator calling a route whose @Roles names only the operator. */
export const CurrentOperator = createParamDecorator((_: unknown, context: ExecutionContext): OperatorPrincipal => {
  const caller = callerOf(context);
  if (!isOperator(caller)) throw new Error('a tenant key reached a route that takes the operator');
  return caller;
});
