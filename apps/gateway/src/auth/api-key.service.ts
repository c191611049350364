import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config.js';
import { ApiKeyRepository, type ApiKeyRecord } from './api-key.repository.js';
import { generateApiKey, hashSecret, parseApiKey, verifySecret } from './api-key.hasher.js';
import { AuthError, AuthErrorCode, InvalidCredentialsError } from './auth.errors.js';
import type { Principal, Role } from './principal.js';

@Injectable()
export class ApiKeyService {
  // Verified keys by a fast digest of the whole key: a scrypt check costs ~50 ms of CPU, far too much per request.
  private readonly verified = new Map<string, { principal: Principal; expiresAt: number }>();

  constructor(
    private readonly keys: ApiKeyRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'AUTH_CACHE_TTL_MS'>,
  ) {}

  async authenticate(presented: string | undefined): Promise<Principal> {
    if (!presented)
      throw new AuthError(AuthErrorCode.MISSING_CREDENTIALS, 'an API key is required (Authorization: Bearer <key>)');
    // The shape is checked first: a malformed key costs neither a database lookup nor a hash, so junk in the
    // header cannot be used to burn the CPU (scrypt is only run for a well-formed key whose id exists).
    const parsed = parseApiKey(presented);
    if (!parsed) throw new InvalidCredentialsError('malformed');
    const digest = createHash('sha256').update(presented).digest('hex');
    const cached = this.verified.get(digest);
    if (cached && cached.expiresAt > Date.now()) return cached.principal;

    const stored = await this.keys.findActiveByKeyId(parsed.keyId);
    if (!stored) throw new InvalidCredentialsError('unknown_key');
    if (!(await verifySecret(parsed.secret, stored.secretHash))) throw new InvalidCredentialsError('wrong_secret');
    const principal: Principal = { tenantId: stored.tenantId, apiKeyId: stored.id, role: stored.role };
    if (this.verified.size > 10_000) this.verified.clear();
    this.verified.set(digest, { principal, expiresAt: Date.now() + this.config.AUTH_CACHE_TTL_MS });
    return principal;
  }

  /** Issues a key; the plaintext is returned once and never stored. */
  async issue(tenantId: string, role: Role, label: string): Promise<ApiKeyRecord & { apiKey: string }> {
    const key = generateApiKey();
    const record = await this.keys.create({
      tenantId,
      keyId: key.keyId,
      secretHash: await hashSecret(key.secret),
      role,
      label,
    });
    return { ...record, apiKey: key.plaintext };
  }

  list(tenantId: string): Promise<ApiKeyRecord[]> {
    return this.keys.listByTenant(tenantId);
  }

  /**
   * Revokes a key of the tenant. This instance forgets it at once; other gateway instances stop accepting it when
   * their cache entry expires (AUTH_CACHE_TTL_MS). Returns false when the tenant has no such key.
   */
  async revoke(tenantId: string, id: string): Promise<boolean> {
    const revoked = await this.keys.revoke(tenantId, id);
    for (const [digest, entry] of this.verified) if (entry.principal.apiKeyId === id) this.verified.delete(digest);
    return revoked;
  }
}
