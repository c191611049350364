import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest } from './roles.guard.js';
import type { Principal } from './principal.js';

export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  // RolesGuard runs first on every non-public route; reaching here without a principal is a wiring bug.
  if (!principal) throw new Error('route reached without an authenticated principal');
  return principal;
});
