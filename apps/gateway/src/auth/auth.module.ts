import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TenantRepository } from '../tenants/tenant.repository.js';
import { ApiKeyRepository } from './api-key.repository.js';
import { ApiKeyService } from './api-key.service.js';
import { AuthFailureLimiter } from './auth-failure.limiter.js';
import { RateLimiter } from './rate-limiter.js';
import { RequestAuthenticator } from './request-authenticator.js';
import { RolesGuard } from './roles.guard.js';

// Owns who a caller is: tenants, API keys, rate and brute-force limits, and the global role guard on every route.
@Module({
  providers: [
    ApiKeyRepository,
    ApiKeyService,
    TenantRepository,
    RateLimiter,
    AuthFailureLimiter,
    RequestAuthenticator,
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
  exports: [ApiKeyService, TenantRepository],
})
export class AuthModule {}
