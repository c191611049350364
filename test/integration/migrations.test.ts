import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { applyMigrations, MigrationError } from '../../libs/database/src/migrations/migration-runner.js';
import { findSchemaDrift } from '../../tools/prisma/schema-drift.js';
import { createDatabase, dropDatabase, MIGRATIONS_DIR, REPO_ROOT } from '../support/test-database.js';

const SCHEMA_PATH = path.join(REPO_ROOT, 'prisma/schema.prisma');

describe('migration runner (real PostgreSQL)', () => {
  const created: string[] = [];
  const fresh = async () => {
    const db = await createDatabase('clinex_migrate');
    created.push(db.name);
    return db;
  };
  afterAll(async () => {
    await Promise.all(created.map(dropDatabase));
  });

  it('applies every migration once and records it in _prisma_migrations as Prisma does', async () => {
    const db = await fresh();
    const first = await applyMigrations(db.url, MIGRATIONS_DIR);
    expect(first.applied.length).toBeGreaterThan(0);
    expect(first.alreadyApplied).toEqual([]);

    const second = await applyMigrations(db.url, MIGRATIONS_DIR);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(first.applied);

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      applied_steps_count: number;
    }>(
      'SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name',
    );
    await client.end();
    expect(rows.map((r) => r.migration_name)).toEqual(first.applied);
    for (const row of rows) {
      const sql = await readFile(path.join(MIGRATIONS_DIR, row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it('refuses to run when an applied migration was edited afterwards', async () => {
    const db = await fresh();
    const dir = await mkdtemp(path.join(tmpdir(), 'clinex-migrations-'));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      const result = await applyMigrations(db.url, dir);
      const file = path.join(dir, result.applied[0]!, 'migration.sql');
      await writeFile(file, `${await readFile(file, 'utf8')}\n-- edited\n`);
      await expect(applyMigrations(db.url, dir)).rejects.toThrow(MigrationError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rolls back a failing migration and records the failure', async () => {
    const db = await fresh();
    const dir = await mkdtemp(path.join(tmpdir(), 'clinex-migrations-'));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      await cp(path.join(MIGRATIONS_DIR, '..', 'migration_lock.toml'), path.join(dir, 'migration_lock.toml')).catch(
        () => undefined,
      );
      const broken = path.join(dir, '99990101000000_broken');
      await import('node:fs/promises').then((fs) => fs.mkdir(broken));
      await writeFile(
        path.join(broken, 'migration.sql'),
        'CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;',
      );
      await expect(applyMigrations(db.url, dir)).rejects.toThrow(/99990101000000_broken/);
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const table = await client.query(`SELECT to_regclass('half_done') AS t`);
      const record = await client.query(
        `SELECT finished_at, logs FROM _prisma_migrations WHERE migration_name = '99990101000000_broken'`,
      );
      await client.end();
      expect(table.rows[0].t).toBeNull();
      expect(record.rows[0].finished_at).toBeNull();
      expect(record.rows[0].logs).toMatch(/no_such_table/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('schema drift between prisma/schema.prisma and the migrated database', () => {
  let db: { name: string; url: string };
  let schema: string;
  beforeAll(async () => {
    db = await createDatabase('clinex_drift');
    await applyMigrations(db.url, MIGRATIONS_DIR);
    schema = await readFile(SCHEMA_PATH, 'utf8');
  });
  afterAll(async () => {
    await dropDatabase(db.name);
  });

  it('finds none: every model, column, index and foreign key has its migration', async () => {
    expect(await findSchemaDrift(schema, db.url)).toEqual([]);
  });

  it('reports a column added to schema.prisma without a migration', async () => {
    const edited = schema.replace(/(model Note \{\n)/, '$1  priority Int @default(0)\n');
    expect(edited).not.toBe(schema);
    expect(await findSchemaDrift(edited, db.url)).toEqual([
      'column notes.priority (Note.priority) is missing in the database',
    ]);
  });

  it('reports an index, a nullability change and a model without a migration', async () => {
    const edited = schema
      .replace('  @@index([tenantId, code])\n', '  @@index([tenantId, code])\n  @@index([severity])\n')
      .replace('  comment      String?', '  comment      String')
      .concat('\nmodel Orphan {\n  id Int @id\n}\n');
    const problems = await findSchemaDrift(edited, db.url);
    expect(problems).toEqual(
      expect.arrayContaining([
        'index normal extraction_flags(severity) is missing in the database',
        'column review_decisions.comment is nullable, schema says required',
        'table Orphan (model Orphan) is missing in the database',
      ]),
    );
  });
});
