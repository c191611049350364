import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { emptyExtraction } from '../../libs/schemas/src/index.js';
import { generateApiKey, hashSecret } from '../../apps/gateway/src/auth/api-key.hasher.js';
import type { Role } from '../../apps/gateway/src/auth/principal.js';

export interface TestTenant {
  id: string;
  slug: string;
  keys: Record<Role, string>;
}

/** A tenant with one API key per role, written straight to the database as the admin tooling would. */
export async function createTestTenant(databaseUrl: string, label = 'test'): Promise<TestTenant> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const id = randomUUID();
    const slug = `${label}-${randomBytes(4).toString('hex')}`;
    await client.query('INSERT INTO tenants (id, slug, name) VALUES ($1, $2, $3)', [id, slug, `Test hospital ${slug}`]);
    const keys = {} as Record<Role, string>;
    for (const role of ['submitter', 'reviewer', 'finance', 'admin'] as const) {
      const key = generateApiKey();
      await client.query(
        'INSERT INTO api_keys (id, tenant_id, key_id, secret_hash, role, label) VALUES ($1, $2, $3, $4, $5, $6)',
        [randomUUID(), id, key.keyId, await hashSecret(key.secret), role, `${role} key`],
      );
      keys[role] = key.plaintext;
    }
    return { id, slug, keys };
  } finally {
    await client.end();
  }
}

/** An accepted note of the tenant with an accepted, empty extraction (engine `none`); returns the note id. */
export async function insertAcceptedNote(
  db: pg.Client,
  tenantId: string,
  text: string,
  externalIdPrefix: string,
): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO notes (id, tenant_id, external_id, text, requested_engine, status)
     VALUES ($1, $2, $3, $4, 'none', 'accepted')`,
    [id, tenantId, `${externalIdPrefix}-${id}`, text],
  );
  const engine = { name: 'none', model: 'none', version: '1' };
  await db.query(
    `INSERT INTO extractions (id, tenant_id, note_id, engine_name, engine_model, engine_version, status, payload)
     VALUES ($1, $2, $3, 'none', 'none', '1', 'accepted', $4)`,
    [randomUUID(), tenantId, id, JSON.stringify(emptyExtraction(id, engine))],
  );
  return id;
}

/** A platform-operator key (no tenant), written straight to the database as `clinex admin create-operator-key` would. */
export async function createOperatorKey(
  databaseUrl: string,
  label = 'test operator',
): Promise<{ id: string; key: string }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const id = randomUUID();
    const key = generateApiKey();
    await client.query(
      `INSERT INTO api_keys (id, tenant_id, key_id, secret_hash, role, label) VALUES ($1, NULL, $2, $3, 'operator', $4)`,
      [id, key.keyId, await hashSecret(key.secret), label],
    );
    return { id, key: key.plaintext };
  } finally {
    await client.end();
  }
}
