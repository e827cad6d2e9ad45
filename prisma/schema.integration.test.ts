import { readFileSync, readdirSync } from 'node:fs';
import internals from '@prisma/internals';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../apps/api/src/db/migrations';
import { createEmptyDatabase } from '../apps/api/test/database';

/**
 * prisma/schema/*.prisma is the source of truth and migrations are hand-written SQL (Prisma's
 * migrate cannot run here). This proves they agree: after migrating an empty database, every
 * model, field, type, nullability, enum, primary key, unique constraint and foreign key that
 * the schema declares exists, and the database has nothing the schema does not know.
 */
type Dmmf = Awaited<ReturnType<typeof internals.getDMMF>>;
type Model = Dmmf['datamodel']['models'][number];
type Field = Model['fields'][number];

let empty: Awaited<ReturnType<typeof createEmptyDatabase>>;
let client: pg.Client;
let dmmf: Dmmf;

beforeAll(async () => {
  const folder = new URL('./schema/', import.meta.url);
  const files = readdirSync(folder).filter((name) => name.endsWith('.prisma'));
  dmmf = await internals.getDMMF({
    datamodel: files.map(
      (name) => [name, readFileSync(new URL(name, folder), 'utf8')] as [string, string],
    ),
  });
  empty = await createEmptyDatabase();
  await applyMigrations({ connectionString: empty.connectionString });
  client = new pg.Client({ connectionString: empty.connectionString });
  await client.connect();
}, 60_000);

afterAll(async () => {
  await client?.end();
  await empty?.drop();
});

interface Column {
  table_name: string;
  column_name: string;
  data_type: string;
  udt_name: string;
  is_nullable: 'YES' | 'NO';
  character_maximum_length: number | null;
  datetime_precision: number | null;
}

async function columns(): Promise<Column[]> {
  const { rows } = await client.query<Column>(
    `SELECT table_name, column_name, data_type, udt_name, is_nullable, character_maximum_length, datetime_precision
       FROM information_schema.columns WHERE table_schema = 'public'`,
  );
  return rows;
}

const tableName = (model: Model) => model.dbName ?? model.name;
const columnName = (field: Field) => field.dbName ?? field.name;

function expectedType(
  field: Field,
  enumDbNames: Map<string, string>,
): { data_type: string; udt_name?: string } {
  const native = field.nativeType?.[0];
  if (field.kind === 'enum')
    return {
      data_type: field.isList ? 'ARRAY' : 'USER-DEFINED',
      udt_name: enumDbNames.get(field.type) ?? field.type,
    };
  const scalar: Record<string, string> = {
    String:
      native === 'Uuid'
        ? 'uuid'
        : native === 'VarChar'
          ? 'character varying'
          : native === 'Citext'
            ? 'USER-DEFINED'
            : 'text',
    Int: 'integer',
    BigInt: 'bigint',
    Boolean: 'boolean',
    Float: 'double precision',
    Decimal: 'numeric',
    DateTime:
      native === 'Timestamptz'
        ? 'timestamp with time zone'
        : native === 'Date'
          ? 'date'
          : 'timestamp without time zone',
    Json: 'jsonb',
    Bytes: 'bytea',
  };
  const type = scalar[field.type];
  if (!type) throw new Error(`schema test does not know Prisma type ${field.type}`);
  return { data_type: field.isList ? 'ARRAY' : type };
}

