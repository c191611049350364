import internals from '@prisma/internals';
import pg from 'pg';

/**
 * Compares a migrated PostgreSQL database with `schema.prisma`: enums, tables, columns (type, nullability,
 * default present), primary keys, unique constraints, indexes and foreign keys. Prisma's own check
 * (`migrate diff`) needs the native schema engine, which cannot be downloaded here, so we read the schema through
 * Prisma's WebAssembly DMMF and the database through its catalogue. Returns one line per difference.
 */
type DmmfModel = Awaited<ReturnType<typeof internals.getDMMF>>['datamodel']['models'][number];
type DmmfField = DmmfModel['fields'][number];

interface ColumnInfo {
  table: string;
  column: string;
  type: string;
  nullable: boolean;
  hasDefault: boolean;
}

const SCALAR_TYPES: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Boolean: 'boolean',
  Json: 'jsonb',
  DateTime: 'timestamp(3) without time zone',
  Decimal: 'numeric(65,30)',
  Bytes: 'bytea',
};

function expectedType(field: DmmfField): string {
  if (field.kind === 'enum') return `"${field.type}"`;
  const native = field.nativeType as [string, string[]] | null | undefined;
  if (native) {
    const [name, args] = native;
    switch (name) {
      case 'Uuid':
        return 'uuid';
      case 'Timestamptz':
        return `timestamp(${args[0] ?? '3'}) with time zone`;
      case 'Timestamp':
        return `timestamp(${args[0] ?? '3'}) without time zone`;
      case 'Decimal':
        return `numeric(${args.join(',')})`;
      case 'VarChar':
        return args.length ? `character varying(${args[0]})` : 'character varying';
      case 'Text':
        return 'text';
      case 'Integer':
        return 'integer';
      case 'BigInt':
        return 'bigint';
      case 'DoublePrecision':
        return 'double precision';
      case 'JsonB':
        return 'jsonb';
      default:
        return `unsupported native type ${name}`;
    }
  }
  return SCALAR_TYPES[field.type] ?? `unsupported type ${field.type}`;
}

const columnName = (f: DmmfField) => f.dbName ?? f.name;
const tableName = (m: DmmfModel) => m.dbName ?? m.name;

