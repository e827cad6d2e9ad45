import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  apiRoleConnectionString,
  createTestDatabase,
  type TestDatabase,
} from '../../../test/database';
import { createTestOrg, createUser } from '../../../test/factories';
import { createPrismaClient, type Db } from '../../db/client';
import { verifyAuditChain } from './chain';
import { auditContent } from './list';
import { recordAudit } from './record';

/**
 * The audit log is append-only for the API's own database role (migration
 * 20261203130000_roles, docs/database.md "Roles"): every statement below runs on a connection
 * made as a login role that is a member of `conclave_api`, the role the API connects as.
 */
let database: TestDatabase;
let apiUrl: string | null;
let api: pg.Client;
let apiDb: Db;
let orgId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  apiUrl = await apiRoleConnectionString(database);
  if (!apiUrl) return;
  api = new pg.Client({ connectionString: apiUrl });
  await api.connect();
  apiDb = createPrismaClient({ connectionString: apiUrl, poolSize: 2 });
  const owner = await createUser(apiDb);
  orgId = (await createTestOrg(apiDb, { owner })).id;
});

afterAll(async () => {
  await api?.end();
  await apiDb?.$disconnect();
  await database?.drop();
});

async function refused(sql: string): Promise<string> {
  try {
    await api.query(sql);
  } catch (error) {
    return (error as { code?: string }).code ?? 'error';
  }
  return 'accepted';
}

describe('the API role and the audit log', () => {
  // PGlite (no PostgreSQL on this machine, never in CI) has a single session user.
  beforeEach((context) => {
    if (!apiUrl) context.skip();
  });

  it('connects as a role that is neither superuser nor owner of the audit tables', async () => {
    expect(apiUrl).not.toBeNull();
    const { rows } = await api.query<{ super: boolean; owner: boolean }>(`
        SELECT r.rolsuper AS super,
               pg_has_role(current_user, c.relowner, 'MEMBER') AS owner
          FROM pg_roles r, pg_class c
         WHERE r.rolname = current_user AND c.oid = '"audit_entries"'::regclass`);
    expect(rows[0]).toEqual({ super: false, owner: false });
  });

  it('appends entries through recordAudit, and the chain verifies', async () => {
    await recordAudit(apiDb, { orgId, actorUserId: null, action: 'test.as_api_role' });
    const rows = await apiDb.auditEntry.findMany({ where: { orgId }, orderBy: { seq: 'asc' } });
    expect(rows.at(-1)?.action).toBe('test.as_api_role');
    expect(verifyAuditChain(rows.map(auditContent))).toMatchObject({ ok: true });
    const head = await apiDb.auditHead.findUniqueOrThrow({ where: { chain: `org:${orgId}` } });
    expect(head).toMatchObject({ seq: rows.at(-1)!.seq, hash: rows.at(-1)!.hash });
  });

  it('cannot change, remove or hide audit entries, nor switch their triggers off', async () => {
    const before = await api.query('SELECT count(*)::int AS n FROM "audit_entries"');
    // 42501: insufficient_privilege; ALTER/DROP need ownership (also 42501).
    expect(await refused(`UPDATE "audit_entries" SET "action" = 'forged'`)).toBe('42501');
    expect(await refused('DELETE FROM "audit_entries"')).toBe('42501');
    expect(await refused('TRUNCATE "audit_entries"')).toBe('42501');
    expect(await refused('ALTER TABLE "audit_entries" DISABLE TRIGGER ALL')).toBe('42501');
    expect(
      await refused('ALTER TABLE "audit_entries" DISABLE TRIGGER "audit_entries_no_update_delete"'),
    ).toBe('42501');
    expect(await refused('DROP TRIGGER "audit_entries_no_update_delete" ON "audit_entries"')).toBe(
      '42501',
    );
    expect(await refused('DROP TABLE "audit_entries"')).toBe('42501');
    expect(await refused(`SET session_replication_role = replica`)).toBe('42501');
    const after = await api.query('SELECT count(*)::int AS n FROM "audit_entries"');
    expect(after.rows).toEqual(before.rows);
  });

  it('cannot rewrite audit_heads except by appending the next link', async () => {
    const chain = `org:${orgId}`;
    const { rows } = await api.query<{ seq: number; hash: string }>(
      'SELECT "seq", "hash" FROM "audit_heads" WHERE "chain" = $1',
      [chain],
    );
    const head = rows[0]!;
    expect(await refused(`UPDATE "audit_heads" SET "seq" = 0`)).toBe('42501');
    expect(await refused(`DELETE FROM "audit_heads"`)).toBe('42501');
    expect(await refused('TRUNCATE "audit_heads"')).toBe('42501');
    expect(
      await refused(
        `INSERT INTO "audit_heads" ("chain", "seq", "hash", "updated_at") VALUES ('forged', 9, 'x', now())`,
      ),
    ).toBe('42501');
    const insert = (seq: number, prevHash: string) =>
      refused(`INSERT INTO "audit_entries"
          ("id", "chain", "org_id", "seq", "occurred_at", "action", "details", "prev_hash", "hash")
          VALUES (gen_random_uuid(), '${chain}', '${orgId}', ${seq}, now(), 'forged', '{}',
                  '${prevHash}', '${'f'.repeat(64)}')`);
    // An entry that skips, repeats or forks the chain: integrity_constraint_violation.
    expect(await insert(head.seq + 5, head.hash)).toBe('23000');
    expect(await insert(head.seq, head.hash)).toBe('23000');
    expect(await insert(head.seq + 1, '0'.repeat(64))).toBe('23000');
    const again = await api.query('SELECT "seq", "hash" FROM "audit_heads" WHERE "chain" = $1', [
      chain,
    ]);
    expect(again.rows).toEqual([head]);
  });

  it('may read and write every other table the app uses, and only read the history', async () => {
    const { rows } = await api.query<{ table: string; select: boolean; write: boolean }>(`
        SELECT c.relname AS table,
               has_table_privilege(c.oid, 'SELECT') AS select,
               has_table_privilege(c.oid, 'INSERT,UPDATE,DELETE') AS write
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind = 'r'`);
    const byName = new Map(rows.map((row) => [row.table, row]));
    for (const row of rows) {
      expect(row.select, `SELECT on ${row.table}`).toBe(true);
    }
    const readOnly = ['_prisma_migrations', 'audit_heads'];
    for (const row of rows.filter(
      (r) => !readOnly.includes(r.table) && r.table !== 'audit_entries',
    )) {
      expect(row.write, `INSERT, UPDATE, DELETE on ${row.table}`).toBe(true);
    }
    for (const name of readOnly) expect(byName.get(name)?.write).toBe(false);
    expect(await refused('CREATE TABLE "intruder" ("x" int)')).toBe('42501');
  });
});
