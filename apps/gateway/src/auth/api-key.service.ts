import { createHash } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { Counter } from 'prom-client';
import { Metrics } from '#platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config.js';
import { ApiKeyRepository, type ApiKeyRecord, type OperatorKeyRecord } from './api-key.repository.js';
import { generateApiKey, hashSecret, parseApiKey, verifyAgainstDummy, verifySecret } from './api-key.hasher.js';
import { AuthError, AuthErrorCode, InvalidCredentialsError } from './auth.errors.js';
import type { Caller, Role } from './principal.js';

/** Most verified keys remembered at once; past it the memory starts afresh (each key then pays one hash again). */
const MAX_CACHED_KEYS = 10_000;

@Injectable()
export class ApiKeyService {
  /**
   * Verified keys by a fast digest of the whole key: a scrypt check costs ~50 ms of CPU, far too much per request.
   * An entry only saves the hash: whether the key is still active is read from the database on every request.
   */
  private readonly verified = new Map<string, { caller: Caller; expiresAt: number }>();
  private readonly hashes: Counter | null;

  constructor(
    private readonly keys: ApiKeyRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'AUTH_CACHE_TTL_MS'>,
    @Optional() metrics?: Metrics,
  ) {
    this.hashes = metrics
      ? new Counter({
          name: 'clinex_gateway_auth_key_hashes_total',
          help: 'scrypt verifications of presented keys (an unknown key id is verified against a dummy hash, so it counts too)',
          registers: [metrics.registry],
        })
      : null;
  }

  /**
   * Who the presented key speaks for. A malformed key is refused on its shape (no lookup, no hash). A key verified
   * before is served from memory after one indexed read that it is still active, so a key revoked anywhere — over
   * HTTP on any gateway instance, or with the CLI straight in the database — is refused on its next request. Any
   * other well-formed key costs one scrypt verification, against its stored hash or, when its id does not exist,
   * against a dummy hash, so both refusals take the same time. `mayHash` is asked just before that work (the
   * brute-force guard rations it for locked-out clients); false refuses the key unverified.
   */
  async authenticate(presented: string | undefined, mayHash: () => boolean = () => true): Promise<Caller> {
    if (!presented)
      throw new AuthError(AuthErrorCode.MISSING_CREDENTIALS, 'an API key is required (Authorization: Bearer <key>)');
    const parsed = parseApiKey(presented);
    if (!parsed) throw new InvalidCredentialsError('malformed');
    const digest = createHash('sha256').update(presented).digest('hex');
    const now = Date.now();
    const cached = this.verified.get(digest);
    if (cached && cached.expiresAt > now) {
      if (await this.keys.isActive(cached.caller.apiKeyId)) {
        cached.expiresAt = now + this.config.AUTH_CACHE_TTL_MS;
        return cached.caller;
      }
      this.verified.delete(digest);
      throw new InvalidCredentialsError('revoked');
    }
    if (cached) this.verified.delete(digest);
    if (!mayHash()) throw new InvalidCredentialsError('not_verified');

    this.hashes?.inc();
    const stored = await this.keys.findActiveByKeyId(parsed.keyId);
    if (!stored) {
      await verifyAgainstDummy(parsed.secret);
      throw new InvalidCredentialsError('unknown_key');
    }
    if (!(await verifySecret(parsed.secret, stored.secretHash))) throw new InvalidCredentialsError('wrong_secret');
    if (this.verified.size >= MAX_CACHED_KEYS) this.verified.clear();
    this.verified.set(digest, { caller: stored.caller, expiresAt: Date.now() + this.config.AUTH_CACHE_TTL_MS });
    return stored.caller;
  }

  /** Issues a tenant key; the plaintext is returned once and never stored. */
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

  /** Issues a platform-operator key (CLI only); the plaintext is returned once and never stored. */
  async issueOperator(label: string): Promise<OperatorKeyRecord & { apiKey: string }> {
    const key = generateApiKey();
    const record = await this.keys.createOperator({
      keyId: key.keyId,
      secretHash: await hashSecret(key.secret),
      label,
    });
    return { ...record, apiKey: key.plaintext };
  }

  list(tenantId: string): Promise<ApiKeyRecord[]> {
    return this.keys.listByTenant(tenantId);
  }

  listOperators(): Promise<OperatorKeyRecord[]> {
    return this.keys.listOperators();
  }

  /**
   * Revokes a key of the tenant; false when the tenant has no such key. Every instance refuses it from its next
   * request on (the cache is checked against the database each time); this one also forgets it at once.
   */
  async revoke(tenantId: string, id: string): Promise<boolean> {
    const revoked = await this.keys.revoke(tenantId, id);
    this.forget(id);
    return revoked;
  }

  /** Revokes an operator key; false when there is none with this id. */
  async revokeOperator(id: string): Promise<boolean> {
    const revoked = await this.keys.revokeOperator(id);
    this.forget(id);
    return revoked;
  }

  private forget(apiKeyId: string): void {
    for (const [digest, entry] of this.verified) if (entry.caller.apiKeyId === apiKeyId) this.verified.delete(digest);
  }
}
