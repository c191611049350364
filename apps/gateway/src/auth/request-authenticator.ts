import { Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiKeyService } from './api-key.service.js';
import { AuthFailureLimiter, clientKey } from './auth-failure.limiter.js';
import { AuthError, InvalidCredentialsError } from './auth.errors.js';
import type { Caller } from './principal.js';
import { RateLimiter } from './rate-limiter.js';

export type AuthenticatedRequest = FastifyRequest & { principal?: Caller };

/** The key of `Authorization: Bearer <key>`; the scheme is case-insensitive (RFC 9110 §11.1), spaces around it too. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^[ \t]*bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match ? match[1] : undefined;
}

/** Every route under /v1 needs a key (the OpenAPI document declares bearer security on each of them). */
const API_PREFIX = '/v1';

/**
 * Resolves a request's caller once: the brute-force guard, the key (see ApiKeyService.authenticate) and the key's
 * rate limit. The result stays on the request; RolesGuard then checks the role the route asks for.
 */
@Injectable()
export class RequestAuthenticator {
  constructor(
    private readonly apiKeys: ApiKeyService,
    private readonly rateLimiter: RateLimiter,
    private readonly authFailures: AuthFailureLimiter,
  ) {}

  async authenticate(request: AuthenticatedRequest): Promise<Caller> {
    if (request.principal) return request.principal;
    const client = clientKey(request.ip);
    const lockedOut = this.authFailures.isLockedOut(client);
    let caller: Caller;
    try {
      caller = await this.apiKeys.authenticate(
        bearerToken(request.headers.authorization),
        () => !lockedOut || this.authFailures.takeVerification(client),
      );
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      // A locked-out address learns nothing more from its refusals, and they do not extend the lockout.
      if (lockedOut) {
        const unverified = error instanceof InvalidCredentialsError && error.reason === 'not_verified';
        throw this.authFailures.refusal(client, unverified);
      }
      if (error instanceof InvalidCredentialsError) this.authFailures.recordFailure(client);
      throw error;
    }
    // Every authenticated request counts against its key, those its role may not make included.
    this.rateLimiter.consume(caller.apiKeyId);
    request.principal = caller;
    return caller;
  }

  /**
   * Authenticates every /v1 request in Fastify's onRequest phase, before its body is read or parsed: a request
   * without a valid key is answered 401 (or 429) whatever its body, and costs no body buffering or JSON parsing.
   * Must be installed before the routes are registered (Fastify gives a route the hooks that exist by then).
   * Matched routes are judged by their pattern, unmatched ones by their path (an unknown /v1 route answers 401 to
   * the unauthenticated, not 404). RolesGuard authenticates any other non-public route itself.
   */
  installHook(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', async (request: AuthenticatedRequest) => {
      const path = request.routeOptions.url ?? request.url.split('?')[0]!;
      if (path === API_PREFIX || path.startsWith(`${API_PREFIX}/`)) await this.authenticate(request);
    });
  }
}
