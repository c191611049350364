import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { PUBLIC_ROUTE } from '#platform';
import { ApiKeyService } from './api-key.service.js';
import { AuthFailureLimiter, clientKey } from './auth-failure.limiter.js';
import { AuthError, AuthErrorCode, InvalidCredentialsError } from './auth.errors.js';
import type { Principal, Role } from './principal.js';
import { RateLimiter } from './rate-limiter.js';

const ROLES_KEY = 'clinex:roles';

/** Every endpoint declares who may call it; an endpoint that declares nothing is refused (see RolesGuard). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

@Injectable()
export class RolesGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeyService,
    private readonly rateLimiter: RateLimiter,
    private readonly authFailures: AuthFailureLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets) ?? [];

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const presented = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    // A locked-out address is refused before its key is looked at (no lookup, no hash), valid key or not.
    const client = clientKey(request.ip);
    this.authFailures.assertNotLockedOut(client);
    const principal = await this.apiKeys.authenticate(presented).catch((error: unknown) => {
      if (error instanceof InvalidCredentialsError) this.authFailures.recordFailure(client, error.reason);
      throw error;
    });
    // Every authenticated request counts against its key, refused ones included.
    this.rateLimiter.consume(principal.apiKeyId);
    if (!roles.includes(principal.role)) {
      throw new AuthError(AuthErrorCode.FORBIDDEN_ROLE, `this endpoint is not available to the ${principal.role} role`);
    }
    request.principal = principal;
    return true;
  }
}
