import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PUBLIC_ROUTE } from '#platform';
import { AuthError, AuthErrorCode } from './auth.errors.js';
import type { AnyRole } from './principal.js';
import { RequestAuthenticator, type AuthenticatedRequest } from './request-authenticator.js';

export type { AuthenticatedRequest } from './request-authenticator.js';

const ROLES_KEY = 'clinex:roles';

/** Every endpoint declares who may call it; an endpoint that declares nothing is refused (see RolesGuard). */
export const Roles = (...roles: AnyRole[]) => SetMetadata(ROLES_KEY, roles);

/**
 * The role check of every non-public route. The caller was usually resolved before the body was read (the /v1
 * onRequest hook, RequestAuthenticator.installHook); a route outside /v1 that is not public is authenticated here.
 */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: RequestAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const roles = this.reflector.getAllAndOverride<AnyRole[] | undefined>(ROLES_KEY, targets) ?? [];
    const caller = await this.authenticator.authenticate(context.switchToHttp().getRequest<AuthenticatedRequest>());
    if (!roles.includes(caller.role)) {
      throw new AuthError(AuthErrorCode.FORBIDDEN_ROLE, `this endpoint is not available to the ${caller.role} role`);
    }
    return true;
  }
}
