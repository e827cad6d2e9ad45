import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmptyDatabase } from '../../test/database';
import { MigrationError, applyMigrations, pendingMigrations, readMigrations } from './migrations';

let database: Awaited<ReturnType<typeof createEmptyDatabase>>;
let dir: string;

async function writeMigration(name: string, sql: string) {
  await mkdir(path.join(dir, name), { recursive: true });
  await writeFile(path.join(dir, name, 'migration.sql'), sql);
}

async function query<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: database.connectionString });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

beforeEach(async () => {
  database = await createEmptyDatabase();
  dir = await mkdtemp(path.join(tmpdir(), 'conclave-migrations-'));
});

afterEach(async () => {
  await database.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('migration runner', () => {
  it('applies the project migrations and records them as Prisma Migrate does', async () => {
    const result = await applyMigrations({ connectionString: database.connectionString });
    const migrations = await readMigrations();
    expect(result.applied).toEqual(migrations.map((m) => m.name));
    const rows = await query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      applied_steps_count: number;
    }>(
      'SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows.map((r) => r.migration_name)).toEqual(migrations.map((m) => m.name));
    for (const [index, row] of rows.entries()) {
      expect(row.checksum).toBe(migrations[index]?.checksum);
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.applied_steps_count).toBe(1);
    }
    expect(await pendingMigrations(database.connectionString)).toEqual([]);
  });

  it('is idempotent and applies only what is new, in name order', async () => {
    await writeMigration('20260101000000_a', 'CREATE TABLE a (id int PRIMARY KEY);');
    expect(
      (await applyMigrations({ connectionString: database.connectionString, dir })).applied,
    ).toEqual(['20260101000000_a']);
    await writeMigration('20260102000000_b', 'CREATE TABLE b (id int PRIMARY KEY);');
    expect(await pendingMigrations(database.connectionString, dir)).toEqual(['20260102000000_b']);
    const second = await applyMigrations({ connectionString: database.connectionString, dir });
    expect(second).toEqual({ applied: ['20260102000000_b'], alreadyApplied: ['20260101000000_a'] });
    expect(await applyMigrations({ connectionString: database.connectionString, dir })).toEqual({
      applied: [],
      alreadyApplied: ['20260101000000_a', '20260102000000_b'],
    });
  });

  it('rolls back a failing migration completely and says which one failed', async () => {
    await writeMigration('20260101000000_ok', 'CREATE TABLE ok (id int PRIMARY KEY);');
    await writeMigration(
      '20260102000000_broken',
      'CREATE TABLE half (id int); SELECT * FROM no_such_table;',
    );
    await expect(
      applyMigrations({ connectionString: database.connectionString, dir }),
    ).rejects.toThrow(/20260102000000_broken failed and was rolled back: .*no_such_table/);
    const tables = await query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(tables.map((t) => t.table_name)).toEqual(['_prisma_migrations', 'ok']);
    expect(await pendingMigrations(database.connectionString, dir)).toEqual([
      '20260102000000_broken',
    ]);
  });

  it('refuses to run when an applied migration was edited afterwards', async () => {
    await writeMigration('20260101000000_a', 'CREATE TABLE a (id int PRIMARY KEY);');
    await applyMigrations({ connectionString: database.connectionString, dir });
    await writeMigration('20260101000000_a', 'CREATE TABLE a (id bigint PRIMARY KEY);');
    const attempt = applyMigrations({ connectionString: database.connectionString, dir });
    await expect(attempt).rejects.toBeInstanceOf(MigrationError);
    await expect(attempt).rejects.toThrow(/changed after it was applied/);
  });
});
