import { describe, expect, it } from '@jest/globals';
import type { ApiKeyRepository, StoredApiKey } from './api-key.repository.js';
import { ApiKeyService } from './api-key.service.js';
import { generateApiKey, hashSecret } from './api-key.hasher.js';
import { AuthError, AuthErrorCode, InvalidCredentialsError } from './auth.errors.js';

/** A repository holding one key, counting lookups: the service must not look up (or hash) a malformed key. */
async function serviceWithOneKey() {
  const key = generateApiKey();
  const stored: StoredApiKey = {
    id: 'key-row',
    tenantId: 'tenant',
    role: 'reviewer',
    secretHash: await hashSecret(key.secret),
  };
  const lookups: string[] = [];
  const repository = {
    findActiveByKeyId: (keyId: string) => {
      lookups.push(keyId);
      return Promise.resolve(keyId === key.keyId ? stored : null);
    },
  } as unknown as ApiKeyRepository;
  return { service: new ApiKeyService(repository, { AUTH_CACHE_TTL_MS: 60_000 }), key, lookups };
}

async function refusal(promise: Promise<unknown>): Promise<AuthError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof AuthError)) throw new Error(`expected an AuthError, got ${String(error)}`);
  return error;
}

describe('ApiKeyService.authenticate', () => {
  it('refuses malformed keys on their shape, before any lookup or hash', async () => {
    const { service, lookups } = await serviceWithOneKey();
    for (const junk of ['x', `cx_${'0'.repeat(16)}_short`, `Bearer cx_${'a'.repeat(10_000)}`, 'cx_ZZZZZZZZZZZZZZZZ_'])
      expect(await refusal(service.authenticate(junk))).toMatchObject({
        code: AuthErrorCode.INVALID_CREDENTIALS,
        reason: 'malformed',
      });
    expect(lookups).toEqual([]);
  });

  it('tells unknown keys and wrong secrets apart internally, but not in what the client sees', async () => {
    const { service, key, lookups } = await serviceWithOneKey();
    const unknown = await refusal(service.authenticate(`cx_${'0'.repeat(16)}_${key.secret}`));
    const wrong = await refusal(service.authenticate(`cx_${key.keyId}_${'A'.repeat(43)}`));
    expect([unknown, wrong].map((e) => (e as InvalidCredentialsError).reason)).toEqual(['unknown_key', 'wrong_secret']);
    expect(unknown.message).toBe(wrong.message);
    expect(lookups).toHaveLength(2);
    await expect(service.authenticate(key.plaintext)).resolves.toEqual({
      tenantId: 'tenant',
      apiKeyId: 'key-row',
      role: 'reviewer',
    });
    expect((await refusal(service.authenticate(undefined))).code).toBe(AuthErrorCode.MISSING_CREDENTIALS);
  });
});