describe('prisma/schema.prisma and prisma/migrations agree', () => {
  it('has exactly the tables of the schema', async () => {
    const { rows } = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    );
    const actual = rows
      .map((row) => row.table_name)
      .filter((name) => name !== '_prisma_migrations')
      .sort();
    expect(actual).toEqual(dmmf.datamodel.models.map(tableName).sort());
  });

  it('has every scalar field as a column of the right type and nullability, and no other column', async () => {
    const all = await columns();
    const enumDbNames = new Map(dmmf.datamodel.enums.map((e) => [e.name, e.dbName ?? e.name]));
    for (const model of dmmf.datamodel.models) {
      const table = tableName(model);
      const scalarFields = model.fields.filter((field) => field.kind !== 'object');
      const actual = all.filter((column) => column.table_name === table);
      expect(actual.map((c) => c.column_name).sort(), `columns of ${table}`).toEqual(
        scalarFields.map(columnName).sort(),
      );
      for (const field of scalarFields) {
        const column = actual.find((c) => c.column_name === columnName(field));
        const where = `${model.name}.${field.name} (${table}.${columnName(field)})`;
        const expected = expectedType(field, enumDbNames);
        expect(column?.data_type, `type of ${where}`).toBe(expected.data_type);
        if (expected.udt_name) expect(column?.udt_name, `enum of ${where}`).toBe(expected.udt_name);
        expect(column?.is_nullable, `nullability of ${where}`).toBe(
          field.isRequired ? 'NO' : 'YES',
        );
        if (field.nativeType?.[0] === 'VarChar' && field.nativeType[1][0]) {
          expect(column?.character_maximum_length, `length of ${where}`).toBe(
            Number(field.nativeType[1][0]),
          );
        }
        if (field.type === 'DateTime' && (field.nativeType?.[1][0] ?? '3')) {
          expect(column?.datetime_precision, `precision of ${where}`).toBe(
            Number(field.nativeType?.[1][0] ?? 3),
          );
        }
      }
    }
  });

  it('has every enum with exactly its values', async () => {
    const { rows } = await client.query<{ typname: string; labels: string[] }>(
      `SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS labels
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`,
    );
    const actual = Object.fromEntries(rows.map((row) => [row.typname, row.labels]));
    const expected = Object.fromEntries(
      dmmf.datamodel.enums.map((e) => [
        e.dbName ?? e.name,
        e.values.map((v) => v.dbName ?? v.name),
      ]),
    );
    expect(actual).toEqual(expected);
  });

  it('has every primary key, unique constraint and foreign key', async () => {
    const { rows: constraints } = await client.query<{
      table_name: string;
      type: string;
      columns: string[];
      ref_table: string | null;
      ref_columns: string[] | null;
    }>(
      `SELECT c.conrelid::regclass::text AS table_name, c.contype AS type,
              array(SELECT a.attname FROM unnest(c.conkey) k JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k ORDER BY a.attname)::text[] AS columns,
              c.confrelid::regclass::text AS ref_table,
              array(SELECT a.attname FROM unnest(c.confkey) k JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k ORDER BY a.attname)::text[] AS ref_columns
         FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE n.nspname = 'public' AND c.contype IN ('p', 'u', 'f')`,
    );
    const { rows: uniqueIndexes } = await client.query<{ table_name: string; columns: string[] }>(
      `SELECT t.relname AS table_name,
              array(SELECT a.attname FROM unnest(i.indkey) k JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k ORDER BY a.attname)::text[] AS columns
         FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = 'public' AND i.indisunique`,
    );
    const unquote = (name: string) => name.replaceAll('"', '');
    const sorted = (names: readonly string[]) => [...names].sort();
    for (const model of dmmf.datamodel.models) {
      const table = tableName(model);
      const byName = new Map(model.fields.map((field) => [field.name, columnName(field)]));
      const idFields =
        model.primaryKey?.fields ?? model.fields.filter((f) => f.isId).map((f) => f.name);
      const pk = constraints.find((c) => unquote(c.table_name) === table && c.type === 'p');
      expect(pk?.columns, `primary key of ${table}`).toEqual(
        sorted(idFields.map((f) => byName.get(f) ?? f)),
      );

      const uniques = [
        ...model.fields.filter((f) => f.isUnique).map((f) => [f.name]),
        ...model.uniqueFields.map((fields) => [...fields]),
      ];
      for (const fields of uniques) {
        const cols = sorted(fields.map((f) => byName.get(f) ?? f));
        const found = uniqueIndexes.some(
          (index) =>
            index.table_name === table && JSON.stringify(index.columns) === JSON.stringify(cols),
        );
        expect(found, `unique (${cols.join(', ')}) on ${table}`).toBe(true);
      }

      for (const field of model.fields.filter(
        (f) => f.kind === 'object' && (f.relationFromFields?.length ?? 0) > 0,
      )) {
        const target = dmmf.datamodel.models.find((m) => m.name === field.type);
        if (!target) throw new Error(`relation ${model.name}.${field.name} to unknown model`);
        const targetByName = new Map(target.fields.map((f) => [f.name, columnName(f)]));
        const cols = sorted((field.relationFromFields ?? []).map((f) => byName.get(f) ?? f));
        const refCols = sorted((field.relationToFields ?? []).map((f) => targetByName.get(f) ?? f));
        const fk = constraints.find(
          (c) =>
            c.type === 'f' &&
            unquote(c.table_name) === table &&
            JSON.stringify(c.columns) === JSON.stringify(cols),
        );
        expect(fk, `foreign key ${table}(${cols.join(', ')})`).toBeDefined();
        expect(unquote(fk?.ref_table ?? ''), `target of ${table}(${cols.join(', ')})`).toBe(
          tableName(target),
        );
        expect(fk?.ref_columns, `target columns of ${table}(${cols.join(', ')})`).toEqual(refCols);
      }
    }
  });
});