export async function findSchemaDrift(schemaText: string, databaseUrl: string): Promise<string[]> {
  const dmmf = await internals.getDMMF({ datamodel: schemaText });
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const problems: string[] = [];
    const models = dmmf.datamodel.models;

    // Enums
    const enumRows = await client.query<{ name: string; value: string }>(
      `SELECT t.typname AS name, e.enumlabel AS value FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
       JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' ORDER BY t.typname, e.enumsortorder`,
    );
    const dbEnums = new Map<string, string[]>();
    for (const row of enumRows.rows) dbEnums.set(row.name, [...(dbEnums.get(row.name) ?? []), row.value]);
    for (const e of dmmf.datamodel.enums) {
      const name = e.dbName ?? e.name;
      const expected = e.values.map((v) => v.dbName ?? v.name).join(',');
      const actual = dbEnums.get(name)?.join(',');
      if (actual === undefined) problems.push(`enum ${name} is missing in the database`);
      else if (actual !== expected) problems.push(`enum ${name} has values [${actual}], schema says [${expected}]`);
      dbEnums.delete(name);
    }
    for (const name of dbEnums.keys()) problems.push(`enum ${name} exists in the database but not in schema.prisma`);

    // Tables and columns
    const columnRows = await client.query<ColumnInfo>(
      `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
              NOT a.attnotnull AS nullable, (d.adbin IS NOT NULL) AS "hasDefault"
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
         AND c.relname <> '_prisma_migrations'`,
    );
    const dbColumns = new Map(columnRows.rows.map((r) => [`${r.table}.${r.column}`, r]));
    const dbTables = new Set(columnRows.rows.map((r) => r.table));
    for (const model of models) {
      const table = tableName(model);
      if (!dbTables.has(table)) {
        problems.push(`table ${table} (model ${model.name}) is missing in the database`);
        continue;
      }
      dbTables.delete(table);
      for (const field of model.fields.filter((f) => f.kind === 'scalar' || f.kind === 'enum')) {
        const key = `${table}.${columnName(field)}`;
        const column = dbColumns.get(key);
        if (!column) {
          problems.push(`column ${key} (${model.name}.${field.name}) is missing in the database`);
          continue;
        }
        dbColumns.delete(key);
        const type = expectedType(field);
        if (column.type !== type) problems.push(`column ${key} has type ${column.type}, schema says ${type}`);
        if (column.nullable === field.isRequired) {
          problems.push(
            `column ${key} is ${column.nullable ? 'nullable' : 'NOT NULL'}, schema says ${field.isRequired ? 'required' : 'optional'}`,
          );
        }
        if (column.hasDefault !== Boolean(field.hasDefaultValue)) {
          problems.push(
            `column ${key} ${column.hasDefault ? 'has' : 'has no'} default, schema says ${field.hasDefaultValue ? 'default' : 'none'}`,
          );
        }
      }
    }
    for (const table of dbTables) problems.push(`table ${table} exists in the database but not in schema.prisma`);
    for (const key of dbColumns.keys()) {
      const table = key.split('.')[0];
      if (models.some((m) => tableName(m) === table))
        problems.push(`column ${key} exists in the database but not in schema.prisma`);
    }

    // Indexes (primary keys and unique constraints are unique indexes in PostgreSQL)
    const indexRows = await client.query<{ table: string; columns: string[]; unique: boolean; primary: boolean }>(
      `SELECT t.relname AS table, ix.indisunique AS unique, ix.indisprimary AS primary,
              array(SELECT a.attname FROM unnest(ix.indkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns
       FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
       WHERE n.nspname = 'public' AND t.relname <> '_prisma_migrations'`,
    );
    const dbIndexes = new Set(
      indexRows.rows.map((r) => indexKey(r.table, r.columns, r.primary ? 'id' : r.unique ? 'unique' : 'normal')),
    );
    const expectedIndexes = new Set<string>();
    for (const index of dmmf.datamodel.indexes) {
      const model = models.find((m) => m.name === index.model);
      if (!model) continue;
      const columns = index.fields.map((f) => columnName(model.fields.find((mf) => mf.name === f.name)!));
      const kind = index.type === 'id' ? 'id' : index.type === 'unique' ? 'unique' : 'normal';
      expectedIndexes.add(indexKey(tableName(model), columns, kind));
    }
    for (const key of expectedIndexes)
      if (!dbIndexes.has(key)) problems.push(`index ${key} is missing in the database`);
    for (const key of dbIndexes)
      if (!expectedIndexes.has(key)) problems.push(`index ${key} exists in the database but not in schema.prisma`);

    // Foreign keys
    const fkRows = await client.query<{
      table: string;
      columns: string[];
      target: string;
      targetColumns: string[];
      onDelete: string;
    }>(
      `SELECT c.conrelid::regclass::text AS table, c.confrelid::regclass::text AS target, c.confdeltype AS "onDelete",
              array(SELECT a.attname FROM unnest(c.conkey) k(n) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n)::text[] AS columns,
              array(SELECT a.attname FROM unnest(c.confkey) k(n) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n)::text[] AS "targetColumns"
       FROM pg_constraint c WHERE c.contype = 'f'`,
    );
    const deleteActions: Record<string, string> = {
      a: 'NoAction',
      r: 'Restrict',
      c: 'Cascade',
      n: 'SetNull',
      d: 'SetDefault',
    };
    const dbForeignKeys = new Set(
      fkRows.rows.map(
        (r) =>
          `${r.table}(${r.columns.join(',')}) -> ${r.target.replace(/"/g, '')}(${r.targetColumns.join(',')}) on delete ${deleteActions[r.onDelete]}`,
      ),
    );
    const expectedForeignKeys = new Set<string>();
    for (const model of models) {
      for (const field of model.fields.filter((f) => f.kind === 'object' && f.relationFromFields?.length)) {
        const target = models.find((m) => m.name === field.type)!;
        const from = field.relationFromFields!.map((n) => columnName(model.fields.find((f) => f.name === n)!));
        const to = field.relationToFields!.map((n) => columnName(target.fields.find((f) => f.name === n)!));
        const onDelete = field.relationOnDelete ?? (field.isRequired ? 'Restrict' : 'SetNull');
        expectedForeignKeys.add(
          `${tableName(model)}(${from.join(',')}) -> ${tableName(target)}(${to.join(',')}) on delete ${onDelete}`,
        );
      }
    }
    for (const key of expectedForeignKeys)
      if (!dbForeignKeys.has(key)) problems.push(`foreign key ${key} is missing in the database`);
    for (const key of dbForeignKeys)
      if (!expectedForeignKeys.has(key))
        problems.push(`foreign key ${key} exists in the database but not in schema.prisma`);

    return problems;
  } finally {
    await client.end();
  }
}

function indexKey(table: string, columns: string[], kind: 'id' | 'unique' | 'normal'): string {
  return `${kind} ${table}(${columns.join(',')})`;
}
