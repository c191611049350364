import { describe, expect, it } from '@jest/globals';
import { Metrics } from '#platform';
import type { ApiKeyRepository, StoredApiKey } from './api-key.repository.js';
import { ApiKeyService } from './api-key.service.js';
import { generateApiKey, hashSecret } from './api-key.hasher.js';
import { AuthError, AuthErrorCode, InvalidCredentialsError } from './auth.errors.js';

/**
 * A repository holding one key, counting lookups and activity checks: the service must not look up (or hash) a
 * malformed key, and must ask whether a cached key is still active on every request it serves from memory.
 */
async function serviceWithOneKey() {
  const key = generateApiKey();
  const stored: StoredApiKey = {
    id: 'key-row',
    secretHash: await hashSecret(key.secret),
    caller: { tenantId: 'tenant', apiKeyId: 'key-row', role: 'reviewer' },
  };
  const lookups: string[] = [];
  const activityChecks: string[] = [];
  const state = { active: true };
  const repository = {
    findActiveByKeyId: (keyId: string) => {
      lookups.push(keyId);
      return Promise.resolve(keyId === key.keyId && state.active ? stored : null);
    },
    isActive: (id: string) => {
      activityChecks.push(id);
      return Promise.resolve(id === stored.id && state.active);
    },
  } as unknown as ApiKeyRepository;
  const metrics = new Metrics('test');
  const service = new ApiKeyService(repository, { AUTH_CACHE_TTL_MS: 60_000 }, metrics);
  const hashes = async () =>
    (await metrics.registry.getSingleMetric('clinex_gateway_auth_key_hashes_total')!.get()).values[0]?.value ?? 0;
  return { service, key, lookups, activityChecks, state, hashes };
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
    const { service, lookups, hashes } = await serviceWithOneKey();
    for (const junk of ['x', `cx_${'0'.repeat(16)}_short`, `Bearer cx_${'a'.repeat(10_000)}`, 'cx_ZZZZZZZZZZZZZZZZ_'])
      expect(await refusal(service.authenticate(junk))).toMatchObject({
        code: AuthErrorCode.INVALID_CREDENTIALS,
        reason: 'malformed',
      });
    expect(lookups).toEqual([]);
    expect(await hashes()).toBe(0);
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

  it('does the same hashing work for an unknown key id as for a known id with a wrong secret', async () => {
    const { service, key, hashes } = await serviceWithOneKey();
    await refusal(service.authenticate(`cx_${'0'.repeat(16)}_${key.secret}`));
    expect(await hashes()).toBe(1);
    await refusal(service.authenticate(`cx_${key.keyId}_${'A'.repeat(43)}`));
    expect(await hashes()).toBe(2);
  });

  it('serves a verified key from memory, but checks on every request that it is still active', async () => {
    const { service, key, lookups, activityChecks, state, hashes } = await serviceWithOneKey();
    await service.authenticate(key.plaintext);
    await service.authenticate(key.plaintext);
    await service.authenticate(key.plaintext);
    expect({ lookups: lookups.length, activityChecks, hashes: await hashes() }).toEqual({
      lookups: 1,
      activityChecks: ['key-row', 'key-row'],
      hashes: 1,
    });
    // Revoked elsewhere (another instance, or the CLI straight in the database): refused on the next request.
    state.active = false;
    expect(await refusal(service.authenticate(key.plaintext))).toMatchObject({ reason: 'revoked' });
    expect(await refusal(service.authenticate(key.plaintext))).toMatchObject({ reason: 'unknown_key' });
  });

  it('refuses unverified, before any lookup, a key the caller may not have hashed now', async () => {
    const { service, key, lookups, hashes } = await serviceWithOneKey();
    expect(await refusal(service.authenticate(key.plaintext, () => false))).toMatchObject({ reason: 'not_verified' });
    expect({ lookups, hashes: await hashes() }).toEqual({ lookups: [], hashes: 0 });
    // A key verified before needs no hash, so it is served even then.
    await service.authenticate(key.plaintext);
    await expect(service.authenticate(key.plaintext, () => false)).resolves.toMatchObject({ apiKeyId: 'key-row' });
  });
});
